import { createHash } from 'node:crypto';
import { entityPropertiesSchemas } from '@made-open/shared/entities';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { sanitizeEmailHtml, textOfHtml } from '../../../platform/html.ts';
import { floatingOfBasic, instantOf, isTimeZone, isoInZone as isoInTimeZone } from '../../calendar/calendar.time.ts';
import type { IngestItem, IngestPersonRef } from '../../graph/index.ts';
import { rruleOf } from './msgraph.recurrence.ts';
import { windowsToIana } from './msgraph.timezones.ts';

/**
 * Graph payloads → graph items (issue 13 §3). Pure: no I/O. Every field is checked before
 * it is used; a field that is malformed (a date that is not one, a link that is not http)
 * is left out rather than failing the page, and what remains is validated against the
 * entity's schema so ingest never refuses it.
 */
export const source = 'msgraph';

const maxText = 1_000_000;
const maxHtml = 2_000_000;

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
const str = (value: unknown, max = 1000): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const email = (value: unknown): string | undefined => {
  const address = str(obj(obj(value).emailAddress).address, 320)?.toLowerCase();
  return address && /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
};
const nameOf = (value: unknown) => str(obj(obj(value).emailAddress).name, 320);

function isoDateTime(value: unknown): string | undefined {
  const text = str(value, 64);
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Drops the properties the schema refuses (hostile or malformed), one pass per problem, so the rest is kept. */
export function validProperties(type: IngestItem['type'], properties: Obj): Obj {
  let current = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
  for (let i = 0; i < 20; i += 1) {
    const checked = entityPropertiesSchemas[type].safeParse(current);
    if (checked.success) return current;
    const bad = new Set(checked.error.issues.map((issue) => String(issue.path[0] ?? '')));
    if (bad.has('')) return {};
    current = Object.fromEntries(Object.entries(current).filter(([key]) => !bad.has(key)));
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Messages

export interface MessageContext {
  /** The folder it was synced from (inbox, sentitems, archive, or a folder id). */
  folder: string;
  /** The mailbox's own address: mail from it is outbound. */
  self: string;
  /** Attachment metadata fetched for messages with hasAttachments (by message id). */
  attachments?: unknown[];
}

export function messageItem(message: Obj, context: MessageContext): IngestItem | undefined {
  const id = str(message.id, 500);
  if (!id) return undefined;
  const from = email(message.from) ?? email(message.sender);
  const to = arr(message.toRecipients)
    .map(email)
    .filter((v): v is string => !!v)
    .slice(0, 100);
  const cc = arr(message.ccRecipients)
    .map(email)
    .filter((v): v is string => !!v)
    .slice(0, 100);
  const names: Record<string, string> = {};
  for (const r of [message.from, message.sender, ...arr(message.toRecipients), ...arr(message.ccRecipients)]) {
    const address = email(r);
    const name = nameOf(r);
    if (address && name && Object.keys(names).length < 200) names[address] = name;
  }
  const bodyObj = obj(message.body);
  const content = typeof bodyObj.content === 'string' ? bodyObj.content.slice(0, maxHtml * 2) : '';
  const isHtml = str(bodyObj.contentType, 10)?.toLowerCase() === 'html';
  const html = isHtml && content ? sanitizeEmailHtml(content).slice(0, maxHtml) : undefined;
  const text = (isHtml ? textOfHtml(content) : content) || str(message.bodyPreview, 2000) || '';
  const outbound = from !== undefined && from === context.self.toLowerCase();
  const attachments = arr(context.attachments)
    .map((a) => {
      const attachment = obj(a);
      const attachmentId = str(attachment.id, 500);
      if (!attachmentId) return undefined;
      const size = Number(attachment.size);
      return {
        id: attachmentId,
        name: str(attachment.name, 1000) ?? 'attachment',
        contentType: str(attachment.contentType, 200) ?? 'application/octet-stream',
        // Metadata only: the content is fetched on demand, whatever size Graph claims.
        size: Number.isSafeInteger(size) && size >= 0 ? size : 0,
        inline: attachment.isInline === true ? true : undefined,
      };
    })
    .filter((a) => a !== undefined)
    .slice(0, 250);
  const when =
    isoDateTime(outbound ? message.sentDateTime : message.receivedDateTime) ?? isoDateTime(message.sentDateTime);
  const people: IngestPersonRef[] = [];
  if (from) people.push({ role: 'from', email: from, ...(names[from] ? { name: names[from] } : {}) });
  for (const address of to)
    people.push({ role: 'to', email: address, ...(names[address] ? { name: names[address] } : {}) });
  for (const address of cc)
    people.push({ role: 'cc', email: address, ...(names[address] ? { name: names[address] } : {}) });
  const properties = validProperties('message', {
    channel: 'email',
    direction: outbound ? 'outbound' : 'inbound',
    from,
    to: to.length ? to : undefined,
    cc: cc.length ? cc : undefined,
    subject: str(message.subject, 1000),
    threadId: str(message.conversationId, 500),
    status: outbound ? 'sent' : 'received',
    names: Object.keys(names).length ? names : undefined,
    html,
    internetMessageId: str(message.internetMessageId, 1000),
    isRead: typeof message.isRead === 'boolean' ? message.isRead : undefined,
    folder: context.folder.slice(0, 500),
    attachments: attachments.length ? attachments : undefined,
  });
  return {
    type: 'message',
    source,
    externalId: id,
    title: str(message.subject, 1000) ?? '(no subject)',
    body: text.slice(0, maxText),
    properties,
    occurredAt: when ?? null,
    people: people.slice(0, 1000),
  };
}

// ---------------------------------------------------------------------------------------
// Events

/** Graph's {dateTime, timeZone} → ISO with an offset; all-day → the date. Undefined when malformed. */
export function eventTime(value: unknown, allDay: boolean): { iso: string; zone?: string } | undefined {
  const v = obj(value);
  const local = str(v.dateTime, 40);
  if (!local) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(local);
  if (!m) return isoDateTime(local) ? { iso: isoDateTime(local)! } : undefined;
  // A day that does not exist (2026-02-30) is malformed, not rolled over to another.
  const wall = floatingOfBasic(`${m[1]}${m[2]}${m[3]}`, `${m[4]}${m[5]}${m[6] ?? '00'}`);
  if (wall === null) return undefined;
  if (allDay) return { iso: `${m[1]}-${m[2]}-${m[3]}` };
  const zoneName = str(v.timeZone, 100) ?? 'UTC';
  const zone = windowsToIana(zoneName);
  if (!zone || zone === 'UTC') return { iso: new Date(wall).toISOString(), zone: zone ?? undefined };
  // The calendar's one rule for a wall clock in a zone (calendar.time.ts): a time skipped by
  // DST moves forward by the gap, a repeated one is its first instant.
  return { iso: isoInZone(instantOf(wall, zone), zone), zone };
}

const responseOf = (value: unknown): 'none' | 'organizer' | 'accepted' | 'tentative' | 'declined' => {
  const r = String(obj(value).response ?? value ?? '').toLowerCase();
  if (r === 'organizer') return 'organizer';
  if (r === 'accepted') return 'accepted';
  if (r === 'tentativelyaccepted' || r === 'tentative') return 'tentative';
  if (r === 'declined') return 'declined';
  return 'none';
};
const kinds: Record<string, 'single' | 'master' | 'occurrence' | 'exception'> = {
  singleinstance: 'single',
  seriesmaster: 'master',
  occurrence: 'occurrence',
  exception: 'exception',
};
const showAs = new Set(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']);

/**
 * What an instance of a series (occurrence or exception) takes from its master when it does
 * not say itself: calendarView delta gives an occurrence only its id, type, seriesMasterId,
 * start and end (microsoft-graph-docs#7632), so subject, organizer, attendees, body, zone …
 * are the master's. Never the master's identity, kind, rule, version or times.
 */
const ownOfMaster = new Set([
  'id',
  'type',
  'recurrence',
  'seriesMasterId',
  'start',
  'end',
  'changeKey',
  '@odata.etag',
  '@odata.type',
  '@odata.id',
  'iCalUId',
  'occurrenceId',
]);
function withMaster(instance: Obj, master: Obj | undefined): Obj {
  if (!master) return instance;
  const merged: Obj = {};
  for (const [key, value] of Object.entries(master)) if (!ownOfMaster.has(key)) merged[key] = value;
  for (const [key, value] of Object.entries(instance)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * The event's own IANA zone. Graph answers start/end in UTC (calendarView delta assumes UTC
 * with no Prefer zone; GET with Prefer outlook.timezone="UTC"), so the zone it was written in
 * is `originalStartTimeZone` (a Windows name, an IANA name, or a custom zone: "tzone://Microsoft/Custom",
 * "Customized Time Zone" — unknown, left undefined rather than guessed). A series' rule also
 * names its zone (range.recurrenceTimeZone). Only when Graph gives no original zone at all is
 * a non-UTC zone the times are written in taken (an answer in a preferred zone).
 */
export function eventZone(event: Obj, key: 'originalStartTimeZone' | 'originalEndTimeZone' = 'originalStartTimeZone') {
  const original = str(event[key], 100);
  if (original) return windowsToIana(original);
  const fromRule = str(obj(obj(event.recurrence).range).recurrenceTimeZone, 100);
  if (fromRule) return windowsToIana(fromRule);
  const written = windowsToIana(
    str(obj(key === 'originalStartTimeZone' ? event.start : event.end).timeZone, 100) ?? '',
  );
  return written && written !== 'UTC' ? written : undefined;
}

/**
 * An instant (ms) as ISO with the offset it has in `zone` (the wall clock there): the same
 * instant, readable (calendar.time.ts isoInZone). No zone, UTC or one Intl does not know: UTC
 * as toISOString writes it.
 */
export function isoInZone(ms: number, zone: string | undefined): string {
  if (!zone || zone === 'UTC' || !isTimeZone(zone)) return new Date(ms).toISOString();
  return isoInTimeZone(ms, zone);
}

/**
 * A Graph event → a calendar_event item. `master`: the series master of an occurrence or
 * exception (fetched by the sync), whose fields the instance lacks are taken from it.
 */
export function eventItem(input: Obj, master?: Obj): IngestItem | undefined {
  const event = withMaster(input, master);
  const id = str(event.id, 500);
  if (!id) return undefined;
  const allDay = event.isAllDay === true;
  const written = eventTime(event.start, allDay);
  if (!written) return undefined; // an event with no readable start cannot be placed on a calendar
  let writtenEnd = eventTime(event.end, allDay);
  if (writtenEnd && Date.parse(writtenEnd.iso) < Date.parse(written.iso)) writtenEnd = undefined;
  // The instant is right whatever zone Graph wrote it in (UTC); it is shown in the event's own
  // zone. All-day events are dates: Graph gives them as midnights whatever the zone (#1802).
  const zone = eventZone(event);
  const endZone = eventZone(event, 'originalEndTimeZone') ?? zone;
  const start = { iso: allDay ? written.iso : isoInZone(Date.parse(written.iso), zone) };
  const end = writtenEnd && { iso: allDay ? writtenEnd.iso : isoInZone(Date.parse(writtenEnd.iso), endZone) };
  const organizer = email(event.organizer);
  const responses = arr(event.attendees)
    .map((a) => {
      const attendee = obj(a);
      const address = email(attendee);
      if (!address) return undefined;
      const type = str(attendee.type, 20)?.toLowerCase();
      return {
        email: address,
        name: nameOf(attendee),
        type: type === 'required' || type === 'optional' || type === 'resource' ? type : undefined,
        response: responseOf(attendee.status),
      };
    })
    .filter((r) => r !== undefined)
    .slice(0, 500);
  const joinUrl = str(obj(event.onlineMeeting).joinUrl, 2000) ?? str(event.onlineMeetingUrl, 2000);
  const kind = kinds[String(event.type ?? '').toLowerCase()];
  const bodyObj = obj(event.body);
  const content = typeof bodyObj.content === 'string' ? bodyObj.content.slice(0, maxText * 2) : '';
  const notes = str(bodyObj.contentType, 10)?.toLowerCase() === 'html' ? textOfHtml(content) : content;
  const cancelled = event.isCancelled === true;
  const people: IngestPersonRef[] = [];
  if (organizer)
    people.push({
      role: 'organizer',
      email: organizer,
      ...(nameOf(event.organizer) ? { name: nameOf(event.organizer)! } : {}),
    });
  for (const r of responses)
    if (r.email !== organizer) people.push({ role: 'attendee', email: r.email, ...(r.name ? { name: r.name } : {}) });
  const properties = validProperties('calendar_event', {
    startsAt: start.iso,
    endsAt: end?.iso,
    allDay: allDay || undefined,
    location: str(obj(event.location).displayName, 1000),
    attendees: responses.length ? responses.map((r) => r.email) : undefined,
    status: cancelled ? 'cancelled' : str(event.showAs, 30) === 'tentative' ? 'tentative' : 'confirmed',
    timeZone: zone,
    organizer,
    responses: responses.length
      ? responses.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))
      : undefined,
    myResponse: event.responseStatus !== undefined ? responseOf(event.responseStatus) : undefined,
    onlineMeetingUrl: joinUrl && /^https?:\/\//i.test(joinUrl) ? joinUrl : undefined,
    kind,
    recurrence: event.recurrence ? rruleOf(event.recurrence) : undefined,
    seriesId: str(event.seriesMasterId, 500),
    showAs: showAs.has(String(event.showAs)) ? String(event.showAs) : undefined,
    // The version the hub saw: write-back sends it as If-Match (a stale one is a conflict).
    changeKey: changeKeyOf(event),
  });
  if (!('startsAt' in properties)) return undefined;
  return {
    type: 'calendar_event',
    source,
    externalId: id,
    title: str(event.subject, 1000) ?? '(no title)',
    body: notes.slice(0, maxText),
    properties,
    occurredAt: start.iso.length === 10 ? `${start.iso}T00:00:00Z` : start.iso,
    people: people.slice(0, 1000),
    // The event lists its organizer and attendees in full: one taken off the invitation is unlinked.
    completeRoles: ['organizer', 'attendee'],
  };
}

// ---------------------------------------------------------------------------------------
// Contacts

/** A phone in E.164 with the owner's default region; the text as written when it cannot be read. */
export function normalisedPhone(value: string, region: CountryCode | undefined): string | undefined {
  const text = value.trim().slice(0, 64);
  if (!text) return undefined;
  const parsed = parsePhoneNumberFromString(text, region);
  return parsed?.isValid() ? parsed.number : undefined;
}

export interface ContactItems {
  person: IngestItem;
  /** The company as an organization, linked to the person (works_at). */
  organization?: IngestItem;
  /** The normalised emails and phones, to find an existing person they belong to. */
  identifiers: { kind: 'email' | 'phone'; value: string }[];
  /** How the person is named in works_at links (the first email, else phone); none without either. */
  employee?: { email: string } | { phone: string };
}

/**
 * A digest of the contact fields the hub writes (graphContactOf), as Outlook has them: two copies
 * with one digest differ at most in what a push leaves alone. Kept per item (msgraph_items), so a
 * push refused for a stale change key can tell a real edit from a key that moved for nothing the
 * hub writes.
 */
export function contactFieldsDigest(contact: Obj): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const texts = (value: unknown) => (Array.isArray(value) ? value.map(text) : []);
  const emails = Array.isArray(contact.emailAddresses)
    ? contact.emailAddresses.map((e) => text(obj(e).address).trim().toLowerCase())
    : [];
  const fields = [
    text(contact.displayName),
    text(contact.givenName),
    text(contact.surname),
    emails,
    text(contact.mobilePhone),
    texts(contact.businessPhones),
    texts(contact.homePhones),
    text(contact.companyName),
    text(contact.jobTitle),
    text(contact.birthday).slice(0, 10),
    text(contact.personalNotes),
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/**
 * The person properties an Outlook contact writes: a sync or a push's answer sets these as
 * Outlook has them and leaves the owner's own (tags, groups, a photo) as they are.
 */
export const contactProperties = [
  'givenName',
  'familyName',
  'additionalName',
  'nickname',
  'birthday',
  'organization',
  'jobTitle',
  'department',
  'notes',
  'emails',
  'phones',
] as const;

export function contactItems(contact: Obj, region: CountryCode | undefined): ContactItems | undefined {
  const id = str(contact.id, 500);
  if (!id) return undefined;
  const emails = [
    ...new Set(
      arr(contact.emailAddresses)
        .map((e) => str(obj(e).address, 320)?.toLowerCase())
        .filter((e): e is string => !!e && /^[^\s@]+@[^\s@]+$/.test(e)),
    ),
  ].slice(0, 50);
  const written = [...arr(contact.businessPhones), ...arr(contact.homePhones), contact.mobilePhone]
    .map((p) => str(p, 64))
    .filter((p): p is string => !!p)
    .slice(0, 50);
  const phones = [...new Set(written.map((p) => normalisedPhone(p, region)).filter((p): p is string => !!p))];
  const birthday = /^\d{4}-\d{2}-\d{2}/.exec(str(contact.birthday, 40) ?? '')?.[0];
  const company = str(contact.companyName, 200);
  const displayName =
    str(contact.displayName, 1000) ??
    ([str(contact.givenName, 200), str(contact.surname, 200)].filter(Boolean).join(' ') ||
      emails[0] ||
      phones[0] ||
      '(no name)');
  const properties = validProperties('person', {
    givenName: str(contact.givenName, 200),
    familyName: str(contact.surname, 200),
    additionalName: str(contact.middleName, 200),
    nickname: str(contact.nickName, 200),
    birthday,
    organization: company,
    jobTitle: str(contact.jobTitle, 200),
    department: str(contact.department, 200),
    notes: str(contact.personalNotes, 20_000),
    emails: emails.length ? emails : undefined,
    phones: written.length ? written : undefined,
  });
  const person: IngestItem = {
    type: 'person',
    source,
    externalId: id,
    title: displayName,
    properties,
    ownedProperties: contactProperties,
    emails,
    phones,
  };
  const employee = emails[0] ? { email: emails[0] } : phones[0] ? { phone: phones[0] } : undefined;
  const organization: IngestItem | undefined = company
    ? {
        type: 'organization',
        source,
        // One organization per company name per account, whichever contact names it.
        externalId: organizationIdOf(company),
        title: company,
        people: employee ? [{ role: 'works_at', ...employee }] : [],
      }
    : undefined;
  return {
    person,
    organization,
    employee,
    identifiers: [
      ...emails.map((value) => ({ kind: 'email' as const, value })),
      ...phones.map((value) => ({ kind: 'phone' as const, value })),
    ],
  };
}

/** The change key Graph gives each item (write-back compares it to detect a conflicting edit). */
export const changeKeyOf = (item: Obj) => str(item.changeKey, 1000) ?? str(item['@odata.etag'], 1000);

/** The external id of the organization a company name stands for. */
export function organizationIdOf(company: string): string {
  return `org:${company.toLowerCase().slice(0, 400)}`;
}
