import { describe, expect, it } from 'vitest';
import { answerParts, entityHref, redactedWords, takeSseEvents } from './ai';

describe('AI chat stream helpers', () => {
  it('takes complete SSE events and keeps a partial one for the next chunk', () => {
    const first = takeSseEvents('event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"te');
    expect(first.events).toEqual([{ event: 'delta', text: 'Hel' }]);
    const second = takeSseEvents(`${first.rest}xt":"lo"}\n\nevent: citation\ndata: {"number":1,"entityId":"e1"}\n\n`);
    expect(second.events).toEqual([
      { event: 'delta', text: 'lo' },
      { event: 'citation', number: 1, entityId: 'e1' },
    ]);
    expect(second.rest).toBe('');
  });

  it('splits an answer into text and citations of known sources only', () => {
    expect(answerParts('In May [1], not [4]. See [2].', new Set([1, 2]))).toEqual([
      'In May ',
      1,
      ', not [4]. See ',
      2,
      '.',
    ]);
  });

  it('says what was redacted in words, and where an entity opens', () => {
    expect(redactedWords({ email: 2, card: 1 })).toBe('2 email addresses and 1 card number');
    expect(redactedWords({ address: 2, phone: 1, iban: 1 })).toBe('2 street addresses, 1 phone number and 1 IBAN');
    expect(redactedWords({})).toBe('');
    expect(entityHref({ entityId: 'n1', type: 'note' })).toBe('/notes/n1');
    expect(entityHref({ entityId: 'p1', type: 'person' })).toBe('/contacts/p1');
  });
});
