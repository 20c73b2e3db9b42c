/**
 * The plugin runtime process (ADR 0008): forked by the hub's supervisor, it holds every
 * plugin isolate, so a V8 abort, a wedged isolate thread or memory outside the isolates'
 * limits takes down this process and not the hub. ctx calls go back to the hub over IPC.
 */
import { createLogger } from '../../../platform/logger.ts';
import { createRuntimePool, type BundleSpec } from '../plugins.runtime.ts';
import { HostCallError, PluginInvocationError } from './errors.ts';
import type { FromRuntime, RuntimeChildOptions, ToRuntime } from './protocol.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as RuntimeChildOptions;
const send = (message: FromRuntime, then?: () => void) => {
  if (process.connected) process.send!(message, undefined, {}, then);
};

const pool = createRuntimePool({
  logger: createLogger('silent'),
  ...options,
  // isolated-vm: V8 lost control of an isolate, so this process must not go on.
  onCatastrophicError: (message) => {
    const exit = () => process.exit(70);
    setTimeout(exit, 200).unref();
    send({ t: 'fatal', message: message.slice(0, 500) }, exit);
  },
});
const bundles = new Map<string, BundleSpec>();
const calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextCall = 0;

function invoke(message: Extract<ToRuntime, { t: 'invoke' }>) {
  const { id } = message;
  const bundle = bundles.get(message.key);
  if (!bundle) return send({ t: 'failed', id, outcome: 'killed', message: 'The plugin runtime lost its bundle.' });
  const dispatch = (method: string, args: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const cid = ++nextCall;
      calls.set(cid, { resolve, reject });
      send({ t: 'call', id, cid, method, args });
    });
  pool.invokeText(bundle, message.kind, message.input, message.meta, dispatch).then(
    (text) => send({ t: 'done', id, text }),
    (error: unknown) =>
      send(
        error instanceof PluginInvocationError
          ? { t: 'failed', id, outcome: error.outcome, message: error.message }
          : { t: 'failed', id, outcome: 'error', message: 'The plugin runtime failed to run the plugin.' },
      ),
  );
}

process.on('message', (message: ToRuntime) => {
  switch (message.t) {
    case 'load':
      if (bundles.has(message.bundle.key)) pool.evict(message.bundle.key);
      bundles.set(message.bundle.key, message.bundle);
      return;
    case 'invoke':
      return invoke(message);
    case 'reply': {
      const call = calls.get(message.cid);
      calls.delete(message.cid);
      if (message.error) call?.reject(new HostCallError(message.error.code, message.error.message));
      else call?.resolve(message.value);
      return;
    }
    case 'evict':
      bundles.delete(message.key);
      return pool.evict(message.key);
    case 'ping':
      return send({ t: 'pong', n: message.n, stats: pool.stats() });
  }
});
// The hub went away (exit, crash or SIGKILL closes the channel): so does its runtime.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
