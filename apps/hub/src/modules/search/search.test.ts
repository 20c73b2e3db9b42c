import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import { createAuthModule } from '../auth/index.ts';
import { createEventsModule } from '../events/index.ts';
import { createGraphModule, graphExport, type GraphExportCursor, type GraphExportRow } from '../graph/index.ts';
import { EmbeddedSearchEngine } from './engine/embedded.ts';
import { phoneQueryForms } from './engine/phone.ts';
import { createSearchModule, type SearchModule } from './index.ts';
import { createSearchIndexer } from './search.indexer.ts';

/**
 * The search module end to end on each database: graph writes through the REST API, graph
 * events through the events module's durable consumer, the embedded index, and the
 * search routes. (The hub is assembled here from the modules search needs.)
 */

interface Hit {
  id: string;
  type: string;
  title: string;
  snippet: string;
}

describe.each(testDatabaseKinds())('search on %s', (kind) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let search: SearchModule;
  let modules: HubModule[];
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const ids: Record<string, string> = {};

  const get = (user: SignedUpUser, url: string) => app.inject({ method: 'GET', url, headers: bearer(user) });
  const hits = async (user: SignedUpUser, q: string, extra = '') => {
    const r = await get(user, `/api/v1/search?q=${encodeURIComponent(q)}${extra}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { hits: Hit[]; facets: Record<string, Record<string, number>>; estimatedTotal: number };
  };
  const people = async (user: SignedUpUser, q: string) => {
    const r = await get(user, `/api/v1/search/people?q=${encodeURIComponent(q)}`);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { hits: Hit[] }).hits;
  };
  /** Waits until the index reflects the graph (the consumer runs asynchronously). */
  async function eventually(check: () => Promise<void>, ms = 15_000) {
    const until = Date.now() + ms;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  const post = async (user: SignedUpUser, url: string, payload: object) => {
    const r = await app.inject({ method: 'POST', url, headers: bearer(user), payload });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json() as { id: string; version: number };
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const db = database.db;
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-search-')),
      LOG_LEVEL: 'silent',
      PORT: '0',
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
    });
    const logger = createLogger('silent');
    const events = createEventsModule({ config, db, logger, tuning: { relay: { pollMs: 20 }, retryBaseMs: 50 } });
    const auth = createAuthModule({ config, db, logger, outbox: events.outbox });
    const graph = createGraphModule({ db, logger, outbox: events.outbox });
    search = createSearchModule({ config, db, logger, events });
    modules = [events, auth, graph, search];
    app = await buildApp({ config, logger, db, tokenVerifier: auth.verifier, modules });
    for (const m of modules) await m.start?.();
    await search.ready();

    alice = await signUpUser({ app });
    bob = await signUpUser({ app });
    ids.john = (
      await post(alice, '/api/v1/persons', {
        name: 'John Smith',
        phones: ['+1 415 555 0123'],
        emails: ['john.smith@acme.com'],
      })
    ).id;
    ids.jane = (await post(alice, '/api/v1/persons', { name: 'Jane Smithson', emails: ['jane@smithson.org'] })).id;
    ids.note = (
      await post(alice, '/api/v1/entities', {
        type: 'note',
        title: 'Passport renewal',
        body: 'Bring the old passport and two photos to the consulate. Ask John Smith about the form.',
      })
    ).id;
    ids.message = (
      await post(alice, '/api/v1/entities', {
        type: 'message',
        title: 'Dinner with the Smiths',
        body: 'Friday 8pm',
        properties: { channel: 'sms', direction: 'inbound', from: '+14155550123' },
      })
    ).id;
    ids.bobJohn = (await post(bob, '/api/v1/persons', { name: 'John Smith', phones: ['+44 20 7946 0958'] })).id;
    await eventually(async () => {
      expect((await hits(alice, 'passport')).hits).toHaveLength(1);
      expect((await hits(bob, 'john')).hits).toHaveLength(1);
    });
  }, 180_000);

  afterAll(async () => {
    for (const m of [...(modules ?? [])].reverse()) await m.stop?.().catch(() => undefined);
    await app?.close();
    await database?.drop();
  });

  it('tolerates typos: "Jonh Smiht" finds John Smith first', async () => {
    const result = await hits(alice, 'Jonh Smiht');
    expect(result.hits[0]).toMatchObject({ id: ids.john, type: 'person', title: 'John Smith' });
    expect(result.hits[0]!.snippet).toContain('<mark>');
  });

  it('completes the last word as you type', async () => {
    expect((await hits(alice, 'john smi')).hits[0]!.id).toBe(ids.john);
    expect((await hits(alice, 'passp')).hits.map((h) => h.id)).toEqual([ids.note]);
    expect((await hits(alice, 'consul')).hits[0]!.snippet).toContain('<mark>consulate</mark>');
  });

  it('finds people by phone in any format, by email and by name (command palette)', async () => {
    for (const typed of [
      '(415) 555-0123',
      '+1 415 555 0123',
      '415.555.0123',
      '+14155550123',
      '001 415 555 0123',
      '415-555',
    ]) {
      expect(
        (await people(alice, typed)).map((h) => h.id),
        typed,
      ).toEqual([ids.john]);
    }
    expect((await people(alice, 'john.smith@acme.com')).map((h) => h.id)).toEqual([ids.john]);
    expect((await people(alice, 'smith')).map((h) => h.id).sort()).toEqual([ids.john, ids.jane].sort());
    // persons only: the note and the message mentioning Smith are not in the palette
    expect(await people(alice, 'passport')).toEqual([]);
    expect((await people(bob, '020 7946 0958')).map((h) => h.id)).toEqual([ids.bobJohn]);
  });

  it('counts facets by type and filters by type and source', async () => {
    const all = await hits(alice, 'smith');
    expect(all.facets.type).toEqual({ person: 2, note: 1, message: 1 });
    expect(all.estimatedTotal).toBe(4);
    const persons = await hits(alice, 'smith', '&types=person');
    expect(persons.hits.map((h) => h.type)).toEqual(['person', 'person']);
    expect((await hits(alice, 'smith', '&types=note,message')).hits).toHaveLength(2);
    expect((await hits(alice, 'smith', '&filters=source:twilio')).hits).toHaveLength(0);
    expect((await hits(alice, 'smith', '&limit=1&offset=1')).hits).toHaveLength(1);
  });

  it('never shows one user the other’s documents', async () => {
    const forBob = await hits(bob, 'john smith');
    expect(forBob.hits.map((h) => h.id)).toEqual([ids.bobJohn]);
    expect((await hits(bob, 'passport')).hits).toEqual([]);
    expect(await people(bob, '(415) 555-0123')).toEqual([]);
    const forAlice = await hits(alice, 'john smith');
    expect(forAlice.hits.map((h) => h.id)).not.toContain(ids.bobJohn);
  });

  it('follows updates, and drops deleted and merged entities', async () => {
    const temp = await post(alice, '/api/v1/entities', { type: 'note', title: 'Quokka sighting', body: 'on Rottnest' });
    await eventually(async () => expect((await hits(alice, 'quokka')).hits).toHaveLength(1));
    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/v1/entities/${temp.id}`,
      headers: bearer(alice),
      payload: { version: temp.version, title: 'Wombat sighting' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await eventually(async () => {
      expect((await hits(alice, 'wombat')).hits.map((h) => h.id)).toEqual([temp.id]);
      expect((await hits(alice, 'quokka ')).hits).toEqual([]);
    });
    const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/entities/${temp.id}`, headers: bearer(alice) });
    expect(deleted.statusCode).toBeLessThan(300);
    await eventually(async () => expect((await hits(alice, 'wombat')).hits).toEqual([]));

    const dup = await post(alice, '/api/v1/persons', { name: 'Johnny Smith', phones: ['+1 212 555 0199'] });
    await eventually(async () => expect((await people(alice, '212 555 0199')).map((h) => h.id)).toEqual([dup.id]));
    const merged = await app.inject({
      method: 'POST',
      url: `/api/v1/persons/${ids.john}/merge`,
      headers: bearer(alice),
      payload: { otherId: dup.id },
    });
    expect(merged.statusCode, merged.body).toBe(200);
    await eventually(async () => {
      expect((await hits(alice, 'johnny')).hits.map((h) => h.id)).not.toContain(dup.id);
      // the survivor now answers to the merged person's number
      expect((await people(alice, '212 555 0199')).map((h) => h.id)).toEqual([ids.john]);
    });
  });

  it('a rebuild from the graph gives the same results as incremental indexing, and the check finds nothing wrong', async () => {
    const queries = ['smith', 'Jonh Smiht', 'john smi', 'passport', '(415) 555-0123', 'dinner', 'johnny', 'wombat'];
    const rebuilt = new EmbeddedSearchEngine({ phoneForms: phoneQueryForms });
    const indexer = createSearchIndexer({
      db: database.db,
      engine: rebuilt,
      graph: graphExport,
      logger: createLogger('silent'),
    });
    await indexer.rebuild();
    for (const owner of [alice, bob]) {
      for (const q of queries) {
        const incremental = await search.engine.search({
          ownerId: owner.id,
          q,
          limit: 20,
          offset: 0,
          facets: ['type'],
        });
        const fromGraph = await rebuilt.search({ ownerId: owner.id, q, limit: 20, offset: 0, facets: ['type'] });
        expect(
          fromGraph.hits.map((h) => [h.id, h.title, h.snippet]),
          q,
        ).toEqual(incremental.hits.map((h) => [h.id, h.title, h.snippet]));
        expect(fromGraph.facets, q).toEqual(incremental.facets);
      }
    }
    const report = await search.indexer.check();
    expect(report).toMatchObject({ missing: [], stale: [], extra: [] });
    expect(report.indexDocuments).toBe(report.graphDocuments);
  });

  it('rebuilds through the graph export: every owner, page by page, tombstones included', async () => {
    const all = await database.db.asSystem((tx) => graphExport.page(tx, null, 100_000));
    const paged: GraphExportRow[] = [];
    let after: GraphExportCursor | null = null;
    for (;;) {
      const cursor: GraphExportCursor | null = after;
      const page: GraphExportRow[] = await database.db.asSystem((tx) => graphExport.page(tx, cursor, 3, 5));
      if (page.length === 0) break;
      paged.push(...page);
      after = { ownerId: page[page.length - 1]!.ownerId, id: page[page.length - 1]!.id };
    }
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
    expect(new Set(all.map((r) => r.ownerId))).toEqual(new Set([alice.id, bob.id]));
    expect(paged.every((r) => r.body.length <= 5)).toBe(true);
    const { live, all: total } = await database.db.asSystem((tx) => graphExport.count(tx));
    expect([live, total]).toEqual([all.filter((r) => !r.deletedAt).length, all.length]);
    // the deleted note and the merged person are tombstones, without identifiers
    const john = all.find((r) => r.id === ids.john)!;
    expect(john.identifiers).toEqual(expect.arrayContaining([{ kind: 'phone', value: '+12125550199' }]));
    const tombstones = all.filter((r) => r.deletedAt);
    expect(tombstones.length).toBeGreaterThanOrEqual(2);
    expect(tombstones.every((r) => r.identifiers.length === 0)).toBe(true);
  });

  it('answers hostile query strings with 4xx or results, never 500', async () => {
    const nasty = [
      "'; DROP TABLE public.entities; --",
      '"unterminated',
      'ownerId = "x" OR 1=1',
      '*'.repeat(400),
      '%00',
      '\\',
      '()[]{}<>',
      '🙂'.repeat(100),
      'a'.repeat(499),
      'a'.repeat(501),
      ' ',
      '',
      '+',
      '0000000000000000000000000000000000000000',
      'x'.repeat(60) + ' ' + 'y'.repeat(60),
    ];
    for (const q of nasty) {
      const r = await get(alice, `/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(r.statusCode, `${q.slice(0, 20)}: ${r.body}`).toBeLessThan(500);
      if (r.statusCode === 200) expect(r.json().hits.every((h: Hit) => !h.snippet.includes('<script'))).toBe(true);
    }
    const injected = await hits(alice, '<script>alert(1)</script> smith');
    for (const h of injected.hits) expect(h.snippet).not.toMatch(/<(?!\/?mark>)/);
    const bad = [
      '/api/v1/search?q=x&limit=0',
      '/api/v1/search?q=x&limit=1000',
      '/api/v1/search?q=x&offset=-1',
      '/api/v1/search?q=x&types=robot',
      '/api/v1/search?q=x&types=person;drop',
      '/api/v1/search?q=x&facets=ownerId',
      '/api/v1/search?q=x&filters=ownerId:abc',
      '/api/v1/search?q=x&filters=after:yesterday',
      '/api/v1/search?q=x&filters=source:UPPER',
      '/api/v1/search?q=x&extra=1',
      '/api/v1/search',
      '/api/v1/search/people?q=',
      `/api/v1/search?q=${'%00'}`,
    ];
    for (const url of bad) {
      const r = await get(alice, url);
      expect(r.statusCode, `${url}: ${r.body}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, url).toBeLessThan(500);
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/search?q=smith' })).statusCode).toBe(401);
  });

  it('reports index state and lag in /health and /metrics', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    const body = health.json() as { checks: Record<string, { status: string; details: Record<string, unknown> }> };
    expect(body.checks.search).toMatchObject({ status: 'ok', details: { engine: 'embedded', pendingEvents: 0 } });
    expect(body.checks.search!.details.documents).toBeGreaterThan(0);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/made_open_search_index_pending_events 0/);
    expect(metrics).toMatch(/made_open_search_documents\{engine="embedded"\} \d+/);
    expect(metrics).toMatch(/made_open_search_index_delay_seconds [\d.]+/);
  });
});
