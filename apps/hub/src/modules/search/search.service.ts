import { entityTypes } from '@made-open/shared';
import { ValidationError } from '../../platform/errors.ts';
import { facetNames, type FacetName, type SearchEngine, type SearchFilters } from './engine/types.ts';
import type { SearchQueryInput } from './search.schemas.ts';

const knownTypes = new Set<string>(entityTypes);
const knownFacets = new Set<string>(facetNames);
const SOURCE = /^[a-z][a-z0-9_.-]{0,63}$/;

function parseInstant(value: string, key: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ValidationError(`filters: ${key} needs a date like 2025-01-31 or 2025-01-31T09:30:00Z.`);
  return ms;
}

/** Parses `source:twilio,after:2025-01-01,before:2025-06-30`. */
export function parseFilters(text: string | undefined): SearchFilters {
  const filters: SearchFilters = {};
  if (!text) return filters;
  for (const part of text.split(',')) {
    const at = part.indexOf(':');
    const key = at > 0 ? part.slice(0, at).trim() : '';
    const value = at > 0 ? part.slice(at + 1).trim() : '';
    if (!value)
      throw new ValidationError('filters is a comma-separated list of key:value, like source:twilio,after:2025-01-01.');
    if (key === 'source') {
      if (!SOURCE.test(value))
        throw new ValidationError('filters: source is a short lowercase name like twilio or msgraph.');
      (filters.sources ??= []).push(value);
    } else if (key === 'after') filters.occurredAfter = parseInstant(value, 'after');
    else if (key === 'before') {
      // a bare date includes the whole day
      filters.occurredBefore = parseInstant(value, 'before') + (value.length === 10 ? 86_399_999 : 0);
    } else throw new ValidationError(`filters: unknown key "${key.slice(0, 40)}"; use source, after or before.`);
  }
  return filters;
}

function parseList<T extends string>(text: string | undefined, known: Set<string>, what: string): T[] | undefined {
  if (!text) return undefined;
  const values = [...new Set(text.split(','))];
  const unknown = values.filter((v) => !known.has(v));
  if (unknown.length)
    throw new ValidationError(`${what}: unknown value "${unknown[0]}"; use ${[...known].join(', ')}.`);
  return values as T[];
}

/** Searches run against the caller's own documents only: the owner is the verified user. */
export function createSearchService(deps: { engine: SearchEngine }) {
  const { engine } = deps;
  return {
    async search(ownerId: string, input: SearchQueryInput) {
      const types = parseList<string>(input.types, knownTypes, 'types');
      const facets = parseList<FacetName>(input.facets, knownFacets, 'facets') ?? ['type'];
      const filters = parseFilters(input.filters);
      if (!input.q.trim()) return { hits: [], facets: {}, estimatedTotal: 0, processingTimeMs: 0 };
      const result = await engine.search({
        ownerId,
        q: input.q,
        types,
        filters,
        facets,
        limit: input.limit,
        offset: input.offset,
      });
      return { ...result, facets: result.facets as Record<string, Record<string, number>> };
    },

    /** The command palette: persons by name, email, or phone number in any format. */
    async people(ownerId: string, q: string, limit: number) {
      const result = await engine.search({ ownerId, q, types: ['person'], limit, offset: 0 });
      return {
        hits: result.hits.map(({ type: _type, ...hit }) => hit),
        processingTimeMs: result.processingTimeMs,
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
