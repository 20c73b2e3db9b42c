import { createHash, randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import type { HubSession } from './api';
import { VISIBLE } from './helpers';

// Test support for the Microsoft 365 write-back specs, against the Graph STAND-IN started by
// run.mjs (apps/hub/src/modules/connectors/msgraph/test/stand-in; graph.microsoft.com is not
// reachable here).
export const msgraph = JSON.parse(process.env.E2E_MSGRAPH ?? '{}') as {
  loginUrl: string;
  graphUrl: string;
  clientId: string;
  account: string;
};
const hubUrl = process.env.E2E_HUB_URL!;

/**
 * Connects the signed-in page's account through the real sign-in redirect (the stand-in signs
 * its mailbox in at once) and waits for the first sync; the connection's id.
 */
export async function connectMicrosoft(page: Page, hub: HubSession): Promise<string> {
  const credential = await hub.call<{ id: string }>('POST', '/credentials', {
    type: 'microsoft',
    name: 'Contoso app',
    secret: { tenantId: 'common', clientId: msgraph.clientId, clientSecret: '' },
  });
  await hub.call('POST', `/credentials/${credential.id}/test`);
  await page.goto('/settings/connections');
  await expect(page.getByLabel('App registration').filter(VISIBLE)).toHaveValue(credential.id);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await page.waitForURL(/\/settings\/connections\?msgraph=connected/);
  const connectionId = new URL(page.url()).searchParams.get('connection')!;
  await expect
    .poll(
      async () =>
        (await hub.call<{ sync: { lastSuccessAt: string | null } }>('GET', `/connections/${connectionId}`)).sync
          .lastSuccessAt,
      { timeout: 60_000 },
    )
    .not.toBeNull();
  return connectionId;
}

/** "Outlook itself": another client of the same mailbox, signed in with code + PKCE at the stand-in. */
export async function outlookSignIn() {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${hubUrl}/oauth/microsoft/callback`;
  const authorize = new URL(`${msgraph.loginUrl}/common/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries({
    client_id: msgraph.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'offline_access Calendars.ReadWrite',
    state: 'outlook',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(name, value);
  const signedIn = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(signedIn.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch(`${msgraph.loginUrl}/common/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: msgraph.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  return ((await token.json()) as { access_token: string }).access_token;
}

/** Sync now, and wait until that run finished. */
export async function syncNow(hub: HubSession, connectionId: string) {
  const after = Date.now();
  await hub.call('POST', `/connections/${connectionId}/sync`);
  await expect
    .poll(
      async () => {
        const view = await hub.call<{ sync: { state: string; lastSuccessAt: string | null } }>(
          'GET',
          `/connections/${connectionId}`,
        );
        return view.sync.state === 'idle' && Date.parse(view.sync.lastSuccessAt ?? '') >= after - 5;
      },
      { timeout: 60_000 },
    )
    .toBe(true);
}
