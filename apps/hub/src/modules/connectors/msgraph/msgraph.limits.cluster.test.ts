import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../../composition.ts';
import { loadConfig } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { connectPostgres } from '../../../platform/db/postgres.ts';
import { createLogger } from '../../../platform/logger.ts';
import { createTestDatabase, postgresTestsRequired, type TestDatabase } from '../../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { startNatsServer, type NatsServer } from '../../events/test/support.ts';
import { eventually } from '../test/support.ts';
import type { GraphClient } from './msgraph.client.ts';
import { clusterMailboxLimits } from './msgraph.limits.cluster.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import type { StandInAccount } from './test/stand-in/state.ts';

/**
 * Outlook's per-mailbox limits across hub instances (msgraph.limits.cluster.ts, ADR 0033): two
 * hubs on one PostgreSQL database and one private nats-server, one Microsoft 365 mailbox served
 * by the STAND-IN Graph (test/stand-in: graph.microsoft.com cannot be reached from here), which
 * answers 429 + Retry-After when told to and refuses a 5th concurrent request of a mailbox.
 */
const env = {
  AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
  AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
  SUPABASE_JWT_SECRET: 'msgraph-limits-secret-0123456789abcdefghijklm',
  // One wallet key for both: either instance opens the credential the other stored.
  MADE_OPEN_MASTER_KEY: randomBytes(32).toString('base64'),
};
const prefix = `test-msgraph-${randomBytes(4).toString('hex')}`;
/**
 * Short, so a crashed instance's slots come back within the test; renewed every second while
 * held, which leaves a loaded CI machine two seconds of slack before a live claim could lapse.
 */
const leaseMs = 3_000;
/** A finished request's slot stays with its instance this long (for its next request) unless the other wants it. */
const lingerMs = 5_000;

describe.runIf(postgresTestsRequired())('microsoft 365 mailbox limits across hub instances', () => {
  let nats: NatsServer;
  let database: TestDatabase;
  let standIn: MsgraphStandIn;
  let standInEnv: Record<string, string>;
  const hubs: Hub[] = [];
  const extraDbs: Database[] = [];
  let alice: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  let secret: Record<string, string>;

  async function startHub(): Promise<Hub> {
    const db = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 5 });
    const config = loadConfig({
      ...env,
      ...standInEnv,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-msgraph-limits-')),
      LOG_LEVEL: 'silent',
      PORT: '0',
      NATS_URL: nats.url,
    });
    return composeHub(config, createLogger('silent'), db, {
      msgraphLimits: { prefix, leaseMs, retryMs: 100, lingerMs },
      // No polling or notification runs of their own during the tests.
      msgraphPollTickMs: 3_600_000,
    });
  }
  /** Instance `i`'s Graph client for the mailbox, as its write-back and presence build it. */
  const clientOn = (i: number): GraphClient =>
    hubs[i]!.msgraph.clientFor({
      connectionId,
      ownerId: alice.id,
      credential: { id: 'test', name: 'Work 365', secret },
    });
  const requestsSince = (at: number) => standIn.state.requests.filter((r) => r.accountId === account.id && r.at >= at);
  const slotRows = () =>
    database.db.asOwner((tx) =>
      tx.query<{ holder: string | null; expires: number | null }>(
        `SELECT holder, (extract(epoch FROM expires_at) * 1000)::float8 AS expires
           FROM made_open.msgraph_mailbox_slots WHERE connection_id = $1 ORDER BY slot`,
        [connectionId],
      ),
    );

  beforeAll(async () => {
    expect(existsSync('/usr/sbin/nats-server'), 'these tests need /usr/sbin/nats-server').toBe(true);
    nats = await startNatsServer();
    database = await createTestDatabase('postgres');
    ({ standIn, env: standInEnv } = await msgraphStandIn());
    for (const _ of [0, 1]) hubs.push(await startHub());
    alice = await signUpUser(hubs[0]!);
    const app = await registerApp(hubs[0]!, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    secret = { tenantId: 'common', clientId: app.clientId, clientSecret: '' };
    const signedIn = await signIn(hubs[0]!, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = signedIn.connectionId!;
    expect(connectionId, signedIn.error ?? '').toBeTruthy();
    // The first sync (and its subscription attempt) done: nothing else talks to Graph meanwhile.
    await syncAndWait(hubs[0]!, alice, connectionId);
  }, 180_000);
  afterAll(async () => {
    for (const hub of hubs) await hub.close().catch(() => undefined);
    for (const db of extraDbs) await db.close().catch(() => undefined);
    await standIn?.close();
    await database?.drop();
    await nats?.destroy();
  }, 120_000);

  it("pauses the other instance's write-back until a 429's Retry-After has passed", async () => {
    standIn.state.behaviour.throttle = { count: 1, retryAfter: 3 };
    const before = Date.now();
    // Instance A's request is answered 429 (Retry-After 3 s); its outbound client waits, then asks again.
    const onA = clientOn(0).json<{ mail: string }>('/me');
    const throttled = await eventually(
      async () => requestsSince(before).find((r) => r.status === 429),
      'the 429 on instance A',
      30_000,
    );
    // Instance B sends an email at once, through its own API (POST /api/v1/messages).
    const sent = await hubs[1]!.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { ...bearer(alice), 'idempotency-key': `paused-${randomBytes(6).toString('hex')}` },
      payload: { channel: 'email', to: ['ada@example.org'], subject: 'After the pause', body: 'Sent by B.' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect((await onA).mail).toBe('alice@contoso.example');
    const afterThrottle = requestsSince(throttled.at).filter((r) => r !== throttled);
    expect(afterThrottle.some((r) => r.method === 'POST' && /sendMail|\/send$/.test(r.path))).toBe(true);
    // No request of this mailbox, from either instance, reached Graph before the Retry-After passed.
    for (const request of afterThrottle) expect(request.at - throttled.at).toBeGreaterThanOrEqual(3_000 - 20);
  }, 60_000);

  it('keeps a pause in the database for an instance that starts later', async () => {
    standIn.state.behaviour.throttle = { count: 1, retryAfter: 5 };
    const before = Date.now();
    const onA = clientOn(0).json('/me');
    await eventually(async () => requestsSince(before).find((r) => r.status === 429), 'the 429', 30_000);
    // A new instance's limits (nothing heard over NATS: not started) read the pause on first use.
    const db = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 2 });
    extraDbs.push(db);
    await eventually(
      async () => {
        // The row is written just after the NATS message: read until it is there.
        const fresh = clusterMailboxLimits({ db, connection: () => undefined, logger: createLogger('silent'), prefix });
        const limit = fresh.of({ connectionId, ownerId: alice.id });
        await limit.ready();
        return limit.pausedUntil() > Date.now() + 3_000 ? true : undefined;
      },
      'the persisted pause',
      5_000,
    );
    await onA;
  }, 60_000);

  it('never lets the two instances have a 5th request of one mailbox in flight', async () => {
    standIn.state.behaviour.delayMs = 150;
    standIn.state.maxInFlight.set(account.id, 0);
    const refusedBefore = standIn.state.counters.concurrencyRefused;
    const before = Date.now();
    try {
      const [a, b] = [clientOn(0), clientOn(1)];
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, n) => (n % 2 === 0 ? a : b).json<{ mail: string }>('/me')),
      );
      expect(answers.every((me) => me.mail === 'alice@contoso.example')).toBe(true);
    } finally {
      standIn.state.behaviour.delayMs = 0;
    }
    expect(standIn.state.counters.concurrencyRefused - refusedBefore).toBe(0);
    expect(standIn.state.maxInFlight.get(account.id)).toBe(4);
    expect(requestsSince(before).filter((r) => r.status === 200)).toHaveLength(24);
    // Every slot is given back (asynchronously, just after each answer).
    await eventually(
      async () => ((await slotRows()).rows.every((row) => row.holder === null) ? true : undefined),
      'every slot given back',
      10_000,
    );
  }, 60_000);

  it('reuses a slot it keeps for its next request, and lends it to the other instance at once when asked', async () => {
    const metric = async (i: number, name: string) => {
      const text = (await hubs[i]!.app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    await eventually(
      async () => ((await slotRows()).rows.every((row) => row.holder === null) ? true : undefined),
      'every slot free',
      15_000,
    );
    const [claimsBefore, reusesBefore] = [
      await metric(0, 'made_open_msgraph_slot_claims_total'),
      await metric(0, 'made_open_msgraph_slot_reuses_total'),
    ];
    // One after another on A (as a sync's pages go): one claim, then the kept slot.
    for (let n = 0; n < 5; n += 1) await clientOn(0).json('/me');
    expect((await metric(0, 'made_open_msgraph_slot_claims_total')) - claimsBefore).toBe(1);
    expect((await metric(0, 'made_open_msgraph_slot_reuses_total')) - reusesBefore).toBe(4);
    // Four at once on A: all four slots kept by A, idle, for the next 5 s.
    standIn.state.behaviour.delayMs = 100;
    try {
      await Promise.all(Array.from({ length: 4 }, () => clientOn(0).json('/me')));
    } finally {
      standIn.state.behaviour.delayMs = 0;
    }
    const kept = (await slotRows()).rows;
    expect(kept.every((row) => row.holder !== null)).toBe(true);
    expect(new Set(kept.map((row) => row.holder)).size).toBe(1);
    // B asks for one: A gives its idle slots back when told, long before they would lapse.
    const before = Date.now();
    await clientOn(1).json('/me');
    const [reached] = requestsSince(before);
    expect(reached!.at - before).toBeLessThan(lingerMs - 1_000);
  }, 60_000);

  it("renews a live instance's slots past their lease: a slow request keeps its slot", async () => {
    // Requests that take longer than the lease (3 s): without renewal the other instance would claim their slots.
    standIn.state.behaviour.delayMs = 4_500;
    standIn.state.maxInFlight.set(account.id, 0);
    const refusedBefore = standIn.state.counters.concurrencyRefused;
    try {
      const [a, b] = [clientOn(0), clientOn(1)];
      const slow = Array.from({ length: 4 }, () => a.json('/me'));
      await eventually(
        async () => ((standIn.state.inFlight.get(account.id) ?? 0) === 4 ? true : undefined),
        'four in flight from A',
        10_000,
      );
      await Promise.all([...slow, b.json('/me'), b.json('/me')]);
    } finally {
      standIn.state.behaviour.delayMs = 0;
    }
    expect(standIn.state.counters.concurrencyRefused - refusedBefore).toBe(0);
    expect(standIn.state.maxInFlight.get(account.id)).toBe(4);
  }, 60_000);

  it("gives a crashed instance's slots back once their lease has run out", async () => {
    // A third instance claims all 4 slots and dies: nothing gives them back or renews them
    // (its limits were never started, so no renewal runs: as after a crash).
    const db = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 2 });
    extraDbs.push(db);
    const crashed = clusterMailboxLimits({
      db,
      connection: () => undefined,
      logger: createLogger('silent'),
      prefix,
      leaseMs,
    });
    const mailbox = crashed.of({ connectionId, ownerId: alice.id });
    await mailbox.ready();
    await eventually(
      async () => ((await slotRows()).rows.every((row) => row.holder === null) ? true : undefined),
      'every slot free',
      10_000,
    );
    for (let n = 0; n < 4; n += 1) await mailbox.acquire!(Date.now() + 5_000);
    const { rows } = await slotRows();
    expect(rows.filter((row) => row.holder === crashed.instanceId)).toHaveLength(4);
    const expiresAt = Math.max(...rows.map((row) => row.expires ?? 0));
    const before = Date.now();

    // Instance B's write-back waits for a slot, and gets one when the dead claims expire.
    const me = await clientOn(1).json<{ mail: string }>('/me');
    expect(me.mail).toBe('alice@contoso.example');
    const [reached] = requestsSince(before);
    expect(reached).toBeDefined();
    expect(reached!.at).toBeGreaterThanOrEqual(expiresAt - 50);
    // All four came back: four requests of B's are in flight at once.
    standIn.state.behaviour.delayMs = 300;
    standIn.state.maxInFlight.set(account.id, 0);
    try {
      const b = clientOn(1);
      await Promise.all(Array.from({ length: 4 }, () => b.json('/me')));
    } finally {
      standIn.state.behaviour.delayMs = 0;
    }
    expect(standIn.state.maxInFlight.get(account.id)).toBe(4);
  }, 60_000);
});
