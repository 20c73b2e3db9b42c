import type { Entity, Identifier } from '@made-open/shared';
import { phoneIndexForms } from './engine/phone.ts';
import type { SearchDocument } from './engine/types.ts';

/**
 * Turns a graph entity snapshot (as events and the rebuild carry it) into the document the
 * index holds: title, body, and keywords drawn from the type's properties and, for persons,
 * their normalised identifiers (every phone in the digit forms people type).
 */

const stringsOf = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];

/** Properties worth finding an entity by, per type. */
const keywordProperties: Record<string, readonly string[]> = {
  person: ['givenName', 'familyName', 'additionalName', 'nickname', 'organization', 'jobTitle', 'emails'],
  organization: ['legalName', 'domain', 'industry'],
  note: ['tags'],
  message: ['subject', 'from', 'to', 'cc'],
  call: ['from', 'to'],
  calendar_event: ['location', 'attendees'],
  place: ['address', 'category'],
  file: ['fileName'],
  task: [],
};

const phoneProperties: Record<string, readonly string[]> = {
  person: ['phones'],
  message: ['from', 'to'],
  call: ['from', 'to'],
};

const looksLikePhone = (s: string) => /^[\s\d()+.\-/]{5,}$/.test(s) && /\d{3}/.test(s);

/** Bodies beyond this are not indexed further (a 1 MB email body is not a search document). */
export const MAX_BODY = 20_000;

export type IndexableEntity = Pick<
  Entity,
  'id' | 'title' | 'body' | 'properties' | 'source' | 'occurredAt' | 'version'
> & { type: string };

export function toSearchDocument(
  ownerId: string,
  entity: IndexableEntity,
  identifiers?: readonly Pick<Identifier, 'kind' | 'value'>[],
): SearchDocument {
  const properties = entity.properties ?? {};
  const keywords: string[] = [];
  for (const key of keywordProperties[entity.type] ?? []) {
    for (const value of stringsOf(properties[key])) if (!looksLikePhone(value)) keywords.push(value);
  }
  const phones = new Set<string>();
  for (const key of phoneProperties[entity.type] ?? []) {
    for (const value of stringsOf(properties[key])) if (looksLikePhone(value)) phones.add(value);
  }
  for (const identifier of identifiers ?? []) {
    if (identifier.kind === 'phone') phones.add(identifier.value);
    else keywords.push(identifier.value);
  }
  for (const phone of phones) keywords.push(...phoneIndexForms(phone));
  const body =
    typeof properties.notes === 'string' && entity.type === 'person'
      ? `${entity.body}\n${properties.notes}`
      : entity.body;
  return {
    id: entity.id,
    ownerId,
    type: entity.type,
    title: entity.title,
    body: body.length > MAX_BODY ? body.slice(0, MAX_BODY) : body,
    keywords: [...new Set(keywords)],
    source: entity.source,
    occurredAt: entity.occurredAt ? Date.parse(entity.occurredAt) : null,
    version: entity.version,
  };
}
