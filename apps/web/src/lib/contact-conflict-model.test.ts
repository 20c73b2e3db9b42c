import { describe, expect, it } from 'vitest';
import { contactConflictOf } from './contact-conflict-model';

const base = {
  id: 'c1',
  entityId: 'p1',
  capability: 'contacts',
  createdAt: '2026-12-07T10:00:00.000Z',
  remote: {
    type: 'person',
    title: 'Ada Lovelace',
    emails: ['ada@example.org'],
    properties: { givenName: 'Ada', familyName: 'Lovelace', jobTitle: 'Analyst', phones: ['+44 20 7946 0000'] },
  },
};

describe('contact conflicts', () => {
  it('an edit lists the fields the two sides hold differently, as people read them', () => {
    const conflict = contactConflictOf({
      ...base,
      local: {
        fields: {
          displayName: 'Ada Lovelace',
          givenName: 'Ada',
          familyName: 'Lovelace',
          emails: ['ADA@example.org'],
          phones: ['+44 20 7946 0000'],
          company: '',
          jobTitle: 'Mathematician',
          birthday: '',
          notes: '',
        },
        baseVersion: 3,
      },
    });
    expect(conflict).toMatchObject({ kind: 'edited', personId: 'p1', name: 'Ada Lovelace' });
    expect(conflict!.differences).toEqual([{ field: 'Job title', here: 'Mathematician', outlook: 'Analyst' }]);
  });

  it('a deletion is its own kind; what is not a contact’s conflict is left out', () => {
    expect(contactConflictOf({ ...base, local: { deleted: true, baseVersion: 2 } })).toMatchObject({
      kind: 'deleted',
      differences: [],
    });
    expect(contactConflictOf({ ...base, capability: 'calendar', local: {} })).toBeNull();
    expect(contactConflictOf({ id: 'x' })).toBeNull();
  });
});
