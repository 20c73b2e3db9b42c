import { describe, expect, it } from 'vitest';
import { isValidPermission, manifestSchema, matchesHost, matchesPattern } from './manifest.ts';

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

  it('matches event patterns and host wildcards', () => {
    expect(matchesPattern('comms.*', 'comms.SmsReceived')).toBe(true);
    expect(matchesPattern('comms.*', 'commsX.Y')).toBe(false);
    expect(matchesHost('*.example.com', 'api.example.com')).toBe(true);
    expect(matchesHost('*.example.com', 'example.com')).toBe(false);
    expect(matchesHost('*.example.com', 'evil-example.com')).toBe(false);
  });
});
