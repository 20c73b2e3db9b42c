import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { pairDevice, uploadEvents } from './test/support.ts';

/**
 * Visits through the real upload path: stays detected as fixes arrive (one batch or many,
 * in order or late), linked to the owner's places with location.PlaceEntered/PlaceLeft,
 * naming a visit's place, the day view, and RLS (another user's visits are 404).
 */
describe.each(testDatabaseKinds())('device visits on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const minute = 60_000;
  // Two days ago at 00:00 UTC: every time below is in the past, inside raw retention.
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000);
  const date = day.toISOString().slice(0, 10);
  const at = (hours: number, minutes = 0) => day.getTime() + hours * 3_600_000 + minutes * minute;
  const home = { lat: 51.5, lon: -0.12 };
  const cafe = { lat: 51.51, lon: -0.11 };
  const work = { lat: 51.52, lon: -0.1 };

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });

  /** A fix every 2 minutes for `minutes` at `where`, jittered by up to ~20 m as GPS is. */
  const stay = (prefix: string, start: number, minutes: number, where: { lat: number; lon: number }) =>
    Array.from({ length: Math.floor(minutes / 2) + 1 }, (_, i) => ({
      id: `${prefix}-${i}`,
      type: 'location',
      ts: new Date(start + i * 2 * minute).toISOString(),
      data: { lat: where.lat + ((i % 3) - 1) * 0.00015, lon: where.lon + ((i % 2) - 0.5) * 0.0002, accuracyM: 12 },
    }));
  /** A fix every 2 minutes moving in a straight line from `a` to `b`. */
  const travel = (prefix: string, start: number, minutes: number, a: typeof home, b: typeof home) =>
    Array.from({ length: Math.floor(minutes / 2) - 1 }, (_, k) => {
      const f = (k + 1) / (minutes / 2);
      return {
        id: `${prefix}-${k}`,
        type: 'location',
        ts: new Date(start + (k + 1) * 2 * minute).toISOString(),
        data: { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f, accuracyM: 15 },
      };
    });
  const visitsOf = async (user: SignedUpUser, deviceId?: string) => {
    const query = new URLSearchParams({ from: new Date(at(0)).toISOString(), to: new Date(at(24)).toISOString() });
    if (deviceId) query.set('deviceId', deviceId);
    const response = await api(user, 'GET', `/api/v1/visits?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items as {
      id: string;
      startedAt: string;
      endedAt: string;
      ongoing: boolean;
      durationSeconds: number;
      lat: number;
      lon: number;
      place: { id: string; name: string } | null;
    }[];
  };
  const placeEvents = (user: SignedUpUser, deviceId: string) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT type, data FROM made_open.outbox WHERE type LIKE 'location.Place%' AND data->>'deviceId' = $1 ORDER BY id`,
        [deviceId],
      );
      return rows;
    });

  // Home, then to the cafe, then to work: the whole day as the phone would record it.
  const morning = () => [
    ...stay('home', at(7), 60, home),
    ...travel('to-cafe', at(8), 10, home, cafe),
    ...stay('cafe', at(8, 10), 20, cafe),
    ...travel('to-work', at(8, 30), 10, cafe, work),
    ...stay('work', at(8, 40), 80, work),
    ...travel('away', at(10), 10, work, home),
  ];

  let homePlace: string;

  beforeAll(async () => {
    hub = await createTestHub(
      kind,
      { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000', LOG_LEVEL: 'error' },
      { devices: { uploadBurst: 1000 } },
    );
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const place = await api(alice, 'POST', '/api/v1/entities', {
      type: 'place',
      title: 'Home',
      properties: { latitude: home.lat, longitude: home.lon, radiusMeters: 80 },
    });
    expect(place.statusCode, place.body).toBe(201);
    homePlace = place.json().id;
  }, 180_000);
  afterAll(() => hub?.close());

  it('finds the stays of a day uploaded in one batch, linked to the place they lie in', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Phone', kind: 'phone' });
    const result = await uploadEvents(hub, token, morning());
    expect(result.rejected).toBe(0);
    const visits = await visitsOf(alice, deviceId);
    expect(visits.map((v) => v.place?.name ?? null)).toEqual(['Home', null, null]);
    const [atHome, atCafe, atWork] = visits;
    expect(atHome!.startedAt).toBe(new Date(at(7)).toISOString());
    expect(atHome!.endedAt).toBe(new Date(at(8)).toISOString());
    expect(atCafe!.durationSeconds).toBe(20 * 60);
    expect(atWork!.durationSeconds).toBe(80 * 60);
    for (const visit of visits) expect(visit.ongoing).toBe(false);
    expect(Math.abs(atWork!.lat - work.lat)).toBeLessThan(0.0005);
    expect(Math.abs(atCafe!.lon - cafe.lon)).toBeLessThan(0.0005);
    // Entering and leaving Home reached the outbox for rules, by stay, at the visit's ends.
    expect(await placeEvents(alice, deviceId)).toEqual([
      {
        type: 'location.PlaceEntered',
        data: expect.objectContaining({ placeId: homePlace, placeName: 'Home', via: 'stay', at: atHome!.startedAt }),
      },
      {
        type: 'location.PlaceLeft',
        data: expect.objectContaining({ placeId: homePlace, via: 'stay', at: atHome!.endedAt }),
      },
    ]);
  });

  it('gives the same visits when the fixes come a few at a time, and keeps a stay open while it lasts', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Phone 2', kind: 'phone' });
    const all = morning();
    // 8 minutes at home: no visit yet; 12 minutes: an ongoing one.
    await uploadEvents(hub, token, all.slice(0, 5));
    expect(await visitsOf(alice, deviceId)).toEqual([]);
    await uploadEvents(hub, token, all.slice(5, 7));
    const open = await visitsOf(alice, deviceId);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ ongoing: true, durationSeconds: 12 * 60, place: { name: 'Home' } });
    for (let i = 7; i < all.length; i += 9) await uploadEvents(hub, token, all.slice(i, i + 9));
    const visits = await visitsOf(alice, deviceId);
    expect(visits.map((v) => [v.startedAt, v.endedAt, v.place?.name ?? null])).toEqual([
      [new Date(at(7)).toISOString(), new Date(at(8)).toISOString(), 'Home'],
      [new Date(at(8, 10)).toISOString(), new Date(at(8, 30)).toISOString(), null],
      [new Date(at(8, 40)).toISOString(), new Date(at(10)).toISOString(), null],
    ]);
    // The open visit was the same row all along, not one per upload.
    expect(visits[0]!.id).toBe(open[0]!.id);
    expect((await placeEvents(alice, deviceId)).map((e) => e.type)).toEqual([
      'location.PlaceEntered',
      'location.PlaceLeft',
    ]);
  });

  it('replays from the last finished visit when fixes arrive late, without announcing again', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Phone 3', kind: 'phone' });
    const all = morning();
    const cafeAndRoads = (id: string) => id.startsWith('cafe') || id.startsWith('to-');
    // The cafe and the roads were recorded offline and come last.
    await uploadEvents(
      hub,
      token,
      all.filter((e) => !cafeAndRoads(e.id)),
    );
    const before = await visitsOf(alice, deviceId);
    expect(before.map((v) => v.place?.name ?? 'work')).toEqual(['Home', 'work']);
    await uploadEvents(
      hub,
      token,
      all.filter((e) => cafeAndRoads(e.id)),
    );
    const after = await visitsOf(alice, deviceId);
    expect(after.map((v) => [v.startedAt, v.endedAt])).toEqual([
      [new Date(at(7)).toISOString(), new Date(at(8)).toISOString()],
      [new Date(at(8, 10)).toISOString(), new Date(at(8, 30)).toISOString()],
      [new Date(at(8, 40)).toISOString(), new Date(at(10)).toISOString()],
    ]);
    // Home finished before the late fixes: it was kept, not rewritten.
    expect(after[0]!.id).toBe(before[0]!.id);
    expect((await placeEvents(alice, deviceId)).map((e) => e.type)).toEqual([
      'location.PlaceEntered',
      'location.PlaceLeft',
    ]);
  });

  it('ignores vague fixes and never counts a short pause as a visit', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Phone 4', kind: 'phone' });
    const vague = stay('vague', at(12), 30, cafe).map((e) => ({ ...e, data: { ...e.data, accuracyM: 2_000 } }));
    await uploadEvents(hub, token, [
      ...vague,
      ...stay('pause', at(13), 8, work),
      ...travel('on', at(13, 8), 10, work, home),
    ]);
    expect(await visitsOf(alice, deviceId)).toEqual([]);
  });

  it('names the place of a visit, and with it the other unnamed visits there', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Phone 5', kind: 'phone' });
    await uploadEvents(hub, token, [...stay('w1', at(14), 30, work), ...travel('t', at(14, 30), 10, work, cafe)]);
    const unnamed = (await visitsOf(alice)).filter((v) => v.place === null && Math.abs(v.lat - work.lat) < 0.001);
    expect(unnamed.length).toBeGreaterThanOrEqual(2);
    const mine = unnamed.find((v) => v.startedAt === new Date(at(14)).toISOString())!;

    for (const payload of [{}, { name: '' }, { name: 'Work', radiusMeters: 1 }, { name: 'Work', extra: true }]) {
      const refused = await api(alice, 'POST', `/api/v1/visits/${mine.id}/place`, payload);
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await api(bob, 'POST', `/api/v1/visits/${mine.id}/place`, { name: 'Mine' })).statusCode).toBe(404);

    const named = await api(alice, 'POST', `/api/v1/visits/${mine.id}/place`, { name: 'Work', radiusMeters: 150 });
    expect(named.statusCode, named.body).toBe(200);
    expect(named.json().visit.place.name).toBe('Work');
    expect(named.json().named).toBe(unnamed.length - 1);
    const place = await api(alice, 'GET', `/api/v1/entities/${named.json().visit.place.id}`);
    expect(place.json()).toMatchObject({ type: 'place', title: 'Work', properties: { radiusMeters: 150 } });
    for (const visit of (await visitsOf(alice)).filter((v) => Math.abs(v.lat - work.lat) < 0.001)) {
      expect(visit.place?.name).toBe('Work');
    }
    const again = await api(alice, 'POST', `/api/v1/visits/${mine.id}/place`, { name: 'Office' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('visit_has_place');

    // Later stays there are linked as they are detected.
    await uploadEvents(hub, token, stay('w2', at(16), 20, work));
    const later = (await visitsOf(alice, deviceId)).at(-1)!;
    expect(later).toMatchObject({ ongoing: true, place: { name: 'Work' } });
  });

  it("hides other users' visits (404) and rejects bad queries with 400", async () => {
    const visit = (await visitsOf(alice))[0]!;
    expect((await api(bob, 'GET', `/api/v1/visits/${visit.id}`)).statusCode).toBe(404);
    expect((await api(alice, 'GET', `/api/v1/visits/${visit.id}`)).json().id).toBe(visit.id);
    expect(await visitsOf(bob)).toEqual([]);
    const bobDay = (await api(bob, 'GET', `/api/v1/device-days/${date}`)).json();
    expect(bobDay).toMatchObject({ visits: [], moves: [], tracks: [], apps: [] });
    for (const url of [
      '/api/v1/visits',
      '/api/v1/visits?from=yesterday&to=today',
      '/api/v1/visits/not-a-uuid',
      `/api/v1/device-days/2026-13-45`,
      `/api/v1/device-days/${date}?timeZone=Not/AZone`,
      `/api/v1/device-days/${date}?timeZone=x;drop`,
      `/api/v1/device-days/${date}?extra=1`,
    ]) {
      expect((await api(alice, 'GET', url)).statusCode, url).toBe(400);
    }
    expect((await hub.app.inject({ method: 'GET', url: `/api/v1/device-days/${date}` })).statusCode).toBe(401);
  });

  it('shows the day: visits, moves with their distance, the track, in the reader’s time zone', async () => {
    const response = await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=UTC`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ date, timeZone: 'UTC', from: new Date(at(0)).toISOString() });
    expect(body.to).toBe(new Date(at(24)).toISOString());
    const phone = (await api(alice, 'GET', '/api/v1/devices'))
      .json()
      .items.find((d: { name: string }) => d.name === 'Phone');
    const moves = body.moves.filter((m: { deviceId: string }) => m.deviceId === phone.id);
    // Home → cafe (about 1.3 km), cafe → work, work → away (the last fixes of the day).
    expect(moves).toHaveLength(3);
    expect(moves[0]).toMatchObject({ from: new Date(at(8)).toISOString(), to: new Date(at(8, 10)).toISOString() });
    expect(moves[0].distanceMeters).toBeGreaterThan(1_200);
    expect(moves[0].distanceMeters).toBeLessThan(1_500);
    expect(moves[2]).toMatchObject({ toVisitId: null, from: new Date(at(10)).toISOString() });
    const track = body.tracks.find((t: { deviceId: string }) => t.deviceId === phone.id);
    expect(track.points.length).toBe(morning().length);
    // Kolkata's day runs from 18:30 UTC the day before to 18:30 UTC: the morning and the 16:00 stay are in it.
    const kolkata = (await api(alice, 'GET', `/api/v1/device-days/${date}?timeZone=Asia/Kolkata`)).json();
    expect(kolkata.from).toBe(new Date(at(-5, -30)).toISOString());
    expect(kolkata.to).toBe(new Date(at(18, 30)).toISOString());
    const starts = kolkata.visits.map((v: { startedAt: string }) => v.startedAt);
    expect(starts).toContain(new Date(at(16)).toISOString());
    expect(starts).toContain(new Date(at(7)).toISOString());
    // The day after in Kolkata begins at 18:30: none of these.
    const next = new Date(at(24)).toISOString().slice(0, 10);
    expect((await api(alice, 'GET', `/api/v1/device-days/${next}?timeZone=Asia/Kolkata`)).json().visits).toEqual([]);
  });

  it('sums foreground time per app and day from heartbeats and focus changes', async () => {
    const { deviceId, token } = await pairDevice(hub, alice, { name: 'Laptop', kind: 'agent' });
    const app = (id: string, time: number, name: string, durationSeconds?: number) => ({
      id,
      type: 'active_app',
      ts: new Date(time).toISOString(),
      data: { app: name, title: `${name} window`, ...(durationSeconds !== undefined ? { durationSeconds } : {}) },
    });
    await uploadEvents(hub, token, [
      app('a1', at(9), 'Editor', 600),
      // A focus change lasts until the user went idle.
      app('a2', at(9, 10), 'Browser'),
      { id: 'i1', type: 'idle', ts: new Date(at(9, 30)).toISOString(), data: { idle: true } },
      { id: 'i2', type: 'idle', ts: new Date(at(9, 45)).toISOString(), data: { idle: false } },
      // A heartbeat cut short by the next focus event: counted once.
      app('a3', at(9, 45), 'Editor', 900),
      app('a4', at(9, 50), 'Terminal'),
      { id: 's1', type: 'screen', ts: new Date(at(10)).toISOString(), data: { state: 'locked' } },
      // The last focus change of the day, never ended: an hour at most, half of it the next day.
      app('a5', at(23, 30), 'Browser'),
    ]);
    const next = new Date(at(24)).toISOString().slice(0, 10);
    const usage = await api(alice, 'GET', `/api/v1/app-usage?from=${date}&to=${next}&timeZone=UTC`);
    expect(usage.statusCode, usage.body).toBe(200);
    expect(usage.json()).toEqual({
      timeZone: 'UTC',
      days: [
        {
          date,
          totalSeconds: 4500,
          apps: [
            { app: 'Browser', seconds: 3000 },
            { app: 'Editor', seconds: 900 },
            { app: 'Terminal', seconds: 600 },
          ],
        },
        { date: next, totalSeconds: 1800, apps: [{ app: 'Browser', seconds: 1800 }] },
      ],
    });
    const day = (await api(alice, 'GET', `/api/v1/device-days/${date}`)).json();
    // The day view adds each app's window titles; not summarised yet, so computed from the events.
    expect(day.appsFrom).toBe('events');
    expect(day.apps.map(({ app, seconds }: { app: string; seconds: number }) => ({ app, seconds }))).toEqual(
      usage.json().days[0].apps,
    );
    expect(day.apps[0].titles).toEqual([{ title: 'Browser window', seconds: 3000 }]);
    // One device only: another device of alice's used no apps.
    const phone = (await api(alice, 'GET', '/api/v1/devices'))
      .json()
      .items.find((d: { name: string }) => d.name === 'Phone');
    const phoneOnly = await api(alice, 'GET', `/api/v1/app-usage?from=${date}&to=${date}&deviceId=${phone.id}`);
    expect(phoneOnly.json().days).toEqual([{ date, totalSeconds: 0, apps: [] }]);
    expect(
      (await api(alice, 'GET', `/api/v1/app-usage?from=${date}&to=${date}&deviceId=${deviceId}`)).json().days[0]
        .totalSeconds,
    ).toBe(4500);
    // Bob sees none of it.
    expect((await api(bob, 'GET', `/api/v1/app-usage?from=${date}&to=${next}`)).json().days[0].apps).toEqual([]);
    for (const query of [
      `from=${next}&to=${date}`,
      `from=2026-01-01&to=2026-06-01`,
      `from=${date}`,
      `from=${date}&to=${date}&timeZone=Mars/Olympus`,
      `from=${date}&to=${date}&deviceId=nope`,
    ]) {
      expect((await api(alice, 'GET', `/api/v1/app-usage?${query}`)).statusCode, query).toBe(400);
    }
  });
});
