import { expect, test, type Page } from '@playwright/test';
import { uploadFile, type HubSession } from './api';
import { ask as askOn, signUpWithCloudAi, untilSearchFinds } from './ai-support';
import { inspect } from './helpers';

// Stored conversations on Ask, "Draft a reply" on a thread and the contact summary, against a
// real hub, with the stand-in models of ai-support.ts: the operator's Ollama is the local model;
// this user adds an OpenRouter key, so normal data goes to the cloud stand-in and message bodies
// (sensitive) only to the local one.
test.describe.configure({ mode: 'serial' });

const conversationOfEmail = 'conv-boat-e2e';
const emailThreadId = `email:${Buffer.from(conversationOfEmail, 'utf8').toString('base64url')}`;
let page: Page;
let hub: HubSession;
const ids: Record<string, string> = {};

test.beforeAll(async ({ browser }) => {
  ({ page, hub, noteId: ids.note } = await signUpWithCloudAi(browser, 'aichat'));
  ids.person = (await hub.call<{ id: string }>('POST', '/entities', { type: 'person', title: 'Ada Lovelace' })).id;
  ids.adaNote = (
    await hub.call<{ id: string }>('POST', '/entities', {
      type: 'note',
      title: 'Ada and the engine',
      body: 'Ada is writing the notes on the analytical engine.',
    })
  ).id;
  await hub.call('POST', '/links', { kind: 'about', fromId: ids.adaNote, toId: ids.person });
  // An email thread, as a mail connector stores one.
  for (const [n, direction, body] of [
    [1, 'inbound', 'Shall we take the boat out on Saturday?'],
    [2, 'inbound', 'Around ten, from pier nine. Does that work?'],
  ] as const)
    await hub.call('POST', '/entities', {
      type: 'message',
      source: 'acme-inbox',
      externalId: `boat-e2e-${n}`,
      title: 'Boat trip',
      body,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 9, n)).toISOString(),
      properties: {
        channel: 'email',
        direction,
        threadId: conversationOfEmail,
        subject: 'Boat trip',
        from: 'ada@example.org',
        to: ['me@example.org'],
      },
    });
  await untilSearchFinds(hub, ['tulip'], 1);
});

test.afterAll(() => page.close());

const ask = (question: string) => askOn(page, question);

test('a conversation is kept: listed, continued after a reload, reopened, deleted', async () => {
  await page.goto('/ai');
  const list = page.getByRole('navigation', { name: 'Conversations' });
  await expect(list.getByText('Your conversations are kept here.')).toBeVisible();
  await ask('When do I plant the tulip bulbs?');
  const first = page.getByRole('article', { name: /When do I plant the tulip bulbs/ });
  await expect(first).toContainText('From the cloud stand-in');
  await expect(page).toHaveURL(/\/ai\?c=[0-9a-f-]{36}$/);
  await expect(list.getByRole('link', { name: /When do I plant the tulip bulbs/ })).toBeVisible();

  await ask('How deep do they go?');
  const second = page.getByRole('article', { name: /How deep do they go/ });
  await expect(second).toContainText('From the cloud stand-in');
  // Answered in full (and so stored) once its privacy note is there.
  await expect(second.getByText(/Cloud · openai\/gpt-4o-mini/)).toBeVisible();
  // Stored on the hub: a reload shows both turns, with their sources.
  await page.reload();
  await expect(page.getByRole('article')).toHaveCount(2);
  await expect(first.getByRole('link', { name: 'Tulip planting', exact: true })).toBeVisible();
  await inspect(page, 'ai-conversation');

  await list.getByRole('link', { name: 'New conversation' }).click();
  await expect(page).toHaveURL(/\/ai$/);
  await expect(page.getByRole('article')).toHaveCount(0);
  await list.getByRole('link', { name: /When do I plant the tulip bulbs/ }).click();
  await expect(page.getByRole('article')).toHaveCount(2);

  const stored = await hub.call<{ conversations: Array<{ id: string }> }>('GET', '/ai/conversations');
  expect(stored.conversations).toHaveLength(1);
  await list.getByRole('button', { name: /Delete conversation: When do I plant/ }).click();
  await expect(page).toHaveURL(/\/ai$/);
  await expect(list.getByRole('link', { name: /When do I plant the tulip bulbs/ })).toHaveCount(0);
  // The hub deletes it when the undo window closes.
  await expect(async () => {
    const left = await hub.call<{ conversations: unknown[] }>('GET', '/ai/conversations');
    expect(left.conversations).toHaveLength(0);
  }).toPass({ timeout: 20_000 });
});

test('a send the assistant proposes waits for the user: nothing is sent unless confirmed', async () => {
  await page.goto('/ai');
  await ask('Please text the gardener about the tulip bulbs');
  const answer = page.getByRole('article', { name: /text the gardener/ });
  await expect(answer.getByText('Proposed a text for you to send')).toBeVisible();
  const proposal = answer.getByRole('group', { name: 'Proposed message' });
  await expect(proposal.getByRole('textbox')).toHaveValue('The tulips go in next week.');
  await expect(answer.getByText('Nothing is sent until you confirm.')).toBeVisible();
  await inspect(page, 'ai-send-proposal');
  await answer.getByRole('button', { name: 'Dismiss' }).click();
  await expect(answer.getByText('Proposal dismissed: nothing was sent.')).toBeVisible();
});

test('a message the cloud model asks to read is read by the local model, which finishes the answer', async () => {
  await hub.call('POST', '/grants', { kind: 'ai', id: 'assistant', permission: 'entities:read:*' });
  await untilSearchFinds(hub, ['pier'], 1);
  await page.goto('/ai');
  // The question finds the tulip note (normal), so the cloud model answers; the mail it reads is sensitive.
  await ask('Look it up: where do the tulip bulbs go?');
  const answer = page.getByRole('article', { name: /Look it up/ });
  await expect(answer.getByText('Searched your data')).toBeVisible();
  await expect(answer.getByText('Read “Boat trip”: sensitive, so your local model read it and answered')).toBeVisible();
  await expect(answer.getByText(/^From the local stand-in:/)).toBeVisible();
  await expect(answer.getByText(/then local · llama3\.2:3b · the sensitive data stayed on your machine/)).toBeVisible();
  await inspect(page, 'ai-handoff-to-local');
});

test('an email the assistant proposes attaches a stored file; subject, text and files are the user’s to change', async () => {
  // The assistant may read files: "look it up" above granted entities:read:*.
  await uploadFile(hub, `garden-${Date.now()}`, 'planting-plan.txt', 'Tulips: along the fence, 15 cm deep.');
  await untilSearchFinds(hub, ['planting'], 1);
  await page.goto('/ai');
  await ask('Please email the planting plan to the gardener');
  const answer = page.getByRole('article', { name: /email the planting plan/ });
  const proposal = answer.getByRole('group', { name: 'Proposed message' });
  await expect(proposal).toContainText('Proposed email to gardener@example.org');
  await expect(proposal.getByRole('textbox', { name: 'Subject' })).toHaveValue('Planting plan');
  await expect(proposal.getByRole('textbox', { name: /Proposed message/ })).toHaveValue(
    'Here is the planting plan for the tulips.',
  );
  await expect(answer.getByText('Proposed an email with 1 file for you to send')).toBeVisible();
  const files = proposal.getByRole('list', { name: 'Attached files' });
  await expect(files.getByRole('listitem')).toHaveText([/planting-plan\.txt\s*36 B/]);
  await inspect(page, 'ai-email-proposal');
  // This user has no mail account: the hub refuses, and says what to do; nothing went out.
  await proposal.getByRole('button', { name: 'Send' }).click();
  await expect(proposal.getByRole('alert')).toContainText('No mail account is connected, so this cannot be sent.');
  await expect(proposal.getByRole('link', { name: 'Connect a mail account in Settings → Connections' })).toBeVisible();
  await inspect(page, 'ai-email-proposal-no-account');
  await proposal.getByRole('button', { name: 'Remove planting-plan.txt' }).click();
  await expect(files).toHaveCount(0);
  await proposal.getByRole('button', { name: 'Dismiss' }).click();
  await expect(answer.getByText('Proposal dismissed: nothing was sent.')).toBeVisible();
});

test('draft a reply: the local model writes it into the reply composer, where it is edited', async () => {
  await page.goto(`/messages/${encodeURIComponent(emailThreadId)}`);
  await expect(page.getByRole('heading', { name: 'Boat trip' })).toBeVisible();
  await page.getByRole('button', { name: 'Draft a reply' }).click();
  const body = page.getByRole('textbox', { name: /^(Message|Text|Body)/ });
  await expect(body).toHaveValue('From the local stand-in: Saturday at ten works for me, see you at the pier.');
  await expect(page.getByRole('status').filter({ hasText: 'Drafted on your machine by llama3.2:3b' })).toBeVisible();
  await body.fill('Saturday at ten works, see you at pier nine.');
  await inspect(page, 'ai-draft-reply');
  // Message bodies are sensitive: the cloud got nothing for this draft.
  const egress = await hub.call<{ entries: Array<{ purpose: string }> }>('GET', '/ai/egress');
  expect(egress.entries.filter((e) => e.purpose === 'draft')).toEqual([]);
});

test('a contact page summarises the history with the person, and keeps it', async () => {
  await page.goto(`/contacts/${ids.person}`);
  await page.getByRole('button', { name: 'Summarise my history with Ada Lovelace' }).click();
  await expect(page.getByText('From the cloud stand-in: this is about "Ada Lovelace"')).toBeVisible();
  await expect(page.getByText(/Cloud · openai\/gpt-4o-mini/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Source 1: Ada Lovelace' })).toBeVisible();
  await inspect(page, 'ai-contact-summary');
  // Kept: shown again on the next visit without asking a model.
  const before = (await hub.call<{ entries: unknown[] }>('GET', '/ai/egress')).entries.length;
  await page.reload();
  // In main: while the page streams in, a hidden copy of the summary can sit in the document for a moment.
  await expect(page.getByRole('main').getByText('From the cloud stand-in: this is about "Ada Lovelace"')).toBeVisible();
  expect((await hub.call<{ entries: unknown[] }>('GET', '/ai/egress')).entries.length).toBe(before);
});

test('a summary shows as the model writes it, and Stop ends it without keeping anything', async () => {
  const teller = await hub.call<{ id: string }>('POST', '/entities', { type: 'person', title: 'Long Story Teller' });
  await page.goto(`/contacts/${teller.id}`);
  await page.getByRole('button', { name: 'Summarise my history with Long Story Teller' }).click();
  const card = page.getByRole('main');
  await expect(card.getByText(/From the cloud stand-in: and then it went on/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Summarising…' })).toBeDisabled();
  await expect(card.getByText(/Cloud · openai/)).toHaveCount(0);
  await inspect(page, 'ai-contact-summary-streaming');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Summarise my history with Long Story Teller' })).toBeEnabled();
  await expect(card.getByText(/and then it went on/)).toHaveCount(0);
  const stored = await hub.call<{ summary: unknown }>('GET', `/ai/people/${teller.id}/summary`);
  expect(stored.summary).toBeNull();
});
