import { Download, Paperclip } from 'lucide-react';
import Link from 'next/link';
import { LocalTime } from '@/components/ui/local-time';
import { attachmentHref, fileSize, partyLabel, type Message, type Party } from '@/lib/messages/model';
import { EmailBody } from './email-body';

function People({ label, parties }: { label: string; parties: Party[] }) {
  if (parties.length === 0) return null;
  return (
    <p className="truncate text-xs text-muted-foreground">
      <span className="font-medium">{label}</span>{' '}
      {parties.map((party, index) => (
        <span key={party.address}>
          {index > 0 && ', '}
          {party.personId ? (
            <Link href={`/contacts/${party.personId}`} className="hover:underline" title={party.address}>
              {partyLabel(party)}
            </Link>
          ) : (
            <span title={party.address}>{partyLabel(party)}</span>
          )}
        </span>
      ))}
    </p>
  );
}

/** One email of a thread: sender, recipients, date, subject, its body and its files. */
export function EmailMessage({ message }: { message: Message }) {
  const email = message.email!;
  const files = email.attachments.filter((a) => !a.inline);
  const sender = email.from ? partyLabel(email.from) : 'Unknown sender';
  return (
    <li data-message-id={message.id}>
      <article aria-label={`From ${sender}`} className="grid gap-2 rounded-lg border border-border p-3">
        <header className="grid gap-0.5">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <p className="min-w-0 truncate font-medium">
              {message.direction === 'outbound' ? 'You' : sender}
              {email.from && email.from.name && (
                <span className="ml-1 text-xs font-normal text-muted-foreground">&lt;{email.from.address}&gt;</span>
              )}
            </p>
            <span className="shrink-0 text-xs text-muted-foreground">
              <LocalTime iso={message.at} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
            </span>
          </div>
          <People label="To" parties={email.to} />
          <People label="Cc" parties={email.cc} />
          {email.subject && <p className="text-sm">{email.subject}</p>}
        </header>
        {email.html ? (
          <EmailBody html={email.html} title={`Email from ${sender}: ${email.subject || 'no subject'}`} />
        ) : (
          <p className="text-sm whitespace-pre-wrap">{message.body}</p>
        )}
        {files.length > 0 && (
          <ul aria-label="Attachments" className="flex flex-wrap gap-2">
            {files.map((file) => (
              <li key={file.id}>
                <a
                  href={attachmentHref(message.id, file.id)}
                  download={file.name}
                  className="flex items-center gap-1.5 rounded-md border border-border px-2 py-1 text-sm outline-none hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring"
                >
                  <Paperclip className="size-3.5 text-muted-foreground" aria-hidden="true" />
                  <span className="max-w-48 truncate">{file.name}</span>
                  <span className="text-xs text-muted-foreground">{fileSize(file.size)}</span>
                  <Download className="size-3.5" aria-hidden="true" />
                  <span className="sr-only">(download)</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </article>
    </li>
  );
}
