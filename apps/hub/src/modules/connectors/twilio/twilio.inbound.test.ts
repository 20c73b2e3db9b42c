import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { hex32, startTwilioStandIn } from './test/twilio.stand-in.ts';
import { postTwilioWebhook } from './test/webhook.ts';

/**
 * Inbound SMS under load: concurrent webhooks for one number are committed together (group
 * commit, twilio.inbound.ts), and the cache of webhook secrets never lets a stale secret or a
 * disconnected number through. Twilio's REST API is a STAND-IN (test/twilio.stand-in.ts);
 * every webhook is signed by the real `twilio` package.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('inbound SMS bursts on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100'] };
  let credentialId: string;
  let connectionId: string;

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(alice),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  function webhook(form: Record<string, string>, token = account.authToken) {
    const url = `/webhooks/twilio/${connectionId}/sms`;
    return postTwilioWebhook(hub.app, { publicUrl, authToken: token }, url, form);
  }

  const inbound = (overrides: Record<string, string> = {}) => ({
    MessageSid: `SM${hex32()}`,
    AccountSid: account.accountSid,
    From: '+14155550123',
    To: '+14155550100',
    Body: 'Hello',
    NumMedia: '0',
    NumSegments: '1',
    ...overrides,
  });

  const stored = () =>
    hub.db.asUser(alice.claims, async (tx) => {
      const messages = await tx.query<{
        id: string;
        external_id: string;
        body: string;
        thread: string;
        sender: string;
      }>(
        `SELECT e.id, e.external_id, e.body, e.properties->>'threadId' AS thread, l.to_id::text AS sender
           FROM public.entities e JOIN public.entity_links l ON l.from_id = e.id AND l.kind = 'from'
          WHERE e.source = 'twilio' AND e.type = 'message'`,
      );
      const persons = await tx.query<{ value: string; entity_id: string }>(
        `SELECT value, entity_id::text FROM public.identifiers WHERE kind = 'phone'`,
      );
      const events = await tx.query<{ subject: string }>(
        `SELECT subject FROM made_open.outbox WHERE type = 'comms.SmsReceived'`,
      );
      return { messages: messages.rows, persons: persons.rows, events: events.rows.map((row) => row.subject) };
    });

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    const secret = { accountSid: account.accountSid, authToken: account.authToken };
    const created = await api('POST', '/api/v1/credentials', { type: 'twilio', name: 'Mine', secret });
    credentialId = created.json().id;
    expect((await api('POST', `/api/v1/credentials/${credentialId}/test`)).json().ok).toBe(true);
    const connection = await api('POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550100' },
    });
    expect(connection.statusCode, connection.body).toBe(201);
    connectionId = connection.json().id;
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('stores a burst of concurrent texts once each, one person per sender, and refuses only the bad one', async () => {
    const senders = Array.from({ length: 8 }, (_, n) => `+1415555${String(3000 + n)}`);
    const forms = Array.from({ length: 40 }, (_, n) => inbound({ From: senders[n % 8]!, Body: `burst ${n}` }));
    // Twilio retrying while the first attempt is still being stored: same MessageSid, same answer.
    const replays = forms.slice(0, 5).map((form) => ({ ...form }));
    const foreign = inbound({ AccountSid: `AC${hex32()}`, Body: 'not ours' });
    // Count the owner transactions the burst takes: group commit shares them between texts.
    const asUser = hub.db.asUser.bind(hub.db);
    let transactions = 0;
    hub.db.asUser = (claims, work) => {
      if (claims.sub === alice.id) transactions++;
      return asUser(claims, work);
    };
    const answers = await Promise.all([...forms, ...replays, foreign].map((form) => webhook(form))).finally(() => {
      hub.db.asUser = asUser;
    });
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(15);
    expect(answers.slice(0, 45).map((answer) => answer.statusCode)).toEqual(Array(45).fill(200));
    expect(answers.slice(0, 45).every((answer) => answer.body.includes('<Response/>'))).toBe(true);
    expect(answers[45]!.statusCode, answers[45]!.body).toBe(400);

    const { messages, persons, events } = await stored();
    expect(messages.map((m) => m.body).sort()).toEqual(forms.map((f) => f.Body).sort());
    expect(new Set(messages.map((m) => m.external_id)).size).toBe(40);
    // One person per number, each message linked to its sender and in the sender's thread.
    const personOf = new Map(persons.map((p) => [p.value, p.entity_id]));
    expect(persons.filter((p) => senders.includes(p.value))).toHaveLength(8);
    for (const form of forms) {
      const message = messages.find((m) => m.external_id === form.MessageSid)!;
      expect(message.sender).toBe(personOf.get(form.From));
      expect(message.thread).toBe(`sms:+14155550100:${personOf.get(form.From)}`);
    }
    expect(events.sort()).toEqual(messages.map((m) => m.id).sort());
  });

  it('answers a malformed text in a burst with its own 400 and stores the rest', async () => {
    const good = [inbound({ Body: 'one' }), inbound({ Body: 'two' })];
    const answers = await Promise.all([
      webhook(good[0]!),
      webhook(inbound({ MessageSid: 'not-a-sid' })),
      webhook(good[1]!),
      webhook(inbound({ NumMedia: '1' })), // says it has media, gives no MediaUrl0
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 400, 200, 400]);
    const { messages } = await stored();
    expect(messages.filter((m) => good.some((g) => g.MessageSid === m.external_id))).toHaveLength(2);
  });

  it('takes a rotated auth token at once, and refuses the old one once the cache has moved on', async () => {
    expect((await webhook(inbound({ Body: 'warm the cache' }))).statusCode).toBe(200);
    const rotated = { accountSid: account.accountSid, authToken: hex32() };
    const replaced = await api('PUT', `/api/v1/credentials/${credentialId}`, {
      type: 'twilio',
      name: 'Mine',
      secret: rotated,
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    // Signed with the new token while the old secret is cached: checked again with the stored one.
    const fresh = inbound({ Body: 'new token' });
    expect((await webhook(fresh, rotated.authToken)).statusCode).toBe(200);
    // The fresh lookup replaced the cached secret: the old token no longer verifies.
    expect((await webhook(inbound({ Body: 'old token' }))).statusCode).toBe(403);
    const { messages } = await stored();
    expect(messages.some((m) => m.body === 'new token')).toBe(true);
    expect(messages.some((m) => m.body === 'old token')).toBe(false);
    account.authToken = rotated.authToken;
  });

  it('refuses webhooks the moment the number is disconnected, even with its secret cached', async () => {
    expect((await webhook(inbound({ Body: 'before' }))).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/connections/${connectionId}`)).statusCode).toBe(200);
    const after = await Promise.all([webhook(inbound({ Body: 'after 1' })), webhook(inbound({ Body: 'after 2' }))]);
    expect(after.map((answer) => answer.statusCode)).toEqual([404, 404]);
    const { messages } = await stored();
    expect(messages.some((m) => m.body.startsWith('after'))).toBe(false);
  });
});
