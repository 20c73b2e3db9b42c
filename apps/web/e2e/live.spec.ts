import { expect, test } from '@playwright/test';
import { createContact, signUp, uniqueEmail } from './helpers';

// Needs the web app started with MADE_OPEN_REALTIME=1 (e2e/run.mjs does) and a hub that
// serves /realtime/v1.
test('a change made in another tab appears without reloading (Supabase Realtime)', async ({ browser }) => {
  const context = await browser.newContext();
  const watcher = await context.newPage();
  await signUp(watcher, uniqueEmail('live'));
  await expect(watcher.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  // Let the browser client join its channel before the change happens.
  await watcher.waitForTimeout(3000);
  const editor = await context.newPage();
  await createContact(editor, { name: 'Live Update Person', emails: 'live@example.org' });
  await expect(watcher.getByRole('link', { name: /Live Update Person/ })).toBeVisible({ timeout: 30_000 });
  await context.close();
});
