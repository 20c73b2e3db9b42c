import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedSearchEngine } from './embedded.ts';
import { MeiliSearchEngine } from './meilisearch.ts';
import { startMeiliStandIn, type MeiliStandIn } from '../test/meilisearch.stand-in.ts';
import { phoneIndexForms, phoneQueryForms } from './phone.ts';
import type { SearchDocument, SearchEngine } from './types.ts';

/**
 * The SearchEngine contract, on the embedded engine and on the Meilisearch adapter.
 * No Meilisearch server can run on this machine: the adapter talks to a stand-in HTTP
 * server built from Meilisearch's documented request/response shapes
 * (../test/meilisearch.stand-in.ts), so these tests check what the adapter sends and how it reads
 * the answers, not Meilisearch's own ranking.
 */

const alice = '0190b3a0-0000-7000-8000-00000000a11c';
const bob = '0190b3a0-0000-7000-8000-000000000b0b';
let seq = 0;
const id = () => `0190b3a0-0000-7000-8000-${(++seq).toString().padStart(12, '0')}`;

const doc = (ownerId: string, over: Partial<SearchDocument>): SearchDocument => ({
  id: id(),
  ownerId,
  type: 'note',
  title: '',
  body: '',
  keywords: [],
  source: null,
  occurredAt: null,
  version: 1,
  ...over,
});

const query = (ownerId: string, q: string, more: object = {}) => ({
  ownerId,
  q,
  limit: 10,
  offset: 0,
  facets: ['type' as const],
  ...more,
});

let standIn: MeiliStandIn;
beforeAll(async () => {
  standIn = await startMeiliStandIn({ apiKey: 'test-master-key' });
});
afterAll(async () => {
  await standIn?.close();
});

const engines: Array<[string, () => Promise<SearchEngine>]> = [
  ['embedded', async () => new EmbeddedSearchEngine({ phoneForms: (t) => phoneQueryForms(t) })],
  [
    'meilisearch (stand-in server)',
    async () =>
      new MeiliSearchEngine({ url: standIn.url, apiKey: 'test-master-key', indexUid: `t${++seq}`, batchSize: 2 }),
  ],
];

describe.each(engines)('SearchEngine contract: %s', (_name, make) => {
  let engine: SearchEngine;
  const john = doc(alice, {
    type: 'person',
    title: 'John Smith',
    body: 'Acme, Boston',
    keywords: ['john.smith@acme.com', ...phoneIndexForms('+14155550123')],
  });
  const note = doc(alice, {
    title: 'Passport renewal',
    body: 'Bring the old passport and two photos to the consulate',
  });
  const bobs = doc(bob, { type: 'person', title: 'John Smith', body: 'the other John Smith, Bob’s contact' });

  beforeAll(async () => {
    engine = await make();
    await engine.init();
    expect(await engine.upsert([john, note, bobs])).toEqual({ applied: 3, stale: 0 });
  });

  it('finds by words, prefix and email, with highlighted snippets', async () => {
    const byName = await engine.search(query(alice, 'john smith'));
    expect(byName.hits.map((h) => h.id)).toEqual([john.id]);
    expect(byName.hits[0]!.snippet).toContain('<mark>');
    expect((await engine.search(query(alice, 'passp'))).hits.map((h) => h.id)).toEqual([note.id]);
    expect((await engine.search(query(alice, 'consulate'))).hits[0]!.snippet).toContain('<mark>consulate</mark>');
    expect((await engine.search(query(alice, 'john.smith@acme.com'))).hits.map((h) => h.id)).toEqual([john.id]);
  });

  it('never returns another owner’s documents', async () => {
    const a = await engine.search(query(alice, 'smith'));
    const b = await engine.search(query(bob, 'smith'));
    expect(a.hits.map((h) => h.id)).toEqual([john.id]);
    expect(b.hits.map((h) => h.id)).toEqual([bobs.id]);
    expect((await engine.search(query(bob, 'passport'))).hits).toEqual([]);
    expect(await engine.versions(bob)).toEqual(new Map([[bobs.id, 1]]));
  });

  it('counts facets by type and filters by type', async () => {
    const extra = doc(alice, { type: 'message', title: 'Smith family dinner', body: 'Sunday at 7' });
    await engine.upsert([extra]);
    const all = await engine.search(query(alice, 'smith'));
    expect(all.facets.type).toEqual({ person: 1, message: 1 });
    expect(all.estimatedTotal).toBe(2);
    const messages = await engine.search(query(alice, 'smith', { types: ['message'] }));
    expect(messages.hits.map((h) => h.id)).toEqual([extra.id]);
    await engine.remove([{ ownerId: alice, id: extra.id, version: 2 }]);
  });

  it('ignores stale writes and keeps deletions against older versions', async () => {
    const n = doc(alice, { title: 'Boiler repair', version: 3 });
    await engine.upsert([n]);
    expect(await engine.upsert([{ ...n, title: 'Old boiler title', version: 2 }])).toEqual({ applied: 0, stale: 1 });
    expect((await engine.search(query(alice, 'boiler'))).hits[0]!.title).toBe('Boiler repair');
    expect(await engine.remove([{ ownerId: alice, id: n.id, version: 4 }])).toMatchObject({ applied: 1 });
    expect((await engine.search(query(alice, 'boiler'))).hits).toEqual([]);
    // an update older than the deletion arriving late must not bring it back
    expect(await engine.upsert([{ ...n, version: 3 }])).toEqual({ applied: 0, stale: 1 });
    expect((await engine.search(query(alice, 'boiler'))).hits).toEqual([]);
  });

  it('clears one owner', async () => {
    const other = await make();
    await other.init();
    await other.upsert([doc(alice, { title: 'kept nothing' }), doc(bob, { title: 'kept bob' })]);
    await other.clear(alice);
    expect((await other.search(query(alice, 'kept'))).hits).toEqual([]);
    expect((await other.search(query(bob, 'kept'))).hits).toHaveLength(1);
  });
});

describe('embedded engine specifics', () => {
  const engine = new EmbeddedSearchEngine({ phoneForms: (t) => phoneQueryForms(t) });
  const john = doc(alice, { type: 'person', title: 'John Smith', keywords: [...phoneIndexForms('+14155550123')] });
  const jon = doc(alice, { type: 'person', title: 'Jonathan Smithers' });
  beforeAll(() => engine.upsertSync([john, jon, doc(alice, { title: 'Johnson & Johnson invoice' })]));

  it('tolerates typos ("Jonh Smiht" finds John Smith first)', () => {
    expect(engine.searchSync(query(alice, 'Jonh Smiht')).hits[0]!.id).toBe(john.id);
  });

  it('completes the last word as a prefix', () => {
    expect(engine.searchSync(query(alice, 'john smi')).hits[0]!.id).toBe(john.id);
    expect(engine.searchSync(query(alice, 'jonat')).hits.map((h) => h.id)).toContain(jon.id);
  });

  it('finds phone numbers however they are typed', () => {
    for (const typed of [
      '(415) 555-0123',
      '+1 415 555 0123',
      '415.555.0123',
      '001 415 555 0123',
      '415-555',
      '555-0123',
    ]) {
      expect(
        engine.searchSync(query(alice, typed)).hits.map((h) => h.id),
        typed,
      ).toEqual([john.id]);
    }
  });

  it('compacts after many deletions and still answers correctly', async () => {
    const e = new EmbeddedSearchEngine();
    const words = ['zebra', 'mango', 'quartz', 'violet', 'copper', 'falcon', 'harbor'];
    const docs = Array.from({ length: 3000 }, (_, i) => doc(alice, { title: `item ${i} ${words[i % 7]}` }));
    e.upsertSync(docs);
    await e.remove(docs.slice(0, 2500).map((d) => ({ ownerId: alice, id: d.id, version: 2 })));
    expect(e.stats().documents).toBe(500);
    const r = e.searchSync(query(alice, 'quartz ', { limit: 1000 }));
    const expected = docs.slice(2500).filter((d) => d.title.endsWith('quartz'));
    expect(r.estimatedTotal).toBe(expected.length);
    expect(new Set(r.hits.map((h) => h.id))).toEqual(new Set(expected.map((d) => d.id)));
  });

  it('keeps the documents with the most words when none has all, within the filters', async () => {
    const e = new EmbeddedSearchEngine();
    const ab = doc(alice, { title: 'alpha beta' });
    const ag = doc(alice, { type: 'message', title: 'alpha gamma' });
    const b = doc(alice, { title: 'beta' });
    const abg = doc(alice, { type: 'message', title: 'alpha beta gamma' });
    e.upsertSync([ab, ag, b, abg]);
    const ids = (r: { hits: Array<{ id: string }> }) => r.hits.map((h) => h.id).sort();
    const all = e.searchSync(query(alice, 'alpha beta gamma '));
    expect([ids(all), all.estimatedTotal]).toEqual([[abg.id], 1]);
    // the only document with every word is not a note: notes with the most words remain
    const notes = e.searchSync(query(alice, 'alpha beta gamma ', { types: ['note'] }));
    expect([ids(notes), notes.estimatedTotal, notes.facets.type]).toEqual([[ab.id], 1, { note: 1 }]);
    await e.remove([{ ownerId: alice, id: abg.id, version: 2 }]);
    const twoWords = e.searchSync(query(alice, 'alpha beta gamma '));
    expect([ids(twoWords), twoWords.estimatedTotal]).toEqual([[ab.id, ag.id].sort(), 2]);
  });

  it('ranks an index with updates and deletions exactly like one built from the final documents', async () => {
    // Enough documents and a skewed vocabulary to take every path: words in more than an
    // eighth of the documents (dense passes), rare words against common ones (galloping),
    // and prefixes with more than 48 completions (the most-frequent cut).
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const common = ['meeting', 'dinner', 'invoice', 'the', 'and', 'project', 'call', 'kids', 'school', 'budget'];
    const rare = Array.from(
      { length: 400 },
      (_, i) => `ka${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}n`,
    );
    const word = () =>
      random() < 0.7 ? common[Math.floor(random() ** 2 * common.length)]! : rare[Math.floor(random() * rare.length)]!;
    const text = (n: number) => Array.from({ length: 1 + Math.floor(random() * n) }, word).join(' ');
    const types = ['note', 'message', 'event'];
    const make = (i: number, version: number): SearchDocument => ({
      id: `doc-${String(i).padStart(5, '0')}`,
      ownerId: alice,
      type: types[i % 3]!,
      title: text(4),
      body: text(25),
      keywords: random() < 0.2 ? [rare[i % rare.length]!] : [],
      source: i % 4 === 0 ? 'twilio' : i % 4 === 1 ? 'msgraph' : null,
      occurredAt: i % 5 === 0 ? null : 1_700_000_000_000 + Math.floor(random() * 1000) * 60_000,
      version,
    });
    const incremental = new EmbeddedSearchEngine();
    const final = new Map<string, SearchDocument>();
    const put = (docs: SearchDocument[]) => {
      incremental.upsertSync(docs);
      for (const d of docs) final.set(d.id, d);
    };
    const drop = async (ids: number[], version: number) => {
      await incremental.remove(ids.map((i) => ({ ownerId: alice, id: `doc-${String(i).padStart(5, '0')}`, version })));
      for (const i of ids) final.delete(`doc-${String(i).padStart(5, '0')}`);
    };
    put(Array.from({ length: 5000 }, (_, i) => make(i, 1)));
    const compare = (label: string) => {
      const rebuilt = new EmbeddedSearchEngine();
      rebuilt.upsertSync([...final.values()].reverse());
      const queries = [
        'the',
        'meeting',
        'k',
        'ka',
        'kab',
        'kaqdn',
        'dinner invoice',
        'the and school',
        'budgte',
        'meetign kids',
        'kids ka',
        'invoice kaxbn',
        'kazzn dinner',
      ];
      for (const q of queries) {
        for (const more of [
          {},
          { types: ['message'] },
          { filters: { sources: ['twilio'] } },
          { offset: 5, limit: 20 },
        ]) {
          const a = incremental.searchSync(query(alice, q, { facets: ['type', 'source'], ...more }));
          const b = rebuilt.searchSync(query(alice, q, { facets: ['type', 'source'], ...more }));
          const shape = (r: typeof a) => ({
            total: r.estimatedTotal,
            facets: r.facets,
            hits: r.hits.map((h) => [h.id, h.score, h.snippet]),
          });
          expect(shape(a), `${label}: ${q} ${JSON.stringify(more)}`).toEqual(shape(b));
        }
      }
    };
    // updates and deletions below the compaction threshold: dead postings stay in the lists
    put(Array.from({ length: 400 }, (_, k) => make(k * 7, 2)));
    await drop(
      Array.from({ length: 300 }, (_, k) => k * 11 + 3),
      3,
    );
    expect(incremental.stats().documents).toBe(final.size);
    compare('with dead postings');
    // a few changes after queries brought live counts up to date: looked up one by one
    put(Array.from({ length: 10 }, (_, k) => make(k * 13 + 5, 4)));
    await drop([4, 9, 15, 22, 31, 40, 58, 77], 5);
    compare('a few changes later');
    // enough more to compact, then changes after the compaction
    put(Array.from({ length: 1200 }, (_, k) => make(k * 3 + 1, 6)));
    await drop(
      Array.from({ length: 600 }, (_, k) => k * 5 + 2),
      7,
    );
    put(Array.from({ length: 100 }, (_, k) => make(5000 + k, 1)));
    expect(incremental.stats().documents).toBe(final.size);
    compare('after compaction');
  });

  it('returns nothing (not an error) for hostile input', () => {
    for (const q of [
      '',
      '   ',
      '"\'); DROP TABLE x; --',
      '*'.repeat(400),
      '\u0000\u0001',
      '𝕏'.repeat(50),
      '((((',
      'a'.repeat(5000),
    ]) {
      expect(() => engine.searchSync(query(alice, q))).not.toThrow();
    }
  });
});

describe('Meilisearch adapter requests (stand-in server)', () => {
  it('configures the index, authenticates, and filters every query by owner', async () => {
    const engine = new MeiliSearchEngine({ url: standIn.url, apiKey: 'test-master-key', indexUid: 'requests_check' });
    await engine.init();
    const settings = standIn.settings('requests_check');
    expect(settings.filterableAttributes).toEqual(expect.arrayContaining(['ownerId', 'type', 'deleted']));
    expect(settings.searchableAttributes).toEqual(['title', 'keywords', 'body']);
    expect(settings.typoTolerance).toMatchObject({ enabled: true });
    await engine.upsert([doc(alice, { title: 'hello world' })]);
    await engine.search(query(alice, 'hello', { types: ['note'], filters: { sources: ['twilio'] } }));
    await engine.search(query(alice, 'hello'));
    const searches = standIn.requests.filter((r) => r.path === '/indexes/requests_check/search');
    expect(searches.length).toBeGreaterThan(0);
    for (const s of searches)
      expect((s.body as { filter: string[] }).filter).toEqual(
        expect.arrayContaining([`ownerId = "${alice}"`, 'deleted = false']),
      );
    expect(standIn.requests.every((r) => r.path === '/health' || r.authorization === 'Bearer test-master-key')).toBe(
      true,
    );
  });

  it('reports an unreachable server as an operator error', async () => {
    const engine = new MeiliSearchEngine({ url: 'http://127.0.0.1:9', indexUid: 'x' });
    await expect(engine.search(query(alice, 'x'))).rejects.toMatchObject({ name: 'OperatorError' });
  });

  it('issues tenant tokens that pin the owner filter', async () => {
    const engine = new MeiliSearchEngine({ url: standIn.url, indexUid: 'tokens' });
    const token = await engine.tenantToken(
      alice,
      'a'.repeat(32),
      '0190b3a0-0000-7000-8000-000000000001',
      new Date(Date.now() + 60_000),
    );
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload.searchRules.tokens.filter).toBe(`ownerId = "${alice}" AND deleted = false`);
  });
});
