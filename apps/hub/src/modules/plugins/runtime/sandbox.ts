import ivm from 'isolated-vm';
import { bootstrapSource } from './bootstrap.js.ts';
import { HostCallError, PluginInvocationError, SandboxGone, type InvocationOutcome } from './errors.ts';
import { checkResultText, readResult } from './output.ts';

export { HostCallError, PluginInvocationError, SandboxGone, type InvocationOutcome };

/**
 * One plugin installation's V8 isolate: own heap (memory limit), CPU and wall-clock
 * limits per invocation, reused while warm. Invocations run one at a time, so each
 * ctx call is attributed to the invocation that made it.
 */
export type HostDispatch = (method: string, args: unknown) => Promise<unknown>;

export interface SandboxLimits {
  memoryMb: number;
  /** CPU time one invocation may use. */
  cpuMs: number;
  /** Wall-clock time one invocation may take, host calls included. */
  wallMs: number;
}

export type InvocationKind = 'event' | 'schedule' | 'manual';

export interface SandboxOptions {
  source: string;
  filename: string;
  limits: SandboxLimits;
  /** Optional globals the manifest declares (bootstrap.js.ts); none by default. */
  globals?: readonly string[];
  onCatastrophicError: (message: string) => void;
}

/** CPU an idle isolate may still use (V8 housekeeping) before it counts as busy. */
const idleCpuAllowanceMs = 50;

/**
 * With WebAssembly declared, half of memoryMb is the V8 heap and the rest the wasm
 * memories' budget: wasm memory lives outside the heap limit, and both together stay
 * within what the plugin declared.
 */
export function memorySplit(limits: SandboxLimits, globals: readonly string[] = []) {
  if (!globals.includes('WebAssembly')) return { heapMb: limits.memoryMb, wasmMb: 0 };
  const heapMb = Math.max(8, Math.ceil(limits.memoryMb / 2));
  return { heapMb, wasmMb: Math.max(0, limits.memoryMb - heapMb) };
}

export class PluginSandbox {
  private isolate: ivm.Isolate;
  private invokeRef: ivm.Reference<(kind: string, input: string, meta: string) => Promise<string>> | undefined;
  private dispatch: HostDispatch | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private disposedReason: string | undefined;
  private retiring: string | undefined;
  private used = false;
  /** Host calls started by plugin code and not answered yet. */
  private pendingHostCalls = 0;
  /** isolate.cpuTime when it last went idle; undefined while an invocation runs. */
  private idleSinceCpu: bigint | undefined;
  private heapSample = 0;
  private sampling = false;
  /** Invocations running or queued on this isolate. */
  inFlight = 0;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();

  private constructor(private readonly options: SandboxOptions) {
    this.isolate = new ivm.Isolate({
      memoryLimit: memorySplit(options.limits, options.globals).heapMb,
      onCatastrophicError: (message: string) => options.onCatastrophicError(message),
    } as ivm.IsolateOptions);
  }

  /** Creates the isolate, runs the bootstrap, then the plugin's bundle (no cachedData, ever). */
  static async create(options: SandboxOptions): Promise<PluginSandbox> {
    const sandbox = new PluginSandbox(options);
    try {
      await sandbox.load();
    } catch (error) {
      sandbox.dispose('load failed');
      throw sandbox.translate(error, 'load');
    }
    sandbox.idleSinceCpu = sandbox.isolate.cpuTime;
    return sandbox;
  }

  private async load() {
    const context = await this.isolate.createContext();
    const jail = context.global;
    await jail.set(
      '__mo_host',
      new ivm.Reference(async (method: string, argsText: string) => {
        const dispatch = this.dispatch;
        if (!dispatch)
          return JSON.stringify({
            error: { code: 'no_invocation', message: 'Host calls are only possible while a handler runs.' },
          });
        this.pendingHostCalls += 1;
        try {
          const value = await dispatch(String(method), JSON.parse(String(argsText)));
          return JSON.stringify({ value: value === undefined ? null : value });
        } catch (error) {
          if (error instanceof HostCallError)
            return JSON.stringify({ error: { code: error.code, message: error.message } });
          return JSON.stringify({ error: { code: 'host_error', message: 'The hub could not complete this call.' } });
        } finally {
          this.pendingHostCalls -= 1;
        }
      }),
    );
    const { wasmMb } = memorySplit(this.options.limits, this.options.globals);
    const bootstrap = await this.isolate.compileScript(
      bootstrapSource({ globals: this.options.globals ?? [], wasmBudgetBytes: wasmMb * 1024 * 1024 }),
      { filename: 'made-open:bootstrap.js' },
    );
    await bootstrap.run(context, { timeout: 1000 });
    this.invokeRef = (await jail.get('__mo_invoke', { reference: true })) as ivm.Reference<
      (kind: string, input: string, meta: string) => Promise<string>
    >;
    await jail.delete('__mo_invoke');
    const bundle = await this.isolate.compileScript(this.options.source, { filename: this.options.filename });
    await bundle.run(context, { timeout: this.options.limits.cpuMs });
    bootstrap.release();
    bundle.release();
  }

  get alive(): boolean {
    return this.disposedReason === undefined && !this.isolate.isDisposed;
  }

  get memoryMb(): number {
    return this.options.limits.memoryMb;
  }

  /**
   * V8 heap in use at the last sample. Never read synchronously: getHeapStatisticsSync
   * waits for the isolate's thread, which a spinning plugin never gives up.
   */
  heapBytes(): number {
    return this.alive ? this.heapSample : 0;
  }

  /** Refreshes heapBytes() in the background; a busy isolate keeps its old sample meanwhile. */
  sampleHeap() {
    if (!this.alive || this.sampling) return;
    this.sampling = true;
    this.isolate
      .getHeapStatistics()
      .then((stats) => (this.heapSample = stats.used_heap_size + stats.externally_allocated_size))
      .catch(() => undefined)
      .finally(() => (this.sampling = false));
  }

  /**
   * True when the isolate kept executing after its last invocation ended (a promise
   * chain, a wasm compile callback or a finalizer still running): it is disposed then,
   * since no invocation's CPU budget covers that work.
   */
  busyWhileIdle(): boolean {
    if (!this.alive || this.idleSinceCpu === undefined) return false;
    if (Number(this.isolate.cpuTime - this.idleSinceCpu) / 1e6 <= idleCpuAllowanceMs) return false;
    this.dispose('kept running after its invocation ended');
    return true;
  }

  /**
   * Runs one handler. Input and output cross as JSON text; host calls go to `dispatch`
   * for the duration of this invocation only.
   */
  async invoke(kind: InvocationKind, input: unknown, meta: unknown, dispatch: HostDispatch): Promise<unknown> {
    return readResult(await this.invokeText(kind, input, meta, dispatch));
  }

  /** As invoke(), with the result as checked JSON text (for the runtime process to forward). */
  invokeText(kind: InvocationKind, input: unknown, meta: unknown, dispatch: HostDispatch): Promise<string> {
    this.inFlight += 1;
    this.used = true;
    const run = this.queue
      .then(() => this.invokeNow(kind, input, meta, dispatch))
      .finally(() => {
        this.inFlight -= 1;
        this.lastUsedAt = Date.now();
        if (this.retiring !== undefined && this.inFlight === 0) this.dispose(this.retiring);
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Disposes the isolate once the invocations queued on it (at least one) have finished. */
  retire(reason: string) {
    this.retiring = reason;
    if (this.inFlight === 0 && this.used) this.dispose(reason);
  }

  private async invokeNow(kind: string, input: unknown, meta: unknown, dispatch: HostDispatch): Promise<string> {
    if (this.busyWhileIdle() || !this.alive) throw new SandboxGone(this.disposedReason ?? 'disposed');
    this.idleSinceCpu = undefined;
    this.lastUsedAt = Date.now();
    this.dispatch = dispatch;
    const { cpuMs, wallMs } = this.options.limits;
    const cpuStart = this.isolate.cpuTime;
    let watchdog: NodeJS.Timeout | undefined;
    let killed: PluginInvocationError | undefined;
    // A kill answers at once: isolated-vm may never settle a call whose isolate was
    // disposed while it converted a hostile value.
    let stop: (error: PluginInvocationError) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => undefined);
    const kill = (error: PluginInvocationError) => {
      killed = error;
      this.dispose(error.message);
      stop(error);
    };
    // CPU: checked every 10 ms after the first 10 (the synchronous part also has V8's own
    // timeout below); wall clock: the whole invocation, host calls included.
    const started = Date.now();
    let repliesOutstanding = false;
    const check = () => {
      if (!this.alive) return;
      const cpuUsedMs = Number(this.isolate.cpuTime - cpuStart) / 1e6;
      if (cpuUsedMs > cpuMs)
        return kill(new PluginInvocationError('timeout', `The plugin used more than ${cpuMs} ms of CPU: stopped.`));
      if (Date.now() - started > wallMs)
        return kill(new PluginInvocationError('timeout', `The plugin ran longer than ${wallMs} ms: stopped.`));
      watchdog = setTimeout(check, 10);
    };
    watchdog = setTimeout(check, 10);
    try {
      const call = this.invokeRef!.apply(
        undefined,
        [kind, JSON.stringify(input ?? null), JSON.stringify(meta ?? null)],
        {
          arguments: { copy: true },
          result: { promise: true, copy: true },
          timeout: cpuMs,
        },
      );
      call.catch(() => undefined);
      let text = await Promise.race([call, stopped]);
      if (killed) throw killed;
      if (typeof text === 'string' && text[0] === '~') {
        repliesOutstanding = true;
        text = text.slice(1);
      }
      if (typeof text !== 'string' || (text[0] !== 'R' && text[0] !== 'E'))
        throw new PluginInvocationError('error', 'The plugin returned something that is not JSON.');
      if (text[0] === 'E') throw new PluginInvocationError('error', text.slice(1, 1001));
      return checkResultText(text.slice(1));
    } catch (error) {
      if (killed) throw killed;
      throw this.translate(error, 'invoke');
    } finally {
      clearTimeout(watchdog);
      this.dispatch = undefined;
      // Host calls still outstanding (or answered but not yet received by plugin code)
      // would resume plugin code outside any budget.
      if (this.pendingHostCalls > 0 || repliesOutstanding) this.dispose('host calls still pending when its run ended');
      else if (this.alive) this.idleSinceCpu = this.isolate.cpuTime;
    }
  }

  private translate(error: unknown, phase: string): PluginInvocationError {
    if (error instanceof PluginInvocationError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/memory limit/i.test(message) || (this.isolate.isDisposed && this.disposedReason === undefined)) {
      this.dispose('memory limit');
      return new PluginInvocationError(
        'memory',
        `The plugin exceeded its ${this.options.limits.memoryMb} MB memory limit: stopped.`,
      );
    }
    if (/Script execution timed out/i.test(message)) {
      this.dispose('cpu timeout');
      return new PluginInvocationError(
        'timeout',
        `The plugin used more than ${this.options.limits.cpuMs} ms of CPU: stopped.`,
      );
    }
    if (/disposed/i.test(message))
      return new PluginInvocationError('killed', `The plugin's isolate was stopped during ${phase}.`);
    return new PluginInvocationError('error', message.slice(0, 1000));
  }

  dispose(reason: string) {
    if (this.disposedReason === undefined) this.disposedReason = reason;
    try {
      this.invokeRef?.release();
    } catch {
      // the isolate is gone already
    }
    this.invokeRef = undefined;
    if (!this.isolate.isDisposed) {
      try {
        this.isolate.dispose();
      } catch {
        // already gone
      }
    }
  }
}
