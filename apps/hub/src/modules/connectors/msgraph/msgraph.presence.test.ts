import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presenceLabel } from '@made-open/shared/presence-events';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { presenceOf } from './msgraph.presence.ts';
import { msgraphStandIn, registerApp, signIn } from './test/support.ts';
import { contactPayload } from './test/stand-in/generator.ts';
import { presenceStateOf, setPresence } from './test/stand-in/presence.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { addAccount, put, type StandInAccount } from './test/stand-in/state.ts';

interface PresenceEvent {
  type: string;
  subject: string;
  data: {
    personId: string | null;
    self: boolean;
    availability: string;
    activity: string;
    previous: { availability: string; activity: string } | null;
  };
}

/**
 * Teams presence on a real hub against the STAND-IN Graph (test/stand-in/presence.ts:
 * /me/presence, getPresencesByUserId, /users?$filter=mail eq): work accounts only, the
 * account's own and its colleagues' (persons whose email is in its domain), presence.Changed
 * only on a change, 403s skipped quietly, other users' presence invisible.
 */
describe.each(testDatabaseKinds())('microsoft 365 teams presence on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let carol: StandInAccount;
  let dave: StandInAccount;
  let connectionId: string;
  let personalConnectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string) =>
    hub.app.inject({ method, url, headers: bearer(user) });

  async function presenceEvents(user = alice): Promise<PresenceEvent[]> {
    const page = (await api(user, 'GET', '/api/v1/events?limit=500')).json() as { events: PresenceEvent[] };
    return page.events.filter((event) => event.type === 'presence.Changed');
  }

  async function personWith(email: string) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ entity_id: string }>(
        `SELECT entity_id FROM public.identifiers WHERE owner_id = $1 AND kind = 'email' AND value = $2`,
        [alice.id, email],
      ),
    );
    return rows[0]?.entity_id;
  }

  async function idle(id: string, user = alice) {
    await eventually(
      async () => {
        const view = (await api(user, 'GET', `/api/v1/connections/${id}`)).json();
        return view.sync.state === 'idle' && view.sync.lastSuccessAt ? view : undefined;
      },
      'an idle connection',
      90_000,
    );
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env, { msgraphPollTickMs: 3_600_000, msgraphPresenceTickMs: 3_600_000 });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example' });
    account = app.account;
    // Colleagues in the same tenant (contoso.example), one hidden from lookups; someone outside it.
    carol = addAccount(standIn.state, { id: randomUUID(), mail: 'carol@contoso.example', displayName: 'Carol' });
    dave = addAccount(standIn.state, { id: randomUUID(), mail: 'dave@contoso.example', displayName: 'Dave' });
    addAccount(standIn.state, { id: randomUUID(), mail: 'frank@example.net', displayName: 'Frank' });
    presenceStateOf(standIn.state).hidden.add(dave.id);
    const contacts = [
      ['carol@contoso.example', 'Carol'],
      ['dave@contoso.example', 'Dave'],
      ['erin@contoso.example', 'Erin'], // not in the directory
      ['frank@example.net', 'Frank'],
    ] as const;
    for (const [n, [address, name]] of contacts.entries())
      put(account, 'contacts', contactPayload(n, { displayName: name, emailAddresses: [{ name, address }] }));
    setPresence(standIn.state, account.id, 'Available', 'Available');
    setPresence(standIn.state, carol.id, 'Busy', 'InAMeeting');
    const trip = await signIn(hub, standIn, alice, {
      credentialId: app.credentialId,
      account,
      options: { workAccount: true },
    });
    expect(trip.authorizeUrl).toMatch(/Presence\.Read(%20|\+)Presence\.Read\.All(%20|\+)User\.ReadBasic\.All/);
    connectionId = trip.connectionId!;
    await idle(connectionId);
    const personal = await registerApp(hub, standIn, bob, { mail: 'bob@outlook.example' });
    const bobTrip = await signIn(hub, standIn, bob, { credentialId: personal.credentialId, account: personal.account });
    personalConnectionId = bobTrip.connectionId!;
    await idle(personalConnectionId, bob);
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('reads Graph presence defensively and labels it in words', () => {
    expect(presenceOf({ availability: 'Busy', activity: 'InAMeeting' })).toEqual({
      availability: 'Busy',
      activity: 'InAMeeting',
    });
    expect(presenceOf({ availability: '<script>', activity: 'x y' })).toEqual({
      availability: 'PresenceUnknown',
      activity: 'PresenceUnknown',
    });
    expect(presenceOf(null)).toBeUndefined();
    expect(presenceLabel({ availability: 'Busy', activity: 'InAMeeting' }).label).toBe('In a meeting');
    expect(presenceLabel({ availability: 'Available', activity: 'Available' })).toEqual({
      label: 'Available',
      tone: 'available',
    });
    expect(presenceLabel({ availability: 'Away', activity: 'Away' }).label).toBe('Away');
    expect(presenceLabel({ availability: 'Offline', activity: 'Offline' }).label).toBe('Offline');
    expect(presenceLabel({ availability: 'Busy', activity: 'Busy' }).label).toBe('Busy');
  });

  it("a pass reads the account's and colleagues' presence: events for each first presence; 403s skipped quietly", async () => {
    await hub.msgraph.presence.tick();
    const events = await eventually(async () => {
      const found = await presenceEvents();
      return found.length >= 2 ? found : undefined;
    }, 'presence events');
    const carolPerson = await personWith('carol@contoso.example');
    expect(carolPerson).toBeDefined();
    expect(events.map((e) => [e.data.self, e.data.personId, e.data.availability, e.data.activity]).sort()).toEqual(
      [
        [false, carolPerson, 'Busy', 'InAMeeting'],
        [true, null, 'Available', 'Available'],
      ].sort(),
    );
    expect(events.every((e) => e.data.previous === null)).toBe(true);
    // The directory mapping is cached: carol found, dave not permitted, erin unknown, frank outside the tenant.
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ email: string; lookup: string }>(
        `SELECT email, lookup FROM made_open.msgraph_presence WHERE connection_id = $1 AND NOT is_self ORDER BY email`,
        [connectionId],
      ),
    );
    expect(rows).toEqual([
      { email: 'carol@contoso.example', lookup: 'found' },
      { email: 'dave@contoso.example', lookup: 'forbidden' },
      { email: 'erin@contoso.example', lookup: 'not_found' },
    ]);
    const view = (await api(alice, 'GET', `/api/v1/connections/${connectionId}`)).json();
    expect(view.setup.presence).toMatchObject({ offered: true });
    // The contact page's read: words and a tone; another user gets 404.
    const read = await api(alice, 'GET', `/api/v1/persons/${carolPerson}/presence`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({
      availability: 'Busy',
      activity: 'InAMeeting',
      label: 'In a meeting',
      tone: 'busy',
    });
    expect((await api(bob, 'GET', `/api/v1/persons/${carolPerson}/presence`)).statusCode).toBe(404);
    const { rows: seenByBob } = await hub.db.asUser(bob.claims, (tx) =>
      tx.query('SELECT * FROM made_open.msgraph_presence'),
    );
    expect(seenByBob).toHaveLength(0);
  });

  it('emits presence.Changed only on a change', async () => {
    const lookupsBefore = presenceStateOf(standIn.state).counters.lookups;
    const before = (await presenceEvents()).length;
    await hub.msgraph.presence.tick();
    await hub.msgraph.presence.tick();
    expect((await presenceEvents()).length).toBe(before);
    // The directory is not asked again for what it already answered.
    expect(presenceStateOf(standIn.state).counters.lookups).toBe(lookupsBefore);
    setPresence(standIn.state, carol.id, 'Available', 'Available');
    await hub.msgraph.presence.tick();
    const events = await eventually(async () => {
      const found = await presenceEvents();
      return found.length === before + 1 ? found : undefined;
    }, 'one more presence event');
    const latest = events.find((e) => e.data.availability === 'Available' && !e.data.self)!;
    expect(latest.data.previous).toEqual({ availability: 'Busy', activity: 'InAMeeting' });
    const carolPerson = await personWith('carol@contoso.example');
    expect((await api(alice, 'GET', `/api/v1/persons/${carolPerson}/presence`)).json().label).toBe('Available');
  });

  it('a 403 for colleagues (no Presence.Read.All) is skipped quietly; personal accounts get no presence', async () => {
    presenceStateOf(standIn.state).presenceForbidden.add(account.id);
    setPresence(standIn.state, carol.id, 'Away', 'Away');
    setPresence(standIn.state, account.id, 'Busy', 'InACall');
    const before = (await presenceEvents()).length;
    await hub.msgraph.presence.tick();
    const events = await eventually(async () => {
      const found = await presenceEvents();
      return found.length === before + 1 ? found : undefined;
    }, 'the own presence change only');
    expect(events.some((e) => e.data.self && e.data.activity === 'InACall')).toBe(true);
    presenceStateOf(standIn.state).presenceForbidden.delete(account.id);

    const view = (await api(bob, 'GET', `/api/v1/connections/${personalConnectionId}`)).json();
    expect(view.setup.presence).toEqual({
      offered: false,
      summary: 'Teams presence is not offered for personal Microsoft accounts',
    });
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query('SELECT * FROM made_open.msgraph_presence WHERE connection_id = $1', [personalConnectionId]),
    );
    expect(rows).toHaveLength(0);
    expect(await presenceEvents(bob)).toHaveLength(0);
  });
});
