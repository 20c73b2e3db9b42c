import { totalmem } from 'node:os';
import type { Logger } from '../../platform/logger.ts';
import { readResult } from './runtime/output.ts';
import {
  PluginInvocationError,
  PluginSandbox,
  SandboxGone,
  type HostDispatch,
  type InvocationKind,
  type SandboxLimits,
} from './runtime/sandbox.ts';

/** Which bundle an invocation runs: `key` names the installation, `sha` its bundle. */
export interface BundleSpec {
  key: string;
  sha: string;
  source: string;
  limits: SandboxLimits;
  pluginId: string;
  /** The user who installed it (strikes and notices after a runtime crash go to them). */
  ownerId?: string;
  /** Optional globals the manifest declares (WebAssembly, ...). */
  globals?: readonly string[];
}

/** What the plugins service needs from a runtime: in this process (tests) or supervised. */
export interface PluginRuntime {
  readonly catastrophicError: string | undefined;
  invoke(
    bundle: BundleSpec,
    kind: InvocationKind,
    input: unknown,
    meta: unknown,
    dispatch: HostDispatch,
  ): Promise<unknown>;
  evict(key: string): void;
  close(): void | Promise<void>;
}

/** Default memory budget for all isolates together: a quarter of the machine. */
export const defaultMemoryBudgetMb = () => Math.floor(totalmem() / 1048576 / 4);

export interface RuntimePoolOptions {
  logger: Logger;
  /** Warm isolates kept at most, over all installations; the least recently used go first. */
  maxWarm?: number;
  /** An isolate idle this long is disposed. */
  idleMs?: number;
  /**
   * Isolates one installation may run at once. Each runs one invocation at a time (its
   * limits and ctx calls stay per invocation); a second one starts only while every
   * existing one is busy, and the extras are disposed after `extraIdleMs` idle.
   */
  maxPerPlugin?: number;
  extraIdleMs?: number;
  /**
   * The memory limits of all isolates together stay within this (MB): idle isolates are
   * evicted to make room, least recently used first; when nothing can go, the invocation
   * fails instead of overcommitting. Default: a quarter of the machine's memory.
   */
  memoryBudgetMb?: number;
  /**
   * isolated-vm's onCatastrophicError: V8 lost control of an isolate. Per isolated-vm's
   * README the process must stop serving and exit; the default logs and sends SIGTERM to
   * this process so main.ts shuts down gracefully.
   */
  onCatastrophicError?: (message: string) => void;
}

interface Entry {
  sha: string;
  sandboxes: PluginSandbox[];
  /** Cold starts in progress for this bundle. */
  starting: Promise<PluginSandbox>[];
}

/** Warm isolates: per installation and bundle, one or (under load) a few. */
export function createRuntimePool(options: RuntimePoolOptions) {
  const maxWarm = options.maxWarm ?? 200;
  const idleMs = options.idleMs ?? 10 * 60_000;
  const maxPerPlugin = Math.max(1, options.maxPerPlugin ?? 4);
  const extraIdleMs = Math.min(options.extraIdleMs ?? 30_000, idleMs);
  const budgetMb = options.memoryBudgetMb ?? defaultMemoryBudgetMb();
  /** Memory limits of the isolates being created (not in any entry yet). */
  let startingMb = 0;
  // Map order is recency order (an entry is re-inserted when used).
  const warm = new Map<string, Entry>();
  let catastrophic: string | undefined;
  const onCatastrophicError =
    options.onCatastrophicError ??
    ((message: string) => {
      options.logger.fatal({ message }, 'isolated-vm reported a catastrophic error: stopping the hub');
      process.kill(process.pid, 'SIGTERM');
    });

  const leastBusy = (sandboxes: PluginSandbox[]) =>
    sandboxes
      .filter((s) => s.alive)
      .reduce<PluginSandbox | undefined>((a, b) => (!a || b.inFlight < a.inFlight ? b : a), undefined);

  const total = () => {
    let n = 0;
    for (const entry of warm.values()) n += entry.sandboxes.length;
    return n;
  };

  const reservedMb = () => {
    let mb = startingMb;
    for (const entry of warm.values()) for (const s of entry.sandboxes) if (s.alive) mb += s.memoryMb;
    return mb;
  };

  /** Evicts idle isolates, least recently used first, until `mb` more fits the budget. */
  function makeRoom(mb: number): boolean {
    for (const [key, entry] of warm) {
      if (reservedMb() + mb <= budgetMb) return true;
      entry.sandboxes = entry.sandboxes.filter((s) => {
        if (s.inFlight > 0 || reservedMb() + mb <= budgetMb) return true;
        s.dispose('evicted for memory');
        return false;
      });
      if (entry.sandboxes.length === 0 && entry.starting.length === 0) warm.delete(key);
    }
    return reservedMb() + mb <= budgetMb;
  }

  const noRoom = () =>
    new PluginInvocationError(
      'error',
      `The plugin runtime's memory budget (${budgetMb} MB for all plugins) is in use by running plugins: try again shortly.`,
    );

  function drop(key: string, reason: string) {
    const entry = warm.get(key);
    if (!entry) return;
    for (const sandbox of entry.sandboxes) sandbox.dispose(reason);
    warm.delete(key);
  }

  function trim(keep: string) {
    for (const [key, entry] of warm) {
      if (total() <= maxWarm) return;
      if (key === keep) continue;
      // Idle ones only: a busy isolate finishes its invocations first.
      entry.sandboxes = entry.sandboxes.filter((s) => {
        if (s.inFlight > 0 || total() <= maxWarm) return true;
        s.dispose('evicted');
        return false;
      });
      if (entry.sandboxes.length === 0 && entry.starting.length === 0) warm.delete(key);
    }
  }

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [key, entry] of warm) {
        entry.sandboxes = entry.sandboxes.filter((s, i) => {
          const limit = i === 0 ? idleMs : extraIdleMs;
          if (s.alive && (s.inFlight > 0 || now - s.lastUsedAt <= limit)) return true;
          s.dispose('idle');
          return false;
        });
        if (entry.sandboxes.length === 0 && entry.starting.length === 0) warm.delete(key);
      }
    },
    Math.min(extraIdleMs, 60_000),
  );
  sweep.unref();
  // Work an idle isolate does is outside every invocation's budget: it goes at once.
  let ticks = 0;
  const watch = setInterval(() => {
    const sample = ++ticks % 20 === 0;
    for (const entry of warm.values()) {
      for (const s of entry.sandboxes) if (s.inFlight === 0) s.busyWhileIdle();
      if (sample) for (const s of entry.sandboxes) s.sampleHeap();
    }
  }, 50);
  watch.unref();

  /**
   * Runs one invocation on an isolate for this bundle: an idle warm one, else a new one
   * (a cold start) while the installation has fewer than maxPerPlugin, else the least busy
   * (the invocation queues there). Choosing and queueing happen in one step, so
   * concurrent calls spread over the isolates.
   */
  async function invokeText(
    bundle: BundleSpec,
    kind: InvocationKind,
    input: unknown,
    meta: unknown,
    dispatch: HostDispatch,
  ): Promise<string> {
    if (catastrophic) throw new Error('The plugin runtime is stopped after a catastrophic isolate error.');
    const { key, sha } = bundle;
    let found = warm.get(key);
    if (found && found.sha !== sha) {
      drop(key, 'replaced');
      found = undefined;
    }
    const entry: Entry = found ?? { sha, sandboxes: [], starting: [] };
    warm.delete(key);
    warm.set(key, entry);
    entry.sandboxes = entry.sandboxes.filter((s) => s.alive);

    const run = async (sandbox: PluginSandbox): Promise<string> => {
      try {
        return await sandbox.invokeText(kind, input, meta, dispatch);
      } catch (error) {
        // It waited behind an invocation whose limit breach stopped the isolate, and never
        // started: it runs on another isolate. (Not after an eviction on consent or upgrade:
        // it was prepared under the old grants.)
        if (error instanceof SandboxGone && warm.get(key) === entry)
          return invokeText(bundle, kind, input, meta, dispatch);
        throw error;
      }
    };

    const idle = entry.sandboxes.find((s) => s.inFlight === 0);
    if (idle) return run(idle);
    const atMost = entry.sandboxes.length + entry.starting.length >= maxPerPlugin;
    if (atMost || !makeRoom(bundle.limits.memoryMb)) {
      const first =
        entry.sandboxes.length > 0 || entry.starting.length === 0
          ? undefined
          : await Promise.race(entry.starting).catch(() => undefined);
      const target = first ?? leastBusy(entry.sandboxes);
      if (target) return run(target);
      if (!atMost) throw noRoom();
    }
    if (!makeRoom(bundle.limits.memoryMb)) throw noRoom();
    startingMb += bundle.limits.memoryMb;
    const starting = PluginSandbox.create({
      source: bundle.source,
      filename: `plugin:///${bundle.pluginId}/bundle.js`,
      limits: bundle.limits,
      globals: bundle.globals ?? [],
      onCatastrophicError: (message) => {
        catastrophic = message;
        onCatastrophicError(message);
      },
    });
    entry.starting.push(starting);
    let sandbox: PluginSandbox;
    try {
      sandbox = await starting;
    } finally {
      startingMb -= bundle.limits.memoryMb;
      entry.starting = entry.starting.filter((p) => p !== starting);
    }
    if (warm.get(key) === entry) {
      entry.sandboxes.push(sandbox);
      trim(key);
      return run(sandbox);
    }
    // Evicted or upgraded meanwhile: this invocation still runs, then the isolate goes.
    const result = run(sandbox);
    sandbox.retire('replaced');
    return result;
  }

  return {
    get catastrophicError() {
      return catastrophic;
    },
    invokeText,
    async invoke(
      bundle: BundleSpec,
      kind: InvocationKind,
      input: unknown,
      meta: unknown,
      dispatch: HostDispatch,
    ): Promise<unknown> {
      return readResult(await invokeText(bundle, kind, input, meta, dispatch));
    },
    evict(key: string) {
      drop(key, 'evicted');
    },
    /** Cached figures only: nothing here waits for an isolate's thread. */
    stats() {
      let heapBytes = 0;
      for (const entry of warm.values()) for (const sandbox of entry.sandboxes) heapBytes += sandbox.heapBytes();
      return { warm: total(), heapBytes, reservedMb: reservedMb(), budgetMb };
    },
    close() {
      clearInterval(sweep);
      clearInterval(watch);
      for (const key of [...warm.keys()]) drop(key, 'shutdown');
    },
  };
}

/** The isolates themselves (inside the runtime process, or in tests). */
export type IsolatePool = ReturnType<typeof createRuntimePool>;
/** What the plugins service runs on. */
export type RuntimePool = PluginRuntime;
export type { HostDispatch, InvocationKind };
