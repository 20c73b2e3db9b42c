import { describe, expect, it } from 'vitest';
import { conflictOutcomeOf, contactConflictOf, contactConflictsQuery } from './contact-conflict-model';

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

  /** The hub's fields of an edit, as a contacts conflict records them (`local.fields`). */
  const adaKing = {
    displayName: 'Ada King',
    givenName: 'Ada',
    familyName: 'King',
    emails: ['ada@example.org'],
    phones: [],
    company: '',
    jobTitle: 'Countess',
    birthday: '',
    notes: '',
  };

  it('an edit of a contact Outlook deleted is its own kind, named from the hub, with nothing to compare', () => {
    // As the hub records it: the hub's fields, and Outlook's side only a deletion (no properties).
    const conflict = contactConflictOf({
      ...base,
      local: {
        fields: adaKing,
        baseVersion: 4,
        remoteVersion: null,
      },
      remote: { type: 'person', source: 'msgraph', externalId: 'AAMkAD-contact-1', title: 'Ada King', deleted: true },
    });
    expect(conflict).toEqual({
      id: 'c1',
      kind: 'gone',
      personId: 'p1',
      name: 'Ada King',
      createdAt: '2026-12-07T10:00:00.000Z',
      differences: [],
    });
    // A name the hub did not send still reads as a sentence.
    expect(
      contactConflictOf({ ...base, local: { fields: {}, baseVersion: 1 }, remote: { deleted: true } }),
    ).toMatchObject({ kind: 'gone', name: 'A contact' });
  });

  it('an edit Outlook refused for good is its own kind, with the hub’s reason and nothing to compare', () => {
    const refusal =
      'Microsoft Graph refused access (ErrorAccessDenied, HTTP 403): the app registration lacks a permission, or an administrator must consent. Check its API permissions, then sign in again.';
    // As the hub records it: the hub's fields, the reason in its message, Outlook's side only the refusal.
    const conflict = contactConflictOf({
      ...base,
      message: refusal,
      local: {
        fields: adaKing,
        baseVersion: 5,
        remoteVersion: 'EQAAABYAAAD',
      },
      remote: { type: 'person', source: 'msgraph', externalId: 'AAMkAD-contact-1', title: 'Ada King', refused: true },
    });
    expect(conflict).toEqual({
      id: 'c1',
      kind: 'refused',
      personId: 'p1',
      name: 'Ada King',
      createdAt: '2026-12-07T10:00:00.000Z',
      differences: [],
      reason: refusal,
    });
    // Without words from the hub it still says something, and still reads as a sentence.
    expect(
      contactConflictOf({ ...base, message: '  ', local: { fields: {}, baseVersion: 1 }, remote: { refused: true } }),
    ).toMatchObject({ kind: 'refused', name: 'A contact', reason: 'Outlook did not say why.' });
    // Only a refusal carries the hub's message: an out-of-date edit's is not for the owner.
    expect(
      contactConflictOf({ ...base, message: 'stale change key', local: { fields: {}, baseVersion: 1 } }),
    ).not.toHaveProperty('reason');
  });

  it('a deletion Outlook refused for good is its own kind, not one Outlook’s change stopped', () => {
    const refusal = 'The Microsoft 365 credential was removed from the wallet.';
    expect(
      contactConflictOf({
        ...base,
        message: refusal,
        local: { deleted: true, baseVersion: 6, remoteVersion: 'EQAAABYAAAE' },
        remote: { type: 'person', source: 'msgraph', externalId: 'AAMkAD-contact-1', title: 'Ada King', refused: true },
      }),
    ).toEqual({
      id: 'c1',
      kind: 'refused-deletion',
      personId: 'p1',
      name: 'Ada King',
      createdAt: '2026-12-07T10:00:00.000Z',
      differences: [],
      reason: refusal,
    });
  });

  it('asks the hub for one person’s conflicts on their page, everyone’s on the list', () => {
    expect(contactConflictsQuery('0190f0a0-0000-7000-8000-000000000001')).toEqual({
      entityId: '0190f0a0-0000-7000-8000-000000000001',
      limit: 50,
    });
    expect(contactConflictsQuery()).toEqual({ limit: 200 });
  });

  it('reads from the hub’s answer whether Outlook had deleted the contact meanwhile', () => {
    expect(conflictOutcomeOf({ result: { id: 'p1', deleted: true, outlook: 'gone' } })).toBe('gone');
    expect(conflictOutcomeOf({ result: { id: 'p1', title: 'Ada', outlook: 'recreated' } })).toBe('recreated');
    expect(conflictOutcomeOf({ result: { id: 'p1', deleted: true } })).toBe('as-chosen');
    // Anything the web does not know stays the plain answer, never a wrong claim.
    expect(conflictOutcomeOf({ result: { outlook: 'exploded' } })).toBe('as-chosen');
    expect(conflictOutcomeOf(null)).toBe('as-chosen');
  });
});
