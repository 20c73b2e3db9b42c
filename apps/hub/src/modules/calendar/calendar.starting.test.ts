import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import type { EventView } from './calendar.schemas.ts';
import { dueWindow, lateGraceMs, type StartingEmitter } from './calendar.starting.ts';

/**
 * calendar.EventStarting end to end on a real hub and database: events written through the
 * calendar API, rules saved through the rules API, and the every-minute emitter driven
 * directly with the clock of the minute it would run at (no waiting for the cron).
 */
const minute = 60_000;
const at = (iso: string, minutesBefore = 0) => new Date(Date.parse(iso) - minutesBefore * minute);

describe('when an occurrence is due (dueWindow)', () => {
  it('is due from N minutes before its start, at most the grace late, never past the start', () => {
    const start = Date.parse('2030-01-07T09:00:00Z');
    const due = (now: number, n: number) => {
      const { from, to } = dueWindow(now, n);
      return start > from && start <= to;
    };
    expect(due(start - 11 * minute, 10)).toBe(false);
    expect(due(start - 10 * minute, 10)).toBe(true);
    expect(due(start - 10 * minute + lateGraceMs - 1, 10)).toBe(true);
    expect(due(start - 10 * minute + lateGraceMs, 10)).toBe(false);
    // N = 2: late by at most 2 minutes, so never once it started.
    expect(due(start - minute, 2)).toBe(true);
    expect(due(start, 2)).toBe(false);
    // N = 0: within the minute it starts.
    expect(due(start, 0)).toBe(true);
    expect(due(start + 59_000, 0)).toBe(true);
    expect(due(start + minute, 0)).toBe(false);
    // A rule saved 30 minutes before a meeting asking for 60 minutes' notice: too late, nothing.
    expect(due(start - 30 * minute, 60)).toBe(false);
  });
});

describe.each(testDatabaseKinds())('calendar.EventStarting on %s', (kind) => {
  let hub: TestHub;
  let starting: StartingEmitter;

  beforeAll(async () => {
    hub = await createTestHub(kind, {}, { rules: { indexTtlMs: 0 } });
    starting = (hub.modules.find((m) => m.name === 'calendar') as unknown as { starting: StartingEmitter }).starting;
  }, 180_000);
  afterAll(() => hub?.close(), 60_000);

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const createEvent = async (user: SignedUpUser, payload: Record<string, unknown>) => {
    const response = await api(user, 'POST', '/api/v1/calendar/events', payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as EventView;
  };
  const startingRule = (minutesBefore: number, name = `Starts in ${minutesBefore}`) => ({
    name,
    mode: 'parallel',
    triggers: [{ id: 'soon', type: 'event', event: 'calendar.EventStarting', minutesBefore }],
    steps: [
      {
        id: 'tell',
        type: 'action',
        action: 'notify',
        with: { title: '{{ trigger.data.title }} at {{ trigger.data.startsAt }}', body: '{{ trigger.data.location }}' },
      },
    ],
    limits: { perHour: 1000, maxDepth: 3 },
  });
  const createRule = async (user: SignedUpUser, definition: unknown) => {
    const response = await api(user, 'POST', '/api/v1/rules', { definition, approve: ['notify'], enabled: true });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().rule.id as string;
  };
  const runsOf = async (user: SignedUpUser, ruleId: string) =>
    (await api(user, 'GET', `/api/v1/rules/${ruleId}/runs?limit=100`)).json().items as {
      id: string;
      status: string;
    }[];
  /** The calendar.EventStarting events in the outbox for this owner, oldest first. */
  const announced = (user: SignedUpUser) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ subject: string; data: Record<string, unknown>; actor: Record<string, unknown> }>(
            `SELECT subject, data, actor FROM made_open.outbox
             WHERE owner_id = $1 AND type = 'calendar.EventStarting' ORDER BY seq`,
            [user.id],
          )
        ).rows,
    );

  /** A dry run replays published events only: waits until the relay published this owner's `n`. */
  const published = (user: SignedUpUser, n: number) =>
    eventually(async () => {
      const rows = await hub.db.asSystem(
        async (tx) =>
          (
            await tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM made_open.outbox
               WHERE owner_id = $1 AND type = 'calendar.EventStarting' AND published_at IS NOT NULL`,
              [user.id],
            )
          ).rows,
      );
      return rows[0]!.n >= n ? true : undefined;
    }, `${n} published starting-soon events`);

  it('announces a one-off event once at its minute, runs the rule with N = 10 and not the one with N = 30', async () => {
    const alice = await signUpUser(hub);
    const event = await createEvent(alice, {
      title: 'Budget review',
      startsAt: '2030-01-07T09:00:00+01:00',
      endsAt: '2030-01-07T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      location: 'Room 4',
      onlineMeetingUrl: 'https://meet.example.test/budget',
      attendees: ['carol@example.test'],
    });
    const ten = await createRule(alice, startingRule(10));
    const thirty = await createRule(alice, startingRule(30));

    // 11 minutes before: not yet. 10 minutes before: once, however often the minute runs.
    expect((await starting.run(at('2030-01-07T08:00:00Z', 11))).emitted).toBe(0);
    expect((await starting.run(at('2030-01-07T08:00:00Z', 10))).emitted).toBe(1);
    expect((await starting.run(at('2030-01-07T08:00:00Z', 10))).emitted).toBe(0);
    expect((await starting.run(at('2030-01-07T08:00:00Z', 9))).emitted).toBe(0);

    const events = await announced(alice);
    expect(events).toHaveLength(1);
    const carol = (await api(alice, 'GET', `/api/v1/calendar/events/${event.id}`)).json().attendees[0].personId;
    expect(events[0]).toMatchObject({
      subject: event.entityId,
      actor: { kind: 'system', id: 'calendar.starting' },
      data: {
        eventId: event.entityId,
        occurrenceId: event.entityId,
        seriesId: null,
        title: 'Budget review',
        startsAt: '2030-01-07T09:00:00+01:00',
        endsAt: '2030-01-07T10:00:00+01:00',
        timeZone: 'Europe/Berlin',
        allDay: false,
        location: 'Room 4',
        onlineMeetingUrl: 'https://meet.example.test/budget',
        attendeePersonIds: [carol],
        myResponse: 'organizer',
        source: 'calendar',
        minutesBefore: 10,
      },
    });

    const [run] = await eventually(async () => {
      const runs = await runsOf(alice, ten);
      return runs.length > 0 && runs.every((r) => r.status === 'succeeded') ? runs : undefined;
    }, 'the N = 10 rule to run');
    // The same consumer call considered both rules: the N = 30 one did not match this event.
    expect(await runsOf(alice, thirty)).toEqual([]);
    const trace = (await api(alice, 'GET', `/api/v1/rules/${ten}/runs/${run!.id}`)).json();
    expect(trace.trigger).toMatchObject({
      type: 'calendar.EventStarting',
      data: { title: 'Budget review', minutesBefore: 10, onlineMeetingUrl: 'https://meet.example.test/budget' },
    });
    expect(trace.trace.at(-1)).toMatchObject({
      stepId: 'tell',
      status: 'ok',
      input: { title: 'Budget review at 2030-01-07T09:00:00+01:00', body: 'Room 4' },
    });

    // 30 minutes before is the other rule's moment (run earlier or later, it is announced once).
    expect((await starting.run(at('2030-01-07T08:00:00Z', 30))).emitted).toBe(1);
    await eventually(async () => ((await runsOf(alice, thirty)).length === 1 ? true : undefined), 'the N = 30 run');
    expect(await runsOf(alice, ten)).toHaveLength(1);
  }, 120_000);

  it('expands a hub series: each occurrence once, a cancelled one never, a moved one at its new time', async () => {
    const alice = await signUpUser(hub);
    const series = await createEvent(alice, {
      title: 'Standup',
      startsAt: '2030-02-01T08:00:00+00:00',
      endsAt: '2030-02-01T08:15:00+00:00',
      timeZone: 'Europe/London',
      recurrence: 'FREQ=DAILY;COUNT=10',
    });
    await createRule(alice, startingRule(15));
    const cancelled = await api(alice, 'DELETE', `/api/v1/calendar/events/${series.entityId}_20300204T080000`);
    expect(cancelled.statusCode, cancelled.body).toBe(204);
    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${series.entityId}_20300205T080000`, {
      version: series.version,
      startsAt: '2030-02-05T10:00:00+00:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);

    expect((await starting.run(at('2030-02-03T08:00:00Z', 15))).emitted).toBe(1);
    expect((await starting.run(at('2030-02-03T08:00:00Z', 15))).emitted).toBe(0);
    expect((await starting.run(at('2030-02-04T08:00:00Z', 15))).emitted).toBe(0);
    expect((await starting.run(at('2030-02-05T08:00:00Z', 15))).emitted).toBe(0);
    expect((await starting.run(at('2030-02-05T10:00:00Z', 15))).emitted).toBe(1);

    const [third, fifth] = (await announced(alice)).map((e) => e.data);
    expect(third).toMatchObject({
      eventId: series.entityId,
      seriesId: series.entityId,
      occurrenceId: `${series.entityId}_20300203T080000`,
      startsAt: '2030-02-03T08:00:00+00:00',
      endsAt: '2030-02-03T08:15:00+00:00',
    });
    expect(fifth).toMatchObject({
      eventId: moved.json().entityId,
      occurrenceId: moved.json().entityId,
      seriesId: series.entityId,
      startsAt: '2030-02-05T10:00:00+00:00',
    });
  }, 120_000);

  it('skips deleted events, never late past the grace or the start, and never for a rule saved after the moment', async () => {
    const alice = await signUpUser(hub);
    const gone = await createEvent(alice, { title: 'Cancelled lunch', startsAt: '2030-03-01T12:00:00Z' });
    expect((await api(alice, 'DELETE', `/api/v1/calendar/events/${gone.id}`)).statusCode).toBe(204);
    await createEvent(alice, { title: 'Dentist', startsAt: '2030-03-02T12:00:00Z' });
    await createRule(alice, startingRule(60));

    expect((await starting.run(at('2030-03-01T12:00:00Z', 60))).emitted).toBe(0);
    // A rule created 30 minutes before the dentist, asking for 60 minutes: nothing now.
    expect((await starting.run(at('2030-03-02T12:00:00Z', 30))).emitted).toBe(0);
    // After a restart 3 minutes past the moment: late, within the grace.
    expect((await starting.run(at('2030-03-02T12:00:00Z', 57))).emitted).toBe(1);
    expect(await announced(alice)).toHaveLength(1);
  }, 120_000);

  it("never announces another user's events to my rules, and two hubs running the same minute announce once", async () => {
    const alice = await signUpUser(hub);
    const bob = await signUpUser(hub);
    const hers = await createEvent(alice, { title: 'Alice only', startsAt: '2030-04-01T15:00:00Z' });
    const his = await createEvent(bob, { title: 'Bob only', startsAt: '2030-04-01T15:00:00Z' });
    await createEvent(bob, { title: 'Bob later', startsAt: '2030-04-01T15:20:00Z' });
    const aliceRule = await createRule(alice, startingRule(5));
    const bobRule = await createRule(bob, startingRule(5));

    // Two hubs' jobs for the same minute at once: the dedupe key lets one of them announce each.
    const results = await Promise.all([
      starting.run(at('2030-04-01T15:00:00Z', 5)),
      starting.run(at('2030-04-01T15:00:00Z', 5)),
    ]);
    expect(results.reduce((sum, r) => sum + r.emitted, 0)).toBe(2);
    expect((await announced(alice)).map((e) => e.subject)).toEqual([hers.entityId]);
    expect((await announced(bob)).map((e) => e.subject)).toEqual([his.entityId]);

    const [aliceRun] = await eventually(
      async () => ((await runsOf(alice, aliceRule)).length === 1 ? runsOf(alice, aliceRule) : undefined),
      "alice's run",
    );
    const trace = (await api(alice, 'GET', `/api/v1/rules/${aliceRule}/runs/${aliceRun!.id}`)).json();
    expect(trace.trigger.data.eventId).toBe(hers.entityId);
    await eventually(async () => ((await runsOf(bob, bobRule)).length === 1 ? true : undefined), "bob's run");
    expect(JSON.stringify(await runsOf(alice, aliceRule))).not.toContain('Bob only');
    // Bob's rule and runs are not Alice's to see.
    expect((await api(alice, 'GET', `/api/v1/rules/${bobRule}/runs`)).statusCode).toBe(404);
    // The dedupe rows are under RLS: each owner sees their own only.
    const seen = await hub.db.asUser({ role: 'authenticated', sub: alice.id }, (tx) =>
      tx.query<{ occurrence_id: string }>('SELECT occurrence_id FROM made_open.calendar_starting_sent'),
    );
    expect(seen.rows.map((r) => r.occurrence_id)).toEqual([hers.entityId]);
  }, 120_000);

  it('dry-runs a draft against stored starting-soon events, matching its own lead time only', async () => {
    const alice = await signUpUser(hub);
    await createEvent(alice, { title: 'Call with Dana', startsAt: '2030-05-01T10:00:00Z' });
    await createRule(alice, startingRule(10));
    await createRule(alice, startingRule(20));
    expect((await starting.run(at('2030-05-01T10:00:00Z', 20))).emitted).toBe(1);
    expect((await starting.run(at('2030-05-01T10:00:00Z', 10))).emitted).toBe(1);
    await published(alice, 2);

    const dry = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition: startingRule(10), days: 1 });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().wouldRun).toHaveLength(1);
    expect(dry.json().wouldRun[0].trace.at(-1)).toMatchObject({
      status: 'simulated',
      input: { title: 'Call with Dana at 2030-05-01T10:00:00+00:00' },
    });
    const never = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition: startingRule(45), days: 1 });
    expect(never.json().wouldRun).toEqual([]);
  }, 120_000);

  it('ships a template that texts the meeting link 5 minutes before: it dry-runs and saves', async () => {
    const alice = await signUpUser(hub);
    await createEvent(alice, {
      title: 'Design sync',
      startsAt: '2030-06-01T14:00:00Z',
      onlineMeetingUrl: 'https://meet.example.test/design',
    });
    await createEvent(alice, { title: 'No link here', startsAt: '2030-06-01T14:00:00Z' });
    await createRule(alice, startingRule(5));
    expect((await starting.run(at('2030-06-01T14:00:00Z', 5))).emitted).toBe(2);
    await published(alice, 2);

    const templates = (await api(alice, 'GET', '/api/v1/rules/templates')).json().items as {
      id: string;
      definition: { steps: { with: Record<string, unknown> }[] };
    }[];
    const template = templates.find((t) => t.id === 'meeting-link-text-before')!;
    const definition = structuredClone(template.definition);
    definition.steps[0]!.with.to = '+447700900123';
    const dry = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition, days: 1 });
    expect(dry.statusCode, dry.body).toBe(200);
    // The event without a link does not pass the trigger's filter.
    expect(dry.json().wouldRun).toHaveLength(1);
    expect(dry.json().wouldRun[0].trace.at(-1)).toMatchObject({
      stepId: 'text',
      status: 'simulated',
      input: { to: '+447700900123', body: 'Design sync starts in 5 minutes: https://meet.example.test/design' },
    });
    const asked = await api(alice, 'POST', '/api/v1/rules', { definition, enabled: false });
    expect(asked.json().error.code).toBe('grants_required');
    const saved = await api(alice, 'POST', '/api/v1/rules', {
      definition,
      enabled: false,
      approve: asked.json().error.details.missing,
    });
    expect(saved.statusCode, saved.body).toBe(201);
  }, 120_000);

  it('refuses a trigger without minutesBefore, out of range, on another type, or a condition outside the payload', async () => {
    const alice = await signUpUser(hub);
    const refused = async (definition: unknown) => {
      const response = await api(alice, 'POST', '/api/v1/rules', { definition, approve: ['notify'] });
      expect(response.statusCode, response.body).toBe(400);
      return JSON.stringify(response.json());
    };
    const rule = startingRule(10);
    const { minutesBefore: _omit, ...noLead } = rule.triggers[0]!;
    expect(await refused({ ...rule, triggers: [noLead] })).toContain('needs minutesBefore');
    expect(await refused(startingRule(10_081))).toContain('minutesBefore is 0 to 10080');
    expect(await refused(startingRule(-1))).toContain('minutesBefore is 0 to 10080');
    expect(await refused(startingRule(2.5))).toContain('whole number');
    expect(
      await refused({
        ...rule,
        triggers: [{ id: 'sms', type: 'event', event: 'comms.SmsReceived', minutesBefore: 5 }],
      }),
    ).toContain('only for calendar.EventStarting');
    expect(
      await refused({ ...rule, conditions: { cmp: { left: 'trigger.data.meetingUrl', op: 'exists' } } }),
    ).toContain('not in the payload');
    const ok = await api(alice, 'POST', '/api/v1/rules', {
      definition: { ...rule, conditions: { cmp: { left: 'trigger.data.onlineMeetingUrl', op: 'exists' } } },
      approve: ['notify'],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await api(alice, 'GET', '/api/v1/rules')).json().items).toHaveLength(1);
    // The API documents a starting-soon rule among its examples.
    const doc = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(JSON.stringify(doc.paths['/api/v1/rules'].post)).toContain('"minutesBefore":5');
  }, 120_000);
});
