import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { providerRegistry } from '@made-open/shared/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWeather } from '../../../../../packages/shared/test/acme-weather.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createEventOutbox } from '../events/index.ts';
import { createPluginsModule, type PluginsModule } from '../plugins/index.ts';
import { validatePackage } from '../plugins/plugins.package.ts';
import { actionsFor, manifest, modulesOf } from '../plugins/test/fixtures.ts';

/**
 * Adding a provider is one file (packages/shared/test/acme-weather.ts, registered here as a
 * plugin author's hub would register it): the wallet stores and tests its credentials, its
 * capability appears and switches on after a passed test, its public field is checked, and
 * a plugin can send its secret to the provider's hosts only. No migration, no other table.
 */
providerRegistry.register(acmeWeather);

const apiKey = `acme-canary-${randomBytes(12).toString('hex')}`;
const accountId = 'acct_12345678';

/** A stand-in for Acme's API: knows one account and key, and records who sent what to which host. */
async function startAcme() {
  const seen: { host: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ host: String(req.headers.host), url: req.url ?? '', headers: req.headers });
    const json = (status: number, body: unknown) => res.writeHead(status).end(JSON.stringify(body));
    if (req.url === `/v1/accounts/${accountId}`)
      return req.headers['x-acme-key'] === apiKey ? json(200, { id: accountId }) : json(401, { error: 'bad key' });
    if (req.url === '/echo') return json(200, { ok: true });
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const sender = `module.exports = { async run(input, ctx) {
  const key = ctx.config.credentials.acme;
  return ctx.http.fetch(input.url, { credential: { handle: key.handle } })
    .then((r) => ({ ok: true, status: r.status, body: r.body }), (e) => ({ ok: false, code: e.code, message: e.message }));
} };`;

describe.each(testDatabaseKinds())('a provider added with one file, on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let acme: Awaited<ReturnType<typeof startAcme>>;
  let plugins: PluginsModule;
  let credentialId: string;

  beforeAll(async () => {
    acme = await startAcme();
    hub = await createTestHub(kind, { ACME_WEATHER_API_URL: `http://127.0.0.1:${acme.port}` });
    alice = await signUpUser(hub);
    const { wallet, policy } = modulesOf(hub);
    const dns: Record<string, string> = { 'api.acme-weather.example': '127.0.0.1', 'elsewhere.example': '127.0.0.1' };
    const outbox = createEventOutbox();
    plugins = createPluginsModule({
      db: hub.db,
      logger: createLogger('silent'),
      outbox,
      policy: policy.service,
      wallet: wallet.service,
      actions: actionsFor(hub, {
        outbox,
        http: {
          client: createOutboundClient({
            lookup: async (host) =>
              dns[host] ? [{ address: dns[host]!, family: 4 }] : Promise.reject(new Error('ENOTFOUND')),
            allowPrivate: ({ address, port }) => address === '127.0.0.1' && port === acme.port,
          }),
          credentialsOverHttp: true,
          timeoutMs: 3000,
        },
      }),
    });
  }, 180_000);
  afterAll(async () => {
    await plugins?.stop?.();
    await hub?.close();
    await acme?.close();
  }, 180_000);

  const capability = async (name: string) =>
    (
      (await hub.app.inject({ method: 'GET', url: '/api/v1/capabilities', headers: bearer(alice) })).json()
        .capabilities as { name: string; enabled: boolean; state: string; providedBy: string[] }[]
    ).find((c) => c.name === name);

  it('stores its credentials with the public field masked, and refuses a secret smuggled into it', async () => {
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer(alice),
      payload: { type: 'acme-weather', name: 'Acme', secret: { accountId, apiKey } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ type: 'acme-weather', hints: { accountId: 'ac…5678' } });
    expect(created.body).not.toContain(apiKey);
    credentialId = created.json().id;

    const bad = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer(alice),
      payload: { type: 'acme-weather', name: 'Acme', secret: { accountId: 'acct_1', apiKey } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('acct_ followed by 8 digits');
    expect(bad.body).not.toContain(apiKey);
  });

  it('shows its capability off until a test against its configured base URL passes, then on', async () => {
    expect(await capability('weather')).toMatchObject({ enabled: false, state: 'not_tested' });
    const tested = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credentialId}/test`,
      headers: bearer(alice),
    });
    expect(tested.json()).toMatchObject({
      ok: true,
      provider: 'Acme Weather',
      message: 'Acme Weather accepted this key.',
    });
    // The declared test went to ACME_WEATHER_API_URL with the key where the provider says.
    expect(acme.seen.some((s) => s.url === `/v1/accounts/${accountId}` && s.headers['x-acme-key'] === apiKey)).toBe(
      true,
    );
    expect(await capability('weather')).toMatchObject({ enabled: true, state: 'on', providedBy: ['acme-weather'] });
  });

  it("lets a bound plugin send the secret to the provider's hosts only", async () => {
    const m = manifest(
      'acme-sender',
      ['credentials:acme-weather', 'http:fetch:api.acme-weather.example', 'http:fetch:elsewhere.example'],
      {
        credentials: [{ name: 'acme', type: 'acme-weather' }],
      },
    );
    await plugins.service.install(alice, validatePackage(m, sender));
    await plugins.service.consent(alice, 'acme-sender', {
      permissions: m.permissions,
      credentials: { acme: credentialId },
    });
    const send = async (url: string) =>
      (await plugins.service.run(alice.id, 'acme-sender', 'manual', { url }, null)).result as Record<string, unknown>;

    expect(await send(`http://api.acme-weather.example:${acme.port}/echo`)).toMatchObject({ ok: true, status: 200 });
    const refused = await send(`http://elsewhere.example:${acme.port}/echo`);
    expect(refused).toMatchObject({ ok: false, code: 'permission_denied' });
    expect(String(refused.message)).toContain('api.acme-weather.example');

    const echoes = acme.seen.filter((s) => s.url === '/echo');
    expect(echoes.map((s) => s.host.split(':')[0])).toEqual(['api.acme-weather.example']);
    expect(echoes[0]!.headers['x-acme-key']).toBe(apiKey);
  });
});
