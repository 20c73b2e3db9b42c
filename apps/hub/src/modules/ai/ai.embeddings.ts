import {
  AiProviderError,
  createOllamaEmbedder,
  createUseLiteEmbedder,
  OLLAMA_PROFILE_PREFIX,
  type Embedder,
} from '@made-open/ai';
import type { EventEnvelope } from '@made-open/shared';
import { entityCreated, entityDeleted, entityUpdated, personsMerged } from '@made-open/shared/graph-events';
import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import { ConflictError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventsModule } from '../events/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import { toSearchDocument } from '../search/index.ts';
import {
  embeddingsStore as store,
  nearest,
  type Neighbour,
  type PendingEntity,
  type RetrievalFilters,
} from './ai.embeddings.store.ts';
import { splitPassages } from './ai.passages.ts';
import type { Providers } from './ai.providers.ts';

/** The durable consumer's name (its cursor survives restarts). */
export const EMBEDDINGS_CONSUMER = 'ai-embedder';

/**
 * Neighbours less similar than this (cosine) are not evidence, just the nearest of nothing:
 * left out, they neither crowd the sources nor pull unrelated (sensitive) items into a
 * prompt. USE lite puts related passages at 0.35-0.7 and unrelated ones below 0.3 (measured
 * on the evaluation set, bench/ai.ts); other models keep the same cut until measured.
 */
export const MIN_SIMILARITY = 0.3;

/**
 * The most text one vector is made from: a passage (1,000 characters at most) with the title
 * and, for the first, the keywords. A short entity is one passage of its whole text.
 */
const EMBED_TEXT_CHARS = 2_000;

/** Texts per call to the embedder (a long entity brings up to 64 passages). */
const EMBED_CALL_TEXTS = 64;

/**
 * Vectors written per transaction. Each costs an HNSW insert (5–10 ms on PGlite), and on PGlite
 * a transaction holds the only connection, so the API's requests wait for a whole write.
 */
const VECTORS_PER_WRITE = 8;

/** Entities in groups of at most `limit` vectors (an entity's vectors stay together). */
export function writeGroups<T extends { vectors: readonly unknown[] }>(items: readonly T[], limit: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let vectors = 0;
  for (const item of items) {
    if (group.length > 0 && vectors + item.vectors.length > limit) {
      groups.push(group);
      group = [];
      vectors = 0;
    }
    group.push(item);
    vectors += item.vectors.length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Passages asked of the index per entity wanted (an entity can match with several). */
const PASSAGES_PER_NEIGHBOUR = 3;

export interface EmbeddingStatus {
  /** `off`: this database has no pgvector; answers use keyword search alone. */
  vectors: 'on' | 'off';
  reason: string | null;
  profile: string;
  /** Live entities, and how many have their vectors of the current profile at their current version. */
  total: number;
  embedded: number;
  /** The vectors those entities have: one per passage (a short entity is one passage). */
  passages: number;
  /** A re-embed was asked for and has not finished. */
  reembedding: boolean;
  /** Why the embedder cannot run (a missing local model), if it cannot. */
  problem: string | null;
}

export class EmbeddingsOffError extends ConflictError {
  constructor() {
    super('Vector search is off: this database has no pgvector extension.', 'vectors_off');
  }
}

export interface EmbeddingsDeps {
  db: Database;
  logger: Logger;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  events: Pick<EventsModule, 'subscribe'>;
  providers: Pick<Providers, 'forUser'>;
  /** The offline embedder (default: USE lite, loaded on first use). Tests may give another. */
  offline?: Embedder;
  /** Entities per embedding call. */
  batchSize?: number;
}

const userOf = (ownerId: string): AuthenticatedUser => ({
  id: ownerId,
  claims: { role: 'authenticated', sub: ownerId },
});

const cut = (text: string) => (text.length > EMBED_TEXT_CHARS ? text.slice(0, EMBED_TEXT_CHARS) : text);

/**
 * The texts to embed for an entity, one per passage (ai.passages.ts): its searchable text as
 * the search index holds it (title, body, keywords) when the body is one passage, as before
 * passages existed; otherwise each passage with the title (and the first with the keywords).
 */
export function embeddingTexts(entity: PendingEntity): string[] {
  const doc = toSearchDocument('', {
    id: entity.id,
    type: entity.type,
    title: entity.title,
    body: entity.body,
    properties: entity.properties,
    source: entity.source,
    occurredAt: entity.occurred_at === null ? null : new Date(entity.occurred_at).toISOString(),
    version: entity.version,
  });
  const keywords = doc.keywords.join(' ');
  const passages = splitPassages(entity.body);
  if (passages.length === 1) return [cut([doc.title, doc.body, keywords].filter(Boolean).join('\n'))];
  return passages.map((p) => cut([doc.title, p.text, p.index === 0 ? keywords : ''].filter(Boolean).join('\n')));
}

/** The text of an entity's first (for most entities, only) passage. */
export const embeddingText = (entity: PendingEntity): string => embeddingTexts(entity)[0]!;

/**
 * Embeddings (issue 15 §3): a consumer of the graph events queues a background job per owner
 * whose data changed; the job embeds that owner's pending entities in batches (pending =
 * no vector of the current profile at the entity's current version), under the owner's RLS.
 */
export function createEmbeddings(deps: EmbeddingsDeps) {
  const { db, logger } = deps;
  const offline = deps.offline ?? createUseLiteEmbedder();
  const batchSize = deps.batchSize ?? 32;
  let tableReady: Promise<boolean> | undefined;
  const indexedDims = new Set<number>([512]);
  /** Owners being embedded by this process, and whether more work arrived meanwhile. */
  const running = new Map<string, { again: boolean }>();

  /** pgvector installed and the vector table made by migration ai/0003. */
  function vectorsOn(): Promise<boolean> {
    if (!db.hasVector) return Promise.resolve(false);
    tableReady ??= db
      .asSystem((tx) => tx.query<{ ok: boolean }>(`SELECT to_regclass('made_open.ai_embeddings') IS NOT NULL AS ok`))
      .then((r) => r.rows[0]!.ok);
    return tableReady;
  }

  async function settingsOf(user: AuthenticatedUser) {
    const saved = await db.asUser(user.claims, (tx) => store.settings(tx));
    return { profile: saved?.profile ?? offline.profile, since: saved?.reembedRequestedAt ?? null };
  }

  /** The user's embedder for a profile; throws an AiProviderError a person can act on. */
  async function embedderFor(user: AuthenticatedUser, profile: string): Promise<Embedder> {
    if (!profile.startsWith(OLLAMA_PROFILE_PREFIX)) return offline;
    const { local, localProblem } = await deps.providers.forUser(user);
    if (!local)
      throw new AiProviderError(
        'unavailable',
        'ollama',
        localProblem ??
          'No local model is configured: add an Ollama address in Settings → AI, or choose the offline model.',
      );
    return createOllamaEmbedder(local, profile.slice(OLLAMA_PROFILE_PREFIX.length));
  }

  const embedJob = defineJob({
    name: 'ai.embed',
    priority: 'background',
    payload: z.object({ ownerId: z.uuid() }),
    retry: { limit: 3, backoff: { type: 'exponential', delaySeconds: 30 } },
    handler: async ({ ownerId }, context) => {
      try {
        await embedOwner(ownerId, context.signal);
      } catch (error) {
        // A missing local model is the user's to fix (the status says so); retrying will not.
        if (!(error instanceof AiProviderError)) throw error;
        context.logger.warn({ ownerId, kind: error.kind }, 'embedding skipped: the embedding model is unavailable');
      }
    },
  });
  deps.jobs.register(embedJob);

  async function enqueue(ownerIds: Iterable<string>) {
    const owners = [...new Set(ownerIds)];
    if (owners.length === 0) return;
    await db.asSystem(async (tx) => {
      for (const ownerId of owners) await deps.jobs.enqueue(tx, embedJob, { ownerId });
    });
  }

  /**
   * Embeds every pending entity of one owner, batch by batch. A second job for an owner this
   * process is already embedding only marks it for another pass (an entity's vectors are
   * replaced together, so a second hub instance doing the same work is wasteful, not wrong).
   */
  async function embedOwner(ownerId: string, signal?: AbortSignal): Promise<number> {
    if (!(await vectorsOn())) return 0;
    const current = running.get(ownerId);
    if (current) {
      current.again = true;
      return 0;
    }
    const state = { again: true };
    running.set(ownerId, state);
    const user = userOf(ownerId);
    let done = 0;
    let passages = 0;
    try {
      while (state.again) {
        state.again = false;
        // Read once per pass: a re-embed request (another job) sets `again`, so a changed
        // profile is picked up by the next pass.
        const { profile, since } = await settingsOf(user);
        let embedder: Embedder | undefined;
        for (;;) {
          signal?.throwIfAborted();
          const rows = await db.asUser(user.claims, (tx) => store.pending(tx, profile, since, batchSize));
          if (rows.length === 0) break;
          embedder ??= await embedderFor(user, profile);
          const texts = rows.map(embeddingTexts);
          const flat = texts.flat();
          const vectors: number[][] = [];
          for (let i = 0; i < flat.length; i += EMBED_CALL_TEXTS) {
            signal?.throwIfAborted();
            vectors.push(...(await embedder.embed(flat.slice(i, i + EMBED_CALL_TEXTS), signal)));
          }
          const dims = vectors[0]?.length ?? 0;
          if (!indexedDims.has(dims)) {
            await db.asOwner((tx) => store.ensureIndex(tx, dims));
            indexedDims.add(dims);
          }
          let next = 0;
          const items = rows.map((r, i) => {
            const count = texts[i]!.length;
            next += count;
            return { id: r.id, version: r.version, vectors: vectors.slice(next - count, next) };
          });
          for (const group of writeGroups(items, VECTORS_PER_WRITE))
            await db.asUser(user.claims, (tx) => store.replace(tx, profile, group));
          passages += flat.length;
          done += rows.length;
        }
      }
      await db.asUser(user.claims, async (tx) => {
        await store.dropDeleted(tx);
        // Finished: a re-embed request is complete once nothing is pending.
        await tx.query(
          `UPDATE made_open.ai_embedding_settings SET reembed_requested_at = NULL WHERE owner_id = auth.uid()`,
        );
      });
      if (done > 0) logger.debug({ ownerId, embedded: done, passages }, 'entities embedded');
      return done;
    } finally {
      running.delete(ownerId);
    }
  }

  /** The graph events that change what an entity's vector should be. */
  const types = [entityCreated.type, entityUpdated.type, entityDeleted.type, personsMerged.type];
  deps.events.subscribe({
    name: EMBEDDINGS_CONSUMER,
    types,
    // Only queues jobs (idempotent): no transaction needed, one job per owner per batch.
    transactional: false,
    handleBatch: async (events: readonly EventEnvelope[]) => {
      if (!(await vectorsOn())) return;
      await enqueue(events.map((e) => e.ownerId).filter((o): o is string => typeof o === 'string'));
    },
  });

  return {
    vectorsOn,
    embedOwner,
    enqueue,

    async status(user: AuthenticatedUser): Promise<EmbeddingStatus> {
      const { profile, since } = await settingsOf(user);
      if (!(await vectorsOn()))
        return {
          vectors: 'off',
          reason:
            'This database has no pgvector extension, so answers use keyword search alone. Install pgvector (or use Supabase or the embedded database) to turn vector search on.',
          profile,
          total: 0,
          embedded: 0,
          passages: 0,
          reembedding: false,
          problem: null,
        };
      const counts = await db.asUser(user.claims, (tx) => store.counts(tx, profile, since));
      const problem = await embedderFor(user, profile).then(
        () => null,
        (error: unknown) => (error instanceof AiProviderError ? error.message : 'The embedding model is unavailable.'),
      );
      return { vectors: 'on', reason: null, profile, ...counts, reembedding: since !== null, problem };
    },

    /** Sets the profile (optional) and embeds everything again, in the background. */
    async reembed(user: AuthenticatedUser, profile?: string) {
      if (!(await vectorsOn())) throw new EmbeddingsOffError();
      const chosen = profile ?? (await settingsOf(user)).profile;
      await embedderFor(user, chosen).catch((error: unknown) => {
        if (error instanceof AiProviderError) throw new ConflictError(error.message, 'embedding_model_unavailable');
        throw error;
      });
      await db.asUser(user.claims, (tx) => store.saveSettings(tx, chosen, true));
      await enqueue([user.id]);
    },

    /**
     * Passages nearest the text, best first, at most `limit` distinct entities (an entity's
     * passages after its best one are kept, ranked, for choosing the one to show). Empty when
     * vectors are off or nothing is embedded.
     */
    async neighbours(
      user: AuthenticatedUser,
      text: string,
      limit: number,
      filters: RetrievalFilters = {},
    ): Promise<Neighbour[]> {
      if (!(await vectorsOn())) return [];
      const { profile } = await settingsOf(user);
      const embedder = await embedderFor(user, profile);
      const [vector] = await embedder.embed([text]);
      if (!vector) return [];
      const found = await db.asUser(user.claims, (tx) =>
        nearest(tx, profile, vector, limit * PASSAGES_PER_NEIGHBOUR, filters),
      );
      const entities = new Set<string>();
      return found.filter((n) => {
        if (1 - n.distance < MIN_SIMILARITY) return false;
        if (!entities.has(n.id) && entities.size >= limit) return false;
        entities.add(n.id);
        return true;
      });
    },

    async start() {
      // Entities made before embeddings existed (or while the hub was down) get theirs.
      if (!(await vectorsOn())) return;
      const owners = await db.asSystem((tx) =>
        tx.query<{ owner_id: string }>(`SELECT DISTINCT owner_id FROM public.entities WHERE deleted_at IS NULL`),
      );
      await enqueue(owners.rows.map((r) => r.owner_id));
    },
  };
}

export type Embeddings = ReturnType<typeof createEmbeddings>;
