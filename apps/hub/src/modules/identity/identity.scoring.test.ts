import { describe, expect, it } from 'vitest';
import { areNicknames } from './identity.nicknames.ts';
import {
  SUGGEST_THRESHOLD,
  bestMatches,
  blockingKeys,
  editDistance,
  fold,
  nameParts,
  scorePair,
  type PersonProfile,
} from './identity.scoring.ts';

const person = (id: string, name: string, extra: Partial<PersonProfile> = {}): PersonProfile => ({
  id,
  name,
  emails: [],
  phones: [],
  ...extra,
});
const shareKey = (a: PersonProfile, b: PersonProfile) => blockingKeys(a).some((k) => blockingKeys(b).includes(k));
const codes = (a: PersonProfile, b: PersonProfile) => scorePair(a, b).reasons.map((r) => r.code);

describe('identity scoring (pure)', () => {
  it('folds diacritics and punctuation', () => {
    expect(fold('Zoë Ångström-Núñez')).toBe('zoe angstromnunez');
    expect(fold("  Seán  O'Brien ")).toBe('sean obrien');
  });

  it('reads "Last, First" and drops titles', () => {
    expect(nameParts({ name: 'Smith, John' })).toEqual({ given: 'john', family: 'smith' });
    expect(nameParts({ name: 'Dr Jane A. Doe' })).toEqual({ given: 'jane', family: 'doe' });
    expect(nameParts({ name: 'x', givenName: 'Ann', familyName: 'Lee' })).toEqual({ given: 'ann', family: 'lee' });
    // Senders' persons are titled with their number or address: no name to match on.
    expect(nameParts({ name: '+44 7700 900123' })).toEqual({ given: '', family: '' });
    expect(nameParts({ name: 'alpha.bravo@example.org' })).toEqual({ given: '', family: '' });
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('martha', 'marhta')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('knows nicknames both ways, and not unrelated names', () => {
    expect(areNicknames('bob', 'robert')).toBe(true);
    expect(areNicknames('robert', 'bobby')).toBe(true);
    expect(areNicknames('bob', 'william')).toBe(false);
  });

  it('suggests a shared email whatever the names', () => {
    const a = person('a', 'Ann Lee', { emails: ['ann@example.com'] });
    const b = person('b', 'A. Lee-Smith', { emails: ['ann@example.com'] });
    expect(scorePair(a, b).score).toBeGreaterThanOrEqual(0.95);
    expect(codes(a, b)).toContain('same_email');
    expect(shareKey(a, b)).toBe(true);
  });

  it('suggests a shared E.164 number', () => {
    const a = person('a', 'Tom Baker', { phones: ['+447700900123'] });
    const b = person('b', 'Someone', { phones: ['+447700900123'] });
    expect(scorePair(a, b).score).toBeGreaterThanOrEqual(SUGGEST_THRESHOLD);
    expect(codes(a, b)).toContain('same_phone');
  });

  it.each([
    ['nickname', 'Robert Fernsby', 'Bob Fernsby', 'nickname'],
    ['typo in the family name', 'Katherine Ashworth', 'Katherine Ashwroth', 'similar_name'],
    ['swapped first and last', 'Wei Zhang', 'Zhang Wei', 'swapped_names'],
    ['diacritics', 'Zoë Müller', 'Zoe Muller', 'same_name'],
  ])('matches a %s', (_, left, right, reason) => {
    const a = person('a', left);
    const b = person('b', right);
    const { score } = scorePair(a, b);
    expect(score).toBeGreaterThanOrEqual(SUGGEST_THRESHOLD);
    expect(codes(a, b)).toContain(reason);
    expect(shareKey(a, b)).toBe(true);
  });

  it('keeps apart names that only share a beginning', () => {
    expect(scorePair(person('a', 'Iñaki Cottvel'), person('b', 'Iñaki Cottthorp')).score).toBeLessThan(
      SUGGEST_THRESHOLD,
    );
  });

  it('does not match a lone first name on the name alone', () => {
    expect(scorePair(person('a', 'Luca'), person('b', 'Luca')).score).toBeLessThan(SUGGEST_THRESHOLD);
  });

  it('lowers the score for different organisations and different numbers', () => {
    const a = person('a', 'Margaret Moore', { organization: 'Acme Ltd', phones: ['+447700900001'] });
    const same = person('b', 'Margaret Moore', { organization: 'ACME', phones: ['+447700900001'] });
    const other = person('c', 'Margaret Moore', { organization: 'Globex', phones: ['+447700900002'] });
    expect(codes(a, same)).toContain('same_organization');
    expect(scorePair(a, other).score).toBeLessThan(SUGGEST_THRESHOLD);
    expect(codes(a, other)).toEqual(expect.arrayContaining(['different_organization', 'different_phones']));
  });

  it('lists matches best first, never the person itself', () => {
    const me = person('me', 'Robert Fernsby', { emails: ['rf@example.com'] });
    const found = bestMatches(me, [
      me,
      person('x', 'Bob Fernsby'),
      person('y', 'R Fernsby', { emails: ['rf@example.com'] }),
      person('z', 'Alice Jones'),
    ]);
    expect(found.map((m) => m.other.id)).toEqual(['y', 'x']);
  });
});
