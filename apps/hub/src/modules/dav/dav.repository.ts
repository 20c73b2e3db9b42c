import { createHash } from 'node:crypto';
import type { Sql } from '../../platform/db/index.ts';

/** SQL of the DAV module. Every statement runs as the account (RLS); `public.entities` is read only here. */

export type CollectionKind = 'contacts' | 'calendar';

export const entityTypeOf = { contacts: 'person', calendar: 'calendar_event' } as const;
export const extensionOf = { contacts: '.vcf', calendar: '.ics' } as const;

export type MemberRow = {
  id: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  source: string | null;
  external_id: string | null;
  version: number;
  updated_at: string;
  deleted: boolean;
  name: string | null;
  uid: string | null;
  extra: string | null;
  /** When the entity or what DAV keeps about it last changed, in microseconds since the epoch. */
  changed_us: string;
};

/** Series instances (occurrences, exceptions from a connector) belong to their series, not to the collection. */
const memberFilter = (kind: CollectionKind) =>
  kind === 'calendar' ? `AND coalesce(e.properties->>'kind', 'single') IN ('single', 'master')` : '';

const select = (kind: CollectionKind) => `
  SELECT e.id, e.title, e.body, e.properties, e.source, e.external_id, e.version,
         to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at,
         e.deleted_at IS NOT NULL AS deleted, r.name, r.uid, r.extra,
         (extract(epoch FROM greatest(e.updated_at, coalesce(r.updated_at, e.updated_at))) * 1000000)::bigint::text AS changed_us
    FROM public.entities e
    LEFT JOIN made_open.dav_resources r ON r.owner_id = e.owner_id AND r.entity_id = e.id
   WHERE e.type = '${entityTypeOf[kind]}' ${memberFilter(kind)}`;

/** The resource name a member is reached by: the client's own, or <entity id>.vcf/.ics. */
export const nameOf = (kind: CollectionKind, row: Pick<MemberRow, 'id' | 'name'>) =>
  row.name ?? `${row.id}${extensionOf[kind]}`;

/** Strong ETag: changes whenever the entity or the kept lines change. */
export function etagOf(row: Pick<MemberRow, 'id' | 'version' | 'changed_us' | 'uid' | 'extra'>): string {
  const hash = createHash('sha256')
    .update(`${row.id}|${row.version}|${row.changed_us}|${row.uid ?? ''}|${row.extra ?? ''}`)
    .digest('base64url')
    .slice(0, 22);
  return `"${hash}"`;
}

const uuidName = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(vcf|ics)$/i;

export const davRepository = {
  /** Live members (optionally only these names). */
  async live(tx: Sql, kind: CollectionKind, names?: string[]): Promise<MemberRow[]> {
    if (names === undefined) {
      const { rows } = await tx.query<MemberRow>(`${select(kind)} AND e.deleted_at IS NULL ORDER BY e.id`);
      return rows;
    }
    if (names.length === 0) return [];
    const ids = names.map((n) => uuidName.exec(n)?.[1]?.toLowerCase()).filter((id): id is string => id !== undefined);
    const { rows } = await tx.query<MemberRow>(
      `${select(kind)} AND e.deleted_at IS NULL
         AND (r.name = ANY($1::text[]) OR (r.name IS NULL AND e.id = ANY($2::uuid[])))`,
      [names, ids],
    );
    return rows;
  },

  /** One live member by its resource name, locked for a write when `lock`. */
  async byName(tx: Sql, kind: CollectionKind, name: string, lock = false): Promise<MemberRow | undefined> {
    const id = uuidName.exec(name)?.[1]?.toLowerCase() ?? null;
    const { rows } = await tx.query<MemberRow>(
      `${select(kind)} AND e.deleted_at IS NULL
         AND (r.name = $1 OR (r.name IS NULL AND e.id = $2::uuid)) ${lock ? 'FOR UPDATE OF e' : ''}`,
      [name, id],
    );
    return rows[0];
  },

  /** Members changed after `sinceUs` (deleted ones included), for sync-collection. */
  async changedSince(tx: Sql, kind: CollectionKind, sinceUs: bigint): Promise<MemberRow[]> {
    const { rows } = await tx.query<MemberRow>(
      `${select(kind)} AND greatest(e.updated_at, coalesce(r.updated_at, e.updated_at)) > to_timestamp($1::numeric / 1000000)
       ORDER BY e.id`,
      [sinceUs.toString()],
    );
    return rows;
  },

  /** The collection's state: its newest change and how many members it ever had (for CTag and sync-token). */
  async state(tx: Sql, kind: CollectionKind): Promise<{ newest: string; count: string }> {
    const { rows } = await tx.query<{ newest: string | null; count: string }>(
      `SELECT (extract(epoch FROM max(greatest(e.updated_at, coalesce(r.updated_at, e.updated_at)))) * 1000000)::bigint::text AS newest,
              count(*)::text AS count
         FROM public.entities e
         LEFT JOIN made_open.dav_resources r ON r.owner_id = e.owner_id AND r.entity_id = e.id
        WHERE e.type = '${entityTypeOf[kind]}' ${memberFilter(kind)}`,
    );
    return { newest: rows[0]?.newest ?? '0', count: rows[0]?.count ?? '0' };
  },

  /** Another live member with this UID (a UID names one resource per collection). */
  async uidTaken(tx: Sql, kind: CollectionKind, uid: string, exceptEntity: string | null): Promise<string | null> {
    const { rows } = await tx.query<{ name: string }>(
      `SELECT r.name FROM made_open.dav_resources r JOIN public.entities e ON e.owner_id = r.owner_id AND e.id = r.entity_id
        WHERE r.collection = $1 AND r.uid = $2 AND e.deleted_at IS NULL AND ($3::uuid IS NULL OR r.entity_id <> $3::uuid)
        LIMIT 1`,
      [kind, uid, exceptEntity],
    );
    return rows[0]?.name ?? null;
  },

  /** Records what DAV keeps about an entity; a name another (deleted) entity had moves to this one. */
  async keep(
    tx: Sql,
    row: { ownerId: string; entityId: string; kind: CollectionKind; name: string; uid: string; extra: string },
  ): Promise<void> {
    await tx.query(`DELETE FROM made_open.dav_resources WHERE collection = $1 AND name = $2 AND entity_id <> $3`, [
      row.kind,
      row.name,
      row.entityId,
    ]);
    await tx.query(
      `INSERT INTO made_open.dav_resources (owner_id, entity_id, collection, name, uid, extra, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
       ON CONFLICT (owner_id, entity_id) DO UPDATE
         SET name = EXCLUDED.name, uid = EXCLUDED.uid, extra = EXCLUDED.extra, updated_at = EXCLUDED.updated_at
         WHERE (made_open.dav_resources.name, made_open.dav_resources.uid, made_open.dav_resources.extra)
               IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.uid, EXCLUDED.extra)`,
      [row.ownerId, row.entityId, row.kind, row.name, row.uid, row.extra],
    );
  },
};
