import type { Logger } from '../../platform/logger.ts';
import type { PlacementKind, SecretValues } from '@made-open/shared/providers';
import type { z } from 'zod';
import type { OutboundResponse } from '../../platform/http/outbound/index.ts';
import type { Sql } from '../../platform/db/index.ts';
import type { CompleteIncoming, IngestItem, IngestResult, KnownPerson } from '../graph/index.ts';

/**
 * What a connector is (DESIGN §2 "Connectors"): the code that connects one provider's
 * account (a number, a mailbox) to a user's hub, keeps it in sync and takes its webhooks.
 * One folder per provider, `connectors/<provider>/`, exporting one `defineConnector({...})`;
 * the hub does the rest (connection rows, API, jobs, webhook routes, events, status).
 *
 * Rules a connector keeps:
 * - It never stores a secret: secrets stay in the wallet and reach it as `credential`.
 *   `state` (returned by connect) is kept in clear in the connection row: ids, not keys.
 * - It calls the provider only through `api` (the hub's outbound client: SSRF guard,
 *   retries, Retry-After, per-host limits, scrubbing).
 * - It says what went wrong with `ConnectorError` and a message a person can act on.
 */

/** JSON a connector keeps between runs (its cursor, its state). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Who must act when a connector fails, and whether trying again can help. */
export type ConnectorErrorKind =
  /** The credential was refused or lacks a permission: fix or replace it (not retried). */
  | 'credential'
  /** The account (number, mailbox) is gone or not usable with these options (not retried). */
  | 'account'
  /** The provider answered with an error it may not give next time (retried). */
  | 'provider'
  /**
   * The account's sign-in (OAuth grant) expired or was revoked: the person signs in again.
   * Not retried; the connection waits in `needs_reauth` with its cursor kept.
   */
  | 'reauth';

export class ConnectorError extends Error {
  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

/** The wallet credential a connection uses, decrypted for the connector's call only. */
export interface ConnectorCredential {
  id: string;
  name: string;
  secret: SecretValues;
}

export interface ProviderRequest {
  /** One of the provider's endpoints (packages/shared/src/providers); default: its first. */
  endpoint?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to the endpoint's base URL (which TWILIO_API_URL, ... may override). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded; an array repeats the name (Twilio's MediaUrl). */
  form?: Record<string, string | readonly string[]>;
  /** How the credential is attached: one of the provider's placements (default its first), or false. */
  auth?: PlacementKind | false;
  /** A non-GET that is safe to repeat. */
  idempotent?: boolean;
}

/** The provider's API as a connector sees it: base URLs resolved, the credential attached. */
export interface ProviderApi {
  baseUrl(endpoint?: string): string;
  request(request: ProviderRequest): Promise<OutboundResponse>;
  /** request() and the JSON body; a non-2xx answer throws ConnectorError (401/403: credential). */
  json<T = unknown>(request: ProviderRequest): Promise<T>;
}

export interface ConnectContext<Options> {
  connectionId: string;
  ownerId: string;
  credential: ConnectorCredential;
  options: Options;
  api: ProviderApi;
  /** The address the provider must call for a webhook sub-path: PUBLIC_URL/webhooks/<provider>/<id>/<path>. */
  webhookUrl(path: string): string;
  logger: Logger;
  /**
   * What an interactive sign-in handed over (OAuth tokens from a provider's callback), for
   * connect() to keep sealed itself; the hub never stores or logs it. Absent otherwise.
   */
  authorization?: unknown;
}

export interface ConnectResult {
  /** The provider's id of the account; one live connection per owner, provider and account. */
  accountId: string;
  /** How a person recognises it (a number, an address). Never a secret. */
  label: string;
  /** Anything the connector set up and must undo on disconnect (a webhook's id). Never a secret. */
  state?: JsonObject;
}

export interface ConnectionContext<Options> extends ConnectContext<Options> {
  accountId: string;
  label: string;
  state: JsonObject;
}

export interface SyncContext<Options> extends ConnectionContext<Options> {
  /** Where the last committed page left off; null before the first page ever. */
  cursor: Json | null;
  /** initial until the connection's first sync completes; incremental after. */
  phase: 'initial' | 'incremental';
  /** Aborted when the hub stops: return or throw soon, the page will be fetched again. */
  signal: AbortSignal;
}

export interface SyncPage {
  /** Ingested with graph.ingest (upsert by source + externalId) in the same transaction as `cursor`. */
  items: IngestItem[];
  /** Where the next page starts; saved with the page, so a crash never loses or repeats one. */
  cursor: Json;
  /** Caught up: the run ends here; the next run starts from `cursor` (incremental). */
  done: boolean;
  /** Items the provider says are still to come after this page, when it says (for percent). */
  remaining?: number;
  /** Entities (by source + externalId) the provider deleted: soft-deleted in the page's transaction. */
  removed?: { source: string; externalId: string }[];
  /**
   * Links into persons the provider lists in full per person (a contact's company): the
   * others from its entities are removed after the page's items are stored (graph ingest).
   */
  completeIncoming?: CompleteIncoming;
  /**
   * The connector's own writes for this page (its tables), in the page's transaction, after
   * ingest; `written`: the ids of the entities this transaction's ingest created or changed
   * (still locked by it, so they read as it wrote them).
   */
  commit?(tx: Sql, written: readonly string[]): Promise<void>;
  /** Shown as the sync's current step ("Inbox", "Calendar"): at most 200 characters. */
  step?: string;
}

/** A webhook request as the helper hands it on: the raw body kept, the URL as the provider signed it. */
export interface WebhookRequest {
  method: string;
  /** The sub-path after /webhooks/<provider>/<connectionId>/. */
  path: string;
  /** PUBLIC_URL + the request's path and query: what the provider signed (never the Host header). */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string>>;
  contentType: string;
  rawBody: Buffer;
  /** The body as form fields (application/x-www-form-urlencoded); repeated names give arrays. */
  form(): Record<string, string | string[]>;
  /** The body as JSON; undefined when it is not JSON. */
  json(): unknown;
}

export interface WebhookSignature {
  /** The signature the request carries (usually a header); undefined: unsigned, refused. */
  presented: string | undefined;
  /** The signatures a genuine request would carry (several where the provider allows variants). */
  expected: readonly string[];
}

export interface WebhookContext<Options> {
  connection: { id: string; ownerId: string; accountId: string; label: string; options: Options; state: JsonObject };
  request: WebhookRequest;
  /**
   * graph.ingest inside the webhook's transaction, as this connection (actor connector);
   * knownPersons: people refs already resolved in this transaction (not looked up again).
   */
  ingest(items: IngestItem[], options?: { knownPersons?: readonly KnownPerson[] }): Promise<IngestResult>;
  /** The webhook's transaction (as the owner): for the connector's own reads and events beside ingest. */
  tx: Sql;
  logger: Logger;
}

export interface WebhookResponse {
  status?: number;
  contentType?: string;
  body?: string;
}

export interface ConnectorWebhooks<Options> {
  /** Sub-paths served under /webhooks/<provider>/<connectionId>/ (e.g. 'sms', 'voice/status'). */
  paths: readonly string[];
  /** GET too (some providers validate an endpoint with a GET); POST always. */
  methods?: readonly ('GET' | 'POST')[];
  /** Computes the signatures; the helper compares them in constant time. Pure: no I/O. */
  signature?(request: WebhookRequest, credential: ConnectorCredential): WebhookSignature;
  /**
   * Instead of signature(): the provider's own validator (constant-time, its URL variants),
   * e.g. twilio.validateRequest. `signed` says whether the request carries a signature at all.
   */
  verify?(request: WebhookRequest, credential: ConnectorCredential): { signed: boolean; valid: boolean };
  /** Runs after the signature matched, inside one transaction as the owner. */
  handle(context: WebhookContext<Options>): Promise<WebhookResponse | void>;
  /**
   * Paths whose requests are committed together instead of through `handle` (the hot ones,
   * such as inbound SMS): concurrent requests for one connection share one transaction.
   * Build it with `webhookBatch()`.
   */
  batch?: WebhookBatch<Options, unknown>;
}

export interface WebhookBatchContext<Options, Prepared> extends Omit<WebhookContext<Options>, 'request'> {
  /** The prepared requests, in arrival order. */
  items: readonly Prepared[];
}

export interface WebhookBatch<Options, Prepared> {
  /** Sub-paths (also listed in `paths`) served by this batch. */
  paths: readonly string[];
  /** Reads and checks one signed request, without I/O: a thrown UserError answers it alone. */
  prepare(request: WebhookRequest): Prepared;
  /**
   * Commits the items in one transaction: one answer per item, in order. An Error answers
   * only its item and must leave nothing of it written; a throw retries the items one by one.
   * Two batches of one connection may run at once, so it must be safe to interleave (writes
   * deduped by a unique key, as ingest's upsert by source + externalId).
   */
  commit(context: WebhookBatchContext<Options, Prepared>): Promise<(WebhookResponse | Error)[]>;
}

/** A webhook batch; `Prepared` flows from prepare to commit only, so the erased type is safe. */
export function webhookBatch<Options, Prepared>(
  batch: WebhookBatch<Options, Prepared>,
): WebhookBatch<Options, unknown> {
  return batch as WebhookBatch<Options, unknown>;
}

// ---------------------------------------------------------------------------------------
// Write-back capabilities (issue 13 §5): what other modules ask of a connected account.
// The hub finds the owner's connection (ConnectorsService.open) and calls these with its
// context; each answers with what to ingest, so the graph shows the change at once.

export interface EmailAddress {
  address: string;
  name?: string;
}

/** An email to send (POST /api/v1/messages with channel "email"). */
export interface OutgoingEmail {
  to: EmailAddress[];
  cc?: EmailAddress[];
  bcc?: EmailAddress[];
  subject: string;
  /** Plain text; the connector may also send `html` where given (already sanitised). */
  text: string;
  html?: string;
  /** Answers this message (its provider id, the message entity's externalId). */
  replyTo?: { externalId: string };
  attachments?: { name: string; contentType: string; content: Buffer }[];
}

export interface MailCapability<Options> {
  /** Sends; the sent message arrives in the graph with the next sync (or now, when `item` is given). */
  send(context: ConnectionContext<Options>, email: OutgoingEmail): Promise<{ item?: IngestItem }>;
  /** One attachment's content, to store in the owner's Storage on first open. */
  attachment(
    context: ConnectionContext<Options>,
    message: { externalId: string },
    attachmentId: string,
  ): Promise<{ name: string; contentType: string; content: Buffer }>;
  /** Marks read or unread on the provider's side. */
  setRead?(context: ConnectionContext<Options>, message: { externalId: string }, read: boolean): Promise<void>;
}

/** A calendar event as written from the hub (calendar_event properties plus title and notes). */
export interface CalendarEventWrite {
  title: string;
  notes?: string;
  startsAt: string;
  endsAt?: string;
  allDay?: boolean;
  timeZone?: string;
  location?: string;
  attendees?: EmailAddress[];
  onlineMeeting?: boolean;
  /**
   * An RFC 5545 RRULE: the event is a series. Only in the wording `repeats` answered, and
   * always with the series' timing (startsAt, endsAt, allDay, timeZone) beside it.
   */
  recurrence?: string;
}

/** Where a series starts, for the provider to read its rule from. */
export interface SeriesStart {
  /** A date-time with an offset, or a date for an all-day event. */
  startsAt: string;
  allDay: boolean;
  /** IANA; absent: UTC. */
  timeZone?: string;
}

/**
 * A series' occurrences and exceptions as the provider holds them over [from, to) (ISO
 * instants), read back after a write that made or changed the series: the hub stores them
 * and drops its copies of that series' instances in the window that the provider no longer has.
 */
export interface SeriesInstances {
  from: string;
  to: string;
  items: IngestItem[];
}

/** A calendar write's answer: the event to ingest, and for a series its instances. */
export interface CalendarWritten {
  item: IngestItem;
  instances?: SeriesInstances;
}

export interface CalendarCapability<Options> {
  /** Creates the event on the provider; answers the item to ingest (source + externalId). */
  create(context: ConnectionContext<Options>, event: CalendarEventWrite): Promise<CalendarWritten>;
  /**
   * The RRULE as the provider would hold it for a series starting at `start` (its own wording:
   * the weekday FREQ=WEEKLY leaves open named), or why it cannot, in words for the person.
   * Pure. Absent: the provider takes no repeating events from the hub.
   */
  repeats?(rule: string, start: SeriesStart): { rule: string } | { refused: string };
  /**
   * Changes an event the provider holds. `version` is the provider's version the hub last saw
   * (an etag, carried in the entity's properties by the connector); when the provider's copy
   * changed since, throw ConnectorConflict with its current item instead of overwriting.
   */
  update(
    context: ConnectionContext<Options>,
    event: { externalId: string; version?: string },
    changes: Partial<CalendarEventWrite>,
  ): Promise<CalendarWritten>;
  /** Deletes an event the provider holds; `version` as for update (absent: the one the connector saw last). */
  delete(context: ConnectionContext<Options>, event: { externalId: string; version?: string }): Promise<void>;
  /**
   * Ends a series before one of its instances ("this and following" has no call of its own
   * at most providers): the series' range ends the day before that instance's original date,
   * in the series' zone. `version` as for update (of the series). Answers `first` without
   * writing when the instance is the series' first (nothing would be left), else the series
   * as written (its instances over the window) and the instance's original start (ISO
   * instant) and the series' new last date. Absent: the provider cannot; "this and following"
   * is not offered for its series.
   */
  endSeriesBefore?(
    context: ConnectionContext<Options>,
    series: { externalId: string; version?: string },
    instance: { externalId: string },
  ): Promise<{ first: true } | { first: false; written: CalendarWritten; originalStart: string; lastDate: string }>;
  /** Answers an invitation. */
  respond(
    context: ConnectionContext<Options>,
    event: { externalId: string },
    response: 'accepted' | 'tentative' | 'declined',
    comment?: string,
  ): Promise<{ item?: IngestItem }>;
}

/** A contact as written from the hub. */
export interface ContactWrite {
  givenName?: string;
  familyName?: string;
  displayName?: string;
  emails?: string[];
  phones?: string[];
  company?: string;
  jobTitle?: string;
  birthday?: string;
  notes?: string;
}

export interface ContactsCapability<Options> {
  create(context: ConnectionContext<Options>, contact: ContactWrite): Promise<{ item: IngestItem }>;
  /**
   * As CalendarCapability.update: a changed provider copy throws ConnectorConflict. With
   * `version`, `fieldsDigest` is the connector's digest of the fields the hub writes as they were
   * in that version (as the connector keeps it): a version moved only for fields the hub never
   * writes is written over. Without it a given version is a conflict's base, which only the
   * caller can judge: any newer copy is a conflict.
   */
  update(
    context: ConnectionContext<Options>,
    contact: { externalId: string; version?: string; fieldsDigest?: string },
    changes: ContactWrite,
  ): Promise<{ item: IngestItem }>;
  /**
   * Deletes a contact the provider holds; `version` as for update (absent: the one the
   * connector saw last). A changed provider copy throws ConnectorConflict; a contact the
   * provider no longer has is deleted already (no error).
   */
  delete(context: ConnectionContext<Options>, contact: { externalId: string; version?: string }): Promise<void>;
  /**
   * The provider's copy as it is now, with its version; null when the provider no longer has
   * it (a conflict is settled against what is there, not against the copy it recorded).
   */
  read(
    context: ConnectionContext<Options>,
    contact: { externalId: string },
  ): Promise<{ item: IngestItem; version: string | undefined } | null>;
}

/** The provider's copy changed since the hub last saw it: record a conflict, never overwrite silently. */
export class ConnectorConflict extends Error {
  constructor(
    message: string,
    /** The provider's current copy, to ingest and show beside the hub's edit. */
    readonly current: IngestItem,
  ) {
    super(message);
    this.name = 'ConnectorConflict';
  }
}

export interface Connector<OptionsSchema extends z.ZodType = z.ZodType> {
  /** The provider's id in the registry (packages/shared/src/providers). */
  provider: string;
  /**
   * The `source` its ingest items carry, when it is not the provider id (Microsoft 365's
   * items say `msgraph`): write-back finds an entity's connection by it. Default: `provider`.
   */
  source?: string;
  /** Capabilities of the provider a connection can configure (the provider's needsConnection ones). */
  capabilities: readonly string[];
  /** The connection's options (which number, which folders); validated before connect. */
  options: OptionsSchema;
  /** The capabilities a connection with these options configures; default: all of `capabilities`. */
  configures?(options: z.output<OptionsSchema>): readonly string[];
  /**
   * The options a person may change after connecting (PATCH /api/v1/connections/:id); the
   * others are fixed to the account as connected (a number, the scopes signed in with).
   */
  editableOptions?: readonly (keyof z.output<OptionsSchema> & string)[];
  /** After a change of options is stored: redo what depends on them at the provider. */
  reconfigured?(context: ConnectionContext<z.output<OptionsSchema>>, changed: readonly string[]): Promise<void>;
  /** Checks the credential and options against the provider and sets up what it needs. */
  connect(context: ConnectContext<z.output<OptionsSchema>>): Promise<ConnectResult>;
  /** Is the connection still usable? (A refused credential: throw ConnectorError 'credential'.) */
  test(context: ConnectionContext<z.output<OptionsSchema>>): Promise<{ message: string }>;
  /** Undoes what connect set up, and only that. Called once; a failure is reported, not retried. */
  disconnect(context: ConnectionContext<z.output<OptionsSchema>>): Promise<void>;
  sync?: {
    /** One page from the cursor. Called until a page says done. */
    page(context: SyncContext<z.output<OptionsSchema>>): Promise<SyncPage>;
  };
  webhooks?: ConnectorWebhooks<z.output<OptionsSchema>>;
  /** Sending and reading mail (the "email" capability). */
  mail?: MailCapability<z.output<OptionsSchema>>;
  /** Writing calendar events (the "calendar" capability). */
  calendar?: CalendarCapability<z.output<OptionsSchema>>;
  /** Writing contacts (the "contacts" capability). */
  contacts?: ContactsCapability<z.output<OptionsSchema>>;
  /**
   * What a person must know to finish or check the set-up (can the provider reach the hub,
   * URLs to set by hand, warnings), shown as `setup` in the connection's view. Pure: no I/O.
   */
  setup?(
    connection: { id: string; label: string; options: z.output<OptionsSchema>; state: JsonObject },
    context: { publicUrl: string; webhookUrl(path: string): string },
  ): JsonObject;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = Connector<any>;

/** Identity function that type-checks a connector where it is written. */
export function defineConnector<OptionsSchema extends z.ZodType>(
  connector: Connector<OptionsSchema>,
): Connector<OptionsSchema> {
  return connector;
}
