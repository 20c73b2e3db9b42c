import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { Ingest } from '../../graph/index.ts';
import { threadIdOf } from '../../messages/messages.threads.ts';
import type { ConnectorsModule } from '../index.ts';
import { eventually } from '../test/support.ts';
import { deliverEditAgain, msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { sentResponses } from './test/stand-in/calendar-write.ts';
import { contactPayload, eventPayload, messagePayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, put, type StandInAccount } from './test/stand-in/state.ts';
import { uploadLog } from './test/stand-in/upload-sessions.ts';
import { editRemotely } from './test/stand-in/versions.ts';

/**
 * Microsoft 365 write-back end to end on a real hub against the STAND-IN Graph
 * (test/stand-in, built from Microsoft's documented payloads; graph.microsoft.com cannot be
 * reached from here): mail sent and answered through POST /api/v1/messages, attachments on
 * demand, read state, invitations answered, events written with If-Match and conflicts
 * recorded and resolved, hub edits of Outlook contacts pushed without echo.
 */
describe.each(testDatabaseKinds())('microsoft 365 write-back on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  let credentialId: string;
  const attachmentBytes = randomBytes(3000);

  const api = (
    user: SignedUpUser,
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    hub.app.inject({
      method: method as 'GET',
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function entity(externalId: string) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ id: string; title: string; version: number; properties: Record<string, unknown> }>(
        `SELECT id, title, version, properties FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2 AND deleted_at IS NULL`,
        [alice.id, externalId],
      ),
    );
    return rows[0];
  }

  const syncNow = (after?: number) => syncAndWait(hub, alice, connectionId, after);

  interface ContactConflictView {
    id: string;
    capability: string;
    entityId: string;
    message: string;
    local: { fields: { jobTitle: string } };
    remote: { properties: { jobTitle: string } };
  }
  /** Alice's open contacts conflict about this person, once there is one. */
  const contactConflictOf = (personId: string) =>
    eventually(async () => {
      const open = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as ContactConflictView[];
      return open.find((c) => c.capability === 'contacts' && c.entityId === personId);
    }, 'a contacts conflict');

  const graphIngest: Ingest = (tx, request) =>
    (hub.modules.find((m) => m.name === 'graph') as unknown as { ingest: Ingest }).ingest(tx, request);
  const standInItem = (resource: string, id: string) => collectionOf(account, resource).items.get(id);
  const soon = (ms: number) => new Date(Date.now() + ms * 86_400_000);
  const graphTime = (d: Date) => ({ dateTime: d.toISOString().slice(0, 19) + '.0000000', timeZone: 'UTC' });

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env, {
      sync: { retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 1 } } },
    });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const region = await api(alice, 'PATCH', '/api/v1/settings', { defaultRegion: 'US' });
    expect(region.statusCode, region.body).toBe(200);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    credentialId = app.credentialId;
    for (let n = 0; n < 4; n += 1) put(account, 'mail:inbox', messagePayload(account, n, 'inbox'));
    put(
      account,
      'mail:inbox',
      messagePayload(account, 10, 'inbox', {
        hasAttachments: true,
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            id: 'att-report',
            name: 'report.pdf',
            contentType: 'application/pdf',
            size: attachmentBytes.length,
            isInline: false,
            contentBytes: attachmentBytes.toString('base64'),
          },
          {
            '@odata.type': '#microsoft.graph.itemAttachment',
            id: 'att-item',
            name: 'Forwarded meeting',
            contentType: 'application/octet-stream',
            size: 100,
            isInline: false,
          },
        ],
      }),
    );
    // An invitation from someone else (Alice an attendee), and events she organises.
    put(
      account,
      'calendar',
      eventPayload(1, {
        subject: 'Quarterly review',
        start: graphTime(soon(3)),
        end: graphTime(new Date(soon(3).getTime() + 3_600_000)),
        attendees: [
          {
            type: 'required',
            status: { response: 'none', time: '0001-01-01T00:00:00Z' },
            emailAddress: { name: 'Alice', address: 'alice@contoso.example' },
          },
        ],
        responseStatus: { response: 'notResponded', time: '0001-01-01T00:00:00Z' },
      }),
    );
    put(account, 'contacts', contactPayload(7, { jobTitle: 'Engineer', companyName: null }));
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow(0);
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  }, 120_000);

  it('sends a new email through POST /api/v1/messages; the Sent Items delta brings it back once', async () => {
    const bucket = `docs-${randomBytes(4).toString('hex')}`;
    await api(alice, 'POST', '/storage/v1/bucket', { id: bucket, name: bucket });
    const stored = await hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/notes.txt`,
      headers: { ...bearer(alice), 'content-type': 'text/plain' },
      payload: Buffer.from('the notes'),
    });
    expect(stored.statusCode, stored.body).toBe(200);
    const subject = `Plans ${randomBytes(3).toString('hex')}`;
    const sent = await api(
      alice,
      'POST',
      '/api/v1/messages',
      {
        channel: 'email',
        to: ['Ada@Example.org'],
        cc: ['grace@example.org'],
        subject,
        body: 'See you Tuesday.',
        html: '<p>See you <b>Tuesday</b>.</p><script>alert(1)</script>',
        attachments: [`${bucket}/notes.txt`],
      },
      { 'idempotency-key': `send-${randomBytes(6).toString('hex')}` },
    );
    expect(sent.statusCode, sent.body).toBe(201);
    const message = sent.json().message;
    expect(message).toMatchObject({ channel: 'email', status: 'sent', connectionId, from: 'alice@contoso.example' });
    expect(message.id).toMatch(/^[0-9a-f-]{36}$/);

    // At Outlook: in Sent Items, as sent, with the attachment; no draft left behind.
    const inSent = [...collectionOf(account, 'mail:sentitems').items.values()].filter(
      (item) => !item.removed && item.body.subject === subject,
    );
    expect(inSent).toHaveLength(1);
    const outlook = inSent[0]!.body;
    expect(outlook.isDraft).toBe(false);
    expect(outlook.toRecipients).toEqual([{ emailAddress: { address: 'ada@example.org' } }]);
    expect(String((outlook.body as { content: string }).content)).not.toContain('<script');
    const files = outlook.attachments as { name: string; contentBytes: string }[];
    expect(files.map((f) => [f.name, Buffer.from(f.contentBytes, 'base64').toString()])).toEqual([
      ['notes.txt', 'the notes'],
    ]);
    expect([...collectionOf(account, 'mail:drafts').items.values()].every((item) => item.removed)).toBe(true);

    // The hub's copy is that message (its immutable id), so the next delta finds it, not a second one.
    const copy = (await entity(outlook.id as string))!;
    expect(copy.id).toBe(message.id);
    expect(copy.properties).toMatchObject({ direction: 'outbound', folder: 'sentitems', subject });
    await syncNow();
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.entities WHERE owner_id = $1 AND type = 'message' AND properties->>'subject' = $2 AND deleted_at IS NULL`,
        [alice.id, subject],
      ),
    );
    expect(rows[0]!.n).toBe(1);
  }, 120_000);

  it('attaches a file over 3 MB through an upload session: ranges in order, no bearer token on the upload URL', async () => {
    const bucket = `big-${randomBytes(4).toString('hex')}`;
    await api(alice, 'POST', '/storage/v1/bucket', { id: bucket, name: bucket });
    const big = randomBytes(7 * 1024 * 1024 + 123);
    const stored = await hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/survey.bin`,
      headers: { ...bearer(alice), 'content-type': 'application/octet-stream' },
      payload: big,
    });
    expect(stored.statusCode, stored.body).toBe(200);
    const puts = uploadLog(standIn.state).puts;
    const before = puts.length;
    const subject = `Survey ${randomBytes(3).toString('hex')}`;
    const sent = await api(
      alice,
      'POST',
      '/api/v1/messages',
      {
        channel: 'email',
        to: ['ada@example.org'],
        subject,
        body: 'The survey data.',
        attachments: [`${bucket}/survey.bin`],
      },
      { 'idempotency-key': `big-${randomBytes(6).toString('hex')}` },
    );
    expect(sent.statusCode, sent.body).toBe(201);
    // 7 MB in ranges of 3.2 MB: three PUTs, each where the last ended, none with credentials.
    const ours = puts.slice(before);
    expect(ours.map((p) => p.range)).toEqual([
      `bytes 0-3276799/${big.length}`,
      `bytes 3276800-6553599/${big.length}`,
      `bytes 6553600-${big.length - 1}/${big.length}`,
    ]);
    expect(ours.every((p) => !p.authorization)).toBe(true);
    const outlook = [...collectionOf(account, 'mail:sentitems').items.values()].find(
      (item) => !item.removed && item.body.subject === subject,
    )!.body;
    const files = outlook.attachments as { name: string; size: number; contentBytes: string }[];
    expect(files.map((f) => [f.name, f.size])).toEqual([['survey.bin', big.length]]);
    expect(Buffer.compare(Buffer.from(files[0]!.contentBytes, 'base64'), big)).toBe(0);
    const copy = (await entity(outlook.id as string))!;
    expect(copy.properties.attachments).toEqual([
      expect.objectContaining({ name: 'survey.bin', size: big.length, contentType: 'application/octet-stream' }),
    ]);
  }, 180_000);

  it('replies in the thread: createReply on the answered message, then PATCH and send', async () => {
    const original = messagePayload(account, 2, 'inbox');
    const answered = (await entity(original.id))!;
    const sent = await api(
      alice,
      'POST',
      '/api/v1/messages',
      { channel: 'email', to: [original.from.emailAddress.address], body: 'Thanks, agreed.', replyTo: answered.id },
      { 'idempotency-key': `reply-${randomBytes(6).toString('hex')}` },
    );
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().message).toMatchObject({
      subject: 'Re: Subject 2',
      threadId: threadIdOf('email', original.conversationId),
    });
    const reply = [...collectionOf(account, 'mail:sentitems').items.values()].find(
      (item) => !item.removed && item.body.conversationId === original.conversationId,
    )!;
    expect(reply.body).toMatchObject({
      conversationId: original.conversationId,
      subject: 'Re: Subject 2',
      body: { contentType: 'Text', content: 'Thanks, agreed.' },
      toRecipients: [{ emailAddress: { address: original.from.emailAddress.address } }],
    });
    const copy = (await entity(reply.body.id as string))!;
    expect(copy.properties.threadId).toBe(original.conversationId);
    // Bob cannot answer Alice's message.
    const forged = await api(bob, 'POST', '/api/v1/messages', {
      channel: 'email',
      to: ['x@example.org'],
      body: 'hi',
      replyTo: answered.id,
    });
    expect(forged.statusCode).toBe(404);
  }, 120_000);

  it("fetches an attachment's bytes on demand, and only for its owner", async () => {
    const message = (await entity(messagePayload(account, 10, 'inbox').id))!;
    const url = `/api/v1/messages/${message.id}/attachments/att-report`;
    expect((await api(bob, 'GET', url)).statusCode).toBe(404);
    const first = await api(alice, 'GET', url);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toContain('application/pdf');
    expect(Buffer.compare(first.rawPayload, attachmentBytes)).toBe(0);
    // An attached Outlook item has no bytes to fetch: a clear 4xx, not a 500.
    const item = await api(alice, 'GET', `/api/v1/messages/${message.id}/attachments/att-item`);
    expect(item.statusCode).toBe(422);
    expect(item.json().error.message).toContain('open it in Outlook');
    expect((await api(alice, 'GET', `/api/v1/messages/${message.id}/attachments/nope`)).statusCode).toBe(404);
  }, 120_000);

  it('marks a thread read on Outlook (PATCH isRead)', async () => {
    const unread = messagePayload(account, 1, 'inbox'); // odd numbers arrive unread
    expect(standInItem('mail:inbox', unread.id)!.body.isRead).toBe(false);
    const marked = await api(
      alice,
      'POST',
      `/api/v1/messages/threads/${threadIdOf('email', unread.conversationId)}/read`,
    );
    expect(marked.statusCode, marked.body).toBe(204);
    await eventually(
      async () => (standInItem('mail:inbox', unread.id)!.body.isRead === true ? true : undefined),
      'isRead on Outlook',
    );
  }, 120_000);

  it('answers an invitation (decline with a comment, sendResponse) and the next delta changes nothing', async () => {
    const invite = (await entity(eventPayload(1).id))!;
    expect(invite.properties.myResponse).toBe('none');
    const bad = await api(alice, 'POST', `/api/v1/calendar/events/${invite.id}/respond`, { response: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(
      (await api(bob, 'POST', `/api/v1/calendar/events/${invite.id}/respond`, { response: 'accepted' })).statusCode,
    ).toBe(404);

    const answered = await api(alice, 'POST', `/api/v1/calendar/events/${invite.id}/respond`, {
      response: 'declined',
      comment: 'Travelling that week.',
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json().myResponse).toBe('declined');
    expect(sentResponses.get(account)?.at(-1)).toEqual({
      eventId: eventPayload(1).id,
      action: 'decline',
      comment: 'Travelling that week.',
      sendResponse: true,
    });
    const outlook = standInItem('calendar', eventPayload(1).id)!.body;
    expect(outlook.responseStatus).toMatchObject({ response: 'declined' });
    const after = (await entity(eventPayload(1).id))!;
    expect(after.properties.changeKey).toBe(outlook.changeKey);
    await syncNow();
    expect((await entity(eventPayload(1).id))!.version).toBe(after.version);
  }, 120_000);

  it('creates, updates (If-Match) and deletes an Outlook event; our own writes come back unchanged', async () => {
    const start = soon(5);
    start.setUTCHours(14, 0, 0, 0);
    const created = await api(alice, 'POST', '/api/v1/calendar/events', {
      title: 'Design review',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      location: 'Room 4',
      attendees: ['ada@example.org'],
      connectionId,
    });
    expect(created.statusCode, created.body).toBe(201);
    const event = created.json();
    expect(event).toMatchObject({ title: 'Design review', location: 'Room 4', connectionId, editable: true });
    const outlookId = [...collectionOf(account, 'calendar').items.values()].find(
      (item) => item.body.subject === 'Design review',
    )!.body.id as string;
    expect(standInItem('calendar', outlookId)!.body.start).toEqual({
      dateTime: start.toISOString().slice(0, 23),
      timeZone: 'UTC',
    });

    // What the hub does not model stays as Outlook has it: a renamed meeting keeps its HTML
    // body (a Teams block), its attendee types and times (set here in place, same changeKey).
    const held = standInItem('calendar', outlookId)!.body;
    held.body = { contentType: 'html', content: '<p>Join: <a href="https://teams.example/x">Teams</a></p>' };
    (held.attendees as { type: string }[])[0]!.type = 'optional';
    const startBefore = held.start;
    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: event.version,
      title: 'Design review (moved)',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const outlook = standInItem('calendar', outlookId)!.body;
    expect(outlook.subject).toBe('Design review (moved)');
    expect(outlook.body).toEqual(held.body);
    expect(outlook.attendees).toEqual([expect.objectContaining({ type: 'optional' })]);
    expect(outlook.start).toEqual(startBefore);
    // A PATCH that changes nothing asks Outlook for nothing.
    const unchanged = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: moved.json().version,
      title: 'Design review (moved)',
    });
    expect(unchanged.statusCode, unchanged.body).toBe(200);
    expect(standInItem('calendar', outlookId)!.body.changeKey).toBe(outlook.changeKey);
    const stored = (await entity(outlookId))!;
    expect(stored.properties.changeKey).toBe(outlook.changeKey);
    const seen = await hub.db.asOwner((tx) =>
      tx.query<{ change_key: string }>(
        'SELECT change_key FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2',
        [connectionId, outlookId],
      ),
    );
    expect(seen.rows[0]!.change_key).toBe(outlook.changeKey);
    // The delta brings our own version back: nothing changes in the hub.
    await syncNow();
    expect((await entity(outlookId))!.version).toBe(stored.version);

    // Changed in Outlook meanwhile: deleting is refused, the newer copy is shown, nothing is lost.
    editRemotely(account, 'calendar', outlookId, { subject: 'Design review (their time)' });
    const refused = await api(alice, 'DELETE', `/api/v1/calendar/events/${event.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(standInItem('calendar', outlookId)!.removed).toBe(false);
    expect((await entity(outlookId))!.title).toBe('Design review (their time)');
    const deleted = await api(alice, 'DELETE', `/api/v1/calendar/events/${event.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(standInItem('calendar', outlookId)!.removed).toBe(true);
  }, 120_000);

  it('records a conflict for a stale changeKey (412) and resolves it keeping mine or theirs', async () => {
    for (const keep of ['remote', 'local'] as const) {
      const start = soon(6);
      const created = await api(alice, 'POST', '/api/v1/calendar/events', {
        title: `Sync (${keep})`,
        startsAt: start.toISOString(),
        endsAt: new Date(start.getTime() + 1_800_000).toISOString(),
        connectionId,
      });
      expect(created.statusCode, created.body).toBe(201);
      const event = created.json();
      const outlookId = [...collectionOf(account, 'calendar').items.values()].find(
        (item) => item.body.subject === `Sync (${keep})`,
      )!.body.id as string;
      editRemotely(account, 'calendar', outlookId, {
        subject: `Sync (${keep}) theirs`,
        location: { displayName: 'Their room' },
      });

      const edit = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
        version: event.version,
        title: `Sync (${keep}) mine`,
      });
      expect(edit.statusCode, edit.body).toBe(409);
      expect(edit.json().error.code).toBe('write_conflict');
      const conflict = edit.json().error.details.conflict as { id: string; remote: { title: string } };
      expect(conflict.remote.title).toBe(`Sync (${keep}) theirs`);
      expect(standInItem('calendar', outlookId)!.body.subject).toBe(`Sync (${keep}) theirs`);
      expect((await api(bob, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep })).statusCode).toBe(404);

      const resolved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(resolved.statusCode, resolved.body).toBe(200);
      if (keep === 'remote') {
        expect(resolved.json().result).toMatchObject({ title: 'Sync (remote) theirs', location: 'Their room' });
        expect(standInItem('calendar', outlookId)!.body.subject).toBe('Sync (remote) theirs');
      } else {
        expect(resolved.json().result).toMatchObject({ title: 'Sync (local) mine' });
        expect(standInItem('calendar', outlookId)!.body.subject).toBe('Sync (local) mine');
      }
      expect((await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep })).statusCode).toBe(409);
    }
  }, 120_000);

  it('pushes a hub edit of an Outlook contact with If-Match, keeps hub-only fields and does not echo', async () => {
    const contactId = contactPayload(7).id;
    const person = (await entity(contactId))!;
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
      version: person.version,
      title: 'Contact Seven',
      properties: { ...person.properties, jobTitle: 'CTO', tags: ['climbing'] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await eventually(
      async () => (standInItem('contacts', contactId)!.body.jobTitle === 'CTO' ? true : undefined),
      'the edit in Outlook',
    );
    const outlook = standInItem('contacts', contactId)!.body;
    expect(outlook.displayName).toBe('Contact Seven');
    const pushedKey = outlook.changeKey;
    // The push's answer settles in the hub (as the connector), then the delta brings the same version back.
    const settled = await eventually(async () => {
      const seen = await hub.db.asOwner((tx) =>
        tx.query<{ change_key: string }>(
          'SELECT change_key FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2',
          [connectionId, contactId],
        ),
      );
      return seen.rows[0]?.change_key === pushedKey ? await entity(contactId) : undefined;
    }, 'the pushed change key recorded');
    await syncNow();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = (await entity(contactId))!;
    expect(after.version).toBe(settled!.version);
    expect(after.properties).toMatchObject({ jobTitle: 'CTO', tags: ['climbing'] });
    // Not pushed again: Outlook's copy is still the version we wrote.
    expect(standInItem('contacts', contactId)!.body.changeKey).toBe(pushedKey);
    const conflicts = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
    expect(conflicts.filter((c: { capability: string }) => c.capability === 'contacts')).toEqual([]);
  }, 120_000);

  it("keeps an edit saved while the previous one is on its way to Outlook, and pushes it over that one's answer", async () => {
    const contactId = contactPayload(7).id;
    const person = (await entity(contactId))!;
    // The second edit is saved once Outlook has the first and before its answer reaches the hub.
    let second: { statusCode: number; body: string } | undefined;
    standIn.state.afterContactPatch = async () => {
      standIn.state.afterContactPatch = undefined;
      const now = (await entity(contactId))!;
      second = await api(alice, 'PATCH', `/api/v1/entities/${now.id}`, {
        version: now.version,
        properties: { ...now.properties, jobTitle: 'Second edit' },
      });
    };
    try {
      const first = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...person.properties, jobTitle: 'First edit' },
      });
      expect(first.statusCode, first.body).toBe(200);
      await eventually(async () => second, 'the second edit saved');
      expect(second!.statusCode, second!.body).toBe(200);
      await eventually(
        async () => (standInItem('contacts', contactId)!.body.jobTitle === 'Second edit' ? true : undefined),
        'the second edit in Outlook',
      );
    } finally {
      standIn.state.afterContactPatch = undefined;
    }
    const pushedKey = standInItem('contacts', contactId)!.body.changeKey;
    await eventually(async () => {
      const seen = await hub.db.asOwner((tx) =>
        tx.query<{ change_key: string }>(
          'SELECT change_key FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2',
          [connectionId, contactId],
        ),
      );
      return seen.rows[0]?.change_key === pushedKey ? true : undefined;
    }, 'the second push recorded');
    await syncNow();
    expect((await entity(contactId))!.properties).toMatchObject({ jobTitle: 'Second edit', tags: ['climbing'] });
    const conflicts = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
    expect(conflicts.filter((c: { capability: string }) => c.capability === 'contacts')).toEqual([]);
  }, 120_000);

  it("keeps the owner's tags on a contact when a change made in Outlook syncs, and clears what Outlook cleared", async () => {
    const contactId = contactPayload(7).id;
    editRemotely(account, 'contacts', contactId, { personalNotes: 'Call after five' });
    await syncNow();
    expect((await entity(contactId))!.properties).toMatchObject({ notes: 'Call after five', tags: ['climbing'] });
    editRemotely(account, 'contacts', contactId, { jobTitle: 'Changed in Outlook', personalNotes: null });
    await syncNow();
    const after = (await entity(contactId))!;
    expect(after.properties).toMatchObject({ jobTitle: 'Changed in Outlook', tags: ['climbing'] });
    expect(after.properties).not.toHaveProperty('notes');
  }, 120_000);

  // A sync that stores a concurrent Outlook change while a hub edit is on its way: never a silent overwrite.
  for (const when of ['before its push is sent', 'while its push is on its way'] as const) {
    it(`records a hub edit that a sync of an Outlook change overtook ${when} as a conflict`, async () => {
      const contactId = contactPayload(7).id;
      await syncNow();
      const person = (await entity(contactId))!;
      const outage = when === 'before its push is sent';
      // Outlook's change comes in by a sync once the hub has read the person for its push; then
      // the push fails once (a Graph outage: its event is tried again) or goes on.
      standIn.state.beforeContactPatch = async () => {
        standIn.state.beforeContactPatch = undefined;
        editRemotely(account, 'contacts', contactId, { jobTitle: `Theirs, ${when}` });
        await syncNow();
        if (outage) return { status: 500, json: { error: { code: 'InternalServerError', message: 'Try again.' } } };
      };
      try {
        const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
          version: person.version,
          properties: { ...person.properties, jobTitle: `Mine, ${when}` },
        });
        expect(edited.statusCode, edited.body).toBe(200);
        const conflict = await contactConflictOf(person.id);
        expect(conflict.local.fields.jobTitle).toBe(`Mine, ${when}`);
        expect(conflict.remote.properties.jobTitle).toBe(`Theirs, ${when}`);
        // Neither side written over: Outlook keeps its change, the hub shows it until the owner chooses.
        expect(standInItem('contacts', contactId)!.body.jobTitle).toBe(`Theirs, ${when}`);
        expect((await entity(contactId))!.properties.jobTitle).toBe(`Theirs, ${when}`);
        const resolved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
        expect(resolved.statusCode, resolved.body).toBe(200);
        expect(standInItem('contacts', contactId)!.body.jobTitle).toBe(`Mine, ${when}`);
        expect((await entity(contactId))!.properties).toMatchObject({ jobTitle: `Mine, ${when}`, tags: ['climbing'] });
      } finally {
        standIn.state.beforeContactPatch = undefined;
      }
    }, 120_000);
  }

  it('does not take an edit whose push was done, delivered again after a sync, for one the sync overtook', async () => {
    const contactId = contactPayload(7).id;
    await syncNow();
    const person = (await entity(contactId))!;
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
      version: person.version,
      properties: { ...person.properties, jobTitle: 'Pushed once' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await eventually(async () => {
      const outlook = standInItem('contacts', contactId)!.body;
      if (outlook.jobTitle !== 'Pushed once') return undefined;
      const seen = await hub.db.asOwner((tx) =>
        tx.query<{ change_key: string }>(
          'SELECT change_key FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2',
          [connectionId, contactId],
        ),
      );
      return seen.rows[0]?.change_key === outlook.changeKey ? true : undefined;
    }, 'the edit in Outlook, its answer recorded');
    // A later change in Outlook comes in by a sync, then the edit's event is delivered again
    // (at least once delivery: as after a crash before its acknowledgement).
    editRemotely(account, 'contacts', contactId, { jobTitle: 'Later in Outlook' });
    await syncNow();
    expect((await entity(contactId))!.properties.jobTitle).toBe('Later in Outlook');
    await deliverEditAgain(hub, person.id);
    // Its consumer's answer, were it wrong, would be a conflict recorded within moments.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const open = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as ContactConflictView[];
    expect(open.filter((c) => c.capability === 'contacts')).toEqual([]);
  }, 120_000);

  it('records a contact changed in Outlook as a conflict, never overwriting it, and resolves it', async () => {
    const contactId = contactPayload(7).id;
    for (const keep of ['remote', 'local'] as const) {
      editRemotely(account, 'contacts', contactId, { jobTitle: `Boss (${keep})` });
      const person = (await entity(contactId))!;
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...person.properties, jobTitle: `Mine (${keep})` },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      const conflict = await contactConflictOf(person.id);
      expect(conflict.local.fields.jobTitle).toBe(`Mine (${keep})`);
      expect(conflict.remote.properties.jobTitle).toBe(`Boss (${keep})`);
      expect(standInItem('contacts', contactId)!.body.jobTitle).toBe(`Boss (${keep})`);
      expect((await api(bob, 'GET', '/api/v1/conflicts')).json().conflicts).toEqual([]);

      const resolved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(resolved.statusCode, resolved.body).toBe(200);
      const expected = keep === 'remote' ? `Boss (${keep})` : `Mine (${keep})`;
      expect(standInItem('contacts', contactId)!.body.jobTitle).toBe(expected);
      expect((await entity(contactId))!.properties).toMatchObject({ jobTitle: expected, tags: ['climbing'] });
      // Settling it pushes nothing more and records no new conflict.
      await syncNow();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await entity(contactId))!.properties.jobTitle).toBe(expected);
      const open = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
      expect(open.filter((c: { capability: string }) => c.capability === 'contacts')).toEqual([]);
    }
  }, 120_000);

  it('pushes over an Outlook change to what the hub does not write (a category): no conflict, and the category stays', async () => {
    const contactId = contactPayload(7).id;
    await syncNow();
    const categorised = editRemotely(account, 'contacts', contactId, { categories: ['Red category'] });
    const person = (await entity(contactId))!;
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
      version: person.version,
      properties: { ...person.properties, jobTitle: 'Head of climbing' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await eventually(
      async () => (standInItem('contacts', contactId)!.body.jobTitle === 'Head of climbing' ? true : undefined),
      'the edit in Outlook',
    );
    const outlook = standInItem('contacts', contactId)!.body;
    expect(outlook.categories).toEqual(['Red category']);
    expect(outlook.changeKey).not.toBe(categorised.changeKey);
    const conflicts = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
    expect(conflicts.filter((c: { capability: string }) => c.capability === 'contacts')).toEqual([]);

    // A field the hub writes changed in Outlook too: that is still a conflict.
    editRemotely(account, 'contacts', contactId, { categories: ['Blue category'], companyName: 'Their company' });
    const again = (await entity(contactId))!;
    expect(
      (
        await api(alice, 'PATCH', `/api/v1/entities/${again.id}`, {
          version: again.version,
          properties: { ...again.properties, jobTitle: 'Head of bouldering' },
        })
      ).statusCode,
    ).toBe(200);
    const conflict = await contactConflictOf(again.id);
    expect(standInItem('contacts', contactId)!.body).toMatchObject({
      jobTitle: 'Head of climbing',
      companyName: 'Their company',
    });
    const resolved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'remote' });
    expect(resolved.statusCode, resolved.body).toBe(200);
  }, 120_000);

  it('keeps contact edits made while the connection needs signing in, and pushes them first after sign-in', async () => {
    const contactId = contactPayload(7).id;
    const pending = () =>
      hub.db.asOwner((tx) =>
        tx.query<{ base_version: number }>(
          'SELECT base_version FROM made_open.msgraph_pending_pushes WHERE connection_id = $1',
          [connectionId],
        ),
      );
    const openConflicts = async () =>
      (
        (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as { capability: string; entityId: string }[]
      ).filter((c) => c.capability === 'contacts');
    const signOut = async () => {
      standIn.state.behaviour.revoked = true;
      for (const grant of standIn.state.accessTokens.values()) if (grant.accountId === account.id) grant.expiresAt = 0;
      const tested = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
      expect(tested.json()).toMatchObject({ connection: { status: 'needs_reauth' } });
    };
    const signBackIn = async () => {
      standIn.state.behaviour.revoked = false;
      const trip = await signIn(hub, standIn, alice, { credentialId, account, connectionId });
      expect(trip.error).toBeNull();
    };
    const edit = async (jobTitle: string) => {
      const person = (await entity(contactId))!;
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...person.properties, jobTitle },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      return person;
    };

    // Two edits while signed out: one pending push, based on the first edit's version.
    await signOut();
    const before = standInItem('contacts', contactId)!.body.changeKey;
    const first = await edit('Offline one');
    await edit('Offline two');
    await eventually(async () => ((await pending()).rows.length === 1 ? true : undefined), 'the edit kept');
    expect((await pending()).rows[0]!.base_version).toBe(first.version + 1);
    expect(standInItem('contacts', contactId)!.body.changeKey).toBe(before);
    // Signing in again syncs; the kept edit reaches Outlook first, as the person is now.
    await signBackIn();
    await syncNow();
    expect(standInItem('contacts', contactId)!.body.jobTitle).toBe('Offline two');
    expect((await pending()).rows).toEqual([]);
    expect((await entity(contactId))!.properties.jobTitle).toBe('Offline two');
    expect(await openConflicts()).toEqual([]);

    // Outlook changed the contact meanwhile: a recorded conflict, and the page brings Outlook's copy.
    await signOut();
    const person = await edit('Offline three');
    editRemotely(account, 'contacts', contactId, { jobTitle: 'Changed in Outlook' });
    await eventually(async () => ((await pending()).rows.length === 1 ? true : undefined), 'the edit kept');
    await signBackIn();
    await syncNow();
    expect(standInItem('contacts', contactId)!.body.jobTitle).toBe('Changed in Outlook');
    const [conflict] = await openConflicts();
    expect(conflict).toMatchObject({ entityId: person.id, local: { fields: { jobTitle: 'Offline three' } } });
    expect((await pending()).rows).toEqual([]);
    // Keeping the hub's edit settles it in Outlook.
    const resolved = await api(
      alice,
      'POST',
      `/api/v1/conflicts/${(conflict as unknown as { id: string }).id}/resolve`,
      {
        keep: 'local',
      },
    );
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(standInItem('contacts', contactId)!.body.jobTitle).toBe('Offline three');
    expect(await openConflicts()).toEqual([]);
  }, 180_000);

  it('records an edit a sync overtook as a conflict when the sign-in was lost before its push could go', async () => {
    const contactId = contactPayload(7).id;
    await syncNow();
    const person = (await entity(contactId))!;
    // The push's first try fails; meanwhile a sync brings Outlook's change and the sign-in is lost.
    standIn.state.beforeContactPatch = async () => {
      standIn.state.beforeContactPatch = undefined;
      editRemotely(account, 'contacts', contactId, { jobTitle: 'Theirs, then signed out' });
      await syncNow();
      standIn.state.behaviour.revoked = true;
      for (const grant of standIn.state.accessTokens.values()) if (grant.accountId === account.id) grant.expiresAt = 0;
      const tested = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
      expect(tested.json()).toMatchObject({ connection: { status: 'needs_reauth' } });
      return { status: 500, json: { error: { code: 'InternalServerError', message: 'Try again.' } } };
    };
    try {
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...person.properties, jobTitle: 'Mine, then signed out' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      // Recorded at once: nothing to ask Outlook. Kept for after sign-in instead, the push
      // would send the person as the sync left it, Outlook's copy, and the edit would be lost.
      const conflict = await contactConflictOf(person.id);
      expect(conflict.local.fields.jobTitle).toBe('Mine, then signed out');
      expect(conflict.remote.properties.jobTitle).toBe('Theirs, then signed out');
    } finally {
      standIn.state.beforeContactPatch = undefined;
      standIn.state.behaviour.revoked = false;
    }
    const trip = await signIn(hub, standIn, alice, { credentialId, account, connectionId });
    expect(trip.error).toBeNull();
    await syncNow();
    const [open] = ((await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as ContactConflictView[]).filter(
      (c) => c.capability === 'contacts',
    );
    expect(open?.local.fields.jobTitle).toBe('Mine, then signed out');
    expect(standInItem('contacts', contactId)!.body.jobTitle).toBe('Theirs, then signed out');
    const resolved = await api(alice, 'POST', `/api/v1/conflicts/${open!.id}/resolve`, { keep: 'remote' });
    expect(resolved.statusCode, resolved.body).toBe(200);
  }, 180_000);

  it('records a contact edit Outlook refuses for good (no permission to write contacts) as a conflict, tried again once allowed', async () => {
    const contactId = contactPayload(7).id;
    await syncNow();
    const person = (await entity(contactId))!;
    const openConflicts = async () =>
      ((await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as ContactConflictView[]).filter(
        (c) => c.capability === 'contacts',
      );
    standIn.state.refuseContactWrites = true;
    try {
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...person.properties, jobTitle: 'Mine, refused' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      // Kept where the owner sees it, with the reason, not only logged: Outlook never got it.
      const conflict = await contactConflictOf(person.id);
      expect(conflict.local.fields.jobTitle).toBe('Mine, refused');
      expect(conflict.remote).toMatchObject({ refused: true, title: person.title });
      expect(conflict.message).toMatch(/lacks a permission/);
      expect(standInItem('contacts', contactId)!.body.jobTitle).not.toBe('Mine, refused');
      // Trying again while Outlook still refuses: said, and the conflict stays open.
      const still = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
      expect(still.statusCode, still.body).toBe(422);
      expect(still.json().error).toMatchObject({ code: 'provider_credential' });
      expect(still.json().error.message).toMatch(/Nothing was settled/);
      expect((await openConflicts()).map((c) => c.id)).toEqual([conflict.id]);
      standIn.state.refuseContactWrites = false;
      // Once allowed (the administrator consented), trying again saves the edit in Outlook.
      const saved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(standInItem('contacts', contactId)!.body.jobTitle).toBe('Mine, refused');
      expect(await openConflicts()).toEqual([]);
    } finally {
      standIn.state.refuseContactWrites = false;
    }
  }, 120_000);

  it('creates an Outlook contact through the contacts capability; its delta is our own version', async () => {
    const connectors = hub.modules.find((m) => m.name === 'connectors') as unknown as ConnectorsModule;
    const user = { id: alice.id, claims: alice.claims as AuthenticatedUser['claims'] };
    const open = await connectors.service.open(user, 'contacts', connectionId);
    const { item } = await open.capability.create(open.context, {
      givenName: 'Grace',
      familyName: 'Hopper',
      displayName: 'Grace Hopper',
      emails: ['grace@navy.example'],
      phones: ['(415) 555-0199'],
      company: 'US Navy',
      birthday: '1906-12-09',
    });
    const outlook = standInItem('contacts', item.externalId!)!.body;
    expect(outlook).toMatchObject({
      givenName: 'Grace',
      surname: 'Hopper',
      emailAddresses: [{ address: 'grace@navy.example', name: 'grace@navy.example' }],
      mobilePhone: '(415) 555-0199',
      companyName: 'US Navy',
      birthday: '1906-12-09T11:59:00Z',
    });
    expect(item).toMatchObject({ type: 'person', source: 'msgraph', title: 'Grace Hopper', phones: ['+14155550199'] });
    expect(item.properties).toMatchObject({ birthday: '1906-12-09', organization: 'US Navy' });
    await hub.db.asUser(alice.claims, (tx) =>
      graphIngest(tx, { ownerId: alice.id, actor: { kind: 'connector', id: connectionId }, items: [item] }),
    );
    const made = (await entity(item.externalId!))!;
    await syncNow();
    expect((await entity(item.externalId!))!.version).toBe(made.version);
    // Bob cannot reach Alice's connection.
    const bobUser = { id: bob.id, claims: bob.claims as AuthenticatedUser['claims'] };
    await expect(connectors.service.open(bobUser, 'contacts', connectionId)).rejects.toMatchObject({ status: 404 });
  }, 120_000);

  it('saves a hub person to Outlook (POST /connections/:id/contacts); edits then reach that contact', async () => {
    const made = await api(alice, 'POST', '/api/v1/persons', {
      name: 'Ada Byron',
      emails: ['ada@analytical.example'],
      phones: ['+1 415 555 0177'],
    });
    expect(made.statusCode, made.body).toBe(201);
    const personId = made.json().id as string;
    const url = `/api/v1/connections/${connectionId}/contacts`;
    // Someone else's person, or connection, is not there; nonsense is a 400.
    expect((await api(bob, 'POST', url, { personId })).statusCode).toBe(404);
    const bobsPerson = (await api(bob, 'POST', '/api/v1/persons', { name: 'Bob Only' })).json().id as string;
    expect((await api(alice, 'POST', url, { personId: bobsPerson })).statusCode).toBe(404);
    for (const payload of [{}, { personId: 'x' }, { personId, extra: 1 }])
      expect((await api(alice, 'POST', url, payload)).statusCode).toBe(400);
    const before = collectionOf(account, 'contacts').items.size;

    // Two clicks at once: one contact.
    const [first, second] = await Promise.all([
      api(alice, 'POST', url, { personId }),
      api(alice, 'POST', url, { personId }),
    ]);
    expect(first.statusCode, first.body).toBe(201);
    expect(second.json()).toEqual(first.json());
    const { externalId } = first.json() as { externalId: string };
    expect(collectionOf(account, 'contacts').items.size).toBe(before + 1);
    expect(standInItem('contacts', externalId)!.body).toMatchObject({
      displayName: 'Ada Byron',
      emailAddresses: [{ address: 'ada@analytical.example' }],
    });
    const person = (await entity(externalId))!;
    expect(person.id).toBe(personId);
    expect((await api(alice, 'POST', url, { personId })).json().error.code).toBe('already_linked');

    // The delta brings our own version: no second person; a hub edit goes to the same contact.
    await syncNow();
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query(`SELECT id FROM public.entities WHERE owner_id = $1 AND type = 'person' AND title = 'Ada Byron'`, [
        alice.id,
      ]),
    );
    expect(rows).toHaveLength(1);
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${personId}`, {
      version: (await entity(externalId))!.version,
      properties: { ...(await entity(externalId))!.properties, jobTitle: 'Countess' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await eventually(
      async () => (standInItem('contacts', externalId)!.body.jobTitle === 'Countess' ? true : undefined),
      'the edit in Outlook',
    );
  }, 120_000);

  it("pushes a phone's CardDAV edit of an Outlook contact to Outlook, as a web edit is", async () => {
    put(account, 'contacts', contactPayload(9, { jobTitle: 'Pilot' }));
    await syncNow();
    const contactId = contactPayload(9).id;
    const person = (await entity(contactId))!;
    const password = await api(alice, 'POST', '/api/v1/dav/app-passwords', { name: 'Phone' });
    expect(password.statusCode, password.body).toBe(201);
    const authorization = `Basic ${Buffer.from(`${alice.email}:${password.json().password}`).toString('base64')}`;
    const url = `/dav/addressbooks/${alice.id}/contacts/${person.id}.vcf`;
    const card = await hub.app.inject({ method: 'GET', url, headers: { authorization } });
    expect(card.statusCode, card.body).toBe(200);
    expect(card.body).toContain('TITLE:Pilot');

    // The phone changes the job title and sends the card back with the ETag it read.
    const written = await hub.app.inject({
      method: 'PUT',
      url,
      headers: { authorization, 'content-type': 'text/vcard', 'if-match': String(card.headers.etag) },
      payload: card.body.replace('TITLE:Pilot', 'TITLE:Captain'),
    });
    expect(written.statusCode, written.body).toBe(204);
    await eventually(
      async () => (standInItem('contacts', contactId)!.body.jobTitle === 'Captain' ? true : undefined),
      'the phone edit in Outlook',
    );
    expect(standInItem('contacts', contactId)!.body.displayName).toBe('Contact 9');
    const conflicts = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
    expect(conflicts.filter((c: { entityId?: string }) => c.entityId === person.id)).toEqual([]);
  }, 120_000);

  it("writes a phone's CalDAV edit and delete of an Outlook event to Outlook first; a change made there meanwhile is a conflict", async () => {
    const start = soon(8);
    start.setUTCHours(15, 0, 0, 0);
    const created = await api(alice, 'POST', '/api/v1/calendar/events', {
      title: 'Boat trip',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      connectionId,
    });
    expect(created.statusCode, created.body).toBe(201);
    const outlookId = [...collectionOf(account, 'calendar').items.values()].find(
      (item) => item.body.subject === 'Boat trip',
    )!.body.id as string;
    const eventId = (await entity(outlookId))!.id;
    const password = await api(alice, 'POST', '/api/v1/dav/app-passwords', { name: 'Phone calendar' });
    const authorization = `Basic ${Buffer.from(`${alice.email}:${password.json().password}`).toString('base64')}`;
    const url = `/dav/calendars/${alice.id}/calendar/${eventId}.ics`;
    const dav = (method: 'GET' | 'PUT' | 'DELETE', headers: Record<string, string> = {}, payload?: string) =>
      hub.app.inject({ method, url, headers: { authorization, ...headers }, ...(payload ? { payload } : {}) });
    const basic = (d: Date) => d.toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';

    // Renamed and an hour later on the phone: Outlook gets both, then the hub has what Outlook answered.
    const card = await dav('GET');
    expect(card.statusCode, card.body).toBe(200);
    const later = new Date(start.getTime() + 3_600_000);
    const edited = card.body
      .replace('SUMMARY:Boat trip', 'SUMMARY:Boat trip (later)')
      .replace(`DTSTART:${basic(start)}`, `DTSTART:${basic(later)}`)
      .replace(
        `DTEND:${basic(new Date(start.getTime() + 3_600_000))}`,
        `DTEND:${basic(new Date(later.getTime() + 3_600_000))}`,
      );
    expect(edited).toContain(`DTSTART:${basic(later)}`);
    const put = await dav('PUT', { 'content-type': 'text/calendar', 'if-match': String(card.headers.etag) }, edited);
    expect(put.statusCode, put.body).toBe(204);
    const outlook = standInItem('calendar', outlookId)!.body;
    expect(outlook.subject).toBe('Boat trip (later)');
    expect(outlook.start).toEqual({ dateTime: later.toISOString().slice(0, 23), timeZone: 'UTC' });
    const stored = (await entity(outlookId))!;
    expect(stored).toMatchObject({ title: 'Boat trip (later)', properties: { changeKey: outlook.changeKey } });
    const reread = await dav('GET');
    expect(reread.body).toContain('SUMMARY:Boat trip (later)');

    // Changed in Outlook since the hub saw it: the phone's edit is a recorded conflict, Outlook's copy stays.
    editRemotely(account, 'calendar', outlookId, { subject: 'Boat trip (cancelled?)' });
    const stale = await dav(
      'PUT',
      { 'content-type': 'text/calendar', 'if-match': String(reread.headers.etag) },
      reread.body.replace('SUMMARY:Boat trip (later)', 'SUMMARY:Boat trip (mine)'),
    );
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.body).toMatch(/changed in the other calendar/);
    expect(standInItem('calendar', outlookId)!.body.subject).toBe('Boat trip (cancelled?)');
    const conflicts = (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts;
    expect(conflicts.filter((c: { entityId: string }) => c.entityId === eventId)).toHaveLength(1);

    // Deleted on the phone once the hub has Outlook's copy: deleted in Outlook too.
    await syncNow();
    const fresh = await dav('GET');
    expect(fresh.body).toContain('SUMMARY:Boat trip (cancelled?)');
    expect((await dav('DELETE', { 'if-match': '"stale"' })).statusCode).toBe(412);
    expect(standInItem('calendar', outlookId)!.removed).toBe(false);
    const removed = await dav('DELETE', { 'if-match': String(fresh.headers.etag) });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(standInItem('calendar', outlookId)!.removed).toBe(true);
    expect((await dav('GET')).statusCode).toBe(404);
  }, 120_000);

  it('refuses hostile input with 4xx and changes nothing', async () => {
    const invite = (await entity(eventPayload(1).id))!;
    const long = await api(alice, 'POST', `/api/v1/calendar/events/${invite.id}/respond`, {
      response: 'accepted',
      comment: 'x'.repeat(5000),
    });
    expect(long.statusCode).toBe(400);
    const badTime = await api(alice, 'POST', '/api/v1/calendar/events', {
      title: 'x',
      startsAt: 'tomorrow-ish',
      connectionId,
    });
    expect(badTime.statusCode).toBe(400);
    const notMine = await api(bob, 'POST', '/api/v1/calendar/events', {
      title: 'x',
      startsAt: soon(2).toISOString(),
      connectionId,
    });
    expect(notMine.statusCode).toBe(404);
    const badTo = await api(alice, 'POST', '/api/v1/messages', { channel: 'email', to: ['<script>'], body: 'x' });
    expect(badTo.statusCode).toBe(400);
    expect(standInItem('calendar', eventPayload(1).id)!.body.responseStatus).toMatchObject({ response: 'declined' });
  }, 120_000);

  it('answers through the mailbox the email came to when two Microsoft 365 accounts are connected', async () => {
    const second = await registerApp(hub, standIn, alice, { mail: 'alice.home@contoso.example', secret: false });
    put(second.account, 'mail:inbox', messagePayload(second.account, 60, 'inbox'));
    const trip = await signIn(hub, standIn, alice, { credentialId: second.credentialId, account: second.account });
    const secondId = trip.connectionId!;
    try {
      await syncAndWait(hub, alice, secondId, 0);
      const sentFrom = (mailbox: StandInAccount, conversationId: unknown) =>
        [...collectionOf(mailbox, 'mail:sentitems').items.values()].filter(
          (item) => !item.removed && item.body.conversationId === conversationId,
        );
      for (const [mailbox, other, n] of [
        [account, second.account, 3],
        [second.account, account, 60],
      ] as const) {
        const original = messagePayload(mailbox, n, 'inbox');
        const answered = (await entity(original.id))!;
        const sent = await api(
          alice,
          'POST',
          '/api/v1/messages',
          { channel: 'email', to: [original.from.emailAddress.address], body: 'Noted.', replyTo: answered.id },
          { 'idempotency-key': `two-${randomBytes(6).toString('hex')}` },
        );
        expect(sent.statusCode, sent.body).toBe(201);
        expect(sentFrom(mailbox, original.conversationId)).toHaveLength(1);
        expect(sentFrom(other, original.conversationId)).toHaveLength(0);
      }
      // A new email names no mailbox: the sender chooses one.
      const unsaid = await api(
        alice,
        'POST',
        '/api/v1/messages',
        { channel: 'email', to: ['someone@example.org'], subject: 'Hello', body: 'Hi' },
        { 'idempotency-key': `two-${randomBytes(6).toString('hex')}` },
      );
      expect(unsaid.statusCode).toBe(400);
      expect(unsaid.json().error.code).toBe('connection_ambiguous');
    } finally {
      await api(alice, 'DELETE', `/api/v1/connections/${secondId}`);
    }
  }, 180_000);
});
