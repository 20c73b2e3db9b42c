import {
  dateTimeSchema,
  entityBodySchema,
  entityPropertiesSchemas,
  entityTitleSchema,
  entityTypeSchema,
  externalIdSchema,
  linkKindSchema,
  name,
  sourceSchema,
  text,
  type EntityType,
  type IdentifierKind,
} from '@made-open/shared';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors.ts';

/** Someone an item involves, by the phone or email the source gave. */
export interface IngestPersonRef {
  /** The link's kind, from the item to the person: from, to, cc, with, attendee ... */
  role: string;
  phone?: string;
  email?: string;
  /** A display name, used only when the person has to be created. */
  name?: string;
}

/** One thing a source knows about, as a connector hands it to ingest. */
export interface IngestItem {
  type: EntityType;
  /** Provenance: which connector; with externalId, the key items are upserted by. */
  source?: string;
  externalId?: string;
  /** Omitted fields keep their current value on an update (and default on insert). */
  title?: string;
  body?: string;
  properties?: Record<string, unknown>;
  occurredAt?: string | null;
  /** Persons only: the phones and emails that identify this person. */
  phones?: string[];
  emails?: string[];
  /** Senders, recipients, attendees ...: resolved to persons (made when unknown) and linked. */
  people?: IngestPersonRef[];
  /**
   * Roles this item's `people` list in full (an event's attendees): when the item updates its
   * entity, links of these kinds from it to anyone not listed are removed. Roles not named
   * here only ever gain links, as a message's sender and recipients do.
   */
  completeRoles?: string[];
  /**
   * Persons only: when nothing has this item's source and externalId yet, take over the
   * person ingest made for one of its phones or emails (a message's sender, with provenance
   * `email:`/`phone:`) instead of leaving it beside this one. An address book's contact for
   * someone the mail already met becomes that person.
   */
  adoptMadePerson?: boolean;
  /**
   * The property keys this source writes, when it writes only some of an entity's (an address
   * book's contact fields): an update sets these as `properties` has them (one absent there is
   * removed) and keeps the others, which the owner set in the hub (tags, groups, a photo).
   * Absent: `properties` replaces the entity's.
   */
  ownedProperties?: readonly string[];
}

export interface ParsedItem {
  type: EntityType;
  title: string | null;
  body: string | null;
  properties: Record<string, unknown> | null;
  source: string | null;
  externalId: string | null;
  occurredAt: string | null | undefined;
  identifiers: { kind: IdentifierKind; value: string }[];
  people: { role: string; kind: IdentifierKind; value: string; name?: string }[];
  completeRoles: string[];
  adoptMadePerson: boolean;
  ownedProperties: string[] | null;
}

const rawIdentifier = text(320).min(1);
const itemSchema = z.strictObject({
  type: entityTypeSchema,
  source: sourceSchema.optional(),
  externalId: externalIdSchema.optional(),
  title: entityTitleSchema.optional(),
  body: entityBodySchema.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  occurredAt: dateTimeSchema.nullable().optional(),
  phones: z.array(rawIdentifier).max(50).optional(),
  emails: z.array(rawIdentifier).max(50).optional(),
  people: z
    .array(
      z.strictObject({
        role: linkKindSchema,
        phone: rawIdentifier.optional(),
        email: rawIdentifier.optional(),
        name: name(1000).optional(),
      }),
    )
    .max(1000)
    .optional(),
  completeRoles: z.array(linkKindSchema).max(20).optional(),
  adoptMadePerson: z.boolean().optional(),
  ownedProperties: z.array(z.string().min(1).max(200)).max(200).readonly().optional(),
});

function refuse(index: number, path: (string | number | symbol)[], message: string): never {
  const where = path.map(String).join('.');
  throw new ValidationError(`items[${index}]${where ? `.${where}` : ''}: ${message}`, [
    { path: `/items/${index}${path.map((p) => `/${String(p)}`).join('')}`, message },
  ]);
}

type Normalize = (kind: IdentifierKind, input: string) => string | null;

/** Validates one item; a bad one is refused with an error naming its index and field. */
export function parseIngestItem(input: IngestItem, index: number, normalize: Normalize): ParsedItem {
  const parsed = itemSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(index, issue.path, issue.message);
  }
  const item = parsed.data;
  if (item.externalId !== undefined && item.source === undefined) {
    refuse(index, ['externalId'], 'externalId needs a source: say whose id it is.');
  }
  let properties: Record<string, unknown> | null = null;
  if (item.properties !== undefined) {
    const checked = entityPropertiesSchemas[item.type].safeParse(item.properties);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      refuse(index, ['properties', ...issue.path], `${issue.message} (not valid for a ${item.type})`);
    }
    properties = checked.data as Record<string, unknown>;
  }
  if (item.adoptMadePerson && (item.type !== 'person' || item.externalId === undefined)) {
    refuse(index, ['adoptMadePerson'], 'only a person with a source and externalId can take over a made person.');
  }
  if (item.type !== 'person' && (item.phones?.length || item.emails?.length)) {
    refuse(index, ['phones'], 'only persons have phones and emails: name the people a message involves in people.');
  }
  const identifiers: ParsedItem['identifiers'] = [];
  for (const kind of ['phone', 'email'] as const) {
    (kind === 'phone' ? item.phones : item.emails)?.forEach((raw, i) => {
      const value = normalize(kind, raw);
      if (value === null) refuse(index, [`${kind}s`, i], invalidIdentifier(kind, raw));
      if (!identifiers.some((id) => id.kind === kind && id.value === value)) identifiers.push({ kind, value });
    });
  }
  const people = (item.people ?? []).map((person, i) => {
    if ((person.phone === undefined) === (person.email === undefined)) {
      refuse(index, ['people', i], 'give exactly one of phone or email.');
    }
    const kind: IdentifierKind = person.phone !== undefined ? 'phone' : 'email';
    const raw = (person.phone ?? person.email)!;
    const value = normalize(kind, raw);
    if (value === null) refuse(index, ['people', i, kind], invalidIdentifier(kind, raw));
    return { role: person.role, kind, value, ...(person.name !== undefined ? { name: person.name } : {}) };
  });
  return {
    type: item.type,
    title: item.title ?? null,
    body: item.body ?? null,
    properties,
    source: item.source ?? null,
    externalId: item.externalId ?? null,
    occurredAt: item.occurredAt,
    identifiers,
    people,
    completeRoles: [...new Set(item.completeRoles ?? [])],
    adoptMadePerson: item.adoptMadePerson === true,
    ownedProperties: item.ownedProperties ? [...new Set(item.ownedProperties)] : null,
  };
}

function invalidIdentifier(kind: IdentifierKind, raw: string) {
  return kind === 'phone'
    ? `"${raw.slice(0, 64)}" is not a valid phone number. Write it in international format (+44 20 7946 0958) or pass defaultCountry.`
    : `"${raw.slice(0, 64)}" is not a valid email address.`;
}

/** CompleteIncoming (graph.ingest.ts), validated, with each person's identifier normalised. */
export interface IncomingPrune {
  kind: string;
  source: string;
  people: { kind: IdentifierKind; value: string; keep: string[] }[];
}

const completeIncomingSchema = z.strictObject({
  kind: linkKindSchema,
  source: sourceSchema,
  people: z
    .array(
      z.strictObject({
        phone: rawIdentifier.optional(),
        email: rawIdentifier.optional(),
        keep: z.array(externalIdSchema).max(1000),
      }),
    )
    .max(10_000),
});

/** Validates a request's completeIncoming; one person named twice keeps what either keeps. */
export function parseCompleteIncoming(input: unknown, normalize: Normalize): IncomingPrune {
  const parsed = completeIncomingSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`completeIncoming.${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const byIdentifier = new Map<string, IncomingPrune['people'][number]>();
  parsed.data.people.forEach((person, i) => {
    if ((person.phone === undefined) === (person.email === undefined))
      throw new ValidationError(`completeIncoming.people.${i}: give exactly one of phone or email.`);
    const kind: IdentifierKind = person.phone !== undefined ? 'phone' : 'email';
    const raw = (person.phone ?? person.email)!;
    const value = normalize(kind, raw);
    if (value === null) throw new ValidationError(`completeIncoming.people.${i}: ${invalidIdentifier(kind, raw)}`);
    const known = byIdentifier.get(`${kind}:${value}`);
    if (known) known.keep.push(...person.keep);
    else byIdentifier.set(`${kind}:${value}`, { kind, value, keep: [...person.keep] });
  });
  return { kind: parsed.data.kind, source: parsed.data.source, people: [...byIdentifier.values()] };
}
