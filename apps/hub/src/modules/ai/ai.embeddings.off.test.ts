import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsRequired } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { parseSse } from './test/sse.ts';

/**
 * A PostgreSQL without pgvector (Debian's, here): the migrations pass, vector features say
 * they are off, and retrieval and chat fall back to keyword search.
 */
describe.runIf(postgresTestsRequired())('embeddings on a PostgreSQL without pgvector', () => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let note: string;
  let long: string;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(alice), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    hub = await createTestHub('postgres');
    alice = await signUpUser(hub);
    const created = await api('POST', '/api/v1/entities', {
      type: 'note',
      title: 'Boat',
      body: 'The kayak is moored at pier nine.',
    });
    note = created.json().id;
    // A long note whose answer is in its last part: keyword retrieval shows that passage.
    const diary = Array.from(
      { length: 40 },
      (_, day) =>
        `Day ${day + 1}. The morning train to the coast left late and the carriage was crowded. We cooked lentil soup with carrots and cumin. The choir rehearsal moved to Thursday evening.`,
    );
    diary.push('The padlock on the garden shed opens with the code 4729.');
    const longNote = await api('POST', '/api/v1/entities', { type: 'note', title: 'Diary', body: diary.join('\n\n') });
    expect(longNote.statusCode, longNote.body).toBe(201);
    long = longNote.json().id;
    await eventually(
      async () =>
        (await api('GET', '/api/v1/search?q=kayak')).json().hits.length > 0 &&
        (await api('GET', '/api/v1/search?q=padlock')).json().hits.length > 0
          ? true
          : undefined,
      'the search index to hold the notes',
    );
  }, 180_000);
  afterAll(() => hub?.close());

  it('this server really has no pgvector, and the vector table was not made', async () => {
    expect(hub.db.hasVector).toBe(false);
    const table = await hub.db.asOwner((tx) =>
      tx.query<{ t: string | null }>(`SELECT to_regclass('made_open.ai_embeddings')::text AS t`),
    );
    expect(table.rows[0]!.t).toBeNull();
  });

  it('the status says vectors are off and why', async () => {
    const status = await api('GET', '/api/v1/ai/embeddings');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ vectors: 'off', profile: 'use-lite-512', total: 0, embedded: 0 });
    expect(status.json().reason).toMatch(/pgvector/);
  });

  it('re-embed is refused with 409 and changes nothing', async () => {
    const response = await api('POST', '/api/v1/ai/embeddings/reembed', { profile: 'use-lite-512' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('vectors_off');
    const settings = await hub.db.asOwner((tx) => tx.query('SELECT * FROM made_open.ai_embedding_settings'));
    expect(settings.rows).toEqual([]);
  });

  it('retrieval falls back to keyword search, whatever mode was asked', async () => {
    for (const mode of ['hybrid', 'vector', 'keyword']) {
      const response = await api('POST', '/api/v1/ai/retrieve', { question: 'Where is the kayak?', mode });
      expect(response.statusCode).toBe(200);
      expect(response.json().mode).toBe('keyword');
      expect(response.json().passages.map((p: { entityId: string }) => p.entityId)).toEqual([note]);
    }
    const found = await api('POST', '/api/v1/ai/retrieve', { question: 'What is the code of the shed padlock?' });
    const passage = found.json().passages[0];
    expect(passage).toMatchObject({ entityId: long, parts: expect.any(Number) });
    expect(passage.parts).toBeGreaterThan(5);
    expect(passage.part).toBe(passage.parts);
    expect(passage.text).toContain('opens with the code 4729');
    const chat = parseSse((await api('POST', '/api/v1/ai/chat', { question: 'Where is the kayak?' })).body);
    const sources = chat.find((e) => e.event === 'sources')!.data as { sources: { entityId: string }[] };
    expect(sources.sources.map((s) => s.entityId)).toEqual([note]);
  });
});
