import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { connectMicrosoft, msgraph, outlookSignIn, syncNow } from './msgraph-support';
import { inspect, signUp, uniqueEmail, VISIBLE } from './helpers';

// One occurrence of an Outlook series edited and deleted from /calendar, against the Graph
// STAND-IN started by run.mjs (apps/hub/src/modules/connectors/msgraph/test/stand-in;
// graph.microsoft.com is not reachable here). The dialog says the change is for this
// occurrence only; Outlook's side is read through the stand-in's own Graph API.
const seriesId = `AAMkAD-evt-e2e-${randomBytes(4).toString('hex')}`;
let page: Page;
let hub: HubSession;
let connectionId: string;
let outlookToken: string;

test.describe.configure({ mode: 'serial' });

/** Mondays 2, 3 and 4 weeks ahead (inside the synced window), as YYYY-MM-DD. */
const mondays = (() => {
  const day = new Date(Date.now() + 14 * 86_400_000);
  day.setUTCDate(day.getUTCDate() + ((8 - day.getUTCDay()) % 7));
  return [0, 7, 14].map((n) => new Date(day.getTime() + n * 86_400_000).toISOString().slice(0, 10));
})();

/** GET /me/events/{id} as Outlook sees it: its status and body. */
async function outlookEvent(id: string) {
  const response = await fetch(`${msgraph.graphUrl}/me/events/${id}`, {
    headers: { authorization: `Bearer ${outlookToken}` },
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

test.beforeAll(async ({ browser }) => {
  // A weekly 10:00 Berlin meeting Ada organises, three occurrences (the stand-in's test control).
  const put = await fetch(`${msgraph.loginUrl}/_stand-in/series`, {
    method: 'POST',
    body: new URLSearchParams({
      mail: msgraph.account,
      id: seriesId,
      subject: 'Team sync',
      zone: 'W. Europe Standard Time',
      time: '10:00',
      dates: mondays.join(','),
    }),
  });
  expect(put.status).toBe(200);
  page = await (await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' })).newPage();
  const email = uniqueEmail('msgraph-series');
  await signUp(page, email);
  hub = await hubSession(email);
  connectionId = await connectMicrosoft(page, hub);
  outlookToken = await outlookSignIn();
});
test.afterAll(async () => page.context().close());

test('one occurrence of an Outlook series is edited alone: Outlook keeps it as an exception', async () => {
  await page.goto(`/calendar?view=week&date=${mondays[0]}`);
  await page.getByRole('button', { name: /^Team sync, 10:00/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(
    dialog.getByText(
      'One occurrence of a repeating event in your Microsoft 365 calendar: choose below which events a change or delete applies to.',
      { exact: false },
    ),
  ).toBeVisible();
  // This event (the default), this and following, all events.
  const choice = dialog.getByRole('group', { name: 'Save or delete' });
  await expect(choice.getByRole('radio')).toHaveCount(3);
  await expect(choice.getByRole('radio', { name: 'This event' })).toBeChecked();
  // The whole series opens from here (a later test); this occurrence carries no rule of its own.
  await expect(dialog.getByRole('button', { name: 'Edit the whole series' })).toBeVisible();
  await expect(dialog.getByLabel('Repeats').locator('option:checked')).toHaveText('Part of a repeating series');
  await expect(dialog.getByLabel('Repeats')).toBeDisabled();
  await inspect(page, 'msgraph-series-occurrence', { fullPage: false });
  await dialog.getByLabel('Title').fill('Team sync (this week: demo)');
  await dialog.getByRole('button', { name: 'Save this one' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Team sync \(this week: demo\), 10:00/ })).toBeVisible();

  const edited = await outlookEvent(`${seriesId}-0`);
  expect(edited.body).toMatchObject({
    subject: 'Team sync (this week: demo)',
    type: 'exception',
    seriesMasterId: seriesId,
  });
  expect((await outlookEvent(`${seriesId}-1`)).body).toMatchObject({ subject: 'Team sync', type: 'occurrence' });

  // The next sync brings Outlook's exception back: the same one event, still edited.
  await syncNow(hub, connectionId);
  await page.reload();
  await expect(page.getByRole('button', { name: /^Team sync \(this week: demo\), 10:00/ })).toHaveCount(1);
  await page.goto(`/calendar?view=week&date=${mondays[1]}`);
  await expect(page.getByRole('button', { name: /^Team sync, 10:00/ })).toHaveCount(1);
});

test('one occurrence deleted here is cancelled in Outlook; the series stays', async () => {
  await page.goto(`/calendar?view=week&date=${mondays[1]}`);
  await page.getByRole('button', { name: /^Team sync, 10:00/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete this one' }).click();
  await expect(page.getByText('Event deleted', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Team sync/ })).toHaveCount(0);
  expect((await outlookEvent(`${seriesId}-1`)).status).toBe(404);
  expect((await outlookEvent(seriesId)).status).toBe(200);

  await syncNow(hub, connectionId);
  await page.reload();
  await expect(page.getByRole('button', { name: /^Team sync/ })).toHaveCount(0);
  await page.goto(`/calendar?view=week&date=${mondays[2]}`);
  await expect(page.getByRole('button', { name: /^Team sync, 10:00/ })).toHaveCount(1);
});

test('the whole series is renamed from one of its occurrences, in Outlook too', async () => {
  await page.goto(`/calendar?view=week&date=${mondays[2]}`);
  await page.getByRole('button', { name: /^Team sync, 10:00/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Edit the whole series' }).click();
  await expect(
    dialog.getByText('The whole series: changes here apply to every occurrence', { exact: false }),
  ).toBeVisible();
  // Outlook's rule in words; a connected series cannot stop repeating here (it can end or be deleted).
  await expect(dialog.getByLabel('Repeats').locator('option:checked')).toHaveText('Every week on Monday, 3 times');
  await expect(dialog.getByLabel('Repeats').locator('option', { hasText: 'Does not repeat' })).toHaveCount(0);
  await inspect(page, 'msgraph-series-master', { fullPage: false });
  await dialog.getByLabel('Title').fill('Team sync (everyone)');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Team sync \(everyone\), 10:00/ })).toBeVisible();
  // Outlook renamed the series; the occurrence changed alone earlier keeps its own title there and here.
  expect((await outlookEvent(seriesId)).body).toMatchObject({ subject: 'Team sync (everyone)', type: 'seriesMaster' });
  await page.goto(`/calendar?view=week&date=${mondays[0]}`);
  await expect(page.getByRole('button', { name: /^Team sync \(this week: demo\), 10:00/ })).toBeVisible();
});

test('a weekly series made here on Microsoft 365 is made in Outlook, and deleted whole after a confirmation', async () => {
  // A slot on the Tuesday after the first Monday, at 14:00 (48 px an hour).
  const tuesday = new Date(Date.parse(`${mondays[0]}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await page.goto(`/calendar?view=week&date=${tuesday}`);
  await page.locator(`[data-day="${tuesday}"]`).click({ position: { x: 10, y: 14 * 48 + 10 } });
  const dialog = page.getByRole('dialog', { name: 'New event' });
  await dialog.getByLabel('Title').fill('Planning');
  await dialog.getByLabel('Calendar').selectOption({ index: 1 });
  await dialog.getByLabel('Repeats').selectOption('weekly');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Planning, 14:00/ })).toBeVisible();
  // Outlook holds a weekly series on Tuesdays in Berlin time, and its occurrences show here the next week.
  // GET /me/events lists single events and series masters (never their occurrences).
  const masters = await fetch(`${msgraph.graphUrl}/me/events?$top=100`, {
    headers: { authorization: `Bearer ${outlookToken}` },
  }).then(async (r) => ((await r.json()) as { value: Record<string, unknown>[] }).value);
  const planning = masters.find((m) => m.subject === 'Planning');
  expect(planning?.recurrence).toMatchObject({
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
    range: { type: 'noEnd', startDate: tuesday, recurrenceTimeZone: 'W. Europe Standard Time' },
  });
  await page.goto(`/calendar?view=week&date=${mondays[1]}`);
  await page.getByRole('button', { name: /^Planning, 14:00/ }).click();
  const occurrence = page.getByRole('dialog');
  await occurrence.getByRole('button', { name: 'Edit the whole series' }).click();
  await occurrence.getByRole('button', { name: 'Delete series' }).click();
  await expect(occurrence.getByText('Delete every occurrence of “Planning”, in Outlook too?')).toBeVisible();
  await inspect(page, 'msgraph-series-delete-confirm', { fullPage: false });
  await occurrence.getByRole('button', { name: 'Delete the series' }).click();
  await expect(page.getByText('Series deleted', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Planning/ })).toHaveCount(0);
  expect((await outlookEvent(String(planning!.id))).status).toBe(404);
});

test('this and following ends the Outlook series before that occurrence, in Outlook too', async () => {
  await page.goto(`/calendar?view=week&date=${mondays[2]}`);
  await page.getByRole('button', { name: /^Team sync \(everyone\), 10:00/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: 'This and following events' }).check();
  await dialog.getByRole('button', { name: 'Delete this and following' }).click();
  await expect(
    dialog.getByText('Delete this and every later occurrence of “Team sync (everyone)”, in Outlook too?'),
  ).toBeVisible();
  await inspect(page, 'msgraph-series-following-confirm', { fullPage: false });
  await dialog.getByRole('button', { name: 'Delete these' }).click();
  await expect(page.getByText('This and following events deleted', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Team sync/ })).toHaveCount(0);
  // Graph has no "this and following": the series' range now ends the day before, in its zone.
  const dayBefore = new Date(Date.parse(`${mondays[2]}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  expect((await outlookEvent(seriesId)).body).toMatchObject({
    type: 'seriesMaster',
    recurrence: { range: { type: 'endDate', endDate: dayBefore, recurrenceTimeZone: 'W. Europe Standard Time' } },
  });
  await syncNow(hub, connectionId);
  await page.reload();
  await expect(page.getByRole('button', { name: /^Team sync/ })).toHaveCount(0);
  await page.goto(`/calendar?view=week&date=${mondays[0]}`);
  await expect(page.getByRole('button', { name: /^Team sync/ })).toHaveCount(1);
});
