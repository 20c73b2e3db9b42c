import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { hubSession, type HubSession } from './api';
import { inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let hub: HubSession;
let ruleId: string;
const SHOTS = join(import.meta.dirname, '../test-results/screenshots');

/** The phone this screen is designed for (402 px wide), beside inspect's desktop and 390 px shots. */
async function phoneShot(name: string) {
  const original = page.viewportSize()!;
  await page.setViewportSize({ width: 402, height: 874 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, `${name}-phone-402.png`), fullPage: true });
  await page.setViewportSize(original);
}

/** An inbound email from Vera, as the mail connector's ingest writes it: it fires data.EntityCreated. */
async function emailFromVera(title: string) {
  await hub.call('POST', '/entities', {
    type: 'message',
    title,
    properties: { channel: 'email', direction: 'inbound', from: 'vera@example.org', subject: title },
  });
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  const email = uniqueEmail('rules');
  await signUp(page, email);
  hub = await hubSession(email);
  // Vera is a contact tagged vip; one email from her is already in the history a dry run replays.
  const vera = await hub.call<{ id: string }>('POST', '/entities', {
    type: 'person',
    title: 'Vera Vip',
    properties: { tags: ['vip'] },
  });
  await hub.call('POST', `/persons/${vera.id}/identifiers`, { kind: 'email', value: 'vera@example.org' });
  await emailFromVera('Quarterly numbers');
});
test.afterAll(async () => page.context().close());

test('creates a rule from a template in the builder, edited in its typed forms', async () => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Rules' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Rules' })).toBeVisible();
  await expect(page.getByText('No rules yet')).toBeVisible();
  await inspect(page, 'rules-empty');

  await page.getByRole('link', { name: 'Use template: Notify me of email from a VIP' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New rule: Notify me of email from a VIP' })).toBeVisible();
  const diagram = page.getByRole('region', { name: 'Rule diagram' });
  await expect(diagram.getByRole('button', { name: /^Trigger: When data\.EntityCreated/ })).toBeVisible();
  await expect(diagram.getByRole('button', { name: /^Condition: The person\. tagged vip/ })).toBeVisible();

  // The builder's tab panel is a tab stop of its own: reached from its tab, it shows a focus ring.
  await page.getByRole('tab', { name: 'Builder' }).focus();
  await page.keyboard.press('Tab');
  const panel = page.getByRole('tabpanel', { name: 'Builder' });
  await expect(panel).toBeFocused();
  expect(await panel.evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe('none');

  // By keyboard: focus the step's node and open its form with Enter.
  await diagram.getByRole('button', { name: /^Step: notify: notify/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Step: notify: notify' })).toBeVisible();
  await page.getByLabel('title', { exact: true }).fill('VIP email from {{ person.title }}');
  // Inline validation: a bad id is named at its field and on the node, and saving waits for a fix.
  await page.getByLabel('Step id').fill('1bad');
  await expect(page.getByText('ids are a letter then letters').first()).toBeVisible();
  await expect(diagram.getByRole('button', { name: /Has problems/ })).toBeVisible();
  await page.getByLabel('Step id').fill('tell');
  await expect(diagram.getByRole('button', { name: /Has problems/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByLabel('Rule name').fill('VIP mail alert');

  await page.getByRole('button', { name: 'Create rule' }).click();
  // The hub asks for the permission the notify step needs; the person approves it here.
  await expect(page.getByRole('alert').filter({ hasText: 'needs your permission to: notify' })).toBeVisible();
  await page.getByRole('button', { name: 'Allow and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'VIP mail alert' })).toBeVisible();
  ruleId = new URL(page.url()).pathname.split('/').pop()!;
  const saved = await hub.call<{ version: number; enabled: boolean; definition: { steps: unknown[] } }>(
    'GET',
    `/rules/${ruleId}`,
  );
  expect(saved).toMatchObject({ version: 1, enabled: false });
  expect(saved.definition.steps).toEqual([
    {
      id: 'tell',
      type: 'action',
      action: 'notify',
      with: { title: 'VIP email from {{ person.title }}', body: '{{ trigger.data.entity.title }}' },
    },
  ]);
  await inspect(page, 'rules-builder');
  await phoneShot('rules-builder');
});

test('edits the same rule as YAML, with errors by line, and saves a new version', async () => {
  await page.getByRole('tab', { name: 'YAML / JSON' }).click();
  const text = page.getByLabel('The rule as YAML');
  const yaml = await text.inputValue();
  expect(yaml).toContain('name: VIP mail alert');
  await text.fill('name: [unclosed\n');
  await expect(page.getByRole('alert').filter({ hasText: 'Not valid YAML' })).toContainText(
    /Not valid YAML: Line \d+, column \d+/,
  );
  await text.fill(yaml.replace('mode: parallel', 'mode: queued').replace('max: 10', 'max: 2'));
  await expect(page.getByText('The rule is valid.')).toBeVisible();
  // The builder shows what the text says.
  await page.getByRole('tab', { name: 'Builder' }).click();
  await expect(page.getByLabel('When it fires while a run is active')).toHaveValue('queued');
  await page.getByLabel('Note for this version (optional)').fill('queue instead of parallel');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2.' })).toBeVisible();
  // Said once: the state line above the status does not repeat it.
  await expect(page.getByText('Version 2, saved.')).toHaveCount(0);
  expect((await hub.call<{ version: number }>('GET', `/rules/${ruleId}`)).version).toBe(2);
});

test('dry-runs the rule on the history: the email already received would have fired it', async () => {
  await page.getByRole('tab', { name: 'Dry run' }).click();
  await page.getByRole('button', { name: 'Try on my history' }).click();
  const result = page.getByRole('region', { name: 'Dry run result' });
  await expect(result.getByRole('status')).toContainText('it would have run 1 time');
  const wouldRun = result.getByRole('list', { name: 'Would have run' });
  await expect(wouldRun).toContainText('data.EntityCreated');
  await expect(wouldRun).toContainText('simulated');
  await inspect(page, 'rules-dry-run');
});

test('switched on, an email from a VIP runs it; the trace shows each step and the path it took', async () => {
  const toggle = page.getByRole('switch', { name: 'VIP mail alert enabled' });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await emailFromVera('Contract signed');
  await expect(async () => {
    const runs = await hub.call<{ items: { status: string }[] }>('GET', `/rules/${ruleId}/runs`);
    expect(runs.items.map((r) => r.status)).toEqual(['succeeded']);
  }).toPass({ timeout: 30_000 });

  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  const runs = page.getByRole('list', { name: 'Recent runs' });
  await runs.getByRole('button', { name: /succeeded/ }).click();
  const trace = page.getByRole('region', { name: 'Run trace' });
  await expect(trace.getByRole('list', { name: 'Trace' })).toContainText('tell');
  await expect(trace.getByRole('list', { name: 'Trace' })).toContainText('ok');
  const path = trace.getByRole('region', { name: 'The path this run took through version 2' });
  await expect(path.getByRole('img', { name: /^Step: tell: notify.*In this run: ok/ })).toBeVisible();
  await expect(path.getByRole('img', { name: /^Trigger: When data\.EntityCreated.*In this run: ok/ })).toBeVisible();
  await expect(path.getByRole('img', { name: /^Condition: The person.*In this run: true/ })).toBeVisible();
  await inspect(page, 'rules-trace');
  await phoneShot('rules-trace');
});

test('diffs two versions and rolls back to the first', async () => {
  await page.getByRole('tab', { name: 'Versions' }).click();
  const versions = page.getByRole('list', { name: 'Versions' });
  await expect(versions.getByRole('listitem')).toHaveCount(2);
  await page.getByLabel('From', { exact: true }).selectOption('1');
  await page.getByLabel('To', { exact: true }).selectOption('2');
  await page.getByRole('button', { name: 'Compare' }).click();
  const changes = page.getByLabel('Changes from version 1 to version 2');
  await expect(changes).toContainText('removed: - mode: parallel');
  await expect(changes).toContainText('added: + mode: queued');
  await inspect(page, 'rules-versions');

  await versions.getByRole('button', { name: 'Roll back to version 1', exact: true }).click();
  await page.getByRole('button', { name: 'Roll back to version 1 now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 3.' })).toBeVisible();
  const rule = await hub.call<{ version: number; definition: { mode: string } }>('GET', `/rules/${ruleId}`);
  expect(rule).toMatchObject({ version: 3, definition: { mode: 'parallel' } });
  await expect(versions.getByRole('listitem')).toHaveCount(3);
});

test('a save over a version someone saved since is refused with the newer version to load (If-Match)', async () => {
  // Saved elsewhere (another tab, the API) while this editor still holds version 3.
  const current = await hub.call<{ definition: Record<string, unknown> }>('GET', `/rules/${ruleId}`);
  const elsewhere = await fetch(`${process.env.E2E_HUB_URL}/api/v1/rules/${ruleId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json', 'if-match': '"3"' },
    body: JSON.stringify({ definition: { ...current.definition, description: 'changed elsewhere' } }),
  });
  expect(elsewhere.status).toBe(200);

  await page.getByRole('tab', { name: 'Builder' }).click();
  await page.getByLabel('Rule name').fill('VIP mail alert!');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Someone saved version 4' })).toBeVisible();
  await page.getByRole('button', { name: 'Load version 4' }).click();
  await expect(page.getByLabel('Description')).toHaveValue('changed elsewhere');
  await expect(page.getByLabel('Rule name')).toHaveValue('VIP mail alert');
  await page.getByLabel('Rule name').fill('VIP mail alert');
  await page.getByLabel('Description').fill('Tells me when a VIP writes.');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 5.' })).toBeVisible();
});

test('the list shows the rule on, its last run, and deletes it; on a phone Rules is under More', async () => {
  await page.goto('/rules');
  const item = page.getByRole('listitem', { name: 'VIP mail alert' });
  await expect(item).toContainText('Version 5');
  await expect(item).toContainText('Last run');
  await expect(item.getByRole('switch', { name: 'VIP mail alert enabled' })).toHaveAttribute('aria-checked', 'true');
  await inspect(page, 'rules-list');

  await page.setViewportSize({ width: 402, height: 874 });
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await expect(nav.getByRole('link', { name: 'Rules' })).toBeHidden();
  await nav.getByRole('button', { name: 'More sections' }).click();
  await expect(page.getByRole('menuitem', { name: 'Rules' })).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'rules-more-menu-phone-402.png') });
  await page.keyboard.press('Escape');
  await phoneShot('rules-list');
  await page.setViewportSize({ width: 1280, height: 800 });

  await item.getByRole('button', { name: 'Delete VIP mail alert' }).click();
  await item.getByRole('button', { name: 'Delete VIP mail alert now' }).click();
  await expect(page.getByText('No rules yet')).toBeVisible();
  expect((await hub.request('GET', `/rules/${ruleId}`)).status).toBe(404);
});

test('a step can ask AI to summarise: its typed form, and the permissions it asks for at save', async () => {
  await page.goto('/rules');
  await page.getByRole('link', { name: 'Use template: Notify me of email from a VIP' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New rule: Notify me of email from a VIP' })).toBeVisible();
  const diagram = page.getByRole('region', { name: 'Rule diagram' });
  await diagram.getByRole('button', { name: /^Step: notify: notify/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Step: notify: notify' })).toBeVisible();
  await page.getByLabel('Action', { exact: true }).selectOption('ai.summarize');
  // The new action's fields, with what a step on a new item needs filled in already.
  await expect(page.getByLabel('subjectId', { exact: true })).toHaveValue('{{ trigger.data.entity.id }}');
  await expect(page.getByLabel('scope', { exact: true })).toHaveValue('entity');
  await expect(page.getByText('the rule never sends it')).toHaveCount(0);
  await expect(page.getByText(/only to a local model unless you allowed a redacted copy/)).toBeVisible();
  await page.getByLabel('scope', { exact: true }).selectOption('thread');
  await page.getByLabel('instruction', { exact: true }).fill('What does Vera need from me?');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByLabel('Rule name').fill('VIP mail summary');
  await page.getByRole('button', { name: 'Create rule' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'needs your permission to: ai:generate' })).toBeVisible();
  await page.getByRole('button', { name: 'Allow and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'VIP mail summary' })).toBeVisible();
  const savedId = new URL(page.url()).pathname.split('/').pop()!;
  const saved = await hub.call<{ definition: { steps: Array<Record<string, unknown>> } }>('GET', `/rules/${savedId}`);
  expect(saved.definition.steps[0]).toMatchObject({
    action: 'ai.summarize',
    with: {
      subjectId: '{{ trigger.data.entity.id }}',
      scope: 'thread',
      instruction: 'What does Vera need from me?',
      saveAs: 'note',
    },
  });
  expect((await hub.request('DELETE', `/rules/${savedId}`)).status).toBeLessThan(300);
});

test("a choice's branches are edited in its form: each branch's condition, groups inside it, a branch added", async () => {
  await page.goto('/rules');
  await page.getByRole('link', { name: 'Use template: Notify me of email from a VIP' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New rule: Notify me of email from a VIP' })).toBeVisible();
  await page.getByLabel('Kind of step to add').selectOption('choose');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const diagram = page.getByRole('region', { name: 'Rule diagram' });
  await diagram.getByRole('button', { name: /^Step: choose: choose/ }).focus();
  await page.keyboard.press('Enter');
  const first = page.getByRole('group', { name: 'Branch 1: when' });
  await first.getByLabel('Field').fill('trigger.data.entity.title');
  await first.getByLabel('Comparison').selectOption('contains');
  await first.getByLabel('Value').fill('invoice');

  await page.getByRole('button', { name: 'Add a branch' }).click();
  const second = page.getByRole('group', { name: 'Branch 2: when' });
  await second.getByLabel('Kind of condition').first().selectOption('any');
  await second.getByRole('button', { name: 'Add a condition to this group' }).click();
  const member = second.getByRole('group', { name: 'Condition 2 of the group' });
  await member.getByLabel('Kind of condition').selectOption('person');
  await member.getByLabel('Has the tag').fill('family');
  await second.getByRole('button', { name: 'Remove condition 1' }).click();
  await inspect(page, 'rules-choice-branches');
  await page.getByRole('button', { name: 'Done' }).click();

  await page.getByLabel('Rule name').fill('Invoices or family');
  await page.getByRole('button', { name: 'Create rule' }).click();
  await page.getByRole('button', { name: 'Allow and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Invoices or family' })).toBeVisible();
  const savedId = new URL(page.url()).pathname.split('/').pop()!;
  const saved = await hub.call<{ definition: { steps: Array<Record<string, unknown>> } }>('GET', `/rules/${savedId}`);
  expect(saved.definition.steps[1]).toMatchObject({
    type: 'choose',
    choices: [
      { when: { cmp: { left: 'trigger.data.entity.title', op: 'contains', right: 'invoice' } } },
      { when: { any: [{ person: { tag: 'family' } }] }, steps: [] },
    ],
  });
  expect((await hub.request('DELETE', `/rules/${savedId}`)).status).toBeLessThan(300);
});

test('a rule on a calendar event starting soon asks how many minutes before, checked as you type', async () => {
  await page.goto('/rules/new');
  await expect(page.getByRole('heading', { level: 1, name: 'New rule' })).toBeVisible();
  const diagram = page.getByRole('region', { name: 'Rule diagram' });
  await diagram.getByRole('button', { name: /^Trigger: When run by hand/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Kind of trigger').selectOption('event');
  await expect(page.getByLabel('Minutes before it starts')).toHaveCount(0);
  await page.getByLabel('Event type').selectOption('calendar.EventStarting');
  const minutes = page.getByLabel('Minutes before it starts');
  await expect(minutes).toHaveValue('10');
  // Inline validation: out of range and empty are named at the field and on the node.
  await minutes.fill('20000');
  await expect(page.getByText('minutesBefore is 0 to 10080 minutes (7 days)').first()).toBeVisible();
  await expect(minutes).toHaveAttribute('aria-invalid', 'true');
  await expect(diagram.getByRole('button', { name: /Has problems/ })).toBeVisible();
  await inspect(page, 'rules-calendar-starting-invalid');
  await minutes.fill('');
  await expect(page.getByText('calendar.EventStarting needs minutesBefore').first()).toBeVisible();
  await minutes.fill('15');
  await expect(diagram.getByRole('button', { name: /Has problems/ })).toHaveCount(0);
  await expect(diagram.getByRole('button', { name: /^Trigger: When calendar\.EventStarting/ })).toContainText(
    '15 min before it starts',
  );
  await inspect(page, 'rules-calendar-starting');
  await page.getByRole('button', { name: 'Done' }).click();

  await page.getByLabel('Rule name').fill('Meeting in 15');
  await page.getByRole('button', { name: 'Create rule' }).click();
  await page.getByRole('button', { name: 'Allow and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Meeting in 15' })).toBeVisible();
  const savedId = new URL(page.url()).pathname.split('/').pop()!;
  const saved = await hub.call<{ definition: { triggers: Array<Record<string, unknown>> } }>(
    'GET',
    `/rules/${savedId}`,
  );
  expect(saved.definition.triggers).toEqual([
    { id: 'manual', type: 'event', event: 'calendar.EventStarting', minutesBefore: 15, includeBackfill: false },
  ]);
  expect((await hub.request('DELETE', `/rules/${savedId}`)).status).toBeLessThan(300);
});

test('a step can run one of my plugins: picked from my installed plugins, its JSON input checked as typed, approved at save', async () => {
  // A plugin that writes a note with its own grant, installed and consented to through the hub's API.
  const bundle = `module.exports = {
    async run(input, ctx) {
      const note = await ctx.entities.create({ type: 'note', title: String(input && input.title) });
      return { noteId: note.id };
    },
  };`;
  await hub.call('POST', '/plugins', {
    manifest: {
      id: 'note-writer',
      name: 'Note writer',
      version: '1.0.0',
      permissions: ['entities:write:note'],
      triggers: [{ type: 'manual' }],
    },
    bundle,
  });
  await hub.call('POST', '/plugins/note-writer/consent', { permissions: ['entities:write:note'] });

  await page.goto('/rules/new');
  await expect(page.getByRole('heading', { level: 1, name: 'New rule' })).toBeVisible();
  const diagram = page.getByRole('region', { name: 'Rule diagram' });
  await diagram.getByRole('button', { name: /^Step: notify: notify/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Action', { exact: true }).selectOption('plugins.run');
  await expect(page.getByText('with only the permissions you granted it in Settings → Plugins')).toBeVisible();
  const picker = page.getByLabel('pluginId', { exact: true });
  await expect(picker.getByRole('option', { name: 'Note writer (note-writer)' })).toBeAttached();
  await picker.selectOption('note-writer');
  const input = page.getByLabel('input', { exact: true });
  await input.fill('{"title": ');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/^Not valid JSON/)).toBeVisible();
  // From the top: scrolled down to the field, the sticky header lies over the toolbar, which axe counts as a small target.
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'rules-plugin-step');
  // Until it parses, the rule does not save.
  await page.getByRole('button', { name: 'Create rule' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: /Fix \/steps\/0\/with\/input first: Not valid JSON/ }),
  ).toBeVisible();
  await input.fill('{"title": "From my rule {{ trigger.time }}"}');
  await expect(input).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByLabel('Rule name').fill('Run my note writer');
  await page.getByRole('button', { name: 'Create rule' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'needs your permission to: plugins:run:note-writer' }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Allow and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Run my note writer' })).toBeVisible();
  const savedId = new URL(page.url()).pathname.split('/').pop()!;
  const saved = await hub.call<{ definition: { steps: Array<Record<string, unknown>> } }>('GET', `/rules/${savedId}`);
  expect(saved.definition.steps[0]).toMatchObject({
    action: 'plugins.run',
    with: { pluginId: 'note-writer', input: { title: 'From my rule {{ trigger.time }}' } },
  });
  expect((await hub.request('DELETE', `/rules/${savedId}`)).status).toBeLessThan(300);
  expect((await hub.request('DELETE', '/plugins/note-writer')).status).toBeLessThan(300);
});
