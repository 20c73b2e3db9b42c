/**
 * Isolate-side guard for plugins that declare WebAssembly. Wasm memory lives outside the
 * V8 heap, so isolated-vm's memoryLimit does not see it: every memory must declare a
 * maximum, and the maxima of all memories an isolate creates are reserved against a
 * budget (the rest of the plugin's memoryMb). Reservations are never given back (the
 * isolate is rebuilt when disposed): instantiate once, at load. The supervisor's RSS
 * check on the runtime process is the backstop.
 *
 * A fragment of the bootstrap (see bootstrap.js.ts): it runs in its closure, with
 * `wasmBudgetBytes` and `allowShared` defined there.
 */
export const wasmGuardSource = `
  const W = globalThis.WebAssembly;
  if (W) {
    const pageBytes = 65536;
    let reserved = 0;
    const modules = new WeakMap();
    const reserve = (bytes) => {
      if (reserved + bytes > wasmBudgetBytes)
        throw new RangeError('WebAssembly memory over this plugin\\'s limit (' + Math.floor(wasmBudgetBytes / 1048576) + ' MB for wasm memories in all).');
      reserved += bytes;
    };
    const leb = (bytes, at) => {
      let value = 0, shift = 0, byte;
      do {
        if (at.i >= bytes.length || shift > 35) throw new TypeError('Malformed WebAssembly module.');
        byte = bytes[at.i++];
        value += (byte & 0x7f) * Math.pow(2, shift);
        shift += 7;
      } while (byte & 0x80);
      return value;
    };
    const limitsBytes = (bytes, at, what) => {
      const flags = bytes[at.i++];
      if (flags & 0x04) throw new TypeError('64-bit WebAssembly memories are not allowed.');
      if ((flags & 0x02) && !allowShared) throw new TypeError('Shared WebAssembly memory needs SharedArrayBuffer in the manifest\\'s globals.');
      leb(bytes, at);
      if (!(flags & 0x01)) throw new RangeError(what + ' must declare a maximum size.');
      return leb(bytes, at) * pageBytes;
    };
    // The memories a module defines itself (section 5); imported ones are Memory objects.
    const definedMemoryBytes = (source) => {
      const bytes = ArrayBuffer.isView(source)
        ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
        : new Uint8Array(source);
      const at = { i: 8 };
      let total = 0;
      while (at.i < bytes.length) {
        const id = bytes[at.i++];
        const size = leb(bytes, at);
        const end = at.i + size;
        if (id === 5) {
          const count = leb(bytes, at);
          for (let k = 0; k < count; k++) total += limitsBytes(bytes, at, 'A WebAssembly memory');
        }
        at.i = end;
      }
      return total;
    };
    const Module = W.Module, Instance = W.Instance, Memory = W.Memory;
    const track = (module, bytes) => { modules.set(module, bytes); return module; };
    const costOf = (module) => {
      if (!modules.has(module)) throw new TypeError('Unknown WebAssembly module.');
      return modules.get(module);
    };
    function GuardedModule(source) {
      if (!new.target) throw new TypeError('WebAssembly.Module must be called with new');
      const bytes = definedMemoryBytes(source);
      return track(new Module(source), bytes);
    }
    function GuardedInstance(module, imports) {
      if (!new.target) throw new TypeError('WebAssembly.Instance must be called with new');
      reserve(costOf(module));
      return new Instance(module, imports);
    }
    function GuardedMemory(descriptor) {
      if (!new.target) throw new TypeError('WebAssembly.Memory must be called with new');
      const d = Object(descriptor);
      const maximum = Number(d.maximum);
      if (!(maximum >= 0)) throw new RangeError('A WebAssembly memory must declare a maximum size.');
      if (d.shared && !allowShared) throw new TypeError('Shared WebAssembly memory needs SharedArrayBuffer in the manifest\\'s globals.');
      reserve(maximum * pageBytes);
      return new Memory({ initial: d.initial, maximum: maximum, shared: !!d.shared });
    }
    const pairs = [[GuardedModule, Module], [GuardedInstance, Instance], [GuardedMemory, Memory]];
    for (const [guarded, original] of pairs) {
      guarded.prototype = original.prototype;
      Object.defineProperty(original.prototype, 'constructor', { value: guarded, writable: false, configurable: false });
      Object.setPrototypeOf(guarded, Object.getPrototypeOf(original));
      for (const key of Object.getOwnPropertyNames(original)) if (!(key in guarded)) guarded[key] = original[key];
    }
    W.Module = GuardedModule;
    W.Instance = GuardedInstance;
    W.Memory = GuardedMemory;
    // Compiled synchronously: inside the invocation's CPU budget, and because an async
    // compile never completes in an isolate called with a timeout (isolated-vm 5).
    W.compile = function (source) {
      return new Promise((resolve) => resolve(new GuardedModule(source)));
    };
    W.instantiate = function (source, imports) {
      if (source instanceof Module)
        return new Promise((resolve) => resolve(new GuardedInstance(source, imports)));
      return W.compile(source).then((module) =>
        ({ module: module, instance: new GuardedInstance(module, imports) }));
    };
    delete W.compileStreaming;
    delete W.instantiateStreaming;
    for (const key of ['Module', 'Instance', 'Memory', 'compile', 'instantiate'])
      Object.defineProperty(W, key, { writable: false, configurable: false });
  }
`;
