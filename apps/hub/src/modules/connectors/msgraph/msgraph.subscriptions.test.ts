import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { notificationsPossible } from './msgraph.subscriptions.ts';
import { msgraphStandIn, publicUrl, registerApp, signIn } from './test/support.ts';
import { messagePayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { put, type StandInAccount } from './test/stand-in/state.ts';
import {
  maxOutlookMinutes,
  notifyChange,
  notifyLifecycle,
  subscriptionsOf,
  type StandInSubscription,
} from './test/stand-in/subscriptions.ts';

/**
 * Change notifications end to end on a real hub against the STAND-IN Graph (test/stand-in,
 * which validates notification URLs with the validationToken handshake as Graph does and
 * delivers its notifications into this hub): subscriptions per synced resource, the
 * handshake, a notification → a delta run, refused clientState, lifecycle events, renewal by
 * the pg-boss job, fallback to polling, delete on disconnect, hostile bodies.
 */
describe.each(testDatabaseKinds())('microsoft 365 change notifications on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  let credentialId: string;
  /** The hub cannot be reached (a firewall, a wrong PUBLIC_URL). */
  let unreachable = false;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const notify = (path: string, payload: string, contentType = 'application/json') =>
    hub.app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload });
  const subsOf = (mailbox: StandInAccount): StandInSubscription[] =>
    [...subscriptionsOf(standIn.state).subscriptions.values()].filter((s) => s.accountId === mailbox.id);
  const subFor = (mailbox: StandInAccount, resource: string) => subsOf(mailbox).find((s) => s.resource === resource)!;

  async function rows(id = connectionId) {
    const { rows: found } = await hub.db.asOwner((tx) =>
      tx.query<{
        resource: string;
        subscription_id: string;
        client_state_hash: string;
        expires_at: Date;
        last_notification_at: Date | null;
      }>('SELECT * FROM made_open.msgraph_subscriptions WHERE connection_id = $1 ORDER BY resource', [id]),
    );
    return found;
  }

  async function entity(externalId: string) {
    const { rows: found } = await hub.db.asOwner((tx) =>
      tx.query<{ id: string }>(
        `SELECT id FROM public.entities WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2 AND deleted_at IS NULL`,
        [alice.id, externalId],
      ),
    );
    return found[0];
  }

  async function syncRequestedAt() {
    const { rows: found } = await hub.db.asOwner((tx) =>
      tx.query<{ at: Date | null }>('SELECT sync_requested_at AS at FROM made_open.connections WHERE id = $1', [
        connectionId,
      ]),
    );
    return found[0]!.at?.toISOString() ?? null;
  }

  async function idle(id = connectionId) {
    await eventually(
      async () => {
        const view = (await api(alice, 'GET', `/api/v1/connections/${id}`)).json();
        return view.sync.state === 'idle' && view.sync.lastSuccessAt ? view : undefined;
      },
      'an idle connection',
      90_000,
    );
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env, {
      // Polling (and its subscribing of new connections) stays out of the way: the tests drive both.
      msgraphPollTickMs: 3_600_000,
      msgraphNotificationDebounceMs: 100,
      sync: { retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 1 } } },
    });
    // Graph (the stand-in) calls the hub's public URL: here, straight into this hub.
    subscriptionsOf(standIn.state).deliver = async (url, body, contentType) => {
      if (unreachable || !url.startsWith(`${publicUrl}/`)) throw new Error('connect ECONNREFUSED');
      const target = new URL(url);
      const answer = await hub.app.inject({
        method: 'POST',
        url: `${target.pathname}${target.search}`,
        headers: { 'content-type': contentType },
        payload: body,
      });
      return { status: answer.statusCode, text: answer.body };
    };
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example' });
    account = app.account;
    credentialId = app.credentialId;
    for (let n = 0; n < 3; n += 1) put(account, 'mail:inbox', messagePayload(account, n, 'inbox'));
    const trip = await signIn(hub, standIn, alice, { credentialId, account });
    connectionId = trip.connectionId!;
    await idle();
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('answers the validationToken handshake at once, as text, for any connection id (no database work)', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1 <b>&</b>';
    for (const path of ['notifications', 'lifecycle']) {
      const answer = await notify(
        `/webhooks/microsoft/${randomUUID()}/${path}?validationToken=${encodeURIComponent(token)}`,
        '',
        'text/plain',
      );
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.body).toBe(token);
    }
    const empty = await notify(`/webhooks/microsoft/${randomUUID()}/notifications?validationToken=`, '', 'text/plain');
    expect(empty.statusCode).toBe(400);
  });

  it('subscribes to every synced resource with its own clientState, kept only hashed; the view says live', async () => {
    const validationsBefore = subscriptionsOf(standIn.state).counters.validations;
    await hub.msgraph.subscriptions.maintain(connectionId);
    const made = subsOf(account);
    expect(made.map((s) => s.resource).sort()).toEqual([
      '/me/contacts',
      '/me/events',
      "/me/mailFolders('archive')/messages",
      "/me/mailFolders('inbox')/messages",
      "/me/mailFolders('sentitems')/messages",
    ]);
    // Both URLs of each subscription passed Graph's handshake.
    expect(subscriptionsOf(standIn.state).counters.validations - validationsBefore).toBe(10);
    for (const s of made) {
      expect(s.notificationUrl).toBe(`${publicUrl}/webhooks/microsoft/${connectionId}/notifications`);
      expect(s.lifecycleNotificationUrl).toBe(`${publicUrl}/webhooks/microsoft/${connectionId}/lifecycle`);
      expect(s.changeType).toBe('created,updated,deleted');
      expect((Date.parse(s.expirationDateTime) - Date.now()) / 60_000).toBeLessThanOrEqual(maxOutlookMinutes);
      expect(s.clientState!.length).toBeGreaterThanOrEqual(32);
    }
    expect(new Set(made.map((s) => s.clientState)).size).toBe(5);
    const stored = await rows();
    expect(stored).toHaveLength(5);
    for (const row of stored) {
      const s = made.find((m) => m.id === row.subscription_id)!;
      expect(row.client_state_hash).toBe(createHash('sha256').update(s.clientState!).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(s.clientState);
    }
    const view = (await api(alice, 'GET', `/api/v1/connections/${connectionId}`)).json();
    expect(view.setup).toMatchObject({
      mode: 'notifications',
      summary: 'Live updates (change notifications)',
      lastNotificationAt: null,
      presence: { offered: false },
    });
    expect(Date.parse(view.setup.subscriptionExpiresAt)).toBeGreaterThan(Date.now() + 60 * 60_000);
    for (const s of made) expect(view.body ?? JSON.stringify(view)).not.toContain(s.clientState);
    // Another user sees neither the connection nor its subscriptions.
    expect((await api(bob, 'GET', `/api/v1/connections/${connectionId}`)).statusCode).toBe(404);
    const { rows: seenByBob } = await hub.db.asUser(bob.claims, (tx) =>
      tx.query('SELECT * FROM made_open.msgraph_subscriptions'),
    );
    expect(seenByBob).toHaveLength(0);
  });

  it('a notification with the right clientState runs a delta sync; its resourceData is never taken as data', async () => {
    put(account, 'mail:inbox', messagePayload(account, 40, 'inbox'));
    const status = await notifyChange(standIn.state, subFor(account, "/me/mailFolders('inbox')/messages").id, {
      changeType: 'created',
      itemId: 'AAMkAD-forged-item',
    });
    expect(status).toBe(202);
    await eventually(
      async () => (await entity(`AAMkAD-msg-${account.id.slice(0, 8)}-inbox-40`)) ?? undefined,
      'the notified message',
      60_000,
    );
    expect(await entity('AAMkAD-forged-item')).toBeUndefined();
    const view = (await api(alice, 'GET', `/api/v1/connections/${connectionId}`)).json();
    expect(view.setup.lastNotificationAt).not.toBeNull();
    await idle();
  });

  it('a wrong or missing clientState, an unknown subscription, another connection: 202, nothing changes', async () => {
    await idle();
    const inbox = subFor(account, "/me/mailFolders('inbox')/messages");
    const before = await rows();
    const requestedBefore = await syncRequestedAt();
    expect(await notifyChange(standIn.state, inbox.id, { clientState: 'guessed' })).toBe(202);
    expect(await notifyChange(standIn.state, inbox.id, { clientState: undefined })).toBe(202);
    expect(await notifyChange(standIn.state, inbox.id, { clientState: `${inbox.clientState}x` })).toBe(202);
    const valid = JSON.stringify({
      value: [{ subscriptionId: inbox.id, clientState: inbox.clientState, changeType: 'updated' }],
    });
    // The right secret at another (unknown) connection's address, and an unknown subscription.
    expect((await notify(`/webhooks/microsoft/${randomUUID()}/notifications`, valid)).statusCode).toBe(202);
    const unknown = JSON.stringify({ value: [{ subscriptionId: randomUUID(), clientState: inbox.clientState }] });
    expect((await notify(`/webhooks/microsoft/${connectionId}/notifications`, unknown)).statusCode).toBe(202);
    // Nothing recorded, no sync asked for (the debounce is 100 ms; give it ten times that).
    expect(await rows()).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await syncRequestedAt()).toBe(requestedBefore);
  });

  it('hostile bodies: 400 / 404 / 413 and nothing stored', async () => {
    const before = await rows();
    const path = `/webhooks/microsoft/${connectionId}/notifications`;
    expect((await notify(path, '{not json')).statusCode).toBe(400);
    expect((await notify(path, '{}')).statusCode).toBe(400);
    expect((await notify(path, JSON.stringify({ value: 'x' }))).statusCode).toBe(400);
    expect((await notify(path, JSON.stringify({ value: [] }))).statusCode).toBe(400);
    expect((await notify(path, JSON.stringify({ value: Array.from({ length: 1001 }, () => ({})) }))).statusCode).toBe(
      400,
    );
    expect((await notify(path, JSON.stringify({ value: ['x'.repeat(1_100_000)] }))).statusCode).toBe(413);
    expect((await notify('/webhooks/microsoft/not-a-uuid/notifications', '{"value":[{}]}')).statusCode).toBe(404);
    expect((await notify(`/webhooks/microsoft/${connectionId}/other`, '{"value":[{}]}')).statusCode).toBe(404);
    // Well-formed but odd items are ignored one by one.
    const odd = JSON.stringify({
      value: [{ subscriptionId: '<script>alert(1)</script>' }, { subscriptionId: 42 }, null],
    });
    expect((await notify(path, odd)).statusCode).toBe(202);
    expect(await rows()).toEqual(before);
  });

  it('lifecycle: reauthorizationRequired renews, subscriptionRemoved recreates, missed runs a delta sync', async () => {
    await idle();
    const events = subFor(account, '/me/events');
    const renewedBefore = subscriptionsOf(standIn.state).counters.renewed;
    expect(await notifyLifecycle(standIn.state, events.id, 'reauthorizationRequired')).toBe(202);
    await eventually(
      async () => (subscriptionsOf(standIn.state).counters.renewed > renewedBefore ? true : undefined),
      'the renewal',
      30_000,
    );
    // A lifecycle notification with a wrong clientState does nothing.
    const renewed = subscriptionsOf(standIn.state).counters.renewed;
    expect(await notifyLifecycle(standIn.state, events.id, 'reauthorizationRequired', { clientState: 'nope' })).toBe(
      202,
    );

    const contacts = subFor(account, '/me/contacts');
    expect(await notifyLifecycle(standIn.state, contacts.id, 'subscriptionRemoved')).toBe(202);
    const recreated = await eventually(
      async () => {
        const again = subsOf(account).find((s) => s.resource === '/me/contacts');
        return again && again.id !== contacts.id ? again : undefined;
      },
      'the recreated subscription',
      30_000,
    );
    await eventually(
      async () => ((await rows()).some((r) => r.subscription_id === recreated.id) ? true : undefined),
      'the recreated row',
      30_000,
    );
    expect((await rows()).some((r) => r.subscription_id === contacts.id)).toBe(false);
    expect(subscriptionsOf(standIn.state).counters.renewed).toBe(renewed);
    await idle();

    put(account, 'mail:inbox', messagePayload(account, 41, 'inbox'));
    expect(
      await notifyLifecycle(standIn.state, subFor(account, "/me/mailFolders('inbox')/messages").id, 'missed'),
    ).toBe(202);
    await eventually(
      async () => (await entity(`AAMkAD-msg-${account.id.slice(0, 8)}-inbox-41`)) ?? undefined,
      'the missed change',
      60_000,
    );
    await idle();
  });

  it('the pg-boss maintenance job renews subscriptions that expire within a day', async () => {
    const calendar = subFor(account, '/me/events');
    await hub.db.asOwner((tx) =>
      tx.query(
        `UPDATE made_open.msgraph_subscriptions SET expires_at = now() + interval '1 hour' WHERE subscription_id = $1`,
        [calendar.id],
      ),
    );
    const renewedBefore = subscriptionsOf(standIn.state).counters.renewed;
    await hub.msgraph.requestMaintenance(connectionId, alice.id);
    const row = await eventually(
      async () => {
        const found = (await rows()).find((r) => r.subscription_id === calendar.id)!;
        return new Date(found.expires_at).getTime() > Date.now() + 2 * 24 * 60 * 60_000 ? found : undefined;
      },
      'the renewed expiry',
      60_000,
    );
    expect(row).toBeDefined();
    // Only the one due was renewed.
    expect(subscriptionsOf(standIn.state).counters.renewed - renewedBefore).toBe(1);
  });

  it('falls back to polling, and says why, when Graph cannot reach the hub; nothing half-made is left', async () => {
    const second = await registerApp(hub, standIn, alice, { mail: 'alice.two@contoso.example' });
    const trip = await signIn(hub, standIn, alice, { credentialId: second.credentialId, account: second.account });
    const otherId = trip.connectionId!;
    await idle(otherId);
    unreachable = true;
    try {
      await hub.msgraph.subscriptions.maintain(otherId);
    } finally {
      unreachable = false;
    }
    expect(subsOf(second.account)).toHaveLength(0);
    expect(await rows(otherId)).toHaveLength(0);
    const view = (await api(alice, 'GET', `/api/v1/connections/${otherId}`)).json();
    expect(view.setup).toMatchObject({ mode: 'polling', summary: 'Checking every 2 minutes' });
    expect(view.setup.reason).toMatch(/Subscription validation request failed.*polling/);
    // A failed attempt is not tried again at once (only hours later): still polling.
    await hub.msgraph.subscriptions.maintain(otherId);
    expect(subsOf(second.account)).toHaveLength(0);
    expect(notificationsPossible('http://hub.lan:8080')).toBe(false);
    expect(notificationsPossible('https://hub.example.org')).toBe(true);
    await api(alice, 'DELETE', `/api/v1/connections/${otherId}`);
  });

  it('a mail folder Graph does not know (404) is skipped; the other resources keep their subscriptions', async () => {
    const third = await registerApp(hub, standIn, alice, { mail: 'alice.three@contoso.example' });
    const trip = await signIn(hub, standIn, alice, {
      credentialId: third.credentialId,
      account: third.account,
      options: { folders: ['AAMkNoSuchFolder='] },
    });
    const thirdId = trip.connectionId!;
    await idle(thirdId);
    try {
      await hub.msgraph.subscriptions.maintain(thirdId, { force: true });
      expect(
        subsOf(third.account)
          .map((s) => s.resource)
          .sort(),
      ).toEqual([
        '/me/contacts',
        '/me/events',
        "/me/mailFolders('archive')/messages",
        "/me/mailFolders('inbox')/messages",
        "/me/mailFolders('sentitems')/messages",
      ]);
      expect(await rows(thirdId)).toHaveLength(5);
      const view = (await api(alice, 'GET', `/api/v1/connections/${thirdId}`)).json();
      expect(view.setup).toMatchObject({ mode: 'notifications' });
    } finally {
      await api(alice, 'DELETE', `/api/v1/connections/${thirdId}`);
    }
  });

  it('a change of folders (PATCH) subscribes to and syncs the new one at once; workAccount stays as signed in', async () => {
    await idle();
    const url = `/api/v1/connections/${connectionId}`;
    await hub.msgraph.subscriptions.maintain(connectionId);
    put(account, 'mail:drafts', messagePayload(account, 40, 'drafts'));
    const fixed = await api(alice, 'PATCH', url, { options: { workAccount: true } });
    expect(fixed.statusCode, fixed.body).toBe(400);
    expect(fixed.json().error).toMatchObject({ code: 'option_fixed', details: [{ path: '/options/workAccount' }] });
    const wrong = await api(alice, 'PATCH', url, { options: { folders: ['bad folder!'], pollMinutes: 5 } });
    expect(wrong.statusCode).toBe(400);
    expect((await api(alice, 'GET', url)).json().options).toMatchObject({ folders: [], pollMinutes: 2 });

    const changed = await api(alice, 'PATCH', url, { options: { folders: ['drafts'], calendarFutureDays: 90 } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().options).toMatchObject({ folders: ['drafts'], calendarFutureDays: 90, workAccount: false });
    // The maintenance job subscribes to Drafts now, not at the next renewal; the queued sync brings its mail.
    await eventually(
      async () => (subFor(account, "/me/mailFolders('drafts')/messages") ? true : undefined),
      'a Drafts subscription',
    );
    await idle();
    await eventually(async () => entity(messagePayload(account, 40, 'drafts').id), 'the draft synced');

    const dropped = await api(alice, 'PATCH', url, { options: { folders: [] } });
    expect(dropped.statusCode, dropped.body).toBe(200);
    await eventually(
      async () => (subFor(account, "/me/mailFolders('drafts')/messages") ? undefined : true),
      'the Drafts subscription removed',
    );
    // Graph's copy goes first; the hub's row with the job's commit.
    await eventually(async () => ((await rows()).length === 5 ? true : undefined), 'five subscriptions kept');
    expect((await api(bob, 'PATCH', url, { options: { folders: [] } })).statusCode).toBe(404);
    await idle();
  });

  it('disconnecting deletes the subscriptions at Graph; later notifications are ignored', async () => {
    await idle();
    const inbox = subFor(account, "/me/mailFolders('inbox')/messages");
    const deletedBefore = subscriptionsOf(standIn.state).counters.deleted;
    const gone = await api(alice, 'DELETE', `/api/v1/connections/${connectionId}`);
    expect(gone.statusCode, gone.body).toBe(200);
    expect(subscriptionsOf(standIn.state).counters.deleted - deletedBefore).toBe(5);
    expect(subsOf(account)).toHaveLength(0);
    expect(await rows()).toHaveLength(0);
    const late = JSON.stringify({ value: [{ subscriptionId: inbox.id, clientState: inbox.clientState }] });
    expect((await notify(`/webhooks/microsoft/${connectionId}/notifications`, late)).statusCode).toBe(202);
  });
});
