import { expect, test, type Page } from '@playwright/test';
import { inspect, signUp, uniqueEmail, VISIBLE } from './helpers';
import { hubSession, type HubSession } from './api';

// Microsoft 365 through the REAL redirect flow: the connect form starts the sign-in at the hub,
// the browser goes to the Microsoft login STAND-IN (apps/hub/src/modules/connectors/msgraph/
// test/stand-in, started by run.mjs; it signs its test mailbox in at once), comes back to the
// hub's /oauth/microsoft/callback, and lands on Settings → Connections with the connection.
const msgraph = JSON.parse(process.env.E2E_MSGRAPH ?? '{}') as { clientId: string; account: string };
const user = uniqueEmail('msgraph');
let page: Page;
let session: HubSession;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, user);
  session = await hubSession(user);
});
test.afterAll(async () => page.context().close());

test('without a Microsoft 365 credential, the connect card says to add one', async () => {
  await page.goto('/settings/connections');
  await expect(page.getByText('No Microsoft 365 account is connected yet.').filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Add a Microsoft 365 credential' })).toHaveAttribute(
    'href',
    '/settings/credentials?add=microsoft',
  );
});

test('connects Microsoft 365 through the sign-in redirect, then shows mode, sync and counts', async () => {
  const created = await session.request('POST', '/credentials', {
    type: 'microsoft',
    name: 'Contoso app',
    secret: { tenantId: 'common', clientId: msgraph.clientId, clientSecret: '' },
  });
  expect(created.status).toBe(201);
  expect((await session.request('POST', `/credentials/${String(created.json.id)}/test`)).json.ok).toBe(true);

  await page.goto('/settings/connections');
  await expect(page.getByLabel('App registration').filter(VISIBLE)).toHaveValue(String(created.json.id));
  await page.getByLabel('Calendar: days back').filter(VISIBLE).fill('400');
  await inspect(page, 'msgraph-connect-form');
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  // Microsoft (the stand-in) → the hub's callback → back here.
  await page.waitForURL(/\/settings\/connections\?msgraph=connected/);
  await expect(page.getByText('Microsoft 365 is connected.').filter(VISIBLE)).toBeVisible();
  const card = page.getByRole('group', { name: msgraph.account });
  await expect(card).toBeVisible();
  await expect(card.getByText('Checking every 2 minutes')).toBeVisible();
  // The first sync runs (a progress bar while it does) and ends with its counts.
  await expect(card.getByText('Not yet')).toBeHidden({ timeout: 60_000 });
  await expect(card.getByRole('progressbar')).toBeHidden({ timeout: 60_000 });
  await expect(card.getByText(/^\d[\d,]*$/).first()).toBeVisible();
  await inspect(page, 'msgraph-connected');
  const { json } = await session.request('GET', '/connections');
  const connection = (json.connections as { provider: string; sync: { itemsSynced: number } }[]).find(
    (c) => c.provider === 'microsoft',
  )!;
  expect(connection.sync.itemsSynced).toBeGreaterThanOrEqual(40);
});

test('changes what syncs: folders, calendar window and polling, checked by the hub', async () => {
  await page.goto('/settings/connections');
  const card = page.getByRole('group', { name: msgraph.account });
  await expect(card.getByRole('progressbar')).toBeHidden({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Change what syncs' }).click();
  const dialog = page.getByRole('dialog');
  // It opens with what the mailbox syncs now (400 days back, chosen when connecting).
  await expect(dialog.getByLabel('Calendar: days back')).toHaveValue('400');
  await expect(dialog.getByText('Personal account: set when you signed in')).toBeVisible();
  await dialog.getByLabel('More mail folders (optional)').fill('drafts');
  await dialog.getByLabel('Check for changes every (minutes)').fill('0');
  await dialog.getByRole('button', { name: 'Save and sync' }).click();
  // What is wrong, in words; nothing changed.
  await expect(dialog.getByRole('alert')).toHaveText('Check for changes every 1 to 1440 minutes (a whole number).');
  await inspect(page, 'msgraph-options-refused');
  await dialog.getByLabel('Check for changes every (minutes)').fill('5');
  // A folder name the hub refuses: its words come back.
  await dialog.getByLabel('More mail folders (optional)').fill('drafts my*folder');
  await dialog.getByRole('button', { name: 'Save and sync' }).click();
  await expect(dialog.getByRole('alert')).toContainText('A folder id or well-known name');
  const unchanged = (await session.request('GET', '/connections')).json.connections as {
    provider: string;
    options: { folders: string[] };
  }[];
  expect(unchanged.find((c) => c.provider === 'microsoft')!.options.folders).toEqual([]);
  await dialog.getByLabel('More mail folders (optional)').fill('drafts');
  await dialog.getByRole('button', { name: 'Save and sync' }).click();
  await expect(dialog).toBeHidden();
  await expect(card.getByText('Mail folders: Inbox, Sent Items, Archive + drafts')).toBeVisible();
  await expect(card.getByText('Checking every 5 minutes')).toBeVisible({ timeout: 60_000 });
  const { json } = await session.request('GET', '/connections');
  const connection = (json.connections as { provider: string; options: Record<string, unknown> }[]).find(
    (c) => c.provider === 'microsoft',
  )!;
  expect(connection.options).toMatchObject({ folders: ['drafts'], pollMinutes: 5, calendarPastDays: 400 });
  // Keyboard: the dialog opens from the button, Escape closes it and focus returns.
  await card.getByRole('button', { name: 'Change what syncs' }).focus();
  await page.keyboard.press('Enter');
  await expect(dialog.getByLabel('More mail folders (optional)')).toHaveValue('drafts');
  await inspect(page, 'msgraph-options');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(card.getByRole('button', { name: 'Change what syncs' })).toBeFocused();
});

test('sync now, and disconnect', async () => {
  await page.goto('/settings/connections');
  const card = page.getByRole('group', { name: msgraph.account });
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByText('No Microsoft 365 account is connected yet.').filter(VISIBLE)).toBeVisible();
});
