import { optionalGlobals } from '@made-open/plugin-sdk/manifest';
import { contextMethods, type MethodSpec } from '@made-open/plugin-sdk/methods';
import { maxResultChars } from './output.ts';
import { wasmGuardSource } from './wasm-guard.js.ts';

export interface BootstrapOptions {
  /** The manifest's `globals`: the optional globals this plugin declared. */
  globals: readonly string[];
  /** Bytes of wasm memory the plugin may reserve (when it declared WebAssembly). */
  wasmBudgetBytes: number;
}

/**
 * Runs first in every plugin isolate. It removes the optional globals the plugin did not
 * declare (shared memory and Atomics can abort the process, wasm memory and finalizers
 * escape the heap limit and the invocation's CPU budget), takes the one host Reference
 * off the global object, keeps it in this closure and builds the PluginContext from plain
 * functions that send JSON text to the host and parse JSON text back. Plugin code never
 * sees the Reference or any host object: only copies of data.
 */
export function bootstrapSource(options: BootstrapOptions): string {
  const declared: string[] = optionalGlobals.filter((name) => options.globals.includes(name));
  return `
(function () {
  'use strict';
  const declared = ${JSON.stringify(declared)};
  for (const name of ${JSON.stringify(optionalGlobals)}) if (declared.indexOf(name) < 0) delete globalThis[name];
  const wasmBudgetBytes = ${Math.max(0, Math.floor(options.wasmBudgetBytes))};
  const allowShared = declared.indexOf('SharedArrayBuffer') >= 0;
  ${wasmGuardSource}
  const host = globalThis.__mo_host;
  delete globalThis.__mo_host;
  Object.freeze(Object.getPrototypeOf(host));
  Object.freeze(host);
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const ErrorCtor = Error;
  const PromiseCtor = Promise;
  const then = Promise.prototype.then;
  const proto = Object.getPrototypeOf(host);
  const apply = proto.apply;
  const applySyncPromise = proto.applySyncPromise;
  const reflectApply = Reflect.apply;
  const callFn = Function.prototype.call;
  const resolved = Promise.resolve.bind(Promise);
  const rejected = Promise.reject.bind(Promise);
  const asyncTransfer = { arguments: { copy: true }, result: { promise: true, copy: true } };
  const syncTransfer = { arguments: { copy: true } };
  Object.freeze(asyncTransfer.arguments); Object.freeze(asyncTransfer.result); Object.freeze(asyncTransfer); Object.freeze(syncTransfer.arguments); Object.freeze(syncTransfer);

  function settle(text) {
    const reply = parse(text);
    if (reply.error) {
      const error = new ErrorCtor(reply.error.message);
      error.code = reply.error.code;
      throw error;
    }
    return reply.value;
  }

  // Host work that can overlap (network) crosses with an async apply, so Promise.all of
  // fetches runs them side by side. Everything else is quick host work: this isolate's
  // thread waits for it (applySyncPromise), which costs one thread hop each way instead
  // of a promise round trip through the isolate's task queue.
  // Async replies not yet handed to plugin code: counted in here, where the continuation
  // runs, since the host cannot see when a reply it sent reaches the plugin's code.
  let undelivered = 0;
  const delivered = function (text) { undelivered -= 1; return settle(text); };
  const lost = function (error) { undelivered -= 1; throw error; };
  function call(method, argsText) {
    try {
      return resolved(settle(reflectApply(applySyncPromise, host, [undefined, [method, argsText], syncTransfer])));
    } catch (error) {
      return rejected(error);
    }
  }
  function callOverlapping(method, argsText) {
    undelivered += 1;
    return reflectApply(then, reflectApply(apply, host, [undefined, [method, argsText], asyncTransfer]), [delivered, lost]);
  }

  const module = { exports: {} };
  globalThis.module = module;
  globalThis.exports = module.exports;

  function makeContext(meta) {
    return {
      plugin: meta.plugin,
      config: meta.config,
${contextSource()}
    };
  }

  // What plugin code threw, read here (inside the invocation's CPU budget) and never by
  // the host: a thrown Proxy or getter runs plugin code when it is read.
  function describe(error) {
    try {
      const message = error !== null && typeof error === 'object' ? error.message : error;
      return 'E' + String(message === undefined ? 'The plugin failed.' : message).slice(0, 1000);
    } catch (_) {
      return 'EThe plugin threw something that cannot be read.';
    }
  }
  function finish(result) {
    try {
      const text = stringify(result === undefined ? null : result);
      if (typeof text !== 'string') return 'Rnull';
      if (text.length > ${maxResultChars}) return 'EThe plugin returned more than ${maxResultChars} characters.';
      return 'R' + text;
    } catch (error) {
      return describe(error);
    }
  }

  // A run that answers while replies are still on their way to plugin code would resume
  // that code after its budget ended: '~' in front tells the host to dispose the isolate.
  const marked = function (text) { return undelivered > 0 ? '~' + text : text; };

  // Always resolves with text: 'R' + the result's JSON, or 'E' + an error message. The
  // promise methods used are the ones captured above: plugin code may replace
  // Promise.prototype.then at load. (The host checks the size and depth again.)
  const names = { event: 'onEvent', schedule: 'onSchedule', manual: 'run' };
  globalThis.__mo_invoke = function (kind, inputText, metaText) {
    const run = function () {
      const exported = module.exports && module.exports.default ? module.exports.default : module.exports;
      const name = names[kind];
      const handler = exported ? exported[name] : undefined;
      if (typeof handler !== 'function') throw new ErrorCtor('The plugin exports no ' + name + ' handler.');
      return reflectApply(callFn, handler, [exported, parse(inputText), makeContext(parse(metaText))]);
    };
    return reflectApply(then, reflectApply(then, reflectApply(then, resolved(), [run]), [finish, describe]), [marked]);
  };
})();
`;
}

const identifier = /^[a-z][a-zA-Z]*$/;

/** One stub: packs its arguments into the action's JSON input and calls the host. */
function stubSource(spec: MethodSpec): string {
  const params = spec.args === 'input' ? ['a0'] : spec.args.map((_, i) => `a${i}`);
  let input: string;
  if (spec.args === 'input') {
    input =
      spec.inputFallback === undefined ? 'a0 === undefined ? null : a0' : `a0 || ${JSON.stringify(spec.inputFallback)}`;
  } else {
    const fields = Object.entries(spec.fixed ?? {}).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    spec.args.forEach((arg, i) => {
      const value = arg.string ? `String(a${i})` : `a${i}`;
      const filled =
        arg.fallback !== undefined
          ? `${value} || ${JSON.stringify(arg.fallback)}`
          : arg.default !== undefined
            ? `a${i} === undefined ? ${JSON.stringify(arg.default)} : ${value}`
            : value;
      fields.push(`${JSON.stringify(arg.name)}: ${filled}`);
    });
    input = `{ ${fields.join(', ')} }`;
  }
  const send = `${spec.overlaps ? 'callOverlapping' : 'call'}(${JSON.stringify(spec.action)}, stringify(${input}))`;
  return spec.fireAndForget ? `(${params.join(', ')}) => { ${send}; }` : `(${params.join(', ')}) => ${send}`;
}

/**
 * The context's methods as object literals, generated from the SDK's table (methods.ts).
 * Literals, not a loop over the table at run time: plugin code may have replaced
 * Object.prototype setters or Array methods by the time a handler runs.
 */
function contextSource(): string {
  // Keys in the table's order, each group where its first method is.
  const entries = new Map<string, string | string[]>();
  for (const [name, spec] of Object.entries(contextMethods) as [string, MethodSpec][]) {
    const [group, member] = name.split('.') as [string, string | undefined];
    if (!identifier.test(group) || (member !== undefined && !identifier.test(member)))
      throw new Error(`ctx method ${name} is not a plain dotted name`);
    if (member === undefined) entries.set(group, stubSource(spec));
    else {
      const members = entries.get(group);
      const list = Array.isArray(members) ? members : [];
      list.push(`        ${member}: ${stubSource(spec)},`);
      entries.set(group, list);
    }
  }
  return [...entries]
    .map(([group, body]) =>
      Array.isArray(body) ? `      ${group}: {\n${body.join('\n')}\n      },` : `      ${group}: ${body},`,
    )
    .join('\n');
}
