import { describe, expect, it } from 'vitest';
import { defaultClasses, questionRule } from './ai.classes.ts';
import { detectPii, ibanValid, luhnValid } from './ai.pii.ts';
import { citationTracker } from './ai.prompt.ts';
import { Redactor } from './ai.redaction.ts';
import { keywordsOf } from './ai.retrieval.ts';
import { decideRoute, type ContextItem } from './ai.routing.ts';

describe('PII detector', () => {
  it('finds emails, phones, cards (Luhn), IBANs (mod 97) and street addresses', () => {
    const text =
      'Mail ada@example.org or call +44 20 7946 0958. Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32. ' +
      'She lives at 221B Baker Street, or Hauptstraße 5 in Berlin.';
    const found = detectPii(text, 'GB').map((s) => [s.kind, s.value]);
    expect(found).toEqual([
      ['email', 'ada@example.org'],
      ['phone', '+44 20 7946 0958'],
      ['card', '4111 1111 1111 1111'],
      ['iban', 'GB82 WEST 1234 5698 7654 32'],
      ['address', '221B Baker Street'],
      ['address', 'Hauptstraße 5'],
    ]);
  });

  it('finds national phone numbers in the owner region and ignores what only looks like PII', () => {
    expect(detectPii('ring me on 020 7946 0958', 'GB').map((s) => s.kind)).toEqual(['phone']);
    // fails Luhn, fails mod 97, a year, a version number
    expect(detectPii('order 4111 1111 1111 1112, ref GB82 WEST 1234 5698 7654 33, in 2024, v1.2.3', 'GB')).toEqual([]);
    expect(luhnValid('79927398713')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
  });
});

describe('reversible redaction', () => {
  it('gives one placeholder per value and restores a stream split inside placeholders', () => {
    const redactor = new Redactor();
    const text = 'ada@example.org wrote to ada@example.org and bob@example.org';
    const redacted = redactor.redact(text, detectPii(text));
    expect(redacted).toBe('⟦EMAIL_1⟧ wrote to ⟦EMAIL_1⟧ and ⟦EMAIL_2⟧');
    expect(redactor.summary()).toEqual({ email: 2 });
    const restorer = redactor.restorer();
    const out =
      ['Write to ⟦EM', 'AIL_2', '⟧ and ⟦', 'EMAIL_1⟧.', ' Unknown ⟦X_9⟧ stays.'].map((d) => restorer.push(d)).join('') +
      restorer.flush();
    expect(out).toBe('Write to bob@example.org and ada@example.org. Unknown ⟦X_9⟧ stays.');
  });
});

describe('routing by sensitivity', () => {
  const item = (type: keyof typeof defaultClasses, text: string, cloudRedacted?: boolean): ContextItem => ({
    entityId: '00000000-0000-4000-8000-000000000001',
    type,
    text,
    rule: { ...defaultClasses[type], ...(cloudRedacted === undefined ? {} : { cloudRedacted }) },
    pii: detectPii(text, 'US'),
  });
  const question: ContextItem = { entityId: null, type: 'question', text: 'when?', rule: questionRule, pii: [] };
  const both = { local: true, cloud: true };
  const cloudOnly = { local: false, cloud: true };

  it('sends normal context to the cloud, sensitive context only to a local model', () => {
    expect(decideRoute([question, item('note', 'boat trip in May')], both)).toEqual({ kind: 'cloud', redact: false });
    expect(decideRoute([question, item('message', 'see you at 5')], both)).toEqual({ kind: 'local' });
    // a normal note with PII in it counts as sensitive
    expect(decideRoute([question, item('note', 'call 415-555-0132')], both)).toEqual({ kind: 'local' });
    expect(decideRoute([question, item('note', 'boat')], { local: true, cloud: false })).toEqual({ kind: 'local' });
  });

  it('without a local model: redacted cloud only where the class allows it, else a local model is needed', () => {
    expect(decideRoute([question, item('note', 'mail ada@example.org')], cloudOnly)).toEqual({
      kind: 'cloud',
      redact: true,
    });
    expect(decideRoute([question, item('message', 'see you at 5')], cloudOnly)).toEqual({
      kind: 'needs_local',
      blockedTypes: ['message'],
    });
    expect(decideRoute([question, item('message', 'see you at 5', true)], cloudOnly)).toEqual({
      kind: 'cloud',
      redact: true,
    });
    expect(decideRoute([question], { local: false, cloud: false })).toEqual({ kind: 'none' });
  });
});

describe('citations and keywords', () => {
  it('emits each cited source once and drops numbers that were not in the context', () => {
    const cite = citationTracker(new Set([1, 2, 3]));
    expect(cite('As noted [2')).toEqual([]);
    expect(cite('As noted [2] and [1, 3] and [9]')).toEqual([2, 1, 3]);
    expect(cite('As noted [2] and [1, 3] and [9] again [2]')).toEqual([]);
  });

  it('keeps the content words of a question', () => {
    expect(keywordsOf('What did Ada say about the boat trip?')).toBe('ada boat trip');
  });
});
