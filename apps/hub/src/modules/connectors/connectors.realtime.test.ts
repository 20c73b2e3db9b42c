import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { anonKeyOf, listen, signedInClient, subscribed, waitFor, type Row } from '../realtime/test/support.ts';
import { acmeAccount, addCredential, connectAcme, hubOptions, registerAcmeInbox } from './test/support.ts';

/**
 * What the web's progress bar listens to: a signed-in supabase-js client on the owner's
 * private channel hears connector.SyncProgress for every page, then SyncCompleted; another
 * user cannot join that channel. Acme Inbox's API is a STAND-IN (test/acme-inbox.stand-in.ts).
 */
registerAcmeInbox();

describe.each(testDatabaseKinds())('sync progress over realtime on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let acme: Awaited<ReturnType<typeof acmeAccount>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    acme = await acmeAccount();
    acme.standIn.add(7);
    hub = await createTestHub(kind, acme.env, hubOptions);
    url = await listen(hub.app);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await acme?.standIn.close();
  });

  it("pushes each page's progress to the owner's private channel, and to nobody else", async () => {
    const client = await signedInClient(url, anonKeyOf(hub), alice);
    const heard: { event: string; payload: Row }[] = [];
    await subscribed(
      client
        .channel(`user:${alice.id}`, { config: { private: true } })
        .on('broadcast', { event: '*' }, (message) => heard.push(message as never)),
    );
    const intruder = await signedInClient(url, anonKeyOf(hub), bob);
    const peek = intruder
      .channel(`user:${alice.id}`, { config: { private: true } })
      .on('broadcast', { event: '*' }, () => undefined);
    await expect(subscribed(peek)).rejects.toThrow(/Unauthorized/);

    const credentialId = await addCredential(hub, alice, acme.secret);
    const id = await connectAcme(hub, alice, credentialId, { mailbox: 'main', pageSize: 3 });
    await waitFor('connector.SyncCompleted', () => heard.some((m) => m.event === 'connector.SyncCompleted'), 60_000);
    const ours = heard.filter((m) => m.event.startsWith('connector.'));
    expect(ours.map((m) => m.event)).toEqual([
      'connector.Connected',
      'connector.SyncProgress',
      'connector.SyncProgress',
      'connector.SyncProgress',
      'connector.SyncCompleted',
    ]);
    expect(ours.filter((m) => m.event === 'connector.SyncProgress').map((m) => m.payload)).toMatchObject([
      { subject: id, connectionId: id, items: 3, percent: 42 },
      { subject: id, items: 6, percent: 85 },
      { subject: id, items: 7, percent: 100 },
    ]);
    await client.removeAllChannels();
    await intruder.removeAllChannels();
  });

  it('says when a connection is made and removed, naming its provider (the web re-reads which Twilio accounts ring)', async () => {
    const client = await signedInClient(url, anonKeyOf(hub), bob);
    const heard: { event: string; payload: Row }[] = [];
    await subscribed(
      client
        .channel(`user:${bob.id}`, { config: { private: true } })
        .on('broadcast', { event: '*' }, (message) => heard.push(message as never)),
    );
    const credentialId = await addCredential(hub, bob, acme.secret);
    const id = await connectAcme(hub, bob, credentialId, { mailbox: 'main', pageSize: 50 });
    await waitFor('connector.Connected', () => heard.some((m) => m.event === 'connector.Connected'), 30_000);
    const removed = await hub.app.inject({
      method: 'DELETE',
      url: `/api/v1/connections/${id}`,
      headers: bearer(bob),
    });
    expect(removed.statusCode, removed.body).toBe(200);
    await waitFor('connector.Disconnected', () => heard.some((m) => m.event === 'connector.Disconnected'), 30_000);
    const said = (type: string) => heard.find((m) => m.event === type)!.payload;
    expect(said('connector.Connected')).toMatchObject({ subject: id, connectionId: id, provider: 'acme-inbox' });
    expect(said('connector.Disconnected')).toMatchObject({ subject: id, connectionId: id, provider: 'acme-inbox' });
    await client.removeAllChannels();
  });
});
