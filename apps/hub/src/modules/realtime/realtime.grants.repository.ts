import type { Sql } from '../../platform/db/index.ts';

/** One owner's grant on one of their topics, as the API shows it. */
export interface ChannelGrant {
  topic: string;
  granteeId: string;
  read: boolean;
  write: boolean;
  grantedAt: string;
}

// A type alias, not an interface: query rows need an index signature.
type GrantRow = {
  topic: string;
  grantee_id: string;
  can_read: boolean;
  can_write: boolean;
  granted_at: Date | string;
};

const toGrant = (row: GrantRow): ChannelGrant => ({
  topic: row.topic,
  granteeId: row.grantee_id,
  read: row.can_read,
  write: row.can_write,
  grantedAt: new Date(row.granted_at).toISOString(),
});

const columns = 'topic, grantee_id, can_read, can_write, granted_at';

/**
 * The only SQL of private channel authorisation. Every method runs as the requesting
 * user: RLS on made_open.realtime_channel_grants and made_open.realtime_authorize decide.
 */
export const channelGrantsRepository = {
  /** What the caller may do on a private topic (a channel name without "realtime:"). */
  accessStatement(topic: string) {
    return {
      text: `SELECT made_open.realtime_authorize($1, 'read') AS read, made_open.realtime_authorize($1, 'write') AS write`,
      params: [topic],
    };
  },

  async ownsTopic(tx: Sql, topic: string): Promise<boolean> {
    const { rows } = await tx.query<{ owns: boolean }>(
      `SELECT coalesce(made_open.realtime_topic_owner($1) = auth.uid(), false) AS owns`,
      [topic],
    );
    return rows[0]?.owns === true;
  },

  async list(tx: Sql, topic: string): Promise<ChannelGrant[]> {
    const { rows } = await tx.query<GrantRow>(
      `SELECT ${columns} FROM made_open.realtime_channel_grants
       WHERE topic = $1 AND owner_id = auth.uid() ORDER BY granted_at, grantee_id`,
      [topic],
    );
    return rows.map(toGrant);
  },

  async upsert(tx: Sql, topic: string, granteeId: string, rights: { read: boolean; write: boolean }) {
    const { rows } = await tx.query<GrantRow>(
      `INSERT INTO made_open.realtime_channel_grants (topic, owner_id, grantee_id, can_read, can_write)
       VALUES ($1, auth.uid(), $2, $3, $4)
       ON CONFLICT (topic, grantee_id) DO UPDATE
         SET can_read = excluded.can_read, can_write = excluded.can_write, granted_at = now()
       RETURNING ${columns}`,
      [topic, granteeId, rights.read, rights.write],
    );
    return toGrant(rows[0]!);
  },

  async remove(tx: Sql, topic: string, granteeId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `DELETE FROM made_open.realtime_channel_grants WHERE topic = $1 AND grantee_id = $2 AND owner_id = auth.uid()`,
      [topic, granteeId],
    );
    return rowCount > 0;
  },
};
