import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildPlugin } from '@made-open/plugin-sdk/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createEventOutbox } from '../events/index.ts';
import { createPluginsModule, readPluginFolder, type PluginsModule } from './index.ts';
import { actionsFor, modulesOf } from './test/fixtures.ts';

/** The SDK's two example plugins, built with its build command and run in the hub. */
const examples = fileURLToPath(new URL('../../../../../packages/plugin-sdk/examples/', import.meta.url));
const apiKey = 'enrich-key-0123456789abcdef';

describe.each(testDatabaseKinds())('example plugins on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let plugins: PluginsModule;
  let server: Server;
  let port: number;
  const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];

  beforeAll(async () => {
    await buildPlugin(`${examples}birthday-reminder`);
    await buildPlugin(`${examples}contact-enricher`);
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    // A stand-in enrichment API: answers only with the right key.
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers['x-api-key'] !== apiKey) return res.writeHead(401).end('{"error":"bad key"}');
      if (url.pathname === '/v1/people' && url.searchParams.get('email') === 'ada@example.com') {
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ organization: 'Analytical Engines Ltd', jobTitle: 'Mathematician' }));
      }
      res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const { wallet, policy } = modulesOf(hub);
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
              host === 'api.enrich.example.com'
                ? [{ address: '127.0.0.1', family: 4 }]
                : Promise.reject(new Error('ENOTFOUND')),
            allowPrivate: ({ address, port: p }) => address === '127.0.0.1' && p === port,
          }),
          credentialsOverHttp: true,
        },
      }),
    });
  });
  afterAll(async () => {
    await plugins?.stop?.();
    await hub?.close();
    await new Promise((r) => server?.close(r));
  });

  const person = async (title: string, properties: Record<string, unknown>) => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(alice),
      payload: { type: 'person', title, properties },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string };
  };

  it('birthday-reminder creates one task per upcoming birthday on its schedule', async () => {
    const pkg = readPluginFolder(`${examples}birthday-reminder/dist`);
    await plugins.service.install(alice, pkg);
    await plugins.service.consent(alice, 'birthday-reminder', {
      permissions: pkg.manifest.permissions,
      config: { daysAhead: 3 },
    });
    await person('Grace Hopper', { birthday: '1906-12-09' });
    await person('Alan Turing', { birthday: '--06-23' });
    await person('No Birthday', {});
    const first = await plugins.service.runDueSchedules(new Date('2026-12-07T07:00:00Z'));
    const mine = first.find((r) => (r.result as { created?: unknown })?.created);
    expect(mine?.outcome, mine?.error ?? '').toBe('ok');
    expect((mine!.result as { created: string[] }).created).toHaveLength(1);
    const tasks = (
      await hub.app.inject({ method: 'GET', url: '/api/v1/entities?type=task', headers: bearer(alice) })
    ).json().items;
    expect(tasks).toEqual([
      expect.objectContaining({
        title: 'Birthday: Grace Hopper in 2 days',
        properties: expect.objectContaining({ dueAt: '2026-12-09', status: 'todo' }),
      }),
    ]);
    // Running again the same day creates nothing new.
    const again = await plugins.service.run(
      alice.id,
      'birthday-reminder',
      'manual',
      { today: '2026-12-07T12:00:00Z' },
      null,
    );
    expect(again.result).toEqual({ created: [] });
  });

  it('contact-enricher looks a new contact up at its allow-listed API with the bound key and fills in the gaps', async () => {
    const pkg = readPluginFolder(`${examples}contact-enricher/dist`);
    const credential = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer(alice),
      payload: {
        type: 'generic',
        name: 'Enrich API',
        secret: { headers: { 'x-api-key': apiKey }, allowedHosts: ['api.enrich.example.com'] },
      },
    });
    await plugins.service.install(alice, pkg);
    await plugins.service.consent(alice, 'contact-enricher', {
      permissions: pkg.manifest.permissions,
      credentials: { enrichApi: credential.json().id },
      config: { apiBase: `http://api.enrich.example.com:${port}` },
    });
    const ada = await person('Ada Lovelace', { emails: ['ada@example.com'] });
    const event = {
      id: '0190a0b0-0000-7000-8000-00000000ada1',
      type: 'data.EntityCreated',
      ownerId: alice.id,
      subject: ada.id,
      time: new Date().toISOString(),
      actor: { kind: 'user' as const, id: alice.id },
      data: { entity: { id: ada.id, type: 'person', source: null } },
      v: 1,
    };
    const results = await plugins.service.dispatchEvent(event);
    const enricher = results.find((r) => (r.result as { enriched?: string })?.enriched);
    expect(enricher?.result).toEqual({
      enriched: ada.id,
      organization: 'Analytical Engines Ltd',
      jobTitle: 'Mathematician',
    });
    const stored = (
      await hub.app.inject({ method: 'GET', url: `/api/v1/entities/${ada.id}`, headers: bearer(alice) })
    ).json();
    expect(stored.properties).toMatchObject({
      organization: 'Analytical Engines Ltd',
      jobTitle: 'Mathematician',
      emails: ['ada@example.com'],
    });
    expect(seen.at(-1)?.headers['x-api-key']).toBe(apiKey);
    // Unknown contacts are skipped, not failed.
    const bob = await person('Unknown Person', { emails: ['nobody@example.com'] });
    expect(
      (await plugins.service.run(alice.id, 'contact-enricher', 'manual', { personId: bob.id }, null)).result,
    ).toEqual({ skipped: 'unknown to the API' });
  });
});
