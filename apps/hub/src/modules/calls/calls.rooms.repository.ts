import type { Sql } from '../../platform/db/index.ts';

export type VideoRoomRow = {
  room: string;
  owner_id: string;
  credential_id: string;
  connection_id: string | null;
  guest_expires_at: string;
};

/** The SQL of video rooms and their guest links (made_open.video_rooms, RLS: the owner's rows). */
export const videoRoomsRepository = {
  async insert(
    tx: Sql,
    row: {
      room: string;
      ownerId: string;
      personId: string;
      credentialId: string;
      connectionId: string | null;
      guestTokenHash: string;
      guestExpiresAt: Date;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.video_rooms
         (room, owner_id, person_id, credential_id, connection_id, guest_token_hash, guest_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.room,
        row.ownerId,
        row.personId,
        row.credentialId,
        row.connectionId,
        row.guestTokenHash,
        row.guestExpiresAt.toISOString(),
      ],
    );
  },

  /** Ends the owner's open room (its guest link stops working); false when there is none. */
  async end(tx: Sql, ownerId: string, room: string): Promise<boolean> {
    const { rows } = await tx.query(
      `UPDATE made_open.video_rooms SET ended_at = now()
        WHERE owner_id = $1 AND room = $2 AND ended_at IS NULL RETURNING room`,
      [ownerId, room],
    );
    if (rows.length > 0) return true;
    // Ending an already ended room of one's own is not an error; another user's is invisible (RLS).
    const { rows: ended } = await tx.query(`SELECT 1 FROM made_open.video_rooms WHERE owner_id = $1 AND room = $2`, [
      ownerId,
      room,
    ]);
    return ended.length > 0;
  },

  /**
   * The live room a guest link opens, with its host's display name (system transaction: the
   * guest has no account). Unknown, expired and ended links are all "none".
   */
  async byGuestTokenHash(tx: Sql, hash: string): Promise<(VideoRoomRow & { host_name: string | null }) | undefined> {
    const { rows } = await tx.query<VideoRoomRow & { host_name: string | null }>(
      `SELECT r.room, r.owner_id, r.credential_id, r.connection_id, r.guest_expires_at::text AS guest_expires_at,
              NULLIF(btrim(COALESCE(u.raw_user_meta_data->>'full_name', u.raw_user_meta_data->>'name', '')), '')
                AS host_name
         FROM made_open.video_rooms r JOIN auth.users u ON u.id = r.owner_id
        WHERE r.guest_token_hash = $1 AND r.ended_at IS NULL AND r.guest_expires_at > now()`,
      [hash],
    );
    return rows[0];
  },
};
