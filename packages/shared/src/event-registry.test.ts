import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createEventRegistry,
  eventRegistry,
  InvalidEventError,
  isAuditedType,
  type NewEvent,
  type NewEventFor,
} from './event-registry.ts';
import { defineEvent } from './events.ts';

const owner = '0190a3c4-1111-7000-8000-000000000001';
const actor = { kind: 'user' as const, id: owner };
/** Stands for a typed write site such as outbox.append. */
const typed = (event: NewEvent) => event;

describe('typed event map', () => {
  it('accepts a registered type with its payload, and rejects the rest at compile time', () => {
    const ok: NewEvent = {
      type: 'wallet.CredentialRemoved',
      ownerId: owner,
      subject: owner,
      actor,
      data: { credentialId: owner, type: 'twilio', name: 'Twilio' },
    };
    expect(eventRegistry.validate(ok).v).toBe(1);

    const unknownType = { ...ok, type: 'data.EntitiesMerged' as const };
    const wrongPayload = { ...ok, data: { credentialId: 42, type: 'twilio', name: 'Twilio' } };
    const missingField = { type: 'plugin.Enabled' as const, ownerId: owner, subject: 'p', actor, data: {} };
    // @ts-expect-error: not a registered event type
    typed(unknownType);
    // @ts-expect-error: credentialId must be a string (a uuid)
    typed(wrongPayload);
    // @ts-expect-error: pluginId is required
    typed(missingField);
    // The runtime check still refuses what a cast smuggles past the compiler.
    for (const bad of [unknownType, wrongPayload, missingField]) {
      expect(() => eventRegistry.validate(bad)).toThrow(InvalidEventError);
    }
  });

  it('types an outbox over a test registry by that registry', () => {
    const registry = createEventRegistry([defineEvent('test.Ping', 1, z.object({ n: z.number() }))]);
    const ping: NewEventFor<typeof registry> = {
      type: 'test.Ping',
      ownerId: owner,
      subject: 's',
      actor,
      data: { n: 1 },
    };
    const foreign = { type: 'plugin.Enabled' as const, ownerId: owner, subject: 's', actor, data: { pluginId: 'abc' } };
    const typedForTest = (event: NewEventFor<typeof registry>) => event;
    typedForTest(ping);
    // @ts-expect-error: a platform type is not in this registry
    typedForTest(foreign);
    expect(registry.validate(ping).data).toEqual({ n: 1 });
    expect(() => registry.validate(foreign)).toThrow(/not registered/);
  });

  it('audits exactly the listed domains and types', () => {
    expect(isAuditedType('auth.SessionRevoked')).toBe(true);
    expect(isAuditedType('data.PersonsMerged')).toBe(true);
    expect(isAuditedType('data.EntityCreated')).toBe(false);
    expect(isAuditedType('storage.ObjectStored')).toBe(false);
  });
});
