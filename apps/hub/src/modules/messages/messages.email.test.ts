import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { acmeAccount, addCredential, hubOptions, registerAcmeInbox } from '../connectors/test/support.ts';

/**
 * Email in the unified inbox on a real hub: threads, read marks written back, attachments on
 * demand and sending with channel "email". The mail account is the test-only Acme Inbox
 * provider (connectors/test/acme-inbox.*), whose API is a STAND-IN on 127.0.0.1 selected by
 * ACME_INBOX_API_URL; its connector offers the `mail` capability the Graph connector offers.
 * Email messages are seeded through POST /api/v1/entities (ingest), as a connector stores them.
 */
registerAcmeInbox();

const conversation = 'AAQkAGI2+/conv=1';
const mib = 1024 * 1024;

describe.each(testDatabaseKinds())('email in the inbox on %s', (kind) => {
  let hub: TestHub;
  let acme: Awaited<ReturnType<typeof acmeAccount>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let carol: SignedUpUser;
  let adaId: string;
  const ids: Record<string, string> = {};

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers = {}) =>
    hub.app.inject({
      method,
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const threadUrl = (id: string) => `/api/v1/messages/threads/${encodeURIComponent(id)}`;
  const emailThreadId = (threadId: string) => `email:${Buffer.from(threadId).toString('base64url')}`;

  async function connect(user: SignedUpUser) {
    const credentialId = await addCredential(hub, user, acme.secret);
    const connected = await api(user, 'POST', '/api/v1/connections', {
      provider: 'acme-inbox',
      credentialId,
      options: { mailbox: 'main', send: true },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    return connected.json().id as string;
  }

  async function seed(user: SignedUpUser, externalId: string, minute: number, properties: Record<string, unknown>) {
    const created = await api(user, 'POST', '/api/v1/entities', {
      type: 'message',
      source: 'acme-inbox',
      externalId,
      title: String(properties.subject ?? ''),
      body: `Text of ${externalId}`,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString(),
      properties: { channel: 'email', direction: 'inbound', ...properties },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().id as string;
  }

  async function upload(user: SignedUpUser, bucket: string, name: string, body: Buffer, type = 'text/plain') {
    await api(user, 'POST', '/storage/v1/bucket', { id: bucket, name: bucket });
    const stored = await hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/${name}`,
      headers: { ...bearer(user), 'content-type': type },
      payload: body,
    });
    expect(stored.statusCode, stored.body).toBe(200);
    return `${bucket}/${name}`;
  }

  beforeAll(async () => {
    acme = await acmeAccount();
    hub = await createTestHub(kind, { ...acme.env, AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, hubOptions);
    [alice, bob, carol] = [await signUpUser(hub), await signUpUser(hub), await signUpUser(hub)];
    await connect(alice);
    await connect(bob);
    const ada = await api(alice, 'POST', '/api/v1/persons', { name: 'Ada Lovelace', emails: ['ada@example.org'] });
    expect(ada.statusCode, ada.body).toBe(201);
    adaId = ada.json().id ?? ada.json().person?.id;
    ids.first = await seed(alice, 'm1', 1, {
      from: 'ada@example.org',
      to: ['main@acme-inbox.example'],
      subject: 'Lunch',
      threadId: conversation,
      isRead: true,
      names: { 'ada@example.org': 'Ada L.' },
    });
    ids.second = await seed(alice, 'm2', 2, {
      from: 'ada@example.org',
      to: ['main@acme-inbox.example'],
      cc: ['grace@example.org'],
      subject: 'Re: Lunch',
      threadId: conversation,
      isRead: false,
      names: { 'grace@example.org': 'Grace Hopper' },
      html: '<p onclick="steal()">Noon?</p><script>alert(1)</script><img src="https://track.example/open.png">',
      attachments: [
        { id: 'att/1=', name: '../menu "final".pdf', contentType: 'application/pdf', size: 20 },
        { id: 'huge', name: 'video.mov', contentType: 'video/quicktime', size: 30 * mib },
        { id: 'logo', name: 'logo.png', contentType: 'image/png', size: 10, inline: true },
      ],
    });
    ids.other = await seed(alice, 'm3', 3, {
      from: 'linus@example.net',
      to: ['main@acme-inbox.example'],
      subject: 'Kernel',
      threadId: 'conv-2',
    });
    ids.bobs = await seed(bob, 'b1', 4, { from: 'eve@example.org', subject: 'Bob only', threadId: 'conv-bob' });
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await acme?.standIn.close();
  });

  it('lists email threads beside texts with subject, participants, unread and attachments', async () => {
    const listed = await api(alice, 'GET', '/api/v1/messages/threads');
    expect(listed.statusCode, listed.body).toBe(200);
    const threads = listed.json().threads as Record<string, any>[];
    expect(threads.map((t) => t.email?.subject)).toEqual(['Kernel', 'Re: Lunch']);
    const lunch = threads[1]!;
    expect(lunch).toMatchObject({
      id: emailThreadId(conversation),
      channel: 'email',
      person: { id: adaId, name: 'Ada Lovelace' },
      phone: null,
      ownNumber: null,
      unread: 1,
      lastMessage: { id: ids.second, direction: 'inbound', hasMedia: true },
      email: { hasAttachments: true, messages: 2 },
    });
    // You are never "the other side": your mailbox's address is left out.
    expect(lunch.email.participants).toEqual([
      { address: 'ada@example.org', name: 'Ada Lovelace', personId: adaId },
      // Seeded without `people`, so nobody was made for Grace: her name is the one the sender wrote.
      { address: 'grace@example.org', name: 'Grace Hopper', personId: null },
    ]);
    // An email without a provider read state is unread until its thread is read.
    expect(threads[0]).toMatchObject({ unread: 1, email: { hasAttachments: false } });

    const email = await api(alice, 'GET', '/api/v1/messages/threads?channel=email&limit=1');
    expect(email.json().threads).toHaveLength(1);
    const next = await api(
      alice,
      'GET',
      `/api/v1/messages/threads?channel=email&limit=1&cursor=${email.json().nextCursor}`,
    );
    expect(next.json().threads.map((t: { id: string }) => t.id)).toEqual([emailThreadId(conversation)]);
    expect((await api(alice, 'GET', '/api/v1/messages/threads?channel=sms')).json().threads).toEqual([]);
    expect((await api(alice, 'GET', '/api/v1/messages/threads?channel=fax')).statusCode).toBe(400);
  });

  it("shows a thread's messages with sanitised HTML, headers and attachments", async () => {
    const response = await api(alice, 'GET', threadUrl(emailThreadId(conversation)));
    expect(response.statusCode, response.body).toBe(200);
    const [first, second] = response.json().messages as Record<string, any>[];
    expect(first!.id).toBe(ids.first);
    expect(second!.email).toMatchObject({
      subject: 'Re: Lunch',
      from: { address: 'ada@example.org', name: 'Ada Lovelace', personId: adaId },
      to: [{ address: 'main@acme-inbox.example' }],
      cc: [{ address: 'grace@example.org', name: 'Grace Hopper' }],
      isRead: false,
    });
    const html = second!.email.html as string;
    expect(html).toContain('Noon?');
    expect(html).not.toMatch(/script|onclick|alert/);
    expect(html).toContain('data-src="https://track.example/open.png"');
    expect(html).not.toMatch(/ src=/);
    expect(second!.email.attachments).toEqual([
      {
        id: 'att/1=',
        name: '../menu "final".pdf',
        contentType: 'application/pdf',
        size: 20,
        inline: false,
        stored: false,
      },
      { id: 'huge', name: 'video.mov', contentType: 'video/quicktime', size: 30 * mib, inline: false, stored: false },
      { id: 'logo', name: 'logo.png', contentType: 'image/png', size: 10, inline: true, stored: false },
    ]);
    expect(first!.email.html).toBeNull();
  });

  it('opens a thread of an email added by hand (no provider id) with its sid null', async () => {
    const dave = await signUpUser(hub);
    const added = await api(dave, 'POST', '/api/v1/entities', {
      type: 'message',
      title: 'Email from Grace',
      body: 'Can you send the plans?',
      properties: {
        channel: 'email',
        direction: 'inbound',
        from: 'grace@example.com',
        subject: 'Plans',
        threadId: 'by-hand',
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const thread = await api(
      dave,
      'GET',
      `/api/v1/messages/threads/email:${Buffer.from('by-hand').toString('base64url')}`,
    );
    expect(thread.statusCode, thread.body).toBe(200);
    expect(thread.json().messages).toEqual([expect.objectContaining({ id: added.json().id, sid: null })]);
  });

  it('marks read and unread here and on the mail account; a provider failure never fails the request', async () => {
    const lunch = emailThreadId(conversation);
    const unreadOf = async () =>
      (
        (await api(alice, 'GET', '/api/v1/messages/threads?channel=email')).json().threads as Record<string, any>[]
      ).find((t) => t.id === lunch)!.unread;

    expect((await api(alice, 'POST', `${threadUrl(lunch)}/read`)).statusCode).toBe(204);
    expect(await unreadOf()).toBe(0);
    expect(acme.standIn.reads).toEqual([{ id: 'm2', read: true }]);
    const shown = await api(alice, 'GET', threadUrl(lunch));
    expect(shown.json().messages[1].email.isRead).toBe(true);

    expect((await api(alice, 'POST', `${threadUrl(lunch)}/unread`)).statusCode).toBe(204);
    expect(await unreadOf()).toBe(1);
    expect(acme.standIn.reads.at(-1)).toEqual({ id: 'm2', read: false });

    acme.standIn.failReads = true;
    try {
      expect((await api(alice, 'POST', `${threadUrl(lunch)}/read`)).statusCode).toBe(204);
      expect(await unreadOf()).toBe(0);
    } finally {
      acme.standIn.failReads = false;
    }

    // No provider state: the hub's own mark decides, nothing is written to the account.
    const before = acme.standIn.reads.length;
    expect((await api(alice, 'POST', `${threadUrl(emailThreadId('conv-2'))}/read`)).statusCode).toBe(204);
    const kernel = (await api(alice, 'GET', '/api/v1/messages/threads?channel=email')).json().threads[0];
    expect(kernel.unread).toBe(0);
    expect(acme.standIn.reads.length).toBe(before);
  });

  it('fetches an attachment once into Storage, then serves it from there as a safe download', async () => {
    acme.standIn.attach('m2', 'att/1=', {
      name: 'menu.pdf',
      contentType: 'application/pdf',
      content: Buffer.from('%PDF-1.7 menu'),
    });
    const url = `/api/v1/messages/${ids.second}/attachments/${encodeURIComponent('att/1=')}`;
    const fetches = () => acme.standIn.requests.filter((r) => r.path.includes('/attachments/')).length;
    const first = await api(alice, 'GET', url);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.rawPayload.toString()).toBe('%PDF-1.7 menu');
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.headers['content-disposition']).toBe(
      `attachment; filename="menu _final_.pdf"; filename*=UTF-8''${encodeURIComponent('menu _final_.pdf')}`,
    );
    expect(fetches()).toBe(1);

    const shown = await api(alice, 'GET', threadUrl(emailThreadId(conversation)));
    expect(shown.json().messages[1].email.attachments[0].stored).toBe(true);
    const again = await api(alice, 'GET', url);
    expect(again.statusCode).toBe(200);
    expect(again.rawPayload.toString()).toBe('%PDF-1.7 menu');
    expect(fetches()).toBe(1);

    const huge = await api(alice, 'GET', `/api/v1/messages/${ids.second}/attachments/huge`);
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.message).toMatch(/25 MiB/);
    expect((await api(alice, 'GET', `/api/v1/messages/${ids.second}/attachments/nope`)).statusCode).toBe(404);
    expect((await api(alice, 'GET', `/api/v1/messages/not-a-uuid/attachments/x`)).statusCode).toBe(400);
  });

  it("keeps users apart: another user's email threads and attachments are 404s", async () => {
    const lunch = emailThreadId(conversation);
    expect((await api(bob, 'GET', threadUrl(lunch))).statusCode).toBe(404);
    expect((await api(bob, 'POST', `${threadUrl(lunch)}/read`)).statusCode).toBe(404);
    expect((await api(bob, 'POST', `${threadUrl(lunch)}/unread`)).statusCode).toBe(404);
    expect(
      (await api(bob, 'GET', `/api/v1/messages/${ids.second}/attachments/${encodeURIComponent('att/1=')}`)).statusCode,
    ).toBe(404);
    const bobs = (await api(bob, 'GET', '/api/v1/messages/threads')).json().threads;
    expect(bobs.map((t: { email: { subject: string } }) => t.email.subject)).toEqual(['Bob only']);
    // A reply to someone else's message is a 404 too.
    const reply = await api(bob, 'POST', '/api/v1/messages', {
      channel: 'email',
      to: ['x@example.org'],
      body: 'hi',
      replyTo: ids.second,
    });
    expect(reply.statusCode).toBe(404);
    // Forged thread ids: not one of ours, or not canonical base64url.
    expect((await api(alice, 'GET', threadUrl('email:!!'))).statusCode).toBe(400);
    expect((await api(alice, 'GET', threadUrl('email:QQ'))).statusCode).toBe(404);
    expect((await api(alice, 'GET', threadUrl('email:QR'))).statusCode).toBe(404);
  });

  it('sends email through the mail account: recipients resolved, HTML sanitised, files attached, once per key', async () => {
    const file = await upload(alice, `docs-${randomBytes(4).toString('hex')}`, 'notes.txt', Buffer.from('the notes'));
    const payload = {
      channel: 'email',
      to: [adaId, 'Grace@Example.org'],
      cc: ['ada@example.org'],
      bcc: ['boss@example.org'],
      subject: 'Notes',
      body: 'See attached.',
      html: '<p>See <b>attached</b>.</p><script>alert(1)</script><img src="https://track.example/x.png" onerror="x()">',
      attachments: [file],
    };
    const key = { 'idempotency-key': `mail-${randomBytes(6).toString('hex')}` };
    const sent = await api(alice, 'POST', '/api/v1/messages', payload, key);
    expect(sent.statusCode, sent.body).toBe(201);
    const message = sent.json().message;
    expect(message).toMatchObject({
      channel: 'email',
      status: 'sent',
      from: 'main@acme-inbox.example',
      to: ['ada@example.org', 'grace@example.org'],
      cc: [],
      bcc: ['boss@example.org'],
      subject: 'Notes',
      threadId: emailThreadId('conv-sent_1'),
      attachments: ['notes.txt'],
    });
    const out = acme.standIn.sent.at(-1)!;
    expect(out.to).toEqual(['ada@example.org', 'grace@example.org']);
    expect(out.cc).toEqual([]);
    expect(out.html).toContain('<b>attached</b>');
    expect(out.html).not.toMatch(/script|onerror|alert/);
    expect(out.html).toContain('data-src="https://track.example/x.png"');
    expect(out.attachments).toEqual([
      { name: 'notes.txt', content_type: 'text/plain', content_base64: Buffer.from('the notes').toString('base64') },
    ]);
    // The account's copy is in the graph at once, in its own thread.
    const thread = await api(alice, 'GET', threadUrl(message.threadId));
    expect(thread.statusCode, thread.body).toBe(200);
    expect(thread.json().messages[0]).toMatchObject({ id: message.id, direction: 'outbound' });

    const count = acme.standIn.sent.length;
    const retry = await api(alice, 'POST', '/api/v1/messages', payload, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(sent.json());
    expect(acme.standIn.sent.length).toBe(count);
    const reused = await api(alice, 'POST', '/api/v1/messages', { ...payload, subject: 'Other' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
  });

  it('never sends an email twice when its answer is lost: a 502 kept under the key says to check Sent Items', async () => {
    const payload = { channel: 'email', to: ['grace@example.org'], subject: 'Lost', body: 'Did it go?' };
    const key = { 'idempotency-key': `mail-${randomBytes(6).toString('hex')}` };
    const before = acme.standIn.sent.length;
    acme.standIn.loseNextSendAnswer = true;
    const lost = await api(alice, 'POST', '/api/v1/messages', payload, key);
    expect(lost.statusCode, lost.body).toBe(502);
    expect(lost.json().error).toMatchObject({ code: 'send_outcome_unknown', message: /Sent Items/ });
    expect(acme.standIn.sent.length).toBe(before + 1);
    const retry = await api(alice, 'POST', '/api/v1/messages', payload, key);
    expect(retry.statusCode).toBe(502);
    expect(retry.json()).toEqual(lost.json());
    expect(acme.standIn.sent.length).toBe(before + 1);
  });

  it('replies in the thread through the account the message came from', async () => {
    const sent = await api(alice, 'POST', '/api/v1/messages', {
      channel: 'email',
      to: ['ada@example.org'],
      body: 'Noon works.',
      replyTo: ids.second,
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().message.subject).toBe('Re: Lunch');
    expect(acme.standIn.sent.at(-1)).toMatchObject({ reply_to: 'm2', subject: 'Re: Lunch', text: 'Noon works.' });
  });

  it('refuses bad addresses, too many recipients, oversized attachments and empty mail with clear 4xx', async () => {
    const count = acme.standIn.sent.length;
    const send = (payload: Record<string, unknown>, user = alice, headers = {}) =>
      api(user, 'POST', '/api/v1/messages', { channel: 'email', body: 'hi', ...payload }, headers);

    const bad = await send({ to: ['ada@example.org', 'not an address'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/to\[1\].*not an email address/);
    expect((await send({ to: [] })).statusCode).toBe(400);
    const many = Array.from({ length: 60 }, (_, i) => `p${i}@example.org`);
    const tooMany = await send({ to: many, cc: many.map((a) => a.replace('p', 'q')) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.code).toBe('too_many_recipients');
    expect((await send({ to: Array.from({ length: 101 }, (_, i) => `r${i}@example.org`) })).statusCode).toBe(400);
    expect((await send({ to: ['ada@example.org'], body: '  ' })).statusCode).toBe(400);
    const missingPerson = await send({ to: ['01900000-0000-7000-8000-000000000000'] });
    expect(missingPerson.statusCode).toBe(404);
    const noEmail = await api(alice, 'POST', '/api/v1/persons', { name: 'No Mail', phones: ['+14155550111'] });
    const noEmailSend = await send({ to: [noEmail.json().id ?? noEmail.json().person?.id] });
    expect(noEmailSend.statusCode).toBe(400);
    expect(noEmailSend.json().error.message).toMatch(/No Mail has no email address/);

    const bobsFile = await upload(bob, `bob-${randomBytes(4).toString('hex')}`, 'secret.txt', Buffer.from('bob'));
    expect((await send({ to: ['ada@example.org'], attachments: [bobsFile] })).statusCode).toBe(404);
    const big = await upload(
      alice,
      `big-${randomBytes(4).toString('hex')}`,
      'big.bin',
      Buffer.alloc(26 * mib, 1),
      'application/octet-stream',
    );
    const oversized = await send({ to: ['ada@example.org'], attachments: [big] });
    expect(oversized.statusCode).toBe(413);
    expect(oversized.json().error.message).toMatch(/25\.0 MiB/);

    // The account refusing: its message, and the key is free for a corrected retry.
    const key = { 'idempotency-key': `refused-${randomBytes(6).toString('hex')}` };
    const refused = await send({ to: ['nobody@refused.example'] }, alice, key);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'mail_refused',
      message: expect.stringMatching(/refused a recipient/),
    });
    expect((await send({ to: ['somebody@example.org'] }, alice, key)).statusCode).toBe(201);

    const none = await send({ to: ['ada@example.org'] }, carol);
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_mail_connection');
    expect(none.json().error.message).toMatch(/Settings → Connections/);
    expect(acme.standIn.sent.length).toBe(count + 1);
  });

  it('lists each thread once, at its newest message, however its messages interleave with others', async () => {
    // Carol's mail (after the test above, which needs her without a mail account): three
    // conversations whose messages alternate in time, a deleted newest one, and one of Alice's
    // in between that is not hers.
    const at = { x: [10, 13, 16], y: [11, 14], z: [12, 17] } as const;
    const seeded: Record<string, string> = {};
    for (const [thread, minutes] of Object.entries(at))
      for (const minute of minutes)
        seeded[`${thread}${minute}`] = await seed(carol, `c-${thread}-${minute}`, minute, {
          from: `${thread}@example.org`,
          subject: `About ${thread}`,
          threadId: `carol-${thread}`,
        });
    await seed(alice, 'a-15', 15, { from: 'x@example.org', subject: 'Not Carol', threadId: 'carol-x' });
    const removed = await api(carol, 'DELETE', `/api/v1/entities/${seeded.z17}`);
    expect(removed.statusCode, removed.body).toBe(204);

    const whole = (await api(carol, 'GET', '/api/v1/messages/threads')).json().threads as Record<string, any>[];
    // z's newest is deleted, so z stands at its minute 12, after y's 14.
    expect(whole.map((t) => [t.id, t.lastMessage.id, t.email.messages])).toEqual([
      [emailThreadId('carol-x'), seeded.x16, 3],
      [emailThreadId('carol-y'), seeded.y14, 2],
      [emailThreadId('carol-z'), seeded.z12, 1],
    ]);
    // One at a time: each once, in the same order; the older messages of x never bring it back.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(carol, 'GET', `/api/v1/messages/threads?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      paged.push(...page.json().threads.map((t: { id: string }) => t.id));
      cursor = page.json().nextCursor;
    } while (cursor && paged.length < 10);
    expect(paged).toEqual(whole.map((t) => t.id));
    // A thread page reads only that thread, newest first as the list shows it.
    const x = (await api(carol, 'GET', threadUrl(emailThreadId('carol-x')))).json().messages as { id: string }[];
    expect(x.map((m) => m.id)).toEqual([seeded.x10, seeded.x13, seeded.x16]);
  });
});
