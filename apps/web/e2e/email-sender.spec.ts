import { expect, test } from '@playwright/test';
import { HOME, VISIBLE, inspect, signUp, uniqueEmail } from './helpers';

/**
 * The hub owner's email sender in Settings, against the real hub: validation, save (the
 * password write-only), a test mail to a server that refuses it (nothing listens on port 1
 * here, so the error the screen shows is the real SMTP failure), removal; nobody else sees it.
 */
test.describe.configure({ mode: 'serial' });

test("the hub's owner sets up, tests and removes the email sender", async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email').filter(VISIBLE).fill(process.env.E2E_OWNER_EMAIL!);
  await page.getByLabel('Password').filter(VISIBLE).fill(process.env.E2E_OWNER_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(HOME);
  await page.goto('/settings');
  const card = page.locator('form', { has: page.getByLabel('Mail server (SMTP)') });
  await expect(card.getByText('No email sender: password recovery')).toBeVisible();

  await card.getByLabel('Mail server (SMTP)').fill('127.0.0.1');
  await card.getByLabel('Port').fill('not a port');
  await card.getByLabel('From').fill('Made Open <owner@example.org>');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect(card.getByRole('alert')).toHaveText(/The port is a number/);

  await card.getByLabel('Port').fill('1');
  await card.getByLabel('User name').fill('owner@example.org');
  await card.getByLabel('Password').fill('smtp app password');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect(card.getByRole('status')).toHaveText(/Saved/);
  await expect(card.getByText('Mail goes out through 127.0.0.1 as Made Open <owner@example.org>.')).toBeVisible();
  // The password is never sent back: the field is empty, marked as kept.
  await expect(card.getByLabel('Password')).toHaveValue('');
  await expect(card.getByLabel('Password')).toHaveAttribute('placeholder', 'Unchanged');
  await inspect(page, 'settings-email-sender');

  await card.getByRole('button', { name: 'Send a test mail' }).click();
  await expect(card.getByRole('alert')).toHaveText(/The mail server did not take the mail/, { timeout: 30_000 });

  // Reloaded, the saved settings are shown again.
  await page.reload();
  await expect(card.getByLabel('Mail server (SMTP)')).toHaveValue('127.0.0.1');
  await expect(card.getByLabel('Port')).toHaveValue('1');

  await card.getByRole('button', { name: 'Remove' }).click();
  await expect(card.getByRole('status')).toHaveText(/Removed/);
  await expect(card.getByText('No email sender: password recovery')).toBeVisible();
  await page.reload();
  await expect(card.getByText('No email sender: password recovery')).toBeVisible();
});

test('nobody but the owner sees the email sender', async ({ page }) => {
  await signUp(page, uniqueEmail('not-owner'));
  await page.goto('/settings');
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  await expect(page.getByLabel('Mail server (SMTP)')).toHaveCount(0);
});
