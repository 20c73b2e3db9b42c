import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { composeOver, eventually } from '../test/support.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { contactPayload, eventPayload, messagePayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { graphLimits } from './msgraph.client.ts';
import { createPolling } from './msgraph.polling.ts';
import { sweepLimits } from './msgraph.sync.ts';
import { moveMessage } from './test/stand-in/mail-write.ts';
import { putSeries } from './test/stand-in/calendar.ts';
import { put, remove, type StandInAccount } from './test/stand-in/state.ts';

/**
 * Delta sync end to end on a real hub against the STAND-IN Graph (test/stand-in): initial
 * and incremental rounds, @removed, 410 and syncStateNotFound resyncs without duplicates,
 * Retry-After honoured, never more than 4 requests in flight, a restarted hub resuming.
 */
describe.each(testDatabaseKinds())('microsoft 365 delta sync on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let env: Record<string, string>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string) =>
    hub.app.inject({ method, url, headers: bearer(user) });

  async function count(type: string, where = 'true') {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entities WHERE owner_id = $1 AND type = $2 AND deleted_at IS NULL AND ${where}`,
        [alice.id, type],
      ),
    );
    return rows[0]!.n;
  }

  async function entity(externalId: string) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{
        title: string;
        body: string | null;
        properties: Record<string, unknown>;
        deleted_at: string | null;
        occurred_at: string | null;
      }>(
        `SELECT title, body, properties, deleted_at, occurred_at FROM public.entities WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2`,
        [alice.id, externalId],
      ),
    );
    return rows[0];
  }

  const syncNow = (after?: number) => syncAndWait(hub, alice, connectionId, after);

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    env = started.env;
    hub = await createTestHub(kind, env, {
      sync: { retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 1 } } },
    });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    // Contacts' national numbers are read in the owner's default region.
    const region = await hub.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: bearer(alice),
      payload: { defaultRegion: 'US' },
    });
    expect(region.statusCode, region.body).toBe(200);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    standIn.state.behaviour.maxPageSize = 7;
    for (let n = 0; n < 25; n += 1) put(account, 'mail:inbox', messagePayload(account, n, 'inbox'));
    for (let n = 100; n < 105; n += 1) put(account, 'mail:sentitems', messagePayload(account, n, 'sentitems'));
    // Hostile: script in the body, an absurd attachment size, a malformed date; and attachments.
    put(
      account,
      'mail:inbox',
      messagePayload(account, 900, 'inbox', {
        body: {
          contentType: 'html',
          content: '<p onclick="steal()">Hi<script>alert(1)</script><img src="https://tracker.example/p.gif"></p>',
        },
        receivedDateTime: 'not a date',
        sentDateTime: '2026-13-45T99:99:99Z',
        hasAttachments: true,
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            id: 'att-1',
            name: 'huge.bin',
            contentType: 'application/octet-stream',
            size: 9_999_999_999_999,
            isInline: false,
          },
          { id: 'att-2', name: 'photo.png', contentType: 'image/png', size: 2048, isInline: true },
        ],
      }),
    );
    for (let n = 0; n < 6; n += 1) put(account, 'calendar', eventPayload(n));
    // A Berlin series across the DST change (29 March): Graph answers its instances in UTC and
    // never lists the master in calendarView delta (the sync fetches it).
    const berlin = (day: string, time: string) => ({
      dateTime: `2026-${day}T${time}:00.0000000`,
      timeZone: 'W. Europe Standard Time',
    });
    putSeries(
      account,
      eventPayload(50, {
        subject: 'Weekly sync',
        start: berlin('03-23', '09:00'),
        end: berlin('03-23', '10:00'),
        originalStartTimeZone: 'W. Europe Standard Time',
        originalEndTimeZone: 'W. Europe Standard Time',
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
          range: { type: 'numbered', numberOfOccurrences: 10, recurrenceTimeZone: 'W. Europe Standard Time' },
        },
      }),
      [
        eventPayload(52, {
          subject: 'Weekly sync',
          type: 'occurrence',
          start: berlin('03-23', '09:00'),
          end: berlin('03-23', '10:00'),
        }),
        eventPayload(53, {
          subject: 'Weekly sync',
          type: 'occurrence',
          start: berlin('03-30', '09:00'),
          end: berlin('03-30', '10:00'),
        }),
        eventPayload(54, {
          subject: 'Weekly sync (moved)',
          type: 'exception',
          start: berlin('04-06', '10:00'),
          end: berlin('04-06', '11:00'),
        }),
      ],
    );
    put(account, 'calendar', eventPayload(51, { start: { dateTime: 'garbage', timeZone: 'UTC' } }));
    for (let n = 0; n < 4; n += 1)
      put(account, 'contacts', contactPayload(n, { mobilePhone: `(415) 555-01${String(n).padStart(2, '0')}` }));
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

  it('runs the initial sync through every page of every resource, with progress', async () => {
    const view = await syncNow(0);
    expect(view.status).toBe('active');
    expect(view.sync.progress.percent).toBe(100);
    expect(await count('message')).toBe(31);
    // 6 single events, a series (its master fetched, 3 instances); the one with a garbage start is left out.
    expect(await count('calendar_event')).toBe(10);
    expect(standIn.state.eventReads.get('AAMkAD-evt-50')).toBe(1);
    expect(await count('person', `external_id LIKE 'AAMkAD-con-%'`)).toBe(4);
    expect(await count('organization', `source = 'msgraph'`)).toBe(1);
    // Progress names the step it is on; the last is Contacts.
    expect(view.sync.progress.step).toBe('Contacts');
    // A percent all along, from Graph's counts at the start (folders' totalItemCount, the lists' @odata.count).
    const progress = await hub.db.asOwner((tx) =>
      tx.query<{ percent: number | null }>(
        `SELECT (data->>'percent')::int AS percent FROM made_open.outbox
          WHERE subject = $1 AND type = 'connector.SyncProgress' ORDER BY seq`,
        [connectionId],
      ),
    );
    const percents = progress.rows.map((r) => r.percent);
    expect(percents.length).toBeGreaterThan(3);
    expect(percents.every((p) => p !== null)).toBe(true);
    expect(percents.some((p) => p! > 0 && p! < 100)).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a! - b!));
    // The cursor keeps a deltaLink per resource, so the next run (or a restarted hub) resumes.
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ cursor: { resources: Record<string, { kind: string }> } }>(
        'SELECT cursor FROM made_open.connections WHERE id = $1',
        [connectionId],
      ),
    );
    expect(Object.keys(rows[0]!.cursor.resources).sort()).toEqual([
      'calendar',
      'contacts',
      'mail:archive',
      'mail:inbox',
      'mail:sentitems',
    ]);
    expect(Object.values(rows[0]!.cursor.resources).every((r) => r.kind === 'delta')).toBe(true);
  });

  it('maps messages: thread, people, sanitised html, attachments as metadata, outbound from the mailbox', async () => {
    const hostile = (await entity(messagePayload(account, 900, 'inbox').id))!;
    expect(hostile.properties.html).not.toContain('<script');
    expect(hostile.properties.html).not.toContain('onclick');
    expect(hostile.properties.html).not.toContain(' src="https://tracker.example');
    expect(hostile.body).toContain('Hi');
    expect(hostile.occurred_at).toBeNull();
    expect(hostile.properties.attachments).toEqual([
      { id: 'att-1', name: 'huge.bin', contentType: 'application/octet-stream', size: 9_999_999_999_999 },
      { id: 'att-2', name: 'photo.png', contentType: 'image/png', size: 2048, inline: true },
    ]);
    const sent = (await entity(messagePayload(account, 100, 'sentitems').id))!;
    expect(sent.properties).toMatchObject({
      channel: 'email',
      direction: 'outbound',
      folder: 'sentitems',
      threadId: 'AAQkAD-conv-33',
      from: 'alice@contoso.example',
    });
    const persons = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.identifiers WHERE owner_id = $1 AND value = 'sender0@example.org'`,
        [alice.id],
      ),
    );
    expect(persons.rows[0]!.n).toBe(1);
  });

  it('maps events (time zones, recurrence) and contacts (E.164 in the default region, company)', async () => {
    // Graph gave UTC times: the instants are kept, shown in the event's own zone (originalStartTimeZone).
    const series = (await entity('AAMkAD-evt-50'))!;
    expect(series.title).toBe('Weekly sync');
    expect(series.properties).toMatchObject({
      startsAt: '2026-03-23T09:00:00+01:00',
      endsAt: '2026-03-23T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      kind: 'master',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
    });
    // An occurrence after the DST change: still 09:00 in Berlin, its title and zone from the master.
    const occurrence = (await entity('AAMkAD-evt-53'))!;
    expect(occurrence.title).toBe('Weekly sync');
    expect(occurrence.properties).toMatchObject({
      startsAt: '2026-03-30T09:00:00+02:00',
      endsAt: '2026-03-30T10:00:00+02:00',
      timeZone: 'Europe/Berlin',
      kind: 'occurrence',
      seriesId: 'AAMkAD-evt-50',
      organizer: 'organizer0@example.org',
    });
    expect(occurrence.properties).not.toHaveProperty('recurrence');
    expect(new Date(occurrence.occurred_at!).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    const exception = (await entity('AAMkAD-evt-54'))!;
    expect(exception.title).toBe('Weekly sync (moved)');
    expect(exception.properties).toMatchObject({ startsAt: '2026-04-06T10:00:00+02:00', kind: 'exception' });
    // A single event written in UTC stays UTC.
    expect((await entity('AAMkAD-evt-1'))!.properties).toMatchObject({ timeZone: 'UTC' });
    const contact = (await entity('AAMkAD-con-0'))!;
    expect(contact.properties).toMatchObject({
      givenName: 'Contact',
      familyName: '0',
      organization: 'Company 0',
      birthday: '1990-05-17',
    });
    const phone = await hub.db.asOwner((tx) =>
      tx.query<{ value: string }>(
        `SELECT value FROM public.identifiers WHERE owner_id = $1 AND kind = 'phone' ORDER BY value LIMIT 1`,
        [alice.id],
      ),
    );
    expect(phone.rows[0]!.value).toBe('+14155550100');
    const works = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entity_links WHERE owner_id = $1 AND kind = 'works_at'`,
        [alice.id],
      ),
    );
    expect(works.rows[0]!.n).toBe(1);
  });

  it('syncs incrementally: new, changed and @removed items; replays change nothing', async () => {
    standIn.state.behaviour.replay = true;
    put(account, 'mail:inbox', messagePayload(account, 500, 'inbox'));
    put(account, 'mail:inbox', messagePayload(account, 3, 'inbox', { subject: 'Changed subject', isRead: true }));
    remove(account, 'mail:inbox', messagePayload(account, 4, 'inbox').id);
    remove(account, 'contacts', 'AAMkAD-con-3');
    // The guest of meeting 1 is replaced on the invitation: the old guest is unlinked from it.
    const newGuest = {
      type: 'required',
      status: { response: 'none' },
      emailAddress: { address: 'newguest@example.org' },
    };
    put(account, 'calendar', eventPayload(1, { attendees: [newGuest], changeKey: 'DwAAABYAAAA1-2' }));
    await syncNow();
    expect(await count('message')).toBe(31);
    const attendees = await hub.db.asOwner((tx) =>
      tx.query<{ email: string }>(
        `SELECT i.value AS email FROM public.entities e
           JOIN public.entity_links l ON l.from_id = e.id AND l.kind = 'attendee'
           JOIN public.identifiers i ON i.entity_id = l.to_id AND i.kind = 'email'
          WHERE e.owner_id = $1 AND e.source = 'msgraph' AND e.external_id = 'AAMkAD-evt-1'`,
        [alice.id],
      ),
    );
    expect(attendees.rows.map((r) => r.email)).toEqual(['newguest@example.org']);
    expect((await entity(messagePayload(account, 3, 'inbox').id))!.title).toBe('Changed subject');
    expect((await entity(messagePayload(account, 4, 'inbox').id))!.deleted_at).not.toBeNull();
    expect((await entity('AAMkAD-con-3'))!.deleted_at).not.toBeNull();
    const keys = await hub.db.asOwner((tx) =>
      tx.query<{ change_key: string }>(`SELECT change_key FROM made_open.msgraph_items WHERE external_id = $1`, [
        messagePayload(account, 3, 'inbox').id,
      ]),
    );
    expect(keys.rows[0]!.change_key).toBe('CQAAABYAAAA3');
    standIn.state.behaviour.replay = false;
  });

  it('keeps a message moved between synced folders (either way) and deletes one deleted in Outlook', async () => {
    const resourceOf = async (externalId: string) =>
      (
        await hub.db.asOwner((tx) =>
          tx.query<{ resource: string }>(
            `SELECT resource FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2`,
            [connectionId, externalId],
          ),
        )
      ).rows[0]?.resource;
    const moving = messagePayload(account, 6, 'inbox').id;
    // Inbox → Archive: the Inbox's delta (synced first) reports @removed before the Archive's brings it.
    moveMessage(account, moving, 'archive');
    await syncNow();
    expect((await entity(moving))!.deleted_at).toBeNull();
    expect((await entity(moving))!.properties.folder).toBe('archive');
    expect(await resourceOf(moving)).toBe('mail:archive');
    // Archive → Inbox: the Inbox brings it before the Archive's delta reports @removed.
    moveMessage(account, moving, 'inbox');
    await syncNow();
    expect((await entity(moving))!.deleted_at).toBeNull();
    expect((await entity(moving))!.properties.folder).toBe('inbox');
    expect(await resourceOf(moving)).toBe('mail:inbox');
    // Outlook's Delete moves it to Deleted Items (not synced): gone from the hub too.
    put(account, 'mail:inbox', messagePayload(account, 701, 'inbox'));
    await syncNow();
    const binned = messagePayload(account, 701, 'inbox').id;
    expect((await entity(binned))!.deleted_at).toBeNull();
    moveMessage(account, binned, 'deleteditems');
    await syncNow();
    expect((await entity(binned))!.deleted_at).not.toBeNull();
    expect(await resourceOf(binned)).toBeUndefined();
    // Deleted for good (Graph answers 404 for its id): deleted here too, its row forgotten.
    put(account, 'mail:inbox', messagePayload(account, 700, 'inbox'));
    await syncNow();
    const deleted = messagePayload(account, 700, 'inbox').id;
    expect((await entity(deleted))!.deleted_at).toBeNull();
    remove(account, 'mail:inbox', deleted);
    await syncNow();
    expect((await entity(deleted))!.deleted_at).not.toBeNull();
    expect(await resourceOf(deleted)).toBeUndefined();
    expect(await count('message')).toBe(31);
  });

  it('links colleagues to their one organization, and follows a contact who changes company or leaves it', async () => {
    const employersOf = async (email: string) =>
      (
        await hub.db.asOwner((tx) =>
          tx.query<{ title: string }>(
            `SELECT o.title FROM public.identifiers i
               JOIN public.entity_links l ON l.to_id = i.entity_id AND l.kind = 'works_at'
               JOIN public.entities o ON o.id = l.from_id
              WHERE i.owner_id = $1 AND i.kind = 'email' AND i.value = $2 ORDER BY o.title`,
            [alice.id, email],
          ),
        )
      ).rows.map((r) => r.title);
    put(account, 'contacts', contactPayload(60, { companyName: 'Fabrikam' }));
    put(account, 'contacts', contactPayload(61, { companyName: 'Fabrikam' }));
    await syncNow();
    expect(await employersOf('contact60@example.net')).toEqual(['Fabrikam']);
    expect(await employersOf('contact61@example.net')).toEqual(['Fabrikam']);

    put(account, 'contacts', contactPayload(60, { companyName: 'Northwind', changeKey: 'EQAAABYAAAA60-2' }));
    put(account, 'contacts', contactPayload(61, { companyName: null, changeKey: 'EQAAABYAAAA61-2' }));
    await syncNow();
    expect(await employersOf('contact60@example.net')).toEqual(['Northwind']);
    expect(await employersOf('contact61@example.net')).toEqual([]);
    const unlinked = await hub.db.asOwner((tx) =>
      tx.query<{ kind: string }>(
        `SELECT data->'link'->>'kind' AS kind FROM made_open.outbox
          WHERE owner_id = $1 AND type = 'data.LinkDeleted' AND data->'link'->>'kind' = 'works_at'`,
        [alice.id],
      ),
    );
    expect(unlinked.rows).toHaveLength(2);
  });

  it('makes an Outlook contact of someone the mail already met that same person, with the contact fields', async () => {
    const holder = async (email: string) =>
      (
        await hub.db.asOwner((tx) =>
          tx.query<{ id: string; title: string; external_id: string; properties: Record<string, unknown> }>(
            `SELECT e.id, e.title, e.external_id, e.properties FROM public.identifiers i
               JOIN public.entities e ON e.id = i.entity_id
              WHERE i.owner_id = $1 AND i.kind = 'email' AND i.value = $2`,
            [alice.id, email],
          ),
        )
      ).rows;
    // sender5 wrote in the initial sync: the hub made a person for the address.
    const [made] = await holder('sender5@example.org');
    expect(made!.external_id).toBe('email:sender5@example.org');

    put(
      account,
      'contacts',
      contactPayload(70, {
        displayName: 'Five Senderson',
        emailAddresses: [{ name: 'Five', address: 'Sender5@example.org' }],
        jobTitle: 'Buyer',
      }),
    );
    await syncNow();
    const after = await holder('sender5@example.org');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: made!.id, title: 'Five Senderson', external_id: 'AAMkAD-con-70' });
    expect(after[0]!.properties).toMatchObject({ jobTitle: 'Buyer' });
    expect(await count('person', `title = 'Five Senderson'`)).toBe(1);
  });

  it('answers 410 Gone and syncStateNotFound with a full resync that duplicates nothing and sweeps what went', async () => {
    // While the tokens are expired, an item goes: the initial query no longer lists it and no @removed comes.
    remove(account, 'mail:inbox', messagePayload(account, 5, 'inbox').id);
    account.minVersion = account.version + 1;
    put(account, 'mail:inbox', messagePayload(account, 501, 'inbox'));
    standIn.state.behaviour.syncStateNotFound = 1;
    await syncNow();
    expect(await count('message')).toBe(31);
    expect((await entity(messagePayload(account, 5, 'inbox').id))!.deleted_at).not.toBeNull();
    expect((await entity(messagePayload(account, 501, 'inbox').id))!.deleted_at).toBeNull();
    const dupes = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT external_id FROM public.entities WHERE owner_id = $1 AND source = 'msgraph' GROUP BY external_id HAVING count(*) > 1) d`,
        [alice.id],
      ),
    );
    expect(dupes.rows[0]!.n).toBe(0);
  });

  it('a resync sweeps everything it no longer sees, however many: the sweep pages through them', async () => {
    const numbers = [710, 711, 712, 713, 714];
    for (const n of numbers) put(account, 'mail:inbox', messagePayload(account, n, 'inbox'));
    await syncNow();
    expect(await count('message')).toBe(36);
    // While the tokens are expired, the five go: the resync's sweep (2 a page here) must remove all of them.
    for (const n of numbers) remove(account, 'mail:inbox', messagePayload(account, n, 'inbox').id);
    account.minVersion = account.version;
    const chunk = sweepLimits.chunk;
    sweepLimits.chunk = 2;
    try {
      await syncNow();
    } finally {
      sweepLimits.chunk = chunk;
    }
    for (const n of numbers) expect((await entity(messagePayload(account, n, 'inbox').id))!.deleted_at).not.toBeNull();
    expect(await count('message')).toBe(31);
    const rows = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = ANY($2::text[])`,
        [connectionId, numbers.map((n) => messagePayload(account, n, 'inbox').id)],
      ),
    );
    expect(rows.rows[0]!.n).toBe(0);
  });

  it('syncs an extra folder given by id as given (ids are case-sensitive), a well-known name in any case', async () => {
    const folderId = 'AAMkADFolder-MiXeD=';
    const numbers = [720, 721];
    for (const n of numbers) put(account, `mail:${folderId}`, messagePayload(account, n, folderId));
    const setFolders = (folders: string[]) =>
      hub.db.asOwner((tx) =>
        tx.query(`UPDATE made_open.connections SET options = options || $2::jsonb WHERE id = $1`, [
          connectionId,
          JSON.stringify({ folders }),
        ]),
      );
    await setFolders([folderId, 'JunkEmail']);
    try {
      await syncNow();
      for (const n of numbers)
        expect((await entity(messagePayload(account, n, folderId).id))?.properties.folder).toBe(folderId);
      const { rows } = await hub.db.asOwner((tx) =>
        tx.query<{ cursor: { resources: Record<string, unknown> } }>(
          'SELECT cursor FROM made_open.connections WHERE id = $1',
          [connectionId],
        ),
      );
      expect(Object.keys(rows[0]!.cursor.resources)).toEqual(
        expect.arrayContaining([`mail:${folderId}`, 'mail:junkemail']),
      );
      // The folder's messages go again (the count the later tests expect).
      for (const n of numbers) remove(account, `mail:${folderId}`, messagePayload(account, n, folderId).id);
      await syncNow();
      expect(await count('message')).toBe(31);
    } finally {
      await setFolders([]);
    }
  });

  it('takes a delta page larger than the outbound default (10 MiB), and one larger than its cap in smaller pages', async () => {
    // Seven 2 MB messages: one page of 14 MB (the stand-in's pages hold 7 here).
    const numbers = [730, 731, 732, 733, 734, 735, 736];
    const big = (n: number) =>
      messagePayload(account, n, 'inbox', { body: { contentType: 'text', content: `${n} `.repeat(500_000) } });
    for (const n of numbers) put(account, 'mail:inbox', big(n));
    await syncNow();
    for (const n of numbers) expect((await entity(big(n).id))?.deleted_at).toBeNull();
    // Over the cap: the page is asked for again with a smaller odata.maxpagesize, not failed.
    for (const n of numbers) put(account, 'mail:inbox', big(n + 10));
    const cap = graphLimits.maxResponseBytes;
    graphLimits.maxResponseBytes = 5 * 1024 * 1024;
    try {
      await syncNow();
    } finally {
      graphLimits.maxResponseBytes = cap;
    }
    for (const n of numbers) expect((await entity(big(n + 10).id))?.deleted_at).toBeNull();
    // They go again (the count the later tests expect).
    for (const n of numbers) {
      remove(account, 'mail:inbox', big(n).id);
      remove(account, 'mail:inbox', big(n + 10).id);
    }
    await syncNow();
    expect(await count('message')).toBe(31);
  });

  it('honours 429 Retry-After and never has more than 4 requests in flight for the mailbox', async () => {
    // Many messages with attachments: their metadata comes in $batch requests.
    for (let n = 1000; n < 1100; n += 1)
      put(
        account,
        'mail:inbox',
        messagePayload(account, n, 'inbox', {
          hasAttachments: true,
          attachments: [{ id: `a${n}`, name: 'a.txt', contentType: 'text/plain', size: 3 }],
        }),
      );
    standIn.state.behaviour.maxPageSize = 100;
    standIn.state.behaviour.delayMs = 30;
    const throttledBefore = standIn.state.counters.throttled;
    standIn.state.behaviour.throttle = { count: 2, retryAfter: 1 };
    await syncNow();
    expect(standIn.state.counters.throttled - throttledBefore).toBe(2);
    expect(await count('message')).toBe(131);
    expect(standIn.state.maxInFlight.get(account.id)).toBeLessThanOrEqual(4);
    expect(standIn.state.counters.concurrencyRefused).toBe(0);
    expect(standIn.state.counters.batch).toBeGreaterThan(1);
    // One batch at a time: Graph runs 4 parts of each at once, so two would be 8 at the mailbox.
    expect(standIn.state.maxBatchesInFlight).toBe(1);
    standIn.state.behaviour.delayMs = 0;
    standIn.state.behaviour.maxPageSize = 7;
  });

  it('polls by delta on a schedule (every pollMinutes, default 2): a change arrives with no sync request', async () => {
    put(account, 'contacts', contactPayload(60));
    // Two minutes pass (the last sync is made older), and the next polling tick queues a sync.
    await hub.db.asOwner((tx) =>
      tx.query(`UPDATE made_open.connections SET last_success_at = now() - interval '3 minutes' WHERE id = $1`, [
        connectionId,
      ]),
    );
    await eventually(async () => ((await entity('AAMkAD-con-60')) ? true : undefined), 'the polled contact', 30_000);
    const view = (await api(alice, 'GET', `/api/v1/connections/${connectionId}`)).json();
    expect(view.setup).toMatchObject({ mode: 'polling', pollMinutes: 2, summary: 'Checking every 2 minutes' });
  });

  it('after a failed run, polling waits pollMinutes, and longer after failures in a row', async () => {
    const requested: string[] = [];
    const polling = createPolling({
      db: hub.db,
      logger: { warn: () => undefined } as unknown as Logger,
      service: {
        requestSync: async (_user: unknown, id: string) => void requested.push(id),
      } as unknown as ConnectorsService,
    });
    const set = (assignments: string) =>
      hub.db.asOwner((tx) =>
        tx.query(`UPDATE made_open.connections SET ${assignments} WHERE id = $1 AND sync_state = 'idle'`, [
          connectionId,
        ]),
      );
    const syncState = async () => {
      const { rows } = await hub.db.asOwner((tx) =>
        tx.query<{ sync_state: string }>('SELECT sync_state FROM made_open.connections WHERE id = $1', [connectionId]),
      );
      return rows[0]!.sync_state;
    };
    /**
     * Gives the connection this run history and asks a polling tick whether it is due. The
     * hub's own polling ticks too (every 30 s in this file): it may queue a real sync first,
     * which is also "due" (it only takes due connections); the history is set again once idle.
     */
    const dueAfter = async (lastErrorMinutesAgo: number, failures: number) => {
      await eventually(
        async () =>
          (
            await set(
              `last_success_at = now() - interval '10 minutes', last_error = 'failed',
               last_error_at = now() - make_interval(mins => ${lastErrorMinutesAgo}), sync_failures = ${failures}`,
            )
          ).rowCount === 1
            ? true
            : undefined,
        'an idle connection',
        90_000,
      );
      requested.length = 0;
      await polling.tick();
      return requested.includes(connectionId) || (await syncState()) !== 'idle';
    };
    try {
      // The last success was 10 minutes ago, the run that just failed a moment ago: not again yet.
      expect(await dueAfter(0, 1)).toBe(false);
      // pollMinutes (2) after the failure: polled.
      expect(await dueAfter(3, 1)).toBe(true);
      // Three failures in a row: 2 × 2² = 8 minutes.
      expect(await dueAfter(6, 3)).toBe(false);
      expect(await dueAfter(9, 3)).toBe(true);
    } finally {
      await eventually(
        async () =>
          (await set(`last_success_at = now(), last_error_at = NULL, last_error = NULL, sync_failures = 0`))
            .rowCount === 1
            ? true
            : undefined,
        'an idle connection',
        90_000,
      );
    }
  });

  it('a restarted hub resumes from the saved delta links (only the changes come)', async () => {
    const graphBefore = standIn.state.counters.graph;
    // The first hub stops (its jobs released), its database stays: as a restarted process finds it.
    await hub.app.close();
    for (const module of [...hub.modules].reverse()) await module.stop?.();
    put(account, 'contacts', contactPayload(77));
    const second = await composeOver(hub.database.db, { ...env, DATA_DIR: hub.dataDir }, { connectors: [] });
    try {
      const requested = await second.app.inject({
        method: 'POST',
        url: `/api/v1/connections/${connectionId}/sync`,
        headers: bearer(alice),
      });
      expect(requested.statusCode).toBe(202);
      await eventually(async () => {
        const { rows } = await second.db.asOwner((tx) =>
          tx.query<{ sync_state: string }>('SELECT sync_state FROM made_open.connections WHERE id = $1', [
            connectionId,
          ]),
        );
        return rows[0]!.sync_state === 'idle' ? true : undefined;
      }, 'the resumed sync');
      const { rows } = await second.db.asOwner((tx) =>
        tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM public.entities WHERE source = 'msgraph' AND external_id = 'AAMkAD-con-77'`,
        ),
      );
      expect(rows[0]!.n).toBe(1);
      // One delta request per resource (5), no initial listing again.
      expect(standIn.state.counters.graph - graphBefore).toBeLessThanOrEqual(6);
      expect(
        (await second.app.inject({ method: 'GET', url: `/api/v1/connections/${connectionId}`, headers: bearer(bob) }))
          .statusCode,
      ).toBe(404);
    } finally {
      await second.close();
    }
  });
});
