import type { Logger } from '../../platform/logger.ts';
import { PluginSandbox, type SandboxLimits } from './runtime/sandbox.ts';

export interface RuntimePoolOptions {
  logger: Logger;
  /** Warm isolates kept at most; the least recently used is disposed first. */
  maxWarm?: number;
  /** An isolate idle this long is disposed. */
  idleMs?: number;
  /**
   * isolated-vm's onCatastrophicError: V8 lost control of an isolate. Per isolated-vm's
   * README the process must stop serving and exit; the default logs and sends SIGTERM to
   * this process so main.ts shuts down gracefully.
   */
  onCatastrophicError?: (message: string) => void;
}

/** Warm isolates, one per installation and bundle. */
export function createRuntimePool(options: RuntimePoolOptions) {
  const maxWarm = options.maxWarm ?? 200;
  const idleMs = options.idleMs ?? 10 * 60_000;
  const warm = new Map<string, { sandbox: PluginSandbox; sha: string }>();
  const creating = new Map<string, Promise<PluginSandbox>>();
  let catastrophic: string | undefined;
  const onCatastrophicError =
    options.onCatastrophicError ??
    ((message: string) => {
      options.logger.fatal({ message }, 'isolated-vm reported a catastrophic error: stopping the hub');
      process.kill(process.pid, 'SIGTERM');
    });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of warm) {
      if (now - entry.sandbox.lastUsedAt > idleMs) {
        entry.sandbox.dispose('idle');
        warm.delete(key);
      }
    }
  }, Math.min(idleMs, 60_000));
  sweep.unref();

  return {
    get catastrophicError() {
      return catastrophic;
    },
    /** The warm isolate for this bundle, or a new one (a cold start). */
    async sandbox(key: string, sha: string, source: string, limits: SandboxLimits, pluginId: string): Promise<PluginSandbox> {
      if (catastrophic) throw new Error('The plugin runtime is stopped after a catastrophic isolate error.');
      const entry = warm.get(key);
      if (entry && entry.sha === sha && entry.sandbox.alive) {
        // Map order is recency order.
        warm.delete(key);
        warm.set(key, entry);
        return entry.sandbox;
      }
      const pending = creating.get(`${key}@${sha}`);
      if (pending) return pending;
      const promise = PluginSandbox.create({
        source,
        filename: `plugin:///${pluginId}/bundle.js`,
        limits,
        onCatastrophicError: (message) => {
          catastrophic = message;
          onCatastrophicError(message);
        },
      });
      creating.set(`${key}@${sha}`, promise);
      try {
        const sandbox = await promise;
        warm.get(key)?.sandbox.dispose('replaced');
        warm.delete(key);
        warm.set(key, { sandbox, sha });
        while (warm.size > maxWarm) {
          const [oldestKey, oldest] = warm.entries().next().value!;
          oldest.sandbox.dispose('evicted');
          warm.delete(oldestKey);
        }
        return sandbox;
      } finally {
        creating.delete(`${key}@${sha}`);
      }
    },
    evict(key: string) {
      warm.get(key)?.sandbox.dispose('evicted');
      warm.delete(key);
    },
    stats() {
      let heapBytes = 0;
      for (const entry of warm.values()) heapBytes += entry.sandbox.heapBytes();
      return { warm: warm.size, heapBytes };
    },
    close() {
      clearInterval(sweep);
      for (const entry of warm.values()) entry.sandbox.dispose('shutdown');
      warm.clear();
    },
  };
}

export type RuntimePool = ReturnType<typeof createRuntimePool>;
