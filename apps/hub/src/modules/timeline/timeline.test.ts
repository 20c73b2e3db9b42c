import { mentionToken } from '@made-open/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { GraphModule } from '../graph/index.ts';

/**
 * A person's timeline through the API: ordering by each entity's own time, keyset paging
 * without gaps or repeats, type filters, bad input, and other users' persons (404 by RLS).
 */
describe.each(testDatabaseKinds())('person timeline on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let ada: { id: string };
  const expected: string[] = [];
  const request = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const create = async (user: SignedUpUser, body: object) => {
    const response = await request(user, 'POST', '/api/v1/entities', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; version: number };
  };
  const link = async (user: SignedUpUser, kind: string, fromId: string, toId: string) => {
    const response = await request(user, 'POST', '/api/v1/links', { kind, fromId, toId });
    expect(response.statusCode, response.body).toBe(201);
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    ada = (await request(alice, 'POST', '/api/v1/persons', { name: 'Ada Lovelace' })).json();
    // Made in an order unlike their own times, so a list by creation would fail.
    const call = await create(alice, {
      type: 'call',
      title: 'Call with Ada',
      occurredAt: '2025-03-01T10:00:00Z',
      properties: { direction: 'outbound', durationSeconds: 120 },
    });
    await link(alice, 'with', call.id, ada.id);
    const messages = [];
    for (const [i, at] of ['2025-01-05T09:00:00Z', '2025-04-10T09:00:00Z', '2025-02-01T09:00:00Z'].entries()) {
      const message = await create(alice, {
        type: 'message',
        title: `Text ${i}`,
        occurredAt: at,
        properties: { channel: 'sms', direction: 'inbound', threadId: 'thread-ada' },
      });
      await link(alice, 'from', message.id, ada.id);
      messages.push(message);
    }
    const event = await create(alice, {
      type: 'calendar_event',
      title: 'Lunch',
      properties: { startsAt: '2025-03-15T12:00:00Z' },
    });
    await link(alice, 'attendee', event.id, ada.id);
    // An unrelated message: never on Ada's timeline.
    await create(alice, { type: 'message', title: 'Other', properties: { channel: 'sms', direction: 'inbound' } });
    // Newest first by their own time: a note is dated by its edit (now), so it comes first.
    const note = await create(alice, { type: 'note', title: 'About Ada', body: `Met ${mentionToken('Ada', ada.id)}` });
    expected.push(note.id, messages[1]!.id, event.id, call.id, messages[2]!.id, messages[0]!.id);
  }, 180_000);
  afterAll(() => hub?.close());

  it('lists everything linked to the person, newest first by its own time', async () => {
    const response = await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline`);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json();
    expect(page.items.map((i: { id: string }) => i.id)).toEqual(expected);
    expect(page.nextCursor).toBeNull();
    const lunch = page.items.find((i: { title: string }) => i.title === 'Lunch');
    expect(lunch.at).toBe('2025-03-15T12:00:00.000000Z');
    expect(lunch.linkKinds).toEqual(['attendee']);
    expect(page.items[0].linkKinds).toEqual(['mentions']);
    expect(page.items.find((i: { type: string }) => i.type === 'message').properties.threadId).toBe('thread-ada');
  });

  it('pages by cursor without gaps or repeats, and filters by type', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/persons/${ada.id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await request(alice, 'GET', url)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(expected);
    const calls = (await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline?types=call,message`)).json();
    expect(calls.items.map((i: { type: string }) => i.type)).toEqual(['message', 'call', 'message', 'message']);
  });

  it('refuses bad input with a 400 and hides other users persons (404)', async () => {
    for (const query of ['cursor=bm9wZQ', 'types=person', 'types=message,bogus', 'limit=0', 'limit=201', 'extra=1']) {
      const response = await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline?${query}`);
      expect(response.statusCode, query).toBe(400);
    }
    expect((await request(alice, 'GET', '/api/v1/persons/not-a-uuid/timeline')).statusCode).toBe(400);
    const theirs = await request(bob, 'GET', `/api/v1/persons/${ada.id}/timeline`);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).not.toContain('Ada');
    // An id of a note is not a person.
    const note = expected[0]!;
    expect((await request(alice, 'GET', `/api/v1/persons/${note}/timeline`)).statusCode).toBe(404);
  });

  it('keeps each entry at its own time: ingested with its links in one statement, and when that time moves', async () => {
    const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
    const grace = (
      await request(alice, 'POST', '/api/v1/persons', { name: 'Grace', phones: ['+447700900001'] })
    ).json();
    const ingested = await hub.db.asUser(alice.claims, (tx) =>
      graph.ingest(tx, {
        ownerId: alice.id,
        actor: { kind: 'connector', id: 'test' },
        items: ['2025-05-01T08:00:00Z', '2025-06-01T08:00:00Z'].map((at, i) => ({
          type: 'message' as const,
          source: 'test',
          externalId: `sms-${i}`,
          title: `SMS ${i}`,
          occurredAt: at,
          properties: { channel: 'sms', direction: 'inbound' },
          people: [{ role: 'from', phone: '+447700900001' }],
        })),
      }),
    );
    const [older, newer] = ingested.items.map((i) => i.id);
    const event = await create(alice, {
      type: 'calendar_event',
      title: 'Tea',
      properties: { startsAt: '2025-05-15' },
    });
    await link(alice, 'attendee', event.id, grace.id);
    const order = async () =>
      (await request(alice, 'GET', `/api/v1/persons/${grace.id}/timeline`))
        .json()
        .items.map((i: { id: string }) => i.id);
    expect(await order()).toEqual([newer, event.id, older]);
    // Rescheduled after both texts: it moves to the top.
    const moved = await request(alice, 'PATCH', `/api/v1/entities/${event.id}`, {
      version: event.version,
      properties: { startsAt: '2025-07-01T10:00:00+02:00' },
    });
    expect(moved.statusCode).toBe(200);
    expect(await order()).toEqual([event.id, newer, older]);
    const top = (await request(alice, 'GET', `/api/v1/persons/${grace.id}/timeline?limit=1`)).json();
    expect(top.items[0].at).toBe('2025-07-01T08:00:00.000000Z');
    // A person's own instant is never stored on links, so renaming one rewrites none of them.
    const instants = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entity_links WHERE to_id = $1 AND to_at IS NOT NULL`,
        [grace.id],
      ),
    );
    expect(instants.rows[0]!.n).toBe(0);
  });

  it('documents its routes in OpenAPI', async () => {
    const spec = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const timeline = spec.paths['/api/v1/persons/{id}/timeline'].get;
    expect(timeline.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'id', 'limit', 'types']);
    expect(Object.keys(timeline.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
    expect(spec.paths['/api/v1/today'].get.summary).toBe('What needs attention today');
    expect(spec.paths['/api/v1/tasks/{id}/complete'].post.responses['409']).toBeDefined();
  });

  it('follows a merge: the survivor has the merged persons timeline; the merged id is 404 merged', async () => {
    const twin = (await request(alice, 'POST', '/api/v1/persons', { name: 'A. Lovelace' })).json();
    const call = await create(alice, {
      type: 'call',
      title: 'Call with the twin',
      occurredAt: '2024-12-01T10:00:00Z',
      properties: { direction: 'inbound' },
    });
    await link(alice, 'with', call.id, twin.id);
    expect((await request(alice, 'POST', `/api/v1/persons/${ada.id}/merge`, { otherId: twin.id })).statusCode).toBe(
      200,
    );
    const page = (await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline`)).json();
    expect(page.items.at(-1).id).toBe(call.id);
    const merged = await request(alice, 'GET', `/api/v1/persons/${twin.id}/timeline`);
    expect(merged.statusCode).toBe(404);
    expect(merged.json().error.code).toBe('merged');
  });
});
