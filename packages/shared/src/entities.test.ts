import { describe, expect, it } from 'vitest';
import {
  birthdaySchema,
  entityCreateInputSchema,
  entityPropertiesSchemas,
  normalizeEmail,
  normalizePhone,
  phoneProblem,
  formatPhone,
  personPropertiesSchema,
  personCreateInputSchema,
} from './entities.ts';
import { entityCreated, entityUpdated } from './graph-events.ts';

describe('normalizePhone', () => {
  it('reads international input in any common spelling', () => {
    for (const input of ['+44 20 7946 0958', '+44 (0)20 7946-0958', '0044 20 7946 0958', ' +442079460958 ']) {
      expect(normalizePhone(input)).toBe('+442079460958');
    }
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
  });

  it('reads national input only with a default country', () => {
    expect(normalizePhone('020 7946 0958')).toBeNull();
    expect(normalizePhone('020 7946 0958', { defaultCountry: 'GB' })).toBe('+442079460958');
    expect(normalizePhone('(415) 555-2671', { defaultCountry: 'US' })).toBe('+14155552671');
    // An explicit country code wins over the default.
    expect(normalizePhone('+33 1 23 45 67 89', { defaultCountry: 'GB' })).toBe('+33123456789');
  });

  it('returns null for what is not a phone number', () => {
    for (const input of [
      '',
      '12',
      'abc',
      '+',
      '+999 123',
      'x'.repeat(100),
      '1'.repeat(100),
      '+44 20 7946 0958\u0000',
      '+44 20 7946 0958 ext 2',
      'call +44 20 7946 0958',
    ]) {
      expect(normalizePhone(input, { defaultCountry: 'GB' })).toBeNull();
    }
  });
});

describe('possible, not only valid, phone numbers', () => {
  it('accepts every number possible for the region, as the issue asks', () => {
    // 07700 900xxx is Ofcom's drama range: possible, not "valid". It is someone's number in a film.
    expect(normalizePhone('07700 900123', { defaultCountry: 'GB' })).toBe('+447700900123');
    expect(normalizePhone('(202) 555-0199', { defaultCountry: 'US' })).toBe('+12025550199');
  });

  it('says why an impossible number is refused', () => {
    expect(phoneProblem('07700 900123', { defaultCountry: 'GB' })).toBeNull();
    expect(phoneProblem('123', { defaultCountry: 'GB' })).toMatch(/too short for a number in GB/);
    expect(phoneProblem('0770090012345678', { defaultCountry: 'GB' })).toMatch(/too long/);
    expect(phoneProblem('07700 900123')).toMatch(/country code.*default region/);
    expect(phoneProblem('ext 12')).toMatch(/digits, spaces/);
    expect(phoneProblem('   ')).toMatch(/empty/);
    expect(phoneProblem('+999 1234 5678')).toMatch(/country code/);
  });

  it('shows numbers of the home region nationally and others internationally', () => {
    expect(formatPhone('+447700900123', 'GB')).toBe('07700 900123');
    expect(formatPhone('+12025550199', 'GB')).toBe('+1 202 555 0199');
    expect(formatPhone('+12025550199', 'US')).toBe('(202) 555-0199');
    expect(formatPhone('not a number', 'US')).toBe('not a number');
  });
});

describe('normalizeEmail', () => {
  it('trims and lowercases', () => {
    expect(normalizeEmail('  Ada@Example.ORG ')).toBe('ada@example.org');
  });
  it('returns null for what is not an address', () => {
    for (const input of [
      '',
      'ada',
      'ada@',
      '@example.org',
      'a b@example.org',
      'ada@example',
      `${'a'.repeat(320)}@x.org`,
    ]) {
      expect(normalizeEmail(input)).toBeNull();
    }
  });
});

describe('property schemas', () => {
  it('takes the contact model: occasions, addresses, tags, groups, photo and custom fields', () => {
    const full = {
      birthday: '--04-23',
      anniversaries: [{ label: 'Wedding', date: '2015-06-20' }],
      organization: 'Acme',
      jobTitle: 'Engineer',
      addresses: [{ label: 'Home', street: '1 High St', locality: 'Leeds', postalCode: 'LS1 1AA', country: 'UK' }],
      tags: ['climbing'],
      groups: ['Friends'],
      photo: { bucket: 'contact-photos', path: 'u/1.jpg' },
      customFields: [{ label: 'Shoe size', value: '42' }],
    };
    expect(personPropertiesSchema.parse(full)).toEqual(full);
    for (const bad of [
      { anniversaries: [{ label: 'Wedding', date: '2015-02-30' }] },
      { addresses: [{ label: 'Empty' }] },
      { addresses: [{ street: '   ' }] },
      { photo: { bucket: 'contact-photos', path: '../other/1.jpg' } },
      { photo: { url: 'https://example.com/x.jpg' } },
      { customFields: [{ label: '', value: 'x' }] },
      { tags: ['a'.repeat(101)] },
    ]) {
      expect(personPropertiesSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts full and year-less birthdays that exist', () => {
    for (const ok of ['1990-04-23', '2000-02-29', '--02-29', '--12-31'])
      expect(birthdaySchema.safeParse(ok).success).toBe(true);
    for (const bad of ['1990-02-30', '2001-02-29', '--13-01', '--00-10', '04-23', '1990-4-23'])
      expect(birthdaySchema.safeParse(bad).success).toBe(false);
  });

  it('is strict: unknown keys and wrong types fail', () => {
    expect(entityPropertiesSchemas.person.safeParse({ givenName: 'Ada', shoeSize: 4 }).success).toBe(false);
    expect(
      entityPropertiesSchemas.message.safeParse({ channel: 'sms', direction: 'inbound', to: ['+44'] }).success,
    ).toBe(true);
    expect(entityPropertiesSchemas.message.safeParse({ channel: 'sms' }).success).toBe(false);
    expect(entityPropertiesSchemas.call.safeParse({ direction: 'inbound', durationSeconds: 1.5 }).success).toBe(false);
    expect(
      entityPropertiesSchemas.task.safeParse({ status: 'done', priority: 'urgent', dueAt: '2026-01-01' }).success,
    ).toBe(true);
    expect(entityPropertiesSchemas.place.safeParse({ latitude: 91 }).success).toBe(false);
  });

  it('validates create input by type', () => {
    expect(entityCreateInputSchema.safeParse({ type: 'note', properties: { tags: ['a'] } }).success).toBe(true);
    expect(entityCreateInputSchema.safeParse({ type: 'note', properties: { channel: 'sms' } }).success).toBe(false);
    expect(entityCreateInputSchema.safeParse({ type: 'note', externalId: 'x' }).success).toBe(false);
    expect(entityCreateInputSchema.safeParse({ type: 'note', title: 'a\u0000' }).success).toBe(false);
    expect(personCreateInputSchema.parse({ name: ' Ada ' })).toMatchObject({
      name: 'Ada',
      phones: [],
      emails: [],
      properties: {},
    });
  });
});

describe('graph events', () => {
  const entity = {
    id: '0190b6a0-0000-7000-8000-000000000000',
    type: 'note',
    title: 't',
    body: '',
    properties: {},
    source: null,
    externalId: null,
    occurredAt: null,
    createdAt: '2026-01-01T00:00:00.000000Z',
    updatedAt: '2026-01-01T00:00:00.000000Z',
    deletedAt: null,
    version: 1,
    mergedIntoId: null,
  };
  it('carry the entity snapshot and, for updates, the changed fields', () => {
    expect(entityCreated.data.safeParse({ entity }).success).toBe(true);
    expect(entityUpdated.data.safeParse({ entity, changed: ['title'] }).success).toBe(true);
    expect(entityUpdated.data.safeParse({ entity, changed: [] }).success).toBe(false);
    expect(entityUpdated.data.safeParse({ entity, changed: ['ownerId'] }).success).toBe(false);
  });
});
