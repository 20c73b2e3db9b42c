import 'server-only';
import { z } from 'zod';
import { getDefaultRegion } from '@/lib/account';
import {
  formatPhone,
  inverseRelationship,
  normalizeEmail,
  normalizePhone,
  relationshipKinds,
  type CountryCode,
  type RelationshipKind,
} from '@made-open/shared/entities';
import { friendlyHubError, HubError } from '@/lib/errors';
import { hubFetch } from '@/lib/hub';
import { holderOf, type DuplicateNotice } from '@/lib/identity';
import {
  EntityPageSchema,
  EntitySchema,
  toContact,
  toContactRow,
  sortByName,
  toNote,
  type Contact,
  type ContactInput,
  type ContactRow,
  type Entity,
  type Note,
} from '@/lib/model';

/** Upper bound on contacts loaded into the (virtualized) list at once. */
const MAX_LIST = 5000;
/** The hub's largest page: fewer round trips for a long list. */
const PAGE = 500;

async function listAll(type: string, limitTotal: number): Promise<{ items: Entity[]; truncated: boolean }> {
  const items: Entity[] = [];
  let cursor: string | undefined;
  do {
    const page = EntityPageSchema.parse(await hubFetch('/entities', { query: { type, limit: PAGE, cursor } }));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < limitTotal);
  return { items, truncated: Boolean(cursor) };
}

export interface ContactRows {
  rows: ContactRow[];
  truncated: boolean;
  /** Changes whenever the list does (an add, edit, delete or merge): tells the browser to reload it. */
  stamp: string;
}

export async function listContactRows(): Promise<ContactRows> {
  const [{ items, truncated }, region] = await Promise.all([listAll('person', MAX_LIST), getDefaultRegion()]);
  // Numbers stored only in E.164 (from a connector or a merge) are shown as the reader writes
  // them: nationally for their default region. Numbers typed by hand stay as typed.
  const local = (phone: string) =>
    region && phone.startsWith('+') ? formatPhone(phone, region as CountryCode) : phone;
  const rows = sortByName(
    items.map((e) => {
      const row = toContactRow(toContact(e));
      return region ? { ...row, phones: row.phones.map(local) } : row;
    }),
  );
  let newest = '';
  for (const r of rows) if (r.updatedAt > newest) newest = r.updatedAt;
  return { rows, truncated, stamp: `${rows.length}:${newest}` };
}

export async function getEntity(id: string): Promise<Entity> {
  return EntitySchema.parse(await hubFetch(`/entities/${encodeURIComponent(id)}`));
}

/** Entities of another type are "not found" here, as the hub does for other users' ids. */
async function getTyped(id: string, type: string): Promise<Entity> {
  const entity = await getEntity(id);
  if (entity.type !== type) throw new HubError(404, 'not_found', friendlyHubError(404, 'not_found', undefined));
  return entity;
}

export async function getContact(id: string): Promise<Contact> {
  return toContact(await getTyped(id, 'person'));
}

export async function getNote(id: string): Promise<Note> {
  return toNote(await getTyped(id, 'note'));
}

/** The form's fields over the stored properties: what the form does not show (photo, names) is kept. */
function personProperties(input: ContactInput, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const props: Record<string, unknown> = { ...previous, emails: input.emails, phones: input.phones };
  const set = (key: string, value: unknown, present: boolean) => {
    if (present) props[key] = value;
    else delete props[key];
  };
  set('organization', input.organization, input.organization !== '');
  set('jobTitle', input.jobTitle, input.jobTitle !== '');
  set('birthday', input.birthday, input.birthday !== '');
  set('anniversaries', input.anniversaries, input.anniversaries.length > 0);
  set('addresses', input.addresses, input.addresses.length > 0);
  set('tags', input.tags, input.tags.length > 0);
  set('groups', input.groups, input.groups.length > 0);
  set('customFields', input.customFields, input.customFields.length > 0);
  set('notes', input.notes, input.notes !== '');
  return props;
}

/** A saved contact, and the persons it looks like (a phone or email they already have). */
export type SavedContact = Contact & { duplicates: DuplicateNotice[] };

const DuplicatesSchema = z
  .array(z.object({ personId: z.string(), name: z.string(), reasons: z.array(z.any()) }))
  .catch([]);

export async function createContact(input: ContactInput): Promise<SavedContact> {
  const raw = await hubFetch<{ duplicates?: unknown }>('/persons', {
    method: 'POST',
    body: { name: input.name, phones: input.phones, emails: input.emails, properties: personProperties(input) },
  });
  const created = EntitySchema.parse(raw);
  return { ...toContact(created), duplicates: DuplicatesSchema.parse(raw.duplicates ?? []) as DuplicateNotice[] };
}

/**
 * Saves an edited contact: name and properties in one versioned PATCH, then registers any
 * new phone numbers and emails as identifiers (so messages from them link to this person)
 * and releases the ones that were removed.
 */
export async function updateContact(
  id: string,
  version: number,
  input: ContactInput,
  current: Entity,
  region?: CountryCode,
): Promise<SavedContact> {
  const path = `/entities/${encodeURIComponent(id)}`;
  const updated = EntitySchema.parse(
    await hubFetch(path, {
      method: 'PATCH',
      body: { version, title: input.name, properties: personProperties(input, current.properties ?? {}) },
    }),
  );
  const wanted = new Set([
    ...input.emails.map((e) => `email:${normalizeEmail(e)}`),
    ...input.phones.map((p) => `phone:${normalizePhone(p, { defaultCountry: region })}`),
  ]);
  const existing = current.identifiers ?? [];
  const known = new Set(existing.map((i) => `${i.kind}:${i.value}`));
  let latest = updated;
  for (const identifier of existing) {
    if (identifier.id && !wanted.has(`${identifier.kind}:${identifier.value}`)) {
      latest = EntitySchema.parse(
        await hubFetch(`/persons/${encodeURIComponent(id)}/identifiers/${encodeURIComponent(identifier.id)}`, {
          method: 'DELETE',
        }),
      );
    }
  }
  // A phone or email another person has stays theirs: kept here as a display copy, and named
  // as a duplicate so the form can offer to merge (the hub would refuse it as identifier_taken).
  const duplicates: DuplicateNotice[] = [];
  const heldElsewhere = async (kind: 'phone' | 'email', value: string) => {
    const holder = await holderOf(kind, value, id);
    if (!holder) return false;
    const known = duplicates.find((d) => d.personId === holder.personId);
    if (known) known.reasons.push(...holder.reasons);
    else duplicates.push(holder);
    return true;
  };
  for (const e of input.emails) {
    const n = normalizeEmail(e);
    if (n && !known.has(`email:${n}`)) {
      known.add(`email:${n}`);
      if (await heldElsewhere('email', n)) continue;
      latest = EntitySchema.parse(
        await hubFetch(`/persons/${encodeURIComponent(id)}/identifiers`, {
          method: 'POST',
          body: { kind: 'email', value: e },
        }),
      );
    }
  }
  for (const p of input.phones) {
    const n = normalizePhone(p, { defaultCountry: region });
    if (n && !known.has(`phone:${n}`)) {
      known.add(`phone:${n}`);
      if (await heldElsewhere('phone', n)) continue;
      latest = EntitySchema.parse(
        await hubFetch(`/persons/${encodeURIComponent(id)}/identifiers`, {
          method: 'POST',
          body: { kind: 'phone', value: p },
        }),
      );
    }
  }
  return { ...toContact(latest), duplicates };
}

export async function deleteEntity(id: string): Promise<void> {
  await hubFetch(`/entities/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** The kept contact, and the id of the merge (to undo it). */
export async function mergeContacts(primaryId: string, otherId: string): Promise<Contact & { mergeId?: string }> {
  const raw = await hubFetch<{ mergeId?: string }>(`/persons/${encodeURIComponent(primaryId)}/merge`, {
    method: 'POST',
    body: { otherId },
  });
  return { ...toContact(EntitySchema.parse(raw)), ...(raw.mergeId ? { mergeId: raw.mergeId } : {}) };
}

const LinkSchema = z
  .object({
    id: z.string().optional(),
    kind: z.string().optional(),
    type: z.string().optional(),
    direction: z.string().optional(),
    entity: EntitySchema.optional(),
    other: EntitySchema.optional(),
    createdAt: z.string().nullish(),
  })
  .passthrough();

export interface TimelineItem {
  linkKind: string;
  entity: Entity;
  at: string;
}

export interface Relationship {
  linkId: string;
  /** What the other person is to this one ("partner", "manager", ...). */
  kind: RelationshipKind;
  person: { id: string; name: string };
}

const isRelationshipKind = (kind: string): kind is RelationshipKind =>
  (relationshipKinds as readonly string[]).includes(kind);

/**
 * A person's links, split: relationships (typed links to other persons, read from this
 * person's side) and the timeline (everything else, newest first).
 */
export async function getContactLinks(
  id: string,
): Promise<{ timeline: TimelineItem[]; relationships: Relationship[] }> {
  const raw = await hubFetch<unknown>(`/entities/${encodeURIComponent(id)}/links`);
  const list = Array.isArray(raw) ? raw : ((raw as { items?: unknown[] } | undefined)?.items ?? []);
  const timeline: TimelineItem[] = [];
  const relationships: Relationship[] = [];
  for (const item of list) {
    const parsed = LinkSchema.safeParse(item);
    if (!parsed.success) continue;
    const entity = parsed.data.entity ?? parsed.data.other;
    if (!entity) continue;
    const kind = parsed.data.kind ?? parsed.data.type ?? 'linked';
    if (entity.type === 'person' && isRelationshipKind(kind) && parsed.data.id) {
      relationships.push({
        linkId: parsed.data.id,
        kind: parsed.data.direction === 'in' ? inverseRelationship[kind] : kind,
        person: { id: entity.id, name: entity.title?.trim() || 'Unnamed contact' },
      });
      continue;
    }
    timeline.push({
      linkKind: kind,
      entity,
      at: entity.occurredAt ?? entity.updatedAt ?? entity.createdAt ?? parsed.data.createdAt ?? '',
    });
  }
  timeline.sort((a, b) => b.at.localeCompare(a.at));
  relationships.sort((a, b) => a.kind.localeCompare(b.kind) || a.person.name.localeCompare(b.person.name));
  return { timeline, relationships };
}

/** "Ann is Bob's partner": a link Bob -kind-> Ann, read from Bob's page as "kind: Ann". */
export async function addRelationship(personId: string, kind: RelationshipKind, otherId: string): Promise<void> {
  await hubFetch('/links', { method: 'POST', body: { kind, fromId: personId, toId: otherId } });
}

export async function removeLink(linkId: string): Promise<void> {
  await hubFetch(`/links/${encodeURIComponent(linkId)}`, { method: 'DELETE' });
}

export async function listNotes(): Promise<{ notes: Note[]; truncated: boolean }> {
  const { items, truncated } = await listAll('note', 2000);
  return { notes: items.map(toNote).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)), truncated };
}

export async function createNote(title: string, body: string): Promise<Note> {
  return toNote(
    EntitySchema.parse(await hubFetch('/entities', { method: 'POST', body: { type: 'note', title, body } })),
  );
}

export async function updateNote(id: string, version: number, title: string, body: string): Promise<Note> {
  return toNote(
    EntitySchema.parse(
      await hubFetch(`/entities/${encodeURIComponent(id)}`, { method: 'PATCH', body: { version, title, body } }),
    ),
  );
}

export interface SearchHit {
  id: string;
  type: string;
  title: string;
  snippet: string;
}

const HitSchema = z
  .object({
    id: z.string().optional(),
    entityId: z.string().optional(),
    type: z.string().optional(),
    title: z.string().nullish(),
    name: z.string().nullish(),
    snippet: z.string().nullish(),
    body: z.string().nullish(),
    entity: EntitySchema.optional(),
  })
  .passthrough();

export async function search(q: string): Promise<SearchHit[]> {
  const raw = await hubFetch<unknown>('/search', { query: { q, limit: 20 } });
  const list = Array.isArray(raw)
    ? raw
    : ((raw as { hits?: unknown[]; items?: unknown[] } | undefined)?.hits ??
      (raw as { items?: unknown[] } | undefined)?.items ??
      []);
  const hits: SearchHit[] = [];
  for (const item of list) {
    const p = HitSchema.safeParse(item);
    if (!p.success) continue;
    const e = p.data.entity;
    const id = e?.id ?? p.data.entityId ?? p.data.id;
    if (!id) continue;
    hits.push({
      id,
      type: e?.type ?? p.data.type ?? 'entity',
      title: e?.title ?? p.data.title ?? p.data.name ?? 'Untitled',
      snippet: (p.data.snippet ?? e?.body ?? p.data.body ?? '').slice(0, 140),
    });
  }
  return hits;
}
