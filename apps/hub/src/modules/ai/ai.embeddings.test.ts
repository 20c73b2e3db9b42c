import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { writeGroups } from './ai.embeddings.ts';
import { parseSse } from './test/sse.ts';

/**
 * Embeddings and hybrid retrieval on PGlite (pgvector 0.8 built in), with the real offline
 * model (USE lite from the npm package) and the real background job and event consumer.
 */
const DAY = 86_400_000;

describe('embeddings and hybrid retrieval on PGlite', () => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const ids: Record<string, string> = {};

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const retrieve = async (user: SignedUpUser, body: object) => {
    const response = await api(user, 'POST', '/api/v1/ai/retrieve', body);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      mode: string;
      filters: Record<string, unknown>;
      passages: { entityId: string; title: string }[];
    };
  };
  const allEmbedded = (user: SignedUpUser) =>
    eventually(async () => {
      const status = (await api(user, 'GET', '/api/v1/ai/embeddings')).json();
      return status.total > 0 && status.embedded === status.total && !status.reembedding ? status : undefined;
    }, 'every entity to be embedded');

  beforeAll(async () => {
    hub = await createTestHub('pglite');
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const now = Date.now();
    // Inside this ISO week (from Monday 00:00 UTC) whatever day the suite runs: two days ago
    // was last week on a Monday or Tuesday, and "this week" found nothing.
    const today = new Date(now);
    const monday =
      Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - ((today.getUTCDay() + 6) % 7) * DAY;
    const thisWeek = new Date(Math.max(now - 2 * DAY, monday + 60_000)).toISOString();
    const entities: Record<string, object> = {
      ada: { type: 'person', title: 'Ada Lovelace' },
      kayak: { type: 'note', title: 'Boat', body: 'The kayak is moored at pier nine in the harbour.' },
      tulips: { type: 'note', title: 'Garden plan', body: 'Plant tulips along the fence in October.' },
      adaMessage: {
        type: 'message',
        title: 'Text from Ada',
        body: 'Can we move our lunch to Thursday?',
        occurredAt: thisWeek,
      },
      grantMessage: {
        type: 'message',
        title: 'Text from Grant',
        body: 'Can we move our lunch to Friday?',
        occurredAt: thisWeek,
      },
      oldCall: {
        type: 'call',
        title: 'Call with the dentist',
        body: 'Transcript: your lunch appointment moved.',
        occurredAt: new Date(now - 400 * DAY).toISOString(),
      },
    };
    for (const [key, entity] of Object.entries(entities)) {
      const response = await api(alice, 'POST', '/api/v1/entities', entity);
      expect(response.statusCode, response.body).toBe(201);
      ids[key] = response.json().id;
    }
    await hub.db.asUser(alice.claims, (tx) =>
      tx.query(`INSERT INTO public.entity_links (id, kind, from_id, to_id) VALUES ($1, 'from', $2, $3)`, [
        uuidv7(),
        ids.adaMessage,
        ids.ada,
      ]),
    );
    const secret = await api(bob, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'Rowing boat',
      body: 'The canoe is tied up at the marina jetty.',
    });
    ids.bobs = secret.json().id;
    await allEmbedded(alice);
    await allEmbedded(bob);
  }, 180_000);
  afterAll(() => hub?.close());

  it('reports vectors on, the offline model, and counts', async () => {
    const status = (await api(alice, 'GET', '/api/v1/ai/embeddings')).json();
    expect(status).toMatchObject({ vectors: 'on', reason: null, profile: 'use-lite-512', problem: null });
    expect(status.embedded).toBe(status.total);
    expect(status.total).toBe(6);
  });

  it('vector search finds a paraphrase that shares no word with the text; keyword search cannot', async () => {
    const question = 'Where did I leave my canoe?';
    const vector = await retrieve(alice, { question, mode: 'vector', limit: 3 });
    expect(vector.mode).toBe('vector');
    expect(vector.passages[0]!.entityId).toBe(ids.kayak);
    expect((await retrieve(alice, { question, mode: 'keyword' })).passages).toEqual([]);
    const hybrid = await retrieve(alice, { question, limit: 3 });
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.passages[0]!.entityId).toBe(ids.kayak);
  });

  it("RLS: another user's vectors are never neighbours, and their rows are invisible", async () => {
    const found = await retrieve(alice, { question: 'canoe tied up at the marina jetty', mode: 'vector', limit: 20 });
    expect(found.passages.map((p) => p.entityId)).not.toContain(ids.bobs);
    const rows = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ entity_id: string }>('SELECT entity_id FROM made_open.ai_embeddings'),
    );
    expect(rows.rows.map((r) => r.entity_id).sort()).toEqual(
      Object.entries(ids)
        .filter(([k]) => k !== 'bobs')
        .map(([, v]) => v)
        .sort(),
    );
    // Bob's own search does find it.
    const bobs = await retrieve(bob, { question: 'Where did I leave my canoe?', mode: 'vector' });
    expect(bobs.passages.map((p) => p.entityId)).toEqual([ids.bobs]);
  });

  it('type, time and person filters narrow both legs', async () => {
    const fromAda = await retrieve(alice, { question: 'lunch messages from Ada' });
    expect(fromAda.filters).toMatchObject({ person: 'Ada', personIds: [ids.ada] });
    expect(fromAda.passages.map((p) => p.entityId)).toEqual([ids.adaMessage]);

    const week = await retrieve(alice, { question: 'anything about lunch this week' });
    expect(week.passages.map((p) => p.entityId).sort()).toEqual([ids.adaMessage, ids.grantMessage].sort());

    const calls = await retrieve(alice, { question: 'lunch in my calls' });
    expect(calls.filters.types).toEqual(['call']);
    expect(calls.passages.map((p) => p.entityId)).toEqual([ids.oldCall]);

    const callsLastWeek = await retrieve(alice, { question: 'lunch in my calls last week' });
    expect(callsLastWeek.passages).toEqual([]);
  });

  it('a changed entity is embedded again at its new version', async () => {
    const patched = await api(alice, 'PATCH', `/api/v1/entities/${ids.tulips}`, {
      body: 'Repaint the bicycle shed in dark green.',
      version: 1,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await eventually(async () => {
      const found = await retrieve(alice, { question: 'painting the bike shed', mode: 'vector', limit: 1 });
      return found.passages[0]?.entityId === ids.tulips ? true : undefined;
    }, 'the new text to be embedded');
    await allEmbedded(alice);
  });

  it('re-embed: checks its input, then embeds everything again with progress', async () => {
    expect((await api(alice, 'POST', '/api/v1/ai/embeddings/reembed', { profile: 'gpt-embed' })).statusCode).toBe(400);
    const noLocal = await api(alice, 'POST', '/api/v1/ai/embeddings/reembed', { profile: 'ollama:nomic-embed-text' });
    expect(noLocal.statusCode).toBe(409);
    expect(noLocal.json().error.code).toBe('embedding_model_unavailable');
    expect((await api(alice, 'GET', '/api/v1/ai/embeddings')).json().profile).toBe('use-lite-512');

    const before = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ at: Date }>('SELECT max(embedded_at) AS at FROM made_open.ai_embeddings'),
    );
    const started = await api(alice, 'POST', '/api/v1/ai/embeddings/reembed', {});
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({ vectors: 'on', reembedding: true });
    expect(started.json().embedded).toBeLessThan(started.json().total);
    await allEmbedded(alice);
    const after = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ at: Date }>('SELECT min(embedded_at) AS at FROM made_open.ai_embeddings'),
    );
    expect(after.rows[0]!.at.getTime()).toBeGreaterThan(before.rows[0]!.at.getTime());
  });

  it('chat retrieval is hybrid: a paraphrase finds its source with no model configured', async () => {
    const response = await api(alice, 'POST', '/api/v1/ai/chat', { question: 'Where did I leave my canoe?' });
    expect(response.statusCode).toBe(200);
    const events = parseSse(response.body);
    const sources = events.find((e) => e.event === 'sources')!.data as { sources: { entityId: string }[] };
    expect(sources.sources[0]!.entityId).toBe(ids.kayak);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { route: 'none' } });
  });

  it('rejects bad retrieval input with 400', async () => {
    expect((await api(alice, 'POST', '/api/v1/ai/retrieve', { question: '' })).statusCode).toBe(400);
    expect((await api(alice, 'POST', '/api/v1/ai/retrieve', { question: 'x', mode: 'magic' })).statusCode).toBe(400);
    expect((await api(alice, 'POST', '/api/v1/ai/retrieve', { question: 'x', limit: 500 })).statusCode).toBe(400);
  });
});

describe('writeGroups', () => {
  const item = (name: string, vectors: number) => ({ name, vectors: Array.from({ length: vectors }, () => [0]) });
  const names = (groups: { name: string }[][]) => groups.map((g) => g.map((i) => i.name).join(''));

  it("fills each write up to the limit and keeps an entity's vectors together", () => {
    expect(names(writeGroups([item('a', 5), item('b', 5), item('c', 3), item('d', 1)], 12))).toEqual(['ab', 'cd']);
    // An entity with more vectors than the limit is written alone, never split.
    expect(names(writeGroups([item('a', 2), item('b', 20), item('c', 2)], 12))).toEqual(['a', 'b', 'c']);
    expect(writeGroups([], 12)).toEqual([]);
  });
});
