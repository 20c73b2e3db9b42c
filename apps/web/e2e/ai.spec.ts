import { expect, test, type Page } from '@playwright/test';
import type { HubSession } from './api';
import { ask as askOn, signUpWithCloudAi, untilSearchFinds } from './ai-support';
import { VISIBLE, expectFitsPhone, inspect } from './helpers';

// Ask (/ai) and AI privacy settings against a real hub, with the stand-in models of
// ai-support.ts: the operator's Ollama makes a local model for everyone; this user adds an
// OpenRouter key, so normal questions go to the cloud and sensitive ones stay local.
test.describe.configure({ mode: 'serial' });

let page: Page;
let hub: HubSession;
const ids: Record<string, string> = {};

test.beforeAll(async ({ browser }) => {
  ({ page, hub, noteId: ids.note } = await signUpWithCloudAi(browser, 'ai'));
  ids.message = (
    await hub.call<{ id: string }>('POST', '/entities', {
      type: 'message',
      title: 'The kayak is at pier nine',
      body: 'The kayak is moored at pier nine until Sunday.',
      properties: { channel: 'sms', direction: 'inbound', threadId: 'thread-ai', from: '+447700900123' },
    })
  ).id;
  await untilSearchFinds(hub, ['tulip', 'kayak'], 2);
});

test.afterAll(() => page.close());

const ask = (question: string) => askOn(page, question);

test('a normal question: cloud answer with a citation that opens the note', async () => {
  await page.goto('/ai');
  await expect(page.getByRole('heading', { level: 1, name: 'Ask' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Ask' })).toBeVisible();
  await ask('When do I plant the tulip bulbs?');
  const answer = page.getByRole('article', { name: /When do I plant the tulip bulbs/ });
  await expect(answer).toContainText('From the cloud stand-in');
  await expect(answer.getByText(/Cloud · openai\/gpt-4o-mini · no personal data found to redact/)).toBeVisible();
  await expect(answer.getByRole('link', { name: 'Tulip planting', exact: true })).toBeVisible();
  await inspect(page, 'ai-cloud-answer');
  await answer.getByRole('link', { name: /Source 1: Tulip planting/ }).click();
  await expect(page).toHaveURL(new RegExp(`/notes/${ids.note}$`));
});

test('a question about a message is answered by the local model only', async () => {
  await page.goto('/ai');
  await ask('Where is the kayak moored?');
  const answer = page.getByRole('article', { name: /Where is the kayak moored/ });
  await expect(answer).toContainText('From the local stand-in');
  await expect(answer.getByText(/Local · llama3.2:3b · nothing left your machine/)).toBeVisible();
  await expect(answer.getByText(/message · sensitive/)).toBeVisible();
  await inspect(page, 'ai-local-answer');
});

test('stop ends a long answer, retry asks again', async () => {
  await page.goto('/ai');
  await ask('Tell me the long story of the tulip bulbs');
  const answer = page.getByRole('article', { name: /long story/ });
  await expect(answer).toContainText('and then it went on');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(answer.getByText('Stopped.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Ask' })).toBeVisible();
  await answer.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('article', { name: /long story/ })).toHaveCount(2);
  // Stop once the cloud request is under way (stopped before it, nothing would be sent).
  await expect(page.getByRole('article', { name: /long story/ }).nth(1)).toContainText('and then it went on');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(
    page
      .getByRole('article', { name: /long story/ })
      .nth(1)
      .getByText('Stopped.'),
  ).toBeVisible();
});

test('AI privacy settings: data classes and the egress audit', async () => {
  await page.goto('/settings/ai');
  await expect(page.getByRole('heading', { level: 1, name: 'AI privacy' })).toBeVisible();
  const audit = page.getByRole('table', { name: /Requests sent to cloud models/ });
  await expect(audit.getByRole('row')).toHaveCount(1 + 3);
  await expect(audit.getByText('Answered')).toBeVisible();
  await expect(audit.getByText('Stopped').first()).toBeVisible();
  // By role: a streamed copy of the table can sit hidden in the DOM for a moment, and a label query would see both.
  const notes = page.getByRole('combobox', { name: 'Class of Notes' });
  await expect(notes).toHaveValue('normal');
  await notes.selectOption('sensitive');
  await expect(page.getByRole('status').filter(VISIBLE)).toHaveText('Saved for Notes.');
  await expect(page.getByRole('button', { name: 'Reset Notes to the default' })).toBeVisible();
  await expectFitsPhone(page);
  await inspect(page, 'ai-settings');
  const classes = await hub.call<{ classes: Array<{ entityType: string; dataClass: string }> }>('GET', '/ai/classes');
  expect(classes.classes.find((c) => c.entityType === 'note')?.dataClass).toBe('sensitive');
  await page.getByRole('button', { name: 'Reset Notes to the default' }).click();
  await expect(notes).toHaveValue('normal');
});

test('Search by meaning: the embedding status and a re-embed with its progress bar', async () => {
  await page.goto('/settings/ai');
  await expect(page.getByRole('heading', { level: 2, name: 'Search by meaning' })).toBeVisible();
  const model = page.getByLabel('Embedding model');
  await expect(model).toHaveValue('use-lite-512');
  const progress = page.getByRole('progressbar', { name: 'Items embedded' });
  // The hub embeds in the background: the bar reaches 100 without a reload (it polls).
  await expect(progress).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Embed everything again' }).click();
  await expect(progress).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Embed everything again' })).toBeEnabled({ timeout: 60_000 });
  await inspect(page, 'ai-settings-embeddings');
  const status = await hub.call<{ vectors: string; embedded: number; total: number }>('GET', '/ai/embeddings');
  expect(status.vectors).toBe('on');
  expect(status.embedded).toBe(status.total);
});

test("a contact's own class: set on their page, followed by Ask, listed and reset in settings", async () => {
  const grace = await hub.call<{ id: string }>('POST', '/entities', { type: 'person', title: 'Grace Hopper' });
  const note = await hub.call<{ id: string }>('POST', '/entities', {
    type: 'note',
    title: 'Library hours',
    body: 'The library opens at nine on Saturdays.',
  });
  await hub.call('POST', '/links', { kind: 'about', fromId: note.id, toId: grace.id });
  await untilSearchFinds(hub, ['library'], 1);
  await page.goto('/ai');
  await ask('When does the library open?');
  await expect(
    page.getByRole('article', { name: /library open/ }).getByText(/Cloud · openai\/gpt-4o-mini/),
  ).toBeVisible();

  await page.goto(`/contacts/${grace.id}`);
  const privacy = page.getByRole('combobox', { name: 'AI privacy for Grace Hopper' });
  await expect(privacy).toHaveValue('default');
  await privacy.selectOption('sensitive');
  await expect(page.getByRole('status').filter(VISIBLE).filter({ hasText: 'Saved.' })).toBeVisible();
  const redacted = page.getByRole('checkbox', { name: /a redacted copy may go to the cloud/ });
  await expect(redacted).not.toBeChecked();
  await inspect(page, 'ai-contact-privacy');
  expect((await hub.call<{ contacts: unknown[] }>('GET', '/ai/contacts')).contacts).toEqual([
    { personId: grace.id, name: 'Grace Hopper', dataClass: 'sensitive', cloudRedacted: false },
  ]);

  // The note is about Grace: it now goes to the local model only.
  await page.goto('/ai');
  await ask('When does the library open on Saturdays?');
  await expect(
    page.getByRole('article', { name: /library open on Saturdays/ }).getByText(/Local · llama3.2:3b/),
  ).toBeVisible();

  await page.goto('/settings/ai');
  const table = page.getByRole('table', { name: 'Data class per contact' });
  await expect(table.getByRole('link', { name: 'Grace Hopper' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Class of Grace Hopper' })).toHaveValue('sensitive');
  await expectFitsPhone(page);
  await inspect(page, 'ai-settings-contact-classes');
  await page.getByRole('button', { name: 'Grace Hopper: follow the kinds’ classes again' }).click();
  await expect(page.getByText('No contact has a class of their own.')).toBeVisible();
  expect((await hub.call<{ contacts: unknown[] }>('GET', '/ai/contacts')).contacts).toEqual([]);
});
