import { expect, test, type Page } from '@playwright/test';
import { hubSession, uploadFile, type HubSession } from './api';
import { VISIBLE, inspect, signUp, uniqueEmail } from './helpers';

// The unified inbox (issue 13 §7) against a real hub. No mail account can be connected here
// (the Microsoft Graph connector needs Microsoft), so email is seeded through the hub's API as
// a connector stores it (POST /entities, source "e2e-mail"), an attachment is already in
// Storage, and sending checks the "connect an account" answer; the hub's tests cover sending.
test.describe.configure({ mode: 'serial' });

const user = uniqueEmail('inbox');
const OWN = '+14155550100';
const CONVERSATION = 'AAQkADAwATM0MDAAMS1iNmI2LTBkN2QtMDACLTAwCgAQAE2e2e+/conv=';
const emailThreadId = `email:${Buffer.from(CONVERSATION).toString('base64url')}`;

let page: Page;
let hub: HubSession;
let adaId: string;
const threadRow = (name: RegExp | string) => page.getByRole('list', { name: 'Threads' }).getByRole('link', { name });

async function seedEmail(externalId: string, minutesAgo: number, properties: Record<string, unknown>, body: string) {
  return (
    await hub.call<{ id: string }>('POST', '/entities', {
      type: 'message',
      source: 'e2e-mail',
      externalId,
      title: String(properties.subject ?? ''),
      body,
      occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      properties: { channel: 'email', threadId: CONVERSATION, ...properties },
    })
  ).id;
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await signUp(page, user);
  hub = await hubSession(user);
  const ada = await hub.call<{ id: string }>('POST', '/persons', {
    name: 'Ada Lovelace',
    emails: ['ada@example.org'],
  });
  adaId = ada.id;
  const ann = await hub.call<{ id: string }>('POST', '/persons', { name: 'Ann Texter', phones: ['+14155550123'] });
  await hub.call('POST', '/entities', {
    type: 'message',
    source: 'twilio',
    externalId: `SM${Date.now()}`,
    title: 'See you Friday',
    body: 'See you Friday',
    occurredAt: new Date(Date.now() - 90 * 60_000).toISOString(),
    properties: {
      channel: 'sms',
      direction: 'inbound',
      from: '+14155550123',
      to: [OWN],
      threadId: `sms:${OWN}:${ann.id}`,
    },
  });
  const notes = await uploadFile(hub, `mail-e2e-${Date.now()}`, 'notes.txt', 'Agenda: numbers');
  await seedEmail(
    'e1',
    60,
    {
      direction: 'inbound',
      from: 'ada@example.org',
      to: ['me@example.net'],
      subject: 'Quarterly numbers',
      isRead: true,
    },
    'Here are the numbers.',
  );
  await seedEmail(
    'e2',
    30,
    {
      direction: 'outbound',
      from: 'me@example.net',
      to: ['ada@example.org'],
      subject: 'Re: Quarterly numbers',
      isRead: true,
    },
    'Thanks, looking now.',
  );
  await seedEmail(
    'e3',
    5,
    {
      direction: 'inbound',
      from: 'ada@example.org',
      to: ['me@example.net'],
      cc: ['grace@example.org'],
      names: { 'grace@example.org': 'Grace Hopper' },
      subject: 'Re: Quarterly numbers',
      isRead: false,
      html:
        '<h2 style="color:#1d4ed8">Numbers for Q4</h2><p>Revenue is <b>up 12%</b>. The agenda is attached.</p>' +
        '<p><img alt="Chart" data-src="https://images.example/chart.png" width="200" height="80"></p>',
      attachments: [{ id: 'a1', name: 'notes.txt', contentType: 'text/plain', size: 15, path: notes }],
    },
    'Numbers for Q4. Revenue is up 12%. The agenda is attached.',
  );
});
test.afterAll(async () => page.context().close());

test('email threads sit beside texts, with a filter and unread counts', async () => {
  await page.goto('/messages');
  const email = threadRow(/Email: Ada Lovelace/);
  await expect(email).toBeVisible();
  await expect(email).toHaveAccessibleName(/Re: Quarterly numbers.*Attachment.*1 unread/);
  await expect(threadRow(/Text: Ann Texter/)).toBeVisible();
  await inspect(page, 'inbox-list');

  await page.getByRole('button', { name: 'Email, 1 unread' }).filter(VISIBLE).click();
  await expect(threadRow(/Ann Texter/)).toHaveCount(0);
  await expect(email).toBeVisible();
  await page.getByRole('button', { name: 'Texts' }).filter(VISIBLE).click();
  await expect(threadRow(/Ada Lovelace/)).toHaveCount(0);
  await expect(threadRow(/Ann Texter/)).toBeVisible();
  await page.getByRole('button', { name: /^All/ }).click();
});

test('an email thread shows each message, its HTML sandboxed, images on request and attachments', async () => {
  await page.goto(`/messages/${encodeURIComponent(emailThreadId)}`);
  await expect(page.getByRole('heading', { level: 2, name: 'Re: Quarterly numbers' })).toBeVisible();
  const emails = page.getByRole('list', { name: /Emails in/ }).getByRole('article');
  await expect(emails).toHaveCount(3);
  await expect(emails.nth(0)).toContainText('Here are the numbers.');
  await expect(emails.nth(1)).toContainText('You');
  const last = emails.nth(2);
  await expect(last).toContainText('Cc Grace Hopper');
  const frame = last.locator('iframe');
  await expect(frame).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
  await expect(page.frameLocator('iframe').getByText('up 12%')).toBeVisible();
  await expect(page.frameLocator('iframe').locator('img')).not.toHaveAttribute('src', /.+/);
  // The email's own HTML sits in a sandboxed frame without scripts, which axe cannot enter.
  await inspect(page, 'inbox-email-thread', { axeExclude: ['iframe'] });

  await last.getByRole('button', { name: 'Show images' }).click();
  await expect(page.frameLocator('iframe').locator('img')).toHaveAttribute('src', 'https://images.example/chart.png');
  await expect(last.getByRole('button', { name: 'Show images' })).toHaveCount(0);

  const download = page.waitForEvent('download');
  await last.getByRole('link', { name: /notes\.txt/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('notes.txt');
  const chunks: Buffer[] = [];
  for await (const chunk of (await file.createReadStream())!) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe('Agenda: numbers');

  // Opening it read it; Mark unread brings the count back.
  await expect(threadRow(/Ada Lovelace/).filter(VISIBLE)).not.toHaveAccessibleName(/unread/);
  await page.getByRole('button', { name: 'Mark unread' }).click();
  await expect(page).toHaveURL(/\/messages$/);
  await expect(threadRow(/Ada Lovelace/)).toHaveAccessibleName(/1 unread/);
});

test('Reply fills in the sender; with no mail account the answer says where to connect one', async () => {
  await page.goto(`/messages/${encodeURIComponent(emailThreadId)}`);
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const form = page.getByRole('form', { name: 'Reply' });
  await expect(form.getByRole('button', { name: 'Remove Ada Lovelace from To' })).toBeVisible();
  await expect(form.getByLabel('Subject')).toHaveValue('Re: Quarterly numbers');
  await form.getByLabel('Message').fill('Great news, thank you!');
  await form.getByRole('button', { name: 'Send email' }).click();
  const alert = form.getByRole('alert');
  await expect(alert).toContainText('No mail account is connected');
  await expect(alert.getByRole('link', { name: /Connect a mail account/ })).toHaveAttribute(
    'href',
    '/settings/connections',
  );
  await inspect(page, 'inbox-reply', { axeExclude: ['iframe'] });
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Reply all' })).toBeVisible();
});

test('a new email suggests recipients from contacts and takes attachments', async () => {
  await page.goto('/messages');
  await page.getByRole('link', { name: 'New email' }).click();
  await expect(page.getByRole('heading', { name: 'New email' }).filter(VISIBLE)).toBeVisible();
  const to = page.getByLabel('To', { exact: true }).filter(VISIBLE);
  await to.fill('Ada');
  await page.getByRole('button', { name: /Ada Lovelace ada@example\.org/ }).click();
  await expect(page.getByRole('button', { name: 'Remove Ada Lovelace from To' })).toBeVisible();
  await page.getByRole('button', { name: 'Add Cc' }).click();
  await page.getByLabel('Cc', { exact: true }).fill('grace@example.org');
  await page.getByLabel('Cc', { exact: true }).press('Enter');
  await expect(page.getByRole('button', { name: 'Remove grace@example.org from Cc' })).toBeVisible();
  await page.getByLabel('Subject').fill('Plans');
  await page.getByLabel('Message').fill('Shall we meet on Friday?');
  await page.getByLabel('Files to attach').setInputFiles({
    name: 'plan.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Friday: 10:00'),
  });
  await expect(page.getByRole('list', { name: 'Attached files' })).toContainText('plan.txt');
  await inspect(page, 'inbox-compose');
  await page.getByRole('button', { name: 'Send email' }).click();
  await expect(page.getByRole('form', { name: 'New email' }).getByRole('alert')).toContainText(
    'No mail account is connected',
  );
  expect(adaId).toBeTruthy();
});
