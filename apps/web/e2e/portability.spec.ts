import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let hub: HubSession;
const SHOTS = join(import.meta.dirname, '../test-results/screenshots');

/** The brief's phone width (the shared inspect() uses 390 px). */
async function phoneShot(name: string) {
  const original = page.viewportSize();
  await page.setViewportSize({ width: 402, height: 874 });
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(SHOTS, `${name}-phone-402.png`), fullPage: true });
  if (original) await page.setViewportSize(original);
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const email = uniqueEmail('portability');
  await signUp(page, email);
  hub = await hubSession(email);
});
test.afterAll(async () => page.context().close());

const csv =
  'First Name,Last Name,E-mail Address,Mobile Phone,Birthday\n' +
  'Lin,Chen,lin@example.com,+1 202 555 0142,4/12/1985\n' +
  'Sam,Okafor,already@example.com,,\n' +
  ',,,,\n';

test('imports a CSV from Settings: preview with problems and duplicates, mapping, progress, undo', async () => {
  const existing = await hub.request('POST', '/persons', {
    name: 'Sam (already here)',
    emails: ['already@example.com'],
  });
  expect(existing.status).toBe(201);

  await page.goto('/settings');
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Import and export' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import and export' })).toBeVisible();

  await page
    .getByLabel('File to import')
    .setInputFiles({ name: 'outlook.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const panel = page.getByTestId('import-panel').first();
  await expect(panel.getByTestId('import-counts')).toHaveText(/2 contacts; 1 problem left out/);
  await expect(panel.getByText('(recognised as an Outlook export)')).toBeVisible();
  await expect(panel.getByTestId('import-errors')).toContainText('Line 4: no name');
  await expect(panel.getByTestId('import-duplicates')).toContainText('Sam Okafor (line 3) and Sam (already here)');
  await expect(panel.getByLabel('Field for Birthday')).toHaveValue('birthday');
  await inspect(page, 'portability-preview');
  await phoneShot('portability-preview');

  // Leave the phone column out, then import.
  await panel.getByLabel('Field for Mobile Phone').selectOption('ignore');
  await panel.getByRole('button', { name: 'Apply mapping' }).click();
  await expect(panel.getByLabel('Field for Mobile Phone')).toHaveValue('ignore');
  await panel.getByRole('button', { name: 'Import 2 items' }).click();
  await expect(panel.getByTestId('import-result')).toHaveText('Imported: 2 new, 0 updated.', { timeout: 60_000 });
  const lin = await hub.request('GET', '/entities?type=person&q=Lin');
  const linPerson = (
    lin.json as unknown as { items: { title: string; properties: Record<string, unknown> }[] }
  ).items.find((p) => p.title === 'Lin Chen');
  expect(linPerson?.properties).toMatchObject({ birthday: '1985-04-12', emails: ['lin@example.com'] });
  expect(linPerson?.properties.phones).toBeUndefined();
  // Back to the top: the sticky header would otherwise cover the settings links axe checks.
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'portability-committed');

  await panel.getByRole('button', { name: 'Undo this import' }).click();
  await expect(panel.getByText('Undone: 2 items removed.')).toBeVisible();
  const after = await hub.request('GET', '/entities?type=person&q=Lin');
  expect((after.json as unknown as { items: { title: string }[] }).items.some((p) => p.title === 'Lin Chen')).toBe(
    false,
  );
});

test('merges duplicates into existing contacts when chosen (keyboard), and undo gives them back', async () => {
  const existing = await hub.call<{ id: string }>('POST', '/persons', {
    name: 'Rosa Existing',
    emails: ['rosa@example.com'],
    phones: ['+1 202 555 0170'],
  });
  const vcf = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Rosa Imported',
    'ORG:Parks Ltd',
    'EMAIL:rosa@example.com',
    'TEL:+1 202 555 0171',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Nell New',
    'EMAIL:nell@example.com',
    'END:VCARD',
    '',
  ].join('\r\n');
  const identifiers = async () =>
    ((await hub.call('GET', `/entities/${existing.id}`)) as unknown as { identifiers: { value: string }[] }).identifiers
      .map((i) => i.value)
      .sort();
  const before = await hub.call<{ title: string; properties: Record<string, unknown> }>(
    'GET',
    `/entities/${existing.id}`,
  );

  await page.goto('/settings/data');
  const panel = page.getByTestId('import-panel').first();
  // A file chosen before the page has hydrated is not uploaded: choose it again until its
  // preview is the newest import (the earlier test's import is listed until then).
  await expect(async () => {
    await page
      .getByLabel('File to import')
      .setInputFiles({ name: 'rosa.vcf', mimeType: 'text/vcard', buffer: Buffer.from(vcf) });
    await expect(panel.getByTestId('import-counts')).toHaveText('2 contacts', { timeout: 10_000 });
  }).toPass({ timeout: 60_000 });
  await expect(panel.getByTestId('import-duplicates')).toContainText('Rosa Imported (line 1) and Rosa Existing');
  const choice = panel.getByRole('group', { name: 'Contacts you already have' });
  const merge = choice.getByRole('radio', { name: /Merge 1 duplicate into existing contacts/ });
  const keep = choice.getByRole('radio', { name: /Keep separate and suggest merges/ });
  await expect(keep).toBeChecked();
  // Keyboard only: the checked radio takes the focus, the arrow keys move the choice.
  await keep.focus();
  await page.keyboard.press('ArrowUp');
  await expect(merge).toBeChecked();
  await expect(merge).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(keep).toBeChecked();
  await page.keyboard.press('ArrowUp');
  await expect(merge).toBeChecked();
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'portability-merge-choice');
  await phoneShot('portability-merge-choice');

  await panel.getByRole('button', { name: 'Import 2 items' }).click();
  await expect(panel.getByTestId('import-result')).toHaveText(
    'Imported: 1 new, 0 updated, 1 merged into existing contacts.',
    { timeout: 60_000 },
  );
  await expect(panel.getByText('Merged into your existing contacts.')).toBeVisible();
  expect(await identifiers()).toEqual(['+12025550170', '+12025550171', 'rosa@example.com']);
  const merged = await hub.call<{ title: string; properties: Record<string, unknown> }>(
    'GET',
    `/entities/${existing.id}`,
  );
  expect(merged.title).toBe('Rosa Existing');
  expect(merged.properties.organization).toBe('Parks Ltd');
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'portability-merged');

  await panel.getByRole('button', { name: 'Undo this import' }).click();
  await expect(panel.getByText('Undone: 2 items removed.')).toBeVisible();
  expect(await identifiers()).toEqual(['+12025550170', 'rosa@example.com']);
  const after = await hub.call<{ title: string; properties: Record<string, unknown> }>(
    'GET',
    `/entities/${existing.id}`,
  );
  expect(after.properties).toEqual(before.properties);
});

test('downloads contacts as vCard and a takeout once', async () => {
  await page.goto('/settings/data');
  const [vcard] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Contacts (vCard 4.0)' }).click(),
  ]);
  expect(vcard.suggestedFilename()).toBe('contacts.vcf');
  const text = await (await vcard.createReadStream()).toArray();
  expect(Buffer.concat(text).toString()).toContain('FN:Sam (already here)');

  await page.getByRole('button', { name: 'Make a takeout' }).click();
  const download = page.getByRole('link', { name: /Download \(\d+ KB\)/ });
  await expect(download).toBeVisible({ timeout: 90_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'portability-takeout');
  await phoneShot('portability-takeout');
  const [archive] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(archive.suggestedFilename()).toMatch(/^made-open-takeout-\d{4}-\d{2}-\d{2}\.tar\.gz$/);
  await expect(page.getByText('Downloaded. Make a new one for a fresh copy.')).toBeVisible();
});

/** Signs an account up through the hub's auth API (as supabase-js does) and returns its session. */
async function hubAccount(email: string, password = 'correct horse battery') {
  const response = await fetch(`${process.env.E2E_HUB_URL}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: process.env.E2E_ANON_KEY!, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return hubSession(email, password);
}

test('restores a takeout into a new account from Settings: progress, report, the contact back; a second restore is refused', async ({
  browser,
}) => {
  // Account A, through the hub: a contact, a rule that mentions it, then a takeout.
  const a = await hubAccount(uniqueEmail('restore-from'));
  const contact = await a.call<{ id: string }>('POST', '/persons', {
    name: 'Imogen Restored',
    emails: ['imogen@example.com'],
  });
  await a.call('POST', '/rules', {
    definition: {
      name: 'Tell me about Imogen',
      mode: 'single',
      triggers: [{ id: 'hook', type: 'webhook' }],
      conditions: { all: [{ cmp: { left: 'trigger.data.personId', op: 'eq', right: contact.id } }] },
      steps: [{ id: 'tell', type: 'action', action: 'notify', with: { title: 'About Imogen' } }],
      limits: { perHour: 100, maxDepth: 3 },
    },
    approve: ['notify'],
    enabled: true,
  });
  const plugin = join(
    process.env.E2E_PLUGIN_EXAMPLES ?? join(import.meta.dirname, '../../../packages/plugin-sdk/examples'),
    'birthday-reminder/dist',
  );
  await a.call('POST', '/plugins', {
    manifest: JSON.parse(readFileSync(join(plugin, 'manifest.json'), 'utf8')),
    bundle: readFileSync(join(plugin, 'index.js'), 'utf8'),
  });
  await a.call('POST', '/plugins/birthday-reminder/consent', {
    permissions: ['entities:read:person', 'entities:write:task', 'storage:read', 'storage:write'],
    config: { daysAhead: 3 },
  });
  let takeout = await a.call<{ id: string; status: string }>('POST', '/takeouts');
  await expect
    .poll(async () => (takeout = await a.call('GET', `/takeouts/${takeout.id}`)).status, { timeout: 90_000 })
    .toBe('ready');
  const download = await fetch(`${process.env.E2E_HUB_URL}/api/v1/takeouts/${takeout.id}/download`, {
    headers: { authorization: `Bearer ${a.token}` },
  });
  expect(download.status).toBe(200);
  const archive = Buffer.from(await download.arrayBuffer());
  // Entity and rule ids are global: the archive comes back on this hub once account A is gone.
  const aId = JSON.parse(Buffer.from(a.token.split('.')[1]!, 'base64url').toString()).sub as string;
  const removed = await fetch(`${process.env.E2E_HUB_URL}/auth/v1/admin/users/${aId}`, {
    method: 'DELETE',
    headers: {
      apikey: process.env.E2E_SERVICE_ROLE_KEY!,
      authorization: `Bearer ${process.env.E2E_SERVICE_ROLE_KEY}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ should_soft_delete: false }),
  });
  expect(removed.status, await removed.clone().text()).toBe(200);

  // Account B, new, in the browser: restore through Settings → Import and export.
  const b = await (await browser.newContext()).newPage();
  try {
    await signUp(b, uniqueEmail('restore-into'));
    await b.goto('/settings/data');
    const panel = b.getByTestId('restore-panel');
    await expect(panel.getByRole('heading', { level: 2, name: 'Restore from a takeout' })).toBeVisible();
    await expect(panel).toContainText('Only into an account with no data yet');
    // Not a takeout: the hub refuses it, and says why.
    await panel
      .getByLabel('Takeout archive to restore')
      .setInputFiles({ name: 'holiday.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from('not an archive') });
    await expect(panel.getByTestId('restore-error')).toHaveText(
      /^The hub refused the archive: This is not a takeout archive \(tar\.gz\).*Choose the \.tar\.gz a Made Open takeout downloaded, unchanged\.$/,
      { timeout: 60_000 },
    );
    await panel
      .getByLabel('Takeout archive to restore')
      .setInputFiles({ name: 'made-open-takeout.tar.gz', mimeType: 'application/gzip', buffer: archive });
    const heading = panel.getByRole('heading', { level: 3, name: 'Restored' });
    await expect(heading).toBeVisible({ timeout: 90_000 });
    await expect(heading).toBeFocused();
    const counts = panel.getByTestId('restore-counts');
    await expect(counts).toContainText(/Rules\s*1\s*Rule versions\s*1/);
    await expect(counts).toContainText(/Items in your graph\s*[1-9]/);
    const rules = panel.getByTestId('restore-rules');
    const ruleLink = rules.getByRole('link', { name: 'Tell me about Imogen' });
    await expect(ruleLink).toHaveAttribute('href', /^\/rules\/[0-9a-f-]{36}$/);
    await expect(rules).toContainText('is off (1 version). To turn it on, open it, save it to approve');
    await expect(rules).toContainText('Its webhook has a new secret');
    await expect(counts).toContainText(/Plugins\s*1\s*Plugin storage keys/);
    const plugins = panel.getByTestId('restore-plugins');
    await expect(plugins.getByRole('link', { name: 'birthday-reminder 1.0.0' })).toHaveAttribute(
      'href',
      '/settings/plugins/birthday-reminder',
    );
    await expect(plugins).toContainText('does nothing until you consent again (it had: entities:read:person');
    await expect(panel.getByRole('link', { name: 'Go to plugins' })).toHaveAttribute('href', '/settings/plugins');
    await expect(panel.getByTestId('restore-error')).toHaveCount(0);
    await expect(panel.getByTestId('restore-not-restored')).toContainText('credentials are not in a takeout');
    await b.evaluate(() => window.scrollTo(0, 0));
    await inspect(b, 'portability-restored');
    await b.setViewportSize({ width: 402, height: 874 });
    await b.screenshot({ path: join(SHOTS, 'portability-restored-phone-402.png'), fullPage: true });
    await b.setViewportSize({ width: 1280, height: 800 });

    // The address keeps the restore: a reload shows its report again.
    await expect(b).toHaveURL(/\/settings\/data\?restore=[0-9a-f-]{36}$/);
    await b.reload();
    await expect(heading).toBeVisible();
    await expect(counts).toContainText(/Rules\s*1\s*Rule versions\s*1/);

    await b.goto('/contacts');
    await expect(b.getByRole('link', { name: /Imogen Restored/ }).first()).toBeVisible();

    // Again: this account has data now.
    await b.goto('/settings/data');
    // A file chosen before the page has hydrated changes nothing (no handler yet): choose again
    // until the refusal shows (a repeated refusal writes nothing).
    await expect(async () => {
      await b
        .getByTestId('restore-panel')
        .getByLabel('Takeout archive to restore')
        .setInputFiles({ name: 'made-open-takeout.tar.gz', mimeType: 'application/gzip', buffer: archive });
      await expect(b.getByTestId('restore-error')).toHaveText(
        /^This account already has data: restore into a new account\./,
        { timeout: 10_000 },
      );
    }).toPass({ timeout: 60_000 });
    await b.evaluate(() => window.scrollTo(0, 0));
    await inspect(b, 'portability-restore-refused');
  } finally {
    await b.context().close();
  }
});
