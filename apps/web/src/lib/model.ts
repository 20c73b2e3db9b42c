/**
 * The web app's view of the hub's graph entities. Parsing is tolerant of optional fields so
 * a hub that adds fields does not break the app; required ones are checked.
 */
import {
  birthdaySchema,
  normalizeEmail,
  normalizePhone,
  phoneProblem,
  type CountryCode,
  type PostalAddress,
} from '@made-open/shared/entities';
import { z } from 'zod';
import { originOf } from '@/lib/graph-origin';

const isoish = z.union([z.string(), z.date().transform((d) => d.toISOString())]);

export const EntitySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    title: z.string().nullish(),
    body: z.string().nullish(),
    properties: z.record(z.string(), z.unknown()).nullish(),
    version: z.number().int(),
    createdAt: isoish.nullish(),
    updatedAt: isoish.nullish(),
    occurredAt: isoish.nullish(),
    source: z.string().nullish(),
    identifiers: z
      .array(z.object({ id: z.string().optional(), kind: z.string(), value: z.string() }).passthrough())
      .nullish(),
  })
  .passthrough();
export type Entity = z.infer<typeof EntitySchema>;

export const EntityPageSchema = z.object({ items: z.array(EntitySchema), nextCursor: z.string().nullish() });

export interface Occasion {
  label: string;
  /** YYYY-MM-DD, or --MM-DD when the year is unknown. */
  date: string;
}

export interface CustomField {
  label: string;
  value: string;
}

export type Address = PostalAddress;

export interface ContactPhoto {
  bucket: string;
  path: string;
}

export interface Contact {
  id: string;
  name: string;
  emails: string[];
  phones: string[];
  organization: string;
  jobTitle: string;
  /** '' when unknown; otherwise as stored (YYYY-MM-DD or --MM-DD). */
  birthday: string;
  anniversaries: Occasion[];
  addresses: Address[];
  tags: string[];
  groups: string[];
  customFields: CustomField[];
  photo: ContactPhoto | null;
  notes: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** An Outlook contact's own person (Microsoft 365): deleting it here deletes the contact there too. */
  fromOutlook?: boolean;
}

/** The optional parts of a contact, empty: for contacts built in code (tests, previews). */
export const emptyContactDetails = {
  jobTitle: '',
  birthday: '',
  anniversaries: [],
  addresses: [],
  tags: [],
  groups: [],
  customFields: [],
  photo: null,
} satisfies Partial<Contact>;

/** What the edit form starts from. */
export function contactToInput(c: Contact): ContactInput {
  return {
    name: c.name,
    emails: c.emails,
    phones: c.phones,
    organization: c.organization,
    jobTitle: c.jobTitle,
    birthday: c.birthday,
    anniversaries: c.anniversaries,
    addresses: c.addresses,
    tags: c.tags,
    groups: c.groups,
    customFields: c.customFields,
    notes: c.notes,
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

function records<T>(value: unknown, pick: (item: Record<string, unknown>) => T | null): T[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) =>
    item !== null && typeof item === 'object' ? (pick(item as Record<string, unknown>) ?? []) : [],
  );
}

export function toContact(e: Entity): Contact {
  const props = e.properties ?? {};
  const ids = e.identifiers ?? [];
  const fromIds = (kind: string) => ids.filter((i) => i.kind === kind).map((i) => i.value);
  // properties.emails/phones are the display copies as typed; identifiers are the
  // normalised forms the hub matches on. Show the display copies, plus any identifier
  // without one (added by a merge or a connector).
  const withIdentifiers = (display: string[], kind: 'email' | 'phone') => {
    if (kind === 'email') {
      const seen = new Set(display.map((d) => normalizeEmail(d) ?? d));
      return [...display, ...fromIds('email').filter((v) => !seen.has(v))];
    }
    // A national display copy ("07700 900123") stands for its E.164 identifier too.
    const covered = (e164: string) => display.some((d) => normalizePhone(d) === e164 || sameNational(d, e164));
    return [...display, ...fromIds('phone').filter((v) => !covered(v))];
  };
  const photo = props.photo as { bucket?: unknown; path?: unknown } | undefined;
  return {
    id: e.id,
    name: e.title?.trim() || 'Unnamed contact',
    emails: withIdentifiers(strings(props.emails), 'email'),
    phones: withIdentifiers(strings(props.phones), 'phone'),
    organization: str(props.organization),
    jobTitle: str(props.jobTitle),
    birthday: str(props.birthday),
    anniversaries: records(props.anniversaries, (a) =>
      typeof a.date === 'string' ? { label: str(a.label), date: a.date } : null,
    ),
    addresses: records(props.addresses, (a) => {
      const address: Address = {};
      for (const key of ['label', 'street', 'locality', 'region', 'postalCode', 'country'] as const) {
        if (typeof a[key] === 'string' && a[key]) address[key] = a[key] as string;
      }
      return Object.keys(address).length > 0 ? address : null;
    }),
    tags: strings(props.tags),
    groups: strings(props.groups),
    customFields: records(props.customFields, (f) =>
      typeof f.label === 'string' ? { label: f.label, value: str(f.value) } : null,
    ),
    photo:
      photo && typeof photo.bucket === 'string' && typeof photo.path === 'string'
        ? { bucket: photo.bucket, path: photo.path }
        : null,
    notes: typeof props.notes === 'string' ? props.notes : (e.body ?? ''),
    version: e.version,
    createdAt: e.createdAt ?? '',
    updatedAt: e.updatedAt ?? e.createdAt ?? '',
    fromOutlook: e.source === 'msgraph' && originOf(e) === 'source',
  };
}

/** "07700 900123" and +447700900123: the same number once the trunk 0 and country code go. */
function sameNational(display: string, e164: string): boolean {
  const digits = display.replace(/\D/g, '');
  return digits.length >= 6 && digits.startsWith('0') && e164.endsWith(digits.slice(1));
}

/** What the contacts list needs of a contact: small, because thousands travel to the browser. */
export type ContactRow = Pick<Contact, 'id' | 'name' | 'emails' | 'phones' | 'organization' | 'updatedAt'>;

export function toContactRow(c: Contact): ContactRow {
  return {
    id: c.id,
    name: c.name,
    emails: c.emails,
    phones: c.phones,
    organization: c.organization,
    updatedAt: c.updatedAt,
  };
}

export interface Note {
  id: string;
  title: string;
  body: string;
  version: number;
  updatedAt: string;
}

export function toNote(e: Entity): Note {
  return {
    id: e.id,
    title: e.title?.trim() || 'Untitled note',
    body: e.body ?? '',
    version: e.version,
    updatedAt: e.updatedAt ?? e.createdAt ?? '',
  };
}

/** Month names for birthdays and other dates (form and page share them). */
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "23 April 1990", or "23 April" when the year is unknown. */
export function formatOccasion(date: string): string {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const partial = /^--(\d{2})-(\d{2})$/.exec(date);
  const [day, month, year] = full
    ? [Number(full[3]), Number(full[2]), full[1]]
    : partial
      ? [Number(partial[2]), Number(partial[1]), '']
      : [0, 0, ''];
  if (!day || !MONTHS[month - 1]) return date;
  return `${day} ${MONTHS[month - 1]}${year ? ` ${year}` : ''}`;
}

const trimmed = (max: number, what: string) => z.string().trim().max(max, `Keep ${what} under ${max} characters.`);

/**
 * The fields a person fills in for a contact, validated the same way in the browser and on
 * the server. Phone numbers are read with the account's default region, and each bad one is
 * named by its line.
 */
export function contactInputSchema(region?: CountryCode) {
  return z.object({
    name: z.string().trim().min(1, 'Give the contact a name.').max(200, 'Keep the name under 200 characters.'),
    emails: z
      .array(z.string().trim())
      .max(20, 'Keep it to 20 email addresses.')
      .superRefine((emails, ctx) => {
        emails.forEach((email, index) => {
          if (normalizeEmail(email) === null)
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `Line ${index + 1} ("${email.slice(0, 40)}"): enter email addresses like name@example.com.`,
            });
        });
      }),
    phones: z
      .array(z.string().trim())
      .max(20, 'Keep it to 20 phone numbers.')
      .superRefine((phones, ctx) => {
        phones.forEach((phone, index) => {
          const problem = phoneProblem(phone, region ? { defaultCountry: region } : {});
          if (problem)
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `Line ${index + 1} ("${phone.slice(0, 40)}"): ${problem}`,
            });
        });
      }),
    organization: trimmed(200, 'the organization'),
    jobTitle: trimmed(200, 'the job title'),
    birthday: z.union([z.literal(''), birthdaySchema]),
    anniversaries: z
      .array(
        z.object({
          label: z.string().trim().min(1, 'Name each date, like Wedding.').max(100, 'Keep date names short.'),
          date: birthdaySchema,
        }),
      )
      .max(20, 'Keep it to 20 dates.'),
    addresses: z
      .array(
        z
          .object({
            label: trimmed(100, 'the label').optional(),
            street: trimmed(500, 'the street').optional(),
            locality: trimmed(200, 'the town').optional(),
            region: trimmed(200, 'the region').optional(),
            postalCode: trimmed(40, 'the postcode').optional(),
            country: trimmed(200, 'the country').optional(),
          })
          .refine(
            (a) => [a.street, a.locality, a.region, a.postalCode, a.country].some((line) => line),
            'Fill in at least one line of each address, or remove it.',
          ),
      )
      .max(10, 'Keep it to 10 addresses.'),
    tags: z
      .array(z.string().trim().min(1).max(100, 'Keep each tag under 100 characters.'))
      .max(50, 'Keep it to 50 tags.'),
    groups: z
      .array(z.string().trim().min(1).max(100, 'Keep each group under 100 characters.'))
      .max(20, 'Keep it to 20 groups.'),
    customFields: z
      .array(
        z.object({
          label: z.string().trim().min(1, 'Give each custom field a name.').max(100, 'Keep field names short.'),
          value: z.string().max(2000, 'Keep each value under 2,000 characters.'),
        }),
      )
      .max(50, 'Keep it to 50 custom fields.'),
    notes: z.string().max(20_000, 'Notes are limited to 20,000 characters.'),
  });
}
export const ContactInputSchema = contactInputSchema();
export type ContactInput = z.infer<typeof ContactInputSchema>;

/** Splits a free-text list ("a@x.org, b@y.org" or one per line) into values. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Phones one per line: commas and semicolons may be part of how a number is written. */
export function splitLines(text: string): string[] {
  return text
    .split(/\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export type ContactFieldErrors = Partial<Record<keyof ContactInput, string>>;

export interface ContactFormValues {
  name: string;
  emails: string;
  phones: string;
  organization: string;
  jobTitle?: string;
  birthday?: string;
  anniversaries?: Occasion[];
  addresses?: Address[];
  tags?: string;
  groups?: string;
  customFields?: CustomField[];
  notes: string;
}

/** Drops empty optional lines of an address so "nothing typed" is not stored as "". */
function compactAddress(address: Address): Address {
  const out: Address = {};
  for (const [key, value] of Object.entries(address) as [keyof Address, string | undefined][]) {
    if (value && value.trim()) out[key] = value.trim();
  }
  return out;
}

export function parseContactForm(
  values: ContactFormValues,
  region?: CountryCode,
): { ok: true; data: ContactInput } | { ok: false; fieldErrors: ContactFieldErrors } {
  const parsed = contactInputSchema(region).safeParse({
    name: values.name,
    emails: splitList(values.emails),
    phones: splitLines(values.phones),
    organization: values.organization,
    jobTitle: values.jobTitle ?? '',
    birthday: (values.birthday ?? '').trim(),
    anniversaries: (values.anniversaries ?? []).filter((a) => a.label.trim() || a.date.trim()),
    addresses: (values.addresses ?? []).map(compactAddress).filter((a) => Object.keys(a).length > 0),
    tags: splitList(values.tags ?? ''),
    groups: splitList(values.groups ?? ''),
    customFields: (values.customFields ?? []).filter((f) => f.label.trim() || f.value.trim()),
    notes: values.notes,
  });
  if (parsed.success) return { ok: true, data: parsed.data };
  const fieldErrors: ContactFieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path[0] as keyof ContactInput;
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

export type ContactSort = 'name' | 'recent';

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const byName = (a: ContactRow, b: ContactRow) =>
  collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
// ISO timestamps order as strings; the collator is only a tie-break.
const byRecent = (a: ContactRow, b: ContactRow) =>
  a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : byName(a, b);

export interface ContactIndex<T extends ContactRow> {
  /** Every word across name, organization and emails, or 3+ digits of a phone number. */
  search(query: string, sort: ContactSort): T[];
}

/**
 * A list prepared once for search-as-you-type: lower-cased text and phone digits per contact,
 * and each sort order computed once, so a keystroke is one pass over thousands of contacts
 * rather than a fresh sort (which costs hundreds of ms on a phone).
 * `inNameOrder` skips the name sort when the rows already come sorted (the server sorts them).
 */
export function createContactIndex<T extends ContactRow>(contacts: readonly T[], inNameOrder = false): ContactIndex<T> {
  const orders = new Map<ContactSort, T[]>();
  const order = (sort: ContactSort): T[] => {
    let sorted = orders.get(sort);
    if (!sorted) {
      sorted = inNameOrder && sort === 'name' ? [...contacts] : [...contacts].sort(sort === 'name' ? byName : byRecent);
      orders.set(sort, sorted);
    }
    return sorted;
  };
  const text = new Map<T, { hay: string; phones: string[] }>();
  const keys = (c: T) => {
    let k = text.get(c);
    if (!k) {
      k = {
        hay: [c.name, c.organization, ...c.emails].join(' ').toLowerCase(),
        phones: c.phones.map((p) => p.replace(/\D/g, '')),
      };
      text.set(c, k);
    }
    return k;
  };
  return {
    search(query, sort) {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      const sorted = order(sort);
      if (words.length === 0) return sorted;
      const digits = query.replace(/\D/g, '');
      return sorted.filter((c) => {
        const k = keys(c);
        return (
          words.every((w) => k.hay.includes(w)) || (digits.length >= 3 && k.phones.some((p) => p.includes(digits)))
        );
      });
    },
  };
}

/** Filters by every word across name, organization, emails and phones; sorts stably. */
export function filterContacts<T extends ContactRow>(contacts: readonly T[], query: string, sort: ContactSort): T[] {
  return createContactIndex(contacts).search(query, sort);
}

/** Sorted by name, the order the contacts list expects from the server. */
export function sortByName<T extends ContactRow>(contacts: readonly T[]): T[] {
  return [...contacts].sort(byName);
}

/** What a merge will keep: the primary's fields, plus identifiers from both. */
export function mergePreview(primary: Contact, other: Contact): Contact {
  const uniq = (xs: string[]) => [...new Map(xs.map((x) => [x.toLowerCase().replace(/[^\w@.+]/g, ''), x])).values()];
  return {
    ...primary,
    emails: uniq([...primary.emails, ...other.emails]),
    phones: uniq([...primary.phones, ...other.phones]),
    // The hub's merge keeps the survivor's properties and takes only those it lacks.
    organization: primary.organization || other.organization,
    jobTitle: primary.jobTitle || other.jobTitle,
    birthday: primary.birthday || other.birthday,
    anniversaries: primary.anniversaries.length ? primary.anniversaries : other.anniversaries,
    addresses: primary.addresses.length ? primary.addresses : other.addresses,
    tags: primary.tags.length ? primary.tags : other.tags,
    groups: primary.groups.length ? primary.groups : other.groups,
    customFields: primary.customFields.length ? primary.customFields : other.customFields,
    photo: primary.photo ?? other.photo,
    notes: primary.notes || other.notes,
  };
}
