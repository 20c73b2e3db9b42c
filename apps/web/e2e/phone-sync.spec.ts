import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DESKTOP, inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let email: string;
const hubUrl = () => process.env.E2E_HUB_URL!;
const shots = join(import.meta.dirname, '..', 'test-results', 'screenshots');

/** A DAV request as a phone sends it, with the email and an app password. */
const propfind = (password: string) =>
  fetch(`${hubUrl()}/dav/`, {
    method: 'PROPFIND',
    headers: {
      authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`,
      depth: '0',
      'content-type': 'text/xml',
    },
    body: '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>',
  });

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  email = uniqueEmail('phonesync');
  await signUp(page, email);
});
test.afterAll(async () => page.context().close());

test('makes an app password a phone signs in with, shows the DAV address, and revokes it', async () => {
  await page.goto('/settings');
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Phone sync' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Phone sync' })).toBeVisible();
  await expect(page.getByText(`${hubUrl()}/dav/`).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'iPhone and iPad' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Android (DAVx⁵)' })).toBeVisible();
  await expect(page.getByText('No app passwords yet')).toBeVisible();

  await page.getByLabel('Phone or app').fill('Test iPhone');
  await page.getByLabel('Phone or app').press('Enter');
  const panel = page.getByRole('region', { name: 'App password for Test iPhone' });
  await expect(panel).toBeVisible();
  const password = (await panel.locator('strong').textContent())!;
  expect(password).toMatch(/^([a-z2-9]{4}-){5}[a-z2-9]{4}$/);
  await expect(panel).toContainText(email);
  const listed = page.getByRole('list', { name: 'App passwords' }).getByRole('listitem', { name: 'Test iPhone' });
  await expect(listed).toContainText(`ends in ${password.slice(-4)}`);
  await expect(listed).toContainText('last used never');
  await inspect(page, 'phone-sync');
  // The 402 px phone width this page is checked at.
  await page.setViewportSize({ width: 402, height: 874 });
  await page.screenshot({ path: join(shots, 'phone-sync-402.png'), fullPage: true });
  await page.setViewportSize(DESKTOP);

  // The phone signs in with it.
  expect((await propfind(password)).status).toBe(207);

  await listed.getByRole('button', { name: 'Revoke Test iPhone' }).click();
  await listed.getByRole('button', { name: 'Revoke Test iPhone now' }).click();
  await expect(listed).toContainText('revoked');
  expect((await propfind(password)).status).toBe(401);
  await page.reload();
  await expect(page.getByText(password)).toHaveCount(0);
});
