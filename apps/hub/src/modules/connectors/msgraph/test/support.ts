import { randomUUID } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { expect } from 'vitest';
import type { Hub } from '../../../../composition.ts';
import { eventually } from '../../test/support.ts';
import { bearer, type SignedUpUser } from '../../../../../test/users.ts';
import { startMsgraphStandIn, type MsgraphStandIn } from './stand-in/server.ts';
import { addAccount, type StandInAccount } from './stand-in/state.ts';

export const publicUrl = 'https://hub.example.test';
export const webOrigin = 'http://web.example.test';
export const returnTo = `${webOrigin}/settings/connections`;

/** The STAND-IN Graph + login server and the env that points a hub at it. */
export async function msgraphStandIn(): Promise<{ standIn: MsgraphStandIn; env: Record<string, string> }> {
  const standIn = await startMsgraphStandIn();
  return {
    standIn,
    env: {
      MSGRAPH_LOGIN_URL: standIn.loginUrl,
      MSGRAPH_API_URL: standIn.graphUrl,
      PUBLIC_URL: publicUrl,
      CORS_ORIGINS: webOrigin,
    },
  };
}

/** An app registration the stand-in knows, its wallet credential (tested), and a mailbox. */
export async function registerApp(
  hub: Pick<Hub, 'app'>,
  standIn: MsgraphStandIn,
  user: SignedUpUser,
  options: { secret?: boolean; mail?: string } = {},
) {
  const clientId = randomUUID();
  const clientSecret = options.secret === false ? undefined : `secret-${randomUUID()}`;
  standIn.state.apps.set(clientId, { clientId, clientSecret, redirectUris: [`${publicUrl}/oauth/microsoft/callback`] });
  const mail = options.mail ?? `user-${randomUUID().slice(0, 8)}@contoso.example`;
  const account = addAccount(standIn.state, { id: randomUUID(), mail, displayName: 'Test User' });
  const created = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    headers: bearer(user),
    payload: {
      type: 'microsoft',
      name: 'Work 365',
      secret: { tenantId: 'common', clientId, clientSecret: clientSecret ?? '' },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const credentialId = created.json().id as string;
  const tested = await hub.app.inject({
    method: 'POST',
    url: `/api/v1/credentials/${credentialId}/test`,
    headers: bearer(user),
  });
  expect(tested.json().ok, tested.body).toBe(true);
  return { clientId, clientSecret, credentialId, account };
}

/**
 * The browser's trip: POST authorize, follow Microsoft's (stand-in's) redirect back to the
 * hub's callback, and return where the hub sends the browser next.
 */
export async function signIn(
  hub: Pick<Hub, 'app'>,
  standIn: MsgraphStandIn,
  user: SignedUpUser,
  input: { credentialId: string; account: StandInAccount; options?: Record<string, unknown>; connectionId?: string },
) {
  const started = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/connections/microsoft/authorize',
    headers: bearer(user),
    payload: {
      credentialId: input.credentialId,
      options: input.options ?? {},
      connectionId: input.connectionId,
      returnTo,
    },
  });
  expect(started.statusCode, started.body).toBe(200);
  const { authorizeUrl } = started.json() as { authorizeUrl: string };
  standIn.state.signInAs = input.account.id;
  const atMicrosoft = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(atMicrosoft.status).toBe(302);
  const callback = new URL(atMicrosoft.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(`${publicUrl}/oauth/microsoft/callback`);
  const back = await hub.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
  expect(back.statusCode, back.body).toBe(303);
  const location = new URL(back.headers.location as string);
  return {
    authorizeUrl,
    callbackUrl: `${callback.pathname}${callback.search}`,
    location,
    connectionId: location.searchParams.get('connection'),
    error: location.searchParams.get('reason'),
  };
}

/** Requests a sync of the connection and waits until a run newer than `after` has finished. */
export async function syncAndWait(hub: Pick<Hub, 'app'>, user: SignedUpUser, connectionId: string, after = Date.now()) {
  const requested = await hub.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${connectionId}/sync`,
    headers: bearer(user),
  });
  expect([202, 409]).toContain(requested.statusCode);
  return eventually(
    async () => {
      const view = (
        await hub.app.inject({ method: 'GET', url: `/api/v1/connections/${connectionId}`, headers: bearer(user) })
      ).json();
      const done =
        view.sync.state === 'idle' && view.sync.lastSuccessAt && Date.parse(view.sync.lastSuccessAt) >= after - 5;
      if (view.sync.lastError && view.sync.state === 'idle' && !done) throw new Error(view.sync.lastError);
      return done ? view : undefined;
    },
    'a finished sync',
    90_000,
  );
}

/**
 * The person's last user edit event put in the outbox again and published (delivery is at least
 * once: as after a crash before its consumer's acknowledgement).
 */
export async function deliverEditAgain(hub: Pick<Hub, 'db'>, personId: string) {
  const again = uuidv7();
  await hub.db.asOwner((tx) =>
    tx.query(
      `INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
       SELECT $2, owner_id, type, subject, actor, data, v FROM made_open.outbox
        WHERE subject = $1 AND type = 'data.EntityUpdated' AND actor ->> 'kind' = 'user'
        ORDER BY seq DESC LIMIT 1`,
      [personId, again],
    ),
  );
  await eventually(async () => {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.outbox WHERE id = $1 AND published_at IS NOT NULL', [again]),
    );
    return rows.length > 0 ? true : undefined;
  }, 'the event published again');
}
