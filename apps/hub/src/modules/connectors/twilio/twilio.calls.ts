import type { Sql } from '../../../platform/db/index.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { IngestItem, IngestResult } from '../../graph/index.ts';

/** A call's status as stored (packages/shared callPropertiesSchema). */
export type CallStatus =
  'ringing' | 'in_progress' | 'completed' | 'missed' | 'busy' | 'failed' | 'no_answer' | 'canceled' | 'voicemail';

/**
 * Status only moves forward (Twilio's callbacks arrive out of order and repeated): ringing <
 * in progress < an end (completed, missed, busy, ...) < voicemail (a missed call that left a
 * recording). Nothing moves a call from one end to another.
 */
const rank: Record<CallStatus, number> = {
  ringing: 0,
  in_progress: 1,
  completed: 2,
  missed: 2,
  busy: 2,
  failed: 2,
  no_answer: 2,
  canceled: 2,
  voicemail: 3,
};

export function callAdvances(current: CallStatus | undefined, next: CallStatus): boolean {
  if (current === undefined) return true;
  if (next === 'voicemail') return current === 'ringing' || current === 'missed';
  return rank[next] > rank[current];
}

/** Twilio's CallStatus / DialCallStatus values mapped to ours. */
const statusOf: Record<string, CallStatus> = {
  queued: 'ringing',
  initiated: 'ringing',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  answered: 'in_progress',
  completed: 'completed',
  busy: 'busy',
  failed: 'failed',
  'no-answer': 'no_answer',
  canceled: 'canceled',
};

export const callStatusOf = (twilioStatus: string): CallStatus | undefined => statusOf[twilioStatus];

export interface CallFacts {
  callSid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  ownNumber: string;
  status: CallStatus;
  startedAt: string;
}

/** The other party's number: who the call is "with". */
export const otherPartyOf = (properties: { direction?: unknown; from?: unknown; to?: unknown }) =>
  String(properties.direction === 'inbound' ? properties.from : properties.to);

const isPhone = (value: string) => /^\+[1-9][0-9]{6,14}$/.test(value);

/** The call entity for graph.ingest: source twilio, external id the (parent) CallSid, linked `with` the person. */
export function callItem(facts: CallFacts): IngestItem {
  return callItemOf(facts.callSid, {
    direction: facts.direction,
    from: facts.from,
    to: facts.to,
    ownNumber: facts.ownNumber,
    status: facts.status,
    startedAt: facts.startedAt,
  });
}

function callItemOf(callSid: string, properties: Record<string, unknown>): IngestItem {
  const other = otherPartyOf(properties);
  const verb = properties.direction === 'inbound' ? 'Call from' : 'Call to';
  return {
    type: 'call',
    source: 'twilio',
    externalId: callSid,
    title: `${verb} ${other}`,
    occurredAt: typeof properties.startedAt === 'string' ? properties.startedAt : null,
    properties,
    // Withheld or non-phone callers ("anonymous", client:…) have no person to link.
    people: isPhone(other) ? [{ role: 'with', phone: other }] : [],
  };
}

export type CallRow = { id: string; properties: Record<string, unknown> };

type IngestIn = (items: IngestItem[]) => Promise<IngestResult>;

/** A Twilio call (by its CallSid), locked so concurrent callbacks for one call apply one at a time. */
export async function lockCall(tx: Sql, ownerId: string, callSid: string): Promise<CallRow | undefined> {
  const result = await tx.query<CallRow>(
    `SELECT id, properties FROM public.entities
      WHERE owner_id = $1 AND source = 'twilio' AND external_id = $2 AND type = 'call' AND deleted_at IS NULL
      FOR UPDATE`,
    [ownerId, callSid],
  );
  return result.rows[0];
}

/** The person the call is linked `with` (for events). */
export async function personOfCall(tx: Sql, ownerId: string, callId: string): Promise<string | null> {
  const result = await tx.query<{ to_id: string }>(
    `SELECT to_id FROM public.entity_links WHERE owner_id = $1 AND from_id = $2 AND kind = 'with' LIMIT 1`,
    [ownerId, callId],
  );
  return result.rows[0]?.to_id ?? null;
}

/**
 * Re-ingests a stored call with some properties changed (status, duration, recording) after
 * locking it. `patch` answers undefined to change nothing (a replayed or late callback).
 */
export async function patchCall(
  tx: Sql,
  ownerId: string,
  ingest: IngestIn,
  callSid: string,
  patch: (row: CallRow) => Record<string, unknown> | undefined,
): Promise<{ row: CallRow; properties: Record<string, unknown>; before: Record<string, unknown> } | undefined> {
  const row = await lockCall(tx, ownerId, callSid);
  if (!row) return undefined;
  const changes = patch(row);
  if (!changes) return undefined;
  const properties = { ...row.properties, ...changes };
  await ingest([callItemOf(callSid, properties)]);
  return { row, properties, before: row.properties };
}

/** comms.CallCompleted / comms.CallMissed when a patch moved the call into completed or missed. */
export async function emitCallEvents(
  tx: Sql,
  outbox: Pick<EventOutbox, 'append'>,
  connection: { id: string; ownerId: string },
  patched: { row: CallRow; properties: Record<string, unknown>; before: Record<string, unknown> },
) {
  const { properties, before, row } = patched;
  if (properties.status === before.status) return;
  const facts = {
    callId: row.id,
    connectionId: connection.id,
    personId: await personOfCall(tx, connection.ownerId, row.id),
    direction: properties.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const),
    from: String(properties.from ?? ''),
    to: String(properties.to ?? ''),
  };
  const base = {
    ownerId: connection.ownerId,
    subject: row.id,
    actor: { kind: 'connector' as const, id: connection.id },
  };
  if (properties.status === 'completed')
    await outbox.append(tx, {
      ...base,
      type: 'comms.CallCompleted',
      data: {
        ...facts,
        durationSeconds: typeof properties.durationSeconds === 'number' ? properties.durationSeconds : null,
      },
    });
  if (properties.status === 'missed') await outbox.append(tx, { ...base, type: 'comms.CallMissed', data: facts });
}
