import { emptyContactDetails } from '@/lib/model';
import { describe, expect, it } from 'vitest';
import { filterContacts, formatOccasion, mergePreview, parseContactForm, toContact, type Contact } from './model';

const base = {
  version: 1,
  createdAt: '2026-01-01T00:00:00Z',
  notes: '',
  ...emptyContactDetails,
  organization: '',
  emails: [],
  phones: [],
};
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
        jobTitle: '',
        birthday: '',
        anniversaries: [],
        addresses: [],
        tags: [],
        groups: [],
        customFields: [],
      },
    });
  });

  it('reads national numbers with the default region and names each bad line', () => {
    const gb = parseContactForm(
      { name: 'Gwen', emails: '', phones: '07700 900123', organization: '', notes: '' },
      'GB',
    );
    expect(gb.ok && gb.data.phones).toEqual(['07700 900123']);
    const bad = parseContactForm(
      { name: 'X', emails: '', phones: '+44 20 7946 0958\n123', organization: '', notes: '' },
      'GB',
    );
    expect(!bad.ok && bad.fieldErrors.phones).toBe('Line 2 ("123"): It is too short for a number in GB.');
    const none = parseContactForm({ name: 'X', emails: '', phones: '07700 900123', organization: '', notes: '' });
    expect(!none.ok && none.fieldErrors.phones).toMatch(/default region in Settings/);
  });

  it('takes the whole contact model and drops empty rows', () => {
    const result = parseContactForm({
      name: 'Ada',
      emails: '',
      phones: '',
      organization: 'AE',
      jobTitle: ' Analyst ',
      birthday: '--12-10',
      anniversaries: [
        { label: 'Wedding', date: '1835-07-08' },
        { label: '', date: '' },
      ],
      addresses: [{ label: 'Home', street: '12 St James Sq', locality: 'London', postalCode: '' }, { label: '' }],
      tags: 'maths, poetry',
      groups: 'Friends',
      customFields: [
        { label: 'Pet', value: 'Puff' },
        { label: '', value: '' },
      ],
      notes: '',
    });
    expect(result.ok && result.data).toMatchObject({
      jobTitle: 'Analyst',
      birthday: '--12-10',
      anniversaries: [{ label: 'Wedding', date: '1835-07-08' }],
      addresses: [{ label: 'Home', street: '12 St James Sq', locality: 'London' }],
      tags: ['maths', 'poetry'],
      groups: ['Friends'],
      customFields: [{ label: 'Pet', value: 'Puff' }],
    });
    const badDate = parseContactForm({
      name: 'A',
      emails: '',
      phones: '',
      organization: '',
      notes: '',
      birthday: '--02-30',
    });
    expect(!badDate.ok && badDate.fieldErrors.birthday).toMatch(/date/);
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
      ...emptyContactDetails,
      emails: ['ada@example.org'],
      phones: ['+442079460958'],
    });
  });

  it('does not list a national display copy and its E.164 identifier twice, and reads the whole model', () => {
    const c = toContact({
      id: 'p',
      type: 'person',
      title: 'Gwen',
      version: 1,
      properties: {
        phones: ['07700 900123'],
        birthday: '--04-23',
        addresses: [{ label: 'Home', locality: 'Cardiff' }, 'junk'],
        customFields: [{ label: 'Shoe size', value: '38' }, { value: 'no label' }],
        photo: { bucket: 'b', path: 'p/1.png' },
        tags: ['choir', 3],
      },
      identifiers: [
        { kind: 'phone', value: '+447700900123' },
        { kind: 'phone', value: '+12025550199' },
      ],
    });
    expect(c.phones).toEqual(['07700 900123', '+12025550199']);
    expect(c).toMatchObject({
      birthday: '--04-23',
      addresses: [{ label: 'Home', locality: 'Cardiff' }],
      customFields: [{ label: 'Shoe size', value: '38' }],
      photo: { bucket: 'b', path: 'p/1.png' },
      tags: ['choir'],
    });
  });
});

describe('toContact fromOutlook', () => {
  const person = { id: 'p', type: 'person', title: 'Ada', version: 1 };
  it("is an Outlook contact only when it is that source's own record", () => {
    expect(toContact({ ...person, source: 'msgraph', origin: 'source' }).fromOutlook).toBe(true);
    // Made by the mail sync for a sender: in Outlook as no contact.
    expect(toContact({ ...person, source: 'msgraph', origin: 'address' }).fromOutlook).toBe(false);
    expect(toContact({ ...person, source: 'carddav', origin: 'source' }).fromOutlook).toBe(false);
    expect(toContact({ ...person, source: null }).fromOutlook).toBe(false);
  });
});

describe('formatOccasion', () => {
  it('writes dates for people, with or without the year', () => {
    expect(formatOccasion('1990-04-23')).toBe('23 April 1990');
    expect(formatOccasion('--12-10')).toBe('10 December');
    expect(formatOccasion('whenever')).toBe('whenever');
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
