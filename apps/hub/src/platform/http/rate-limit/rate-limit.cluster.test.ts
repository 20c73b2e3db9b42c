import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../../composition.ts';
import { loadConfig } from '../../config.ts';
import { connectPostgres } from '../../db/postgres.ts';
import { createLogger } from '../../logger.ts';
import { createTestDatabase, postgresTestsRequired, type TestDatabase } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { startNatsServer, type NatsServer } from '../../../modules/events/test/support.ts';
import { storedKey } from './rate-limit.shared.ts';

/**
 * Per-IP request limits across hub instances (ADR 0035): two hubs on one PostgreSQL database
 * and one private nats-server count every client in made_open.rate_limit_hits, so a client
 * that alternates between them gets the limit once, not once per instance. The embedded
 * PGlite hub keeps counting in memory.
 */
const tokenPerMinute = 6;
const env = {
  AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: String(tokenPerMinute),
  AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
  SUPABASE_JWT_SECRET: 'rate-limit-cluster-secret-0123456789abcdefghij',
  // The load balancer in front of both: the loopback hop may say who the client is.
  TRUST_PROXY: 'loopback',
};

/** A sign-in with a wrong password for an address nobody has (each its own: the per-account delay stays out of it). */
const wrongPassword = (hub: Hub, ip: string) =>
  hub.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=password',
    remoteAddress: ip,
    headers: { 'x-supabase-api-version': '2024-01-01' },
    payload: { email: `nobody-${randomBytes(6).toString('hex')}@example.org`, password: 'not the password' },
  });

/** A fresh client address (TEST-NET-3), so each test counts on its own. */
const freshIp = () => `203.0.113.${1 + (randomBytes(1)[0]! % 250)}`;

describe.runIf(postgresTestsRequired())('rate limits across hub instances (PostgreSQL)', () => {
  let nats: NatsServer;
  let database: TestDatabase;
  const hubs: Hub[] = [];
  let embedded: TestHub;
  const usedIps = new Set<string>();
  const ip = () => {
    for (;;) {
      const candidate = freshIp();
      if (!usedIps.has(candidate)) {
        usedIps.add(candidate);
        return candidate;
      }
    }
  };

  const rows = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    database.db.asOwner((tx) => tx.query<R>(text, params)).then((result) => result.rows);

  beforeAll(async () => {
    expect(existsSync('/usr/sbin/nats-server'), 'these tests need /usr/sbin/nats-server').toBe(true);
    nats = await startNatsServer();
    database = await createTestDatabase('postgres');
    for (const _ of [0, 1]) {
      const db = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 5 });
      const config = loadConfig({
        ...env,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-rate-limit-')),
        LOG_LEVEL: 'silent',
        PORT: '0',
        NATS_URL: nats.url,
      });
      hubs.push(await composeHub(config, createLogger('silent'), db, { rateLimits: { sweepEveryMs: 300 } }));
    }
    embedded = await createTestHub('pglite', env);
  }, 180_000);
  afterAll(async () => {
    for (const hub of hubs) await hub.close().catch(() => undefined);
    await embedded?.close();
    await database?.drop();
    await nats?.destroy();
  }, 120_000);

  it('refuses wrong passwords sent alternately to hub A and hub B at the limit counted across both', async () => {
    const client = ip();
    const remaining: string[] = [];
    for (let attempt = 0; attempt < tokenPerMinute; attempt++) {
      const answer = await wrongPassword(hubs[attempt % 2]!, client);
      expect(answer.statusCode, answer.body).toBe(400);
      remaining.push(String(answer.headers['x-ratelimit-remaining']));
    }
    // One count: each answer, from either hub, has one fewer left.
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);
    for (const hub of hubs) {
      const refused = await wrongPassword(hub, client);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ code: 'over_request_rate_limit', message: 'Request rate limit reached' });
      expect(refused.headers['x-ratelimit-limit']).toBe(String(tokenPerMinute));
      expect(refused.headers['x-ratelimit-remaining']).toBe('0');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers['x-ratelimit-reset']).toBe(refused.headers['retry-after']);
    }
    // Known to be over its limit, the client is refused by each hub with no round trip.
    const metricsOf = async (hub: Hub) => (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    const countsOf = (text: string, outcome: string) =>
      Number(new RegExp(`made_open_rate_limit_counts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1]);
    const before = await metricsOf(hubs[0]!);
    const again = await wrongPassword(hubs[0]!, client);
    expect(again.statusCode).toBe(429);
    const after = await metricsOf(hubs[0]!);
    expect(countsOf(after, 'counted')).toBe(countsOf(before, 'counted'));
    expect(countsOf(after, 'refused_known')).toBe(countsOf(before, 'refused_known') + 1);
    // Another client is not held back by this one.
    expect((await wrongPassword(hubs[1]!, ip())).statusCode).toBe(400);
  }, 60_000);

  it('answers the same headers and 429 body as the in-memory store of a single hub', async () => {
    const shapeOf = async (hub: Hub, client: string) => {
      let answer = await wrongPassword(hub, client);
      const allowed = Object.keys(answer.headers).filter((name) => /^x-ratelimit-|^retry-after$/.test(name));
      while (answer.statusCode !== 429) answer = await wrongPassword(hub, client);
      return {
        allowed: allowed.sort(),
        refused: Object.keys(answer.headers)
          .filter((name) => /^x-ratelimit-|^retry-after$/.test(name))
          .sort(),
        body: answer.json(),
        errorCode: answer.headers['x-sb-error-code'],
      };
    };
    const shared = await shapeOf(hubs[0]!, ip());
    expect(await shapeOf(embedded, ip())).toEqual(shared);
    expect(shared.refused).toEqual(['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
  }, 60_000);

  it('counts afresh once the window has passed, on either hub', async () => {
    const client = ip();
    for (let attempt = 0; attempt < tokenPerMinute; attempt++) await wrongPassword(hubs[attempt % 2]!, client);
    expect((await wrongPassword(hubs[0]!, client)).statusCode).toBe(429);
    // The window is a minute: rather than wait it out, end it now in the shared row (the
    // database's clock is the one both hubs go by).
    const moved = await rows<{ hits: number }>(
      `UPDATE made_open.rate_limit_hits SET resets_at = now() WHERE key = $1 RETURNING hits`,
      [storedKey('POST /auth/v1/token', client)],
    );
    expect(moved).toEqual([{ hits: tokenPerMinute + 1 }]);
    const again = await wrongPassword(hubs[1]!, client);
    expect(again.statusCode, again.body).toBe(400);
    expect(again.headers['x-ratelimit-remaining']).toBe(String(tokenPerMinute - 1));
    expect(Number(again.headers['x-ratelimit-reset'])).toBeGreaterThan(55);
  }, 60_000);

  it('keeps a row of fixed size for a hostile client key, and sweeps it when its window has passed', async () => {
    const before = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM made_open.rate_limit_hits`);
    // Through the trusted proxy hop, the client is whatever X-Forwarded-For says: 8 KB each.
    const hostile = Array.from({ length: 20 }, (_, i) => `${'x'.repeat(8_000)}-${i}`);
    for (const [i, forwarded] of hostile.entries()) {
      const answer = await hubs[i % 2]!.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': forwarded },
        payload: { email: `nobody-${i}@example.org`, password: 'not the password' },
      });
      expect(answer.statusCode, answer.body).toBe(400);
    }
    const after = await rows<{ n: number; longest: number; bytes: number }>(
      `SELECT count(*)::int AS n, max(octet_length(key))::int AS longest,
              max(pg_column_size(h.*))::int AS bytes FROM made_open.rate_limit_hits h`,
    );
    expect(after[0]!.n).toBe(before[0]!.n + hostile.length);
    expect(after[0]!.longest).toBe(32);
    expect(after[0]!.bytes).toBeLessThan(100);
    // Their windows end; the hubs' sweep (every 300 ms here, a minute by default) removes them.
    await rows(`UPDATE made_open.rate_limit_hits SET resets_at = now() - interval '1 second'`);
    const deadline = Date.now() + 20_000;
    let left = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      left = (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM made_open.rate_limit_hits`))[0]!.n;
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(left).toBe(0);
  }, 60_000);

  it('refuses sign-ins (503) but keeps counting rule webhooks on the instance when the shared count fails', async () => {
    const client = ip();
    // The table out of reach, as when the statement cannot run.
    await rows(`ALTER TABLE made_open.rate_limit_hits RENAME TO rate_limit_hits_away`);
    try {
      const signIn = await wrongPassword(hubs[0]!, client);
      expect(signIn.statusCode).toBe(503);
      expect(signIn.json()).toMatchObject({ code: 'service_unavailable' });
      const pair = await hubs[1]!.app.inject({
        method: 'POST',
        url: '/devices/pair',
        remoteAddress: client,
        payload: { code: 'ABCD-EFGH' },
      });
      expect(pair.statusCode).toBe(503);
      // A webhook of no rule: 404 as ever, counted on this instance meanwhile.
      const webhook = await hubs[1]!.app.inject({
        method: 'POST',
        url: `/api/v1/rules/00000000-0000-4000-8000-000000000000/webhook`,
        remoteAddress: client,
        headers: { 'x-rule-secret': 'nope' },
        payload: {},
      });
      expect(webhook.statusCode, webhook.body).toBe(404);
      expect(webhook.headers['x-ratelimit-remaining']).toBe('119');
    } finally {
      await rows(`ALTER TABLE made_open.rate_limit_hits_away RENAME TO rate_limit_hits`);
    }
    expect((await wrongPassword(hubs[0]!, client)).statusCode).toBe(400);
  }, 60_000);

  it('counts in memory on embedded PGlite: no shared store, no rows', async () => {
    expect(embedded.modules.some((module) => module.name === 'rate-limits')).toBe(false);
    const client = ip();
    for (let attempt = 0; attempt < tokenPerMinute; attempt++)
      expect((await wrongPassword(embedded, client)).statusCode).toBe(400);
    expect((await wrongPassword(embedded, client)).statusCode).toBe(429);
    const stored = await embedded.database.db.asOwner((tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM made_open.rate_limit_hits`),
    );
    expect(stored.rows[0]!.n).toBe(0);
  }, 60_000);
});
