import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.ts';
import { createRuntimePool, type BundleSpec, type IsolatePool } from './plugins.runtime.ts';
import { HostCallError, PluginInvocationError, PluginSandbox, type HostDispatch } from './runtime/sandbox.ts';
import { createCrashStrikes } from './runtime/strikes.ts';
import { createRuntimeSupervisor, type RuntimeCrash, type RuntimeSupervisor } from './runtime/supervisor.ts';

/**
 * The runtime pool and sandbox on real isolated-vm isolates: concurrent invocations of one
 * plugin spread over a few isolates but never share one, limits stay per invocation, and a
 * host call that never returns is cut off by the wall clock without blocking the hub.
 */
const limits = { memoryMb: 16, cpuMs: 200, wallMs: 400 };
const meta = { plugin: { id: 'p', version: '1.0.0' }, config: { values: {}, credentials: {} } };

function bundle(source: string, key = 'owner/p', within = limits): BundleSpec {
  return { key, sha: createHash('sha256').update(source).digest('hex'), source, limits: within, pluginId: 'p' };
}
/** For runs held at a host call by the test: no wall-clock limit gets in the way. */
const patient = { memoryMb: 16, cpuMs: 2_000, wallMs: 120_000 };

/** A host whose calls wait until the test releases them. */
function gate() {
  const waiting: (() => void)[] = [];
  const dispatch: HostDispatch = (method) =>
    method === 'storage.get' ? new Promise((resolve) => waiting.push(() => resolve(null))) : Promise.resolve(null);
  return {
    dispatch,
    waiting,
    releaseAll() {
      for (const release of waiting.splice(0)) release();
    },
  };
}

// Each isolate names itself once; a handler reports its isolate and how many handlers were
// inside that isolate at once.
const reporter = `
const isolateId = Math.random().toString(36).slice(2);
let inside = 0, most = 0;
module.exports = { async run(input, ctx) {
  inside++; most = Math.max(most, inside);
  await ctx.storage.get('wait');
  inside--;
  return { isolateId, most };
} };`;

let pool: IsolatePool | undefined;
let supervisor: RuntimeSupervisor | undefined;
afterEach(async () => {
  pool?.close();
  pool = undefined;
  await supervisor?.close();
  supervisor = undefined;
});

const waitFor = async (check: () => boolean) => {
  // Generous: a runtime process can take seconds to start on a loaded machine.
  for (let i = 0; i < 6000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('plugin runtime pool', () => {
  it('spreads concurrent invocations of one plugin over at most maxPerPlugin isolates, one invocation per isolate at a time', async () => {
    pool = createRuntimePool({ logger: createLogger('silent'), maxPerPlugin: 3 });
    const host = gate();
    const runs = Array.from({ length: 7 }, () => pool!.invoke(bundle(reporter), 'manual', null, meta, host.dispatch));
    // Three isolates start and each holds one handler at its host call; the rest queue.
    await waitFor(() => host.waiting.length === 3);
    expect(pool.stats().warm).toBe(3);
    let settled = false;
    const all = Promise.all(runs).finally(() => (settled = true));
    while (!settled) {
      host.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await all;
    const results = (await Promise.all(runs)) as { isolateId: string; most: number }[];
    expect(new Set(results.map((r) => r.isolateId)).size).toBe(3);
    expect(Math.max(...results.map((r) => r.most))).toBe(1);
    // Another plugin gets isolates of its own.
    const other = gate();
    const elsewhere = pool.invoke(bundle(reporter, 'owner/q'), 'manual', null, meta, other.dispatch);
    await waitFor(() => other.waiting.length === 1);
    other.releaseAll();
    expect(results.map((r) => r.isolateId)).not.toContain(((await elsewhere) as { isolateId: string }).isolateId);
    pool.evict('owner/p');
    expect(pool.stats().warm).toBe(1);
  });

  it('stops only the invocation that breaches its CPU limit; one queued behind it runs on a new isolate', async () => {
    pool = createRuntimePool({ logger: createLogger('silent'), maxPerPlugin: 1 });
    const source = 'module.exports = { run: (input) => { if (input.spin) while (true) {} return "ran"; } };';
    const noHost: HostDispatch = async () => null;
    const spinning = pool.invoke(bundle(source), 'manual', { spin: true }, meta, noHost);
    const queued = pool.invoke(bundle(source), 'manual', { spin: false }, meta, noHost);
    await expect(spinning).rejects.toMatchObject({ outcome: 'timeout' });
    await expect(queued).resolves.toBe('ran');
  });

  it('replaces the isolates when the bundle changes', async () => {
    pool = createRuntimePool({ logger: createLogger('silent') });
    const noHost: HostDispatch = async () => null;
    expect(await pool.invoke(bundle('module.exports = { run: () => 1 };'), 'manual', null, meta, noHost)).toBe(1);
    expect(await pool.invoke(bundle('module.exports = { run: () => 2 };'), 'manual', null, meta, noHost)).toBe(2);
    expect(pool.stats().warm).toBe(1);
  });
});

describe('plugin sandbox host calls', () => {
  it('cuts off a host call that never returns at the wall-clock limit while the event loop keeps running', async () => {
    const sandbox = await PluginSandbox.create({
      source: 'module.exports = { run: async (input, ctx) => { await ctx.entities.get("x"); return "finished"; } };',
      filename: 'hang.js',
      limits,
      onCatastrophicError: () => undefined,
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const outcome = await sandbox
      .invoke('manual', null, meta, () => new Promise(() => undefined))
      .catch((e: PluginInvocationError) => e);
    clearInterval(timer);
    expect(outcome).toBeInstanceOf(PluginInvocationError);
    expect((outcome as PluginInvocationError).outcome).toBe('timeout');
    expect(ticks).toBeGreaterThan(limits.wallMs / 10 / 3);
    expect(sandbox.alive).toBe(false);
  });

  it('counts time spent waiting for the host against the wall clock only, not the CPU limit', async () => {
    const sandbox = await PluginSandbox.create({
      source:
        'module.exports = { run: async (input, ctx) => { for (let i = 0; i < 5; i++) await ctx.storage.get("k"); return "patient"; } };',
      filename: 'slow-host.js',
      limits: { memoryMb: 16, cpuMs: 100, wallMs: 2000 },
      onCatastrophicError: () => undefined,
    });
    const slowHost: HostDispatch = () => new Promise((resolve) => setTimeout(() => resolve(null), 60));
    const started = performance.now();
    expect(await sandbox.invoke('manual', null, meta, slowHost)).toBe('patient');
    expect(performance.now() - started).toBeGreaterThan(250);
    sandbox.dispose('test');
  });

  it('hands plugin code plain copies: values, and errors with the host code', async () => {
    const sandbox = await PluginSandbox.create({
      source: `module.exports = { run: async (input, ctx) => {
        const got = await ctx.entities.get('a');
        got.extra = 1;
        const refused = await ctx.storage.set('k', 1).then(() => 'stored', (e) => [e.code, e.message, e instanceof Error]);
        const p = ctx.entities.get('b');
        return { got, refused, isPromise: p instanceof Promise, second: await p };
      } };`,
      filename: 'copies.js',
      limits,
      onCatastrophicError: () => undefined,
    });
    const shared = { id: 'a', title: 'kept' };
    const dispatch: HostDispatch = async (method, args) => {
      if (method === 'storage.set') throw new HostCallError('permission_denied', 'no storage for you');
      return (args as { id: string }).id === 'a' ? shared : { id: 'b' };
    };
    const result = await sandbox.invoke('manual', null, meta, dispatch);
    expect(result).toEqual({
      got: { id: 'a', title: 'kept', extra: 1 },
      refused: ['permission_denied', 'no storage for you', true],
      isPromise: true,
      second: { id: 'b' },
    });
    expect(shared).toEqual({ id: 'a', title: 'kept' });
    sandbox.dispose('test');
  });
});

describe('plugin runtime memory budget', () => {
  it('keeps the isolates within the budget: evicts idle ones (LRU), refuses rather than overcommits', async () => {
    pool = createRuntimePool({ logger: createLogger('silent'), memoryBudgetMb: 40 });
    const host = gate();
    const busy = ['owner/a', 'owner/b'].map((key) =>
      pool!.invoke(bundle(reporter, key, patient), 'manual', null, meta, host.dispatch),
    );
    await waitFor(() => host.waiting.length === 2);
    expect(pool.stats().reservedMb).toBe(32);
    // Both 16 MB isolates are busy: a third plugin finds no room and is told so.
    await expect(
      pool.invoke(bundle('module.exports = { run: () => "c" };', 'owner/c'), 'manual', null, meta, host.dispatch),
    ).rejects.toMatchObject({ outcome: 'error', message: expect.stringMatching(/memory budget \(40 MB/) });
    host.releaseAll();
    await Promise.all(busy);
    // Now idle: the least recently used one makes room.
    expect(
      await pool.invoke(bundle('module.exports = { run: () => "c" };', 'owner/c'), 'manual', null, meta, host.dispatch),
    ).toBe('c');
    expect(pool.stats()).toMatchObject({ warm: 2, reservedMb: 32 });
  });
});

describe('crash strikes', () => {
  it('disables a plugin alone in flight at once, and plugins sharing crashes at their second strike', async () => {
    const disabled: string[] = [];
    const strikes = createCrashStrikes({
      logger: createLogger('silent'),
      disable: async (ownerId, pluginId, reason) => disabled.push(`${ownerId}/${pluginId}: ${reason}`),
    });
    const suspect = (id: string) => ({ key: `o/${id}`, pluginId: id, ownerId: 'o' });
    await strikes.crashed({ reason: 'it exited with code 134', suspects: [suspect('a'), suspect('b')] });
    expect(disabled).toEqual([]);
    expect(strikes.strikesOf('o/a')).toBe(1);
    await strikes.crashed({ reason: 'it was killed by SIGABRT', suspects: [suspect('a'), suspect('c')] });
    expect(disabled).toEqual(['o/a: The plugin runtime went down while it ran: it was killed by SIGABRT']);
    await strikes.crashed({ reason: 'x', suspects: [suspect('d')] });
    expect(disabled).toHaveLength(2);
    expect(disabled[1]).toMatch(/^o\/d: /);
    expect(strikes.strikesOf('o/b')).toBe(1);
  });
});

describe('plugin runtime process', () => {
  const waiting = `module.exports = { run: async (input, ctx) => { await ctx.storage.get('k'); return 'answered'; } };`;
  const start = (options: Partial<Parameters<typeof createRuntimeSupervisor>[0]> = {}) => {
    const crashes: RuntimeCrash[] = [];
    supervisor = createRuntimeSupervisor({
      logger: createLogger('silent'),
      heartbeatMs: 50,
      deadlineMs: 2_000,
      onCrash: (crash) => crashes.push(crash),
      ...options,
    });
    return { supervisor, crashes };
  };

  it('runs plugins in another process and answers their ctx calls with the hub dispatch', async () => {
    const { supervisor } = start();
    const dispatch: HostDispatch = async (method, args) => {
      if (method === 'storage.set') throw new HostCallError('permission_denied', 'no storage for you');
      return { echo: args };
    };
    const source = `module.exports = { run: async (input, ctx) => ({
      got: await ctx.entities.get('a'),
      refused: await ctx.storage.set('k', 1).then(() => 'stored', (e) => [e.code, e.message]),
      pid: typeof process,
    }) };`;
    expect(await supervisor.invoke(bundle(source), 'manual', null, meta, dispatch)).toEqual({
      got: { echo: { id: 'a' } },
      refused: ['permission_denied', 'no storage for you'],
      pid: 'undefined',
    });
    expect(supervisor.pid).toBeGreaterThan(0);
    expect(supervisor.pid).not.toBe(process.pid);
  });

  it('kills a runtime that stops answering its heartbeat, fails its runs as killed and starts another', async () => {
    const { supervisor, crashes } = start({ deadlineMs: 1_000 });
    const host = gate();
    const run = supervisor.invoke(
      { ...bundle(waiting, 'owner/p', patient), ownerId: 'owner' },
      'manual',
      null,
      meta,
      host.dispatch,
    );
    await waitFor(() => host.waiting.length === 1);
    const wedged = supervisor.pid!;
    process.kill(wedged, 'SIGSTOP');
    await expect(run).rejects.toMatchObject({ outcome: 'killed', message: expect.stringMatching(/did not answer/) });
    expect(crashes).toEqual([
      {
        reason: expect.stringMatching(/did not answer/),
        suspects: [{ key: 'owner/p', pluginId: 'p', ownerId: 'owner' }],
      },
    ]);
    expect(
      await supervisor.invoke(bundle('module.exports = { run: () => "again" };'), 'manual', null, meta, host.dispatch),
    ).toBe('again');
    expect(supervisor.pid).not.toBe(wedged);
    expect(supervisor.stats().restarts).toBe(1);
  });

  it('restarts a runtime whose resident memory passes its budget (the backstop for memory no limit saw)', async () => {
    const { supervisor, crashes } = start({ rssLimitMb: 1 });
    await expect(
      supervisor.invoke(bundle('module.exports = { run: () => 1 };'), 'manual', null, meta, async () => null),
    ).rejects.toMatchObject({ outcome: 'killed' });
    await waitFor(() => crashes.length > 0);
    expect(crashes[0]!.reason).toMatch(/over its 1 MB budget/);
  });
});
