import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SearchEngine } from '../search/index.ts';
import { filterSql, type Neighbour, type RetrievalFilters } from './ai.embeddings.store.ts';
import type { Embeddings } from './ai.embeddings.ts';
import { parseQuestionFilters, reciprocalRankFusion } from './ai.hybrid.ts';
import { PASSAGE_SOURCE_CHARS, passageWindow, splitPassages, termRanking } from './ai.passages.ts';

/**
 * Hybrid retrieval (issue 15 §4): the search engine's keyword (typo-tolerant) ranking of the
 * question's content words fused with the vector neighbours of the question (reciprocal rank
 * fusion), both narrowed by the filters the question states ("last week", "my calls", "from
 * Ada"). The hits' text is read back from the graph under the caller's RLS (an index entry of
 * someone else's entity finds nothing). Vectors are per passage (ai.passages.ts): an entity
 * ranks by its best passage, and the passage shown is the one that matched (for a keyword
 * hit alone, the one holding most of the question's rarer words). Where vectors are off (no
 * pgvector) or the embedding model is unavailable, the keyword ranking alone.
 */
export interface Passage {
  /** 1-based: the number the model cites as [n]. */
  number: number;
  entityId: string;
  type: string;
  title: string;
  /**
   * What the model reads: the passage that matched with its neighbours, up to 1,500
   * characters of the body (a short entity: its whole body).
   */
  text: string;
  occurredAt: string | null;
  /** Which passage matched, from 1, of `parts`; `text` is the body's characters [start, end). */
  part: number;
  parts: number;
  start: number;
  end: number;
}

export type RetrievalMode = 'hybrid' | 'keyword' | 'vector';

/** How many candidates each leg contributes to the fusion. */
const CANDIDATES = 20;

/** Words that carry no meaning for a keyword search of a question. */
const STOP = new Set(
  `a an and are about any as at be been but by can could did do does for from had has have how i if in is it its me
  my of on or our please say said show tell than that the their them then there these they this to us was we were what
  when where which who whom why will with would you your all last recent recently latest find give list`.split(/\s+/),
);

/** At most this many words (the embedded engine scores up to 10). */
const MAX_WORDS = 10;

export function keywordsOf(question: string): string {
  const words = question
    .toLowerCase()
    .split(/[^\p{L}\p{N}@.+-]+/u)
    .map((w) => w.replace(/^[.+-]+|[.+-]+$/g, ''))
    .filter((w) => w.length > 1 && !STOP.has(w));
  return [...new Set(words)].slice(0, MAX_WORDS).join(' ');
}

interface EntityRow {
  id: string;
  type: string;
  title: string;
  body: string;
  occurred_at: Date | string | null;
  [key: string]: unknown;
}

export interface RetrievalResult {
  /** What ran: `keyword` when vectors are off or the embedder failed, whatever was asked. */
  mode: RetrievalMode;
  filters: { types?: string[]; after?: string; before?: string; person?: string; personIds?: string[] };
  passages: Passage[];
}

export function createRetrieval(deps: {
  db: Database;
  engine: () => SearchEngine;
  embeddings?: Pick<Embeddings, 'neighbours' | 'vectorsOn'>;
  logger?: Logger;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  /**
   * People the question names, under RLS: after "from"/"with"/"by" a name the person's name
   * starts with ("from Ada"); elsewhere a whole first name or full name ("Ada Lovelace's").
   */
  async function personIdsNamed(user: AuthenticatedUser, explicit: string | undefined, names: string[]) {
    const clean = (n: string) => n.toLowerCase().replace(/[%_\\]/g, '');
    const prefixes = explicit ? [`${clean(explicit)}%`] : [];
    const exact = names.map(clean);
    if (prefixes.length === 0 && exact.length === 0) return [];
    const { rows } = await deps.db.queryAsUser<{ id: string }>(
      user.claims,
      `SELECT id FROM public.entities
        WHERE type = 'person' AND deleted_at IS NULL
          AND (lower(title) LIKE ANY($1::text[]) OR lower(title) = ANY($2::text[])
               OR split_part(lower(title), ' ', 1) = ANY($2::text[]))
        LIMIT 20`,
      [prefixes, exact],
    );
    return rows.map((r) => r.id);
  }

  async function keywordRanking(user: AuthenticatedUser, text: string, filters: RetrievalFilters, limit: number) {
    const q = keywordsOf(text);
    if (!q) return [];
    const result = await deps.engine().search({
      ownerId: user.id,
      q,
      ...(filters.types ? { types: filters.types } : {}),
      filters: {
        ...(filters.after ? { occurredAfter: Date.parse(filters.after) } : {}),
        ...(filters.before ? { occurredBefore: Date.parse(filters.before) } : {}),
      },
      limit,
      offset: 0,
    });
    return result.hits.map((h) => h.id);
  }

  /**
   * Reads the ranked entities back under RLS, applying every filter again (the engine knows
   * no persons), and picks each one's passage: the passages the vectors matched (best first)
   * fused with the passages ranked by the question's words; neither: the first.
   */
  async function readBack(
    user: AuthenticatedUser,
    ids: string[],
    filters: RetrievalFilters,
    limit: number,
    matched: ReadonlyMap<string, number[]>,
    words: string,
  ): Promise<Passage[]> {
    if (ids.length === 0) return [];
    const where = filterSql(filters, 2);
    const { rows } = await deps.db.queryAsUser<EntityRow>(
      user.claims,
      `SELECT e.id, e.type, e.title, left(e.body, ${PASSAGE_SOURCE_CHARS}) AS body, e.occurred_at
         FROM public.entities e WHERE e.id = ANY($1::uuid[]) AND e.deleted_at IS NULL AND ${where.sql}`,
      [ids, ...where.params],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids
      .map((id) => byId.get(id))
      .filter((r): r is EntityRow => r !== undefined)
      .slice(0, limit)
      .map((r, i) => {
        const passages = splitPassages(r.body);
        // A vector of an older version may name a passage the new text no longer has.
        const vector = (matched.get(r.id) ?? []).filter((chunk) => chunk < passages.length);
        const chosen = Number(
          reciprocalRankFusion([vector.map(String), termRanking(passages, words).map(String)])[0] ?? 0,
        );
        const window = passageWindow(r.body, passages, chosen);
        return {
          number: i + 1,
          entityId: r.id,
          type: r.type,
          title: r.title,
          text: window.text,
          occurredAt: r.occurred_at === null ? null : new Date(r.occurred_at).toISOString(),
          part: chosen + 1,
          parts: passages.length,
          start: window.start,
          end: window.end,
        };
      });
  }

  async function retrieve(
    user: AuthenticatedUser,
    question: string,
    options: { limit?: number; mode?: RetrievalMode } = {},
  ): Promise<RetrievalResult> {
    const limit = options.limit ?? 6;
    const parsed = parseQuestionFilters(question, now());
    const filters: RetrievalFilters = {
      ...(parsed.types ? { types: parsed.types } : {}),
      ...(parsed.after ? { after: parsed.after.toISOString() } : {}),
      ...(parsed.before ? { before: parsed.before.toISOString() } : {}),
    };
    // A name that matches nobody narrows nothing: its words still count as keywords.
    const personIds = await personIdsNamed(user, parsed.person, parsed.names);
    if (personIds.length > 0) filters.personIds = personIds;
    const described = { ...filters, ...(parsed.person ? { person: parsed.person } : {}) };
    // A person filter is applied after the engine, so ask it for more.
    const candidates = filters.personIds ? CANDIDATES * 5 : CANDIDATES;

    let mode: RetrievalMode = options.mode ?? 'hybrid';
    if (mode !== 'keyword' && !(deps.embeddings && (await deps.embeddings.vectorsOn()))) mode = 'keyword';
    let neighbours: Neighbour[] = [];
    if (mode !== 'keyword') {
      try {
        neighbours = await deps.embeddings!.neighbours(user, parsed.rest, CANDIDATES, filters);
      } catch (error) {
        deps.logger?.warn({ err: error }, 'vector retrieval failed; answering from keyword search alone');
        mode = 'keyword';
      }
    }
    // Each entity ranks by its best passage; the others it matched stay ranked for the choice.
    const matched = new Map<string, number[]>();
    for (const n of neighbours) matched.set(n.id, [...(matched.get(n.id) ?? []), n.chunk]);
    const vector = [...matched.keys()];
    const keyword = mode === 'vector' ? [] : await keywordRanking(user, parsed.rest, filters, candidates);
    const ranked = mode === 'hybrid' ? reciprocalRankFusion([keyword, vector]) : mode === 'vector' ? vector : keyword;
    return {
      mode,
      filters: described,
      passages: await readBack(user, ranked, filters, limit, matched, keywordsOf(parsed.rest)),
    };
  }

  return {
    retrieve,
    async passages(user: AuthenticatedUser, question: string, limit = 6): Promise<Passage[]> {
      return (await retrieve(user, question, { limit })).passages;
    },
  };
}

export type Retrieval = ReturnType<typeof createRetrieval>;
