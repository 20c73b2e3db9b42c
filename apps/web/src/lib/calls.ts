import 'server-only';
import { z } from 'zod';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';
import { friendlyHubError, HubError, type HubErrorBody } from '@/lib/errors';
import { getDefaultRegion } from '@/lib/account';
import { fetchConnections } from '@/lib/connections/api';
import { hubFetch } from '@/lib/hub';
import { sendersFor } from '@/lib/messages/senders';
import { readablePhone } from '@/lib/phones';
import { accountOfToken, ringAccounts, type Minted, type RingAccounts } from '@/lib/voice-accounts';

export const CALL_FILTERS = ['missed', 'incoming', 'outgoing'] as const;
export type CallFilter = (typeof CALL_FILTERS)[number];
/** Calls per page of the history. */
export const CALL_PAGE_SIZE = 50;

export const CallSchema = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  number: z.string(),
  status: z.string(),
  durationSeconds: z.number().nullable(),
  startedAt: z.string().nullable(),
  person: z.object({ id: z.string(), name: z.string() }).nullable(),
  recording: z
    .object({ durationSeconds: z.number().nullable(), path: z.string().nullable(), url: z.string().nullable() })
    .nullable(),
});
export type Call = z.infer<typeof CallSchema>;

const CallPageSchema = z.object({ items: z.array(CallSchema), nextCursor: z.string().nullable() });

/** A call with its number as the reader writes it (`number` stays E.164 for links). */
export type ShownCall = Call & { numberLabel: string };

/**
 * GET /api/v1/calls: a page of calls, newest first, optionally only missed, incoming or
 * outgoing; `cursor` (a page's `nextCursor`, for the same filter) continues with older ones.
 */
export async function listCalls(filter: CallFilter | undefined, cursor?: string, limit = CALL_PAGE_SIZE) {
  const [page, region] = await Promise.all([
    hubFetch('/calls', { query: { filter, cursor, limit } }),
    getDefaultRegion(),
  ]);
  const parsed = CallPageSchema.parse(page);
  return {
    ...parsed,
    items: parsed.items.map((call): ShownCall => ({
      ...call,
      // A person made for an unknown number is named by it.
      person: call.person && { ...call.person, name: readablePhone(call.person.name, region) },
      numberLabel: readablePhone(call.number, region),
    })),
  };
}

const VoiceTokenSchema = z.object({
  token: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  connectionId: z.string(),
  number: z.string(),
});
/** The hub's token, with the Twilio account it belongs to (its `sub`): the browser keeps one Device per account. */
export type VoiceToken = z.infer<typeof VoiceTokenSchema> & { account: string };

/**
 * POST /api/v1/calls/token: a one-hour Access Token for @twilio/voice-sdk. Calls placed with
 * it go out from `connectionId`'s number (needed only when several are connected: without
 * it, the hub uses the first).
 */
export async function getVoiceToken(connectionId?: string): Promise<VoiceToken> {
  const token = VoiceTokenSchema.parse(
    await hubFetch('/calls/token', { method: 'POST', body: connectionId ? { connectionId } : {} }),
  );
  return { ...token, account: accountOfToken(token.token) ?? token.connectionId };
}

const VoiceConnectionsSchema = z.object({
  connections: z.array(
    z.object({ id: z.string(), provider: z.string(), credentialId: z.string(), label: z.string(), status: z.string() }),
  ),
});

/**
 * A token for each Twilio account the user has a number on (lib/voice-accounts.ts), for the tab
 * that rings: a Device registered on one account never rings for another's numbers. Numbers
 * are written as the reader writes them, for the ringing status.
 */
export async function getRingTokens(): Promise<RingAccounts> {
  const [listed, region] = await Promise.all([fetchConnections(), getDefaultRegion()]);
  const { connections } = VoiceConnectionsSchema.parse(listed);
  const voice = new Set(sendersFor(connections, 'voice').map((sender) => sender.id));
  const mint = async (connectionId: string): Promise<Minted> => {
    try {
      return { ok: true, token: (await getVoiceToken(connectionId)).token };
    } catch (error) {
      if (error instanceof HubError) return { ok: false, code: error.code, error: error.message };
      throw error;
    }
  };
  const found = await ringAccounts(
    connections.filter((c) => voice.has(c.id)),
    mint,
  );
  const readable = (numbers: string[]) => numbers.map((number) => readablePhone(number, region));
  return {
    accounts: found.accounts.map((account) => ({ ...account, numbers: readable(account.numbers) })),
    problems: found.problems.map((problem) => ({ ...problem, numbers: readable(problem.numbers) })),
  };
}

/** Who is calling, as the incoming-call banner shows them. */
export interface Caller {
  /** As Twilio sent it (E.164 for a phone; anything else for a withheld number). */
  number: string;
  /** The number as the reader writes it, or "Unknown number" when it was withheld. */
  label: string;
  /** The contact with this number, if there is one (a person named only by the number is not a name). */
  name: string | null;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** GET /api/v1/persons/lookup?phone=: the caller's contact, if the hub knows the number. */
export async function lookupCaller(number: string): Promise<Caller> {
  if (!E164.test(number))
    return { number, label: number && !/^anonymous$/i.test(number) ? number : 'Unknown number', name: null };
  const [person, region] = await Promise.all([
    hubFetch<{ title?: string | null }>('/persons/lookup', { query: { phone: number } }).catch((error: unknown) => {
      // Nobody has this number: the banner shows the number alone.
      if (error instanceof HubError && error.status === 404) return null;
      throw error;
    }),
    getDefaultRegion(),
  ]);
  const label = readablePhone(number, region);
  const title = person?.title?.trim();
  const named = title && title !== number && readablePhone(title, region) !== label;
  return { number, label, name: named ? title : null };
}

const VideoTokenSchema = z.object({
  token: z.string(),
  room: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  /** The room's guest link (a path on this web app), shown only to its owner. */
  guest: z.object({ path: z.string(), expiresAt: z.string() }),
});
export type VideoRoom = z.infer<typeof VideoTokenSchema>;

/** POST /api/v1/calls/video-token: a token for a new video room for a call with a person. */
export async function getVideoToken(personId: string): Promise<VideoRoom> {
  return VideoTokenSchema.parse(await hubFetch('/calls/video-token', { method: 'POST', body: { personId } }));
}

/** POST /api/v1/calls/video-rooms/:room/end: the room's guest link stops working. */
export async function endVideoRoom(room: string) {
  await hubFetch(`/calls/video-rooms/${encodeURIComponent(room)}/end`, { method: 'POST' });
}

const GuestTokenSchema = z.object({
  token: z.string(),
  room: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  hostName: z.string().nullable(),
});
export type GuestToken = z.infer<typeof GuestTokenSchema>;

/** POST /api/v1/calls/video-guest-token, without a session: the guest link is the credential. */
export async function getGuestVideoToken(token: string, name: string): Promise<GuestToken> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/v1/calls/video-guest-token', webEnv().supabaseUrl), {
      method: 'POST',
      // The hub limits guest-token requests per address: the guest's, not the web server's.
      headers: { ...(await browserHeaders()), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token, name }),
      cache: 'no-store',
    });
  } catch {
    throw new HubError(0, 'unreachable', friendlyHubError(0, undefined, undefined));
  }
  const json = (await response.json().catch(() => ({}))) as unknown;
  if (!response.ok) {
    const body = json as HubErrorBody;
    const code = body.error?.code ?? `http_${response.status}`;
    throw new HubError(response.status, code, friendlyHubError(response.status, code, body.error?.message));
  }
  return GuestTokenSchema.parse(json);
}
