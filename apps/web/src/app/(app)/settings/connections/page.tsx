import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { ConnectTwilio } from '@/components/settings/connections/connect-twilio';
import { ConnectionCard } from '@/components/settings/connections/connection-card';
import { ConnectMicrosoft } from '@/components/settings/connections/connect-microsoft';
import { MicrosoftConnectionCard } from '@/components/settings/connections/microsoft-connection-card';
import { listMicrosoftConnections, listTwilioConnections } from '@/lib/connections/api';
import { load } from '@/lib/hub';
import { listCredentials } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Connections' };

export default async function ConnectionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = await searchParams;
  const result = await load(() =>
    Promise.all([listTwilioConnections(), listCredentials(), listMicrosoftConnections()]),
  );
  const header = (
    <PageHeader
      title="Connections"
      description="Your own accounts the hub works with. Connect a Twilio number to text from Made Open with your own number, and Microsoft 365 for your mail, calendar and contacts."
    />
  );
  if (!result.ok)
    return (
      <>
        {header}
        <Problem title="Could not load your connections" message={result.error} />
      </>
    );
  const [connections, credentials, microsoft] = result.data;
  // Where Microsoft's sign-in came back to (the hub's callback redirects here).
  const signedIn = query.msgraph === 'connected';
  const signInFailed = query.msgraph === 'error' && typeof query.reason === 'string' ? query.reason : undefined;
  return (
    <>
      {header}
      <div className="grid gap-6">
        {signedIn && (
          <p role="status" className="rounded-md border border-primary/50 p-3 text-sm">
            Microsoft 365 is connected. The first sync has started; its progress shows below.
          </p>
        )}
        {signInFailed && (
          <p role="alert" className="rounded-md border border-destructive/50 p-3 text-sm text-destructive">
            Microsoft 365 was not connected: {signInFailed}
          </p>
        )}
        <section aria-labelledby="microsoft-accounts" className="grid gap-3">
          <h2 id="microsoft-accounts" className="text-lg font-semibold">
            Microsoft 365
          </h2>
          {microsoft.length === 0 ? (
            <p className="text-sm text-muted-foreground">No Microsoft 365 account is connected yet.</p>
          ) : (
            microsoft.map((connection) => <MicrosoftConnectionCard key={connection.id} connection={connection} />)
          )}
        </section>
        <ConnectMicrosoft credentials={credentials.filter((c) => c.type === 'microsoft')} />
        <section aria-labelledby="connected-numbers" className="grid gap-3">
          <h2 id="connected-numbers" className="text-lg font-semibold">
            Twilio numbers
          </h2>
          {connections.length === 0 ? (
            <p className="text-sm text-muted-foreground">No number is connected yet.</p>
          ) : (
            connections.map((connection) => <ConnectionCard key={connection.id} connection={connection} />)
          )}
        </section>
        <ConnectTwilio
          credentials={credentials.filter((c) => c.type === 'twilio')}
          connected={connections.map((c) => c.label)}
        />
      </div>
    </>
  );
}
