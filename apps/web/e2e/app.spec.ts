import { expect, test, type Page } from '@playwright/test';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const owner = uniqueEmail('owner');
let adaId = '';

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
});
test.afterAll(async () => page.context().close());

test('sign-in and sign-up screens are accessible and explain mistakes', async () => {
  await page.goto('/contacts');
  await expect(page).toHaveURL(/\/sign-in/);
  await inspect(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Enter your email address.').filter(VISIBLE)).toBeVisible();
  await page.getByLabel('Email').filter(VISIBLE).fill('nobody@example.org');
  await page.getByLabel('Password').filter(VISIBLE).fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText("don't match an account").filter(VISIBLE)).toBeVisible();
  await inspect(page, 'sign-in-error');
  await page.goto('/sign-up');
  await inspect(page, 'sign-up');
});

test('a new user signs up and is told what to do first', async () => {
  await signUp(page, owner);
  // Signing up lands on Today, which says what to do first; so does the empty contact list.
  await expect(page.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  await page.goto('/contacts');
  await expect(page.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  await inspect(page, 'contacts-empty');
});

test('create a contact, with validation first', async () => {
  await page.goto('/contacts/new');
  await page.getByLabel('Email addresses').filter(VISIBLE).fill('not an email');
  await page.getByLabel('Phone numbers').filter(VISIBLE).fill('12');
  await page.getByRole('button', { name: 'Save contact' }).click();
  await expect(page.getByText('Give the contact a name.').filter(VISIBLE)).toBeVisible();
  await expect(page.getByText(/Line 1 \("12"\): Write it with its country code/).filter(VISIBLE)).toBeVisible();
  await inspect(page, 'contact-new-errors');
  adaId = await createContact(page, {
    name: 'Ada Lovelace',
    emails: 'ada@example.org',
    phones: '+44 20 7946 0958',
    organization: 'Analytical Engines',
    notes: 'Met at the Babbage salon.',
  });
  await expect(page.getByRole('link', { name: 'ada@example.org' })).toBeVisible();
  await expect(page.getByText('Met at the Babbage salon.').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'contact-detail');
});

test('edit a contact, then undo the edit', async () => {
  await page.getByRole('button', { name: 'Edit' }).click();
  await inspect(page, 'contact-edit');
  await page.getByLabel('Organization').filter(VISIBLE).fill('Difference Engines Ltd');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Difference Engines Ltd').filter(VISIBLE)).toBeVisible();
  await expect(page.getByText('Changes saved', { exact: true }).filter(VISIBLE)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('main').getByText('Difference Engines Ltd').filter(VISIBLE)).toBeVisible();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Organization').filter(VISIBLE).fill('Analytical Engines');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Changes undone', { exact: true }).filter(VISIBLE)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('main').getByText('Difference Engines Ltd').filter(VISIBLE)).toBeVisible();
});

test('list, sort and search as you type', async () => {
  await createContact(page, { name: 'Grace Hopper', emails: 'grace@navy.example', organization: 'US Navy' });
  await createContact(page, { name: 'A. Lovelace', emails: 'countess@example.org' });
  await page.goto('/contacts');
  const rows = page.getByRole('list', { name: 'Contacts' }).getByRole('link');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('A. Lovelace');
  await inspect(page, 'contacts-list');
  await page.getByLabel('Search contacts').filter(VISIBLE).fill('navy');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Grace Hopper');
  await page.getByLabel('Search contacts').filter(VISIBLE).fill('zzz');
  await expect(page.getByText('No contacts match “zzz”.').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'contacts-no-match');
  await page.getByLabel('Search contacts').filter(VISIBLE).fill('');
  await page.getByLabel('Sort by').filter(VISIBLE).selectOption('recent');
  await expect(rows.first()).toContainText('A. Lovelace');
  // Keyboard: arrow down from the search box moves through the rows.
  await page.getByLabel('Search contacts').filter(VISIBLE).focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.first()).toBeFocused();
});

test('global search from the command palette', async () => {
  await page.goto('/contacts');
  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Search and commands' });
  await expect(dialog).toBeVisible();
  await page.keyboard.type('Grace');
  await expect(dialog.getByRole('option', { name: /Grace Hopper/ })).toBeVisible();
  await inspect(page, 'command-palette', { fullPage: false });
  await dialog.getByRole('option', { name: /Grace Hopper/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Grace Hopper' })).toBeVisible();
});

test('merge duplicates with a preview', async () => {
  await page.goto(`/contacts/${adaId}`);
  await page.getByRole('button', { name: 'Merge' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Find the duplicate').filter(VISIBLE).fill('A.');
  await dialog.getByRole('button', { name: /A\. Lovelace/ }).click();
  await expect(dialog.getByRole('region', { name: 'Result' })).toContainText('countess@example.org');
  await expect(dialog.getByRole('region', { name: 'Result' })).toContainText('ada@example.org');
  await inspect(page, 'merge-preview', { fullPage: false });
  await dialog.getByRole('button', { name: 'Merge contacts' }).click();
  await expect(page.getByText('Merged into Ada Lovelace', { exact: true }).filter(VISIBLE)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('link', { name: 'countess@example.org' })).toBeVisible();
  await page.goto('/contacts');
  await expect(page.getByRole('list', { name: 'Contacts' }).getByRole('link')).toHaveCount(2);
});

test('notes: add one and open it', async () => {
  await page.goto('/notes');
  await expect(page.getByText('No notes yet').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'notes-empty');
  await page.getByLabel('Title', { exact: true }).filter(VISIBLE).fill('Ideas for the salon');
  await page.getByLabel('Note', { exact: true }).filter(VISIBLE).fill('Ask Ada about the engine.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('link', { name: 'Ideas for the salon' })).toBeVisible();
  await inspect(page, 'notes');
  await page.getByRole('link', { name: 'Ideas for the salon' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ideas for the salon' })).toBeVisible();
  await inspect(page, 'note-detail');
});

test('settings and dark mode', async () => {
  await page.goto('/settings');
  await expect(page.getByText(owner).filter(VISIBLE)).toBeVisible();
  await inspect(page, 'settings');
  await page.getByLabel('Dark').filter(VISIBLE).check();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await inspect(page, 'settings-dark');
  await page.goto('/contacts');
  await inspect(page, 'contacts-list-dark');
  await page.goto(`/contacts/${adaId}`);
  await inspect(page, 'contact-detail-dark');
  await page.goto('/settings');
  await page.getByLabel('Same as device').filter(VISIBLE).check();
});

test('delete with undo, then for real', async () => {
  await page.goto('/contacts');
  await page.getByRole('link', { name: /Grace Hopper/ }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await inspect(page, 'contact-delete-confirm', { fullPage: false });
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByRole('link', { name: /Grace Hopper/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('link', { name: /Grace Hopper/ })).toBeVisible();
  await page.getByRole('link', { name: /Grace Hopper/ }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await page.waitForTimeout(7000);
  await page.reload();
  await expect(page.getByRole('list', { name: 'Contacts' }).getByRole('link')).toHaveCount(1);
});

test('a second user sees nothing of the first', async ({ browser }) => {
  const context = await browser.newContext();
  const other = await context.newPage();
  await signUp(other, uniqueEmail('other'));
  await expect(other.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  await other.keyboard.press('Control+k');
  await other.keyboard.type('Ada');
  await expect(other.getByText('Nothing found for “Ada”.').filter(VISIBLE)).toBeVisible();
  await other.goto(`/contacts/${adaId}`);
  await expect(other.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await inspect(other, 'not-found');
  await context.close();
});

test('live: a contact made in another browser appears without a reload, and never for another user', async ({
  browser,
}) => {
  // A stranger with the contacts screen open: counts every change the hub pushes to them.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  const pushedToStranger: string[] = [];
  stranger.on('websocket', (ws) =>
    ws.on(
      'framereceived',
      (f) => String(f.payload).includes('"postgres_changes",{"ids"') && pushedToStranger.push(String(f.payload)),
    ),
  );
  await signUp(stranger, uniqueEmail('stranger'));

  await page.goto('/contacts');
  const list = page.getByRole('list', { name: 'Contacts' });
  await expect(list.getByRole('link', { name: /Katherine Johnson/ })).toHaveCount(0);

  // The same person, signed in in a second browser.
  const secondContext = await browser.newContext({ storageState: await page.context().storageState() });
  const second = await secondContext.newPage();
  await createContact(second, { name: 'Katherine Johnson', organization: 'NASA Langley' });

  await expect(list.getByRole('link', { name: /Katherine Johnson/ })).toBeVisible();
  await second.getByRole('button', { name: 'Edit' }).click();
  await second.getByLabel('Organization').filter(VISIBLE).fill('NASA');
  await second.getByRole('button', { name: 'Save changes' }).click();
  await expect(list.getByRole('link', { name: /Katherine Johnson/ })).toContainText('NASA');
  await expect(list.getByRole('link', { name: /Katherine Johnson/ })).not.toContainText('Langley');

  await expect(stranger.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  expect(pushedToStranger).toEqual([]);
  await secondContext.close();
  await strangerContext.close();
});

test('a long list: the page brings the first rows, the rest follows, and search covers all of them', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const reader = await context.newPage();
  const email = uniqueEmail('many');
  await signUp(reader, email);
  const hub = process.env.E2E_HUB_URL!;
  const token = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: process.env.E2E_ANON_KEY!, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  for (let i = 0; i < 120; i++) {
    const created = await fetch(`${hub}/api/v1/persons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Member ${String(i).padStart(3, '0')}`,
        phones: [`+44 20 7946 ${String(i).padStart(4, '0')}`],
      }),
    });
    expect(created.status).toBe(201);
  }
  await reader.goto('/contacts');
  await expect(reader.getByRole('status').filter({ hasText: 'contacts' })).toHaveText('120 contacts');
  const rows = reader.getByRole('list', { name: 'Contacts' }).getByRole('link');
  await expect(rows.first()).toContainText('Member 000');
  // Member 119 is not among the rows in the page's HTML: found only if the rest arrived.
  await reader.getByLabel('Search contacts').filter(VISIBLE).fill('member 119');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Member 119');
  await reader.getByLabel('Search contacts').filter(VISIBLE).fill('7946 0118');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Member 118');
  await context.close();
});

test('a session that can no longer be refreshed goes back to sign-in with a message', async () => {
  const cookies = await page.context().cookies();
  const auth = cookies.filter((c) => /^sb-.+-auth-token/.test(c.name));
  expect(auth.length).toBeGreaterThan(0);
  const raw = auth
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => c.value)
    .join('');
  const session = JSON.parse(Buffer.from(raw.replace(/^base64-/, ''), 'base64url').toString('utf8'));
  session.expires_at = Math.floor(Date.now() / 1000) - 60;
  session.refresh_token = 'revoked-or-expired';
  const value = `base64-${Buffer.from(JSON.stringify(session)).toString('base64url')}`;
  await page.context().clearCookies();
  await page
    .context()
    .addCookies([{ name: auth[0]!.name.replace(/\.\d+$/, ''), value, domain: auth[0]!.domain, path: '/' }]);
  await page.goto('/contacts');
  await expect(page).toHaveURL(/\/sign-in\?reason=expired/);
  await expect(page.getByText('Your session has ended').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'sign-in-expired');
});

test('sign in again, then sign out', async () => {
  await page.getByLabel('Email').filter(VISIBLE).fill(owner);
  await page.getByLabel('Password').filter(VISIBLE).fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back where the expired session left off (next=/contacts), not on Today.
  await expect(page).toHaveURL(/\/contacts$/);
  await page.getByRole('button', { name: /Account menu/ }).click();
  await inspect(page, 'user-menu', { fullPage: false });
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out/);
  await page.goto('/contacts');
  await expect(page).toHaveURL(/\/sign-in/);
});
