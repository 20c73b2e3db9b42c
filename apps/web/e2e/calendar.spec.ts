import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { VISIBLE, expectFitsPhone, inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

// One week, seen from Berlin: the browser's zone is the calendar's zone.
const WEEK = '2026-12-09';
let page: Page;
let hub: HubSession;

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' })).newPage();
  const email = uniqueEmail('calendar');
  await signUp(page, email);
  hub = await hubSession(email);
  await hub.call('POST', '/persons', { name: 'Ada Lovelace', emails: ['ada@example.org'] });
  const seed = (event: Record<string, unknown>) => hub.call('POST', '/calendar/events', event);
  await seed({
    title: 'Design review',
    startsAt: '2026-12-08T10:00:00+01:00',
    endsAt: '2026-12-08T11:30:00+01:00',
    timeZone: 'Europe/Berlin',
    location: 'Room 4',
    attendees: ['ada@example.org'],
    onlineMeetingUrl: 'https://meet.example.org/design',
  });
  // Overlaps the review: the two share the column side by side.
  await seed({ title: 'Vendor call', startsAt: '2026-12-08T10:30:00+01:00', endsAt: '2026-12-08T11:00:00+01:00' });
  // A title longer than a phone is wide: the agenda wraps it.
  await seed({
    title: 'Quarterly planning with the extended leadership team and partners',
    startsAt: '2026-12-11T16:00:00+01:00',
    endsAt: '2026-12-11T17:00:00+01:00',
  });
  await seed({ title: 'Conference', startsAt: '2026-12-10', endsAt: '2026-12-12', allDay: true });
  await seed({
    title: 'Standup',
    startsAt: '2026-12-07T09:00:00+01:00',
    endsAt: '2026-12-07T09:15:00+01:00',
    timeZone: 'Europe/Berlin',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  });
});
test.afterAll(async () => page.context().close());

test('the week view places events by time, overlaps side by side, all-day on top', async () => {
  await page.goto(`/calendar?view=week&date=${WEEK}`);
  await expect(page.getByRole('heading', { name: '7 Dec – 13 Dec 2026' })).toBeVisible();
  const review = page.getByRole('button', { name: /^Design review, 10:00 – 11:30/ });
  const vendor = page.getByRole('button', { name: /^Vendor call, 10:30 – 11:00/ });
  await expect(review).toBeVisible();
  await expect(vendor).toBeVisible();
  const [a, b] = [await review.boundingBox(), await vendor.boundingBox()];
  expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + 1);
  expect(b!.y).toBeGreaterThan(a!.y);
  await expect(
    page.getByRole('list', { name: /All day, Thursday/ }).getByRole('button', { name: /^Conference/ }),
  ).toBeVisible();
  // The series: five weekday standups at 09:00.
  await expect(page.getByRole('button', { name: /^Standup, 9:00 – 9:15/ })).toHaveCount(5);
  await expect(page.getByText('Times in Europe/Berlin')).toBeVisible();
  await inspect(page, 'calendar-week');
});

test('keyboard moves between weeks and views', async () => {
  await page.locator('body').press('ArrowRight');
  await expect(page.getByRole('heading', { name: '14 Dec – 20 Dec 2026' })).toBeVisible();
  await page.locator('body').press('ArrowLeft');
  await expect(page.getByRole('heading', { name: '7 Dec – 13 Dec 2026' })).toBeVisible();
  await page.locator('body').press('m');
  await expect(page.getByRole('button', { name: 'Month', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: 'December 2026' })).toBeVisible();
  await expect(page.getByRole('grid', { name: 'Month' }).getByRole('button', { name: /^Design review/ })).toBeVisible();
  await inspect(page, 'calendar-month');
  await page.locator('body').press('a');
  await expect(page.getByRole('list', { name: 'Agenda' })).toBeVisible();
  await expectFitsPhone(page);
  await inspect(page, 'calendar-agenda');
  await page.locator('body').press('w');
});

test('an event opens with its meeting link; edits are saved', async () => {
  await page.getByRole('button', { name: /^Design review/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  await expect(dialog.getByRole('link', { name: 'Join the online meeting' })).toHaveAttribute(
    'href',
    'https://meet.example.org/design',
  );
  await expect(dialog.getByRole('list', { name: 'Attendees' })).toContainText('ada@example.org');
  await inspect(page, 'calendar-edit-dialog', { fullPage: false });
  await dialog.getByLabel('Title').fill('Design review (final)');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Design review \(final\), 10:00/ })).toBeVisible();
});

test('a slot creates an event, with an attendee picked from contacts', async () => {
  // A click on 14:00 in Wednesday's column (48 px an hour).
  await page.locator('[data-day="2026-12-09"]').click({ position: { x: 10, y: 14 * 48 + 10 } });
  const dialog = page.getByRole('dialog', { name: 'New event' });
  await expect(dialog.getByLabel('Starts')).toHaveValue('2026-12-09T14:00');
  await dialog.getByLabel('Title').fill('Lunch with Ada');
  const attendees = dialog.getByLabel('Attendees');
  await attendees.fill('ada@example.org');
  await attendees.press('Enter');
  await expect(dialog.getByRole('list', { name: 'Attendees' })).toContainText('ada@example.org');
  await dialog.getByLabel('Location').fill('Café');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(
    page.getByRole('button', { name: /^Lunch with Ada, 14:00 – 15:00, Café/ }).filter(VISIBLE),
  ).toBeVisible();
});

test('one occurrence of a series is deleted alone; an event is deleted', async () => {
  await page
    .getByRole('button', { name: /^Standup/ })
    .nth(2)
    .click();
  const dialog = page.getByRole('dialog', { name: 'Edit event' });
  await dialog.getByRole('button', { name: 'Delete this one' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Standup/ })).toHaveCount(4);
  await page.getByRole('button', { name: /^Vendor call/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('button', { name: /^Vendor call/ })).toHaveCount(0);
});

test('/calendar with no view opens the agenda on a phone, then the view last used in that browser', async ({
  browser,
}) => {
  // A browser of its own (fresh storage), signed in as the same person.
  const phone = await browser.newContext({
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
    viewport: { width: 390, height: 844 },
  });
  await phone.addCookies(await page.context().cookies());
  const tab = await phone.newPage();
  const viewButton = (name: string) => tab.getByRole('group', { name: 'View' }).getByRole('button', { name });
  await tab.goto('/calendar');
  await expect(viewButton('Agenda')).toHaveAttribute('aria-pressed', 'true');
  await expect(tab).toHaveURL(/view=agenda/);
  await viewButton('Day').click();
  await tab.goto('/calendar');
  await expect(viewButton('Day')).toHaveAttribute('aria-pressed', 'true');
  // An address with a view still opens that view.
  await tab.goto(`/calendar?view=week&date=${WEEK}`);
  await expect(viewButton('Week')).toHaveAttribute('aria-pressed', 'true');
  await phone.close();
});

test('the day view, and the month on a phone is an agenda', async () => {
  await page.goto(`/calendar?view=day&date=2026-12-08`);
  await expect(page.getByRole('button', { name: /^Design review \(final\)/ })).toBeVisible();
  await inspect(page, 'calendar-day');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/calendar?view=month&date=${WEEK}`);
  await expect(page.getByRole('list', { name: 'Agenda' })).toBeVisible();
  await expect(page.getByRole('grid', { name: 'Month' })).toBeHidden();
  await page.setViewportSize({ width: 1280, height: 800 });
});
