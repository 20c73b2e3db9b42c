import type { BundleSpec } from '../plugins.runtime.ts';
import type { InvocationKind, InvocationOutcome } from './sandbox.ts';

/**
 * Messages between the hub and its plugin runtime process (one JSON value each, over
 * the fork IPC channel). Bundles go once per runtime process, invocations name them by
 * key; ctx calls come back to the hub as `call` and are answered with `reply`.
 */
export type ToRuntime =
  | { t: 'load'; bundle: BundleSpec }
  | { t: 'invoke'; id: number; key: string; kind: InvocationKind; input: unknown; meta: unknown }
  | { t: 'reply'; cid: number; value?: unknown; error?: { code: string; message: string } }
  | { t: 'evict'; key: string }
  | { t: 'ping'; n: number };

export type FromRuntime =
  | { t: 'ready' }
  | { t: 'call'; id: number; cid: number; method: string; args: unknown }
  | { t: 'done'; id: number; text: string }
  | { t: 'failed'; id: number; outcome: Exclude<InvocationOutcome, 'ok'>; message: string }
  | { t: 'pong'; n: number; stats: RuntimeStats }
  | { t: 'fatal'; message: string };

/** The runtime's own figures, sent with every heartbeat answer. */
export interface RuntimeStats {
  warm: number;
  heapBytes: number;
  reservedMb: number;
  budgetMb: number;
}

/** Pool settings handed to the runtime process on its command line. */
export interface RuntimeChildOptions {
  maxWarm?: number;
  idleMs?: number;
  maxPerPlugin?: number;
  extraIdleMs?: number;
  memoryBudgetMb: number;
}
