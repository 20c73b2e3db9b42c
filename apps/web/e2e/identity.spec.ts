import { expect, test, type Page } from '@playwright/test';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';

/**
 * Identity resolution (issue 17): a contact typed with an email another has is saved and
 * offered as a duplicate inline (link + merge); the matcher fills the review queue (a badge
 * on Contacts), where a pair is merged (with Undo) or kept apart; an edit that adds another
 * contact's phone offers the merge too.
 */
test.describe.configure({ mode: 'serial' });

let page: Page;
const stamp = Date.now();
const annEmail = `ann-${stamp}@example.org`;

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, uniqueEmail('identity'));
});
test.afterAll(async () => page.context().close());

/** The matcher runs in the background: reload until the queue shows what is expected. */
async function queueShows(count: number) {
  await expect(async () => {
    await page.goto('/contacts/duplicates');
    await expect(page.getByRole('heading', { level: 2 }).filter(VISIBLE)).toHaveCount(count, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
}

test('a contact typed with an email another has is saved and offered as a duplicate, with a link and a merge button', async () => {
  await createContact(page, {
    name: 'Ann Lovelace',
    emails: annEmail,
    phones: '+44 7700 900111',
    organization: 'Analytical Engines',
  });
  await page.goto('/contacts/new');
  await page.getByLabel('Name').filter(VISIBLE).fill('Annie Lovelace');
  await page.getByLabel('Email addresses').filter(VISIBLE).fill(annEmail.toUpperCase());
  await page.getByRole('button', { name: 'Save contact' }).click();

  const notice = page.getByRole('region', { name: 'This looks like someone you already have' });
  await expect(notice).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Saved Annie Lovelace' })).toBeVisible();
  await expect(notice.getByRole('link', { name: 'Ann Lovelace' })).toHaveAttribute(
    'href',
    /\/contacts\/[0-9a-f-]{36}$/,
  );
  await expect(notice).toContainText(`Same email ${annEmail}`);
  await expect(notice.getByRole('button', { name: 'Merge into Ann Lovelace' })).toBeEnabled();
  await inspect(page, 'identity-create-duplicate');

  await notice.getByRole('button', { name: 'Keep both and open Annie Lovelace' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Annie Lovelace' })).toBeVisible();
});

test('the review queue compares side by side; a pair kept apart goes, a merge can be undone', async () => {
  await createContact(page, { name: 'Robert Fernsby' });
  await createContact(page, { name: 'Bob Fernsby', organization: 'Fernsby & Co' });

  await expect(async () => {
    await page.goto('/contacts');
    await expect(page.getByRole('link', { name: /Duplicates\s*2 to review/ })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole('link', { name: /Duplicates/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Possible duplicates' })).toBeVisible();
  await queueShows(2);
  const lovelace = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Lovelace/ }) });
  const fernsby = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Fernsby/ }) });
  await expect(lovelace.getByRole('list', { name: 'Why they look alike' })).toContainText('Same email');
  await expect(fernsby.getByRole('list', { name: 'Why they look alike' })).toContainText('Nickname');
  await expect(lovelace.getByRole('link', { name: 'Ann Lovelace' })).toBeVisible();
  await expect(lovelace.getByRole('link', { name: 'Annie Lovelace' })).toBeVisible();
  await inspect(page, 'identity-queue');

  await fernsby.getByRole('button', { name: 'Not the same person' }).click();
  await expect(fernsby).toHaveCount(0);
  await expect(page.getByText('1 pair to review')).toBeVisible();

  // Keep Ann (the older one, chosen by default) and fold Annie into her.
  await expect(lovelace.getByRole('radio', { name: 'Keep this one' }).first()).toBeChecked();
  await lovelace.getByRole('button', { name: 'Merge' }).click();
  await expect(page.getByText('Merged Annie Lovelace into Ann Lovelace').first()).toBeVisible();
  await expect(page.getByText('No possible duplicates to review.')).toBeVisible();
  // The toast stays 10 s: undo at once (a loaded machine is slow to take screenshots).
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Annie Lovelace and Ann Lovelace are separate again').first()).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: /Lovelace/ })).toBeVisible();
  await inspect(page, 'identity-queue-after-undo');
  // Both contacts are back.
  await page.goto('/contacts');
  await expect(page.getByRole('link', { name: /Annie Lovelace/ }).filter(VISIBLE)).toBeVisible();
});

test('an edit that adds a phone another contact has offers the merge inline', async () => {
  await page.goto('/contacts');
  await page
    .getByRole('link', { name: /Robert Fernsby/ })
    .filter(VISIBLE)
    .first()
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Robert Fernsby' })).toBeVisible();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Phone numbers').filter(VISIBLE).fill('+44 7700 900111');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const notice = page.getByRole('region', { name: 'This looks like someone you already have' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Same phone +447700900111');
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'identity-edit-duplicate');
  await notice.getByRole('button', { name: 'Merge into Ann Lovelace' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ann Lovelace' })).toBeVisible();
  await expect(page.getByText('Merged into Ann Lovelace').first()).toBeVisible();
});
