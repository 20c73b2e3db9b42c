import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { msgraphStandIn, registerApp, returnTo, signIn } from './test/support.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { createOutboundClient } from '../../../platform/http/outbound/index.ts';
import type { WalletModule } from '../../wallet/index.ts';
import { createTokenStore } from './msgraph.tokens.ts';

/**
 * Signing in to Microsoft 365 end to end on a real hub: authorization code + PKCE against
 * the STAND-IN identity platform and Graph (test/stand-in, selected by MSGRAPH_LOGIN_URL and
 * MSGRAPH_API_URL), tokens sealed, refresh single-flight with rotation, needs_reauth.
 */
describe.each(testDatabaseKinds())('microsoft 365 sign-in on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let app: Awaited<ReturnType<typeof registerApp>>;
  let connectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** Microsoft expires every access token of alice's mailbox (bob's connection keeps syncing undisturbed). */
  const expireAliceTokens = () => {
    for (const grant of standIn.state.accessTokens.values())
      if (grant.accountId === app.account.id) grant.expiresAt = 0;
  };

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example' });
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('connects through the authorize redirect (PKCE S256) and shows the connection, with no token anywhere', async () => {
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account: app.account });
    expect(trip.error).toBeNull();
    expect(trip.location.origin + trip.location.pathname).toBe(returnTo);
    expect(trip.location.searchParams.get('msgraph')).toBe('connected');
    const url = new URL(trip.authorizeUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe(
      'offline_access User.Read Mail.ReadWrite Mail.Send Calendars.ReadWrite Contacts.ReadWrite',
    );
    expect(url.searchParams.get('redirect_uri')).toBe('https://hub.example.test/oauth/microsoft/callback');
    connectionId = trip.connectionId!;
    const view = await api(alice, 'GET', `/api/v1/connections/${connectionId}`);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      provider: 'microsoft',
      status: 'active',
      label: 'alice@contoso.example',
      accountId: app.account.id,
      setup: { mode: 'polling', summary: 'Checking every 2 minutes' },
    });
    // Tokens never leave the hub: not in the view, not in the events, not in the sealed table in clear.
    const issued = [...standIn.state.accessTokens.keys(), ...standIn.state.refreshTokens.keys()];
    const events = await api(alice, 'GET', '/api/v1/events?limit=200');
    for (const token of issued) {
      expect(view.body).not.toContain(token);
      expect(events.body).not.toContain(token);
    }
    const stored = await hub.db.asOwner((tx) =>
      tx.query<{ ciphertext: string }>('SELECT ciphertext FROM made_open.msgraph_tokens'),
    );
    expect(stored.rows).toHaveLength(1);
    for (const token of issued) expect(stored.rows[0]!.ciphertext).not.toContain(token);
  });

  it('takes a state once: a replayed callback is refused and changes nothing', async () => {
    const trip = await signIn(hub, standIn, bob, { ...(await registerApp(hub, standIn, bob)) });
    expect(trip.connectionId).not.toBeNull();
    const again = await hub.app.inject({ method: 'GET', url: trip.callbackUrl });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already used');
    const unknown = await hub.app.inject({ method: 'GET', url: '/oauth/microsoft/callback?state=nope&code=x' });
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses a code exchanged with another sign-in’s verifier (PKCE), and reports it back to the web app', async () => {
    const first = await api(alice, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: app.credentialId,
      returnTo,
    });
    const second = await api(alice, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: app.credentialId,
      returnTo,
    });
    standIn.state.signInAs = app.account.id;
    const a = new URL((await fetch(first.json().authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    const b = new URL((await fetch(second.json().authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    // A's code with B's state: B's verifier does not match A's challenge.
    const mixed = await hub.app.inject({
      method: 'GET',
      url: `/oauth/microsoft/callback?code=${encodeURIComponent(a.searchParams.get('code')!)}&state=${encodeURIComponent(b.searchParams.get('state')!)}`,
    });
    expect(mixed.statusCode).toBe(303);
    const location = new URL(mixed.headers.location as string);
    expect(location.searchParams.get('msgraph')).toBe('error');
    expect(location.searchParams.get('reason')).toContain('Code_Verifier does not match');
    expect(location.searchParams.get('reason')).toContain('Try connecting again');
  });

  it('refuses bad input with clear 4xx: a foreign returnTo, an unknown credential, bad options', async () => {
    const foreign = await api(alice, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: app.credentialId,
      returnTo: 'https://evil.example/steal',
    });
    expect(foreign.statusCode).toBe(400);
    const missing = await api(alice, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: '00000000-0000-4000-8000-000000000000',
      returnTo,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('credential_not_found');
    const options = await api(alice, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: app.credentialId,
      options: { pollMinutes: 0 },
      returnTo,
    });
    expect(options.statusCode).toBe(400);
    // Connecting without signing in says how to connect.
    const direct = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'microsoft',
      credentialId: app.credentialId,
    });
    expect(direct.statusCode).toBe(422);
    expect(direct.json().error.message).toContain('signing in');
  });

  it("hides other users' connections (404) and refuses to re-sign someone else's", async () => {
    expect((await api(bob, 'GET', `/api/v1/connections/${connectionId}`)).statusCode).toBe(404);
    const resign = await api(bob, 'POST', '/api/v1/connections/microsoft/authorize', {
      credentialId: app.credentialId,
      connectionId,
      returnTo,
    });
    expect(resign.statusCode).toBe(404);
  });

  it('refreshes once for many concurrent 401s and stores the rotated refresh token', async () => {
    const before = standIn.state.counters.refresh;
    // Microsoft expired every access token: each request gets 401, the hub refreshes once.
    expireAliceTokens();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api(alice, 'POST', `/api/v1/connections/${connectionId}/test`)),
    );
    for (const answer of answers) expect(answer.json(), answer.body).toMatchObject({ ok: true });
    expect(standIn.state.counters.refresh - before).toBe(1);
    // The old refresh token is gone at Microsoft; the stored one is the rotated one, so this works again.
    expireAliceTokens();
    const again = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
    expect(again.json()).toMatchObject({ ok: true });
    expect(standIn.state.counters.refresh - before).toBe(2);
  });

  it('two processes refreshing at once refresh once: the token row is the lock', async () => {
    const wallet = (hub.modules.find((m) => m.name === 'wallet') as WalletModule).service;
    const outbound = createOutboundClient({ allowPrivate: () => true });
    // Two token stores with their own memory: two hub processes on one database.
    const stores = [1, 2].map(() =>
      createTokenStore({ db: hub.db, wallet, outbound, loginBase: () => standIn.loginUrl }),
    );
    const owner = {
      connectionId,
      ownerId: alice.id,
      app: { tenantId: 'common', clientId: app.clientId, clientSecret: app.clientSecret },
    };
    const current = await stores[0]!.accessToken(owner);
    stores[0]!.clearCache();
    const before = standIn.state.counters.refresh;
    // Both were refused the same token by Graph and refresh at the same moment.
    const [a, b] = await Promise.all(stores.map((store) => store.accessToken(owner, current)));
    expect(standIn.state.counters.refresh - before).toBe(1);
    expect(a).toBe(b);
    expect(a).not.toBe(current);
  });

  it('a revoked grant puts the connection in needs_reauth, pauses sync, and signing in again resumes it', async () => {
    standIn.state.behaviour.revoked = true;
    expireAliceTokens();
    const tested = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
    expect(tested.json()).toMatchObject({ ok: false, connection: { status: 'needs_reauth' } });
    expect(tested.json().message).toContain('Sign in again');
    // The owner is told (a notification the web shows), once.
    const notices = await hub.db.asOwner((tx) =>
      tx.query<{ data: { label: string } }>(
        `SELECT data FROM made_open.outbox WHERE type = 'connector.SignInRequired' AND subject = $1`,
        [connectionId],
      ),
    );
    expect(notices.rows).toHaveLength(1);
    expect(notices.rows[0]!.data.label).toBe('alice@contoso.example');
    const sync = await api(alice, 'POST', `/api/v1/connections/${connectionId}/sync`);
    expect(sync.statusCode).toBe(409);
    expect(sync.json().error.code).toBe('needs_reauth');
    standIn.state.behaviour.revoked = false;
    const trip = await signIn(hub, standIn, alice, {
      credentialId: app.credentialId,
      account: app.account,
      connectionId,
    });
    expect(trip.error).toBeNull();
    expect(trip.connectionId).toBe(connectionId);
    const view = await eventually(async () => {
      const v = (await api(alice, 'GET', `/api/v1/connections/${connectionId}`)).json();
      return v.status === 'active' ? v : undefined;
    }, 'active again');
    expect(view.statusReason).toBeNull();
  });
});
