import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { EventView } from './calendar.schemas.ts';

/**
 * "This and following" on hub series (scope=following), on PGlite and PostgreSQL: a series
 * ended before an occurrence (DELETE) or split there (PATCH), with COUNT and UNTIL rules,
 * exceptions after the split, the first occurrence, and hostile input changing nothing.
 * Weekly Monday 09:00 Berlin series across the 2026 DST change (29 March).
 */
describe.each(testDatabaseKinds())('calendar this and following on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const from = '2026-02-01T00:00:00Z';
  const to = '2026-07-01T00:00:00Z';

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const events = async (user = alice) => {
    const response = await api(user, 'GET', `/api/v1/calendar/events?${new URLSearchParams({ from, to })}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().events as EventView[];
  };
  const get = async (id: string) => {
    const response = await api(alice, 'GET', `/api/v1/calendar/events/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as EventView;
  };
  /** A weekly Monday 09:00 Berlin series from 2 March 2026. */
  const series = async (title: string, recurrence: string) => {
    const response = await api(alice, 'POST', '/api/v1/calendar/events', {
      title,
      startsAt: '2026-03-02T09:00:00+01:00',
      endsAt: '2026-03-02T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      recurrence,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as EventView;
  };
  const titled = async (prefix: string) =>
    (await events()).filter((e) => e.title.startsWith(prefix)).map((e) => `${e.startsAt} ${e.title}`);
  const occurrence = (master: EventView, day: string) => `${master.id}_${day.replace(/-/g, '')}T090000`;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  it('refuses "following" where there is nothing to follow, an unknown scope, and another user\'s occurrence', async () => {
    const master = await series('Hostile', 'FREQ=WEEKLY;COUNT=4');
    const single = await api(alice, 'POST', '/api/v1/calendar/events', {
      title: 'Hostile single',
      startsAt: '2026-03-03T09:00:00+01:00',
    });
    const before = await titled('Hostile');
    const refused = [
      await api(alice, 'DELETE', `/api/v1/calendar/events/${single.json().id}?scope=following`),
      await api(alice, 'PATCH', `/api/v1/calendar/events/${single.json().id}?scope=following`, {
        version: 1,
        title: 'x',
      }),
      await api(alice, 'DELETE', `/api/v1/calendar/events/${master.id}?scope=following`),
      await api(alice, 'PATCH', `/api/v1/calendar/events/${master.id}?scope=following`, {
        version: master.version,
        title: 'x',
      }),
    ];
    for (const answer of refused) {
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json().error.message).toMatch(/occurrence of a repeating event/);
    }
    for (const scope of ['all', 'FOLLOWING', '', 'following&scope=this'])
      expect(
        (await api(alice, 'DELETE', `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?scope=${scope}`))
          .statusCode,
      ).toBe(400);
    expect(
      (await api(alice, 'DELETE', `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?other=1`)).statusCode,
    ).toBe(400);
    // Not one of the series' occurrences (a Tuesday), and past its COUNT.
    for (const id of [occurrence(master, '2026-03-10'), occurrence(master, '2026-03-30')])
      expect((await api(alice, 'DELETE', `/api/v1/calendar/events/${id}?scope=following`)).statusCode).toBe(404);
    // Clearing the rule from here on is a delete, said so.
    const cleared = await api(
      alice,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?scope=following`,
      {
        version: master.version,
        recurrence: null,
      },
    );
    expect(cleared.statusCode, cleared.body).toBe(400);
    // Bob: 404 for alice's occurrence, both ways, and nothing changes.
    const bobDelete = await api(
      bob,
      'DELETE',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?scope=following`,
    );
    expect(bobDelete.statusCode, bobDelete.body).toBe(404);
    const bobPatch = await api(
      bob,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?scope=following`,
      {
        version: master.version,
        title: 'Bob was here',
      },
    );
    expect(bobPatch.statusCode, bobPatch.body).toBe(404);
    // A stale version: 409, nothing split.
    const stale = await api(
      alice,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}?scope=following`,
      {
        version: master.version + 5,
        title: 'Stale',
      },
    );
    expect(stale.statusCode, stale.body).toBe(409);
    expect(await titled('Hostile')).toEqual(before);
    expect(await titled('Bob')).toEqual([]);
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;COUNT=4');
  });

  it('documents the scope in the OpenAPI schema of both verbs', async () => {
    const docs = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const path = docs.json().paths['/api/v1/calendar/events/{id}'];
    for (const verb of ['patch', 'delete']) {
      expect(path[verb].summary).toMatch(/scope=following/);
      expect(path[verb].parameters).toContainEqual(
        expect.objectContaining({
          in: 'query',
          name: 'scope',
          schema: expect.objectContaining({ enum: ['this', 'following'] }),
        }),
      );
    }
  });

  it('deletes this and following of a series with no end: it ends just before, later exceptions go', async () => {
    const master = await series('Open', 'FREQ=WEEKLY');
    // An exception before the split and one after it.
    const early = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}`, {
      version: master.version,
      title: 'Open (early)',
    });
    expect(early.statusCode, early.body).toBe(200);
    const late = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-04-06')}`, {
      version: master.version,
      title: 'Open (late)',
    });
    expect(late.statusCode, late.body).toBe(200);
    const deleted = await api(
      alice,
      'DELETE',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-30')}?scope=following`,
    );
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await titled('Open')).toEqual([
      '2026-03-02T09:00:00+01:00 Open',
      '2026-03-09T09:00:00+01:00 Open (early)',
      '2026-03-16T09:00:00+01:00 Open',
      '2026-03-23T09:00:00+01:00 Open',
    ]);
    // UNTIL is the second before 30 March 09:00 Berlin (summer time: 07:00Z).
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;UNTIL=20260330T065959Z');
    expect((await api(alice, 'GET', `/api/v1/calendar/events/${late.json().id}`)).statusCode).toBe(404);
  });

  it('deletes this and following of a COUNT series as the count already held, from an exception too', async () => {
    const master = await series('Counted', 'FREQ=WEEKLY;COUNT=6');
    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-03-23')}`, {
      version: master.version,
      startsAt: '2026-03-24T11:00:00+01:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    // By the exception's own id: its original start (23 March) is where the series ends.
    const deleted = await api(alice, 'DELETE', `/api/v1/calendar/events/${moved.json().id}?scope=following`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;COUNT=3');
    expect(await titled('Counted')).toEqual([
      '2026-03-02T09:00:00+01:00 Counted',
      '2026-03-09T09:00:00+01:00 Counted',
      '2026-03-16T09:00:00+01:00 Counted',
    ]);
  });

  it('deletes the whole series for this and following of its first occurrence', async () => {
    const master = await series('Whole', 'FREQ=WEEKLY;COUNT=3');
    const exception = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-03-09')}`, {
      version: master.version,
      title: 'Whole (renamed)',
    });
    expect(exception.statusCode).toBe(200);
    const deleted = await api(
      alice,
      'DELETE',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-02')}?scope=following`,
    );
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await titled('Whole')).toEqual([]);
    expect((await api(alice, 'GET', `/api/v1/calendar/events/${master.id}`)).statusCode).toBe(404);
  });

  it('splits a COUNT series on a rename: the counts add up, later exceptions move with their own changes', async () => {
    const master = await series('Split', 'FREQ=WEEKLY;COUNT=6');
    const renamed = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-03-30')}`, {
      version: master.version,
      title: 'Split (offsite)',
    });
    expect(renamed.statusCode).toBe(200);
    const cancelled = await api(alice, 'DELETE', `/api/v1/calendar/events/${occurrence(master, '2026-04-06')}`);
    expect(cancelled.statusCode).toBe(204);
    const split = await api(
      alice,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-16')}?scope=following`,
      {
        version: master.version,
        title: 'Split v2',
        location: 'Room 2',
      },
    );
    expect(split.statusCode, split.body).toBe(200);
    const next = split.json() as EventView;
    expect(next).toMatchObject({
      kind: 'master',
      title: 'Split v2',
      location: 'Room 2',
      startsAt: '2026-03-16T09:00:00+01:00',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
    });
    expect(next.id).not.toBe(master.id);
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;COUNT=2');
    expect(await titled('Split')).toEqual([
      '2026-03-02T09:00:00+01:00 Split',
      '2026-03-09T09:00:00+01:00 Split',
      '2026-03-16T09:00:00+01:00 Split v2',
      '2026-03-23T09:00:00+01:00 Split v2',
      // The renamed one keeps its own name in the new series; the cancelled one stays cancelled.
      '2026-03-30T09:00:00+02:00 Split (offsite)',
    ]);
    const shown = (await events()).filter((e) => e.title.startsWith('Split'));
    expect(shown.slice(2).every((e) => e.seriesEntityId === next.id)).toBe(true);
    expect(shown.slice(0, 2).every((e) => e.seriesEntityId === master.id)).toBe(true);
    // The old exception ids are gone; the moved one answers under the new series.
    expect((await api(alice, 'GET', `/api/v1/calendar/events/${renamed.json().id}`)).statusCode).toBe(404);
  });

  it('splits an UNTIL series on a new time: UNTIL kept, exceptions whose times changed are dropped', async () => {
    const master = await series('Moved', 'FREQ=WEEKLY;UNTIL=20260420');
    const renamed = await api(alice, 'PATCH', `/api/v1/calendar/events/${occurrence(master, '2026-04-13')}`, {
      version: master.version,
      title: 'Moved (last)',
    });
    expect(renamed.statusCode).toBe(200);
    const split = await api(
      alice,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-23')}?scope=following`,
      {
        version: master.version,
        startsAt: '2026-03-23T14:00:00+01:00',
      },
    );
    expect(split.statusCode, split.body).toBe(200);
    expect(split.json()).toMatchObject({
      recurrence: 'FREQ=WEEKLY;UNTIL=20260420',
      endsAt: '2026-03-23T15:00:00+01:00',
    });
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;UNTIL=20260323T075959Z');
    expect(await titled('Moved')).toEqual([
      '2026-03-02T09:00:00+01:00 Moved',
      '2026-03-09T09:00:00+01:00 Moved',
      '2026-03-16T09:00:00+01:00 Moved',
      '2026-03-23T14:00:00+01:00 Moved',
      '2026-03-30T14:00:00+02:00 Moved',
      '2026-04-06T14:00:00+02:00 Moved',
      '2026-04-13T14:00:00+02:00 Moved',
      '2026-04-20T14:00:00+02:00 Moved',
    ]);
  });

  it('changes the whole series in place for this and following of its first occurrence', async () => {
    const master = await series('First', 'FREQ=WEEKLY;COUNT=3');
    const split = await api(
      alice,
      'PATCH',
      `/api/v1/calendar/events/${occurrence(master, '2026-03-02')}?scope=following`,
      {
        version: master.version,
        title: 'First (all)',
      },
    );
    expect(split.statusCode, split.body).toBe(200);
    expect(split.json()).toMatchObject({ id: master.id, recurrence: 'FREQ=WEEKLY;COUNT=3', title: 'First (all)' });
    expect((await titled('First')).map((t) => t.slice(26))).toEqual(Array(3).fill('First (all)'));
  });

  it('ends an all-day series the day before', async () => {
    const response = await api(alice, 'POST', '/api/v1/calendar/events', {
      title: 'Bins',
      startsAt: '2026-03-04',
      recurrence: 'FREQ=WEEKLY',
    });
    expect(response.statusCode, response.body).toBe(201);
    const master = response.json() as EventView;
    const deleted = await api(alice, 'DELETE', `/api/v1/calendar/events/${master.id}_20260318?scope=following`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await get(master.id)).recurrence).toBe('FREQ=WEEKLY;UNTIL=20260317');
    expect((await titled('Bins')).map((t) => t.slice(0, 10))).toEqual(['2026-03-04', '2026-03-11']);
  });
});
