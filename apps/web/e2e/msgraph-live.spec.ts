import { expect, test, type Page } from '@playwright/test';
import { inspect, signUp, uniqueEmail, VISIBLE } from './helpers';
import { hubSession, type HubSession } from './api';

// Microsoft 365 after connecting, against the Microsoft login + Graph STAND-IN (apps/hub/src/
// modules/connectors/msgraph/test/stand-in, started by run.mjs): a revoked sign-in and
// "Sign in again" through the real redirect; the connection says its mode (this hub's
// PUBLIC_URL is plain http, so it checks by polling and says why); a colleague's Teams
// presence on their contact page (the stand-in's grace@contoso.example is in a meeting).
const msgraph = JSON.parse(process.env.E2E_MSGRAPH ?? '{}') as {
  clientId: string;
  account: string;
  loginUrl: string;
};
const user = uniqueEmail('msgraph-live');
let page: Page;
let session: HubSession;

/** The stand-in's test control (not Graph): refresh tokens refused, as after a revoked consent. */
async function revoke(revoked: boolean) {
  const response = await fetch(`${msgraph.loginUrl}/_stand-in/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ revoked: String(revoked) }),
  });
  expect(response.status).toBe(200);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, user);
  session = await hubSession(user);
});
test.afterAll(async () => {
  await revoke(false);
  await page.context().close();
});

test('a work account connects and says its mode: checking every 2 minutes, and why not live', async () => {
  const created = await session.request('POST', '/credentials', {
    type: 'microsoft',
    name: 'Contoso work',
    secret: { tenantId: 'common', clientId: msgraph.clientId, clientSecret: '' },
  });
  expect(created.status).toBe(201);
  expect((await session.request('POST', `/credentials/${String(created.json.id)}/test`)).json.ok).toBe(true);
  await page.goto('/settings/connections');
  await page.getByLabel('Work or school account (also Teams presence)').filter(VISIBLE).check();
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await page.waitForURL(/\/settings\/connections\?msgraph=connected/);
  const card = page.getByRole('group', { name: msgraph.account });
  await expect(card.getByText('Checking every 2 minutes')).toBeVisible();
  await expect(card.getByText('Teams presence of you and your colleagues, checked every minute')).toBeVisible();
  await expect(card.getByRole('progressbar')).toBeHidden({ timeout: 60_000 });
  // The subscription job finds PUBLIC_URL is not https (within a polling tick) and says so.
  await expect(async () => {
    await page.reload();
    await expect(
      page
        .getByRole('group', { name: msgraph.account })
        .getByText('PUBLIC_URL is not an https address, so Microsoft cannot send change notifications to this hub.'),
    ).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  // A settled page for axe (not one still hydrating after a reload).
  await page.goto('/settings/connections');
  await expect(page.getByRole('group', { name: msgraph.account }).getByText('Checking every 2 minutes')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await inspect(page, 'msgraph-live-mode');
});

test("a colleague's Teams presence shows on their contact page, in words", async () => {
  await page.goto('/contacts');
  await page
    .getByRole('link', { name: /Grace Hopper/ })
    .first()
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Grace Hopper' })).toBeVisible();
  // Presence is read every minute: reload until the first reading has arrived.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('presence')).toHaveText('Teams presence: In a meeting', { timeout: 2_000 });
  }).toPass({ timeout: 120_000 });
  await inspect(page, 'msgraph-presence');
});

test('a revoked sign-in is said at once; "Sign in again" comes back connected', async () => {
  await page.goto('/settings/connections');
  const card = page.getByRole('group', { name: msgraph.account });
  await expect(card.getByText('Active')).toBeVisible();
  await revoke(true);
  await card.getByRole('button', { name: 'Sync now' }).click();
  // The notice (connector.SignInRequired over the realtime channel), wherever the person is.
  const notices = page.getByRole('region', { name: 'Connections that need you' });
  const notice = `Microsoft 365 (${msgraph.account}) needs you to sign in again — syncing is paused.`;
  await expect(notices.getByText(notice)).toBeVisible({ timeout: 60_000 });
  // It stays on every page, with the way to fix it, until hidden for this session.
  await page.goto('/contacts');
  await expect(notices.getByText(notice)).toBeVisible();
  await inspect(page, 'sign-in-again-notice', { fullPage: false });
  await notices.getByRole('link', { name: 'Sign in again' }).click();
  await expect(page).toHaveURL(/\/settings\/connections$/);
  await page.goto('/contacts');
  await notices.getByRole('button', { name: `Hide the notice about ${msgraph.account} for this session` }).click();
  await expect(notices).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Contacts' })).toBeVisible();
  await expect(notices).toHaveCount(0);
  await page.goto('/settings/connections');
  const signInAgain = page.getByRole('group', { name: msgraph.account }).getByRole('button', { name: 'Sign in again' });
  await expect(signInAgain).toBeVisible();
  await inspect(page, 'msgraph-sign-in-again');
  await revoke(false);
  await signInAgain.click();
  await page.waitForURL(/\/settings\/connections\?msgraph=connected/);
  const back = page.getByRole('group', { name: msgraph.account });
  await expect(back.getByText('Active')).toBeVisible();
  await expect(back.getByRole('button', { name: 'Sync now' })).toBeEnabled({ timeout: 60_000 });
  await inspect(page, 'msgraph-signed-in-again');
  await back.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByText('No Microsoft 365 account is connected yet.').filter(VISIBLE)).toBeVisible();
});
