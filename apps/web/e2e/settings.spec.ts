import { expect, test, type Page } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VISIBLE, inspect, signUp, uniqueEmail } from './helpers';

// Settings screens: credentials (wallet), capabilities, plugins and grants, against a real
// hub. run.mjs packs the plugin SDK's examples and says where they are.
test.describe.configure({ mode: 'serial' });

const examples = process.env.E2E_PLUGIN_EXAMPLES ?? join(import.meta.dirname, '../../../packages/plugin-sdk/examples');
const birthdayTgz = join(examples, 'birthday-reminder/dist/birthday-reminder-1.0.0.tgz');
const enricherDist = join(examples, 'contact-enricher/dist');

let page: Page;
const user = uniqueEmail('settings');
const canary = 'canary-header-secret-4f1e9a';

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, user);
});
test.afterAll(async () => page.context().close());

async function openAddCredential(type: RegExp) {
  await page.goto('/settings/credentials');
  await page.getByRole('button', { name: 'Add credential' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a credential' });
  await dialog.getByLabel(type).check();
  return dialog;
}

async function addGeneric(name: string, header: string, value: string, hosts: string) {
  const dialog = await openAddCredential(/Other service/);
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('Header name').fill(header);
  await dialog.getByLabel('Header value').fill(value);
  await dialog.getByLabel('Allowed hosts').fill(hosts);
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name })).toBeVisible();
}

test('settings has a sub-navigation, and each empty screen says what to do first', async () => {
  await page.goto('/settings');
  await expect(page.getByText(user).filter(VISIBLE)).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await expect(nav.getByRole('link', { name: 'Account' })).toHaveAttribute('aria-current', 'page');

  await nav.getByRole('link', { name: 'Credentials' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Credentials' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your wallet is empty' })).toBeVisible();
  await inspect(page, 'settings-credentials-empty');
  // Keyboard: the add dialog opens with Enter, traps focus, closes with Escape and gives focus back.
  const add = page.getByRole('button', { name: 'Add credential' });
  await add.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add a credential' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(dialog.locator(':focus')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(add).toBeFocused();

  await nav.getByRole('link', { name: 'Capabilities' }).click();
  await expect(page.getByText('Nothing is switched on yet').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'settings-capabilities-off');

  await nav.getByRole('link', { name: 'Plugins' }).click();
  await expect(page.getByText('No plugins yet').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'settings-plugins-empty');

  await nav.getByRole('link', { name: 'Grants' }).click();
  await expect(page.getByRole('heading', { name: 'No plugin holds any permission' })).toBeVisible();
  await inspect(page, 'settings-grants-empty');
});

test('add a generic credential: validation first, then shown masked, tested and removed', async () => {
  const dialog = await openAddCredential(/Other service/);
  await dialog.getByLabel('Allowed hosts').fill('https://api.enrich.example.com/v1');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog.getByText('Give the credential a name').filter(VISIBLE)).toBeVisible();
  await expect(dialog.getByText('Add at least one header or query value').filter(VISIBLE)).toBeVisible();
  await expect(dialog.getByText(/Not a host name: https:/).filter(VISIBLE)).toBeVisible();
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  await inspect(page, 'settings-credential-errors', { fullPage: false });
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await addGeneric('Enrichment API', 'X-Api-Key', canary, 'api.enrich.example.com');
  const card = page.getByRole('group', { name: 'Enrichment API' });
  await expect(card.getByText('X-Api-Key')).toBeVisible();
  await expect(card.getByText('api.enrich.example.com')).toBeVisible();
  await expect(card.getByText('••••••••')).toBeVisible();
  // The secret is nowhere in the page, not even hidden.
  expect(await page.content()).not.toContain(canary);
  await page.reload();
  expect(await page.content()).not.toContain(canary);
  await inspect(page, 'settings-credentials');

  await card.getByRole('button', { name: 'Test' }).click();
  await expect(card.getByRole('status')).toContainText('no provider to test against');

  await card.getByRole('button', { name: 'Remove' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove Enrichment API?' });
  await inspect(page, 'settings-credential-remove', { fullPage: false });
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('Credential removed', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Enrichment API' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your wallet is empty' })).toBeVisible();
});

test('a Twilio credential switches nothing on until it passes its test; a failed test is explained', async () => {
  const dialog = await openAddCredential(/Twilio/);
  await dialog.getByLabel('Name', { exact: true }).fill('Work Twilio');
  await dialog.getByLabel('Account SID').fill('AC123');
  await dialog.getByLabel('Auth Token').fill('short');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog.getByText(/Enter the Account SID/).filter(VISIBLE)).toBeVisible();
  await expect(dialog.getByText(/at least 16 characters/).filter(VISIBLE)).toBeVisible();
  await dialog.getByLabel('Account SID').fill(`AC${'0123456789abcdef'.repeat(2)}`);
  await dialog.getByLabel('Auth Token').fill('f'.repeat(32));
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByRole('group', { name: 'Work Twilio' });
  await expect(card.getByText('AC…cdef')).toBeVisible();
  await expect(card.getByText('Not tested')).toBeVisible();
  expect(await page.content()).not.toContain('f'.repeat(32));
  // The hub asks Twilio; with fake values (or no internet) that fails, and says why.
  await card.getByRole('button', { name: 'Test' }).click();
  await expect(card.getByRole('status')).toContainText(/Could not reach Twilio|Twilio rejected/, { timeout: 30_000 });
  await expect(card.getByText('Test failed')).toBeVisible();
  // The reason is kept with the credential, so it is still there after a reload.
  await page.reload();
  await expect(card.getByText('Test failed')).toBeVisible();
  await expect(card.getByText(/Could not reach Twilio|Twilio rejected/)).toBeVisible();
  await inspect(page, 'settings-credential-tested');

  // Replace: the form starts empty (no secret comes back) and keeps the type.
  await card.getByRole('button', { name: 'Replace' }).click();
  const replace = page.getByRole('dialog', { name: 'Replace Work Twilio' });
  await expect(replace.getByLabel('Name', { exact: true })).toHaveValue('Work Twilio');
  await expect(replace.getByLabel('Auth Token')).toHaveValue('');
  await replace.getByLabel('Account SID').fill(`AC${'fedcba9876543210'.repeat(2)}`);
  await replace.getByLabel('Auth Token').fill('e'.repeat(32));
  await inspect(page, 'settings-credential-replace', { fullPage: false });
  await replace.getByRole('button', { name: 'Replace credential' }).click();
  await expect(page.getByText('Credential replaced', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(card.getByText('AC…3210')).toBeVisible();
  // New values, so the old test result no longer says anything about them.
  await expect(card.getByText('Not tested')).toBeVisible();

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Capabilities' }).click();
  // Held but untested: nothing is on, and each capability says what it is waiting for.
  for (const name of ['Text messages (SMS)', 'Voice calls', 'Video calls']) {
    const item = page.getByRole('listitem', { name });
    await expect(item.getByText('Off', { exact: true })).toBeVisible();
    await expect(item.getByText(/Test “Work Twilio”: this switches on once a test passes/)).toBeVisible();
  }
  // Text messages and calls need a connected number too; no connector can connect one yet.
  await expect(
    page.getByRole('listitem', { name: 'Text messages (SMS)' }).getByText(/also needs a connected number/),
  ).toBeVisible();
  const cloud = page.getByRole('listitem', { name: 'Cloud AI' });
  await expect(cloud.getByText('Off', { exact: true })).toBeVisible();
  await expect(
    page.getByText(/Nothing is switched on yet: a credential switches things on/).filter(VISIBLE),
  ).toBeVisible();
  await inspect(page, 'settings-capabilities');
  await cloud.getByRole('link', { name: 'Add OpenRouter' }).click();
  await expect(page.getByRole('dialog', { name: 'Add a credential' }).getByLabel(/OpenRouter/)).toBeChecked();
});

test('install an example plugin from its .tgz, consent, run it and read its run log', async () => {
  await page.goto('/settings/plugins');
  await expect(page.getByRole('button', { name: 'Install from a .tgz file' })).toBeEnabled();
  // Not a package: the hub refuses it and the screen says why.
  await page
    .getByLabel('Plugin package to install (.tgz)')
    .filter(VISIBLE)
    .setInputFiles({ name: 'broken.tgz', mimeType: 'application/gzip', buffer: Buffer.from('not a tarball') });
  const refusal = page.getByRole('alert').filter({ hasText: 'The plugin was not installed.' });
  await expect(refusal).toContainText('not a gzip-compressed tar file');
  await inspect(page, 'settings-plugin-install-error');

  await page.getByLabel('Plugin package to install (.tgz)').filter(VISIBLE).setInputFiles(birthdayTgz);
  await expect(page).toHaveURL(/\/settings\/plugins\/birthday-reminder$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Birthday reminder' })).toBeVisible();
  await expect(page.getByText('Waiting for your consent').filter(VISIBLE).first()).toBeVisible();
  const consent = page.getByRole('form', { name: 'Permissions for Birthday reminder' });
  for (const summary of ['Read your contacts', 'Create and change your tasks', 'Save data of its own in your hub']) {
    await expect(consent.getByLabel(summary)).toBeChecked();
  }
  await expect(consent.getByLabel('daysAhead')).toHaveValue('7');
  await expect(page.getByRole('button', { name: 'Run now' })).toHaveCount(0);
  await inspect(page, 'settings-plugin-consent');

  await consent.getByLabel('daysAhead').fill('30');
  await consent.getByRole('button', { name: 'Allow and enable' }).click();
  await expect(page.getByText('Enabled', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByText('daysAhead').filter(VISIBLE)).toBeVisible();

  await page.getByRole('button', { name: 'Run now' }).click();
  await expect(page.getByText('Last run:').filter(VISIBLE)).toBeVisible();
  const log = page.getByRole('table', { name: 'Run log, newest first' });
  await expect(log.getByRole('row').filter({ hasText: 'Run now' }).filter({ hasText: 'Succeeded' })).toHaveCount(1);
  await inspect(page, 'settings-plugin-detail');

  // Changing choices later: the form takes focus, and Cancel gives it back.
  await page.getByRole('button', { name: 'Change' }).click();
  await expect(page.getByRole('button', { name: 'Save and enable' })).toBeVisible();
  await page
    .getByRole('form', { name: 'Permissions for Birthday reminder' })
    .getByRole('button', { name: 'Cancel' })
    .click();
  await expect(page.getByRole('button', { name: 'Change' })).toBeFocused();

  await page.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByText('Disabled', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run now' })).toBeDisabled();
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByRole('button', { name: 'Run now' })).toBeEnabled();

  await page.goto('/settings/plugins');
  await expect(page.getByRole('link', { name: /Birthday reminder/ })).toBeVisible();
  await inspect(page, 'settings-plugins');
  // Installing it again is refused, with the way to upgrade instead.
  await expect(page.getByRole('button', { name: 'Install from a .tgz file' })).toBeEnabled();
  await page.getByLabel('Plugin package to install (.tgz)').filter(VISIBLE).setInputFiles(birthdayTgz);
  await expect(page.getByRole('alert').filter({ hasText: 'installed already' })).toBeVisible();
  await page.getByRole('link', { name: 'Open Birthday reminder to upgrade it' }).click();
  await expect(page).toHaveURL(/\/settings\/plugins\/birthday-reminder$/);
});

test('an upgrade that asks for more waits for consent again, with the new permission marked', async () => {
  // Version 1.1.0 of the same plugin, as a folder, asking also to send notifications.
  const dir = mkdtempSync(join(tmpdir(), 'made-open-plugin-'));
  const folder = join(dir, 'birthday-reminder-1.1.0');
  cpSync(join(examples, 'birthday-reminder/dist'), folder, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as {
    version: string;
    permissions: string[];
  };
  writeFileSync(
    join(folder, 'manifest.json'),
    JSON.stringify({ ...manifest, version: '1.1.0', permissions: [...manifest.permissions, 'notify'] }),
  );

  await page.goto('/settings/plugins/birthday-reminder');
  await expect(page.getByRole('button', { name: 'Upgrade from a folder' })).toBeEnabled();
  await page.getByLabel('Plugin folder to upgrade').filter(VISIBLE).setInputFiles(folder);
  await expect(page.getByText('Upgraded to version 1.1.0', { exact: true }).filter(VISIBLE)).toBeVisible();
  const consent = page.getByRole('form', { name: 'Permissions for Birthday reminder' });
  await expect(consent.getByLabel(/Send you notifications/)).toBeVisible();
  await expect(consent.getByText('New', { exact: true })).toHaveCount(1);
  await inspect(page, 'settings-plugin-reconsent');
  await consent.getByLabel(/Send you notifications/).uncheck();
  await expect(consent.getByText(/Not allowing one permission/)).toBeVisible();
  await consent.getByRole('button', { name: 'Allow and enable' }).click();
  await expect(page.getByText('Enabled', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByText('Send you notifications (not allowed)').filter(VISIBLE)).toBeVisible();
});

test('install from a folder with a credential bound to it', async () => {
  await addGeneric('Enricher key', 'X-Api-Key', 'another-secret-value', 'api.enrich.example.com');
  await page.goto('/settings/plugins');
  await expect(page.getByRole('button', { name: 'Install from a folder' })).toBeEnabled();
  await page.getByLabel('Plugin folder to install').filter(VISIBLE).setInputFiles(enricherDist);
  await expect(page).toHaveURL(/\/settings\/plugins\/contact-enricher$/);
  const consent = page.getByRole('form', { name: 'Permissions for Contact enricher' });
  await expect(consent.getByLabel('Connect to api.enrich.example.com on the internet')).toBeChecked();
  await expect(consent.getByLabel(/enrichApi/)).toHaveValue(/.+/);
  await expect(consent.getByLabel(/enrichApi/).locator('option:checked')).toHaveText('Enricher key');
  await consent.getByRole('button', { name: 'Allow and enable' }).click();
  await expect(page.getByText('Enabled', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByText('Enricher key').filter(VISIBLE)).toBeVisible();
});

test('review grants and revoke one; the plugin page shows it is no longer allowed', async () => {
  await page.goto('/settings/grants');
  const section = page.getByRole('region', { name: 'Birthday reminder' });
  await expect(section.getByText('Create and change your tasks')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Contact enricher' })).toBeVisible();
  await inspect(page, 'settings-grants');
  await section.getByRole('button', { name: 'Revoke entities:write:task from Birthday reminder' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Revoke this permission?' })).toBeVisible();
  await inspect(page, 'settings-grant-revoke', { fullPage: false });
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('Permission revoked', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(section.getByText('Create and change your tasks')).toHaveCount(0);
  await page.reload();
  await expect(
    page.getByRole('region', { name: 'Birthday reminder' }).getByText('Create and change your tasks'),
  ).toHaveCount(0);

  await page.goto('/settings/plugins/birthday-reminder');
  await expect(page.getByText('Create and change your tasks (not allowed)').filter(VISIBLE)).toBeVisible();
});

test('grants of rules, connectors and assistants are grouped by kind, and revoking one asks first', async () => {
  // Rules and assistants have no screens of their own yet: grant through the hub's API as a client would.
  const hub = process.env.E2E_HUB_URL!;
  const apikey = process.env.E2E_ANON_KEY!;
  const signIn = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: user, password: 'correct horse battery' }),
  });
  const { access_token: token } = (await signIn.json()) as { access_token: string };
  for (const grant of [
    { kind: 'rule', id: 'file-receipts', permission: 'entities:write:note' },
    { kind: 'rule', id: 'file-receipts', permission: 'entities:read:message' },
    { kind: 'connector', id: 'twilio', permission: 'entities:write:message' },
    { kind: 'ai', id: 'assistant', permission: 'entities:read:*' },
  ]) {
    const response = await fetch(`${hub}/api/v1/grants`, {
      method: 'POST',
      headers: { apikey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(grant),
    });
    expect(response.status).toBe(201);
  }

  await page.goto('/settings/grants');
  for (const kind of ['Plugins', 'Rules', 'Connectors', 'Assistants'])
    await expect(page.getByRole('heading', { level: 2, name: kind })).toBeVisible();
  const rule = page.getByRole('region', { name: 'file-receipts' });
  await expect(rule.getByText('2 permissions')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Twilio' })).toBeVisible();
  await inspect(page, 'settings-grants-all-kinds');
  await rule.getByRole('button', { name: 'Revoke entities:write:note from file-receipts' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Revoke this permission?' });
  await expect(dialog).toContainText('The rule file-receipts will no longer be allowed');
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('Permission revoked', { exact: true }).filter(VISIBLE)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('region', { name: 'file-receipts' }).getByText('1 permission')).toBeVisible();
});

test('a plugin the hub disabled after it crashed the plugin runtime says why on its page', async () => {
  // Through the hub's API as an outside client would: a plugin whose run aborts V8 (it
  // declares Atomics, whose timed waitAsync aborts isolated-vm 5) brings its runtime down.
  const hub = process.env.E2E_HUB_URL!;
  const apikey = process.env.E2E_ANON_KEY!;
  const signIn = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: user, password: 'correct horse battery' }),
  });
  const { access_token: token } = (await signIn.json()) as { access_token: string };
  const api = (path: string, body: unknown) =>
    fetch(`${hub}${path}`, {
      method: 'POST',
      headers: { apikey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const manifest = {
    id: 'crasher',
    name: 'Crasher',
    version: '1.0.0',
    description: 'Aborts the plugin runtime on purpose.',
    permissions: [],
    globals: ['Atomics', 'SharedArrayBuffer'],
    triggers: [{ type: 'manual' }],
  };
  const bundle =
    'module.exports = { async run() { Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(16)), 0, 0, 50); return 1; } };';
  expect((await api('/api/v1/plugins', { manifest, bundle })).status).toBe(201);
  const run = (await (await api('/api/v1/plugins/crasher/run', { input: null })).json()) as { outcome: string };
  expect(run.outcome).toBe('killed');

  await page.goto('/settings/plugins/crasher');
  await expect(page.getByText('Disabled', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'The hub disabled this plugin' })).toContainText(
    'The plugin runtime went down while it ran',
  );
  await inspect(page, 'settings-plugin-disabled-by-hub');
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByRole('button', { name: 'Disable' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'The hub disabled this plugin' })).toBeHidden();
});

test('settings screens in dark mode', async () => {
  await page.goto('/settings');
  await page.getByLabel('Dark').filter(VISIBLE).check();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await page.goto('/settings/plugins/birthday-reminder');
  await inspect(page, 'settings-plugin-detail-dark');
  await page.goto('/settings/credentials');
  await inspect(page, 'settings-credentials-dark');
  await page.goto('/settings/capabilities');
  await inspect(page, 'settings-capabilities-dark');
  await page.goto('/settings');
  await page.getByLabel('Same as device').filter(VISIBLE).check();
});

test('uninstall asks first, then removes the plugin and its grants', async () => {
  await page.goto('/settings/plugins/birthday-reminder');
  await page.getByRole('button', { name: 'Uninstall Birthday reminder' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Uninstall Birthday reminder?' });
  await inspect(page, 'settings-plugin-uninstall', { fullPage: false });
  await confirm.getByRole('button', { name: 'Uninstall' }).click();
  await expect(page).toHaveURL(/\/settings\/plugins$/);
  await expect(page.getByRole('link', { name: /Birthday reminder/ })).toHaveCount(0);
  await page.goto('/settings/grants');
  await expect(page.getByRole('region', { name: 'Birthday reminder' })).toHaveCount(0);
  await page.goto('/settings/plugins/birthday-reminder');
  await expect(page.getByRole('heading', { name: 'This plugin is not installed' })).toBeVisible();
});
