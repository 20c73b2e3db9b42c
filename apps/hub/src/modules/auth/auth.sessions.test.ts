import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresTestsRequired,
  testDatabaseKinds,
  type TestDatabase,
} from '../../../test/databases.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { connectPostgres } from '../../platform/db/postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import { startNatsServer, type NatsServer } from '../events/test/support.ts';
import { access, allowed, eventually, refused, signIn, startHub, type RunningHub } from './test/support.ts';

const newDataDir = () => mkdtempSync(join(tmpdir(), 'made-open-auth-sessions-'));
const newPassword = 'a brand new password';
// Long delays, so a held-back account cannot come free while a hub restarts on a slow machine.
const slowThrottle = { signInThrottle: { baseDelayMs: 10 * 60_000, maxDelayMs: 60 * 60_000 } };

function attemptSignIn(running: RunningHub, email: string, password: string) {
  return running.hub.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=password',
    payload: { email, password },
  });
}

/** A user with several sessions, each an access token. */
async function userWithSessions(running: RunningHub, count: number): Promise<{ user: SignedUpUser; tokens: string[] }> {
  const user = await signUpUser(running.hub);
  const tokens = [user.accessToken];
  while (tokens.length < count) tokens.push(await signIn(running.hub, user.email, user.password));
  return { user, tokens };
}

async function logout(running: RunningHub, token: string, scope: 'global' | 'local' | 'others') {
  const response = await running.hub.app.inject({
    method: 'POST',
    url: `/auth/v1/logout?scope=${scope}`,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.statusCode).toBe(204);
}

async function changePassword(running: RunningHub, token: string, currentPassword: string) {
  const response = await running.hub.app.inject({
    method: 'PUT',
    url: '/auth/v1/user',
    headers: { authorization: `Bearer ${token}` },
    payload: { password: newPassword, current_password: currentPassword },
  });
  expect(response.statusCode).toBe(200);
}

describe.each(testDatabaseKinds())('ended sessions stay ended on %s', (kind) => {
  let database: TestDatabase;
  const dataDir = newDataDir();
  let running: RunningHub;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    running = await startHub(database.db, dataDir, {}, slowThrottle);
  }, 120_000);
  afterAll(async () => {
    await running?.stop().catch(() => undefined);
    await database?.drop();
  }, 120_000);

  it('refuses the token of a session ended by logout (local, others, global) or a password change, also after a restart', async () => {
    // a1..a3 of one user, b1 b2 of another.
    const a = await userWithSessions(running, 3);
    const b = await userWithSessions(running, 2);
    for (const token of [...a.tokens, ...b.tokens]) expect(await access(running, token)).toEqual(allowed);

    await logout(running, a.tokens[0]!, 'local');
    expect(await access(running, a.tokens[0]!)).toEqual(refused);
    expect(await access(running, a.tokens[1]!)).toEqual(allowed);

    await logout(running, a.tokens[1]!, 'others');
    expect(await access(running, a.tokens[2]!)).toEqual(refused);
    expect(await access(running, a.tokens[1]!)).toEqual(allowed);

    await logout(running, a.tokens[1]!, 'global');
    expect(await access(running, a.tokens[1]!)).toEqual(refused);

    await changePassword(running, b.tokens[0]!, b.user.password);
    expect(await access(running, b.tokens[1]!)).toEqual(refused);
    expect(await access(running, b.tokens[0]!)).toEqual(allowed);

    // Held back: one account and one address without an account, alike.
    const ghost = `ghost-${b.user.id}@example.test`;
    for (const email of [a.user.email, ghost]) {
      for (let i = 0; i < 5; i++) expect((await attemptSignIn(running, email, 'wrong password')).statusCode).toBe(400);
    }

    // A new hub on the same database and DATA_DIR (same signing secret): nothing in memory.
    await running.stop();
    running = await startHub(database.db, dataDir, {}, slowThrottle);
    expect((await attemptSignIn(running, a.user.email, a.user.password)).statusCode).toBe(429);
    expect((await attemptSignIn(running, ghost, 'wrong password')).statusCode).toBe(429);
    for (const token of [...a.tokens, b.tokens[1]!]) expect(await access(running, token)).toEqual(refused);
    // The session that changed the password stands, so the refusals above are the sessions', not the restart's.
    expect(await access(running, b.tokens[0]!)).toEqual(allowed);
  }, 120_000);

  it('refuses a token whose session row is gone (user deleted it, or the account was removed)', async () => {
    const user = await signUpUser(running.hub);
    expect(await access(running, user.accessToken)).toEqual(allowed);
    await running.hub.db.asUser(user.claims, (tx) =>
      tx.query(`DELETE FROM made_open.auth_sessions WHERE id = $1`, [user.claims.session_id]),
    );
    // The cached "active" answer lasts a few seconds; then the database is asked again.
    await eventually('the deleted session to be refused', async () => {
      const status = (await access(running, user.accessToken)).restRead;
      return status === 401 ? status : undefined;
    });
  }, 120_000);

  it('lets a user end their own session in SQL but never revive one', async () => {
    const user = await signUpUser(running.hub);
    await logout(running, user.accessToken, 'local');
    const revive = running.hub.db.asUser(user.claims, (tx) =>
      tx.query(`UPDATE made_open.auth_sessions SET revoked_at = NULL WHERE id = $1`, [user.claims.session_id]),
    );
    await expect(revive).rejects.toMatchObject({ code: '42501' });
  });
});

// Two instances need a shared database server and bus: PostgreSQL and a private nats-server.
describe.runIf(postgresTestsRequired())('ended sessions across two hub instances on PostgreSQL and NATS', () => {
  let nats: NatsServer;
  let database: TestDatabase;
  let hubA: RunningHub;
  let hubB: RunningHub;
  let closeSecondPool: () => Promise<void>;

  beforeAll(async () => {
    expect(existsSync('/usr/sbin/nats-server'), 'these tests need /usr/sbin/nats-server').toBe(true);
    nats = await startNatsServer();
    database = await createTestDatabase('postgres');
    const dataDir = newDataDir(); // one signing secret for both, as a real deployment shares it
    const env = { NATS_URL: nats.url };
    hubA = await startHub(database.db, dataDir, env, slowThrottle);
    const secondPool = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 5 });
    closeSecondPool = () => secondPool.close();
    // B believes "active" for ten minutes: only the bus can make it refuse promptly.
    hubB = await startHub(secondPool, dataDir, env, { ...slowThrottle, sessions: { activeTtlMs: 10 * 60_000 } });
  }, 120_000);
  afterAll(async () => {
    await hubB?.stop().catch(() => undefined);
    await closeSecondPool?.().catch(() => undefined);
    await hubA?.stop().catch(() => undefined);
    await database?.drop();
    await nats?.destroy();
  }, 120_000);

  /** Polls B until the token is refused on every path (B cached it as active beforehand). */
  const refusedOnB = (token: string) =>
    eventually('instance B to refuse the ended session', async () => {
      const seen = await access(hubB, token);
      return JSON.stringify(seen) === JSON.stringify(refused) ? seen : undefined;
    });

  it('B refuses a session ended on A by logout (local, others, global) or a password change', async () => {
    const a = await userWithSessions(hubA, 3);
    const b = await userWithSessions(hubA, 2);
    for (const token of [...a.tokens, ...b.tokens]) expect(await access(hubB, token)).toEqual(allowed);

    await logout(hubA, a.tokens[0]!, 'local');
    expect(await refusedOnB(a.tokens[0]!)).toEqual(refused);

    await logout(hubA, a.tokens[1]!, 'others');
    expect(await refusedOnB(a.tokens[2]!)).toEqual(refused);
    expect(await access(hubB, a.tokens[1]!)).toEqual(allowed);

    await logout(hubA, a.tokens[1]!, 'global');
    expect(await refusedOnB(a.tokens[1]!)).toEqual(refused);

    await changePassword(hubA, b.tokens[0]!, b.user.password);
    expect(await refusedOnB(b.tokens[1]!)).toEqual(refused);
    expect(await access(hubB, b.tokens[0]!)).toEqual(allowed);
  }, 180_000);

  it('holds an account back on B after failed sign-ins on A', async () => {
    const user = await signUpUser(hubA.hub);
    for (let i = 0; i < 5; i++) {
      expect((await attemptSignIn(hubA, user.email, 'wrong password')).statusCode).toBe(400);
    }
    const onB = await attemptSignIn(hubB, user.email, user.password);
    expect(onB.statusCode).toBe(429);
    expect(Number(onB.headers['retry-after'])).toBeGreaterThan(0);
  }, 120_000);
});
