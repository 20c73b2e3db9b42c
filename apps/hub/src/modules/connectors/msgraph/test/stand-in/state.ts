/**
 * STAND-IN state for Microsoft's identity platform and Graph (test support only): one
 * mailbox per account with messages per folder, events, contacts, each change numbered
 * so delta tokens can say "changes after N". Built from the documented payloads
 * (integrations.md §2). Modules (login, me, mail, calendar, contacts, batch) share it.
 */
import type { RouteAnswer } from './server.ts';

export interface Collection {
  /** Latest state of each item; `removed` items are tombstones delta reports as @removed. */
  items: Map<string, { version: number; removed: boolean; body: Record<string, unknown> }>;
}

export interface StandInAccount {
  id: string;
  mail: string;
  displayName: string;
  /** Collections by resource: mail:<folder>, calendar, contacts. */
  collections: Map<string, Collection>;
  version: number;
  /** Tokens issued before this version answer 410 Gone (an expired delta token). */
  minVersion: number;
}

export interface StandInApp {
  clientId: string;
  /** Absent: a public client. */
  clientSecret?: string;
  redirectUris: string[];
}

export interface Behaviour {
  /** The next N Graph requests answer 429 with this Retry-After (seconds). */
  throttle: { count: number; retryAfter: number };
  /** The next N delta requests with a token answer 400 syncStateNotFound. */
  syncStateNotFound: number;
  /** Repeat the last item of each page at the start of the next (Graph's replays). */
  replay: boolean;
  /** Slow every Graph request down by this much (to observe concurrency). */
  delayMs: number;
  /** Refresh tokens answer invalid_grant (revoked consent, password change). */
  revoked: boolean;
  /** Default page size when the client sends no Prefer odata.maxpagesize. */
  pageSize: number;
  /** The most a page holds whatever the client prefers (Graph may send fewer than asked). */
  maxPageSize: number;
}

export interface StandInState {
  apps: Map<string, StandInApp>;
  accounts: Map<string, StandInAccount>;
  /** code -> the grant it stands for. */
  codes: Map<string, { clientId: string; accountId: string; challenge: string; redirectUri: string; scope: string }>;
  /** refresh token -> account; each is replaced (rotated) on use. */
  refreshTokens: Map<string, { accountId: string; clientId: string; scope: string }>;
  /** access token -> account; `expiresAt` epoch ms. */
  accessTokens: Map<string, { accountId: string; expiresAt: number }>;
  behaviour: Behaviour;
  /** The account the authorize page signs in (the "user" at the login screen). */
  signInAs: string | undefined;
  /** Observed: requests in flight now and at most, per account; counts per kind. */
  inFlight: Map<string, number>;
  maxInFlight: Map<string, number>;
  /** The latest Graph requests (≤ 1,000) as they arrived, before throttling: who, what, when (epoch ms), the answer's status. */
  requests: { accountId: string; method: string; path: string; at: number; status?: number }[];
  /** $batch requests in flight now and at most (any account). */
  batchesInFlight: number;
  maxBatchesInFlight: number;
  counters: {
    token: number;
    refresh: number;
    graph: number;
    throttled: number;
    concurrencyRefused: number;
    batch: number;
  };
  /** Access tokens live this long (ms). */
  accessTtlMs: number;
  /** GET /me/events/{id} answered, per id (alone or in a $batch): how often a series master was asked for. */
  eventReads: Map<string, number>;
  /** GET /me/events/{id} answers 500 this many more times for the id (a master that fails once). */
  failEventReads: Map<string, number>;
  /** Every PATCH and DELETE of /me/events/{id} asked for (calendar-write.ts), refused ones too. */
  eventWrites: { method: 'PATCH' | 'DELETE'; id: string; ifMatch?: string | string[]; body?: unknown }[];
  /**
   * Runs after GET /me/events/{id}/instances made its answer and before it is sent (tests: a
   * change made in Outlook, and synced, while a client's series write was under way); an
   * answer it returns is sent instead (an outage).
   */
  afterInstancesAnswer?: (masterId: string) => Promise<RouteAnswer | void>;
  /**
   * Runs after GET /me/events/{id} (alone or in a $batch) made its answer and before it is sent
   * (tests: a client's write of that event, or of another, while a sync's read is under way).
   */
  afterEventRead?: (id: string) => Promise<void>;
  /**
   * Runs when PATCH /me/contacts/{id} arrives, before anything is looked at (tests: a change
   * made in Outlook, and synced, while a hub edit was on its way); an answer it returns is sent
   * instead (an outage).
   */
  beforeContactPatch?: (id: string) => Promise<RouteAnswer | void>;
  /**
   * Runs after PATCH /me/contacts/{id} saved the contact and before the answer is sent (tests:
   * the owner saving another edit in the hub while the previous one is on its way to Outlook).
   */
  afterContactPatch?: (id: string) => Promise<void>;
  /** Runs after POST /me/contacts saved the new contact and before the answer is sent. */
  afterContactCreate?: (id: string) => Promise<void>;
  /** POST /me/events answers 500 this many more times (a create that fails after another write worked). */
  failEventCreates: number;
  /** Every DELETE of /me/contacts/{id} asked for (contacts-write.ts) and its answer's status. */
  contactDeletes: { id: string; ifMatch?: string | string[]; status: number }[];
  /** DELETE /me/contacts/{id} answers 503 this many more times (Outlook unavailable). */
  failContactDeletes: number;
  /**
   * POST, PATCH and DELETE of /me/contacts answer 403 ErrorAccessDenied, as Graph does for a token
   * without Contacts.ReadWrite (an administrator consented to reading contacts only).
   */
  refuseContactWrites: boolean;
}

export function createState(): StandInState {
  return {
    apps: new Map(),
    accounts: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    behaviour: {
      throttle: { count: 0, retryAfter: 1 },
      syncStateNotFound: 0,
      replay: false,
      delayMs: 0,
      revoked: false,
      pageSize: 10,
      maxPageSize: 1000,
    },
    signInAs: undefined,
    inFlight: new Map(),
    maxInFlight: new Map(),
    requests: [],
    batchesInFlight: 0,
    maxBatchesInFlight: 0,
    counters: { token: 0, refresh: 0, graph: 0, throttled: 0, concurrencyRefused: 0, batch: 0 },
    accessTtlMs: 3_600_000,
    eventReads: new Map(),
    failEventReads: new Map(),
    eventWrites: [],
    failEventCreates: 0,
    contactDeletes: [],
    failContactDeletes: 0,
    refuseContactWrites: false,
  };
}

export function collectionOf(account: StandInAccount, resource: string): Collection {
  let collection = account.collections.get(resource);
  if (!collection) {
    collection = { items: new Map() };
    account.collections.set(resource, collection);
  }
  return collection;
}

/** Adds or changes an item (a new version); delta reports it after older tokens. */
export function put(account: StandInAccount, resource: string, body: Record<string, unknown> & { id: string }) {
  account.version += 1;
  collectionOf(account, resource).items.set(body.id, { version: account.version, removed: false, body });
}

/** Deletes an item: delta reports `{id, @removed: {reason: "deleted"}}`. */
export function remove(account: StandInAccount, resource: string, id: string) {
  account.version += 1;
  const item = collectionOf(account, resource).items.get(id);
  collectionOf(account, resource).items.set(id, {
    version: account.version,
    removed: true,
    body: item?.body ?? { id },
  });
}

export function addAccount(
  state: StandInState,
  account: { id: string; mail: string; displayName: string },
): StandInAccount {
  const created: StandInAccount = { ...account, collections: new Map(), version: 0, minVersion: 0 };
  state.accounts.set(account.id, created);
  return created;
}

/** How many live items a collection holds (a folder's totalItemCount, a list's @odata.count). */
export function liveCount(account: StandInAccount, resource: string): number {
  let n = 0;
  for (const item of account.collections.get(resource)?.items.values() ?? []) if (!item.removed) n += 1;
  return n;
}

/** A list answer with @odata.count when `$count=true` (Graph's shape for Outlook lists). */
export function countedList(account: StandInAccount, resource: string, url: URL) {
  const json: Record<string, unknown> = { value: [] };
  if (url.searchParams.get('$count') === 'true') json['@odata.count'] = liveCount(account, resource);
  return { status: 200, json };
}
