import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { pruneAuth, SPENT_TOKEN_RETENTION_DAYS } from './auth.prune.ts';

/**
 * auth.prune on a real hub: ended sessions and spent refresh tokens older than the retention
 * go; a live session's current token keeps working though the tokens it replaced are gone.
 */
describe.each(testDatabaseKinds())('auth prune on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  const day = 24 * 3600 * 1000;

  const refresh = (token: string) =>
    hub.app.inject({
      method: 'POST',
      url: '/auth/v1/token?grant_type=refresh_token',
      payload: { refresh_token: token },
    });
  const counts = async () =>
    (
      await hub.db.asOwner((tx) =>
        tx.query<{ sessions: number; spent: number; live: number }>(
          `SELECT (SELECT count(*)::int FROM made_open.auth_sessions WHERE owner_id = $1) AS sessions,
                  (SELECT count(*)::int FROM made_open.auth_refresh_tokens WHERE owner_id = $1 AND revoked) AS spent,
                  (SELECT count(*)::int FROM made_open.auth_refresh_tokens WHERE owner_id = $1 AND NOT revoked) AS live`,
          [alice.id],
        ),
      )
    ).rows[0]!;
  /** Moves every timestamp of the owner's sessions and tokens back by `days`. */
  const age = (days: number) =>
    hub.db.asOwner((tx) =>
      tx.query(
        `WITH s AS (UPDATE made_open.auth_sessions SET revoked_at = revoked_at - make_interval(days => $2)
                    WHERE owner_id = $1)
         UPDATE made_open.auth_refresh_tokens SET updated_at = updated_at - make_interval(days => $2) WHERE owner_id = $1`,
        [alice.id, days],
      ),
    );

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
  }, 180_000);
  afterAll(async () => hub?.close());

  it('deletes old ended sessions and spent tokens; the live chain keeps refreshing', async () => {
    // One session refreshed three times (three spent tokens), one more signed out.
    let token = alice.refreshToken;
    for (let n = 0; n < 3; n += 1) {
      const answer = await refresh(token);
      expect(answer.statusCode, answer.body).toBe(200);
      token = answer.json().refresh_token;
    }
    const other = await signUpUser(hub);
    const second = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      payload: { email: alice.email, password: alice.password },
    });
    const ended = second.json() as { access_token: string; refresh_token: string };
    const out = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/logout?scope=local',
      headers: { authorization: `Bearer ${ended.access_token}` },
    });
    expect(out.statusCode, out.body).toBe(204);
    expect(await counts()).toEqual({ sessions: 2, spent: 4, live: 1 });

    // Younger than the retention: kept.
    const cutoff = new Date(Date.now() - SPENT_TOKEN_RETENTION_DAYS * day);
    expect(await pruneAuth(hub.db, cutoff)).toEqual({ sessions: 0, tokens: 0 });
    await age(SPENT_TOKEN_RETENTION_DAYS + 1);
    const pruned = await pruneAuth(hub.db, cutoff);
    expect(pruned).toEqual({ sessions: 1, tokens: 3 });
    expect(await counts()).toEqual({ sessions: 1, spent: 0, live: 1 });
    // The live token's parent is gone; it still rotates, and the ended session's token is unknown.
    const again = await refresh(token);
    expect(again.statusCode, again.body).toBe(200);
    expect((await refresh(ended.refresh_token)).statusCode).toBe(400);
    // Someone else's sessions were not touched.
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });
});
