import ivm from 'isolated-vm';
import { bootstrapSource } from './bootstrap.js.ts';

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

export type InvocationOutcome = 'ok' | 'error' | 'timeout' | 'memory' | 'killed';

export class PluginInvocationError extends Error {
  constructor(
    readonly outcome: Exclude<InvocationOutcome, 'ok'>,
    message: string,
  ) {
    super(message);
    this.name = 'PluginInvocationError';
  }
}

/** The isolate was gone before this invocation started: nothing ran, it can go elsewhere. */
export class SandboxGone extends PluginInvocationError {
  constructor(reason: string) {
    super('killed', `The plugin's isolate was stopped (${reason}).`);
    this.name = 'SandboxGone';
  }
}

/** A call the host refuses or fails: its code and message go back to plugin code. */
export class HostCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostCallError';
  }
}

export interface SandboxOptions {
  source: string;
  filename: string;
  limits: SandboxLimits;
  onCatastrophicError: (message: string) => void;
}

export class PluginSandbox {
  private isolate: ivm.Isolate;
  private invokeRef: ivm.Reference<(kind: string, input: string, meta: string) => Promise<string>> | undefined;
  private dispatch: HostDispatch | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private disposedReason: string | undefined;
  private retiring: string | undefined;
  private used = false;
  /** Invocations running or queued on this isolate. */
  inFlight = 0;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();

  private constructor(private readonly options: SandboxOptions) {
    this.isolate = new ivm.Isolate({
      memoryLimit: options.limits.memoryMb,
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
        try {
          const value = await dispatch(String(method), JSON.parse(String(argsText)));
          return JSON.stringify({ value: value === undefined ? null : value });
        } catch (error) {
          if (error instanceof HostCallError)
            return JSON.stringify({ error: { code: error.code, message: error.message } });
          return JSON.stringify({ error: { code: 'host_error', message: 'The hub could not complete this call.' } });
        }
      }),
    );
    const bootstrap = await this.isolate.compileScript(bootstrapSource, { filename: 'made-open:bootstrap.js' });
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

  /** V8 heap in use by this isolate. */
  heapBytes(): number {
    if (!this.alive) return 0;
    const stats = this.isolate.getHeapStatisticsSync();
    return stats.used_heap_size + stats.externally_allocated_size;
  }

  /**
   * Runs one handler. Input and output cross as JSON text; host calls go to `dispatch`
   * for the duration of this invocation only.
   */
  invoke(kind: InvocationKind, input: unknown, meta: unknown, dispatch: HostDispatch): Promise<unknown> {
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

  private async invokeNow(kind: string, input: unknown, meta: unknown, dispatch: HostDispatch): Promise<unknown> {
    if (!this.alive) throw new SandboxGone(this.disposedReason ?? 'disposed');
    this.lastUsedAt = Date.now();
    this.dispatch = dispatch;
    const { cpuMs, wallMs } = this.options.limits;
    const cpuStart = this.isolate.cpuTime;
    let watchdog: NodeJS.Timeout | undefined;
    let killed: PluginInvocationError | undefined;
    const kill = (error: PluginInvocationError) => {
      killed = error;
      this.dispose(error.message);
    };
    // CPU: checked every 10 ms after the first 10 (the synchronous part also has V8's own
    // timeout below); wall clock: the whole invocation, host calls included.
    const started = Date.now();
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
      const text = await this.invokeRef!.apply(
        undefined,
        [kind, JSON.stringify(input ?? null), JSON.stringify(meta ?? null)],
        {
          arguments: { copy: true },
          result: { promise: true, copy: true },
          timeout: cpuMs,
        },
      );
      if (killed) throw killed;
      if (typeof text !== 'string')
        throw new PluginInvocationError('error', 'The plugin returned something that is not JSON.');
      return JSON.parse(text) as unknown;
    } catch (error) {
      if (killed) throw killed;
      throw this.translate(error, 'invoke');
    } finally {
      clearTimeout(watchdog);
      this.dispatch = undefined;
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
