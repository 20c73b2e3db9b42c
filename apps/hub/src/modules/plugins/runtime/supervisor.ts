import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../../../platform/logger.ts';
import { defaultMemoryBudgetMb, type BundleSpec, type PluginRuntime } from '../plugins.runtime.ts';
import { HostCallError, PluginInvocationError } from './errors.ts';
import { readResult } from './output.ts';
import type { FromRuntime, RuntimeChildOptions, RuntimeStats, ToRuntime } from './protocol.ts';
import type { HostDispatch, InvocationKind } from './sandbox.ts';

export interface SupervisorOptions {
  logger: Logger;
  pool?: Omit<RuntimeChildOptions, 'memoryBudgetMb'> & { memoryBudgetMb?: number };
  /** How often the runtime is pinged and its memory sampled. */
  heartbeatMs?: number;
  /** A runtime silent this long is wedged: SIGKILLed and replaced. */
  deadlineMs?: number;
  /** Resident memory past this (MB) restarts the runtime: the backstop for memory no limit saw. */
  rssLimitMb?: number;
  /** The runtime went down with these plugins in flight (or just finished). */
  onCrash?: (crash: RuntimeCrash) => void;
}

export interface CrashSuspect {
  key: string;
  pluginId: string;
  ownerId: string | undefined;
}

export interface RuntimeCrash {
  reason: string;
  suspects: CrashSuspect[];
}

interface Generation {
  child: ChildProcess;
  ready: Promise<void>;
  isReady: boolean;
  /** Bundle key -> fingerprint of what this process holds. */
  sent: Map<string, string>;
  lastPong: number;
  stats?: RuntimeStats;
  rssBytes?: number;
  fatal?: string;
  killReason?: string;
  exited: Promise<void>;
}

interface Invocation {
  gen: Generation;
  bundle: BundleSpec;
  dispatch: HostDispatch;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const childEntry = fileURLToPath(new URL('./child.ts', import.meta.url));
// The hub runs under tsx (and vitest), so the child needs tsx's loader to run TypeScript.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** Plugins whose run ended this recently still count as suspects when the runtime dies. */
const suspectAfterMs = 1_000;

const fingerprint = (b: BundleSpec) => `${b.sha}|${JSON.stringify(b.limits)}|${(b.globals ?? []).join(',')}`;

async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined; // not Linux, or the process is gone
  }
}

/**
 * The hub's side of the plugin runtime process: forks it, sends it each bundle once,
 * forwards invocations and answers their ctx calls with the hub's host dispatch. A
 * runtime that exits, stops answering its heartbeat or grows past its memory budget is
 * killed and replaced; the invocations in flight fail as 'killed' and `onCrash` names
 * the plugins that were running.
 */
export function createRuntimeSupervisor(options: SupervisorOptions) {
  const { logger } = options;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const deadlineMs = options.deadlineMs ?? 10_000;
  const childOptions: RuntimeChildOptions = {
    ...options.pool,
    memoryBudgetMb: options.pool?.memoryBudgetMb ?? defaultMemoryBudgetMb(),
  };
  // The runtime's own heap and code come on top of the isolates' budget.
  const rssLimitBytes = (options.rssLimitMb ?? childOptions.memoryBudgetMb + 512) * 1048576;
  const inFlight = new Map<number, Invocation>();
  const recent = new Map<string, { suspect: CrashSuspect; gen: Generation; endedAt: number }>();
  const crashes: number[] = [];
  let current: Generation | undefined;
  let nextId = 0;
  let pings = 0;
  let restarts = 0;
  let lastCrash: string | undefined;
  let closed = false;
  /** Invocations waiting for a runtime to start. */
  let awaitingStart = 0;

  // The channel keeps the hub's event loop alive only while invocations wait on it.
  const holdOpen = () => {
    const channel = current?.child.channel;
    if (inFlight.size + awaitingStart > 0) channel?.ref();
    else channel?.unref();
  };

  function post(gen: Generation, message: ToRuntime) {
    if (gen.child.connected) gen.child.send(message);
  }

  function spawn(): Generation {
    const child = fork(childEntry, [JSON.stringify(childOptions)], {
      execArgv: ['--import', tsxLoader],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.unref();
    for (const stream of [child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
      stream?.on('data', (chunk: Buffer) =>
        logger.warn({ runtimePid: child.pid }, `plugin runtime: ${String(chunk).trim().slice(0, 2000)}`),
      );
    }
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    let exited: () => void = () => undefined;
    const gen: Generation = {
      child,
      ready: new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject))),
      isReady: false,
      sent: new Map(),
      lastPong: Date.now(),
      exited: new Promise<void>((resolve) => (exited = resolve)),
    };
    gen.ready.catch(() => undefined);
    child.on('message', (message: FromRuntime) => {
      if (message.t === 'ready') {
        gen.isReady = true;
        gen.lastPong = Date.now();
        markReady();
      } else onMessage(gen, message);
    });
    child.on('error', (error) => logger.error({ err: error }, 'plugin runtime process error'));
    child.on('exit', (code, signal) => {
      failReady(new PluginInvocationError('killed', 'The plugin runtime stopped while starting.'));
      onExit(gen, code, signal);
      exited();
    });
    current = gen;
    holdOpen();
    return gen;
  }

  function settle(id: number): Invocation | undefined {
    const invocation = inFlight.get(id);
    if (!invocation) return undefined;
    inFlight.delete(id);
    const { bundle } = invocation;
    recent.set(bundle.key, {
      suspect: { key: bundle.key, pluginId: bundle.pluginId, ownerId: bundle.ownerId },
      gen: invocation.gen,
      endedAt: Date.now(),
    });
    holdOpen();
    return invocation;
  }

  function onMessage(gen: Generation, message: FromRuntime) {
    switch (message.t) {
      case 'call': {
        const invocation = inFlight.get(message.id);
        if (!invocation || invocation.gen !== gen)
          return post(gen, {
            t: 'reply',
            cid: message.cid,
            error: { code: 'no_invocation', message: 'Host calls are only possible while a handler runs.' },
          });
        invocation.dispatch(message.method, message.args).then(
          (value) => post(gen, { t: 'reply', cid: message.cid, value: value ?? null }),
          (error: unknown) =>
            post(gen, {
              t: 'reply',
              cid: message.cid,
              error:
                error instanceof HostCallError
                  ? { code: error.code, message: error.message }
                  : { code: 'host_error', message: 'The hub could not complete this call.' },
            }),
        );
        return;
      }
      case 'done': {
        const invocation = settle(message.id);
        if (!invocation) return;
        // Checked again here: the runtime process is not trusted with the hub's limits.
        try {
          invocation.resolve(readResult(message.text));
        } catch (error) {
          invocation.reject(error as Error);
        }
        return;
      }
      case 'failed':
        settle(message.id)?.reject(new PluginInvocationError(message.outcome, message.message.slice(0, 1000)));
        return;
      case 'pong':
        gen.lastPong = Date.now();
        gen.stats = message.stats;
        return;
      case 'fatal':
        gen.fatal = `catastrophic isolate error: ${message.message}`;
        return;
    }
  }

  function onExit(gen: Generation, code: number | null, signal: NodeJS.Signals | null) {
    if (current === gen) current = undefined;
    const reason =
      gen.killReason ?? gen.fatal ?? (signal ? `it was killed by ${signal}` : `it exited with code ${String(code)}`);
    const victims = [...inFlight].filter(([, invocation]) => invocation.gen === gen);
    const suspects = new Map<string, CrashSuspect>();
    for (const [id, invocation] of victims) {
      inFlight.delete(id);
      const { bundle } = invocation;
      suspects.set(bundle.key, { key: bundle.key, pluginId: bundle.pluginId, ownerId: bundle.ownerId });
      invocation.reject(
        new PluginInvocationError('killed', `The plugin runtime stopped while this plugin ran (${reason}).`),
      );
    }
    // With nothing in flight (memory grown or work left behind by a finished run), the
    // plugins that ran last are the suspects.
    const now = Date.now();
    const nothingInFlight = suspects.size === 0;
    for (const [key, entry] of recent) {
      if (nothingInFlight && entry.gen === gen && now - entry.endedAt <= suspectAfterMs)
        suspects.set(key, entry.suspect);
      if (entry.gen === gen || now - entry.endedAt > suspectAfterMs) recent.delete(key);
    }
    holdOpen();
    if (closed || gen.killReason === 'shutdown') return;
    restarts += 1;
    lastCrash = reason;
    crashes.push(now);
    while (crashes.length > 0 && now - crashes[0]! > 60_000) crashes.shift();
    logger.error({ reason, plugins: [...suspects.keys()] }, 'plugin runtime stopped: starting a new one');
    options.onCrash?.({ reason, suspects: [...suspects.values()] });
    // Back off when it keeps dying; otherwise warm up the next runtime at once.
    const delay = crashes.length > 3 ? Math.min(5_000, 250 * 2 ** (crashes.length - 3)) : 0;
    setTimeout(() => {
      if (!closed && !current) spawn();
    }, delay).unref();
  }

  function kill(gen: Generation, reason: string) {
    gen.killReason ??= reason;
    gen.child.kill('SIGKILL');
  }

  const heartbeat = setInterval(() => {
    const gen = current;
    if (!gen || gen.killReason) return;
    // Starting (tsx compiles the entry) can take seconds on a loaded machine.
    const deadline = gen.isReady ? deadlineMs : Math.max(deadlineMs, 30_000);
    if (Date.now() - gen.lastPong > deadline) return kill(gen, `it did not answer for ${deadline} ms`);
    if (gen.isReady) post(gen, { t: 'ping', n: ++pings });
    if (gen.child.pid === undefined) return;
    void residentBytes(gen.child.pid).then((bytes) => {
      gen.rssBytes = bytes;
      if (bytes !== undefined && bytes > rssLimitBytes && !gen.killReason)
        kill(
          gen,
          `it used ${Math.round(bytes / 1048576)} MB, over its ${Math.round(rssLimitBytes / 1048576)} MB budget`,
        );
    });
  }, heartbeatMs);
  heartbeat.unref();

  async function invoke(
    bundle: BundleSpec,
    kind: InvocationKind,
    input: unknown,
    meta: unknown,
    dispatch: HostDispatch,
  ): Promise<unknown> {
    if (closed) throw new PluginInvocationError('killed', 'The plugin runtime is shut down.');
    const gen = current ?? spawn();
    awaitingStart += 1;
    holdOpen();
    try {
      await gen.ready;
    } finally {
      awaitingStart -= 1;
    }
    if (gen.killReason || !gen.child.connected)
      throw new PluginInvocationError('killed', 'The plugin runtime was restarting: run the plugin again.');
    const id = ++nextId;
    const result = new Promise<unknown>((resolve, reject) => {
      inFlight.set(id, { gen, bundle, dispatch, resolve, reject });
    });
    holdOpen();
    const print = fingerprint(bundle);
    if (gen.sent.get(bundle.key) !== print) {
      post(gen, { t: 'load', bundle });
      gen.sent.set(bundle.key, print);
    }
    post(gen, { t: 'invoke', id, key: bundle.key, kind, input: input ?? null, meta: meta ?? null });
    return result;
  }

  const runtime = {
    /** The runtime never stops the hub: a catastrophic isolate error restarts it. */
    catastrophicError: undefined,
    invoke,
    evict(key: string) {
      const gen = current;
      if (!gen?.sent.delete(key)) return;
      post(gen, { t: 'evict', key });
    },
    /** Figures the runtime reported at its last heartbeat: nothing here waits on it. */
    stats() {
      return {
        running: current?.isReady ?? false,
        pid: current?.child.pid,
        restarts,
        crashesLastMinute: crashes.filter((t) => Date.now() - t <= 60_000).length,
        lastCrash,
        inFlight: inFlight.size,
        warm: current?.stats?.warm ?? 0,
        heapBytes: current?.stats?.heapBytes ?? 0,
        reservedMb: current?.stats?.reservedMb ?? 0,
        budgetMb: childOptions.memoryBudgetMb,
        rssBytes: current?.rssBytes ?? 0,
      };
    },
    /** Kills the runtime process (its invocations fail as 'killed'); for shutdown. */
    async close() {
      closed = true;
      clearInterval(heartbeat);
      const gen = current;
      if (!gen) return;
      kill(gen, 'shutdown');
      // A timer that holds the event loop until the process is gone (or 5 s passed).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gen.exited, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
    },
    /** Tests: the runtime process as it is now. */
    get pid() {
      return current?.child.pid;
    },
  } satisfies PluginRuntime & Record<string, unknown>;
  return runtime;
}

export type RuntimeSupervisor = ReturnType<typeof createRuntimeSupervisor>;
