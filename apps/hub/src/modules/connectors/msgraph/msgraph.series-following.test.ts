import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, type StandInAccount } from './test/stand-in/state.ts';
import { editRemotely } from './test/stand-in/versions.ts';

/**
 * "This and following" on an Outlook series from the hub (scope=following), against the
 * STAND-IN Graph (test/stand-in: it regenerates a series' instances when its range changes,
 * as for any change of pattern, and answers each instance's originalStart). Graph has no such
 * call: the hub ends the series the day before the occurrence's original date (range type
 * endDate in the series' zone), and for a PATCH creates a new series from the occurrence on.
 * Weekly Tuesday 09:00 Berlin series across the 2027 DST change (28 March).
 */
describe.each(testDatabaseKinds())('microsoft 365 this and following on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  const window = '/api/v1/calendar/events?from=2027-03-01T00:00:00Z&to=2027-06-01T00:00:00Z';

  const syncNow = () => syncAndWait(hub, alice, connectionId);
  const api = (method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: unknown, as = alice) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(as),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  type View = {
    id: string;
    kind: string;
    title: string;
    startsAt: string;
    seriesEntityId: string | null;
    version: number;
  };
  /** Occurrences shown whose title starts so, as "start title". */
  async function shown(prefix: string): Promise<View[]> {
    const answer = await api('GET', window);
    expect(answer.statusCode, answer.body).toBe(200);
    return (answer.json().events as View[]).filter((e) => e.title.startsWith(prefix) && e.kind !== 'master');
  }
  const lines = async (prefix: string) => (await shown(prefix)).map((e) => `${e.startsAt} ${e.title}`);
  /** Outlook's masters whose subject starts so. */
  const outlookMasters = (prefix: string) =>
    [...collectionOf(account, 'calendar').items.values()]
      .filter(
        (item) => !item.removed && item.body.type === 'seriesMaster' && String(item.body.subject).startsWith(prefix),
      )
      .map((item) => item.body as { id: string; subject: string; recurrence: { range: Record<string, unknown> } });
  const outlookInstances = (masterId: string) =>
    [...collectionOf(account, 'calendar').items.values()]
      .filter((item) => !item.removed && item.body.seriesMasterId === masterId)
      .map((item) => item.body as { id: string; start: { dateTime: string }; subject: string });

  async function series(title: string, recurrence: string) {
    const created = await api('POST', '/api/v1/calendar/events', {
      title,
      startsAt: '2027-03-16T09:00:00+01:00',
      endsAt: '2027-03-16T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      recurrence,
      connectionId,
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json() as View;
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow();
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('refuses a master and another user, before anything reaches Outlook', async () => {
    const master = await series('Guarded', 'FREQ=WEEKLY;COUNT=3');
    const [, second] = await shown('Guarded');
    const seen = standIn.state.eventWrites.length;
    const onMaster = await api('DELETE', `/api/v1/calendar/events/${master.id}?scope=following`);
    expect(onMaster.statusCode, onMaster.body).toBe(400);
    const asBob = await api('DELETE', `/api/v1/calendar/events/${second!.id}?scope=following`, undefined, bob);
    expect(asBob.statusCode, asBob.body).toBe(404);
    const bobPatch = await api(
      'PATCH',
      `/api/v1/calendar/events/${second!.id}?scope=following`,
      { version: 1, title: 'x' },
      bob,
    );
    expect(bobPatch.statusCode, bobPatch.body).toBe(404);
    expect(standIn.state.eventWrites.slice(seen)).toEqual([]);
    expect(await shown('Guarded')).toHaveLength(3);
  });

  it('splits a series: the old one ends the day before, a new one takes the rest of the count', async () => {
    await series('Planning', 'FREQ=WEEKLY;COUNT=6');
    const third = (await shown('Planning'))[2]!;
    const split = await api('PATCH', `/api/v1/calendar/events/${third.id}?scope=following`, {
      version: third.version,
      title: 'Planning v2',
      startsAt: '2027-03-30T10:00:00+02:00',
      endsAt: '2027-03-30T11:00:00+02:00',
    });
    expect(split.statusCode, split.body).toBe(200);
    expect(split.json()).toMatchObject({
      kind: 'master',
      title: 'Planning v2',
      recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=4',
    });
    const [old] = outlookMasters('Planning').filter((m) => m.subject === 'Planning');
    expect(old!.recurrence.range).toMatchObject({ type: 'endDate', endDate: '2027-03-29', startDate: '2027-03-16' });
    expect(outlookMasters('Planning v2')).toHaveLength(1);
    expect(outlookMasters('Planning v2')[0]!.recurrence.range).toMatchObject({
      type: 'numbered',
      numberOfOccurrences: 4,
      startDate: '2027-03-30',
    });
    const expected = [
      '2027-03-16T09:00:00+01:00 Planning',
      '2027-03-23T09:00:00+01:00 Planning',
      '2027-03-30T10:00:00+02:00 Planning v2',
      '2027-04-06T10:00:00+02:00 Planning v2',
      '2027-04-13T10:00:00+02:00 Planning v2',
      '2027-04-20T10:00:00+02:00 Planning v2',
    ];
    expect(await lines('Planning')).toEqual(expected);
    await syncNow();
    expect(await lines('Planning')).toEqual(expected);
  });

  it('tells plainly when the old series ended but the new one could not be made, and makes no second series', async () => {
    await series('Review', 'FREQ=WEEKLY;COUNT=4');
    const second = (await shown('Review'))[1]!;
    standIn.state.failEventCreates = 1;
    const split = await api('PATCH', `/api/v1/calendar/events/${second.id}?scope=following`, {
      version: second.version,
      title: 'Review v2',
    });
    standIn.state.failEventCreates = 0;
    expect(split.statusCode, split.body).toBe(502);
    expect(split.json().error.code).toBe('series_split_incomplete');
    expect(split.json().error.message).toMatch(
      /now ends on 2027-03-22 .* could not be created .* create the new series/,
    );
    expect(outlookMasters('Review')).toHaveLength(1);
    expect(await lines('Review')).toEqual(['2027-03-16T09:00:00+01:00 Review']);
    await syncNow();
    expect(await lines('Review')).toEqual(['2027-03-16T09:00:00+01:00 Review']);
  });

  it('deletes this and following from a moved occurrence by its original day, not where it was moved', async () => {
    const master = await series('Standup', 'FREQ=WEEKLY;COUNT=5');
    const third = (await shown('Standup'))[2]!;
    // Moved from Tuesday 30 March to Wednesday 31 March: an exception in Outlook.
    const moved = await api('PATCH', `/api/v1/calendar/events/${third.id}`, {
      version: third.version,
      startsAt: '2027-03-31T09:00:00+02:00',
      endsAt: '2027-03-31T10:00:00+02:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const deleted = await api('DELETE', `/api/v1/calendar/events/${third.id}?scope=following`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    const [outlook] = outlookMasters('Standup');
    expect(outlook!.recurrence.range).toMatchObject({ type: 'endDate', endDate: '2027-03-29' });
    expect(outlookInstances(outlook!.id)).toHaveLength(2);
    expect(await lines('Standup')).toEqual(['2027-03-16T09:00:00+01:00 Standup', '2027-03-23T09:00:00+01:00 Standup']);
    expect((await api('GET', `/api/v1/calendar/events/${master.id}`)).json().recurrence).toBe(
      'FREQ=WEEKLY;BYDAY=TU;UNTIL=20270329',
    );
    await syncNow();
    expect(await lines('Standup')).toHaveLength(2);
  });

  it('answers 409 and ends nothing when the series changed in Outlook since', async () => {
    await series('Sync', 'FREQ=WEEKLY;COUNT=3');
    const [outlook] = outlookMasters('Sync');
    editRemotely(account, 'calendar', outlook!.id, { subject: 'Sync (renamed in Outlook)' });
    const second = (await shown('Sync'))[1]!;
    const deleted = await api('DELETE', `/api/v1/calendar/events/${second.id}?scope=following`);
    expect(deleted.statusCode, deleted.body).toBe(409);
    expect(deleted.json().error.code).toBe('write_conflict');
    expect(outlookMasters('Sync')[0]!.recurrence.range).toMatchObject({ type: 'numbered', numberOfOccurrences: 3 });
    expect(outlookInstances(outlook!.id)).toHaveLength(3);
  });

  it('deletes the whole series for this and following of its first occurrence', async () => {
    const master = await series('Kickoff', 'FREQ=WEEKLY;COUNT=3');
    const [first] = await shown('Kickoff');
    const deleted = await api('DELETE', `/api/v1/calendar/events/${first!.id}?scope=following`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(outlookMasters('Kickoff')).toEqual([]);
    expect(await shown('Kickoff')).toEqual([]);
    expect((await api('GET', `/api/v1/calendar/events/${master.id}`)).statusCode).toBe(404);
  });
});
