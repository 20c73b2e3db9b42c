import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { EventsModule } from '../events/index.ts';
import type { GraphModule } from '../graph/index.ts';
import { createReminderEngine, type RefreshReminders } from './timeline.reminders.ts';
import { timelineRepository } from './timeline.repository.ts';
import type { TimelineModule } from './index.ts';

const DAY = 24 * 3600 * 1000;

/**
 * Stay in touch every N weeks: a reminder task appears once the person is due (and only
 * once per due period, however often the engine runs), completing it or contacting the
 * person resets the clock. The engine runs with a chosen "now"; Today and the job use the real one.
 */
describe.each(testDatabaseKinds())('stay-in-touch reminders on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let refresh: RefreshReminders;
  const request = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const run = (user: SignedUpUser, now: Date) =>
    hub.db.asUser(user.claims, (tx) => refresh(tx, { ownerId: user.id, claims: user.claims }, now));
  const remindersOf = async (user: SignedUpUser, personId: string) => {
    const page = (await request(user, 'GET', `/api/v1/persons/${personId}/timeline?types=task`)).json();
    return page.items as { id: string; title: string; properties: Record<string, string>; linkKinds: string[] }[];
  };
  const contact = async (user: SignedUpUser, personId: string, at: Date) => {
    const message = (
      await request(user, 'POST', '/api/v1/entities', {
        type: 'message',
        title: 'hi',
        occurredAt: at.toISOString(),
        properties: { channel: 'sms', direction: 'outbound' },
      })
    ).json();
    await request(user, 'POST', '/api/v1/links', { kind: 'to', fromId: message.id, toId: personId });
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
    const events = hub.modules.find((m) => m.name === 'events') as EventsModule;
    refresh = createReminderEngine({
      repository: timelineRepository,
      ingest: graph.ingest,
      graph: graph.service,
      outbox: events.outbox,
    });
  }, 180_000);
  afterAll(() => hub?.close());

  it('makes one task when due, none twice, and resets on completion and on contact', async () => {
    const t0 = new Date(Date.now() - 30 * DAY);
    const ada = (
      await request(alice, 'POST', '/api/v1/persons', { name: 'Ada', properties: { stayInTouchWeeks: 2 } })
    ).json();
    await contact(alice, ada.id, t0);

    // Not due yet (13 days after the last contact).
    expect((await run(alice, new Date(t0.getTime() + 13 * DAY))).created).toEqual([]);
    // Due: one task, linked task -about-> Ada, due 14 days after the contact.
    const due = new Date(t0.getTime() + 15 * DAY);
    const first = await run(alice, due);
    expect(first.created).toHaveLength(1);
    let tasks = await remindersOf(alice, ada.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: 'Get in touch with Ada', linkKinds: ['about'] });
    expect(Date.parse(tasks[0]!.properties.dueAt!)).toBe(t0.getTime() + 14 * DAY);
    // Again, and through Today (the real clock): still one.
    expect((await run(alice, due)).created).toEqual([]);
    expect((await run(alice, new Date(due.getTime() + 3 * DAY))).created).toEqual([]);
    const today = (await request(alice, 'GET', '/api/v1/today')).json();
    expect(today.tasks.filter((t: { reminder: boolean }) => t.reminder)).toHaveLength(1);
    expect(today.tasks[0].person).toEqual({ id: ada.id, name: 'Ada' });

    // Completed: the clock restarts from the completion (the API's now).
    const completed = await request(alice, 'POST', `/api/v1/tasks/${tasks[0]!.id}/complete`, {
      version: today.tasks[0].version,
    });
    expect(completed.statusCode, completed.body).toBe(200);
    expect(completed.json().properties.status).toBe('done');
    expect((await request(alice, 'POST', `/api/v1/tasks/${tasks[0]!.id}/complete`, { version: 2 })).statusCode).toBe(
      409,
    );
    const now = Date.now();
    expect((await run(alice, new Date(now + 13 * DAY))).created).toEqual([]);
    const second = await run(alice, new Date(now + 15 * DAY));
    expect(second.created).toHaveLength(1);
    expect(second.created[0]).not.toBe(tasks[0]!.id);

    // Contacted while a reminder is open: the reminder is done, dated by the contact.
    const contactedAt = new Date(now + 16 * DAY);
    await contact(alice, ada.id, contactedAt);
    const after = await run(alice, new Date(now + 17 * DAY));
    expect(after.closed).toEqual(second.created);
    tasks = await remindersOf(alice, ada.id);
    const closed = tasks.find((t) => t.id === second.created[0])!;
    expect(closed.properties.status).toBe('done');
    expect(Date.parse(closed.properties.completedAt!)).toBe(contactedAt.getTime());
    // And nothing is due until two weeks after that contact.
    expect((await run(alice, new Date(contactedAt.getTime() + 13 * DAY))).created).toEqual([]);
  });

  it('a deleted reminder is not made again for the same due period', async () => {
    const t0 = new Date(Date.now() - 30 * DAY);
    const grace = (
      await request(alice, 'POST', '/api/v1/persons', { name: 'Grace', properties: { stayInTouchWeeks: 1 } })
    ).json();
    await contact(alice, grace.id, t0);
    const made = await run(alice, new Date(t0.getTime() + 8 * DAY));
    expect(made.created).toHaveLength(1);
    await hub.app.inject({ method: 'DELETE', url: `/api/v1/entities/${made.created[0]}`, headers: bearer(alice) });
    expect((await run(alice, new Date(t0.getTime() + 9 * DAY))).created).toEqual([]);
  });

  it('the hourly job runs every owner under their own RLS; a bad period is a 400', async () => {
    const bobs = (
      await request(bob, 'POST', '/api/v1/persons', { name: 'Old friend', properties: { stayInTouchWeeks: 1 } })
    ).json();
    // Added 30 days ago and never contacted: due.
    await hub.db.asSystem((tx) =>
      tx.query(`UPDATE public.entities SET created_at = now() - interval '30 days' WHERE id = $1`, [bobs.id]),
    );
    const timeline = hub.modules.find((m) => m.name === 'timeline') as TimelineModule;
    expect(await timeline.refreshAllReminders()).toBeGreaterThanOrEqual(1);
    expect(await remindersOf(bob, bobs.id)).toHaveLength(1);
    expect(await timeline.refreshAllReminders()).toBe(0);
    // Alice sees none of Bob's tasks.
    const today = (await request(alice, 'GET', '/api/v1/today')).json();
    expect(today.tasks.map((t: { title: string }) => t.title)).not.toContain('Get in touch with Old friend');
    for (const weeks of [0, 105, 1.5, '2']) {
      const bad = await request(bob, 'PATCH', `/api/v1/entities/${bobs.id}`, {
        version: bobs.version,
        properties: { stayInTouchWeeks: weeks },
      });
      expect(bad.statusCode, String(weeks)).toBe(400);
    }
  });
});

describe.each(testDatabaseKinds())('Today on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  const get = (url: string) => hub.app.inject({ method: 'GET', url, headers: bearer(alice) });

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('is empty for a new account, then shows occasions this week and recent activity', async () => {
    const empty = (await get('/api/v1/today')).json();
    expect(empty).toMatchObject({ occasions: [], tasks: [], recent: [], people: 0 });
    const today = new Date();
    const md = (d: Date) => d.toISOString().slice(5, 10);
    const inDays = (n: number) =>
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + n));
    const post = (url: string, payload: object) =>
      hub.app.inject({ method: 'POST', url, headers: bearer(alice), payload });
    const ada = (
      await post('/api/v1/persons', {
        name: 'Ada',
        properties: {
          birthday: `1992-${md(inDays(0))}`,
          anniversaries: [{ label: 'Wedding', date: `--${md(inDays(3))}` }],
        },
      })
    ).json();
    await post('/api/v1/persons', { name: 'Later', properties: { birthday: `--${md(inDays(20))}` } });
    const note = (await post('/api/v1/entities', { type: 'note', title: 'Met Ada' })).json();
    await post('/api/v1/links', { kind: 'mentions', fromId: note.id, toId: ada.id });
    const body = (await get('/api/v1/today?timeZone=UTC')).json();
    expect(body.people).toBe(2);
    expect(body.occasions.map((o: { label: string; inDays: number }) => [o.label, o.inDays])).toEqual([
      ['Birthday', 0],
      ['Wedding', 3],
    ]);
    expect(body.occasions[0].years).toBe(today.getUTCFullYear() - 1992);
    expect(body.recent).toHaveLength(1);
    expect(body.recent[0]).toMatchObject({ id: note.id, people: [{ id: ada.id, name: 'Ada' }] });
    expect((await get('/api/v1/today?timeZone=Not/AZone')).statusCode).toBe(400);
    expect((await get('/api/v1/today?days=0')).statusCode).toBe(400);
  });
});
