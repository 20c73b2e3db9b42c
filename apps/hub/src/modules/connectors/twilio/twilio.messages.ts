import type { Sql } from '../../../platform/db/index.ts';
import { holdPersons, type IngestItem, type IngestResult } from '../../graph/index.ts';
import { twilioRepository as repo, type MessageRow } from './twilio.repository.ts';

export type MessageStatus =
  'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

/** Twilio's MessageStatus values mapped to ours (accepted/scheduled: still queued at Twilio). */
const statusOf: Record<string, MessageStatus> = {
  queued: 'queued',
  accepted: 'queued',
  scheduled: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

export function messageStatusOf(twilioStatus: string): MessageStatus | undefined {
  return statusOf[twilioStatus];
}

const rank: Record<MessageStatus, number> = {
  received: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  undelivered: 6,
  failed: 6,
};

/** The statuses `next` moves a message forward from (advances), for a guard written in SQL. */
export const statusesBefore = (next: MessageStatus) =>
  (Object.keys(rank) as MessageStatus[]).filter((current) => advances(current, next));

/**
 * Status only moves forward (callbacks arrive out of order): queued < sending < sent <
 * delivered < read; failed and undelivered are terminal and nothing moves a message out of them.
 */
export function advances(current: MessageStatus | undefined, next: MessageStatus): boolean {
  if (current === undefined) return true;
  if (current === 'failed' || current === 'undelivered') return false;
  return rank[next] > rank[current];
}

/** A phone number in E.164 form (not a short code like 22395 or an alphanumeric sender like VERIFY). */
export const isPhone = (value: string) => /^\+[1-9][0-9]{6,14}$/.test(value);

/** One thread per person and own number. */
export const threadIdOf = (personId: string, ownNumber: string) => `sms:${ownNumber}:${personId}`;

/**
 * The thread of a sender that is not a phone number (a short code, an alphanumeric sender
 * ID): no person, one thread per own number and sender. Characters a thread id cannot carry
 * (`:`, `/`, ...) become `_`.
 */
export const senderThreadIdOf = (sender: string, ownNumber: string) =>
  `sms:${ownNumber}:${sender.replace(/[^A-Za-z0-9 ._&+-]/g, '_').slice(0, 64)}`;

export interface SmsFacts {
  messageSid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  body: string;
  status: MessageStatus;
  segments?: number;
  /** The other side's person; null for a sender that is not a phone number (no person to link). */
  personId: string | null;
  ownNumber: string;
  media: { contentType: string; path?: string; fileId?: string }[];
  errorCode?: number;
  error?: string;
  occurredAt: string;
}

/** The message entity for graph.ingest: source twilio, external id the MessageSid, linked to the person. */
export function smsItem(facts: SmsFacts): IngestItem {
  const other = facts.direction === 'inbound' ? facts.from : facts.to;
  return {
    type: 'message',
    source: 'twilio',
    externalId: facts.messageSid,
    title: facts.body.slice(0, 120) || (facts.media.length > 0 ? 'MMS' : 'SMS'),
    body: facts.body,
    occurredAt: facts.occurredAt,
    properties: {
      channel: 'sms',
      direction: facts.direction,
      from: facts.from,
      to: [facts.to],
      status: facts.status,
      threadId:
        facts.personId === null
          ? senderThreadIdOf(other, facts.ownNumber)
          : threadIdOf(facts.personId, facts.ownNumber),
      ...(facts.segments === undefined ? {} : { segments: facts.segments }),
      ...(facts.media.length > 0 ? { media: facts.media } : {}),
      ...(facts.errorCode === undefined ? {} : { errorCode: facts.errorCode }),
      ...(facts.error === undefined ? {} : { error: facts.error }),
    },
    // A short code or an alphanumeric sender has no person: graph ingest takes only phone numbers.
    people: isPhone(other) ? [{ role: facts.direction === 'inbound' ? 'from' : 'to', phone: other }] : [],
  };
}

type IngestIn = (items: IngestItem[]) => Promise<IngestResult>;

/**
 * Re-ingests a stored message with some properties changed (status, media): the row is
 * locked first, so concurrent callbacks for one message apply one after the other. Its
 * thread's person is held before (as a merge locks persons before messages), so a merge
 * either moved it already (and the row read has the survivor's thread) or waits for this.
 */
export async function patchMessage(
  tx: Sql,
  ownerId: string,
  ingest: IngestIn,
  messageSid: string,
  patch: (row: MessageRow) => Record<string, unknown> | undefined,
): Promise<'updated' | 'unchanged' | 'missing'> {
  await repo.holdThreadPerson(tx, ownerId, messageSid);
  const row = await repo.lockMessage(tx, ownerId, messageSid);
  if (!row) return 'missing';
  const changes = patch(row);
  if (!changes) return 'unchanged';
  const properties = { ...row.properties, ...changes };
  const direction = properties.direction === 'outbound' ? 'outbound' : 'inbound';
  const other = direction === 'inbound' ? properties.from : (properties.to as string[] | undefined)?.[0];
  await ingest([
    {
      type: 'message',
      source: 'twilio',
      externalId: messageSid,
      title: row.title,
      body: row.body,
      occurredAt: row.occurred_at === null ? null : new Date(row.occurred_at).toISOString(),
      properties,
      people:
        typeof other === 'string' && isPhone(other)
          ? [{ role: direction === 'inbound' ? 'from' : 'to', phone: other }]
          : [],
    },
  ]);
  return 'updated';
}

/** The person a number belongs to, made (with Twilio provenance) when nobody has it yet. */
export async function personFor(tx: Sql, ownerId: string, ingest: IngestIn, phone: string): Promise<string> {
  return (await personsFor(tx, ownerId, ingest, [phone])).get(phone)!;
}

/** `personFor` for many numbers at once: one lookup, and one ingest for those nobody has. */
export async function personsFor(
  tx: Sql,
  ownerId: string,
  ingest: IngestIn,
  phones: readonly string[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(phones)];
  return holdLive(tx, ownerId, await makePersons(ingest, await repo.personsByPhone(tx, ownerId, wanted), wanted));
}

/**
 * Holds the persons of some numbers against merges until commit and maps each number to its
 * live person (one merged meanwhile: its survivor), so a thread id or link written under it
 * cannot name a tombstone (graph's holdPersons). Taken after makePersons, so that persons made
 * for unknown numbers are held too.
 */
export async function holdLive(tx: Sql, ownerId: string, persons: Map<string, string>): Promise<Map<string, string>> {
  const live = await holdPersons(tx, ownerId, [...persons.values()]);
  return new Map([...persons].map(([phone, id]) => [phone, live.get(id) ?? id]));
}

/** Adds to `persons` (numbers already looked up) a person, made in one ingest, for each number nobody has. */
export async function makePersons(
  ingest: IngestIn,
  persons: Map<string, string>,
  phones: readonly string[],
): Promise<Map<string, string>> {
  const unknown = [...new Set(phones)].filter((phone) => !persons.has(phone));
  if (unknown.length > 0) {
    const made = await ingest(
      unknown.map((phone) => ({
        type: 'person' as const,
        title: phone,
        source: 'twilio',
        externalId: `person:${phone}`,
        phones: [phone],
      })),
    );
    unknown.forEach((phone, index) => persons.set(phone, made.items[index]!.id));
  }
  return persons;
}
