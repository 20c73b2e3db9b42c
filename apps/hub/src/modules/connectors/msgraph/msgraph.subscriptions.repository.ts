import type { Sql } from '../../../platform/db/index.ts';

const table = 'made_open.msgraph_subscriptions';

export type SubscriptionRow = {
  connection_id: string;
  owner_id: string;
  resource: string;
  subscription_id: string;
  client_state_hash: string;
  expires_at: Date | string;
  last_notification_at: Date | string | null;
};

/** What the connection view says about change notifications (kept in connections.state.notifications). */
export interface NotificationsState {
  mode: 'notifications' | 'polling';
  /** Polling: why there are no change notifications (a sentence for a person). */
  reason: string | null;
  /** Notifications: the earliest subscription expiry (renewed before it). */
  expiresAt: string | null;
  lastNotificationAt: string | null;
  /** When subscriptions were last tried (a failure is tried again hours later). */
  checkedAt: string;
}

/** SQL for made_open.msgraph_subscriptions (as the owner, except `byIds`: the caller is Graph). */
export const subscriptionsRepository = {
  async list(tx: Sql, connectionId: string): Promise<SubscriptionRow[]> {
    const { rows } = await tx.query<SubscriptionRow>(`SELECT * FROM ${table} WHERE connection_id = $1`, [connectionId]);
    return rows;
  },

  async insert(
    tx: Sql,
    row: {
      connectionId: string;
      ownerId: string;
      resource: string;
      subscriptionId: string;
      clientStateHash: string;
      expiresAt: string;
    },
  ) {
    await tx.query(
      `INSERT INTO ${table} (connection_id, owner_id, resource, subscription_id, client_state_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (connection_id, resource) DO UPDATE SET subscription_id = EXCLUDED.subscription_id,
         client_state_hash = EXCLUDED.client_state_hash, expires_at = EXCLUDED.expires_at,
         created_at = now(), renewed_at = NULL`,
      [row.connectionId, row.ownerId, row.resource, row.subscriptionId, row.clientStateHash, row.expiresAt],
    );
  },

  async renewed(tx: Sql, subscriptionId: string, expiresAt: string) {
    await tx.query(`UPDATE ${table} SET expires_at = $2, renewed_at = now() WHERE subscription_id = $1`, [
      subscriptionId,
      expiresAt,
    ]);
  },

  async remove(tx: Sql, connectionId: string, subscriptionIds: readonly string[]) {
    await tx.query(`DELETE FROM ${table} WHERE connection_id = $1 AND subscription_id = ANY($2::text[])`, [
      connectionId,
      subscriptionIds,
    ]);
  },

  /** System read for an incoming notification: the rows these ids name, for this connection only. */
  async byIds(tx: Sql, connectionId: string, subscriptionIds: readonly string[]): Promise<SubscriptionRow[]> {
    const { rows } = await tx.query<SubscriptionRow>(
      `SELECT s.* FROM ${table} s JOIN made_open.connections c ON c.id = s.connection_id AND c.status = 'active'
        WHERE s.connection_id = $1 AND s.subscription_id = ANY($2::text[])`,
      [connectionId, subscriptionIds],
    );
    return rows;
  },

  async notified(tx: Sql, subscriptionIds: readonly string[]) {
    await tx.query(`UPDATE ${table} SET last_notification_at = now() WHERE subscription_id = ANY($1::text[])`, [
      subscriptionIds,
    ]);
  },

  /** The connection view's summary; merged into connections.state (a Microsoft connection only). */
  async setState(tx: Sql, connectionId: string, patch: Partial<NotificationsState>) {
    await tx.query(
      `UPDATE made_open.connections
          SET state = jsonb_set(coalesce(state, '{}'::jsonb), '{notifications}',
                                coalesce(state->'notifications', '{}'::jsonb) || $2::jsonb)
        WHERE id = $1 AND provider = 'microsoft'`,
      [connectionId, JSON.stringify(patch)],
    );
  },
};
