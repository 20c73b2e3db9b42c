import { describe, expect, it } from 'vitest';
import { mentionQuery, plainMentions, toEditable, toStored } from '@/lib/mentions';

const ada = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const bob = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

describe('mentions in the note editor', () => {
  it('shows stored mentions by current name and stores them back by id', () => {
    const stored = `Met @[Ada Lovelace](person:${ada}) and @[Bob](person:${bob}).`;
    const { text, map } = toEditable(stored, new Map([[ada, 'Ada King']]));
    expect(text).toBe('Met @[Ada King] and @[Bob].');
    expect(toStored(text, map)).toBe(`Met @[Ada King](person:${ada}) and @[Bob](person:${bob}).`);
    // A bracketed name nobody chose stays text.
    expect(toStored('@[Nobody] hi', map)).toBe('@[Nobody] hi');
    expect(plainMentions(stored, new Map([[ada, 'Ada King']]))).toBe('Met @Ada King and @Bob.');
  });

  it('finds the mention being typed at the caret', () => {
    expect(mentionQuery('Hello @Ad', 9)).toEqual({ start: 6, query: 'Ad' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('Hi @Ada Lo', 10)).toEqual({ start: 3, query: 'Ada Lo' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('@[Ada] x', 8)).toBeNull();
    expect(mentionQuery('@Ada Love lace', 14)).toBeNull();
  });
});
