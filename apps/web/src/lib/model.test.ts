import { describe, expect, it } from 'vitest';
import { filterContacts, mergePreview, parseContactForm, toContact, type Contact } from './model';

const base = { version: 1, createdAt: '2026-01-01T00:00:00Z', notes: '', organization: '', emails: [], phones: [] };
const ada: Contact = {
  ...base,
  id: 'a',
  name: 'Ada Lovelace',
  organization: 'Analytical Engines',
  emails: ['ada@example.org'],
  phones: ['+44 20 7946 0958'],
  updatedAt: '2026-01-02T00:00:00Z',
};
const grace: Contact = {
  ...base,
  id: 'g',
  name: 'Grace Hopper',
  emails: ['grace@navy.example'],
  updatedAt: '2026-01-03T00:00:00Z',
};
const alan: Contact = { ...base, id: 't', name: 'alan Turing', updatedAt: '2026-01-01T00:00:00Z' };

describe('filterContacts', () => {
  it('sorts by name ignoring case', () => {
    expect(filterContacts([grace, ada, alan], '', 'name').map((c) => c.id)).toEqual(['a', 't', 'g']);
  });
  it('sorts by most recently changed', () => {
    expect(filterContacts([ada, alan, grace], '', 'recent').map((c) => c.id)).toEqual(['g', 'a', 't']);
  });
  it('matches every word across name, organization and email', () => {
    expect(filterContacts([ada, grace, alan], 'analytical ada', 'name').map((c) => c.id)).toEqual(['a']);
    expect(filterContacts([ada, grace, alan], 'navy', 'name').map((c) => c.id)).toEqual(['g']);
  });
  it('matches phone digits whatever the formatting', () => {
    expect(filterContacts([ada, grace], '7946-0958', 'name').map((c) => c.id)).toEqual(['a']);
  });
});

describe('parseContactForm', () => {
  it('requires a name and explains bad emails and phones', () => {
    const result = parseContactForm({ name: '  ', emails: 'not-an-email', phones: '12', organization: '', notes: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fieldErrors.name).toMatch(/name/);
    expect(result.fieldErrors.emails).toMatch(/name@example.com/);
    expect(result.fieldErrors.phones).toMatch(/country code/);
  });
  it('splits lists on commas and new lines', () => {
    const result = parseContactForm({
      name: 'Ada',
      emails: 'a@x.org, b@y.org\nc@z.org',
      phones: '+44 20 7946 0958',
      organization: ' AE ',
      notes: '',
    });
    expect(result).toEqual({
      ok: true,
      data: {
        name: 'Ada',
        emails: ['a@x.org', 'b@y.org', 'c@z.org'],
        phones: ['+44 20 7946 0958'],
        organization: 'AE',
        notes: '',
      },
    });
  });
});

describe('toContact', () => {
  it('prefers display copies and falls back to identifiers', () => {
    const c = toContact({
      id: 'p',
      type: 'person',
      title: 'Ada',
      body: '',
      version: 2,
      properties: { organization: 'AE', notes: 'met at the salon' },
      identifiers: [
        { kind: 'email', value: 'ada@example.org' },
        { kind: 'phone', value: '+442079460958' },
      ],
    });
    expect(c).toMatchObject({
      name: 'Ada',
      organization: 'AE',
      notes: 'met at the salon',
      emails: ['ada@example.org'],
      phones: ['+442079460958'],
    });
  });
});

describe('mergePreview', () => {
  it("keeps the primary's name and the identifiers of both, without duplicates", () => {
    const dup: Contact = {
      ...grace,
      id: 'x',
      name: 'A. Lovelace',
      emails: ['ADA@example.org', 'countess@example.org'],
      organization: 'Other',
    };
    const merged = mergePreview(ada, dup);
    expect(merged.name).toBe('Ada Lovelace');
    expect(merged.organization).toBe('Analytical Engines');
    expect(merged.emails).toEqual(['ADA@example.org', 'countess@example.org']);
    expect(merged.phones).toEqual(['+44 20 7946 0958']);
  });
});
