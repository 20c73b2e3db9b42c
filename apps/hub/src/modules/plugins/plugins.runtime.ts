import type { Logger } from '../../platform/logger.ts';
import {
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
}

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

  /**
   * Runs one invocation on an isolate for this bundle: an idle warm one, else a new one
   * (a cold start) while the installation has fewer than maxPerPlugin, else the least busy
   * (the invocation queues there). Choosing and queueing happen in one step, so
   * concurrent calls spread over the isolates.
   */
  async function invoke(
    bundle: BundleSpec,
    kind: InvocationKind,
    input: unknown,
    meta: unknown,
    dispatch: HostDispatch,
  ): Promise<unknown> {
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

    const run = async (sandbox: PluginSandbox): Promise<unknown> => {
      try {
        return await sandbox.invoke(kind, input, meta, dispatch);
      } catch (error) {
        // It waited behind an invocation whose limit breach stopped the isolate, and never
        // started: it runs on another isolate. (Not after an eviction on consent or upgrade:
        // it was prepared under the old grants.)
        if (error instanceof SandboxGone && warm.get(key) === entry) return invoke(bundle, kind, input, meta, dispatch);
        throw error;
      }
    };

    const idle = entry.sandboxes.find((s) => s.inFlight === 0);
    if (idle) return run(idle);
    if (entry.sandboxes.length + entry.starting.length >= maxPerPlugin) {
      const first = entry.sandboxes.length > 0 ? undefined : await Promise.race(entry.starting).catch(() => undefined);
      const target = first ?? leastBusy(entry.sandboxes);
      if (target) return run(target);
    }
    const starting = PluginSandbox.create({
      source: bundle.source,
      filename: `plugin:///${bundle.pluginId}/bundle.js`,
      limits: bundle.limits,
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
    invoke,
    evict(key: string) {
      drop(key, 'evicted');
    },
    stats() {
      let heapBytes = 0;
      for (const entry of warm.values()) for (const sandbox of entry.sandboxes) heapBytes += sandbox.heapBytes();
      return { warm: total(), heapBytes };
    },
    close() {
      clearInterval(sweep);
      for (const key of [...warm.keys()]) drop(key, 'shutdown');
    },
  };
}

export type RuntimePool = ReturnType<typeof createRuntimePool>;
