import { PhoneIncoming, PhoneMissed, PhoneOutgoing, Voicemail } from 'lucide-react';
import Link from 'next/link';
import { LocalTime } from '@/components/ui/local-time';
import type { CallFilter, ShownCall } from '@/lib/calls';
import { cn } from '@/lib/utils';
import { buttonVariants } from '@/components/ui/button';
import { callsHref, formatDuration } from './format';
import { LinkPending } from './link-pending';

const FILTER_LINKS: { filter: CallFilter | undefined; label: string }[] = [
  { filter: undefined, label: 'All' },
  { filter: 'missed', label: 'Missed' },
  { filter: 'incoming', label: 'Incoming' },
  { filter: 'outgoing', label: 'Outgoing' },
];

/** How a call ended, as the start of "… from/to <number>". */
const STATUS_WORDS: Record<string, string> = {
  ringing: 'Ringing call',
  in_progress: 'Call in progress',
  completed: 'Answered call',
  missed: 'Missed call',
  voicemail: 'Voicemail',
  busy: 'Busy: call',
  failed: 'Failed call',
  no_answer: 'Unanswered call',
  canceled: 'Canceled call',
};

/** An incoming call's recording is a voicemail; an outgoing one's, the call itself recorded. */
const recordingWord = (call: ShownCall) => (call.direction === 'inbound' ? 'Voicemail' : 'Recording of the call');

function CallIcon({ call }: { call: ShownCall }) {
  const className = 'size-5 shrink-0';
  if (call.status === 'voicemail')
    return <Voicemail className={cn(className, 'text-destructive')} aria-hidden="true" />;
  if (call.direction === 'inbound' && call.status === 'missed')
    return <PhoneMissed className={cn(className, 'text-destructive')} aria-hidden="true" />;
  if (call.direction === 'inbound') return <PhoneIncoming className={className} aria-hidden="true" />;
  return <PhoneOutgoing className={className} aria-hidden="true" />;
}

/**
 * Calls newest first, with filters, call-back links and voicemail players. A page holds the
 * newest calls, or (with `older`, the cursor it was opened with) those before the page that
 * linked to it; `nextCursor` opens the page of calls before this one, for the same filter.
 */
export function CallHistory({
  calls,
  filter,
  nextCursor = null,
  older,
}: {
  calls: ShownCall[];
  filter: CallFilter | undefined;
  nextCursor?: string | null;
  older?: string;
}) {
  return (
    <div>
      <nav aria-label="Call filters" className="mb-4">
        <ul className="flex flex-wrap gap-2">
          {FILTER_LINKS.map((link) => {
            const current = link.filter === filter;
            return (
              <li key={link.label}>
                <Link
                  href={callsHref(link.filter)}
                  aria-current={current ? 'page' : undefined}
                  className={cn(
                    'inline-flex h-9 items-center rounded-full border border-border px-4 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring',
                    current ? 'bg-primary text-primary-foreground' : 'hover:bg-muted',
                  )}
                >
                  {link.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {calls.length === 0 ? (
        <p className="rounded-md border border-dashed border-border p-6 text-center text-sm text-muted-foreground">
          {older
            ? `No older ${filter ? `${filter} ` : ''}calls.`
            : filter
              ? `No ${filter} calls.`
              : 'No calls yet. Calls to and from your Twilio number appear here.'}
        </p>
      ) : (
        <ul className="divide-y divide-border rounded-lg border border-border" aria-label="Calls">
          {calls.map((call) => {
            const who = call.person?.name || call.numberLabel;
            const way = call.direction === 'inbound' ? 'from' : 'to';
            return (
              <li key={call.id} className="flex flex-wrap items-center gap-3 p-3">
                <CallIcon call={call} />
                <div className="min-w-0 flex-1">
                  <p className="truncate font-medium">
                    {call.person ? (
                      <Link href={`/contacts/${call.person.id}`} className="hover:underline">
                        {who}
                      </Link>
                    ) : (
                      who
                    )}
                  </p>
                  <p className="text-sm text-muted-foreground">
                    <span>
                      {STATUS_WORDS[call.status] ?? `Call (${call.status})`}
                      {call.number && ` ${way} ${call.numberLabel}`}
                    </span>
                    {' · '}
                    <LocalTime iso={call.startedAt} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
                    {call.durationSeconds !== null && call.status === 'completed' && (
                      <> · {formatDuration(call.durationSeconds)}</>
                    )}
                  </p>
                  {call.recording?.url && (
                    <audio
                      controls
                      preload="none"
                      src={call.recording.url}
                      className="mt-2 w-full max-w-sm"
                      aria-label={`${recordingWord(call)} ${way} ${who}`}
                    />
                  )}
                  {call.recording && !call.recording.url && (
                    <p className="mt-1 text-sm text-muted-foreground">
                      The {recordingWord(call).toLowerCase()} is still being fetched.
                    </p>
                  )}
                </div>
                {/* A withheld number cannot be called back. */}
                {call.number && (
                  <Link
                    href={`/calls?to=${encodeURIComponent(call.number)}`}
                    className="inline-flex h-9 items-center rounded-md border border-border px-3 text-sm hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring outline-none"
                    aria-label={`Call ${who} back`}
                  >
                    Call back
                  </Link>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {(nextCursor || older) && (
        <nav aria-label="Call history pages" className="mt-4 flex flex-wrap justify-center gap-3">
          {nextCursor && (
            <Link
              href={`${callsHref(filter, nextCursor)}#history-heading`}
              className={buttonVariants({ variant: 'outline' })}
            >
              <LinkPending />
              Older calls
            </Link>
          )}
          {older && (
            <Link href={`${callsHref(filter)}#history-heading`} className={buttonVariants({ variant: 'ghost' })}>
              <LinkPending />
              Newest calls
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}
