import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError } from '../../platform/errors.ts';
import { requireUser, type AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { WriteCapability } from './connectors.service.ts';

/**
 * Write conflicts (issue 13 §5): the hub's edit met a provider copy that changed since the
 * hub last saw it (ConnectorConflict). Both sides are recorded and the owner keeps one:
 * "local" pushes the hub's edit again over the provider's newer version, "remote" takes
 * the provider's copy. Generic over entity types: each capability (calendar, contacts)
 * registers how it resolves its own.
 */

export interface ConflictRow {
  id: string;
  entity_id: string;
  entity_type: string;
  capability: 'calendar' | 'contacts';
  connection_id: string;
  source: string;
  external_id: string;
  message: string;
  local: Record<string, unknown>;
  remote: Record<string, unknown>;
  created_at: Date | string;
  resolved_at: Date | string | null;
  resolution: 'local' | 'remote' | 'superseded' | null;
}

export interface ConflictInput {
  entityId: string;
  entityType: string;
  capability: Extract<WriteCapability, 'calendar' | 'contacts'>;
  connectionId: string;
  source: string;
  externalId: string;
  message: string;
  local: Record<string, unknown>;
  remote: Record<string, unknown>;
}

const columns = `id, entity_id, entity_type, capability, connection_id, source, external_id, message, local, remote,
  created_at, resolved_at, resolution`;
const table = 'made_open.write_conflicts';

/** SQL for write conflicts; every method takes the transaction (RLS as the owner). */
export const conflictsRepository = {
  /** Records a conflict; an open one for the same entity is superseded by it. */
  async record(tx: Sql, ownerId: string, input: ConflictInput): Promise<ConflictRow> {
    await tx.query(
      `UPDATE ${table} SET resolved_at = now(), resolution = 'superseded'
       WHERE owner_id = $1 AND entity_id = $2 AND resolved_at IS NULL`,
      [ownerId, input.entityId],
    );
    const result = await tx.query<ConflictRow & Record<string, unknown>>(
      `INSERT INTO ${table} (id, owner_id, entity_id, entity_type, capability, connection_id, source, external_id,
         message, local, remote)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb) RETURNING ${columns}`,
      [
        uuidv7(),
        ownerId,
        input.entityId,
        input.entityType,
        input.capability,
        input.connectionId,
        input.source,
        input.externalId,
        input.message.slice(0, 1000),
        JSON.stringify(input.local),
        JSON.stringify(input.remote),
      ],
    );
    return result.rows[0]!;
  },

  async list(tx: Sql, options: { open: boolean; entityIds?: string[]; limit: number }): Promise<ConflictRow[]> {
    const result = await tx.query<ConflictRow & Record<string, unknown>>(
      `SELECT ${columns} FROM ${table}
       WHERE ($1::boolean IS FALSE OR resolved_at IS NULL) AND ($2::uuid[] IS NULL OR entity_id = ANY($2::uuid[]))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [options.open, options.entityIds ?? null, options.limit],
    );
    return result.rows;
  },

  /** Whether a conflict (open or settled) was recorded for the entity whose `local` holds these values. */
  async recorded(tx: Sql, entityId: string, local: Record<string, unknown>): Promise<boolean> {
    const result = await tx.query(`SELECT 1 FROM ${table} WHERE entity_id = $1 AND local @> $2::jsonb LIMIT 1`, [
      entityId,
      JSON.stringify(local),
    ]);
    return result.rows.length > 0;
  },

  /** Whether a conflict (open or settled) was recorded for the entity from an edit at this version or a later one. */
  async recordedFrom(tx: Sql, entityId: string, version: number): Promise<boolean> {
    const result = await tx.query(
      `SELECT 1 FROM ${table} WHERE entity_id = $1 AND jsonb_typeof(local -> 'baseVersion') = 'number'
          AND (local ->> 'baseVersion')::numeric >= $2 LIMIT 1`,
      [entityId, version],
    );
    return result.rows.length > 0;
  },

  async lock(tx: Sql, id: string): Promise<ConflictRow | undefined> {
    const result = await tx.query<ConflictRow & Record<string, unknown>>(
      `SELECT ${columns} FROM ${table} WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return result.rows[0];
  },

  async markResolved(tx: Sql, id: string, resolution: 'local' | 'remote'): Promise<ConflictRow> {
    const result = await tx.query<ConflictRow & Record<string, unknown>>(
      `UPDATE ${table} SET resolved_at = now(), resolution = $2 WHERE id = $1 RETURNING ${columns}`,
      [id, resolution],
    );
    return result.rows[0]!;
  },
};

const isoOf = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export const conflictViewSchema = z.object({
  id: z.string().uuid(),
  entityId: z.string().uuid(),
  entityType: z.string(),
  capability: z.enum(['calendar', 'contacts']),
  connectionId: z.string().uuid(),
  source: z.string(),
  externalId: z.string(),
  message: z.string(),
  local: z.record(z.string(), z.unknown()),
  remote: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  resolution: z.enum(['local', 'remote', 'superseded']).nullable(),
});
export type ConflictView = z.infer<typeof conflictViewSchema>;

export function conflictView(row: ConflictRow): ConflictView {
  return {
    id: row.id,
    entityId: row.entity_id,
    entityType: row.entity_type,
    capability: row.capability,
    connectionId: row.connection_id,
    source: row.source,
    externalId: row.external_id,
    message: row.message,
    local: row.local,
    remote: row.remote,
    createdAt: isoOf(row.created_at)!,
    resolvedAt: isoOf(row.resolved_at),
    resolution: row.resolution,
  };
}

/** How a capability settles one of its conflicts; answers what the entity became (its view). */
export type ConflictResolver = (
  user: AuthenticatedUser,
  conflict: ConflictView,
  keep: 'local' | 'remote',
) => Promise<unknown>;

export function createConflicts(deps: { db: Database }) {
  const { db } = deps;
  const resolvers = new Map<string, ConflictResolver>();

  return {
    /** A capability's module registers how its conflicts are resolved (calendar does at start). */
    handle(capability: ConflictInput['capability'], resolver: ConflictResolver) {
      resolvers.set(capability, resolver);
    },

    record: (tx: Sql, ownerId: string, input: ConflictInput) =>
      conflictsRepository.record(tx, ownerId, input).then(conflictView),

    async list(user: AuthenticatedUser, options: { open: boolean; entityIds?: string[]; limit: number }) {
      const rows = await db.asUser(user.claims, (tx) => conflictsRepository.list(tx, options));
      return rows.map(conflictView);
    },

    /** Marks the conflict resolved inside the resolver's transaction (409 when it was settled already). */
    async settle(tx: Sql, id: string, keep: 'local' | 'remote') {
      const row = await conflictsRepository.lock(tx, id);
      if (!row) throw new NotFoundError('conflict');
      if (row.resolved_at !== null)
        throw new ConflictError(
          'This conflict was already resolved: reload to see the event now.',
          'conflict_resolved',
        );
      return conflictView(await conflictsRepository.markResolved(tx, id, keep));
    },

    async resolve(user: AuthenticatedUser, id: string, keep: 'local' | 'remote') {
      const row = await db.asUser(user.claims, (tx) => conflictsRepository.lock(tx, id));
      if (!row) throw new NotFoundError('conflict');
      const conflict = conflictView(row);
      if (conflict.resolvedAt !== null)
        throw new ConflictError(
          'This conflict was already resolved: reload to see the event now.',
          'conflict_resolved',
        );
      const resolver = resolvers.get(conflict.capability);
      if (!resolver)
        throw new ConflictError(`This hub cannot resolve ${conflict.capability} conflicts yet.`, 'no_resolver');
      return { result: await resolver(user, conflict, keep) };
    },
  };
}

export type Conflicts = ReturnType<typeof createConflicts>;

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** GET /api/v1/conflicts and POST /api/v1/conflicts/:id/resolve. */
export function conflictRoutes(conflicts: Conflicts) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/conflicts',
      {
        schema: {
          tags: ['conflicts'],
          summary:
            "Write-back conflicts: the hub's edit beside the provider's newer copy (open ones unless all=true; one entity's with entityId)",
          querystring: z.strictObject({
            all: z.enum(['true', 'false']).optional(),
            // One entity's (a contact page's); another user's id is simply none (RLS hides its rows).
            entityId: z.string().uuid().optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ conflicts: z.array(conflictViewSchema) }) },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        const { all, entityId, limit } = request.query;
        return {
          conflicts: await conflicts.list(user, {
            open: all !== 'true',
            limit,
            ...(entityId ? { entityIds: [entityId] } : {}),
          }),
        };
      },
    );
    app.post(
      '/api/v1/conflicts/:id/resolve',
      {
        schema: {
          tags: ['conflicts'],
          summary: "Keep the hub's edit (pushed again over the provider's version) or the provider's copy",
          params: z.object({ id: z.string().uuid() }),
          body: z.strictObject({ keep: z.enum(['local', 'remote']) }),
          response: { 200: z.object({ result: z.unknown() }), 404: errorBody, 409: errorBody },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return conflicts.resolve(user, request.params.id, request.body.keep);
      },
    );
  };
}
