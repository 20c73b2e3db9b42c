import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { acmeReconfigured, acmeSignature } from './test/acme-inbox.connector.ts';
import type { AcmeStandIn } from './test/acme-inbox.stand-in.ts';
import { acmeAccount, addCredential, eventually, hubOptions, registerAcmeInbox } from './test/support.ts';

/**
 * Connections end to end on a real hub: the API, sync as pg-boss jobs through the outbound
 * client, progress events, webhooks and the wallet's capabilities. Acme Inbox is a test-only
 * provider; its API is a STAND-IN server (test/acme-inbox.stand-in.ts) on this machine.
 */
registerAcmeInbox();

interface EventRow {
  type: string;
  subject: string;
  actor: { kind: string; id: string };
  data: Record<string, unknown>;
}

describe.each(testDatabaseKinds())('connectors on %s', (kind) => {
  let hub: TestHub;
  let acme: Awaited<ReturnType<typeof acmeAccount>>;
  let standIn: AcmeStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let credentialId: string;
  let connectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const connection = async (user = alice, id = connectionId) =>
    (await api(user, 'GET', `/api/v1/connections/${id}`)).json();

  /** Waits for the sync to be idle again and returns the connection. */
  const settled = (id = connectionId) =>
    eventually(async () => {
      const view = await connection(alice, id);
      return view.sync.state === 'idle' ? view : undefined;
    }, 'the sync to finish');

  /** The owner's messages from Acme, by external id (a duplicate would show as a count > 1). */
  const messages = async (user = alice) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{ external_id: string; body: string; n: string }>(
        `SELECT external_id, min(body) AS body, count(*)::text AS n FROM public.entities
          WHERE source = 'acme-inbox' AND type = 'message' AND deleted_at IS NULL GROUP BY external_id ORDER BY external_id`,
      );
      return rows;
    });

  /** The caller's events as GET /api/v1/events gives them (what the web reads), connector ones only. */
  async function connectorEvents(user = alice, prefix = 'connector.'): Promise<EventRow[]> {
    const all: EventRow[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await api(user, 'GET', `/api/v1/events?limit=500${after ? `&after=${after}` : ''}`);
      const body = page.json() as { events: (EventRow & { cursor: string })[]; nextCursor: string };
      all.push(...body.events);
      if (body.events.length < 500) break;
      after = body.nextCursor;
    }
    return all.filter((e) => e.type.startsWith(prefix));
  }

  const capability = async (name: string) =>
    ((await api(alice, 'GET', '/api/v1/capabilities')).json().capabilities as { name: string; state: string }[]).find(
      (c) => c.name === name,
    );

  beforeAll(async () => {
    acme = await acmeAccount();
    standIn = acme.standIn;
    standIn.add(10);
    hub = await createTestHub(kind, { ...acme.env, AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, hubOptions);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    credentialId = await addCredential(hub, alice, acme.secret);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('refuses bad connection requests with a clear 4xx and stores nothing', async () => {
    const post = (payload: unknown, user = alice) => api(user, 'POST', '/api/v1/connections', payload);
    const refused = async (payload: unknown, status: number, code: string, user = alice) => {
      const response = await post(payload, user);
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.message.length).toBeGreaterThan(10);
    };
    const options = { mailbox: 'main' };
    expect(
      (
        await hub.app.inject({
          method: 'POST',
          url: '/api/v1/connections',
          payload: { provider: 'acme-inbox', credentialId, options },
        })
      ).statusCode,
    ).toBe(401);
    await refused({ provider: 'nope', credentialId, options }, 400, 'validation_failed');
    await refused({ provider: 'Not A Provider!', credentialId, options }, 400, 'validation_failed');
    await refused({ provider: 'ollama', credentialId, options }, 400, 'no_connector');
    await refused({ provider: 'acme-inbox', credentialId: 'not-a-uuid', options }, 400, 'validation_failed');
    await refused(
      { provider: 'acme-inbox', credentialId: '0190a0b0-0000-7000-8000-000000000000', options },
      400,
      'credential_not_found',
    );
    // Alice's credential is nobody else's.
    await refused({ provider: 'acme-inbox', credentialId, options }, 400, 'credential_not_found', bob);
    const ollama = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'ollama',
      name: 'Local',
      secret: { url: 'http://127.0.0.1:11434' },
    });
    await refused(
      { provider: 'acme-inbox', credentialId: ollama.json().id, options },
      400,
      'credential_wrong_provider',
    );
    const wrongKey = await addCredential(hub, alice, { ...acme.secret, apiKey: 'not-the-right-key' }, false);
    expect((await api(alice, 'POST', `/api/v1/credentials/${wrongKey}/test`)).json().ok).toBe(false);
    await refused({ provider: 'acme-inbox', credentialId: wrongKey, options }, 400, 'credential_test_failed');
    const untested = await addCredential(hub, alice, acme.secret, false);
    await refused({ provider: 'acme-inbox', credentialId: untested, options }, 400, 'credential_untested');
    await refused(
      { provider: 'acme-inbox', credentialId, options: { mailbox: 'Not A Mailbox' } },
      400,
      'validation_failed',
    );
    await refused(
      { provider: 'acme-inbox', credentialId, options: { mailbox: 'main', extra: 1 } },
      400,
      'validation_failed',
    );
    await refused(
      { provider: 'acme-inbox', credentialId, options: { mailbox: 'main', pageSize: 1e9 } },
      400,
      'validation_failed',
    );
    await refused({ provider: 'acme-inbox', credentialId, options: 'main' }, 400, 'validation_failed');
    await refused({ provider: 'acme-inbox', credentialId, options, surprise: true }, 400, 'validation_failed');
    await refused([1, 2, 3], 400, 'validation_failed');
    // The provider has no such mailbox: connect() says so, and the row is gone again.
    await refused({ provider: 'acme-inbox', credentialId, options: { mailbox: 'elsewhere' } }, 422, 'connect_account');
    const raw = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: { ...bearer(alice), 'content-type': 'application/json' },
      payload: '{"provider":',
    });
    expect(raw.statusCode).toBe(400);

    for (const [method, url] of [
      ['GET', '/api/v1/connections/not-a-uuid'],
      ['DELETE', '/api/v1/connections/1;drop table x'],
      ['POST', '/api/v1/connections/%00/sync'],
    ] as const)
      expect((await api(alice, method, url)).statusCode).toBe(400);
    for (const [method, url] of [
      ['GET', '/api/v1/connections/0190a0b0-0000-7000-8000-000000000000'],
      ['DELETE', '/api/v1/connections/0190a0b0-0000-7000-8000-000000000000'],
      ['POST', '/api/v1/connections/0190a0b0-0000-7000-8000-000000000000/sync'],
      ['POST', '/api/v1/connections/0190a0b0-0000-7000-8000-000000000000/test'],
    ] as const) {
      const response = await api(alice, method, url);
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await api(alice, 'GET', '/api/v1/connections')).json().connections).toEqual([]);
    expect(standIn.webhooks.size).toBe(0);
  });

  it('connects, and the initial sync pages through from the cursor with progress events', async () => {
    expect((await capability('inbox'))?.state).toBe('needs_connection');
    const created = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'acme-inbox',
      credentialId,
      options: { mailbox: 'main', pageSize: 4 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json();
    connectionId = view.id;
    expect(view).toMatchObject({
      provider: 'acme-inbox',
      credentialId,
      label: 'main@acme-inbox.example',
      status: 'active',
      capabilities: ['inbox'],
      webhooks: ['messages'],
      sync: { phase: 'initial' },
    });
    for (const secret of [acme.secret.apiKey, acme.secret.webhookSecret])
      expect(JSON.stringify(view)).not.toContain(secret);
    // connect() registered the webhook at PUBLIC_URL + the connection's path.
    expect([...standIn.webhooks.values()]).toEqual([
      `https://hub.example.test/webhooks/acme-inbox/${connectionId}/messages`,
    ]);

    const done = await settled();
    expect(done.status).toBe('active');
    expect(done.sync).toMatchObject({
      state: 'idle',
      progress: { pages: 3, items: 10, created: 10, updated: 0, unchanged: 0, percent: 100 },
      itemsSynced: 10,
      failures: 0,
      lastError: null,
    });
    expect(done.sync.lastSuccessAt).not.toBeNull();
    const stored = await messages();
    expect(stored).toHaveLength(10);
    expect(stored.every((m) => m.n === '1')).toBe(true);
    // Pages were asked for from the saved cursor, once each.
    const pages = standIn.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.query.after);
    expect(pages).toEqual(['0', '4', '8']);

    const events = await eventually(async () => {
      const all = await connectorEvents();
      return all.some((e) => e.type === 'connector.SyncCompleted') ? all : undefined;
    }, 'connector.SyncCompleted');
    expect(events.map((e) => e.type)).toEqual([
      'connector.Connected',
      'connector.SyncProgress',
      'connector.SyncProgress',
      'connector.SyncProgress',
      'connector.SyncCompleted',
    ]);
    const progress = events.filter((e) => e.type === 'connector.SyncProgress');
    expect(progress.map((e) => [e.data.items, e.data.percent])).toEqual([
      [4, 40],
      [8, 80],
      [10, 100],
    ]);
    expect(progress[0]!.actor).toMatchObject({ kind: 'connector', id: connectionId });
    // Items of an initial sync are history: marked backfill, so rules do not fire on them (modules/rules).
    const history = await connectorEvents(alice, 'data.EntityCreated');
    expect(history.length).toBeGreaterThanOrEqual(10);
    expect(history.every((e) => (e.actor as { backfill?: boolean }).backfill === true)).toBe(true);
    expect(progress[0]!.data).toMatchObject({
      connectionId,
      provider: 'acme-inbox',
      phase: 'initial',
      jobId: done.sync.jobId ?? progress[0]!.data.jobId,
    });

    // The capability the connection configures is on (and said so); the one it does not stays off, saying why.
    const changed = await eventually(async () => {
      const all = await connectorEvents(alice, 'capability.');
      return all.find((e) => (e.data.cause as { change: string }).change === 'connected');
    }, 'capability.Changed');
    expect(changed.data).toMatchObject({ added: ['inbox'], removed: [], cause: { credentialId, type: 'acme-inbox' } });
    expect(await capability('inbox')).toMatchObject({ state: 'on' });
    expect(await capability('inbox-send')).toMatchObject({ state: 'needs_connection' });
    const list = (await api(alice, 'GET', '/api/v1/connections')).json().connections;
    expect(list.map((c: { id: string }) => c.id)).toEqual([connectionId]);
    expect(list[0].sync.progress.percent).toBe(100);
  });

  it('syncs incrementally from the saved cursor: new and changed items only', async () => {
    standIn.add(3);
    standIn.edit('msg_0001', 'Edited body');
    const before = standIn.requests.length;
    const queued = await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`);
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toMatchObject({ created: true, job: { state: 'queued' } });
    const done = await settled();
    expect(done.sync).toMatchObject({
      phase: 'incremental',
      progress: { items: 4, created: 3, updated: 1, unchanged: 0, percent: 100 },
      itemsSynced: 14,
    });
    const stored = await messages();
    expect(stored).toHaveLength(13);
    expect(stored.find((m) => m.external_id === 'msg_0001')?.body).toBe('Edited body');
    const pages = standIn.requests.slice(before).filter((r) => r.path.endsWith('/messages'));
    // Four changes fit one page of four: one request, from the cursor the last sync saved.
    expect(pages.map((r) => r.query.after)).toEqual(['10']);
    // Incremental items are news: not backfill.
    const news = await connectorEvents(alice, 'data.EntityCreated');
    expect(news.slice(-3).map((e) => (e.actor as { backfill?: boolean }).backfill)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('answers a second sync request while one runs with the same job, and never runs two', async () => {
    standIn.add(2);
    const held = standIn.hold(14);
    const first = await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`);
    expect(first.statusCode).toBe(202);
    await held.arrived;
    expect((await connection()).sync.state).toBe('running');
    const second = await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ created: false, job: { id: first.json().job.id, state: 'running' } });
    held.release();
    const done = await settled();
    expect(done.sync.progress).toMatchObject({ items: 2, created: 2 });
    expect(standIn.maxConcurrentPages).toBe(1);
    expect(standIn.requests.filter((r) => r.path.endsWith('/messages') && r.query.after === '14')).toHaveLength(1);
    expect(await messages()).toHaveLength(15);
  });

  it('retries a provider failure, saying so, and resumes from the saved cursor', async () => {
    standIn.add(6);
    standIn.failPages(1, 500);
    const before = standIn.requests.length;
    const lastSuccess = (await connection()).sync.lastSuccessAt;
    expect((await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`)).statusCode).toBe(202);
    const done = await eventually(async () => {
      const view = await connection();
      return view.sync.state === 'idle' && view.sync.lastSuccessAt !== lastSuccess ? view : undefined;
    }, 'the retried sync to finish');
    expect(done.status).toBe('active');
    expect(done.sync).toMatchObject({ failures: 0, lastError: null, progress: { items: 6, created: 6, percent: 100 } });
    const pages = standIn.requests.slice(before).filter((r) => r.path.endsWith('/messages'));
    expect(pages.map((r) => r.query.after)).toEqual(['16', '16', '20']);
    const events = await eventually(async () => {
      const all = await connectorEvents();
      const failed = all.findIndex((e) => e.type === 'connector.SyncFailed');
      return failed >= 0 && all.slice(failed).some((e) => e.type === 'connector.SyncCompleted') ? all : undefined;
    }, 'the failure and the completion');
    const failed = events.find((e) => e.type === 'connector.SyncFailed')!;
    expect(failed.data).toMatchObject({ kind: 'provider', willRetry: true });
    expect(failed.data.reason).toMatch(/HTTP 500/);
    expect(await messages()).toHaveLength(21);
  });

  it('takes signed webhooks once, and refuses unsigned, forged, unknown and oversized ones', async () => {
    const path = `/webhooks/acme-inbox/${connectionId}/messages`;
    const url = `https://hub.example.test${path}`;
    const message = {
      id: 'msg_hook_1',
      from: 'new.sender@example.org',
      subject: 'Pushed',
      body: 'Pushed body',
      sent_at: '2026-02-01T10:00:00Z',
    };
    const body = JSON.stringify({ message });
    const post = (payload: string, headers: Record<string, string>, target = path) =>
      hub.app.inject({
        method: 'POST',
        url: target,
        payload,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const count = async () => (await messages()).length;
    const before = await count();

    // Missing and wrong signatures: 403, nothing stored.
    for (const headers of <Record<string, string>[]>[
      {},
      { 'x-acme-signature': '' },
      { 'x-acme-signature': 'v1=00' },
      { 'x-acme-signature': acmeSignature('not-the-secret-at-all', url, body) },
      // Signed for another address (the Host header is not what is signed).
      { 'x-acme-signature': acmeSignature(acme.secret.webhookSecret, `http://localhost${path}`, body) },
      // The body changed after signing.
      { 'x-acme-signature': acmeSignature(acme.secret.webhookSecret, url, body.replace('Pushed body', 'Forged')) },
    ]) {
      const response = await post(body, headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json().error.code).toBe('bad_signature');
    }
    expect(await count()).toBe(before);

    const signed = { 'x-acme-signature': acmeSignature(acme.secret.webhookSecret, url, body) };
    const first = await post(body, signed);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ status: 'created' });
    // A replay (providers retry) changes nothing.
    const replay = await post(body, signed);
    expect(replay.json()).toEqual({ status: 'unchanged' });
    expect(await count()).toBe(before + 1);
    const sender = await hub.db.asUser(alice.claims, (tx) =>
      tx.query(`SELECT 1 FROM public.identifiers WHERE kind = 'email' AND value = 'new.sender@example.org'`),
    );
    expect(sender.rows).toHaveLength(1);

    // Form bodies are verified over the raw bytes too.
    const form = new URLSearchParams({ ...message, id: 'msg_hook_2' }).toString();
    const formed = await hub.app.inject({
      method: 'POST',
      url: `${path}?attempt=1`,
      payload: form,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-acme-signature': acmeSignature(acme.secret.webhookSecret, `${url}?attempt=1`, form),
      },
    });
    expect(formed.statusCode, formed.body).toBe(200);
    expect(await count()).toBe(before + 2);

    // Unknown connection, another provider, an unserved path, a malformed id: 404.
    for (const target of [
      '/webhooks/acme-inbox/0190a0b0-0000-7000-8000-000000000000/messages',
      `/webhooks/twilio/${connectionId}/messages`,
      `/webhooks/acme-inbox/${connectionId}/other`,
      `/webhooks/acme-inbox/${connectionId}/messages/../../x`,
      '/webhooks/acme-inbox/not-an-id/messages',
    ]) {
      const response = await post(body, signed, target);
      expect(response.statusCode, target).toBe(404);
    }
    expect((await hub.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    // Bigger than any provider's webhook: 413 before anything is read.
    const big = JSON.stringify({ message: { ...message, body: 'x'.repeat(300 * 1024) } });
    const oversized = await post(big, { 'x-acme-signature': acmeSignature(acme.secret.webhookSecret, url, big) });
    expect(oversized.statusCode).toBe(413);
    // Signed, but not a message: 400, nothing stored.
    const junk = JSON.stringify({ message: { id: 'x' } });
    expect(
      (await post(junk, { 'x-acme-signature': acmeSignature(acme.secret.webhookSecret, url, junk) })).statusCode,
    ).toBe(400);
    expect(await count()).toBe(before + 2);
  });

  it('changes only editable options (PATCH), announces it, syncs with them, and refuses the rest', async () => {
    await settled();
    const url = `/api/v1/connections/${connectionId}`;
    const before = await connection();
    const refused = [
      [{ options: { mailbox: 'other' } }, 'option_fixed'],
      [{ options: { pageSize: 20, send: true } }, 'option_fixed'],
      [{ options: { nonsense: 1 } }, 'option_fixed'],
      [{ options: { pageSize: 0 } }, 'validation_failed'],
      [{ options: { pageSize: 'many' } }, 'validation_failed'],
      [{ options: {} }, 'validation_failed'],
      [{ pageSize: 20 }, 'validation_failed'],
    ] as const;
    for (const [payload, code] of refused) {
      const answer = await api(alice, 'PATCH', url, payload);
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json().error.code).toBe(code);
    }
    expect((await api(alice, 'PATCH', url, { options: { mailbox: 'x' } })).json().error.message).toContain(
      'You can change: pageSize',
    );
    expect((await connection()).options).toEqual(before.options);
    // Someone else's connection is not there for them (RLS).
    expect((await api(bob, 'PATCH', url, { options: { pageSize: 20 } })).statusCode).toBe(404);

    const changed = await api(alice, 'PATCH', url, { options: { pageSize: 7 } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().options).toMatchObject({ mailbox: before.options.mailbox, pageSize: 7 });
    expect(changed.json().capabilities).toEqual(before.capabilities);
    expect(['queued', 'running']).toContain(changed.json().sync.state);
    expect(acmeReconfigured.at(-1)).toEqual({ connectionId, pageSize: 7, changed: ['pageSize'] });
    // Events reach GET /api/v1/events once relayed (NATS under CI): wait for it.
    const announced = await eventually(async () => {
      const found = (await connectorEvents()).filter((e) => e.type === 'connector.Reconfigured');
      return found.length > 0 ? found : undefined;
    }, 'connector.Reconfigured');
    expect(announced.at(-1)).toMatchObject({ subject: connectionId, data: { changed: ['pageSize'] } });
    // The sync it queued reads the new page size.
    standIn.add(8);
    const pagesBefore = standIn.requests.length;
    await settled();
    const limits = standIn.requests
      .slice(pagesBefore)
      .filter((r) => r.path.endsWith('/messages'))
      .map((r) => r.query.limit);
    expect(limits.length).toBeGreaterThan(0);
    expect(new Set(limits)).toEqual(new Set(['7']));
    // The same value again changes nothing and announces nothing.
    const calls = acmeReconfigured.length;
    const same = await api(alice, 'PATCH', url, { options: { pageSize: 7 } });
    expect(same.statusCode).toBe(200);
    expect(same.json().sync.state).toBe('idle');
    expect(acmeReconfigured).toHaveLength(calls);
    expect((await connectorEvents()).filter((e) => e.type === 'connector.Reconfigured')).toHaveLength(announced.length);
  });

  it("keeps users' connections apart (404, by RLS)", async () => {
    for (const [method, url] of [
      ['GET', `/api/v1/connections/${connectionId}`],
      ['DELETE', `/api/v1/connections/${connectionId}`],
      ['POST', `/api/v1/connections/${connectionId}/sync`],
      ['POST', `/api/v1/connections/${connectionId}/test`],
    ] as const) {
      const response = await api(bob, method, url);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await api(bob, 'GET', '/api/v1/connections')).json().connections).toEqual([]);
    expect((await connectorEvents(bob)).length).toBe(0);
    // Even a direct query as Bob finds nothing: the database, not the route, hides it.
    const seen = await hub.db.asUser(bob.claims, (tx) => tx.query(`SELECT id FROM made_open.connections`));
    expect(seen.rows).toEqual([]);
    expect((await connection()).status).toBe('active');
  });

  it('tests a connection and reports the aggregate status in /health', async () => {
    const tested = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
    expect(tested.json()).toMatchObject({
      ok: true,
      message: 'Acme Inbox answers for main@acme-inbox.example.',
      connection: { status: 'active' },
    });
    const health = (await hub.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.checks.connectors.status).toBe('ok');
    expect(health.checks.connectors.details).toMatchObject({
      connectors: ['twilio', 'microsoft', 'acme-inbox'], // Twilio and Microsoft 365 ship; Acme is this test's
      connections: [{ provider: 'acme-inbox', status: 'active', count: 1 }],
      inError: 0,
      syncing: 0,
    });
    expect(health.checks.connectors.details.oldestLastSuccessAt).toBe((await connection()).sync.lastSuccessAt);
    expect(JSON.stringify(health)).not.toContain(alice.id);
  });

  it('disconnects: webhooks stop, the provider setup is undone, the capability turns off', async () => {
    const path = `/webhooks/acme-inbox/${connectionId}/messages`;
    const body = JSON.stringify({
      message: { id: 'msg_after', from: 'a@example.org', subject: 's', body: 'b', sent_at: '2026-02-01T10:00:00Z' },
    });
    const signed = {
      'content-type': 'application/json',
      'x-acme-signature': acmeSignature(acme.secret.webhookSecret, `https://hub.example.test${path}`, body),
    };
    const removed = await api(alice, 'DELETE', `/api/v1/connections/${connectionId}`);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ status: 'disconnected', statusReason: null, webhooks: [] });
    expect(standIn.webhooks.size).toBe(0);
    const count = (await messages()).length;
    expect((await hub.app.inject({ method: 'POST', url: path, payload: body, headers: signed })).statusCode).toBe(404);
    expect((await messages()).length).toBe(count);
    expect(await capability('inbox')).toMatchObject({ state: 'needs_connection' });
    const sync = await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`);
    expect(sync.statusCode).toBe(409);
    expect((await api(alice, 'DELETE', `/api/v1/connections/${connectionId}`)).json().status).toBe('disconnected');
    const types = await eventually(async () => {
      const all = (await connectorEvents()).map((e) => e.type);
      return all.includes('connector.Disconnected') ? all : undefined;
    }, 'connector.Disconnected');
    expect(types.filter((t) => t === 'connector.Disconnected')).toHaveLength(1);
    const off = await eventually(async () => {
      const all = await connectorEvents(alice, 'capability.');
      return all.find((e) => (e.data.cause as { change: string }).change === 'disconnected');
    }, 'capability.Changed on disconnect');
    expect(off.data).toMatchObject({ added: [], removed: ['inbox'] });
  });

  it('refuses a second live connection of one account, and marks a refused credential for the person', async () => {
    const input = { provider: 'acme-inbox', credentialId, options: { mailbox: 'main', send: true, pageSize: 50 } };
    const again = await api(alice, 'POST', '/api/v1/connections', input);
    expect(again.statusCode, again.body).toBe(201);
    const id = again.json().id;
    expect(again.json().capabilities).toEqual(['inbox', 'inbox-send']);
    await settled(id);
    expect(await capability('inbox-send')).toMatchObject({ state: 'on' });
    const twice = await api(alice, 'POST', '/api/v1/connections', input);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('already_connected');
    // The refused one's webhook was removed again at the provider.
    expect(standIn.webhooks.size).toBe(1);

    standIn.revokeKey();
    expect((await api(alice, 'POST', `/api/v1/connections/${id}/sync`)).statusCode).toBe(202);
    const failed = await settled(id);
    expect(failed.status).toBe('error');
    expect(failed.statusReason).toMatch(/refused the credential.*replace it/);
    expect(failed.sync).toMatchObject({ failures: 1, lastError: failed.statusReason });
    expect(await capability('inbox')).toMatchObject({ state: 'needs_connection' });
    const event = await eventually(
      async () =>
        (await connectorEvents()).find((e) => e.type === 'connector.SyncFailed' && e.data.kind === 'credential'),
      'connector.SyncFailed',
    );
    expect(event.data).toMatchObject({ connectionId: id, kind: 'credential', willRetry: false });
    const health = (await hub.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.checks.connectors.details.inError).toBe(1);
    // No secret in any connection row or event.
    const stored = await hub.db.asOwner(async (tx) => {
      const rows = await tx.query<{ text: string }>(`SELECT row_to_json(c)::text AS text FROM made_open.connections c`);
      const events = await tx.query<{ text: string }>(`SELECT row_to_json(o)::text AS text FROM made_open.outbox o`);
      return [...rows.rows, ...events.rows].map((r) => r.text).join('\n');
    });
    for (const secret of [acme.secret.apiKey, acme.secret.webhookSecret]) expect(stored).not.toContain(secret);
  });
});
