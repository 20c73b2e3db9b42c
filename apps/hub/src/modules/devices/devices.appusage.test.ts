import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { JobsModule } from '../jobs/index.ts';
import type { DevicesModule } from './index.ts';
import { pairDevice, uploadEvents } from './test/support.ts';

/**
 * Stored daily app-usage summaries (issue 16 §5): the job's code cuts days in the owner's zone,
 * sums focus spans across idle gaps and midnight, re-summarises a day when late events for it
 * arrive, keeps summaries when retention deletes the events, and serves them to their owner only.
 */
describe.each(testDatabaseKinds())('stored app usage on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let devices: DevicesModule;
  let token: string;
  const day = 86_400_000;
  const zone = 'Asia/Tokyo';
  // A finished day five days back, and the day after it (local dates in Tokyo, UTC+9, no DST).
  const date = new Date(Date.now() - 5 * day).toISOString().slice(0, 10);
  const next = new Date(Date.parse(date) + day).toISOString().slice(0, 10);
  const local = (d: string, hhmm: string) => new Date(`${d}T${hhmm}:00+09:00`).toISOString();

  const api = (user: SignedUpUser, method: 'GET' | 'PUT', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const app = (id: string, ts: string, name: string, title?: string, durationSeconds?: number) => ({
    id,
    type: 'active_app',
    ts,
    data: {
      app: name,
      ...(title !== undefined ? { title } : {}),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    },
  });
  const stored = async (user: SignedUpUser, query = `from=${date}&to=${next}`) => {
    const response = await api(user, 'GET', `/api/v1/devices/app-usage?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { uploadBurst: 1000 } });
    devices = hub.modules.find((m) => m.name === 'devices') as DevicesModule;
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    ({ token } = await pairDevice(hub, alice, { name: 'Laptop', kind: 'agent' }));
    const zoned = await api(alice, 'PUT', '/api/v1/devices/app-usage/settings', { timeZone: zone });
    expect(zoned.statusCode, zoned.body).toBe(200);
  }, 180_000);
  afterAll(() => hub?.close());

  it('sums each app per local day across idle gaps and midnight, with its top titles', async () => {
    await uploadEvents(hub, token, [
      // A focus change lasting until the user went idle: 30 minutes.
      app('e1', local(date, '09:00'), 'Editor', 'a.ts'),
      { id: 'i1', type: 'idle', ts: local(date, '09:30'), data: { idle: true } },
      { id: 'i2', type: 'idle', ts: local(date, '10:00'), data: { idle: false } },
      // A heartbeat cut short by the next one (5 of its 10 minutes), then a full one.
      app('b1', local(date, '10:00'), 'Browser', 'News', 600),
      app('b2', local(date, '10:05'), 'Browser', 'Mail', 300),
      // 20 minutes before local midnight and 20 after, until the screen locks.
      app('t1', local(date, '23:40'), 'Terminal'),
      { id: 's1', type: 'screen', ts: local(next, '00:20'), data: { state: 'locked' } },
    ]);
    // Before the job: nothing stored, the day view computes the day from the events.
    expect((await stored(alice)).items).toEqual([]);
    const live = (await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json();
    expect(live.appsFrom).toBe('events');

    expect(await devices.appUsage.summariseOwner(alice.id)).toEqual({ days: expect.any(Number), stored: 2 });
    const page = await stored(alice);
    expect(page).toMatchObject({ timeZone: zone, nextCursor: null });
    expect(page.items).toEqual([
      {
        date,
        timeZone: zone,
        from: local(date, '00:00'),
        to: local(next, '00:00'),
        totalSeconds: 3600,
        apps: [
          { app: 'Editor', seconds: 1800, titles: [{ title: 'a.ts', seconds: 1800 }] },
          { app: 'Terminal', seconds: 1200, titles: [] },
          {
            app: 'Browser',
            seconds: 600,
            titles: [
              { title: 'Mail', seconds: 300 },
              { title: 'News', seconds: 300 },
            ],
          },
        ],
        events: 6,
        computedAt: expect.any(String),
      },
      expect.objectContaining({
        date: next,
        totalSeconds: 1200,
        apps: [{ app: 'Terminal', seconds: 1200, titles: [] }],
      }),
    ]);

    // The finished day now comes from its summary; read in another zone it is computed again.
    const summarised = (await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json();
    expect(summarised).toMatchObject({ appsFrom: 'summary', apps: page.items[0].apps });
    expect((await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=UTC`)).json().appsFrom).toBe('events');

    // Paged by date.
    const first = await stored(alice, `from=${date}&to=${next}&limit=1`);
    expect(first.items.map((d: { date: string }) => d.date)).toEqual([date]);
    expect(first.nextCursor).toBe(date);
    const second = await stored(alice, `from=${date}&to=${next}&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((d: { date: string }) => d.date)).toEqual([next]);
    expect(second.nextCursor).toBeNull();

    // Idempotent: nothing pending, nothing rewritten.
    expect(await devices.appUsage.summariseOwner(alice.id)).toEqual({ days: 0, stored: 0 });
    expect((await stored(alice)).items).toEqual(page.items);
  });

  it('re-summarises a day when late events for it arrive', async () => {
    const before = (await stored(alice)).items;
    // An offline queue delivers a heartbeat from that afternoon days late.
    await uploadEvents(hub, token, [app('late-1', local(date, '15:00'), 'Chat', 'Team', 120)]);
    // Until the job reruns, the day view counts it from the events.
    const view = (await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json();
    expect(view.appsFrom).toBe('events');
    expect(view.apps.find((a: { app: string }) => a.app === 'Chat')?.seconds).toBe(120);

    await devices.appUsage.summariseAll();
    const after = (await stored(alice)).items;
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ date, totalSeconds: 3720, events: 7 });
    expect(after[0].apps).toContainEqual({ app: 'Chat', seconds: 120, titles: [{ title: 'Team', seconds: 120 }] });
    expect(after[1]).toMatchObject({ date: next, totalSeconds: 1200, apps: before[1].apps });
    expect((await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json()).toMatchObject({
      appsFrom: 'summary',
      apps: after[0].apps,
    });
  });

  it("shows another user nothing of alice's", async () => {
    expect(await stored(bob)).toEqual({ timeZone: 'UTC', items: [], nextCursor: null });
    expect((await api(bob, 'GET', '/api/v1/devices/app-usage/settings')).json()).toEqual({ timeZone: 'UTC' });
    const bobDay = (await api(bob, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json();
    expect(bobDay).toMatchObject({ apps: [], appsFrom: 'events' });
    expect(await devices.appUsage.summariseOwner(bob.id)).toEqual({ days: 0, stored: 0 });
    const rows = await hub.db.asUser({ role: 'authenticated', sub: bob.id }, (tx) =>
      tx.query<{ n: number }>('SELECT count(*)::int AS n FROM made_open.device_app_usage_days'),
    );
    expect(rows.rows[0]!.n).toBe(0);
    expect(
      (await hub.app.inject({ method: 'GET', url: `/api/v1/devices/app-usage?from=${date}&to=${next}` })).statusCode,
    ).toBe(401);
  });

  it('answers bad queries and settings with 400 and changes nothing', async () => {
    for (const query of [
      '',
      `from=${date}`,
      `from=2026-13-45&to=${next}`,
      `from=${next}&to=${date}`,
      `from=${date}&to=${next}&limit=0`,
      `from=${date}&to=${next}&limit=101`,
      `from=${date}&to=${next}&limit=x`,
      `from=${date}&to=${next}&cursor=yesterday`,
      `from=${date}&to=${next}&extra=1`,
    ]) {
      const response = await api(alice, 'GET', `/api/v1/devices/app-usage?${query}`);
      expect(response.statusCode, query).toBe(400);
    }
    for (const body of [{ timeZone: 'Not/AZone' }, { timeZone: 'x;drop' }, {}, { timeZone: zone, extra: 1 }]) {
      const response = await api(alice, 'PUT', '/api/v1/devices/app-usage/settings', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await api(alice, 'GET', '/api/v1/devices/app-usage/settings')).json()).toEqual({ timeZone: zone });
  });

  it('keeps serving a summary after retention deleted its events', async () => {
    const before = (await stored(alice)).items;
    expect(before).toHaveLength(2);
    for (const type of ['active_app', 'idle', 'screen']) {
      const saved = await api(alice, 'PUT', `/api/v1/device-sources/${type}`, {
        rawDays: 1,
        downsampleMinutes: null,
        keepDays: null,
        budgetMb: null,
      });
      expect(saved.statusCode, saved.body).toBe(200);
    }
    expect(await devices.retention.runForOwner(alice.id)).toBe(8);
    const left = await hub.db.asUser({ role: 'authenticated', sub: alice.id }, (tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM made_open.device_events WHERE type IN ('active_app', 'idle', 'screen')`,
      ),
    );
    expect(left.rows[0]!.n).toBe(0);

    expect((await stored(alice)).items).toEqual(before);
    const view = (await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=${zone}`)).json();
    expect(view).toMatchObject({ appsFrom: 'summary', apps: before[0].apps });
    // The job has nothing to redo, so it cannot overwrite the summary with an empty day.
    expect(await devices.appUsage.summariseOwner(alice.id)).toEqual({ days: 0, stored: 0 });
    expect((await stored(alice)).items).toEqual(before);
  });

  it('documents its routes in OpenAPI', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths;
    expect(Object.keys(paths['/api/v1/devices/app-usage'])).toEqual(['get']);
    expect(Object.keys(paths['/api/v1/devices/app-usage/settings']).sort()).toEqual(['get', 'put']);
  });

  it('runs through pg-boss as the devices.app-usage job', async () => {
    const carol = await signUpUser(hub);
    const { token: carolToken } = await pairDevice(hub, carol, { name: 'Desktop', kind: 'agent' });
    await uploadEvents(hub, carolToken, [app('c1', `${date}T10:00:00Z`, 'Editor', 'notes.md', 900)]);
    const jobs = hub.modules.find((m) => m.name === 'jobs') as JobsModule;
    await hub.db.asSystem((tx) => jobs.enqueue(tx, devices.appUsageJob, {}));
    let items: { date: string; totalSeconds: number }[] = [];
    for (let tries = 0; tries < 120 && items.length === 0; tries += 1) {
      items = (await stored(carol)).items;
      if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(items).toMatchObject([{ date, timeZone: 'UTC', totalSeconds: 900 }]);
  }, 120_000);
});
