import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../composition.ts';
import { loadConfig } from '../../platform/config.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createEventOutbox } from '../events/index.ts';
import type { WalletModule } from './index.ts';
import { noConnectionsYet } from './wallet.capabilities.ts';
import { createKeyRing, kekFromMasterKey, openSecret } from './wallet.crypto.ts';
import { createProviderTester } from './wallet.providers.ts';
import { walletRepository } from './wallet.repository.ts';
import { createWalletService } from './wallet.service.ts';
import { startProviderStandIn, type StandIn } from './test/provider-stand-in.ts';

/** Canary secrets: none of these may ever appear in a response, log line, event or error. */
const canary = {
  twilioToken: `tw-canary-${randomBytes(12).toString('hex')}`,
  openrouterKey: `sk-or-canary-${randomBytes(12).toString('hex')}`,
  msSecret: `ms-canary-${randomBytes(12).toString('hex')}`,
  genericHeader: `gen-canary-${randomBytes(12).toString('hex')}`,
};
const canaries = Object.values(canary);
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const msClientId = '3f1c2a8e-4b7d-4c61-9a0e-5d2b8c7f6e10';

function expectNoCanary(text: string) {
  for (const value of canaries) expect(text).not.toContain(value);
}

describe.each(testDatabaseKinds())('credential wallet on %s', (kind) => {
  let database: TestDatabase;
  let hub: Hub;
  let wallet: WalletModule;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let standIn: StandIn;
  const logs: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-wallet-'));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    standIn = await startProviderStandIn({
      twilio: { accountSid, authToken: canary.twilioToken },
      openrouterKey: canary.openrouterKey,
      microsoft: { tenantId: 'contoso.onmicrosoft.com', clientId: msClientId, clientSecret: canary.msSecret },
    });
    // The stand-in plays every provider, as an operator's configured base URLs (so its loopback address is allowed).
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'trace',
      PORT: '0',
      TWILIO_API_URL: standIn.url,
      OPENROUTER_URL: `${standIn.url}/api/v1`,
      MSGRAPH_LOGIN_URL: standIn.url,
      OLLAMA_URL: standIn.url,
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    hub = await composeHub(config, createLogger('trace', sink), database.db);
    wallet = hub.modules.find((m) => m.name === 'wallet') as WalletModule;
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  });
  afterAll(async () => {
    await hub?.close().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    await standIn?.close();
  });

  const post = (user: SignedUpUser, payload: unknown) =>
    hub.app.inject({ method: 'POST', url: '/api/v1/credentials', headers: bearer(user), payload: payload as object });

  async function outboxOf(ownerId: string) {
    return hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ type: string; data: unknown; subject: string }>(
            `SELECT type, data, subject FROM made_open.outbox WHERE owner_id = $1 ORDER BY id`,
            [ownerId],
          )
        ).rows,
    );
  }

  it('stores each credential type, answers with masked metadata only, and keeps ciphertext at rest', async () => {
    const responses = await Promise.all([
      post(alice, { type: 'twilio', name: 'Twilio main', secret: { accountSid, authToken: canary.twilioToken } }),
      post(alice, { type: 'openrouter', name: 'OpenRouter', secret: { apiKey: canary.openrouterKey } }),
      post(alice, {
        type: 'microsoft',
        name: 'M365',
        secret: { clientId: msClientId, clientSecret: canary.msSecret, tenantId: 'contoso.onmicrosoft.com' },
      }),
      post(alice, { type: 'ollama', name: 'Local model', secret: { url: standIn.url } }),
      post(alice, {
        type: 'generic',
        name: 'Weather API',
        secret: { headers: { 'x-api-key': canary.genericHeader }, allowedHosts: ['api.weather.example'] },
      }),
    ]);
    for (const response of responses) {
      expect(response.statusCode, response.body).toBe(201);
      expectNoCanary(response.body);
    }
    const twilio = responses[0]!.json();
    expect(twilio).toMatchObject({ type: 'twilio', name: 'Twilio main', fields: ['accountSid', 'authToken'] });
    expect(twilio.hints.accountSid).toBe(`AC…${accountSid.slice(-4)}`);
    expect(twilio.hints.accountSid).not.toBe(accountSid);

    const list = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    expect(list.statusCode).toBe(200);
    expect(list.json().credentials).toHaveLength(5);
    expectNoCanary(list.body);

    const raw = await hub.db.asSystem(
      async (tx) => (await tx.query(`SELECT * FROM made_open.credentials WHERE owner_id = $1`, [alice.id])).rows,
    );
    expect(raw).toHaveLength(5);
    expectNoCanary(JSON.stringify(raw));
    expect(JSON.stringify(raw)).not.toContain(accountSid);
  });

  it("hides one user's credentials from another: 404 for get, replace, delete and test", async () => {
    const created = (
      await post(alice, { type: 'openrouter', name: 'Second key', secret: { apiKey: canary.openrouterKey } })
    ).json();
    for (const [method, url] of [
      ['GET', `/api/v1/credentials/${created.id}`],
      ['DELETE', `/api/v1/credentials/${created.id}`],
      ['POST', `/api/v1/credentials/${created.id}/test`],
    ] as const) {
      const response = await hub.app.inject({ method, url, headers: bearer(bob) });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const put = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/credentials/${created.id}`,
      headers: bearer(bob),
      payload: { type: 'openrouter', name: 'stolen', secret: { apiKey: 'sk-or-bob-0000000000' } },
    });
    expect(put.statusCode).toBe(404);
    expect(
      (await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(bob) })).json().credentials,
    ).toEqual([]);
    // Unauthenticated callers get 401.
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/credentials' })).statusCode).toBe(401);
  });

  it('rejects invalid input with a 400 that does not echo the secret', async () => {
    const bad = await post(alice, {
      type: 'twilio',
      name: 'bad',
      secret: { accountSid: canary.twilioToken, authToken: 'short' },
    });
    expect(bad.statusCode).toBe(400);
    expectNoCanary(bad.body);
    const unknownType = await post(alice, { type: 'stripe', name: 'x', secret: { key: canary.genericHeader } });
    expect(unknownType.statusCode).toBe(400);
    expectNoCanary(unknownType.body);
  });

  it('emits capability.Changed through the outbox when a tested credential switches capabilities on and off', async () => {
    const carol = await signUpUser(hub);
    const created = (
      await post(carol, { type: 'twilio', name: 'T', secret: { accountSid, authToken: canary.twilioToken } })
    ).json();
    const capabilities = async () =>
      (await hub.app.inject({ method: 'GET', url: '/api/v1/capabilities', headers: bearer(carol) })).json() as {
        capabilities: { name: string; enabled: boolean; state: string; reason: string | null }[];
      };
    const enabled = (c: Awaited<ReturnType<typeof capabilities>>) =>
      c.capabilities.filter((x) => x.enabled).map((x) => x.name);
    const one = (c: Awaited<ReturnType<typeof capabilities>>, name: string) =>
      c.capabilities.find((x) => x.name === name);
    // Held but not tested: nothing is on yet.
    let caps = await capabilities();
    expect(enabled(caps)).toEqual([]);
    expect(one(caps, 'video')).toMatchObject({ state: 'not_tested', reason: expect.stringContaining('“T”') });
    expect(one(caps, 'sms')?.reason).toMatch(/Test “T”.* Then it also needs a connected number\./);
    expect(one(caps, 'ai.cloud')).toMatchObject({ state: 'needs_credential', reason: 'Needs an OpenRouter key.' });

    const tested = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${created.id}/test`,
      headers: bearer(carol),
    });
    expect(tested.json()).toMatchObject({ ok: true, provider: 'Twilio' });
    caps = await capabilities();
    // Video needs the tested credential only; sms and voice also need a connected number,
    // and no connector exists yet to connect one.
    expect(enabled(caps)).toEqual(['video']);
    for (const name of ['sms', 'voice'])
      expect(one(caps, name)).toMatchObject({
        enabled: false,
        state: 'needs_connection',
        reason: 'Needs a connected number.',
      });
    // A second, untested Twilio credential changes nothing: no second capability.Changed.
    const second = (
      await post(carol, { type: 'twilio', name: 'T2', secret: { accountSid, authToken: canary.twilioToken } })
    ).json();
    await hub.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${second.id}`, headers: bearer(carol) });
    expect(
      (await hub.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${created.id}`, headers: bearer(carol) }))
        .statusCode,
    ).toBe(204);
    expect(enabled(await capabilities())).toEqual([]);

    const events = await outboxOf(carol.id);
    expectNoCanary(JSON.stringify(events));
    const changes = events
      .filter((e) => e.type === 'capability.Changed')
      .map((e) => e.data as { added: string[]; removed: string[]; cause: { change: string } });
    expect(changes).toEqual([
      expect.objectContaining({ added: ['video'], removed: [], cause: expect.objectContaining({ change: 'tested' }) }),
      expect.objectContaining({ added: [], removed: ['video'], cause: expect.objectContaining({ change: 'removed' }) }),
    ]);
    expect(events.filter((e) => e.type.startsWith('wallet.')).map((e) => e.type)).toEqual([
      'wallet.CredentialAdded',
      'wallet.CredentialAdded',
      'wallet.CredentialRemoved',
      'wallet.CredentialRemoved',
    ]);
  });

  it('keeps the last test result, time and reason until the next test; replacing the secret clears them', async () => {
    const dave = await signUpUser(hub);
    const created = (
      await post(dave, { type: 'twilio', name: 'D', secret: { accountSid, authToken: `${canary.twilioToken}x` } })
    ).json();
    expect(created).toMatchObject({ lastTestOk: null, lastTestedAt: null, lastTestMessage: null });
    const test = () =>
      hub.app.inject({ method: 'POST', url: `/api/v1/credentials/${created.id}/test`, headers: bearer(dave) });
    const get = async () =>
      (await hub.app.inject({ method: 'GET', url: `/api/v1/credentials/${created.id}`, headers: bearer(dave) })).json();
    expect((await test()).json()).toMatchObject({ ok: false });
    const failed = await get();
    expect(failed).toMatchObject({ lastTestOk: false, lastTestMessage: expect.stringContaining('20003') });
    expect(failed.lastTestedAt).toEqual(expect.any(String));
    expectNoCanary(JSON.stringify(failed));
    const caps = (await hub.app.inject({ method: 'GET', url: '/api/v1/capabilities', headers: bearer(dave) })).json();
    expect(caps.capabilities.find((c: { name: string }) => c.name === 'video')).toMatchObject({
      enabled: false,
      state: 'test_failed',
    });

    const put = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/credentials/${created.id}`,
      headers: bearer(dave),
      payload: { type: 'twilio', name: 'D', secret: { accountSid, authToken: canary.twilioToken } },
    });
    expect(put.json()).toMatchObject({ lastTestOk: null, lastTestedAt: null, lastTestMessage: null });
    expect((await test()).json()).toMatchObject({ ok: true });
    expect(await get()).toMatchObject({ lastTestOk: true, lastTestMessage: 'Twilio accepted these credentials.' });
  });

  it('replaces a credential in place (PUT) and re-encrypts it', async () => {
    const created = (
      await post(alice, { type: 'openrouter', name: 'Old', secret: { apiKey: 'sk-or-old-000000000000' } })
    ).json();
    const put = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/credentials/${created.id}`,
      headers: bearer(alice),
      payload: { type: 'openrouter', name: 'New', secret: { apiKey: canary.openrouterKey } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: created.id, name: 'New' });
    expectNoCanary(put.body);
    const unsealed = await wallet.service.unseal(alice.id, created.id);
    expect(unsealed?.secret).toEqual({ apiKey: canary.openrouterKey });
  });

  it('tests an Ollama credential through the API against a stand-in server', async () => {
    const created = (await post(alice, { type: 'ollama', name: 'Ollama', secret: { url: standIn.url } })).json();
    const response = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${created.id}/test`,
      headers: bearer(alice),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ ok: true, provider: 'Ollama', details: { models: 1 } });
    const after = (
      await hub.app.inject({ method: 'GET', url: `/api/v1/credentials/${created.id}`, headers: bearer(alice) })
    ).json();
    expect(after.lastTestOk).toBe(true);
  });

  it('refuses to test an Ollama URL on a private address the operator did not configure, and reaches nothing there', async () => {
    const victim = await startProviderStandIn({
      twilio: { accountSid, authToken: canary.twilioToken },
      openrouterKey: canary.openrouterKey,
      microsoft: { tenantId: 'contoso.onmicrosoft.com', clientId: msClientId, clientSecret: canary.msSecret },
    });
    try {
      for (const url of [victim.url, 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5:11434']) {
        const created = (await post(alice, { type: 'ollama', name: 'Probe', secret: { url } })).json();
        const response = await hub.app.inject({
          method: 'POST',
          url: `/api/v1/credentials/${created.id}/test`,
          headers: bearer(alice),
        });
        expect(response.statusCode, url).toBe(200);
        expect(response.json(), url).toMatchObject({
          ok: false,
          message: expect.stringContaining('private or loopback address'),
        });
      }
      expect(victim.requests).toEqual([]);
    } finally {
      await victim.close();
    }
  });

  it('tests Twilio, OpenRouter and Microsoft credentials against the stand-in, without echoing secrets', async () => {
    const urls = {
      TWILIO_API_URL: standIn.url,
      OPENROUTER_URL: `${standIn.url}/api/v1`,
      MSGRAPH_LOGIN_URL: standIn.url,
    };
    const outbound = createOutboundClient({ allowPrivate: ({ url }) => url.origin === standIn.url });
    const tester = createProviderTester({ outbound, urls });
    expect(await tester('twilio', { accountSid, authToken: canary.twilioToken })).toMatchObject({
      ok: true,
      details: { accountStatus: 'active' },
    });
    const badTwilio = await tester('twilio', { accountSid, authToken: `${canary.twilioToken}x` });
    expect(badTwilio).toMatchObject({ ok: false, details: { status: 401 } });
    expect(badTwilio.message).toContain('20003');
    expectNoCanary(JSON.stringify(badTwilio));
    expect(await tester('openrouter', { apiKey: canary.openrouterKey })).toMatchObject({
      ok: true,
      details: { usage: 0.25 },
    });
    const badOr = await tester('openrouter', { apiKey: 'sk-or-wrong-key-000' });
    expect(badOr.ok).toBe(false);
    expect(badOr.message).toContain('No auth credentials found');
    const ms = { clientId: msClientId, clientSecret: canary.msSecret, tenantId: 'contoso.onmicrosoft.com' };
    expect(await tester('microsoft', ms)).toMatchObject({ ok: true });
    // The test checks the tenant (no secret is sent: a public client has none); the sign-in checks the rest.
    expect(await tester('microsoft', { clientId: msClientId, tenantId: 'common' })).toMatchObject({ ok: true });
    const badMs = await tester('microsoft', { ...ms, tenantId: 'no-such-tenant.example' });
    expect(badMs).toMatchObject({ ok: false });
    expect(badMs.message).toContain('invalid_tenant');
    // Port 9 (discard) on loopback, allowed here so the test reaches "nothing listens" rather than the guard.
    const unreachable = await createProviderTester({
      outbound: createOutboundClient({ allowPrivate: () => true }),
      urls: { ...urls, TWILIO_API_URL: 'http://127.0.0.1:9' },
      timeoutMs: 2000,
    })('twilio', { accountSid, authToken: canary.twilioToken });
    expect(unreachable).toMatchObject({ ok: false, message: expect.stringContaining('Could not reach Twilio') });
    expectNoCanary(JSON.stringify(unreachable));
    // The stand-in saw Twilio's documented Basic auth and OpenRouter's Bearer.
    expect(standIn.requests.some((r) => r.url === `/2010-04-01/Accounts/${accountSid}.json`)).toBe(true);
  });

  it('binds ciphertext to owner and id (AAD), and rotation re-wraps every key in one step', async () => {
    const created = (
      await post(alice, { type: 'twilio', name: 'Bound', secret: { accountSid, authToken: canary.twilioToken } })
    ).json();
    const row = await hub.db.asSystem((tx) => walletRepository.get(tx, alice.id, created.id));
    const sealed = { ciphertext: row!.ciphertext, wrappedKey: row!.wrapped_key, kekId: row!.kek_id };
    const ring = createKeyRing(kekFromMasterKey(readFileSync(join(dataDir, 'wallet-master-key'), 'utf8')));
    expect(statSync(join(dataDir, 'wallet-master-key')).mode & 0o777).toBe(0o600);
    expect(() => openSecret(ring, bob.id, created.id, sealed)).toThrow(/could not be decrypted/);
    expect(() => openSecret(ring, alice.id, '0190a0b0-0000-7000-8000-000000000000', sealed)).toThrow(
      /could not be decrypted/,
    );

    // Rotation through the service, as the wallet:rotate-key command does it.
    const next = kekFromMasterKey(randomBytes(32).toString('base64'));
    const service = createWalletService({
      db: hub.db,
      repository: walletRepository,
      outbox: createEventOutbox(),
      keyRing: () => createKeyRing(next),
      testProvider: createProviderTester({ outbound: createOutboundClient(), urls: { TWILIO_API_URL: standIn.url } }),
      connections: noConnectionsYet,
      logger: createLogger('silent'),
    });
    const { rewrapped } = await service.rotateKey(ring, next);
    const total = await hub.db.asSystem(
      async (tx) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM made_open.credentials`)).rows[0]!.n,
    );
    expect(rewrapped).toBe(total);
    const kekIds = await hub.db.asSystem(
      async (tx) => (await tx.query<{ kek_id: string }>(`SELECT DISTINCT kek_id FROM made_open.credentials`)).rows,
    );
    expect(kekIds).toEqual([{ kek_id: next.id }]);
    expect((await service.unseal(alice.id, created.id))?.secret).toEqual({ accountSid, authToken: canary.twilioToken });
    // The old key no longer opens anything; rotate back so the hub's own ring works again.
    await expect(wallet.service.unseal(alice.id, created.id)).rejects.toThrow(/could not be decrypted/);
    await service.rotateKey(createKeyRing(next), ring.current);
    expect((await wallet.service.unseal(alice.id, created.id))?.secret).toEqual({
      accountSid,
      authToken: canary.twilioToken,
    });
  });

  it('never writes a secret to a log line', () => {
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).toContain('credential tested');
    expectNoCanary(all);
  });
});
