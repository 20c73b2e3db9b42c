import type { Database, Sql } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { SealedSecret, WalletService } from '../../wallet/index.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { signInAgain } from './msgraph.errors.ts';
import { tokenRequest, type AppRegistration, type TokenSet } from './msgraph.oauth.ts';

/** Refresh this long before Microsoft's expiry, so a page never starts with a dying token. */
const earlyMs = 2 * 60_000;

export interface TokenOwner {
  connectionId: string;
  ownerId: string;
  app: AppRegistration;
}

export interface TokenStoreDeps {
  db: Database;
  wallet: Pick<WalletService, 'seal' | 'open'>;
  outbound: OutboundClient;
  loginBase: () => string;
}

const table = 'made_open.msgraph_tokens';

/**
 * A connection's Microsoft tokens, sealed under the wallet's keys (bound to owner and
 * connection). Refresh is single-flight: one in-process promise per connection, and across
 * processes the token row's lock (FOR UPDATE); Microsoft rotates the refresh token on every
 * use, and the new one is stored in the same transaction that read the old one.
 */
export function createTokenStore(deps: TokenStoreDeps) {
  const { db, wallet } = deps;
  /** Access tokens in memory only (never logged); the row is the truth. */
  const cache = new Map<string, { accessToken: string; expiresAt: number }>();
  const inflight = new Map<string, Promise<string>>();

  const seal = (owner: Pick<TokenOwner, 'ownerId' | 'connectionId'>, tokens: TokenSet) =>
    wallet.seal(owner.ownerId, owner.connectionId, tokens);

  async function save(tx: Sql, owner: Pick<TokenOwner, 'ownerId' | 'connectionId'>, tokens: TokenSet) {
    const sealed = seal(owner, tokens);
    await tx.query(
      `INSERT INTO ${table} (connection_id, owner_id, ciphertext, wrapped_key, kek_id, access_expires_at, scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (connection_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, wrapped_key = EXCLUDED.wrapped_key,
         kek_id = EXCLUDED.kek_id, access_expires_at = EXCLUDED.access_expires_at, scopes = EXCLUDED.scopes,
         refreshed_at = NULL, updated_at = now()`,
      [
        owner.connectionId,
        owner.ownerId,
        sealed.ciphertext,
        sealed.wrappedKey,
        sealed.kekId,
        new Date(tokens.expiresAt),
        tokens.scope,
      ],
    );
    cache.set(owner.connectionId, { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt });
  }

  async function refresh(owner: TokenOwner, stale: string | undefined): Promise<string> {
    const fresh = await db.asUser(ownerClaims(owner.ownerId), async (tx) => {
      const { rows } = await tx.query<{ ciphertext: string; wrapped_key: string; kek_id: string }>(
        `SELECT ciphertext, wrapped_key, kek_id FROM ${table} WHERE connection_id = $1 FOR UPDATE`,
        [owner.connectionId],
      );
      const row = rows[0];
      if (!row) throw signInAgain('no sign-in is stored for this connection');
      const sealed: SealedSecret = { ciphertext: row.ciphertext, wrappedKey: row.wrapped_key, kekId: row.kek_id };
      const tokens = wallet.open(owner.ownerId, owner.connectionId, sealed) as TokenSet;
      // Another process (or an earlier call) refreshed while this one waited for the lock.
      if (tokens.accessToken !== stale && tokens.expiresAt - earlyMs > Date.now()) return tokens;
      const next = await tokenRequest({ outbound: deps.outbound, loginBase: deps.loginBase() }, owner.app, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        scope: tokens.scope || 'offline_access User.Read',
      });
      await save(tx, owner, next);
      await tx.query(
        `UPDATE ${table} SET refreshed_at = now(), refresh_count = refresh_count + 1 WHERE connection_id = $1`,
        [owner.connectionId],
      );
      return next;
    });
    cache.set(owner.connectionId, { accessToken: fresh.accessToken, expiresAt: fresh.expiresAt });
    return fresh.accessToken;
  }

  return {
    save,

    /**
     * A usable access token. `refused`: the token Graph just answered 401 to, so it is
     * replaced even though it has not expired (401 → refresh once).
     */
    async accessToken(owner: TokenOwner, refused?: string): Promise<string> {
      const cached = cache.get(owner.connectionId);
      if (cached && cached.accessToken !== refused && cached.expiresAt - earlyMs > Date.now())
        return cached.accessToken;
      let running = inflight.get(owner.connectionId);
      if (!running) {
        running = refresh(owner, refused ?? cached?.accessToken).finally(() => inflight.delete(owner.connectionId));
        inflight.set(owner.connectionId, running);
      }
      return running;
    },

    /** Forgets the tokens (disconnect): the row goes, so nothing can use the grant again. */
    async forget(tx: Sql, connectionId: string) {
      cache.delete(connectionId);
      await tx.query(`DELETE FROM ${table} WHERE connection_id = $1`, [connectionId]);
    },

    /** Tests: how many refreshes the row has seen. */
    async refreshCount(ownerId: string, connectionId: string): Promise<number> {
      const { rows } = await db.asUser(ownerClaims(ownerId), (tx) =>
        tx.query<{ n: number }>(`SELECT refresh_count AS n FROM ${table} WHERE connection_id = $1`, [connectionId]),
      );
      return rows[0]?.n ?? 0;
    },

    /** Drops the in-memory access tokens (tests: another process's view). */
    clearCache() {
      cache.clear();
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
