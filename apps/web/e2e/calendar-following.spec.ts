import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { join } from 'node:path';
import { PHONE, SHOTS, expectFitsPhone, inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

/**
 * "This event / This and following events / All events" in the event dialog, for a hub
 * series (a weekly Monday 10:00 meeting in Berlin, six times from 7 December 2026), in
 * Chromium at desktop and phone width.
 */
let page: Page;
let hub: HubSession;
const AGENDA = '/calendar?view=agenda&date=2026-12-07';

type Shown = { title: string; startsAt: string; kind: string };
async function series(): Promise<string[]> {
  const window = await hub.call<{ events: Shown[] }>(
    'GET',
    '/calendar/events?from=2026-12-01T00:00:00Z&to=2027-02-01T00:00:00Z',
  );
  return window.events
    .filter((e) => e.title.startsWith('Weekly sync'))
    .map((e) => `${e.startsAt.slice(0, 10)} ${e.title}`);
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' })).newPage();
  const email = uniqueEmail('following');
  await signUp(page, email);
  hub = await hubSession(email);
  await hub.call('POST', '/calendar/events', {
    title: 'Weekly sync',
    startsAt: '2026-12-07T10:00:00+01:00',
    endsAt: '2026-12-07T10:30:00+01:00',
    timeZone: 'Europe/Berlin',
    recurrence: 'FREQ=WEEKLY;COUNT=6',
  });
});
test.afterAll(async () => page.context().close());

const occurrence = (n: number) => page.getByRole('button', { name: /^Weekly sync/ }).nth(n);

test('an occurrence offers this event, this and following, and all events, by keyboard', async () => {
  await page.goto(AGENDA);
  await expect(page.getByRole('button', { name: /^Weekly sync/ })).toHaveCount(5);
  await occurrence(2).click();
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  const choice = dialog.getByRole('group', { name: 'Save or delete' });
  await expect(choice.getByRole('radio')).toHaveCount(3);
  await expect(choice.getByRole('radio', { name: 'This event' })).toBeChecked();
  await expect(dialog.getByRole('button', { name: 'Save this one' })).toBeVisible();
  // A radio group: arrows move the choice, and the buttons say what they will do.
  await choice.getByRole('radio', { name: 'This event' }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(choice.getByRole('radio', { name: 'This and following events' })).toBeChecked();
  await expect(choice.getByRole('radio', { name: 'This and following events' })).toBeFocused();
  await expect(dialog.getByRole('button', { name: 'Save this and following' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Delete this and following' })).toBeVisible();
  await expect(dialog.getByText('The series ends before this one')).toBeVisible();
  await inspect(page, 'calendar-following-dialog', { fullPage: false });
  // At phone width the choice sits under the form, by the buttons it governs.
  await page.setViewportSize(PHONE);
  await choice.scrollIntoViewIfNeeded();
  await expect(choice).toBeInViewport();
  await page.screenshot({ path: join(SHOTS, 'calendar-following-choice-phone.png') });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('saving this and following splits the series there', async () => {
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  await dialog.getByLabel('Title').fill('Weekly sync (new room)');
  await dialog.getByRole('button', { name: 'Save this and following' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('This and following events saved').first()).toBeVisible();
  expect(await series()).toEqual([
    '2026-12-07 Weekly sync',
    '2026-12-14 Weekly sync',
    '2026-12-21 Weekly sync (new room)',
    '2026-12-28 Weekly sync (new room)',
    '2027-01-04 Weekly sync (new room)',
    '2027-01-11 Weekly sync (new room)',
  ]);
  await expect(page.getByRole('button', { name: /^Weekly sync \(new room\)/ })).toHaveCount(3);
});

test('deleting this and following asks first, then ends the series before it', async () => {
  await page
    .getByRole('button', { name: /^Weekly sync \(new room\)/ })
    .nth(1)
    .click();
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  await dialog.getByRole('radio', { name: 'This and following events' }).check();
  await dialog.getByRole('button', { name: 'Delete this and following' }).click();
  const question = dialog.getByRole('alert').filter({ hasText: 'Delete this and every later occurrence' });
  await expect(question).toBeVisible();
  // Focus is on the safe choice.
  await expect(question.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await expectFitsPhone(page);
  await inspect(page, 'calendar-following-delete', { fullPage: false });
  await page.setViewportSize(PHONE);
  await question.scrollIntoViewIfNeeded();
  await expect(question.getByRole('button', { name: 'Delete these' })).toBeInViewport();
  await page.screenshot({ path: join(SHOTS, 'calendar-following-question-phone.png') });
  await question.getByRole('button', { name: 'Delete these' }).click();
  await expect(dialog).toHaveCount(0);
  expect(await series()).toEqual([
    '2026-12-07 Weekly sync',
    '2026-12-14 Weekly sync',
    '2026-12-21 Weekly sync (new room)',
  ]);
});

test('all events from an occurrence changes the whole series it belongs to', async () => {
  await page.goto(AGENDA);
  await occurrence(0).click();
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  await dialog.getByRole('radio', { name: 'All events' }).check();
  await dialog.getByLabel('Location').fill('Room 7');
  await dialog.getByRole('button', { name: 'Save all' }).click();
  await expect(dialog).toHaveCount(0);
  const window = await hub.call<{ events: (Shown & { location: string | null })[] }>(
    'GET',
    '/calendar/events?from=2026-12-01T00:00:00Z&to=2027-02-01T00:00:00Z',
  );
  const located = window.events
    .filter((e) => e.title.startsWith('Weekly sync'))
    .map((e) => `${e.startsAt.slice(0, 10)} ${e.location ?? '-'}`);
  expect(located).toEqual(['2026-12-07 Room 7', '2026-12-14 Room 7', '2026-12-21 -']);
  await page.setViewportSize({ width: 1280, height: 800 });
});
