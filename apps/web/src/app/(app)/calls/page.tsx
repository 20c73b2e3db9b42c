import type { Metadata } from 'next';
import Link from 'next/link';
import { CallHistory } from '@/components/calls/call-history';
import { cursorFrom } from '@/components/calls/format';
import { Dialer, type DialerContact } from '@/components/calls/dialer';
import { PageHeader } from '@/components/page-header';
import { CALLS_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { CALL_FILTERS, listCalls, type CallFilter } from '@/lib/calls';
import { listSenders } from '@/lib/connections/api';
import { listContactRows } from '@/lib/graph';
import { load } from '@/lib/hub';
import { listCapabilities } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Calls' };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function CallsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const wanted = one(params.filter);
  const filter = CALL_FILTERS.includes(wanted as CallFilter) ? (wanted as CallFilter) : undefined;
  // "Older calls" opens the page before with the hub's cursor; a filter link starts at the newest again.
  const older = cursorFrom(params.older);
  // Contact pages link here with ?to=<number> to prefill the dialer.
  const to = (one(params.to) ?? '').slice(0, 40);
  const [calls, contacts, capabilities, senders] = await Promise.all([
    load(() => listCalls(filter, older)),
    load(listContactRows),
    load(listCapabilities),
    load(() => listSenders('voice')),
  ]);
  const voice = capabilities.ok ? capabilities.data.find((c) => c.name === 'voice') : undefined;
  const people: DialerContact[] = contacts.ok
    ? contacts.data.rows.filter((row) => row.phones.length > 0).map(({ id, name, phones }) => ({ id, name, phones }))
    : [];
  return (
    <>
      <PageHeader {...CALLS_HEADER} />
      <div className="grid gap-8 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
        <section aria-labelledby="dialer-heading">
          <h2 id="dialer-heading" className="sr-only">
            Dialer
          </h2>
          {voice && !voice.enabled && (
            <p className="mb-4 rounded-md border border-border bg-muted p-3 text-sm" role="note">
              Calling is off: {voice.reason ?? 'no Twilio number is connected.'}{' '}
              <Link
                href="/settings/connections"
                className="font-medium text-primary underline-offset-4 hover:underline"
              >
                Set up calling
              </Link>
              .
            </p>
          )}
          <Dialer contacts={people} initialTo={to} senders={senders.ok ? senders.data : []} />
        </section>
        <section aria-labelledby="history-heading">
          <h2 id="history-heading" className="mb-3 text-lg font-semibold">
            Call history
          </h2>
          {calls.ok ? (
            <CallHistory calls={calls.data.items} filter={filter} nextCursor={calls.data.nextCursor} older={older} />
          ) : (
            <Problem message={calls.error} />
          )}
        </section>
      </div>
    </>
  );
}
