import {
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';

/**
 * The personal knowledge graph (DESIGN §3): entity types, the zod schema of each type's
 * `properties`, the API DTOs of /api/v1/entities, /links and /persons, and the phone and
 * email normalisation the hub and the web app share. Pure: no I/O.
 */

export const entityTypes = [
  'person',
  'organization',
  'note',
  'message',
  'call',
  'calendar_event',
  'place',
  'file',
  'task',
] as const;
export const entityTypeSchema = z.enum(entityTypes);
export type EntityType = z.infer<typeof entityTypeSchema>;

// ---------------------------------------------------------------------------------------
// Building blocks. PostgreSQL text cannot hold NUL, so every string refuses it up front
// (a clear 400 instead of a database error).

const noNul = (value: string) => !value.includes('\u0000');
const nulMessage = 'Text cannot contain NUL characters.';

/** A string of at most `max` characters without NUL. */
export const text = (max: number) => z.string().max(max).refine(noNul, nulMessage);
/** A non-empty trimmed single-line-ish string. */
export const name = (max = 200) => z.string().trim().min(1).max(max).refine(noNul, nulMessage);

export const uuidSchema = z.uuid({ message: 'Must be a UUID.' });
/** An ISO 8601 date-time with a time zone (Z or ±hh:mm). */
export const dateTimeSchema = z.iso.datetime({
  offset: true,
  message: 'Must be an ISO 8601 date-time with a time zone, like 2025-01-31T09:30:00Z.',
});
/** YYYY-MM-DD. */
export const dateSchema = z.iso.date({ message: 'Must be a date like 2025-01-31.' });

function validMonthDay(month: number, day: number, year = 2000) {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A birthday: YYYY-MM-DD, or --MM-DD when the year is unknown (vCard). */
export const birthdaySchema = z.string().refine((value) => {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (full) return validMonthDay(Number(full[2]), Number(full[3]), Number(full[1]));
  const partial = /^--(\d{2})-(\d{2})$/.exec(value);
  return partial !== null && validMonthDay(Number(partial[1]), Number(partial[2]));
}, 'Must be a date like 1990-04-23, or --04-23 when the year is unknown.');

const shortList = (item: z.ZodType<string>, max = 20) => z.array(item).max(max);
const direction = z.enum(['inbound', 'outbound']);

// ---------------------------------------------------------------------------------------
// Properties of each entity type. Strict: an unknown key is a 400, so typos surface.

/** A dated occasion other than the birthday (wedding, met, ...), as a birthday is written. */
export const anniversarySchema = z.strictObject({
  label: name(100),
  date: birthdaySchema,
});

/** A postal address (vCard ADR, without the PO box): at least one line filled in. */
export const postalAddressSchema = z
  .strictObject({
    label: name(100).optional(),
    street: text(500).optional(),
    locality: text(200).optional(),
    region: text(200).optional(),
    postalCode: text(40).optional(),
    country: text(200).optional(),
  })
  .refine(
    (address) =>
      [address.street, address.locality, address.region, address.postalCode, address.country].some(
        (line) => line !== undefined && line.trim() !== '',
      ),
    'An address needs at least one of street, town, region, postcode or country.',
  );
export type PostalAddress = z.infer<typeof postalAddressSchema>;

/** A field the person named themselves ("Shoe size": "42"). */
export const customFieldSchema = z.strictObject({
  label: name(100),
  value: text(2000),
});

/**
 * The contact's photo: an object in the hub's Storage (bucket and path), read through
 * /storage/v1 under the owner's RLS, never a URL to somewhere else.
 */
export const personPhotoSchema = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'Must be a storage bucket name.'),
  path: z
    .string()
    .min(1)
    .max(1024)
    .refine(noNul, nulMessage)
    .refine((path) => !path.split('/').includes('..'), 'A photo path cannot contain "..".'),
});

export const personPropertiesSchema = z.strictObject({
  givenName: name().optional(),
  familyName: name().optional(),
  additionalName: name().optional(),
  nickname: name().optional(),
  birthday: birthdaySchema.optional(),
  anniversaries: z.array(anniversarySchema).max(20).optional(),
  organization: name().optional(),
  jobTitle: name().optional(),
  department: name().optional(),
  notes: text(20_000).optional(),
  /** Display copies as typed; the normalised, unique forms live in identifiers. */
  emails: shortList(text(320)).optional(),
  phones: shortList(text(64)).optional(),
  urls: shortList(z.url().max(2000)).optional(),
  addresses: z.array(postalAddressSchema).max(10).optional(),
  /** Free labels ("climbing", "school run"). */
  tags: shortList(name(100), 50).optional(),
  /** The circles the person belongs to ("Family", "Work"): lists a contact list can filter by. */
  groups: shortList(name(100), 20).optional(),
  photo: personPhotoSchema.optional(),
  customFields: z.array(customFieldSchema).max(50).optional(),
  /** "Stay in touch every N weeks": a reminder task is made when they are due (modules/timeline). */
  stayInTouchWeeks: z.number().int().min(1).max(104).optional(),
});
export type PersonProperties = z.infer<typeof personPropertiesSchema>;

/**
 * Relationships between people are links between two person entities (POST /links), with
 * one of these kinds read from the first person to the second ("Ann -partner-> Bob").
 */
export const relationshipKinds = [
  'partner',
  'spouse',
  'parent',
  'child',
  'sibling',
  'relative',
  'friend',
  'colleague',
  'manager',
  'report',
  'neighbour',
] as const;
export type RelationshipKind = (typeof relationshipKinds)[number];

/** How the second person sees the first: Ann -parent-> Bob reads, from Bob, "child: Ann". */
export const inverseRelationship: Record<RelationshipKind, RelationshipKind> = {
  partner: 'partner',
  spouse: 'spouse',
  parent: 'child',
  child: 'parent',
  sibling: 'sibling',
  relative: 'relative',
  friend: 'friend',
  colleague: 'colleague',
  manager: 'report',
  report: 'manager',
  neighbour: 'neighbour',
};

export const organizationPropertiesSchema = z.strictObject({
  legalName: name().optional(),
  domain: z
    .string()
    .max(253)
    .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'Must be a domain like example.com.')
    .optional(),
  website: z.url().max(2000).optional(),
  industry: name().optional(),
  notes: text(20_000).optional(),
});

export const notePropertiesSchema = z.strictObject({
  tags: shortList(name(100), 50).optional(),
  pinned: z.boolean().optional(),
});

export const messagePropertiesSchema = z.strictObject({
  channel: z.enum(['sms', 'email']),
  direction,
  /** The sender as given by the channel: a phone number or an email address. */
  from: text(320).optional(),
  to: shortList(text(320), 100).optional(),
  cc: shortList(text(320), 100).optional(),
  subject: text(1000).optional(),
  threadId: text(500).optional(),
  status: z.enum(['received', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read']).optional(),
  /** SMS: how many segments the provider counted. */
  segments: z.number().int().min(0).max(1000).optional(),
  /** SMS: the provider's error code and a sentence a person can act on (failed, undelivered). */
  errorCode: z.number().int().min(0).max(999_999).optional(),
  error: text(1000).optional(),
  /** MMS: the media items; each, once stored, names its Storage object and `file` entity. */
  media: z
    .array(
      z.strictObject({
        contentType: text(200),
        path: text(1024).optional(),
        fileId: z.string().uuid().optional(),
      }),
    )
    .max(20)
    .optional(),
  /** Email: display names by address, as the sender wrote them ("Ada Lovelace" for ada@example.com). */
  names: z.record(text(320), text(320)).optional(),
  /** Email: the body as sanitised HTML for display (the entity's `body` holds its text, for search). */
  html: text(2_000_000).optional(),
  /** Email: the RFC 5322 Message-ID, and the one it answers (for threading and replies). */
  internetMessageId: text(1000).optional(),
  inReplyTo: text(1000).optional(),
  /** Email: read on the provider's side (Outlook's isRead); the hub's own read marks are per thread. */
  isRead: z.boolean().optional(),
  /** Email: the mailbox folder it is in (inbox, sentitems, archive, or the provider's folder id). */
  folder: text(500).optional(),
  /**
   * Email: attachments as metadata; the content is fetched into Storage on demand, then
   * `path` and `fileId` name it. `id` is the provider's attachment id.
   */
  attachments: z
    .array(
      z.strictObject({
        id: text(500),
        name: text(1000),
        contentType: text(200),
        size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        inline: z.boolean().optional(),
        path: text(1024).optional(),
        fileId: z.string().uuid().optional(),
      }),
    )
    .max(250)
    .optional(),
});

export const callPropertiesSchema = z.strictObject({
  direction,
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
  status: z
    .enum(['ringing', 'in_progress', 'completed', 'missed', 'busy', 'failed', 'no_answer', 'canceled', 'voicemail'])
    .optional(),
  from: text(320).optional(),
  to: text(320).optional(),
  /** When the call began ringing (ISO date-time). */
  startedAt: dateTimeSchema.optional(),
  /** The own number the call went through (a connected Twilio number). */
  ownNumber: text(64).optional(),
  /** A recording (voicemail): the provider's id, its length, and once stored, its Storage object. */
  recording: z
    .strictObject({
      sid: text(64),
      durationSeconds: z.number().int().min(0).optional(),
      path: text(1024).optional(),
      fileId: z.string().uuid().optional(),
    })
    .optional(),
});

export const calendarEventPropertiesSchema = z
  .strictObject({
    /** A date-time, or a date (YYYY-MM-DD) for all-day events. */
    startsAt: z.union([dateTimeSchema, dateSchema]),
    endsAt: z.union([dateTimeSchema, dateSchema]).optional(),
    allDay: z.boolean().optional(),
    location: text(1000).optional(),
    /** The attendees' email addresses (each also linked to its person with kind `attendee`). */
    attendees: shortList(text(320), 500).optional(),
    status: z.enum(['confirmed', 'tentative', 'cancelled']).optional(),
    /** The IANA time zone the event was written in (Europe/London); times stay ISO with an offset. */
    timeZone: text(100).optional(),
    /** The organiser's email address. */
    organizer: text(320).optional(),
    /** Each attendee's answer, by email address. */
    responses: z
      .array(
        z.strictObject({
          email: text(320),
          name: text(320).optional(),
          type: z.enum(['required', 'optional', 'resource']).optional(),
          response: z.enum(['none', 'organizer', 'accepted', 'tentative', 'declined']),
        }),
      )
      .max(500)
      .optional(),
    /** The owner's own answer to an invitation. */
    myResponse: z.enum(['none', 'organizer', 'accepted', 'tentative', 'declined']).optional(),
    /** An online meeting's join link (Teams, Zoom, ...). */
    onlineMeetingUrl: z
      .url({ protocol: /^https?$/, message: 'Must be an http(s) link.' })
      .max(2000)
      .optional(),
    /**
     * single: a one-off; master: a series (its `recurrence` says how it repeats); occurrence and
     * exception: one instance of a series (`seriesId` is the master's externalId).
     */
    kind: z.enum(['single', 'master', 'occurrence', 'exception']).optional(),
    /** A series' rule as an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=MO,WE). */
    recurrence: text(2000).optional(),
    seriesId: text(500).optional(),
    /** The calendar it belongs to (the provider's id or name). */
    calendar: text(500).optional(),
    /** The provider's version of the event (Graph's changeKey): write-back sends it to detect an edit made there. */
    changeKey: text(500).optional(),
    /** How the time shows to others. */
    showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']).optional(),
  })
  .refine((event) => event.endsAt === undefined || Date.parse(event.endsAt) >= Date.parse(event.startsAt), {
    message: 'endsAt must not be before startsAt.',
    path: ['endsAt'],
  });

export const placePropertiesSchema = z.strictObject({
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  radiusMeters: z.number().min(0).max(100_000).optional(),
  address: text(1000).optional(),
  category: name(100).optional(),
});

export const filePropertiesSchema = z.strictObject({
  fileName: name(500).optional(),
  mimeType: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'Must be a media type like application/pdf.')
    .optional(),
  sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Where the bytes are: a storage object key. */
  storageKey: text(1024).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'Must be a lowercase hex SHA-256.')
    .optional(),
});

export const taskPropertiesSchema = z.strictObject({
  dueAt: z.union([dateTimeSchema, dateSchema]).optional(),
  status: z.enum(['todo', 'in_progress', 'done', 'canceled']).optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  completedAt: dateTimeSchema.optional(),
});

/** The schema of `properties` for each entity type. */
export const entityPropertiesSchemas = {
  person: personPropertiesSchema,
  organization: organizationPropertiesSchema,
  note: notePropertiesSchema,
  message: messagePropertiesSchema,
  call: callPropertiesSchema,
  calendar_event: calendarEventPropertiesSchema,
  place: placePropertiesSchema,
  file: filePropertiesSchema,
  task: taskPropertiesSchema,
} as const satisfies Record<EntityType, z.ZodType>;

export type EntityProperties<T extends EntityType = EntityType> = z.infer<(typeof entityPropertiesSchemas)[T]>;

// ---------------------------------------------------------------------------------------
// Entity DTOs (camelCase on the wire).

export const entityTitleSchema = text(1000);
export const entityBodySchema = text(1_000_000);
/** Provenance: which connector (twilio, msgraph, device, manual, ...). */
export const sourceSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'Must be a short lowercase name like msgraph or twilio.');
/** The source's own id for the thing. */
export const externalIdSchema = z.string().min(1).max(500).refine(noNul, nulMessage);

/** Entity.origin: derived from source + externalId by the database's renderer (graph migrations/0009). */
export const entityOrigins = ['hub', 'address', 'source'] as const;
export const entityOriginSchema = z.enum(entityOrigins);
export type EntityOrigin = z.infer<typeof entityOriginSchema>;

export const entitySchema = z.object({
  id: uuidSchema,
  type: entityTypeSchema,
  title: z.string(),
  body: z.string(),
  properties: z.record(z.string(), z.unknown()),
  source: z.string().nullable(),
  externalId: z.string().nullable(),
  origin: entityOriginSchema
    .optional()
    .describe(
      "Where it came from: hub (made in the hub), address (a person a connector made for a phone number or email address it met, externalId phone:/email:, so no record at its source, e.g. not an Outlook contact), source (the source's own record). Always in API answers; absent in events recorded before it existed.",
    ),
  occurredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
  version: z.number().int().positive(),
  mergedIntoId: uuidSchema.nullable(),
});
export type Entity = z.infer<typeof entitySchema>;

export const identifierKinds = ['phone', 'email'] as const;
export const identifierKindSchema = z.enum(identifierKinds);
export type IdentifierKind = z.infer<typeof identifierKindSchema>;

export const identifierSchema = z.object({
  id: uuidSchema,
  kind: identifierKindSchema,
  /** Normalised: E.164 for phones, trimmed lowercase for emails. */
  value: z.string(),
  entityId: uuidSchema,
  createdAt: z.string(),
});
export type Identifier = z.infer<typeof identifierSchema>;

/** A person as GET returns it: the entity plus its identifiers. */
export const personSchema = entitySchema.extend({ identifiers: z.array(identifierSchema) });
export type Person = z.infer<typeof personSchema>;

const createFields = {
  title: entityTitleSchema.optional(),
  body: entityBodySchema.optional(),
  source: sourceSchema.optional(),
  externalId: externalIdSchema.optional(),
  occurredAt: dateTimeSchema.nullable().optional(),
};

/** POST /entities: properties are validated by the type's schema. */
export const entityCreateInputSchema = z
  .discriminatedUnion(
    'type',
    entityTypes.map((type) =>
      z.strictObject({
        type: z.literal(type),
        ...createFields,
        properties: entityPropertiesSchemas[type].optional(),
      }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .refine((input) => input.externalId === undefined || input.source !== undefined, {
    message: 'externalId needs a source: say whose id it is.',
    path: ['externalId'],
  });
export interface EntityCreateInput {
  type: EntityType;
  title?: string;
  body?: string;
  properties?: Record<string, unknown>;
  source?: string;
  externalId?: string;
  occurredAt?: string | null;
}

/** PATCH /entities/:id: `version` is the one the client read; properties replace the old ones. */
export const entityUpdateInputSchema = z.strictObject({
  version: z.number().int().positive(),
  title: entityTitleSchema.optional(),
  body: entityBodySchema.optional(),
  properties: z.record(z.string().max(100), z.unknown()).optional(),
  occurredAt: dateTimeSchema.nullable().optional(),
});
export type EntityUpdateInput = z.infer<typeof entityUpdateInputSchema>;

export const entityListQuerySchema = z.strictObject({
  type: entityTypeSchema.optional(),
  /** Title prefix, case-insensitive. */
  q: z.string().min(1).max(200).refine(noNul, nulMessage).optional(),
  /** Only entities updated at or after this instant; the list then runs oldest first. */
  updatedSince: dateTimeSchema.optional(),
  /** Also list soft-deleted (and merged) entities: for sync clients. */
  includeDeleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(200)
    .regex(/^[\w-]+$/, 'Not a cursor this API returned.')
    .optional(),
});
export type EntityListQuery = z.infer<typeof entityListQuerySchema>;

export const entityPageSchema = z.object({ items: z.array(entitySchema), nextCursor: z.string().nullable() });
export type EntityPage = z.infer<typeof entityPageSchema>;

// ---------------------------------------------------------------------------------------
// Links: typed edges (message -from-> person, call -with-> person, ...).

export const linkKindSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'Must be a lowercase name like from, to, with, attendee or works_at.');

export const linkSchema = z.object({
  id: uuidSchema,
  kind: z.string(),
  fromId: uuidSchema,
  toId: uuidSchema,
  createdAt: z.string(),
});
export type Link = z.infer<typeof linkSchema>;

export const linkCreateInputSchema = z.strictObject({
  kind: linkKindSchema,
  fromId: uuidSchema,
  toId: uuidSchema,
});
export type LinkCreateInput = z.infer<typeof linkCreateInputSchema>;

/** GET /entities/:id/links: each link with the entity at its other end. */
export const entityLinkItemSchema = linkSchema.extend({
  /** out: this entity is fromId; in: it is toId. */
  direction: z.enum(['out', 'in']),
  entity: entitySchema,
});
export const entityLinksSchema = z.object({ items: z.array(entityLinkItemSchema) });

// ---------------------------------------------------------------------------------------
// Phone and email normalisation, shared by the hub and the web app.

export const countryCodeSchema = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'Must be a two-letter country code like GB or US.')
  .transform((code) => code.toUpperCase())
  .refine((code) => isSupportedCountry(code), 'Not a country code with a phone numbering plan.')
  .transform((code) => code as CountryCode);

export type { CountryCode };

/** Every region with a phone numbering plan (a default region must be one of them). */
export const phoneRegions = (): CountryCode[] => getCountries();

export interface PhoneOptions {
  /** The region of numbers written without a country code (national format). */
  defaultCountry?: CountryCode;
}

/** Why a phone number cannot be read, in words a person can act on; null when it can. */
export function phoneProblem(input: string, options: PhoneOptions = {}): string | null {
  return readPhone(input, options).problem;
}

/**
 * A phone number in E.164 (+442079460958), or null when no number could be written that
 * way. Accepts every number libphonenumber calls "possible" (a plausible length for its
 * country), not only "valid" ones (a range known to be allocated): ranges change faster
 * than the metadata, and a person's own contact list is not the place to second-guess
 * them. Without `defaultCountry`, only international input (+44 ..., 0044 ...) can be read.
 */
export function normalizePhone(input: string, options: PhoneOptions = {}): string | null {
  return readPhone(input, options).e164;
}

interface PhoneReading {
  e164: string | null;
  problem: string | null;
}

// Parsing is the costliest step of an inbound text (a sender's number is read by the
// webhook, ingest and the search index, and the same few numbers recur), so readings are
// kept. Only inputs that could be a number (64 characters at most) are: a longer one is
// refused without parsing, and a hostile caller cannot fill the cache with large keys.
const maxPhoneLength = 64;
const phoneReadings = new LRUCache<string, PhoneReading, { input: string; region: CountryCode | undefined }>({
  max: 4096,
  memoMethod: (_key, _stale, { context }) => readPhoneUncached(context.input, context.region),
});

function readPhone(input: string, options: PhoneOptions): PhoneReading {
  if (typeof input !== 'string') return { e164: null, problem: 'It is empty.' };
  const region = options.defaultCountry;
  if (input.length > maxPhoneLength) return readPhoneUncached(input, region);
  return phoneReadings.memo(`${region ?? ''}|${input}`, { context: { input, region } });
}

function readPhoneUncached(input: string, region: CountryCode | undefined): PhoneReading {
  const refuse = (problem: string): PhoneReading => ({ e164: null, problem });
  if (input.trim() === '') return refuse('It is empty.');
  if (input.length > maxPhoneLength) return refuse(`It is longer than ${maxPhoneLength} characters.`);
  if (!/^[\d\s+()./-]+$/.test(input))
    return refuse('Use digits, spaces and + ( ) . / - only (no letters or extensions).');
  if (!/\d/.test(input)) return refuse('It has no digits.');
  const trimmed = input.trim().replace(/^00(?=[1-9])/, '+');
  if (!trimmed.startsWith('+') && !region) {
    return refuse('Write it with its country code, like +44 20 7946 0958, or choose a default region in Settings.');
  }
  const parsed = parsePhoneNumberFromString(trimmed, region ? { defaultCountry: region } : {});
  if (parsed?.isPossible()) return { e164: parsed.number, problem: null };
  const where = trimmed.startsWith('+') ? 'its country' : region;
  switch (validatePhoneNumberLength(trimmed, region ? { defaultCountry: region } : {})) {
    case 'TOO_SHORT':
      return refuse(`It is too short for a number in ${where}.`);
    case 'TOO_LONG':
      return refuse(`It is too long for a number in ${where}.`);
    case 'INVALID_COUNTRY':
      return refuse('Its country code (after the +) is not one that exists.');
    default:
      return refuse(`No number in ${where} has this many digits.`);
  }
}

/**
 * How to show a stored E.164 number: national format when it belongs to `region` (the
 * user's default region), international otherwise; the input as is when it cannot be read.
 */
export function formatPhone(value: string, region?: CountryCode): string {
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed) return value;
  // By calling code, not parsed.country: a possible-but-unallocated number has no country.
  const home = region !== undefined && parsed.countryCallingCode === getCountryCallingCode(region);
  return home ? parsed.formatNational() : parsed.formatInternational();
}

const emailPattern = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]+$/;

/** An email address trimmed and lowercased, or null when it does not look like one. */
export function normalizeEmail(input: string): string | null {
  if (typeof input !== 'string') return null;
  const value = input.trim().toLowerCase();
  if (value.length < 3 || value.length > 320 || !emailPattern.test(value)) return null;
  return value;
}

export function normalizeIdentifier(kind: IdentifierKind, input: string, options: PhoneOptions = {}): string | null {
  return kind === 'phone' ? normalizePhone(input, options) : normalizeEmail(input);
}

// ---------------------------------------------------------------------------------------
// Persons and identifiers.

const rawPhone = z.string().min(1).max(64).refine(noNul, nulMessage);
const rawEmail = z.string().min(1).max(320).refine(noNul, nulMessage);

/** POST /persons: the person and its identifiers, created together. */
export const personCreateInputSchema = z.strictObject({
  name: name(1000),
  phones: z.array(rawPhone).max(50).default([]),
  emails: z.array(rawEmail).max(50).default([]),
  properties: personPropertiesSchema.default({}),
  body: entityBodySchema.optional(),
  source: sourceSchema.optional(),
  externalId: externalIdSchema.optional(),
  /** Region for phone numbers written without a country code. */
  defaultCountry: countryCodeSchema.optional(),
});
export type PersonCreateInput = z.infer<typeof personCreateInputSchema>;

/** POST /persons/:id/identifiers. */
export const identifierCreateInputSchema = z.strictObject({
  kind: identifierKindSchema,
  value: z.string().min(1).max(320).refine(noNul, nulMessage),
  defaultCountry: countryCodeSchema.optional(),
});
export type IdentifierCreateInput = z.infer<typeof identifierCreateInputSchema>;

/** GET /persons/lookup?phone=|email=: exactly one of them. */
export const personLookupQuerySchema = z
  .strictObject({
    phone: rawPhone.optional(),
    email: rawEmail.optional(),
    defaultCountry: countryCodeSchema.optional(),
  })
  .refine((query) => (query.phone === undefined) !== (query.email === undefined), {
    message: 'Give exactly one of phone or email.',
  });
export type PersonLookupQuery = z.infer<typeof personLookupQuerySchema>;

/** POST /persons/:id/merge: `otherId` is folded into the person in the path. */
export const personMergeInputSchema = z.strictObject({ otherId: uuidSchema });
export type PersonMergeInput = z.infer<typeof personMergeInputSchema>;
