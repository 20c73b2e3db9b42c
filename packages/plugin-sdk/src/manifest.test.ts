import { describe, expect, it } from 'vitest';
import { isPrototypeKey, isValidPermission, manifestSchema, matchesHost, matchesPattern } from './manifest.ts';

describe('plugin manifest', () => {
  it('accepts the documented permission strings and nothing else', () => {
    for (const p of [
      'entities:read:person',
      'entities:write:*',
      'events:subscribe:comms.*',
      'events:emit:notes.created',
      'http:fetch:api.example.com',
      'http:fetch:*.example.com',
      'credentials:twilio',
      'storage:read',
      'storage:write',
      'notify',
    ]) {
      expect(isValidPermission(p), p).toBe(true);
    }
    for (const p of [
      'fs:read',
      'entities:read:secrets',
      'http:fetch:127.0.0.1',
      'http:fetch:localhost',
      'credentials:aws',
      'notify:all',
      'storage:admin',
      'events:subscribe:',
      '',
    ]) {
      expect(isValidPermission(p), p).toBe(false);
    }
  });

  it('requires permissions for declared credentials and event triggers', () => {
    const base = { id: 'my-plugin', name: 'x', version: '1.0.0' };
    expect(manifestSchema.safeParse({ ...base, credentials: [{ name: 'k', type: 'twilio' }] }).success).toBe(false);
    expect(
      manifestSchema.safeParse({
        ...base,
        permissions: ['credentials:twilio'],
        credentials: [{ name: 'k', type: 'twilio' }],
      }).success,
    ).toBe(true);
    expect(
      manifestSchema.safeParse({ ...base, triggers: [{ type: 'event', events: ['comms.SmsReceived'] }] }).success,
    ).toBe(false);
    expect(
      manifestSchema.safeParse({
        ...base,
        permissions: ['events:subscribe:comms.*'],
        triggers: [{ type: 'event', events: ['comms.SmsReceived'] }],
      }).success,
    ).toBe(true);
    expect(manifestSchema.safeParse({ ...base, id: 'Bad_Id' }).success).toBe(false);
    expect(manifestSchema.parse(base)).toMatchObject({
      main: 'index.js',
      triggers: [{ type: 'manual' }],
      limits: { memoryMb: 32, timeoutMs: 5000 },
    });
  });

  it('declares optional globals explicitly: none by default, only known names, each once', () => {
    const base = { id: 'my-plugin', name: 'x', version: '1.0.0' };
    expect(manifestSchema.parse(base).globals).toEqual([]);
    expect(manifestSchema.parse({ ...base, globals: ['WebAssembly', 'WeakRef'] }).globals).toEqual([
      'WebAssembly',
      'WeakRef',
    ]);
    for (const globals of [['process'], ['require'], ['WebAssembly', 'WebAssembly'], 'WebAssembly'])
      expect(manifestSchema.safeParse({ ...base, globals }).success, JSON.stringify(globals)).toBe(false);
  });

  it('refuses config fields and credential slots named like Object.prototype members, with a clear message', () => {
    const base = { id: 'my-plugin', name: 'x', version: '1.0.0', permissions: ['credentials:generic'] };
    const field = { type: 'string' };
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString']) {
      expect(isPrototypeKey(name), name).toBe(true);
      const config = manifestSchema.safeParse({ ...base, config: { [name]: field } });
      expect(config.success, name).toBe(false);
      expect(config.error?.issues[0]).toMatchObject({ path: ['config', name] });
      expect(config.error?.issues[0]?.message).toMatch(/Object\.prototype/);
      const credential = manifestSchema.safeParse({ ...base, credentials: [{ name, type: 'generic' }] });
      expect(credential.success, name).toBe(false);
      expect(credential.error?.issues[0]).toMatchObject({ path: ['credentials', 0, 'name'] });
    }
    // A JSON manifest can carry an own "__proto__" key; the name pattern refuses it too.
    expect(manifestSchema.safeParse({ ...base, config: JSON.parse('{"__proto__": {"type": "string"}}') }).success).toBe(
      false,
    );
    expect(isPrototypeKey('__proto__')).toBe(true);
    expect(isPrototypeKey('folder')).toBe(false);
    expect(manifestSchema.safeParse({ ...base, config: { folder: field, tone: field } }).success).toBe(true);
  });

  it('matches event patterns and host wildcards', () => {
    expect(matchesPattern('comms.*', 'comms.SmsReceived')).toBe(true);
    expect(matchesPattern('comms.*', 'commsX.Y')).toBe(false);
    expect(matchesHost('*.example.com', 'api.example.com')).toBe(true);
    expect(matchesHost('*.example.com', 'example.com')).toBe(false);
    expect(matchesHost('*.example.com', 'evil-example.com')).toBe(false);
  });
});
