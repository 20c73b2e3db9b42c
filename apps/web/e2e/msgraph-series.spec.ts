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
      'This event is part of a series in your Microsoft 365 calendar: changes and deleting here apply to this occurrence only.',
      { exact: false },
    ),
  ).toBeVisible();
  // The series itself is changed in Outlook: no way here to open it.
  await expect(dialog.getByRole('button', { name: 'Edit the whole series' })).toHaveCount(0);
  await expect(dialog.getByLabel('Repeats').locator('option:checked')).toHaveText('Repeats (set in Outlook)');
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
