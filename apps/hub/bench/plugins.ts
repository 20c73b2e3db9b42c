/**
 * Plugin runtime benchmark (`pnpm --filter @made-open/hub bench plugins`): cold isolate
 * start, warm invocation overhead, host<->plugin call cost, event-triggered invocations/s
 * through the whole hub (policy checks, run log and policy.Decision events written), and
 * memory per idle plugin — beside a plain in-process call and a raw isolated-vm applySync
 * measured in the same run. Prints a table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ivm from 'isolated-vm';
import { composeHub } from '../src/composition.ts';
import type { PluginsModule } from '../src/modules/plugins/index.ts';
import { validatePackage } from '../src/modules/plugins/plugins.package.ts';
import { PluginSandbox, type HostDispatch } from '../src/modules/plugins/runtime/sandbox.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { createLogger } from '../src/platform/logger.ts';

const limits = { memoryMb: 32, cpuMs: 30_000, wallMs: 60_000 };
const meta = { plugin: { id: 'bench', version: '1.0.0' }, config: { values: {}, credentials: {} } };
const noop: HostDispatch = async () => ({ id: 'x', type: 'note', title: 't' });
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: [string, string, string][] = [];
const row = (what: string, value: string, note = '') => {
  rows.push([what, value, note]);
  process.stderr.write(`  ${what}: ${value}\n`);
};

async function time(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

// 1. Baselines: a plain in-process async call copying the same JSON, and a raw applySync.
const handler = async (input: unknown) => JSON.parse(JSON.stringify({ ok: true, input }));
const plainMs = await time(20_000, () => handler({ n: 1 }));
const rawIsolate = new ivm.Isolate({ memoryLimit: 32 });
const rawContext = await rawIsolate.createContext();
const rawFn = (await rawContext.eval('(function (x) { return x; })', { reference: true })) as ivm.Reference<(x: string) => string>;
const applySyncMs = await time(20_000, () => rawFn.applySync(undefined, ['{"n":1}'], { arguments: { copy: true }, result: { copy: true } }));
const rawHost = new ivm.Reference(async (m: string) => m);
await rawContext.global.set('__h', rawHost);
const rawLoop = (await rawContext.eval(
  `(async function (n) { for (let i = 0; i < n; i++) await __h.apply(undefined, ['x'], { arguments: { copy: true }, result: { promise: true, copy: true } }); })`,
  { reference: true },
)) as ivm.Reference<(n: number) => Promise<void>>;
const rawAsyncCalls = 2000;
let t0 = performance.now();
await rawLoop.apply(undefined, [rawAsyncCalls], { result: { promise: true } });
const rawAsyncHostCallMs = (performance.now() - t0) / rawAsyncCalls;
rawIsolate.dispose();
row('plain in-process call (JSON copy)', us(plainMs), 'baseline');
row('raw applySync (host -> isolate)', us(applySyncMs), 'baseline');
row('raw async Reference.apply (isolate -> host)', us(rawAsyncHostCallMs), 'baseline');

// 2. Cold start: new isolate + context + bootstrap + bundle + first invocation.
const trivial = 'module.exports = { run: (input) => ({ ok: true, input }) };';
const colds: number[] = [];
for (let i = 0; i < 30; i++) {
  const t = performance.now();
  const s = await PluginSandbox.create({ source: trivial, filename: 'bench.js', limits, onCatastrophicError: () => undefined });
  await s.invoke('manual', { n: 1 }, meta, noop);
  colds.push(performance.now() - t);
  s.dispose('bench');
}
const coldMs = p50(colds);
row('cold start + first invocation (p50)', `${coldMs.toFixed(2)} ms`, '');

// 3. Warm invocations.
const warm = await PluginSandbox.create({ source: trivial, filename: 'bench.js', limits, onCatastrophicError: () => undefined });
const warmMs = await time(5000, () => warm.invoke('manual', { n: 1 }, meta, noop));
row('warm invocation, trivial handler', us(warmMs), `${(warmMs / coldMs).toFixed(3)}x cold (goal < 1 ms, <= 0.1x)`);
const oneGet = await PluginSandbox.create({ source: 'module.exports = { run: (i, ctx) => ctx.entities.get("x") };', filename: 'bench.js', limits, onCatastrophicError: () => undefined });
const oneGetMs = await time(5000, () => oneGet.invoke('manual', null, meta, noop));
row('warm invocation, one ctx.entities.get (stub host)', us(oneGetMs), 'ctx round trip without the database');
const loop = await PluginSandbox.create({
  source: 'module.exports = { run: async (n, ctx) => { for (let i = 0; i < n; i++) await ctx.entities.get("x"); return n; } };',
  filename: 'bench.js',
  limits,
  onCatastrophicError: () => undefined,
});
const calls = 1000;
t0 = performance.now();
await loop.invoke('manual', calls, meta, noop);
const hostCallMs = (performance.now() - t0) / calls;
row('host<->plugin ctx call (inside one invocation)', us(hostCallMs), `${(hostCallMs / applySyncMs).toFixed(1)}x raw applySync, ${(hostCallMs / rawAsyncHostCallMs).toFixed(2)}x raw async apply`);
for (const s of [warm, oneGet, loop]) s.dispose('bench');

// 4. Memory per idle plugin.
global.gc?.();
const idle: PluginSandbox[] = [];
const rss0 = process.memoryUsage().rss;
for (let i = 0; i < 50; i++) {
  const s = await PluginSandbox.create({ source: trivial, filename: 'bench.js', limits, onCatastrophicError: () => undefined });
  await s.invoke('manual', null, meta, noop);
  idle.push(s);
}
await new Promise((r) => setTimeout(r, 200));
const rssPer = (process.memoryUsage().rss - rss0) / idle.length;
const heapPer = idle.reduce((sum, s) => sum + s.heapBytes(), 0) / idle.length;
row('memory per idle plugin (process RSS delta / 50)', `${(rssPer / 1048576).toFixed(2)} MiB`, 'goal <= 2 MiB');
row('V8 heap used per idle plugin isolate', `${(heapPer / 1048576).toFixed(2)} MiB`, '');
for (const s of idle) s.dispose('bench');

// 5. Event-triggered invocations through the whole hub on embedded PGlite: trigger index,
// policy check, isolate, one ctx.entities.get against the graph, run log + policy.Decision
// events written in batches.
const dataDir = mkdtempSync(join(tmpdir(), 'made-open-bench-plugins-'));
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0' });
const db = await openPglite();
process.stderr.write('  (starting a hub on PGlite)\n');
const hub = await composeHub(config, createLogger('silent'), db);
process.stderr.write('  (hub started)\n');
const signup = await hub.app.inject({ method: 'POST', url: '/auth/v1/signup', payload: { email: 'bench@example.test', password: 'bench-password-123' } });
const { access_token: token, user } = signup.json() as { access_token: string; user: { id: string } };
const note = (await hub.app.inject({ method: 'POST', url: '/api/v1/entities', headers: { authorization: `Bearer ${token}` }, payload: { type: 'note', title: 'bench' } })).json() as { id: string };
const plugins = hub.modules.find((m) => m.name === 'plugins') as PluginsModule;
const caller = { id: user.id, claims: { role: 'authenticated' as const, sub: user.id } };
const manifest = { id: 'bench-events', name: 'bench', version: '1.0.0', permissions: ['events:subscribe:data.EntityCreated', 'entities:read:note'], triggers: [{ type: 'event', events: ['data.EntityCreated'] }] };
await plugins.service.install(caller, validatePackage(manifest, `module.exports = { onEvent: async (e, ctx) => (await ctx.entities.get('${note.id}')).title };`));
await plugins.service.consent(caller, 'bench-events', { permissions: manifest.permissions });
const trivialManifest = { ...manifest, id: 'bench-trivial', permissions: ['events:subscribe:data.EntityCreated'] };
await plugins.service.install(caller, validatePackage(trivialManifest, 'module.exports = { onEvent: (e) => e.type };'));
const event = (i: number) => ({ id: `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'data.EntityCreated', ownerId: user.id, subject: note.id, time: new Date().toISOString(), actor: { kind: 'user' as const, id: user.id }, data: { entity: { source: null } }, v: 1 });
for (let i = 0; i < 100; i++) await plugins.service.dispatchEvent(event(i));
process.stderr.write('  (warmed up)\n');
for (const [label, concurrency] of [['sequential', 1], ['32 in flight', 32]] as const) {
  const n = 2000;
  let next = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await plugins.service.dispatchEvent(event(1000 + next++));
    }),
  );
  const perSecond = n / ((performance.now() - t0) / 1000);
  row(`event-triggered invocations/s, ${label} (hub on PGlite, 1 plugin w/ ctx.entities.get + 1 pending)`, perSecond.toFixed(0), 'goal >= 1,000/s');
}
await plugins.service.consent(caller, 'bench-trivial', { permissions: trivialManifest.permissions });
{
  const n = 2000;
  let next = 0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => { while (next < n) await plugins.service.dispatchEvent(event(5000 + next++)); }));
  row('event-triggered invocations/s, 2 plugins per event, 32 in flight', ((2 * n) / ((performance.now() - t0) / 1000)).toFixed(0), 'invocations, not events');
}
await hub.close();

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\nplugin runtime (isolated-vm ${'5.0.4'}, Node ${process.version})\n`);
console.log(`${'measure'.padEnd(width)}  ${'value'.padStart(12)}  note`);
for (const [what, value, noteText] of rows) console.log(`${what.padEnd(width)}  ${value.padStart(12)}  ${noteText}`);
