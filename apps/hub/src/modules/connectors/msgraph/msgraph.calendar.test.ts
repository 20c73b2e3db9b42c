import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { putSeries, removeSeries } from './test/stand-in/calendar.ts';
import { eventPayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, put, remove, type StandInAccount } from './test/stand-in/state.ts';

/**
 * The calendar as real Graph gives it (the STAND-IN answers that way: test/stand-in/calendar.ts):
 * times in UTC with the event's zone in originalStartTimeZone, all-day events as midnights,
 * series masters never in calendarView delta and occurrences bare. The hub keeps the instant,
 * records the event's zone, fetches each master once per pass, fills its instances from it,
 * and removes a deleted series' master; write-back writes times in the event's zone.
 */
describe.each(testDatabaseKinds())('microsoft 365 calendar time zones and series on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;

  const syncNow = (after?: number) => syncAndWait(hub, alice, connectionId, after);
  const reads = (id: string) => standIn.state.eventReads.get(id) ?? 0;
  const standInItem = (id: string) => collectionOf(account, 'calendar').items.get(id)!.body;

  async function entity(externalId: string) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{
        id: string;
        title: string;
        version: number;
        properties: Record<string, unknown>;
        deleted_at: string | null;
      }>(
        `SELECT id, title, version, properties, deleted_at FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2`,
        [alice.id, externalId],
      ),
    );
    return rows[0];
  }

  async function live(where: string, params: unknown[] = []) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND deleted_at IS NULL AND ${where}`,
        [alice.id, ...params],
      ),
    );
    return rows[0]!.n;
  }

  const zoned = (date: string, time: string, zone: string) => ({
    dateTime: `${date}T${time}:00.0000000`,
    timeZone: zone,
  });
  const dailyIds = Array.from({ length: 50 }, (_, n) => `AAMkAD-evt-d${n}`);
  const day = (n: number) => new Date(Date.UTC(2026, 5, 1) + n * 86_400_000).toISOString().slice(0, 10);
  function dailySeries(subject: string) {
    putSeries(
      account,
      eventPayload(300, {
        id: 'AAMkAD-evt-daily',
        subject,
        start: zoned(day(0), '08:00', 'Eastern Standard Time'),
        end: zoned(day(0), '08:30', 'Eastern Standard Time'),
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', numberOfOccurrences: 50, recurrenceTimeZone: 'Eastern Standard Time' },
        },
      }),
      dailyIds.map((id, n) =>
        eventPayload(300, {
          id,
          subject,
          type: 'occurrence',
          start: zoned(day(n), '08:00', 'Eastern Standard Time'),
          end: zoned(day(n), '08:30', 'Eastern Standard Time'),
        }),
      ),
    );
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env, {
      sync: { retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 1 } } },
    });
    alice = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    // Small pages: one series' instances come over several Graph pages.
    standIn.state.behaviour.maxPageSize = 7;
    // All-day in Tokyo (UTC+9): Graph answers midnight-to-midnight labelled UTC.
    put(
      account,
      'calendar',
      eventPayload(200, {
        id: 'AAMkAD-evt-allday',
        subject: 'Golden Week',
        isAllDay: true,
        start: zoned('2026-05-04', '00:00', 'Tokyo Standard Time'),
        end: zoned('2026-05-05', '00:00', 'Tokyo Standard Time'),
      }),
    );
    // A zone the organizer's client made up: the instant is known, the zone is not.
    put(
      account,
      'calendar',
      eventPayload(201, {
        id: 'AAMkAD-evt-custom',
        start: zoned('2026-05-10', '07:30', 'UTC'),
        end: zoned('2026-05-10', '08:30', 'UTC'),
        originalStartTimeZone: 'tzone://Microsoft/Custom',
        originalEndTimeZone: 'Customized Time Zone',
      }),
    );
    // A Berlin meeting the hub will move (write-back in its zone).
    put(
      account,
      'calendar',
      eventPayload(202, {
        id: 'AAMkAD-evt-berlin',
        subject: 'Planning',
        start: zoned('2027-01-18', '09:00', 'W. Europe Standard Time'),
        end: zoned('2027-01-18', '10:00', 'W. Europe Standard Time'),
        responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
        organizer: { emailAddress: { name: 'Alice', address: 'alice@contoso.example' } },
      }),
    );
    dailySeries('Daily standup');
    // A series deleted at Graph while its instances are still listed: the master answers 404.
    putSeries(account, eventPayload(400, { id: 'AAMkAD-evt-vanished', subject: 'Vanished' }), [
      eventPayload(401, { id: 'AAMkAD-evt-vanished-1', type: 'occurrence' }),
      eventPayload(402, { id: 'AAMkAD-evt-vanished-2', type: 'exception', subject: 'Vanished (moved)' }),
    ]);
    remove(account, 'calendar', 'AAMkAD-evt-vanished');
    const trip = await signIn(hub, standIn, alice, {
      credentialId: app.credentialId,
      account,
      options: { calendarPastDays: 400 },
    });
    connectionId = trip.connectionId!;
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('keeps the instant, records the event zone, keeps all-day events on their dates', async () => {
    const view = await syncNow(0);
    expect(view.status).toBe('active');
    const allDay = (await entity('AAMkAD-evt-allday'))!;
    expect(allDay.properties).toMatchObject({
      startsAt: '2026-05-04',
      endsAt: '2026-05-05',
      allDay: true,
      timeZone: 'Asia/Tokyo',
    });
    const custom = (await entity('AAMkAD-evt-custom'))!;
    expect(custom.properties).toMatchObject({
      startsAt: '2026-05-10T07:30:00.000Z',
      endsAt: '2026-05-10T08:30:00.000Z',
    });
    expect(custom.properties).not.toHaveProperty('timeZone');
    // Written in Berlin, answered in UTC (08:00Z in winter): shown at 09:00 Berlin.
    expect((await entity('AAMkAD-evt-berlin'))!.properties).toMatchObject({
      startsAt: '2027-01-18T09:00:00+01:00',
      timeZone: 'Europe/Berlin',
    });
  });

  it('fetches a master once for its 50 instances, and fills them from it', async () => {
    expect(reads('AAMkAD-evt-daily')).toBe(1);
    const master = (await entity('AAMkAD-evt-daily'))!;
    expect(master.title).toBe('Daily standup');
    expect(master.properties).toMatchObject({
      kind: 'master',
      recurrence: 'FREQ=DAILY;COUNT=50',
      timeZone: 'America/New_York',
      startsAt: '2026-06-01T08:00:00-04:00',
    });
    expect(await live(`external_id = 'AAMkAD-evt-daily'`)).toBe(1);
    expect(await live(`properties->>'seriesId' = 'AAMkAD-evt-daily'`)).toBe(50);
    expect(await live(`properties->>'seriesId' = 'AAMkAD-evt-daily' AND title = 'Daily standup'`)).toBe(50);
    expect((await entity('AAMkAD-evt-d49'))!.properties).toMatchObject({
      startsAt: '2026-07-20T08:00:00-04:00',
      timeZone: 'America/New_York',
      kind: 'occurrence',
      organizer: 'organizer0@example.org',
    });
    // The series whose master is gone (404): no error, and neither it nor its instances are kept.
    expect(reads('AAMkAD-evt-vanished')).toBe(1);
    expect(await live(`external_id LIKE 'AAMkAD-evt-vanished%'`)).toBe(0);
  });

  it('asks for a changed series again; one deleted occurrence keeps the master; a deleted series takes it', async () => {
    dailySeries('Daily standup (new time)');
    await syncNow();
    expect(reads('AAMkAD-evt-daily')).toBe(2);
    expect((await entity('AAMkAD-evt-daily'))!.title).toBe('Daily standup (new time)');
    expect(await live(`properties->>'seriesId' = 'AAMkAD-evt-daily' AND title = 'Daily standup (new time)'`)).toBe(50);

    // Nothing changed: no master is asked for.
    await syncNow();
    expect(reads('AAMkAD-evt-daily')).toBe(2);

    remove(account, 'calendar', 'AAMkAD-evt-d7');
    await syncNow();
    expect((await entity('AAMkAD-evt-d7'))!.deleted_at).not.toBeNull();
    expect((await entity('AAMkAD-evt-daily'))!.deleted_at).toBeNull();
    expect(await live(`properties->>'seriesId' = 'AAMkAD-evt-daily'`)).toBe(49);

    removeSeries(account, 'AAMkAD-evt-daily');
    await syncNow();
    expect(await live(`properties->>'seriesId' = 'AAMkAD-evt-daily'`)).toBe(0);
    expect((await entity('AAMkAD-evt-daily'))!.deleted_at).not.toBeNull();
    const rows = await hub.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2', [
        connectionId,
        'AAMkAD-evt-daily',
      ]),
    );
    expect(rows.rows).toHaveLength(0);
  });

  it('stores a master fetched by a page that failed when that page is asked for again', async () => {
    // Changes enough to fill more than one Graph page: the two series' instances come on a later one.
    for (let n = 0; n < 8; n += 1) put(account, 'calendar', eventPayload(500 + n));
    for (const name of ['x', 'y'])
      putSeries(account, eventPayload(600, { id: `AAMkAD-evt-${name}`, subject: `Series ${name}` }), [
        eventPayload(601, { id: `AAMkAD-evt-${name}-1`, type: 'occurrence' }),
      ]);
    // Y's master fails once: the page (X fetched, Y not) is not stored and is asked for again.
    standIn.state.failEventReads.set('AAMkAD-evt-y', 1);
    await syncNow().catch(() => syncNow());
    await eventually(async () => ((await entity('AAMkAD-evt-y'))?.deleted_at === null ? true : undefined), 'Y');
    for (const name of ['x', 'y']) {
      expect((await entity(`AAMkAD-evt-${name}`))!.title).toBe(`Series ${name}`);
      expect((await entity(`AAMkAD-evt-${name}-1`))!.title).toBe(`Series ${name}`);
    }
    expect(reads('AAMkAD-evt-y')).toBe(2);
  });

  it('writes a moved event in its own zone, so Outlook keeps it; all-day dates with their zone', async () => {
    const berlin = (await entity('AAMkAD-evt-berlin'))!;
    const moved = await hub.app.inject({
      method: 'PATCH',
      url: `/api/v1/calendar/events/${berlin.id}`,
      headers: bearer(alice),
      payload: { version: berlin.version, startsAt: '2027-01-18T10:00:00+01:00', endsAt: '2027-01-18T11:00:00+01:00' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(standInItem('AAMkAD-evt-berlin')).toMatchObject({
      start: { dateTime: '2027-01-18T10:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2027-01-18T11:00:00', timeZone: 'W. Europe Standard Time' },
      originalStartTimeZone: 'W. Europe Standard Time',
    });
    const allDay = (await entity('AAMkAD-evt-allday'))!;
    const shifted = await hub.app.inject({
      method: 'PATCH',
      url: `/api/v1/calendar/events/${allDay.id}`,
      headers: bearer(alice),
      payload: { version: allDay.version, startsAt: '2026-05-06', endsAt: '2026-05-07' },
    });
    expect(shifted.statusCode, shifted.body).toBe(200);
    expect(standInItem('AAMkAD-evt-allday')).toMatchObject({
      isAllDay: true,
      start: { dateTime: '2026-05-06T00:00:00', timeZone: 'Tokyo Standard Time' },
      end: { dateTime: '2026-05-07T00:00:00', timeZone: 'Tokyo Standard Time' },
    });
    // Outlook's answer (UTC, the zone in originalStartTimeZone) and the next sync agree.
    await syncNow();
    expect((await entity('AAMkAD-evt-berlin'))!.properties).toMatchObject({
      startsAt: '2027-01-18T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
    });
    expect((await entity('AAMkAD-evt-allday'))!.properties).toMatchObject({
      startsAt: '2026-05-06',
      endsAt: '2026-05-07',
      timeZone: 'Asia/Tokyo',
    });
  });
});
