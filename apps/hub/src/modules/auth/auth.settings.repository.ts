import type { Sql } from '../../platform/db/index.ts';

/** made_open.account_settings and made_open.hub_settings (migrations/0004). */
export const settingsRepository = {
  /** Under the caller's RLS: only their own row is visible. */
  async defaultRegion(tx: Sql, ownerId: string): Promise<string | null> {
    const { rows } = await tx.query<{ default_region: string | null }>(
      'SELECT default_region FROM made_open.account_settings WHERE owner_id = $1',
      [ownerId],
    );
    return rows[0]?.default_region ?? null;
  },

  async saveDefaultRegion(tx: Sql, ownerId: string, region: string | null): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.account_settings (owner_id, default_region) VALUES ($1, $2)
       ON CONFLICT (owner_id) DO UPDATE SET default_region = excluded.default_region, updated_at = now()`,
      [ownerId, region],
    );
  },

  /** Under a user's RLS the row is visible to the owner only: undefined for anyone else. */
  async hubSettings(tx: Sql): Promise<{ owner_id: string | null; sign_up_open: boolean } | undefined> {
    const { rows } = await tx.query<{ owner_id: string | null; sign_up_open: boolean }>(
      'SELECT owner_id, sign_up_open FROM made_open.hub_settings WHERE singleton',
    );
    return rows[0];
  },

  /** Under a user's RLS only the owner's update touches the row: false for anyone else. */
  async saveSignUpOpen(tx: Sql, open: boolean): Promise<boolean> {
    const { rows } = await tx.query(
      'UPDATE made_open.hub_settings SET sign_up_open = $1, updated_at = now() WHERE singleton RETURNING 1',
      [open],
    );
    return rows.length > 0;
  },

  /**
   * System (sign-up): the row locked, so concurrent first sign-ups agree on one owner and
   * a sign-up cannot slip past a close that is committing.
   */
  async lockHubSettings(tx: Sql): Promise<{ owner_id: string | null; sign_up_open: boolean }> {
    await tx.query('INSERT INTO made_open.hub_settings (singleton) VALUES (true) ON CONFLICT (singleton) DO NOTHING');
    const { rows } = await tx.query<{ owner_id: string | null; sign_up_open: boolean }>(
      'SELECT owner_id, sign_up_open FROM made_open.hub_settings WHERE singleton FOR UPDATE',
    );
    return rows[0]!;
  },

  async claimOwnership(tx: Sql, ownerId: string): Promise<void> {
    await tx.query(
      'UPDATE made_open.hub_settings SET owner_id = $1, updated_at = now() WHERE singleton AND owner_id IS NULL',
      [ownerId],
    );
  },
};

export type SettingsRepository = typeof settingsRepository;
