import { expect, test, type Page } from '@playwright/test';
import { hubSession, seedCall, seedMessage, type HubSession } from './api';
import { HOME, VISIBLE, inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

const DAY = 24 * 3600 * 1000;
let page: Page;
let hub: HubSession;

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ timezoneId: 'Europe/London' })).newPage();
  const email = uniqueEmail('home');
  await signUp(page, email);
  hub = await hubSession(email);
});
test.afterAll(async () => page.context().close());

test('a new user lands on Today, which says what to do first', async () => {
  await expect(page).toHaveURL(HOME);
  await expect(page.getByRole('heading', { level: 1, name: 'Today' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Add your first contact' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Add a contact' })).toHaveAttribute('href', '/contacts/new');
  await expect(page.getByRole('link', { name: 'Today' }).filter(VISIBLE)).toHaveAttribute('aria-current', 'page');
  await inspect(page, 'home-empty');
});

test('birthdays, due reminders and recent activity; a task is done in place', async () => {
  const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', month: '2-digit', day: '2-digit' });
  const monthDay = (d: Date) => london.format(d); // MM-DD
  const now = Date.now();
  const ada = await hub.call<{ id: string }>('POST', '/persons', {
    name: 'Ada Lovelace',
    properties: { birthday: `1992-${monthDay(new Date(now))}` },
  });
  await hub.call('POST', '/persons', {
    name: 'Charles Babbage',
    properties: { anniversaries: [{ label: 'Wedding', date: `--${monthDay(new Date(now + 3 * DAY))}` }] },
  });
  const grace = await hub.call<{ id: string }>('POST', '/persons', {
    name: 'Grace Hopper',
    properties: { stayInTouchWeeks: 1 },
  });
  await seedMessage(hub, grace.id, new Date(now - 10 * DAY), 'Lunch soon?');
  await seedCall(hub, ada.id, new Date(now - 3600 * 1000), 90);
  await hub.call('POST', '/entities', { type: 'note', title: 'Gift ideas for Ada' });

  await page.goto('/');
  const todo = page.getByRole('list', { name: 'Tasks' });
  await expect(todo.getByRole('listitem')).toHaveCount(1);
  await expect(todo).toContainText('Get in touch with Grace Hopper');
  await expect(todo.getByRole('link', { name: 'Grace Hopper' })).toHaveAttribute('href', `/contacts/${grace.id}`);
  const occasions = page.getByRole('list', { name: 'Birthdays and anniversaries' });
  await expect(occasions.getByRole('listitem').first()).toContainText(
    `Ada Lovelace turns ${new Date().getFullYear() - 1992} today`,
  );
  await expect(occasions.getByRole('listitem').nth(1)).toContainText('Charles Babbage Wedding in 3 days');
  const recent = page.getByRole('list', { name: 'Recent activity' });
  await expect(recent.getByRole('listitem').first()).toContainText('Note: Gift ideas for Ada');
  await expect(recent).toContainText('Outgoing call, 2 min with Ada Lovelace');
  await expect(recent).toContainText('Text received with Grace Hopper');
  await inspect(page, 'home');

  await page.getByRole('button', { name: 'Mark done: Get in touch with Grace Hopper' }).click();
  await expect(page.getByText('Done: Get in touch with Grace Hopper', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByText('Nothing to do.').filter(VISIBLE)).toBeVisible();
  await page.reload();
  await expect(page.getByText('Nothing to do.').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'home-done');
});

test('suggested merges show on Today, linking to both people and the review queue', async () => {
  // The same person typed twice (same name and email): suggested as duplicates, never merged silently.
  await hub.call('POST', '/persons', { name: 'Ada Lovelace', emails: ['ada@example.com'] });
  await hub.call('POST', '/persons', { name: 'Ada Lovelace', emails: ['ada@example.com'] });
  await expect
    .poll(async () => (await hub.call<{ total: number }>('GET', '/persons/suggestions?limit=1')).total, {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  await page.goto('/');
  const merges = page.getByRole('list', { name: 'Suggested merges' });
  await expect(merges.getByRole('listitem').first()).toContainText('may be the same person');
  await expect(merges.getByRole('link').first()).toHaveAttribute('href', /^\/contacts\/[0-9a-f-]{36}$/);
  await page.getByRole('link', { name: /^Review (the suggestion|all \d+ suggestions)$/ }).click();
  await expect(page).toHaveURL(/\/contacts\/duplicates$/);
  await page.goto('/');
  await inspect(page, 'home-merges');
});
