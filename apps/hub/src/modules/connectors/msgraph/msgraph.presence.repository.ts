import type { Sql } from '../../../platform/db/index.ts';

const table = 'made_open.msgraph_presence';

export type PresenceRow = {
  connection_id: string;
  owner_id: string;
  email: string;
  person_id: string | null;
  is_self: boolean;
  lookup: 'found' | 'not_found' | 'forbidden';
  graph_user_id: string | null;
  looked_up_at: Date | string;
  availability: string | null;
  activity: string | null;
  changed_at: Date | string | null;
  checked_at: Date | string | null;
};

/** SQL for made_open.msgraph_presence, always as the owner (RLS). */
export const presenceRepository = {
  async list(tx: Sql, connectionId: string): Promise<PresenceRow[]> {
    const { rows } = await tx.query<PresenceRow>(`SELECT * FROM ${table} WHERE connection_id = $1`, [connectionId]);
    return rows;
  },

  /** Persons of the owner with an email in `domain` (colleagues in the same tenant), one row per email. */
  async colleagues(tx: Sql, ownerId: string, domain: string): Promise<{ email: string; personId: string }[]> {
    const { rows } = await tx.query<{ email: string; person_id: string }>(
      `SELECT i.value AS email, i.entity_id AS person_id
         FROM public.identifiers i
         JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id AND e.deleted_at IS NULL
        WHERE i.owner_id = $1 AND i.kind = 'email' AND lower(i.value) LIKE '%@' || $2
        ORDER BY i.value LIMIT 2000`,
      [ownerId, domain.replace(/[%_\\]/g, '')],
    );
    return rows.map((r) => ({ email: r.email.toLowerCase(), personId: r.person_id }));
  },

  async ensureSelf(tx: Sql, row: { connectionId: string; ownerId: string; email: string }): Promise<PresenceRow> {
    const { rows } = await tx.query<PresenceRow>(
      `INSERT INTO ${table} (connection_id, owner_id, email, is_self, lookup)
       VALUES ($1, $2, $3, true, 'found')
       ON CONFLICT (connection_id, email) DO UPDATE SET is_self = true
       RETURNING *`,
      [row.connectionId, row.ownerId, row.email],
    );
    return rows[0]!;
  },

  async saveLookup(
    tx: Sql,
    row: {
      connectionId: string;
      ownerId: string;
      email: string;
      personId: string;
      lookup: PresenceRow['lookup'];
      graphUserId: string | null;
    },
  ) {
    await tx.query(
      `INSERT INTO ${table} (connection_id, owner_id, email, person_id, lookup, graph_user_id, looked_up_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (connection_id, email) DO UPDATE SET person_id = EXCLUDED.person_id, lookup = EXCLUDED.lookup,
         graph_user_id = EXCLUDED.graph_user_id, looked_up_at = now()`,
      [row.connectionId, row.ownerId, row.email, row.personId, row.lookup, row.graphUserId],
    );
  },

  async setPerson(tx: Sql, connectionId: string, email: string, personId: string) {
    await tx.query(`UPDATE ${table} SET person_id = $3 WHERE connection_id = $1 AND email = $2`, [
      connectionId,
      email,
      personId,
    ]);
  },

  async setPresence(
    tx: Sql,
    connectionId: string,
    email: string,
    presence: { availability: string; activity: string },
  ) {
    await tx.query(
      `UPDATE ${table} SET availability = $3, activity = $4, changed_at = now(), checked_at = now()
        WHERE connection_id = $1 AND email = $2`,
      [connectionId, email, presence.availability, presence.activity],
    );
  },

  /** The freshest presence of a person across the owner's active connections. */
  async latestFor(tx: Sql, personId: string): Promise<PresenceRow | undefined> {
    const { rows } = await tx.query<PresenceRow>(
      `SELECT p.* FROM ${table} p
         JOIN made_open.connections c ON c.id = p.connection_id AND c.status = 'active'
        WHERE p.person_id = $1 AND p.availability IS NOT NULL
        ORDER BY p.changed_at DESC NULLS LAST LIMIT 1`,
      [personId],
    );
    return rows[0];
  },
};
