import { createHash } from 'node:crypto';
import type { ChatMessage } from '@made-open/ai';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { ContextOf } from './ai.context.ts';
import type { StoredSource } from './ai.conversations.ts';
import type { ChatDone, Generate } from './ai.generate.ts';
import { citationTracker } from './ai.prompt.ts';
import { isSensitive } from './ai.routing.ts';

export interface SummaryView {
  personId: string;
  /** Null when no model wrote one (done.notice says why). */
  summary: string | null;
  sources: StoredSource[];
  citations: Array<{ number: number; entityId: string }>;
  done: ChatDone;
  createdAt: string;
  /** Served from the cache (the person's data has not changed since it was made). */
  cached: boolean;
}

/** The person's newest linked items the summary reads, and how much of each. */
const LINKED = 20;
const ITEM_CHARS = 800;

const SYSTEM = [
  "You summarise the user's history with one person from the user's own data: who they are, what was said recently, meetings and events, open questions or promises.",
  'Use only the numbered sources. Cite every fact with its number in square brackets, like [2]. At most six short bullet points, newest first. Never invent facts.',
  'Text like ⟦EMAIL_1⟧ stands for hidden personal data: repeat such placeholders exactly as written when you need them.',
].join(' ');

type ItemRow = {
  id: string;
  type: string;
  title: string;
  body: string;
  occurred_at: Date | string | null;
  version: number;
};
type CachedRow = {
  fingerprint: string;
  summary: string;
  sources: StoredSource[];
  done: ChatDone & { citations?: Array<{ number: number; entityId: string }> };
  created_at: Date | string;
};

/**
 * Contact summaries (issue 15 §6): the person and their newest linked entities (messages,
 * calls, events, notes; either link direction), through the same routing as chat. Cached per
 * person with a fingerprint of the ids and versions read: any change to them (an edit, a new
 * message, a deletion) makes the cached one stale, and it is not served again.
 */
export function createSummaries(deps: { db: Database; contextOf: ContextOf; generate: Generate }) {
  /** The person first, then their newest linked items; undefined when there is no such person (RLS). */
  async function itemsOf(user: AuthenticatedUser, personId: string): Promise<ItemRow[] | undefined> {
    return deps.db.asUser(user.claims, async (tx) => {
      const person = await tx.query<ItemRow>(
        `SELECT id, type, title, left(body, ${ITEM_CHARS}) AS body, occurred_at, version FROM public.entities
          WHERE id = $1 AND type = 'person' AND deleted_at IS NULL`,
        [personId],
      );
      if (!person.rows[0]) return undefined;
      const linked = await tx.query<ItemRow>(
        `SELECT e.id, e.type, e.title, left(e.body, ${ITEM_CHARS}) AS body, e.occurred_at, e.version
           FROM public.entities e
          WHERE e.deleted_at IS NULL AND e.type <> 'person' AND e.id IN (
                SELECT to_id FROM public.entity_links WHERE from_id = $1
                UNION SELECT from_id FROM public.entity_links WHERE to_id = $1)
          ORDER BY coalesce(e.occurred_at, e.updated_at) DESC, e.id DESC
          LIMIT ${LINKED}`,
        [personId],
      );
      return [person.rows[0], ...linked.rows];
    });
  }

  const fingerprintOf = (items: readonly ItemRow[]) =>
    createHash('sha256')
      .update(items.map((i) => `${i.id}:${i.version}`).join(','))
      .digest('hex');

  async function cachedFor(user: AuthenticatedUser, personId: string): Promise<CachedRow | undefined> {
    const { rows } = await deps.db.queryAsUser<CachedRow>(
      user.claims,
      'SELECT fingerprint, summary, sources, done, created_at FROM made_open.ai_summaries WHERE person_id = $1',
      [personId],
    );
    return rows[0];
  }

  const viewOf = (personId: string, row: CachedRow): SummaryView => {
    const { citations = [], ...done } = row.done;
    return {
      personId,
      summary: row.summary,
      sources: row.sources,
      citations,
      done,
      createdAt: new Date(row.created_at).toISOString(),
      cached: true,
    };
  };

  return {
    /** The cached summary while the person's data is unchanged; null when there is none or it is stale. */
    async get(user: AuthenticatedUser, personId: string): Promise<{ summary: SummaryView | null; stale: boolean }> {
      const items = await itemsOf(user, personId);
      if (!items) throw new NotFoundError('person');
      const cached = await cachedFor(user, personId);
      if (!cached) return { summary: null, stale: false };
      if (cached.fingerprint !== fingerprintOf(items)) return { summary: null, stale: true };
      return { summary: viewOf(personId, cached), stale: false };
    },

    /** The cached summary if still fresh (unless `refresh`), else a new one (cached when a model wrote it). */
    async summarise(
      user: AuthenticatedUser,
      personId: string,
      options: {
        refresh?: boolean;
        cloudModel?: string | undefined;
        localModel?: string | undefined;
        /** The egress audit's purpose (default summary; a rule's action says rule). */
        purpose?: string | undefined;
        /** A new summary's sources, before the model is asked (a stream shows them as it writes). */
        onSources?: (sources: StoredSource[]) => void;
        /** The new summary's text as the model writes it (restored, like chat's). */
        onDelta?: (text: string) => void;
      },
      signal: AbortSignal,
    ): Promise<SummaryView> {
      const items = await itemsOf(user, personId);
      if (!items) throw new NotFoundError('person');
      const fingerprint = fingerprintOf(items);
      const cached = options.refresh ? undefined : await cachedFor(user, personId);
      if (cached?.fingerprint === fingerprint) return viewOf(personId, cached);

      const passages = items.map((item, i) => ({
        number: i + 1,
        entityId: item.id,
        type: item.type,
        title: item.title,
        text: item.body,
        occurredAt: item.occurred_at === null ? null : new Date(item.occurred_at).toISOString(),
      }));
      const context = await deps.contextOf(user, passages);
      const sources: StoredSource[] = passages.map(({ text: _text, ...p }, i) => ({
        ...p,
        sensitive: isSensitive(context.entities[i]!),
      }));
      options.onSources?.(sources);
      const result = await deps.generate(user, {
        purpose: options.purpose ?? 'summary',
        items: context.entities,
        prompt: (texts): ChatMessage[] => [
          {
            role: 'system',
            content: `${SYSTEM}\n\nSources:\n${passages
              .map(
                (p, i) =>
                  `[${p.number}] (${p.type}${p.occurredAt ? `, ${p.occurredAt.slice(0, 10)}` : ''}) ${texts[i]}`,
              )
              .join('\n\n')}`,
          },
          { role: 'user', content: 'Summarise my history with this person (source 1).' },
        ],
        cloudModel: options.cloudModel,
        localModel: options.localModel,
        onDelta: options.onDelta,
        signal,
      });
      if (!result.ok) throw new UserError(502, result.error.code, result.error.message);
      const summary = result.text.trim() || null;
      const citations = citationTracker(new Set(passages.map((p) => p.number)))(summary ?? '').map((n) => ({
        number: n,
        entityId: passages[n - 1]!.entityId,
      }));
      const createdAt = new Date().toISOString();
      if (summary)
        await deps.db.queryAsUser(
          user.claims,
          `INSERT INTO made_open.ai_summaries (owner_id, person_id, fingerprint, summary, sources, done, created_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)
           ON CONFLICT (owner_id, person_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
             summary = EXCLUDED.summary, sources = EXCLUDED.sources, done = EXCLUDED.done, created_at = EXCLUDED.created_at`,
          [
            user.id,
            personId,
            fingerprint,
            summary,
            JSON.stringify(sources),
            JSON.stringify({ ...result.done, citations }),
            createdAt,
          ],
        );
      return { personId, summary, sources, citations, done: result.done, createdAt, cached: false };
    },
  };
}

export type Summaries = ReturnType<typeof createSummaries>;
