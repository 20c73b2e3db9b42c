import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { loadConfig } from '../../platform/config.ts';
import { registerAuthentication } from '../../platform/http/authentication.ts';
import { createLogger } from '../../platform/logger.ts';
import { createEventOutbox } from '../events/index.ts';
import { afterAttempt, defaultSignInThrottle as policy, emailKey, waitMs } from './auth.throttle.ts';
import { createAuthModule } from './index.ts';
import { generous } from './test/support.ts';

const second = 1000;
const minute = 60 * second;

describe('the per-account delay policy', () => {
  it('holds back from the fifth attempt, doubles each further failure up to the cap, and forgets after a quiet window', () => {
    let state = afterAttempt(undefined, 0, policy);
    for (let i = 2; i <= 4; i++) state = afterAttempt(state, i, policy);
    expect(state).toMatchObject({ failures: 4, lockedUntil: null });
    expect(waitMs(state, 5)).toBe(0);
    let now = 5;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      state = afterAttempt(state, now, policy);
      delays.push(waitMs(state, now));
      now = state.lockedUntil!; // the next attempt comes just as the delay ends
    }
    expect(delays).toEqual([30, 60, 120, 240, 480, 900, 900, 900].map((s) => s * second));
    // Quiet for a whole window after the last delay: a fresh start.
    expect(afterAttempt(state, now + policy.windowMs + 1, policy)).toMatchObject({ failures: 1, lockouts: 0 });
    // Within the window: still counted.
    expect(afterAttempt(state, now + policy.windowMs - 1, policy).lockouts).toBe(state.lockouts + 1);
  });

  it('keys an address by its trimmed, lower-cased form', () => {
    expect(emailKey('  Alice@Example.TEST ')).toBe(emailKey('alice@example.test'));
    expect(emailKey('alice@example.test')).not.toBe(emailKey('bob@example.test'));
  });
});

describe.each(testDatabaseKinds())('per-account sign-in delays over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const password = 'correct horse battery';

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const module = createAuthModule({
      config: loadConfig({ ...generous, DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-auth-throttle-')) }),
      db: database.db,
      logger: createLogger('silent'),
      outbox: createEventOutbox(),
      tuning: { now: () => clock },
    });
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerAuthentication(app, module.verifier);
    await app.register(module.routes!);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  }, 120_000);

  const signUp = async (email: string) => {
    const response = await app.inject({ method: 'POST', url: '/auth/v1/signup', payload: { email, password } });
    expect(response.statusCode).toBe(200);
  };
  const attempt = (email: string, pw: string) =>
    app.inject({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      headers: { 'x-supabase-api-version': '2024-01-01' },
      payload: { email, password: pw },
    });
  const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.test`;

  it('answers 429 with a doubling Retry-After, the same for an account and an unknown address, until a sign-in succeeds', async () => {
    const known = unique('known');
    const unknown = unique('unknown');
    await signUp(known);
    const answers = async (email: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt(email, 'wrong password')).statusCode);
      const held = await attempt(email, password); // the right password does not help now
      return {
        statuses,
        held: { status: held.statusCode, retryAfter: held.headers['retry-after'], body: held.json() },
      };
    };
    const forKnown = await answers(known);
    const forUnknown = await answers(unknown);
    expect(forKnown.statuses).toEqual([400, 400, 400, 400, 400]);
    expect(forKnown.held).toEqual({
      status: 429,
      retryAfter: '30',
      body: {
        code: 'over_request_rate_limit',
        message: 'Too many failed sign-in attempts for this email: try again in 30 seconds.',
      },
    });
    expect(forUnknown).toEqual(forKnown);

    // Another address is not affected; the delay is per account, not global.
    expect((await attempt(unique('other'), 'wrong password')).statusCode).toBe(400);

    clock += 29 * second;
    expect((await attempt(known, password)).headers['retry-after']).toBe('1');
    clock += 1 * second;
    expect((await attempt(known, 'wrong password')).statusCode).toBe(400);
    expect((await attempt(known, password)).headers['retry-after']).toBe('60');
    clock += 60 * second;
    expect((await attempt(known, 'wrong password')).statusCode).toBe(400);
    expect((await attempt(known, password)).headers['retry-after']).toBe('120');

    // Case and spaces do not make a new account to guess at.
    expect((await attempt(`  ${known.toUpperCase()} `, password)).statusCode).toBe(429);

    clock += 2 * minute;
    expect((await attempt(known, password)).statusCode).toBe(200);
    // Reset: four wrong attempts are answered as wrong, not held back.
    for (let i = 0; i < 4; i++) expect((await attempt(known, 'wrong password')).statusCode).toBe(400);
    expect((await attempt(known, password)).statusCode).toBe(200);
  });

  it('counts parallel attempts before checking them, so a burst gets no more than the threshold through', async () => {
    const email = unique('burst');
    await signUp(email);
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => attempt(email, 'wrong password')))).map(
      (r) => r.statusCode,
    );
    expect(statuses.filter((s) => s === 400)).toHaveLength(policy.threshold);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 - policy.threshold);
  });

  it('keeps the table from the request roles', async () => {
    const claims = { role: 'authenticated' as const, sub: crypto.randomUUID() };
    await expect(
      database.db.queryAsUser(claims, 'SELECT * FROM made_open.auth_sign_in_failures'),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      database.db.queryAsUser({ role: 'anon' }, 'DELETE FROM made_open.auth_sign_in_failures'),
    ).rejects.toMatchObject({ code: '42501' });
  });
});
