import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { postTwilioWebhook } from '../connectors/twilio/test/webhook.ts';

/**
 * A text written while a merge of its person is in flight lands in the survivor's thread
 * (issue 12's race). Real PostgreSQL, two connections: the merge runs through the API and is
 * held open by a row lock this test takes on a read mark the merge deletes (after it has moved
 * the texts, before it commits); meanwhile a text comes in, and one goes out. Before the fix
 * both committed at once under the merged person's old thread id, which then named a tombstone.
 * Only PostgreSQL: PGlite runs one transaction at a time, so there a text is wholly before or
 * wholly after a merge. Twilio's REST API is a STAND-IN; webhooks are signed by `twilio`.
 */
const publicUrl = 'https://hub.example.test';
const own = '+14155550100';
const annPhone = '+14155550130';
const unknownPhone = '+14155550131';

describe.runIf(testDatabaseKinds().includes('postgres'))('an SMS racing a person merge on postgres', () => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let connectionId: string;
  let blocker: pg.Client;
  let watcher: pg.Client;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: [own] };

  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(alice),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function inbound(from: string, body: string) {
    const form: Record<string, string> = {
      MessageSid: `SM${hex32()}`,
      AccountSid: account.accountSid,
      From: from,
      To: own,
      Body: body,
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
    };
    const url = `/webhooks/twilio/${connectionId}/sms`;
    const response = await postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form);
    expect(response.statusCode, response.body).toBe(200);
  }

  const bodies = async (threadId: string) => {
    const response = await api('GET', `/api/v1/messages/threads/${encodeURIComponent(threadId)}?limit=200`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json().messages as { body: string }[]).map((m) => m.body).sort();
  };

  /** Backends of this database waiting for a lock (the merge on this test's, and who waits on the merge). */
  const waiting = async () =>
    Number(
      (
        await watcher.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      ).rows[0]!.n,
    );
  /** Resolves when `count` backends wait for a lock; stops looking once `stop()` says so. */
  async function untilWaiting(count: number, stop: () => boolean = () => false): Promise<boolean> {
    while (!stop()) {
      if ((await waiting()) >= count) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub('postgres', { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    const credential = await api('POST', '/api/v1/credentials', { type: 'twilio', name: 'Twilio', secret: account });
    expect(credential.statusCode, credential.body).toBe(201);
    expect((await api('POST', `/api/v1/credentials/${credential.json().id}/test`)).json().ok).toBe(true);
    const connected = await api('POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId: credential.json().id,
      options: { phoneNumber: own },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    connectionId = connected.json().id;
    blocker = new pg.Client({ connectionString: hub.database.url });
    watcher = new pg.Client({ connectionString: hub.database.url });
    await blocker.connect();
    await watcher.connect();
  }, 180_000);

  afterAll(async () => {
    await blocker?.end().catch(() => undefined);
    await watcher?.end().catch(() => undefined);
    await hub?.close();
    await standIn?.close();
  });

  it('puts a text in and a text out, written while the merge commits, in the survivor’s thread', async () => {
    const created = await api('POST', '/api/v1/persons', { name: 'Ann Example', phones: [annPhone] });
    expect(created.statusCode, created.body).toBe(201);
    const ann = created.json().id as string;
    await inbound(unknownPhone, 'before');
    const threads = (await api('GET', '/api/v1/messages/threads?channel=sms')).json().threads as {
      id: string;
      person: { id: string; name: string };
    }[];
    const made = threads.find((t) => t.person.name === unknownPhone)!.person.id;
    const madeThread = `sms:${own}:${made}`;
    const annThread = `sms:${own}:${ann}`;
    // The made thread's read mark: the merge deletes it after moving the texts, so a lock on it holds the merge open.
    expect((await api('POST', `/api/v1/messages/threads/${encodeURIComponent(madeThread)}/read`)).statusCode).toBe(204);

    await blocker.query('BEGIN');
    await blocker.query(
      `SELECT 1 FROM made_open.message_thread_reads WHERE owner_id = $1 AND thread_id = $2 FOR UPDATE`,
      [alice.id, madeThread],
    );
    const merging = api('POST', `/api/v1/persons/${ann}/merge`, { otherId: made });
    expect(await untilWaiting(1)).toBe(true);

    // The merge has moved the made person's texts and not committed: a text comes in, one goes out.
    let settled = false;
    const texting = Promise.all([
      inbound(unknownPhone, 'during'),
      api('POST', '/api/v1/messages', { to: unknownPhone, body: 'reply during' }),
    ]).finally(() => {
      settled = true;
    });
    // Fixed: both wait for the merge (3 backends waiting). Before: both committed under the made person.
    const bothWaited = await untilWaiting(3, () => settled);
    await blocker.query('COMMIT');

    const merged = await merging;
    expect(merged.statusCode, merged.body).toBe(200);
    const [, sent] = await texting;
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().message).toMatchObject({ personId: ann, threadId: annThread });

    expect(await bodies(annThread)).toEqual(['before', 'during', 'reply during']);
    const leftBehind = await hub.db.asUser({ role: 'authenticated', sub: alice.id }, (tx) =>
      tx.query(`SELECT 1 FROM public.entities WHERE type = 'message' AND properties ->> 'threadId' = $1`, [madeThread]),
    );
    expect(leftBehind.rows).toEqual([]);
    // Linked to Ann, not to the tombstone.
    const links = await hub.db.asUser({ role: 'authenticated', sub: alice.id }, (tx) =>
      tx.query<{ to_id: string }>(
        `SELECT l.to_id FROM public.entity_links l JOIN public.entities m ON m.id = l.from_id
          WHERE m.type = 'message' AND m.body IN ('during', 'reply during')`,
      ),
    );
    expect(links.rows.map((row) => row.to_id)).toEqual([ann, ann]);
    expect(bothWaited).toBe(true);
  }, 120_000);
});
