import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { mergedPageItems, pageSizes } from './msgraph.sync.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, type StandInAccount } from './test/stand-in/state.ts';

/**
 * A series master the hub writes (a rename of the whole Outlook series) while a calendar sync
 * pass is under way, against the STAND-IN Graph (test/stand-in): the pass keeps the masters it
 * read (msgraph.sync.ts `seriesOf`), and a copy read before the hub's write must not be spread
 * over the instances, nor stored over the hub's write. The stand-in's `afterEventRead` hook
 * makes the write happen at a chosen master read of the sync.
 */
describe.each(testDatabaseKinds())('microsoft 365 series masters written during a sync on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  const calendarPageSize = pageSizes.calendar;
  const day = 86_400_000;
  const from = new Date(Date.now() - day).toISOString();
  const to = new Date(Date.now() + 90 * day).toISOString();

  const syncNow = () => syncAndWait(hub, alice, connectionId);
  const reads = (id: string) => standIn.state.eventReads.get(id) ?? 0;
  const api = (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(alice), ...(payload === undefined ? {} : { payload }) });

  type View = { id: string; kind: string; title: string; version: number; seriesEntityId: string | null };

  /** A weekly series made from the hub (so Outlook holds it as Outlook makes one), `weeks` ahead. */
  async function createSeries(title: string, weeks: number, count: number) {
    const start = new Date(Date.now() + weeks * 7 * day).toISOString().slice(0, 10);
    const created = await api('POST', '/api/v1/calendar/events', {
      title,
      startsAt: `${start}T09:00:00Z`,
      endsAt: `${start}T09:30:00Z`,
      timeZone: 'UTC',
      recurrence: `FREQ=WEEKLY;COUNT=${count}`,
      connectionId,
    });
    expect(created.statusCode, created.body).toBe(201);
    const external = [...collectionOf(account, 'calendar').items.values()].find(
      (item) => item.body.type === 'seriesMaster' && item.body.subject === title,
    )!.body.id as string;
    return { entity: (created.json() as View).id, external };
  }

  async function rename(entity: string, title: string) {
    const before = await api('GET', `/api/v1/calendar/events/${entity}`);
    expect(before.statusCode, before.body).toBe(200);
    const renamed = await api('PATCH', `/api/v1/calendar/events/${entity}`, {
      version: (before.json() as View).version,
      title,
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
  }

  /** The series' title in the hub, master first, then each occurrence's. */
  async function titles(entity: string): Promise<string[]> {
    const master = await api('GET', `/api/v1/calendar/events/${entity}`);
    expect(master.statusCode, master.body).toBe(200);
    const list = await api(
      'GET',
      `/api/v1/calendar/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    expect(list.statusCode, list.body).toBe(200);
    const occurrences = (list.json().events as View[]).filter(
      (e) => e.seriesEntityId === entity && e.kind !== 'master',
    );
    return [(master.json() as View).title, ...occurrences.map((o) => o.title)];
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
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow();
    // Calendar delta pages of 3 events, each its own sync page on PostgreSQL too (no merging):
    // a series' instances then span pages of one pass.
    standIn.state.behaviour.maxPageSize = 3;
    pageSizes.calendar = mergedPageItems;
  }, 180_000);

  afterAll(async () => {
    pageSizes.calendar = calendarPageSize;
    await hub?.close();
    await standIn?.close();
  });

  it('a rename from the hub while the sync reads that master is not undone by the copy it read', async () => {
    const review = await createSeries('Review', 2, 3);
    const readBefore = reads(review.external);
    let renamed = false;
    standIn.state.afterEventRead = async (id) => {
      if (id !== review.external) return;
      standIn.state.afterEventRead = undefined;
      // Outlook already answered the sync's read with the old title; the hub renames the series now.
      await rename(review.entity, 'Review (renamed)');
      renamed = true;
    };
    await syncNow();
    standIn.state.afterEventRead = undefined;
    expect(renamed).toBe(true);
    // Read once more, after the hub's write: not at every page.
    expect(reads(review.external) - readBefore).toBe(2);
    expect(await titles(review.entity)).toEqual(Array(4).fill('Review (renamed)'));
    // The next round brings the renamed instances from Outlook: the same.
    await syncNow();
    expect(await titles(review.entity)).toEqual(Array(4).fill('Review (renamed)'));
  });

  it('a rename from the hub between two pages of one calendar pass reaches the later pages', async () => {
    // Delta lists Standup's four occurrences, then Lunch's two: pages [S S S] [S L L].
    const standup = await createSeries('Standup', 3, 4);
    const lunch = await createSeries('Lunch', 4, 2);
    const readBefore = reads(standup.external);
    let renamed = false;
    standIn.state.afterEventRead = async (id) => {
      // The second page reads Lunch's master (Standup's is kept from the first): the hub renames Standup then.
      if (id !== lunch.external) return;
      standIn.state.afterEventRead = undefined;
      await rename(standup.entity, 'Standup (moved)');
      renamed = true;
    };
    await syncNow();
    standIn.state.afterEventRead = undefined;
    expect(renamed).toBe(true);
    expect(reads(standup.external) - readBefore).toBe(2);
    expect(await titles(standup.entity)).toEqual(Array(5).fill('Standup (moved)'));
    expect(await titles(lunch.entity)).toEqual(Array(3).fill('Lunch'));
    await syncNow();
    expect(await titles(standup.entity)).toEqual(Array(5).fill('Standup (moved)'));
  });
});
