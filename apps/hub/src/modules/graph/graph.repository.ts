import type { Entity, Identifier, IdentifierKind, Link, Person } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';

/**
 * The only file of the graph module that knows SQL. Every method takes the transaction
 * (or, for the one-round-trip hot paths, returns the statement for `db.queryAsUser`).
 * Entities are rendered to their camelCase JSON in SQL, so the hot paths hand the text
 * straight to the response without parsing it, and events carry the exact same snapshot.
 */

/** UTC ISO 8601 with microseconds: the same on every server whatever its TimeZone. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The Entity DTO of row alias `e`, as json: public.graph_entity_json (migrations/0004), the
 * one renderer every reader, writer and event snapshot uses; the planner inlines it.
 */
export const entityJson = (e: string) => `public.graph_entity_json(${e})`;

export const identifierJson = (i: string) => `public.graph_identifier_json(${i})`;

const identifiersOf = (e: string) =>
  `(SELECT coalesce(json_agg(${identifierJson('i')} ORDER BY i.kind, i.value), '[]'::json)
    FROM public.identifiers i WHERE i.owner_id = ${e}.owner_id AND i.entity_id = ${e}.id)`;

/** Entity DTO as text, plus `identifiers` for persons. */
const entityOrPersonText = (e: string) =>
  `CASE WHEN ${e}.type = 'person' THEN public.graph_with_identifiers(${entityJson(e)}, ${identifiersOf(e)}) ELSE ${entityJson(e)}::text END`;

export const linkJson = (l: string) =>
  `json_build_object('id', ${l}.id, 'kind', ${l}.kind, 'fromId', ${l}.from_id, 'toId', ${l}.to_id, 'createdAt', ${iso(`${l}.created_at`)})`;

/** Microseconds since the epoch, exact (extract returns numeric): the cursor's time part. */
const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const fromMicros = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

export interface Statement {
  text: string;
  params: unknown[];
}

/** Raw state of an entity, enough to decide 404 / merged / version conflicts. */
export type EntityState = {
  id: string;
  type: Entity['type'];
  version: number;
  deleted: boolean;
  merged_into_id: string | null;
  entity: Entity;
};

export interface NewEntityRow {
  id: string;
  type: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  source: string | null;
  externalId: string | null;
  occurredAt: string | null;
}

export interface ListFilter {
  type?: string;
  /** Already escaped for LIKE (\ % _). */
  titlePrefix?: string;
  updatedSince?: string;
  includeDeleted: boolean;
  ascending: boolean;
  after?: { micros: string; id: string };
  limit: number;
}

export interface LinkRow extends Link {
  direction: 'out' | 'in';
  entity: Entity;
}

export const graphRepository = {
  /**
   * One statement: the entity's state and its JSON text (with identifiers for persons).
   * public.graph_entity (migrations/0004) renders it through the same renderer, from a plan
   * PL/pgSQL caches per connection.
   */
  getEntityStatement(id: string): Statement {
    return { text: 'SELECT deleted, merged_into_id, entity_json AS json FROM public.graph_entity($1)', params: [id] };
  },

  listStatement(filter: ListFilter): Statement {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (filter.type) where.push(`e.type = ${param(filter.type)}`);
    if (filter.titlePrefix !== undefined) where.push(`lower(e.title) LIKE lower(${param(filter.titlePrefix)}) || '%'`);
    if (filter.updatedSince) where.push(`e.updated_at >= ${param(filter.updatedSince)}::timestamptz`);
    if (!filter.includeDeleted) where.push('e.deleted_at IS NULL');
    if (filter.after) {
      where.push(
        `(e.updated_at, e.id) ${filter.ascending ? '>' : '<'} (${fromMicros(param(filter.after.micros))}, ${param(filter.after.id)}::uuid)`,
      );
    }
    const order = filter.ascending ? 'ASC' : 'DESC';
    return {
      // Persons carry their identifiers, as from GET /persons/:id: a contacts list shows and
      // searches the phones and emails a connector or a merge added.
      text: `SELECT ${entityOrPersonText('e')} AS json, ${micros('e.updated_at')} AS at, e.id
             FROM public.entities e
             ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY e.updated_at ${order}, e.id ${order}
             LIMIT ${param(filter.limit)}`,
      params,
    };
  },

  /**
   * FOR NO KEY UPDATE: no writer here changes an entity's key, and it does not block the
   * key-share locks that inserting a row which references the entity takes (a link, an
   * identifier, the identity module's keys), so those cannot deadlock with a merge.
   */
  async lockEntity(tx: Sql, id: string): Promise<EntityState | undefined> {
    const result = await tx.query<EntityState>(
      `SELECT e.id, e.type, e.version, e.deleted_at IS NOT NULL AS deleted, e.merged_into_id, ${entityJson('e')} AS entity
       FROM public.entities e WHERE e.id = $1 FOR NO KEY UPDATE`,
      [id],
    );
    return result.rows[0];
  },

  /** Locks several entities in id order (no deadlocks between two merges). */
  async lockEntities(tx: Sql, ids: string[]): Promise<EntityState[]> {
    const result = await tx.query<EntityState>(
      `SELECT e.id, e.type, e.version, e.deleted_at IS NOT NULL AS deleted, e.merged_into_id, ${entityJson('e')} AS entity
       FROM public.entities e WHERE e.id = ANY($1::uuid[]) ORDER BY e.id FOR NO KEY UPDATE`,
      [ids],
    );
    return result.rows;
  },

  async updateEntity(
    tx: Sql,
    id: string,
    set: { title?: string; body?: string; properties?: Record<string, unknown>; occurredAt?: string | null },
  ): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET
         title = coalesce($2, e.title),
         body = coalesce($3, e.body),
         properties = coalesce($4::jsonb, e.properties),
         occurred_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE e.occurred_at END,
         version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.id = $1
       RETURNING ${entityJson('e')} AS entity`,
      [
        id,
        set.title ?? null,
        set.body ?? null,
        set.properties === undefined ? null : JSON.stringify(set.properties),
        set.occurredAt !== undefined,
        set.occurredAt ?? null,
      ],
    );
    return result.rows[0]!.entity;
  },

  /** Bumps version and updated_at (identifiers changed); returns the entity. */
  async touchEntity(tx: Sql, id: string): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET version = e.version + 1, updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.id = $1 RETURNING ${entityJson('e')} AS entity`,
      [id],
    );
    return result.rows[0]!.entity;
  },

  async softDeleteEntity(tx: Sql, id: string): Promise<Entity | undefined> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET deleted_at = now(), version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.id = $1 AND e.deleted_at IS NULL
       RETURNING ${entityJson('e')} AS entity`,
      [id],
    );
    return result.rows[0]?.entity;
  },

  async insertEntity(tx: Sql, row: NewEntityRow): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `INSERT INTO public.entities AS e (id, type, title, body, properties, source, external_id, occurred_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::timestamptz)
       RETURNING ${entityJson('e')} AS entity`,
      [
        row.id,
        row.type,
        row.title,
        row.body,
        JSON.stringify(row.properties),
        row.source,
        row.externalId,
        row.occurredAt,
      ],
    );
    return result.rows[0]!.entity;
  },

  /** Persons (with identifiers) by id: the JSON text for one. */
  async getPerson(tx: Sql, id: string): Promise<Person | undefined> {
    const result = await tx.query<{ person: Person }>(
      `SELECT (${entityOrPersonText('e')})::json AS person FROM public.entities e
       WHERE e.id = $1 AND e.type = 'person' AND e.deleted_at IS NULL`,
      [id],
    );
    return result.rows[0]?.person;
  },

  async findPersonIdByIdentifier(tx: Sql, kind: IdentifierKind, value: string): Promise<string | undefined> {
    const result = await tx.query<{ entity_id: string }>(
      `SELECT i.entity_id FROM public.identifiers i WHERE i.kind = $1 AND i.value = $2`,
      [kind, value],
    );
    return result.rows[0]?.entity_id;
  },

  /** Which of these (kind, value) pairs already belong to a person, and to whom. */
  async findIdentifiers(tx: Sql, pairs: { kind: IdentifierKind; value: string }[]): Promise<Identifier[]> {
    if (pairs.length === 0) return [];
    const result = await tx.query<{ identifier: Identifier }>(
      `SELECT ${identifierJson('i')} AS identifier
       FROM public.identifiers i
       JOIN jsonb_to_recordset($1::jsonb) AS p(kind text, value text) ON p.kind = i.kind AND p.value = i.value`,
      [JSON.stringify(pairs)],
    );
    return result.rows.map((row) => row.identifier);
  },

  async insertIdentifiers(tx: Sql, entityId: string, rows: { id: string; kind: IdentifierKind; value: string }[]) {
    if (rows.length === 0) return [];
    const result = await tx.query<{ identifier: Identifier }>(
      `INSERT INTO public.identifiers AS i (id, kind, value, entity_id)
       SELECT r.id, r.kind, r.value, $2::uuid FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, kind text, value text)
       RETURNING ${identifierJson('i')} AS identifier`,
      [JSON.stringify(rows), entityId],
    );
    return result.rows.map((row) => row.identifier);
  },

  async deleteIdentifier(tx: Sql, entityId: string, identifierId: string): Promise<Identifier | undefined> {
    const result = await tx.query<{ identifier: Identifier }>(
      `DELETE FROM public.identifiers i WHERE i.id = $1 AND i.entity_id = $2 RETURNING ${identifierJson('i')} AS identifier`,
      [identifierId, entityId],
    );
    return result.rows[0]?.identifier;
  },

  async deleteIdentifiersOf(tx: Sql, entityId: string): Promise<number> {
    const result = await tx.query(`DELETE FROM public.identifiers WHERE entity_id = $1`, [entityId]);
    return result.rowCount;
  },

  async identifiersOf(tx: Sql, entityId: string): Promise<Identifier[]> {
    const result = await tx.query<{ identifier: Identifier }>(
      `SELECT ${identifierJson('i')} AS identifier FROM public.identifiers i WHERE i.entity_id = $1 ORDER BY i.kind, i.value`,
      [entityId],
    );
    return result.rows.map((row) => row.identifier);
  },

  /** Live (not deleted) entities among these ids. */
  async liveEntityIds(tx: Sql, ids: string[]): Promise<string[]> {
    const result = await tx.query<{ id: string }>(
      `SELECT id FROM public.entities WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
      [ids],
    );
    return result.rows.map((row) => row.id);
  },

  async insertLink(
    tx: Sql,
    link: { id: string; kind: string; fromId: string; toId: string },
  ): Promise<Link | undefined> {
    const result = await tx.query<{ link: Link }>(
      `INSERT INTO public.entity_links AS l (id, kind, from_id, to_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
       RETURNING ${linkJson('l')} AS link`,
      [link.id, link.kind, link.fromId, link.toId],
    );
    return result.rows[0]?.link;
  },

  async findLink(tx: Sql, key: { kind: string; fromId: string; toId: string }): Promise<Link | undefined> {
    const result = await tx.query<{ link: Link }>(
      `SELECT ${linkJson('l')} AS link FROM public.entity_links l WHERE l.from_id = $1 AND l.kind = $2 AND l.to_id = $3`,
      [key.fromId, key.kind, key.toId],
    );
    return result.rows[0]?.link;
  },

  async deleteLink(tx: Sql, id: string): Promise<Link | undefined> {
    const result = await tx.query<{ link: Link }>(
      `DELETE FROM public.entity_links l WHERE l.id = $1 RETURNING ${linkJson('l')} AS link`,
      [id],
    );
    return result.rows[0]?.link;
  },

  /** Links of an entity whose other end is not deleted, oldest first. */
  async linksOf(tx: Sql, id: string, limit: number): Promise<LinkRow[]> {
    const result = await tx.query<{ item: LinkRow }>(
      `SELECT json_build_object(
                'id', l.id, 'kind', l.kind, 'fromId', l.from_id, 'toId', l.to_id, 'createdAt', ${iso('l.created_at')},
                'direction', CASE WHEN l.from_id = $1 THEN 'out' ELSE 'in' END,
                'entity', ${entityJson('o')}) AS item
       FROM public.entity_links l
       JOIN public.entities o ON o.owner_id = l.owner_id AND o.id = CASE WHEN l.from_id = $1 THEN l.to_id ELSE l.from_id END
       WHERE (l.from_id = $1 OR l.to_id = $1) AND o.deleted_at IS NULL
       ORDER BY l.created_at, l.id
       LIMIT $2`,
      [id, limit],
    );
    return result.rows.map((row) => row.item);
  },

  /**
   * Folds `otherId` into `survivorId`: drops links that join the two or would duplicate
   * one the survivor has, moves the rest and every identifier, and repoints earlier
   * tombstones. Returns what moved.
   */
  async moveGraphOfPerson(tx: Sql, survivorId: string, otherId: string) {
    const dropped = await tx.query<{ id: string }>(
      `DELETE FROM public.entity_links l
       WHERE (l.from_id = $2 AND l.to_id = $1) OR (l.from_id = $1 AND l.to_id = $2)
          OR (l.from_id = $2 AND EXISTS (SELECT 1 FROM public.entity_links s WHERE s.from_id = $1 AND s.kind = l.kind AND s.to_id = l.to_id))
          OR (l.to_id = $2 AND EXISTS (SELECT 1 FROM public.entity_links s WHERE s.to_id = $1 AND s.kind = l.kind AND s.from_id = l.from_id))
       RETURNING l.id`,
      [survivorId, otherId],
    );
    const movedFrom = await tx.query<{ id: string }>(
      `UPDATE public.entity_links SET from_id = $1 WHERE from_id = $2 RETURNING id`,
      [survivorId, otherId],
    );
    const movedTo = await tx.query<{ id: string }>(
      `UPDATE public.entity_links SET to_id = $1 WHERE to_id = $2 RETURNING id`,
      [survivorId, otherId],
    );
    const identifiers = await tx.query<{ identifier: Identifier }>(
      `UPDATE public.identifiers i SET entity_id = $1 WHERE i.entity_id = $2 RETURNING ${identifierJson('i')} AS identifier`,
      [survivorId, otherId],
    );
    await tx.query(`UPDATE public.entities SET merged_into_id = $1 WHERE merged_into_id = $2`, [survivorId, otherId]);
    return {
      droppedLinkIds: dropped.rows.map((row) => row.id),
      movedLinkIds: [...new Set([...movedFrom.rows, ...movedTo.rows].map((row) => row.id))],
      movedIdentifiers: identifiers.rows.map((row) => row.identifier),
    };
  },

  /** The survivor takes the other's properties it lacks, and its body when it has none. */
  async absorbPerson(tx: Sql, survivorId: string, otherId: string): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET
         properties = o.properties || e.properties,
         body = CASE WHEN e.body = '' THEN o.body ELSE e.body END,
         version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       FROM public.entities o
       WHERE e.id = $1 AND o.id = $2
       RETURNING ${entityJson('e')} AS entity`,
      [survivorId, otherId],
    );
    return result.rows[0]!.entity;
  },

  async tombstoneMerged(tx: Sql, otherId: string, survivorId: string): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET deleted_at = now(), merged_into_id = $2, version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.id = $1
       RETURNING ${entityJson('e')} AS entity`,
      [otherId, survivorId],
    );
    return result.rows[0]!.entity;
  },
};

export type GraphRepository = typeof graphRepository;
