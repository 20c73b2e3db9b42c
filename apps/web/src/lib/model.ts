/**
 * The web app's view of the hub's graph entities. Parsing is tolerant of optional fields so
 * a hub that adds fields does not break the app; required ones are checked.
 */
import { normalizeEmail, normalizePhone } from '@made-open/shared/entities';
import { z } from 'zod';

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

export interface Contact {
  id: string;
  name: string;
  emails: string[];
  phones: string[];
  organization: string;
  notes: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

export function toContact(e: Entity): Contact {
  const props = e.properties ?? {};
  const ids = e.identifiers ?? [];
  const fromIds = (kind: string) => ids.filter((i) => i.kind === kind).map((i) => i.value);
  // properties.emails/phones are the display copies as typed; identifiers are the
  // normalised forms the hub matches on. Show the display copies, plus any identifier
  // without one (added by a merge or a connector).
  const withIdentifiers = (display: string[], kind: 'email' | 'phone') => {
    const norm = kind === 'email' ? normalizeEmail : (v: string) => normalizePhone(v);
    const seen = new Set(display.map((d) => norm(d) ?? d));
    return [...display, ...fromIds(kind).filter((v) => !seen.has(v))];
  };
  return {
    id: e.id,
    name: e.title?.trim() || 'Unnamed contact',
    emails: withIdentifiers(strings(props.emails), 'email'),
    phones: withIdentifiers(strings(props.phones), 'phone'),
    organization: typeof props.organization === 'string' ? props.organization : '',
    notes: typeof props.notes === 'string' ? props.notes : (e.body ?? ''),
    version: e.version,
    createdAt: e.createdAt ?? '',
    updatedAt: e.updatedAt ?? e.createdAt ?? '',
  };
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

/** The fields a person fills in for a contact, validated the same way in the browser and on the server. */
export const ContactInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the contact a name.').max(200, 'Keep the name under 200 characters.'),
  emails: z
    .array(
      z
        .string()
        .trim()
        .refine((v) => normalizeEmail(v) !== null, { message: 'Enter email addresses like name@example.com.' }),
    )
    .max(20, 'Keep it to 20 email addresses.'),
  phones: z
    .array(
      z
        .string()
        .trim()
        .refine((v) => normalizePhone(v) !== null, {
          message: 'Enter phone numbers with their country code, like +44 20 7946 0958.',
        }),
    )
    .max(20, 'Keep it to 20 phone numbers.'),
  organization: z.string().trim().max(200, 'Keep the organization under 200 characters.'),
  notes: z.string().max(20_000, 'Notes are limited to 20,000 characters.'),
});
export type ContactInput = z.infer<typeof ContactInputSchema>;

/** Splits a free-text list ("a@x.org, b@y.org" or one per line) into values. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export type ContactFieldErrors = Partial<Record<keyof ContactInput, string>>;

export function parseContactForm(values: {
  name: string;
  emails: string;
  phones: string;
  organization: string;
  notes: string;
}): { ok: true; data: ContactInput } | { ok: false; fieldErrors: ContactFieldErrors } {
  const parsed = ContactInputSchema.safeParse({
    name: values.name,
    emails: splitList(values.emails),
    phones: splitList(values.phones),
    organization: values.organization,
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
    notes: primary.notes || other.notes,
  };
}
