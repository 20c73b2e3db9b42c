import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../platform/config.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { UnauthorizedError } from '../../platform/errors.ts';
import { createEventsModule, type EventsModule } from '../events/index.ts';
import {
  databaseKinds,
  openTestDatabase,
  silent,
  testRegistry,
  uuid,
  waitFor,
  type EventsTestDatabase,
  type TestEventMap,
} from '../events/test/support.ts';
import { createAuditModule } from './index.ts';

/** The audit trail and the event feed over HTTP, on the embedded transport, on both databases. */
describe.each(databaseKinds())('audit trail and event feed on %s', (kind) => {
  let database: EventsTestDatabase;
  let events: EventsModule<TestEventMap>;
  let app: FastifyInstance;
  const alice = uuid();
  const bob = uuid();
  const claimsOf = (id: string) => ({ role: 'authenticated' as const, sub: id });

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    events = createEventsModule({
      config: { natsUrl: undefined },
      db: database.db,
      logger: silent,
      registry: testRegistry,
      tuning: { relay: { pollMs: 50 } },
    });
    const audit = createAuditModule({ db: database.db, logger: silent, events });
    // Tokens in these tests are user ids: the auth module is not under test here.
    const verifier = {
      async verify(token: string): Promise<AuthenticatedUser | null> {
        if (token !== alice && token !== bob) throw new UnauthorizedError();
        return { id: token, claims: { ...claimsOf(token), sub: token } };
      },
    };
    app = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      logger: silent,
      db: database.db,
      tokenVerifier: verifier,
      modules: [events, audit],
    });
    await events.start();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await events?.stop();
    await database?.drop();
  });

  const revoke = (user: string, n: number) =>
    database.db.asUser(claimsOf(user), (tx) =>
      events.outbox.append(tx, {
        type: 'auth.SessionRevoked',
        ownerId: user,
        subject: user,
        actor: { kind: 'user', id: user },
        data: { userId: user, sessionId: uuid(), reason: n % 2 ? 'logout' : 'password_changed' },
      }),
    );
  const counted = (user: string, n: number) =>
    database.db.asUser(claimsOf(user), (tx) =>
      events.outbox.append(tx, {
        type: 'test.Counted',
        ownerId: user,
        subject: `s${n}`,
        actor: { kind: 'system', id: 'test' },
        data: { n },
      }),
    );

  it('records every audited event once, and only audited ones', async () => {
    const ids = [await revoke(alice, 1), await revoke(alice, 2), await revoke(bob, 3)];
    await counted(alice, 4);
    await waitFor('three audit rows', async () => {
      const { rows } = await database.db.asSystem((tx) => tx.query('SELECT id FROM made_open.audit_log'));
      return rows.length >= 3;
    });
    const { rows } = await database.db.asSystem((tx) =>
      tx.query<{ id: string; type: string }>('SELECT id, type FROM made_open.audit_log ORDER BY id'),
    );
    expect(rows.map((r) => r.id)).toEqual([...ids].sort());
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['auth.SessionRevoked']));
  });

  it("GET /api/v1/audit pages the caller's own trail only, newest first", async () => {
    const first = await app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1',
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { entries: { id: string; data: { userId: string } }[]; nextCursor: string | null };
    expect(page1.entries).toHaveLength(1);
    expect(page1.nextCursor).toBe(page1.entries[0]!.id);
    const second = await app.inject({
      method: 'GET',
      url: `/api/v1/audit?limit=1&cursor=${page1.nextCursor}`,
      headers: { authorization: `Bearer ${alice}` },
    });
    const page2 = second.json() as typeof page1;
    expect(page2.entries).toHaveLength(1);
    expect(page2.entries[0]!.id < page1.entries[0]!.id).toBe(true);
    const all = (
      await app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: `Bearer ${alice}` } })
    ).json() as typeof page1;
    expect(all.entries.every((e) => e.data.userId === alice)).toBe(true);
    expect(all.entries).toHaveLength(2);
    expect((await app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/audit?cursor=nope',
          headers: { authorization: `Bearer ${alice}` },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the audit table to every role', async () => {
    await expect(
      database.db.asUser(claimsOf(alice), (tx) => tx.query(`UPDATE made_open.audit_log SET subject = 'x'`)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      database.db.asUser(claimsOf(alice), (tx) => tx.query('DELETE FROM made_open.audit_log')),
    ).rejects.toThrow(/permission denied/);
    await expect(database.db.asUser(claimsOf(alice), (tx) => tx.query('TRUNCATE made_open.audit_log'))).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      database.db.asUser(claimsOf(alice), (tx) =>
        tx.query(
          `INSERT INTO made_open.audit_log (id, owner_id, type, subject, actor, data, v, time) VALUES ($1, $2, 'auth.X', 's', '{}', '{}', 1, now())`,
          [uuid(), alice],
        ),
      ),
    ).rejects.toThrow(/permission denied|row-level security/);
    await expect(
      database.db.asSystem((tx) => tx.query(`UPDATE made_open.audit_log SET subject = 'x'`)),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(database.db.asSystem((tx) => tx.query('DELETE FROM made_open.audit_log'))).rejects.toThrow(
      /permission denied|append-only/,
    );
    // Even the owner role (migrations) is stopped by the trigger.
    await expect(database.db.asOwner((tx) => tx.query(`UPDATE made_open.audit_log SET subject = 'x'`))).rejects.toThrow(
      /append-only/,
    );
    await expect(database.db.asOwner((tx) => tx.query('DELETE FROM made_open.audit_log'))).rejects.toThrow(
      /append-only/,
    );
    await expect(database.db.asOwner((tx) => tx.query('TRUNCATE made_open.audit_log'))).rejects.toThrow(/append-only/);
    const { rows } = await database.db.asSystem((tx) => tx.query('SELECT 1 FROM made_open.audit_log'));
    expect(rows).toHaveLength(3);
  });

  it("GET /api/v1/events returns the caller's own events after a cursor or an event id", async () => {
    await waitFor(
      'relay',
      async () =>
        (await database.db.asSystem((tx) => tx.query('SELECT 1 FROM made_open.outbox WHERE pub_seq IS NULL'))).rows
          .length === 0,
    );
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(response.statusCode).toBe(200);
    const page = response.json() as {
      events: { id: string; ownerId: string; type: string; cursor: string }[];
      nextCursor: string;
    };
    expect(page.events.map((e) => e.type)).toEqual(['auth.SessionRevoked', 'auth.SessionRevoked', 'test.Counted']);
    expect(page.events.every((e) => e.ownerId === alice)).toBe(true);
    const afterId = (
      await app.inject({
        method: 'GET',
        url: `/api/v1/events?after=${page.events[0]!.id}`,
        headers: { authorization: `Bearer ${alice}` },
      })
    ).json() as typeof page;
    expect(afterId.events.map((e) => e.id)).toEqual(page.events.slice(1).map((e) => e.id));
    const afterCursor = (
      await app.inject({
        method: 'GET',
        url: `/api/v1/events?after=${page.nextCursor}`,
        headers: { authorization: `Bearer ${alice}` },
      })
    ).json() as typeof page;
    expect(afterCursor.events).toEqual([]);
    expect(afterCursor.nextCursor).toBe(page.nextCursor);
    // Bob's event id is unknown to Alice: 404, like an id that does not exist.
    const bobsEvents = (
      await app.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `Bearer ${bob}` } })
    ).json() as typeof page;
    const foreign = await app.inject({
      method: 'GET',
      url: `/api/v1/events?after=${bobsEvents.events[0]!.id}`,
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(foreign.statusCode).toBe(404);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/events?after=abc',
          headers: { authorization: `Bearer ${alice}` },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('streams new events as Server-Sent Events', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${address.port}/api/v1/events`, {
      headers: { authorization: `Bearer ${alice}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const id = await counted(alice, 99);
    const deadline = Date.now() + 15_000;
    while (!text.includes(id) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('event: auth.SessionRevoked');
    expect(text).toContain(`"id":"${id}"`);
    expect(text).toMatch(/^id: \d+$/m);
  });

  it('shows the outbox backlog, lag and dead letters in /metrics and /health', async () => {
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/made_open_events_consumer_lag\{consumer="audit"\} \d+/);
    expect(metrics.body).toContain('made_open_events_outbox_backlog');
    const health = (await app.inject({ method: 'GET', url: '/health' })).json() as {
      checks: Record<string, { status: string }>;
    };
    expect(health.checks.events!.status).toMatch(/ok|degraded/);
  });
});
