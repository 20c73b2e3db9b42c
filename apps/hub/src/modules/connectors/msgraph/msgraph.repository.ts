import type { Sql } from '../../../platform/db/index.ts';
import { source } from './msgraph.mapping.ts';

const items = 'made_open.msgraph_items';

export interface SeenItem {
  externalId: string;
  entityType: 'message' | 'calendar_event' | 'person';
  changeKey: string | undefined;
  /** Contacts: contactFieldsDigest of the copy seen. */
  fieldsDigest?: string;
}

/** A hub edit or deletion of an Outlook contact kept until Outlook answers (migrations 0007, 0010). */
export interface PendingPush {
  entityId: string;
  connectionId: string;
  externalId: string;
  /** The person's version the change was made on (a conflict's base). */
  baseVersion: number;
}

/** The connector's own SQL beside the graph (migrations/0003_msgraph.sql). All as the owner (RLS). */
export const msgraphRepository = {
  /** A connection's pushes of one kind not answered yet, oldest first, a hundred at a time. */
  async pendingPushes(tx: Sql, connectionId: string, kind: 'update' | 'delete'): Promise<PendingPush[]> {
    const { rows } = await tx.query<{ entity_id: string; external_id: string; base_version: number }>(
      `SELECT entity_id, external_id, base_version FROM made_open.msgraph_pending_pushes
        WHERE connection_id = $1 AND kind = $2 ORDER BY queued_at LIMIT 100`,
      [connectionId, kind],
    );
    return rows.map((row) => ({
      entityId: row.entity_id,
      connectionId,
      externalId: row.external_id,
      baseVersion: row.base_version,
    }));
  },

  /** Whether a person's push of this kind is still waiting for Outlook's answer. */
  async isPending(tx: Sql, connectionId: string, entityId: string, kind: 'update' | 'delete'): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM made_open.msgraph_pending_pushes WHERE connection_id = $1 AND entity_id = $2 AND kind = $3`,
      [connectionId, entityId, kind],
    );
    return rows.length > 0;
  },

  /** Records what a page saw: its change keys, and the generation of the round that saw it. */
  async saveSeen(
    tx: Sql,
    row: { connectionId: string; ownerId: string; resource: string; generation: number },
    seen: SeenItem[],
  ) {
    if (seen.length === 0) return;
    // A contact whose person the owner deleted in the hub keeps the version the owner last saw:
    // its deletion goes to Outlook with If-Match on it (msgraph.contacts-delete.ts), so a sync
    // that brought a newer Outlook copy before the deletion was sent cannot make it delete
    // that copy unseen. Outlook's own deletion (@removed) forgets the row as before.
    const keptByDeletion = `$3 = 'contacts' AND EXCLUDED.entity_type = 'person' AND EXISTS (
         SELECT 1 FROM public.entities e WHERE e.owner_id = EXCLUDED.owner_id AND e.source = '${source}'
            AND e.external_id = EXCLUDED.external_id AND e.deleted_at IS NOT NULL AND e.merged_into_id IS NULL)`;
    await tx.query(
      `INSERT INTO ${items} AS i (connection_id, owner_id, resource, external_id, entity_type, change_key, generation,
         fields_digest)
       SELECT $1, $2, $3, s.external_id, s.entity_type, s.change_key, $4, s.fields_digest
         FROM jsonb_to_recordset($5::jsonb) AS s(external_id text, entity_type text, change_key text, fields_digest text)
       ON CONFLICT (connection_id, external_id) DO UPDATE SET resource = EXCLUDED.resource,
         entity_type = EXCLUDED.entity_type,
         change_key = CASE WHEN ${keptByDeletion} THEN i.change_key ELSE EXCLUDED.change_key END,
         fields_digest = CASE WHEN ${keptByDeletion} THEN i.fields_digest ELSE EXCLUDED.fields_digest END,
         generation = EXCLUDED.generation, written_by_hub = false, updated_at = now()`,
      [
        row.connectionId,
        row.ownerId,
        row.resource,
        row.generation,
        JSON.stringify(
          seen.map((s) => ({
            external_id: s.externalId,
            entity_type: s.entityType,
            change_key: s.changeKey ?? null,
            fields_digest: s.fieldsDigest ?? null,
          })),
        ),
      ],
    );
  },

  async forget(tx: Sql, connectionId: string, externalIds: string[]) {
    if (externalIds.length === 0) return;
    await tx.query(`DELETE FROM ${items} WHERE connection_id = $1 AND external_id = ANY($2::text[])`, [
      connectionId,
      externalIds,
    ]);
  },

  /**
   * A full round of `resource` reached its deltaLink: what earlier rounds saw and this one did
   * not, in external id order, `limit` at a time after `after` (the sweep pages through them).
   */
  async unseenSince(
    tx: Sql,
    connectionId: string,
    resource: string,
    generation: number,
    page: { after?: string; limit: number },
  ): Promise<string[]> {
    const { rows } = await tx.query<{ external_id: string }>(
      `SELECT external_id FROM ${items}
        WHERE connection_id = $1 AND resource = $2 AND generation < $3 AND external_id > $4
        ORDER BY external_id LIMIT $5`,
      [connectionId, resource, generation, page.after ?? '', page.limit],
    );
    return rows.map((r) => r.external_id);
  },

  /** The change key the connection last saw for an item (write-back compares it: ConnectorConflict). */
  async changeKey(tx: Sql, connectionId: string, externalId: string): Promise<string | null | undefined> {
    const { rows } = await tx.query<{ change_key: string | null }>(
      `SELECT change_key FROM ${items} WHERE connection_id = $1 AND external_id = $2`,
      [connectionId, externalId],
    );
    return rows[0] ? rows[0].change_key : undefined;
  },

  /** The contactFieldsDigest of the copy the connection last saw (sync or our own write), if kept. */
  async fieldsDigest(tx: Sql, connectionId: string, externalId: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ fields_digest: string | null }>(
      `SELECT fields_digest FROM ${items} WHERE connection_id = $1 AND external_id = $2`,
      [connectionId, externalId],
    );
    return rows[0]?.fields_digest ?? undefined;
  },

  /**
   * What a contact push is based on, read with the person it pushes: the change key and fields
   * digest of the copy the connection last saw, and the person's version a sync last wrote.
   */
  async pushBase(
    tx: Sql,
    connectionId: string,
    externalId: string,
  ): Promise<{ changeKey?: string; fieldsDigest?: string; syncedVersion?: number; pushedVersion?: number }> {
    const { rows } = await tx.query<{
      change_key: string | null;
      fields_digest: string | null;
      synced_version: number | null;
      pushed_version: number | null;
    }>(
      `SELECT change_key, fields_digest, synced_version, pushed_version FROM ${items}
        WHERE connection_id = $1 AND external_id = $2`,
      [connectionId, externalId],
    );
    const row = rows[0];
    return {
      ...(row?.change_key ? { changeKey: row.change_key } : {}),
      ...(row?.fields_digest ? { fieldsDigest: row.fields_digest } : {}),
      ...(row?.synced_version != null ? { syncedVersion: Number(row.synced_version) } : {}),
      ...(row?.pushed_version != null ? { pushedVersion: Number(row.pushed_version) } : {}),
    };
  },

  /** A push sent the person's state at this version to Outlook (Outlook took it). */
  async recordPushed(tx: Sql, connectionId: string, externalId: string, version: number) {
    await tx.query(`UPDATE ${items} SET pushed_version = $3 WHERE connection_id = $1 AND external_id = $2`, [
      connectionId,
      externalId,
      version,
    ]);
  },

  /**
   * Persons this sync page's transaction deleted for contacts Outlook deleted (`removeExternal`
   * ran just before in the same transaction, whose `now()` is its start: a person the owner
   * deleted earlier is not taken for one Outlook deleted), kept with what a push last sent
   * (migration 0012); rows older than a week go.
   */
  async keepRemovedContacts(tx: Sql, connectionId: string, externalIds: readonly string[]) {
    if (externalIds.length === 0) return;
    await tx.query(
      `INSERT INTO made_open.msgraph_removed_contacts (owner_id, connection_id, entity_id, external_id, pushed_version)
       SELECT i.owner_id, i.connection_id, e.id, i.external_id, i.pushed_version
         FROM ${items} i JOIN public.entities e
           ON e.owner_id = i.owner_id AND e.source = '${source}' AND e.external_id = i.external_id AND e.type = 'person'
        WHERE i.connection_id = $1 AND i.external_id = ANY($2::text[]) AND i.entity_type = 'person'
          AND e.deleted_at = now() AND e.merged_into_id IS NULL
       ON CONFLICT (connection_id, entity_id) DO UPDATE SET external_id = EXCLUDED.external_id,
         pushed_version = EXCLUDED.pushed_version, removed_at = EXCLUDED.removed_at`,
      [connectionId, externalIds],
    );
    await tx.query(
      `DELETE FROM made_open.msgraph_removed_contacts WHERE connection_id = $1 AND removed_at < now() - interval '7 days'`,
      [connectionId],
    );
  },

  /** A person a sync deleted for Outlook's deletion of its contact (keepRemovedContacts), or undefined. */
  async removedContact(
    tx: Sql,
    entityId: string,
  ): Promise<{ connectionId: string; externalId: string; pushedVersion: number } | undefined> {
    const { rows } = await tx.query<{ connection_id: string; external_id: string; pushed_version: number | null }>(
      `SELECT r.connection_id, r.external_id, r.pushed_version FROM made_open.msgraph_removed_contacts r
         JOIN public.entities e ON e.id = r.entity_id AND e.deleted_at IS NOT NULL AND e.merged_into_id IS NULL
        WHERE r.entity_id = $1 ORDER BY r.removed_at DESC LIMIT 1`,
      [entityId],
    );
    const row = rows[0];
    return row
      ? { connectionId: row.connection_id, externalId: row.external_id, pushedVersion: Number(row.pushed_version ?? 0) }
      : undefined;
  },

  /**
   * The versions a sync page's transaction wrote to these entities (Outlook's copies stored
   * over them), kept for the persons of this connection's contacts.
   */
  async recordSyncedVersions(tx: Sql, connectionId: string, entityIds: readonly string[]) {
    if (entityIds.length === 0) return;
    await tx.query(
      `UPDATE ${items} AS i SET synced_version = e.version
         FROM public.entities e
        WHERE e.id = ANY($2::uuid[]) AND e.type = 'person' AND e.source = '${source}'
          AND i.connection_id = $1 AND i.external_id = e.external_id`,
      [connectionId, entityIds],
    );
  },

  /**
   * Write-back stored a new version of an item (our own PATCH, POST, RSVP): its change key, so
   * the next delta, bringing that same version, is not taken for a remote edit. A new row takes
   * the newest generation of its resource, so a full round under way does not sweep it.
   */
  async recordWrite(
    tx: Sql,
    row: { connectionId: string; ownerId: string; resource: string; entityType: SeenItem['entityType'] },
    externalId: string,
    changeKey: string | undefined,
    fieldsDigest?: string,
  ) {
    await tx.query(
      `INSERT INTO ${items} (connection_id, owner_id, resource, external_id, entity_type, change_key, generation,
         written_by_hub, fields_digest)
       VALUES ($1, $2, $3, $4, $5, $6,
         (SELECT coalesce(max(generation), 0) FROM ${items} WHERE connection_id = $1 AND resource = $3), true, $7)
       ON CONFLICT (connection_id, external_id) DO UPDATE SET change_key = EXCLUDED.change_key, written_by_hub = true,
         fields_digest = EXCLUDED.fields_digest, updated_at = now()`,
      [
        row.connectionId,
        row.ownerId,
        row.resource,
        externalId,
        row.entityType,
        changeKey ?? null,
        fieldsDigest ?? null,
      ],
    );
  },

  /** The change keys the hub itself wrote for these items (write-back) and the sync has not seen since. */
  async writtenKeys(tx: Sql, connectionId: string, externalIds: string[]): Promise<Map<string, string>> {
    const { rows } = await tx.query<{ external_id: string; change_key: string }>(
      `SELECT external_id, change_key FROM ${items}
        WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND written_by_hub AND change_key IS NOT NULL`,
      [connectionId, externalIds],
    );
    return new Map(rows.map((r) => [r.external_id, r.change_key]));
  },

  /** The connection that synced a Graph item (a contact), when one did. */
  async connectionOf(tx: Sql, externalId: string, entityType: SeenItem['entityType']): Promise<string | undefined> {
    const { rows } = await tx.query<{ connection_id: string }>(
      `SELECT connection_id FROM ${items} WHERE external_id = $1 AND entity_type = $2 ORDER BY updated_at DESC LIMIT 1`,
      [externalId, entityType],
    );
    return rows[0]?.connection_id;
  },

  /** The series (masters' external ids) the stored instances among these external ids belong to. */
  async seriesOf(tx: Sql, ownerId: string, source: string, externalIds: string[]): Promise<string[]> {
    if (externalIds.length === 0) return [];
    const { rows } = await tx.query<{ series_id: string }>(
      `SELECT DISTINCT properties->>'seriesId' AS series_id FROM public.entities
        WHERE owner_id = $3 AND source = $1 AND external_id = ANY($2::text[]) AND type = 'calendar_event'
          AND properties->>'seriesId' IS NOT NULL`,
      [source, externalIds, ownerId],
    );
    return rows.map((r) => r.series_id);
  },

  /** Persons that already own any of these identifiers, with their provenance. */
  async personsWith(tx: Sql, pairs: { kind: string; value: string }[]) {
    if (pairs.length === 0) return [];
    const { rows } = await tx.query<{
      kind: string;
      value: string;
      entity_id: string;
      source: string | null;
      external_id: string | null;
    }>(
      `SELECT i.kind, i.value, i.entity_id, e.source, e.external_id
         FROM jsonb_to_recordset($1::jsonb) AS p(kind text, value text)
         JOIN public.identifiers i ON i.kind = p.kind AND i.value = p.value
         JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id AND e.deleted_at IS NULL`,
      [JSON.stringify(pairs)],
    );
    return rows;
  },
};
