/**
 * Runs first in every plugin isolate. It takes the one host Reference off the global
 * object, keeps it in this closure and builds the PluginContext from plain functions
 * that send JSON text to the host and parse JSON text back. Plugin code never sees the
 * Reference or any host object: only copies of data.
 */
export const maxResultChars = 1_000_000;

export const bootstrapSource = `
(function () {
  'use strict';
  const host = globalThis.__mo_host;
  delete globalThis.__mo_host;
  Object.freeze(Object.getPrototypeOf(host));
  Object.freeze(host);
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const ErrorCtor = Error;
  const PromiseCtor = Promise;
  const then = Promise.prototype.then;
  const apply = Object.getPrototypeOf(host).apply;
  const callFn = Function.prototype.call;
  const reflectApply = Reflect.apply;
  const transfer = { arguments: { copy: true }, result: { promise: true, copy: true } };
  Object.freeze(transfer.arguments); Object.freeze(transfer.result); Object.freeze(transfer);

  function call(method, args) {
    const pending = reflectApply(apply, host, [undefined, [method, stringify(args === undefined ? null : args)], transfer]);
    return reflectApply(then, pending, [function (text) {
      const reply = parse(text);
      if (reply.error) {
        const error = new ErrorCtor(reply.error.message);
        error.code = reply.error.code;
        throw error;
      }
      return reply.value;
    }]);
  }

  const module = { exports: {} };
  globalThis.module = module;
  globalThis.exports = module.exports;

  function makeContext(meta) {
    const log = (level) => function (message, data) { call('log', { level: level, message: String(message), data: data === undefined ? null : data }); };
    return {
      plugin: meta.plugin,
      config: meta.config,
      entities: {
        get: (id) => call('entities.get', { id: id }),
        query: (query) => call('entities.query', query || {}),
        create: (input) => call('entities.create', input),
        update: (id, input) => call('entities.update', { id: id, input: input }),
      },
      events: { emit: (name, payload) => call('events.emit', { name: name, payload: payload }) },
      http: { fetch: (url, init) => call('http.fetch', { url: url, init: init || {} }) },
      storage: {
        get: (key) => call('storage.get', { key: key }),
        set: (key, value) => call('storage.set', { key: key, value: value }),
        delete: (key) => call('storage.delete', { key: key }),
        list: (prefix) => call('storage.list', { prefix: prefix || '' }),
      },
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      notify: (notification) => call('notify', notification),
    };
  }

  const names = { event: 'onEvent', schedule: 'onSchedule', manual: 'run' };
  globalThis.__mo_invoke = function (kind, inputText, metaText) {
    const exported = module.exports && module.exports.default ? module.exports.default : module.exports;
    const name = names[kind];
    const handler = exported ? exported[name] : undefined;
    if (typeof handler !== 'function') throw new ErrorCtor('The plugin exports no ' + name + ' handler.');
    const ctx = makeContext(parse(metaText));
    return reflectApply(then, PromiseCtor.resolve(), [function () {
      return reflectApply(callFn, handler, [exported, parse(inputText), ctx]);
    }]).then(function (result) {
      const text = stringify(result === undefined ? null : result);
      if (typeof text !== 'string') return 'null';
      if (text.length > ${maxResultChars}) throw new ErrorCtor('The plugin returned more than ${maxResultChars} characters.');
      return text;
    });
  };
})();
`;
