import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { putSeries } from './test/stand-in/calendar.ts';
import { eventPayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, type StandInAccount } from './test/stand-in/state.ts';
import { editRemotely, shareNewSeriesKey } from './test/stand-in/versions.ts';

/**
 * Write-back of one occurrence of an Outlook series, against the STAND-IN Graph
 * (test/stand-in/calendar-write.ts answers as Graph documents: a PATCHed occurrence becomes an
 * exception with the same id, a DELETEd one is cancelled and delta says @removed, the series
 * stays). The series is a Berlin weekly meeting across the 2027 DST change (28 March).
 */
describe.each(testDatabaseKinds())('microsoft 365 series write-back on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;

  const masterId = 'AAMkAD-evt-weekly';
  const dates = ['2027-03-15', '2027-03-22', '2027-03-29', '2027-04-05', '2027-04-12', '2027-04-19'];
  const occurrenceId = (n: number) => `AAMkAD-evt-weekly-${n}`;
  const berlin = 'W. Europe Standard Time';
  const zoned = (date: string, time: string) => ({ dateTime: `${date}T${time}:00.0000000`, timeZone: berlin });

  const syncNow = () => syncAndWait(hub, alice, connectionId);
  const standInItem = (id: string) => collectionOf(account, 'calendar').items.get(id)!;
  const writesSince = (count: number) => standIn.state.eventWrites.slice(count);

  type Row = { id: string; title: string; version: number; properties: Record<string, unknown>; deleted: boolean };
  async function entity(externalId: string): Promise<Row | undefined> {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<Row>(
        `SELECT id, title, version, properties, deleted_at IS NOT NULL AS deleted FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2`,
        [alice.id, externalId],
      ),
    );
    return rows[0];
  }
  async function liveInSeries(): Promise<number> {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND deleted_at IS NULL AND properties->>'seriesId' = $2`,
        [alice.id, masterId],
      ),
    );
    return rows[0]!.n;
  }
  const api = (method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(alice),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env);
    alice = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    const organizer = { emailAddress: { name: 'Alice', address: 'alice@contoso.example' } };
    const common = {
      subject: 'Team sync',
      organizer,
      responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    };
    putSeries(
      account,
      eventPayload(700, {
        ...common,
        id: masterId,
        start: zoned(dates[0]!, '09:00'),
        end: zoned(dates[0]!, '10:00'),
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
          range: { type: 'numbered', startDate: dates[0], numberOfOccurrences: 6, recurrenceTimeZone: berlin },
        },
      }),
      // Each instance its own change key, as delta gives each an @odata.etag.
      dates.map((date, n) =>
        eventPayload(710 + n, {
          ...common,
          id: occurrenceId(n),
          type: 'occurrence',
          start: zoned(date, '09:00'),
          end: zoned(date, '10:00'),
        }),
      ),
    );
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow();
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('shows the occurrences (not the master), in Berlin time on both sides of the DST change', async () => {
    const window = await api('GET', '/api/v1/calendar/events?from=2027-03-01T00:00:00Z&to=2027-05-01T00:00:00Z');
    expect(window.statusCode, window.body).toBe(200);
    const events = (
      window.json().events as { kind: string; seriesId: string; startsAt: string; editable: boolean }[]
    ).filter((e) => e.seriesId === masterId);
    expect(events.map((e) => e.kind)).toEqual(Array(6).fill('occurrence'));
    expect(events.every((e) => e.editable)).toBe(true);
    expect(events[0]!.startsAt).toBe('2027-03-15T09:00:00+01:00');
    expect(events[3]!.startsAt).toBe('2027-04-05T09:00:00+02:00');
    expect((await entity(masterId))!.properties).toMatchObject({ kind: 'master', recurrence: expect.any(String) });
  });

  it('writes an edited occurrence as a PATCH of that occurrence, which Outlook keeps as an exception', async () => {
    const before = (await entity(occurrenceId(1)))!;
    const seen = standIn.state.eventWrites.length;
    const moved = await api('PATCH', `/api/v1/calendar/events/${before.id}`, {
      version: before.version,
      title: 'Team sync (moved)',
      startsAt: '2027-03-22T11:00:00+01:00',
      endsAt: '2027-03-22T12:00:00+01:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    // The hub event keeps its identity; Outlook's answer makes it an exception of the same series.
    expect(moved.json()).toMatchObject({
      id: before.id,
      kind: 'exception',
      seriesId: masterId,
      title: 'Team sync (moved)',
      startsAt: '2027-03-22T11:00:00+01:00',
    });
    const [write] = writesSince(seen);
    expect(write).toMatchObject({ method: 'PATCH', id: occurrenceId(1), ifMatch: `W/"DwAAABYAAAA711"` });
    expect(write!.body).toEqual({
      subject: 'Team sync (moved)',
      isAllDay: false,
      start: { dateTime: '2027-03-22T11:00:00', timeZone: berlin },
      end: { dateTime: '2027-03-22T12:00:00', timeZone: berlin },
    });
    expect(writesSince(seen)).toHaveLength(1);
    expect(standInItem(occurrenceId(1)).body).toMatchObject({ type: 'exception', seriesMasterId: masterId });
    expect(standInItem(masterId).removed).toBe(false);

    // The next pass brings the exception back (our own version): no duplicate, the edit stays.
    const written = (await entity(occurrenceId(1)))!;
    await syncNow();
    const after = (await entity(occurrenceId(1)))!;
    expect(after).toMatchObject({
      id: before.id,
      version: written.version,
      title: 'Team sync (moved)',
      deleted: false,
    });
    expect(after.properties).toMatchObject({ kind: 'exception', startsAt: '2027-03-22T11:00:00+01:00' });
    expect(await liveInSeries()).toBe(6);
    expect((await entity(occurrenceId(2)))!.title).toBe('Team sync');
  });

  it('writes an exception edited again as a PATCH of the exception, with only what changed', async () => {
    const before = (await entity(occurrenceId(1)))!;
    const seen = standIn.state.eventWrites.length;
    const renamed = await api('PATCH', `/api/v1/calendar/events/${before.id}`, {
      version: before.version,
      title: 'Team sync (moved again)',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(writesSince(seen)).toEqual([
      {
        method: 'PATCH',
        id: occurrenceId(1),
        ifMatch: `W/"${String(before.properties.changeKey).replace(/^W\/"|"$/g, '')}"`,
        body: { subject: 'Team sync (moved again)' },
      },
    ]);
    expect(standInItem(occurrenceId(1)).body).toMatchObject({
      type: 'exception',
      subject: 'Team sync (moved again)',
      start: { dateTime: '2027-03-22T11:00:00', timeZone: berlin },
    });
    await syncNow();
    expect((await entity(occurrenceId(1)))!).toMatchObject({ id: before.id, title: 'Team sync (moved again)' });
    expect(await liveInSeries()).toBe(6);
  });

  it('keeps the wall clock of occurrences on either side of the DST change when they move', async () => {
    const seen = standIn.state.eventWrites.length;
    for (const [n, offset] of [
      [0, '+01:00'],
      [3, '+02:00'],
    ] as const) {
      const row = (await entity(occurrenceId(n)))!;
      const date = dates[n]!;
      const moved = await api('PATCH', `/api/v1/calendar/events/${row.id}`, {
        version: row.version,
        startsAt: `${date}T10:00:00${offset}`,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      // A new start without an end keeps the length; both go as 10:00 Berlin wall time.
      expect(standInItem(occurrenceId(n)).body).toMatchObject({
        type: 'exception',
        start: { dateTime: `${date}T10:00:00`, timeZone: berlin },
        end: { dateTime: `${date}T11:00:00`, timeZone: berlin },
        originalStartTimeZone: berlin,
      });
    }
    expect(writesSince(seen).map((w) => w.id)).toEqual([occurrenceId(0), occurrenceId(3)]);
    await syncNow();
    expect((await entity(occurrenceId(0)))!.properties).toMatchObject({
      startsAt: '2027-03-15T10:00:00+01:00',
      endsAt: '2027-03-15T11:00:00+01:00',
      timeZone: 'Europe/Berlin',
    });
    expect((await entity(occurrenceId(3)))!.properties).toMatchObject({
      startsAt: '2027-04-05T10:00:00+02:00',
      endsAt: '2027-04-05T11:00:00+02:00',
      timeZone: 'Europe/Berlin',
    });
    // An untouched occurrence after the change still shows 09:00 Berlin.
    expect((await entity(occurrenceId(4)))!.properties).toMatchObject({ startsAt: '2027-04-12T09:00:00+02:00' });
  });

  it("says (422) that Outlook keeps an occurrence off its neighbours' days; a day between them goes ahead", async () => {
    const row = (await entity(occurrenceId(0)))!;
    const onto = await api('PATCH', `/api/v1/calendar/events/${row.id}`, {
      version: row.version,
      startsAt: '2027-03-22T09:00:00+01:00',
    });
    expect(onto.statusCode, onto.body).toBe(422);
    expect(onto.json().error.message).toMatch(/day of the occurrence before or after it/);
    expect(standInItem(occurrenceId(0)).body).toMatchObject({ start: { dateTime: '2027-03-15T10:00:00' } });
    expect((await entity(occurrenceId(0)))!).toMatchObject({
      version: row.version,
      properties: expect.objectContaining({ startsAt: '2027-03-15T10:00:00+01:00' }),
    });

    const between = await api('PATCH', `/api/v1/calendar/events/${row.id}`, {
      version: row.version,
      startsAt: '2027-03-17T10:00:00+01:00',
    });
    expect(between.statusCode, between.body).toBe(200);
    expect(between.json()).toMatchObject({ id: row.id, startsAt: '2027-03-17T10:00:00+01:00' });
  });

  it('deletes one occurrence in Outlook, keeps the series, and no later sync brings it back', async () => {
    const row = (await entity(occurrenceId(4)))!;
    const seen = standIn.state.eventWrites.length;
    expect((await api('DELETE', `/api/v1/calendar/events/${row.id}`)).statusCode).toBe(204);
    expect(writesSince(seen)).toEqual([{ method: 'DELETE', id: occurrenceId(4), ifMatch: `W/"DwAAABYAAAA714"` }]);
    expect(standInItem(occurrenceId(4)).removed).toBe(true);
    expect(standInItem(masterId).removed).toBe(false);
    expect(standInItem(occurrenceId(5)).removed).toBe(false);

    for (let pass = 0; pass < 2; pass += 1) {
      await syncNow();
      expect((await entity(occurrenceId(4)))!.deleted).toBe(true);
      expect((await entity(masterId))!.deleted).toBe(false);
      expect(await liveInSeries()).toBe(5);
    }
    expect((await api('GET', `/api/v1/calendar/events/${row.id}`)).statusCode).toBe(404);
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2', [
        connectionId,
        occurrenceId(4),
      ]),
    );
    expect(rows).toHaveLength(0);
  });

  it('shows the whole series as editable, names it on each occurrence, and never gives an occurrence a rule', async () => {
    const master = (await entity(masterId))!;
    const seen = standIn.state.eventWrites.length;
    const shown = await api('GET', `/api/v1/calendar/events/${master.id}`);
    expect(shown.json()).toMatchObject({ kind: 'master', editable: true, seriesEntityId: master.id });
    // Each occurrence names its series' entity, which the web opens to change every occurrence.
    const one = await api('GET', `/api/v1/calendar/events/${(await entity(occurrenceId(5)))!.id}`);
    expect(one.json()).toMatchObject({ kind: 'occurrence', seriesId: masterId, seriesEntityId: master.id });

    const occurrence = (await entity(occurrenceId(5)))!;
    const ruled = await api('PATCH', `/api/v1/calendar/events/${occurrence.id}`, {
      version: occurrence.version,
      recurrence: 'FREQ=DAILY',
    });
    expect(ruled.statusCode, ruled.body).toBe(400);
    // Nothing reached Outlook, and nothing changed in the hub.
    expect(writesSince(seen)).toEqual([]);
    expect((await entity(masterId))!).toMatchObject({ version: master.version, title: 'Team sync', deleted: false });
    expect((await entity(occurrenceId(5)))!.version).toBe(occurrence.version);
    expect(standInItem(masterId).removed).toBe(false);
  });

  it('records a conflict when Outlook changed the occurrence meanwhile, and resolves it keeping the hub edit', async () => {
    const row = (await entity(occurrenceId(5)))!;
    // Edited in Outlook (another device): it becomes an exception with a new change key.
    editRemotely(account, 'calendar', occurrenceId(5), { subject: 'Team sync (Outlook)' });
    const edit = await api('PATCH', `/api/v1/calendar/events/${row.id}`, {
      version: row.version,
      title: 'Team sync (hub)',
    });
    expect(edit.statusCode, edit.body).toBe(409);
    expect(edit.json().error.code).toBe('write_conflict');
    const conflict = edit.json().error.details.conflict as { id: string; remote: { title: string } };
    expect(conflict.remote.title).toBe('Team sync (Outlook)');
    expect(standInItem(occurrenceId(5)).body).toMatchObject({ subject: 'Team sync (Outlook)', type: 'exception' });

    const resolved = await api('POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(standInItem(occurrenceId(5)).body).toMatchObject({ subject: 'Team sync (hub)', type: 'exception' });
    await syncNow();
    expect((await entity(occurrenceId(5)))!).toMatchObject({ id: row.id, title: 'Team sync (hub)', deleted: false });
    expect(await liveInSeries()).toBe(5);
  });

  it('deletes nothing when Outlook changed the occurrence meanwhile; deleting again goes ahead', async () => {
    const row = (await entity(occurrenceId(2)))!;
    editRemotely(account, 'calendar', occurrenceId(2), { subject: 'Team sync (new room)' });
    const refused = await api('DELETE', `/api/v1/calendar/events/${row.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error.code).toBe('write_conflict');
    expect(standInItem(occurrenceId(2)).removed).toBe(false);
    expect((await entity(occurrenceId(2)))!).toMatchObject({ title: 'Team sync (new room)', deleted: false });

    expect((await api('DELETE', `/api/v1/calendar/events/${row.id}`)).statusCode).toBe(204);
    expect(standInItem(occurrenceId(2)).removed).toBe(true);
    await syncNow();
    expect((await entity(occurrenceId(2)))!.deleted).toBe(true);
    expect(await liveInSeries()).toBe(4);
  });

  it('writes occurrences whose change key moved with the series (as Exchange does) without a conflict; a real change still is one', async () => {
    const [first, second, fourth] = [
      (await entity(occurrenceId(0)))!,
      (await entity(occurrenceId(1)))!,
      (await entity(occurrenceId(3)))!,
    ];
    // One occurrence changed in Outlook: every occurrence now carries the master's new key, nothing else changed.
    const sharedKey = shareNewSeriesKey(account, masterId);
    const seen = standIn.state.eventWrites.length;
    const renamed = await api('PATCH', `/api/v1/calendar/events/${second.id}`, {
      version: second.version,
      title: 'Team sync (renamed)',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    // Refused for the key the hub saw, then written with Outlook's: the same fields, nothing of theirs lost.
    expect(writesSince(seen).map((w) => [w.method, w.id, w.ifMatch])).toEqual([
      ['PATCH', occurrenceId(1), `W/"${String(second.properties.changeKey).replace(/^W\/"|"$/g, '')}"`],
      ['PATCH', occurrenceId(1), `W/"${sharedKey}"`],
    ]);
    expect(standInItem(occurrenceId(1)).body).toMatchObject({ subject: 'Team sync (renamed)', type: 'exception' });
    const open = await api('GET', '/api/v1/conflicts');
    expect((open.json().conflicts as { entityId: string }[]).filter((c) => c.entityId === second.id)).toEqual([]);

    expect((await api('DELETE', `/api/v1/calendar/events/${first.id}`)).statusCode).toBe(204);
    expect(standInItem(occurrenceId(0)).removed).toBe(true);

    // A field the hub shows changed too: that is a conflict, as before.
    editRemotely(account, 'calendar', occurrenceId(3), { location: { displayName: 'Room 2' } });
    const stale = await api('PATCH', `/api/v1/calendar/events/${fourth.id}`, {
      version: fourth.version,
      title: 'Team sync (mine)',
    });
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json().error.code).toBe('write_conflict');
    expect(standInItem(occurrenceId(3)).body).toMatchObject({ location: { displayName: 'Room 2' } });
    expect(standInItem(occurrenceId(3)).body.subject).not.toBe('Team sync (mine)');
  });
});
