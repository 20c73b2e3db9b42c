import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser } from '../../../test/users.ts';

/** The search module as the composition root wires it: graph writes become searchable. */
describe.each(testDatabaseKinds())('search in the composed hub on %s', (kind) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub(kind);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('indexes a note written through the graph API and reports in /health', async () => {
    const user = await signUpUser(hub);
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(user),
      payload: { type: 'note', title: 'Allotment plan', body: 'tomatoes and runner beans' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const until = Date.now() + 15_000;
    let hits: Array<{ id: string }> = [];
    while (Date.now() < until) {
      const r = await hub.app.inject({ method: 'GET', url: '/api/v1/search?q=tomatos', headers: bearer(user) });
      expect(r.statusCode, r.body).toBe(200);
      hits = r.json().hits;
      if (hits.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(hits.map((h) => h.id)).toEqual([created.json().id]);
    const health = (await hub.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.checks.search.details.engine).toBe('embedded');
  });
});
