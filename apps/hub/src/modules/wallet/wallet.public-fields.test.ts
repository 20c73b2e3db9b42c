import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../composition.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { installAndConsent, manifest, runPlugin } from '../plugins/test/fixtures.ts';
import type { WalletModule } from './index.ts';
import { createKeyRing, kekFromMasterKey, sealSecret } from './wallet.crypto.ts';
import { findSecret } from './wallet.public.ts';
import { walletRepository } from './wallet.repository.ts';
import { providerRegistry, publicFieldsOf } from '@made-open/shared/providers';

const publicFields = (type: string) => publicFieldsOf(providerRegistry.require(type));

/**
 * Public credential fields are copied to plugins in clear (ctx.config.credentials.<name>.public),
 * so a secret smuggled into one (https://admin:PASS@host/?token=TOK) must be refused on write,
 * and a row stored before that check must not hand it out through the API, describe or unseal.
 */
const host = 'ollama.example.com';
const accountSid = `AC${randomBytes(16).toString('hex')}`;

/** Every way to hide `c` in a public value that we refuse. */
function attacks(c: string): string[] {
  const names = ['token', 'key', 'apikey', 'api_key', 'Api-Key', 'secret', 'password', 'pass', 'auth'];
  names.push('sig', 'signature', 'access_token', 'code', 'X-Amz-Signature', 'client_secret', 'refresh_token');
  return [
    `https://admin:${c}@${host}/`,
    `https://${c}@${host}/`,
    `https:admin:${c}@${host}`,
    `https://admin%3A${c}@${host}/`,
    `https://${host}/?model=llama3#token=${c}`,
    ...names.map((n) => `https://${host}/?model=llama3&${n}=${c}`),
    `https://${host}/#${c}`,
    `https://${host}/#access_token=${c}`,
    `https://${host}/?%74oken=${c}`,
    `https://${host}/?%2574oken=${c}`,
    `https://${host}/?q=%26token%3D${c}`,
    `https://${host}/?to\tken=${c}`,
    `https://${host}/;token=${c}`,
    `https://${host}/token=${c}`,
    `https://${host}/?next=${encodeURIComponent(`https://u:${c}@other.example.com/`)}`,
  ];
}

/** A valid secret per type; the loop below replaces one public field at a time. */
const validSecret: Record<string, Record<string, unknown>> = {
  twilio: { accountSid, authToken: `tw-${randomBytes(12).toString('hex')}` },
  openrouter: { apiKey: `sk-or-${randomBytes(12).toString('hex')}` },
  microsoft: {
    clientId: '3f1c2a8e-4b7d-4c61-9a0e-5d2b8c7f6e10',
    clientSecret: `ms-${randomBytes(12).toString('hex')}`,
    tenantId: 'contoso.onmicrosoft.com',
  },
  ollama: { url: `http://${host}:11434` },
  generic: { headers: { 'x-api-key': `gen-${randomBytes(12).toString('hex')}` }, allowedHosts: ['api.example.com'] },
};

describe('finding secrets in public values', () => {
  it('finds every attack and leaves plain base URLs and ids alone', () => {
    for (const value of attacks('CANARY-1234')) expect(findSecret(value), value).toBeDefined();
    for (const value of [`http://${host}:11434`, 'http://127.0.0.1:11434/v1', `https://${host}/?model=llama3`])
      expect(findSecret(value), value).toBeUndefined();
    for (const value of [accountSid, 'contoso.onmicrosoft.com', '3f1c2a8e-4b7d-4c61-9a0e-5d2b8c7f6e10', 'AC…abcd'])
      expect(findSecret(value), value).toBeUndefined();
  });
});

describe.each(testDatabaseKinds())('credential public fields on %s', (kind) => {
  let database: TestDatabase;
  let hub: Hub;
  let wallet: WalletModule;
  let alice: SignedUpUser;
  const logs: string[] = [];
  const canaries: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-wallet-public-'));
  const canary = () => {
    const value = `CANARY${randomBytes(8).toString('hex')}`;
    canaries.push(value);
    return value;
  };
  const expectNoCanary = (text: string, what: string) => {
    for (const value of canaries) expect(text, what).not.toContain(value);
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'trace', PORT: '0' });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    hub = await composeHub(config, createLogger('trace', sink), database.db);
    wallet = hub.modules.find((m) => m.name === 'wallet') as WalletModule;
    alice = await signUpUser(hub);
  }, 120_000);
  afterAll(async () => {
    await hub?.close().catch(() => undefined);
    await database?.drop().catch(() => undefined);
  }, 120_000);

  const send = (method: 'POST' | 'PUT', url: string, payload: object) =>
    hub.app.inject({ method, url, headers: bearer(alice), payload });

  /** What a bound plugin gets: plugins.service load() copies these from unseal(). */
  async function publicPart(id: string) {
    const unsealed = await wallet.service.unseal(alice.id, id);
    const secret = unsealed!.secret as Record<string, unknown>;
    return Object.fromEntries(publicFields(unsealed!.type).map((f) => [f, String(secret[f] ?? '')]));
  }

  it('refuses a secret in any public field of every type, on create and on replace', async () => {
    const visited: string[] = [];
    for (const type of providerRegistry.ids()) {
      visited.push(type);
      const created = await send('POST', '/api/v1/credentials', {
        type,
        name: `${type} ok`,
        secret: validSecret[type],
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      const before = await publicPart(id);
      for (const field of publicFields(type)) {
        for (const value of attacks(canary())) {
          const secret = { ...validSecret[type], [field]: value };
          for (const [method, url] of [
            ['POST', '/api/v1/credentials'],
            ['PUT', `/api/v1/credentials/${id}`],
          ] as const) {
            const response = await send(method, url, { type, name: `${type} attack`, secret });
            const what = `${method} ${type}.${field} = ${JSON.stringify(value)}`;
            expect(response.statusCode, what).toBe(400);
            expectNoCanary(response.body, what);
            if (type === 'ollama') {
              // Our check, not the field's format, refused it: the message says where secrets go.
              expect(response.json().error.message, what).toContain('generic credential');
              expect(response.json().error.details, what).toMatchObject({ field: `secret.${field}` });
            }
          }
        }
      }
      // Nothing was stored or replaced.
      expect(await publicPart(id)).toEqual(before);
    }
    expect(visited).toEqual(['twilio', 'openrouter', 'microsoft', 'ollama', 'generic']);
    const list = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    expect(list.json().credentials).toHaveLength(visited.length);
    expectNoCanary(list.body, 'list');
  }, 120_000);

  it('hands out no secret from a row stored before the check: API, describe, unseal, plugin, logs', async () => {
    const created = await send('POST', '/api/v1/credentials', {
      type: 'ollama',
      name: 'old row',
      secret: validSecret.ollama,
    });
    const id = created.json().id as string;
    const pass = canary();
    const token = canary();
    const raw = `https://admin:${pass}@${host}/?model=llama3&token=${token}`;
    // Written the way an older hub version stored it: sealed as given, and hinted in clear.
    const ring = createKeyRing(kekFromMasterKey(readFileSync(join(dataDir, 'wallet-master-key'), 'utf8')));
    const sealed = sealSecret(ring, alice.id, id, { url: raw });
    await hub.db.asSystem((tx) =>
      walletRepository.replace(tx, {
        id,
        ownerId: alice.id,
        type: 'ollama',
        name: 'old row',
        hints: { url: raw },
        fields: ['url'],
        ...sealed,
      }),
    );

    const one = await hub.app.inject({ method: 'GET', url: `/api/v1/credentials/${id}`, headers: bearer(alice) });
    expect(one.statusCode).toBe(200);
    expectNoCanary(one.body, 'GET one');
    const list = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    expectNoCanary(list.body, 'GET list');
    expectNoCanary(JSON.stringify(await wallet.service.describe(alice.id, id)), 'describe');
    expect(await publicPart(id)).toEqual({ url: `https://${host}/?model=llama3` });

    // The attack end to end: a plugin bound to the credential reads its public part.
    const m = manifest('reads-url', ['credentials:ollama'], { credentials: [{ name: 'model', type: 'ollama' }] });
    const bundle = 'module.exports = { async run(input, ctx) { return ctx.config.credentials.model; } };';
    await installAndConsent(hub, alice, m, bundle, { credentials: { model: id } });
    const run = await runPlugin(hub, alice, 'reads-url');
    expect(run.outcome, run.error ?? '').toBe('ok');
    expect(run.result.public).toEqual({ url: `https://${host}/?model=llama3` });
    expectNoCanary(JSON.stringify(run), 'plugin run');
  }, 120_000);

  it('never writes a canary to a log line, and says which credential to replace', () => {
    const all = logs.join('');
    expect(all).toContain('credential has a secret in a public field');
    expectNoCanary(all, 'logs');
  });
});
