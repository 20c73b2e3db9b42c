import { describe, expect, it } from 'vitest';
import { answerParts, entityHref, redactedWords, takeSseEvents, toolWords, turnsOf } from './ai';

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

describe('stored conversations and tools', () => {
  const source = { number: 1, entityId: 'n1', type: 'note', title: 'Garden', occurredAt: null, sensitive: false };
  const done = {
    route: 'cloud' as const,
    locality: 'cloud' as const,
    provider: 'openrouter' as const,
    model: 'm',
    redacted: {},
    usage: null,
    notice: null,
  };

  it('reads the conversation, source and tool events', () => {
    const text = [
      'event: conversation\ndata: {"id":"c1","title":"Tulips?"}',
      `event: source\ndata: ${JSON.stringify(source)}`,
      'event: tool\ndata: {"name":"read_entity","outcome":"ok","message":null,"entityIds":["n1"],"privacy":"withheld"}',
      '',
    ].join('\n\n');
    const { events } = takeSseEvents(text);
    expect(events.map((e) => e.event)).toEqual(['conversation', 'source', 'tool']);
    const tool = events[2] as Extract<(typeof events)[number], { event: 'tool' }>;
    expect(toolWords(tool.tool, () => 'Garden')).toBe('Read “Garden”: withheld from the cloud model (sensitive)');
    expect(toolWords({ ...tool.tool, privacy: 'local' }, () => 'Garden')).toBe(
      'Read “Garden”: sensitive, so your local model read it and answered',
    );
    const proposed = { name: 'propose_send', outcome: 'proposed' as const, message: null, entityIds: [] };
    const sms = { to: '+14155550123', body: 'Hi', channel: 'sms' as const };
    const file = { id: 'f1', name: 'plan.pdf', path: 'docs/plan.pdf', sizeBytes: 10 };
    expect(toolWords({ ...proposed, proposal: sms }, () => undefined)).toBe('Proposed a text for you to send');
    expect(
      toolWords({ ...proposed, proposal: { ...sms, channel: 'email', attachments: [file, file] } }, () => undefined),
    ).toBe('Proposed an email with 2 files for you to send');
  });

  it('pairs stored questions with their answers, and keeps how an answer ended', () => {
    const turns = turnsOf([
      { role: 'user', content: 'Tulips?', sources: [], tools: [], done: null, error: null },
      { role: 'assistant', content: 'October [1].', sources: [source], tools: [], done, error: null },
      { role: 'user', content: 'Again?', sources: [], tools: [], done: null, error: null },
      {
        role: 'assistant',
        content: 'Oct',
        sources: [],
        tools: [],
        done: null,
        error: { code: 'cancelled', message: 'Stopped.' },
      },
    ]);
    expect(turns).toMatchObject([
      { question: 'Tulips?', answer: 'October [1].', sources: [source], status: 'done', done },
      { question: 'Again?', answer: 'Oct', status: 'stopped' },
    ]);
  });
});
