import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { SearchEngine } from '../search/index.ts';

/**
 * Keyword retrieval through the search module (issue 15 §4, first half): the question's
 * content words go to the search engine, and the hits' text is read back from the graph under
 * the caller's RLS (an index entry of someone else's entity would find nothing). Vector and
 * hybrid retrieval are a later step of the issue.
 */
export interface Passage {
  /** 1-based: the number the model cites as [n]. */
  number: number;
  entityId: string;
  type: string;
  title: string;
  text: string;
  occurredAt: string | null;
}

/** Words that carry no meaning for a keyword search of a question. */
const STOP = new Set(
  `a an and are about any as at be been but by can could did do does for from had has have how i if in is it its me
  my of on or our please say said show tell than that the their them then there these they this to us was we were what
  when where which who whom why will with would you your all last recent recently latest find give list`.split(/\s+/),
);

/** At most this many words (the embedded engine scores up to 10). */
const MAX_WORDS = 10;
const PASSAGE_CHARS = 1_500;

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

export function createRetrieval(deps: { db: Database; engine: () => SearchEngine }) {
  return {
    async passages(user: AuthenticatedUser, question: string, limit = 6): Promise<Passage[]> {
      const q = keywordsOf(question);
      if (!q) return [];
      const result = await deps.engine().search({ ownerId: user.id, q, limit, offset: 0 });
      const ids = result.hits.map((h) => h.id);
      if (ids.length === 0) return [];
      const { rows } = await deps.db.queryAsUser<EntityRow>(
        user.claims,
        `SELECT id, type, title, left(body, ${PASSAGE_CHARS}) AS body, occurred_at
           FROM public.entities WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids
        .map((id) => byId.get(id))
        .filter((r): r is EntityRow => r !== undefined)
        .map((r, i) => ({
          number: i + 1,
          entityId: r.id,
          type: r.type,
          title: r.title,
          text: r.body,
          occurredAt: r.occurred_at === null ? null : new Date(r.occurred_at).toISOString(),
        }));
    },
  };
}

export type Retrieval = ReturnType<typeof createRetrieval>;
