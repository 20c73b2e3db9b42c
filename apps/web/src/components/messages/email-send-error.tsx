import Link from 'next/link';

const NO_ACCOUNT = /^(connection_unable|mail_credential_refused)$/;

export interface SendFailure {
  message: string;
  code?: string;
}

/** Why an email did not go out, with the way to Settings when a mail account is what is missing. */
export function EmailSendError({ error }: { error: SendFailure }) {
  return (
    <p role="alert" className="text-sm text-destructive">
      {error.code === 'no_mail_connection' ? (
        <>
          No mail account is connected, so this cannot be sent.{' '}
          <Link href="/settings/connections" className="font-medium underline underline-offset-4">
            Connect a mail account in Settings → Connections
          </Link>
          , then send again.
        </>
      ) : (
        <>
          {error.message}
          {error.code && NO_ACCOUNT.test(error.code) && (
            <>
              {' '}
              <Link href="/settings/connections" className="font-medium underline underline-offset-4">
                Open Settings → Connections
              </Link>
            </>
          )}
        </>
      )}
    </p>
  );
}
