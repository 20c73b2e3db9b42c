import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from '@made-open/ai/test/openrouter.stand-in';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { answerText, parseSse } from './test/sse.ts';

/**
 * Passages (ADR 0017 appendix) on PGlite with the real offline model, job and consumer: a
 * long note's last part is embedded, found and shown; an edit replaces its passages; a
 * deletion removes them; RLS; and the privacy path per passage with the OpenRouter STAND-IN
 * (a canary deep in a long message never reaches it; an email deep in a note only as a
 * placeholder).
 */
const MESSAGE_CANARY = 'CANARYDEEP4417';
const EMAIL = 'deep.canary@example.org';

/** Everyday filler that shares no content word with the questions below. */
const fillerSentences = [
  'The morning train to the coast left twenty minutes late and the carriage was crowded.',
  'We cooked a large pot of lentil soup with carrots, cumin and a little lemon.',
  'The library book about the history of the Roman roads is due back on Friday.',
  'Rain fell all afternoon, so the children built a fort out of sofa cushions.',
  'My sister phoned to talk about her new job at the museum shop.',
  'The football match on the radio went to extra time and ended in a draw.',
  'I finished the crossword except for one clue about a Norwegian river.',
  'The bakery on the corner now sells rye bread with sunflower seeds.',
  'A neighbour walked her two greyhounds past the window just before dinner.',
  'The choir rehearsal moved to Thursday evening because of the church fair.',
  'We watched an old film about a detective who solves crimes on a steamship.',
  'The electricity bill was a little lower this quarter than the last one.',
];
function filler(chars: number, seed: number): string {
  const paragraphs: string[] = [];
  let length = 0;
  for (let p = 0; length < chars; p++) {
    const sentences = Array.from(
      { length: 4 + ((p + seed) % 3) },
      (_, i) => fillerSentences[(p * 5 + i * 7 + seed) % fillerSentences.length]!,
    );
    const text = `Day ${p + 1}. ${sentences.join(' ')}`;
    paragraphs.push(text);
    length += text.length + 2;
  }
  return paragraphs.join('\n\n');
}

const SHED_ANSWER =
  'The garden shed. The new padlock on the garden shed door opens with the code 4729. I changed the padlock code after the old lock rusted over the winter. The shed holds the lawnmower, the hedge trimmer and the bicycle pump, and the padlock key spare hangs on the hook by the back door.';

describe('passages of long entities on PGlite', () => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const ids: Record<string, string> = {};
  const longNote = `${filler(19_400, 0)}\n\n${SHED_ANSWER}`;

  type Retrieved = {
    mode: string;
    passages: { entityId: string; text: string; part: number; parts: number; start: number; end: number }[];
  };
  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const retrieve = async (user: SignedUpUser, body: object): Promise<Retrieved> => {
    const response = await api(user, 'POST', '/api/v1/ai/retrieve', body);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const allEmbedded = (user: SignedUpUser) =>
    eventually(async () => {
      const status = (await api(user, 'GET', '/api/v1/ai/embeddings')).json();
      return status.total > 0 && status.embedded === status.total && !status.reembedding ? status : undefined;
    }, 'every entity to be embedded');
  const rowsOf = async (user: SignedUpUser, entityId: string) =>
    (
      await hub.db.asUser(user.claims, (tx) =>
        tx.query<{ chunk: number; version: number }>(
          'SELECT chunk, version FROM made_open.ai_embeddings WHERE entity_id = $1 ORDER BY chunk',
          [entityId],
        ),
      )
    ).rows;
  const create = async (user: SignedUpUser, key: string, entity: object) => {
    const response = await api(user, 'POST', '/api/v1/entities', entity);
    expect(response.statusCode, response.body).toBe(201);
    ids[key] = response.json().id;
  };

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    hub = await createTestHub('pglite', { OPENROUTER_URL: openrouter.url });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    expect(longNote.length).toBeGreaterThan(19_500);
    expect(longNote.length).toBeLessThan(20_000); // the search index holds the first 20,000
    await create(alice, 'long', { type: 'note', title: 'Diary', body: longNote });
    await create(alice, 'kayak', { type: 'note', title: 'Boat', body: 'The kayak is moored at pier nine.' });
    await create(alice, 'tulips', { type: 'note', title: 'Garden plan', body: 'Plant tulips along the fence.' });
    await create(alice, 'message', {
      type: 'message',
      title: 'Email from the landlord',
      body: `${filler(8_000, 3)}\n\nAbout the boiler: the heating engineer replaces the boiler pressure valve next Tuesday, reference ${MESSAGE_CANARY}. The boiler will be off for the morning.`,
    });
    await create(alice, 'contacts', {
      type: 'note',
      title: 'Scrapbook',
      body: `${filler(8_000, 5)}\n\nThe piano tuner comes every spring; to book the piano tuning write to ${EMAIL} a week ahead.`,
    });
    await create(bob, 'bobs', {
      type: 'note',
      title: 'Diary',
      body: `${filler(9_000, 1)}\n\nThe attic ladder padlock opens with the code 8812 and the attic holds the camping tent.`,
    });
    await allEmbedded(alice);
    await allEmbedded(bob);
    for (const word of ['padlock', 'boiler', 'piano'])
      await eventually(async () => {
        const found = await api(alice, 'GET', `/api/v1/search?q=${word}`);
        return found.json().hits.length > 0 ? true : undefined;
      }, `the search index to hold "${word}"`);
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
  });

  it('embeds a long note as many passages and a short one as one; the status counts both', async () => {
    const rows = await rowsOf(alice, ids.long!);
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(rows.map((r) => r.chunk)).toEqual(rows.map((_, i) => i));
    expect(await rowsOf(alice, ids.kayak!)).toEqual([{ chunk: 0, version: 1 }]);
    const status = (await api(alice, 'GET', '/api/v1/ai/embeddings')).json();
    expect(status).toMatchObject({ total: 5, embedded: 5 });
    const all = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ n: number }>('SELECT count(*)::int AS n FROM made_open.ai_embeddings'),
    );
    expect(status.passages).toBe(all.rows[0]!.n);
    expect(status.passages).toBeGreaterThan(rows.length + 2);
  });

  it('vector and hybrid retrieval find the answer in the last part of a 20,000-character note and show that passage', async () => {
    const question = 'What is the code of the padlock on the garden shed?';
    for (const mode of ['vector', 'hybrid', 'keyword'] as const) {
      const found = await retrieve(alice, { question, mode, limit: 3 });
      expect(found.mode).toBe(mode);
      const passage = found.passages[0]!;
      expect(passage.entityId, mode).toBe(ids.long);
      expect(passage.text, mode).toContain('opens with the code 4729');
      expect(passage.parts).toBeGreaterThanOrEqual(13);
      expect(passage.part).toBe(passage.parts);
      expect(longNote.slice(passage.start, passage.end)).toBe(passage.text);
      expect(passage.text.length).toBeLessThanOrEqual(1_500);
    }
    // A short entity is one passage: its whole body.
    const kayak = await retrieve(alice, { question: 'Where is the kayak moored?', limit: 1 });
    expect(kayak.passages[0]).toMatchObject({
      entityId: ids.kayak,
      text: 'The kayak is moored at pier nine.',
      part: 1,
      parts: 1,
      start: 0,
      end: 33,
    });
  });

  it("RLS: another user's passages are never neighbours, and their rows are invisible", async () => {
    const question = 'What is the code of the padlock on the attic ladder?';
    const found = await retrieve(alice, { question, mode: 'vector', limit: 20 });
    expect(found.passages.map((p) => p.entityId)).not.toContain(ids.bobs);
    expect(await rowsOf(alice, ids.bobs!)).toEqual([]);
    const bobs = await retrieve(bob, { question, mode: 'vector', limit: 3 });
    expect(bobs.passages[0]!.entityId).toBe(ids.bobs);
    expect(bobs.passages[0]!.text).toContain('8812');
    expect((await rowsOf(bob, ids.bobs!)).length).toBeGreaterThan(1);
    expect(await rowsOf(bob, ids.long!)).toEqual([]);
  });

  it('canary: a sensitive message whose deep passage is retrieved never reaches the cloud', async () => {
    const created = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'openrouter',
      name: 'OpenRouter',
      secret: { apiKey: GOOD_KEY },
    });
    expect(created.statusCode, created.body).toBe(201);
    const question = 'When will the heating engineer replace the boiler pressure valve?';
    // The retrieval really picks the deep passage holding the canary (else this test proves nothing).
    const found = await retrieve(alice, { question, limit: 3 });
    const message = found.passages.find((p) => p.entityId === ids.message)!;
    expect(message.text).toContain(MESSAGE_CANARY);
    expect(message.part).toBeGreaterThan(1);

    const response = await api(alice, 'POST', '/api/v1/ai/chat', { question });
    expect(response.statusCode).toBe(200);
    const events = parseSse(response.body);
    expect(events.find((e) => e.event === 'sources')!.data).toMatchObject({
      sources: expect.arrayContaining([expect.objectContaining({ entityId: ids.message, sensitive: true })]),
    });
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { route: 'needs_local' } });
    expect(openrouter.requests.map((r) => r.body).join('\n')).not.toContain(MESSAGE_CANARY);
    expect(openrouter.chatBodies()).toHaveLength(0);
  });

  it('canary: an email in a deep passage of a normal note goes to the cloud only as a placeholder', async () => {
    openrouter.reply = (b) => {
      const placeholder = /⟦EMAIL_\d+⟧/.exec(b.messages[0]!.content)?.[0] ?? 'none';
      return `Write to ${placeholder} a week ahead [1].`;
    };
    const question = 'How do I book the piano tuning?';
    const found = await retrieve(alice, { question, limit: 1 });
    expect(found.passages[0]).toMatchObject({ entityId: ids.contacts });
    expect(found.passages[0]!.text).toContain(EMAIL);
    expect(found.passages[0]!.part).toBeGreaterThan(1);

    const events = parseSse((await api(alice, 'POST', '/api/v1/ai/chat', { question })).body);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { route: 'cloud', redacted: { email: 1 } } });
    expect(answerText(events)).toBe(`Write to ${EMAIL} a week ahead [1].`);
    const sent = openrouter.requests.map((r) => r.body).join('\n');
    expect(sent).toContain('piano tuning');
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain(MESSAGE_CANARY);
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress')).json().entries[0];
    expect(egress).toMatchObject({ entityIds: expect.arrayContaining([ids.contacts]), redactions: { email: 1 } });
  });

  it('an edit replaces the passages: no stale passage is left or found', async () => {
    const before = await rowsOf(alice, ids.long!);
    const shorter = `${filler(4_000, 2)}\n\nThe garden shed padlock was removed; the shed now has a keypad lock.`;
    const patched = await api(alice, 'PATCH', `/api/v1/entities/${ids.long}`, { body: shorter, version: 1 });
    expect(patched.statusCode, patched.body).toBe(200);
    await eventually(async () => {
      const rows = await rowsOf(alice, ids.long!);
      return rows.length > 0 && rows.every((r) => r.version === 2) ? rows : undefined;
    }, 'the edited note to be embedded again');
    await allEmbedded(alice);
    const after = await rowsOf(alice, ids.long!);
    expect(after.length).toBeLessThan(before.length);
    expect(after.map((r) => r.chunk)).toEqual(after.map((_, i) => i));
    const found = await retrieve(alice, { question: 'What is the code of the padlock on the garden shed?', limit: 3 });
    const passage = found.passages.find((p) => p.entityId === ids.long)!;
    expect(passage.text).toContain('keypad lock');
    expect(passage.parts).toBe(after.length);
    expect(found.passages.map((p) => p.text).join('\n')).not.toContain('4729');
  });

  it('a deletion removes the passages and the entity from retrieval', async () => {
    const deleted = await api(alice, 'DELETE', `/api/v1/entities/${ids.long}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    await eventually(
      async () => ((await rowsOf(alice, ids.long!)).length === 0 ? true : undefined),
      'the passages of the deleted note to be removed',
    );
    for (const mode of ['vector', 'hybrid'] as const) {
      const found = await retrieve(alice, { question: 'garden shed padlock keypad lock', mode, limit: 20 });
      expect(found.passages.map((p) => p.entityId)).not.toContain(ids.long);
    }
    expect((await api(alice, 'GET', '/api/v1/ai/embeddings')).json()).toMatchObject({ total: 4, embedded: 4 });
  });
});
