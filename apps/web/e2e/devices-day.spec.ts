import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { hubSession, type HubSession } from './api';
import { inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let hub: HubSession;
const hubUrl = () => process.env.E2E_HUB_URL!;
const minute = 60_000;
// Two days ago (UTC, the browser's zone here): in the past, inside raw retention.
const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000);
const date = day.toISOString().slice(0, 10);
const at = (hours: number, minutes = 0) => new Date(day.getTime() + hours * 3_600_000 + minutes * minute);
const home = { lat: 51.5, lon: -0.12 };
const cafe = { lat: 51.51, lon: -0.11 };
const work = { lat: 51.52, lon: -0.1 };

const stay = (prefix: string, start: Date, minutes: number, where: typeof home) =>
  Array.from({ length: minutes / 2 + 1 }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: 'location',
    ts: new Date(start.getTime() + i * 2 * minute).toISOString(),
    data: { lat: where.lat + ((i % 3) - 1) * 0.00015, lon: where.lon + ((i % 2) - 0.5) * 0.0002, accuracyM: 10 },
  }));
const travel = (prefix: string, start: Date, minutes: number, a: typeof home, b: typeof home) =>
  Array.from({ length: minutes / 2 - 1 }, (_, k) => {
    const f = (k + 1) / (minutes / 2);
    return {
      id: `${prefix}-${k}`,
      type: 'location',
      ts: new Date(start.getTime() + (k + 1) * 2 * minute).toISOString(),
      data: { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f },
    };
  });

async function pairAndUpload(name: string, kind: string, events: object[]) {
  const made = await hub.call<{ pairing: { code: string } }>('POST', '/devices', { name, kind });
  const exchanged = await fetch(`${hubUrl()}/devices/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: made.pairing.code }),
  });
  const { token } = (await exchanged.json()) as { token: string };
  const uploaded = await fetch(`${hubUrl()}/device-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sentAt: new Date().toISOString(), events }),
  });
  expect(((await uploaded.json()) as { rejected: number }).rejected).toBe(0);
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ timezoneId: 'UTC' })).newPage();
  const email = uniqueEmail('devday');
  await signUp(page, email);
  hub = await hubSession(email);
  await hub.call('POST', '/entities', {
    type: 'place',
    title: 'Home',
    properties: { latitude: home.lat, longitude: home.lon, radiusMeters: 100 },
  });
  await pairAndUpload('Pixel phone', 'owntracks', [
    ...stay('home', at(7), 60, home),
    ...travel('to-cafe', at(8), 10, home, cafe),
    ...stay('cafe', at(8, 10), 20, cafe),
    ...travel('to-work', at(8, 30), 10, cafe, work),
    ...stay('work', at(8, 40), 200, work),
    ...travel('back', at(12), 20, work, home),
    ...stay('home-again', at(12, 20), 30, home),
  ]);
  const app = (id: string, time: Date, name: string, durationSeconds?: number, title?: string) => ({
    id,
    type: 'active_app',
    ts: time.toISOString(),
    data: { app: name, ...(durationSeconds ? { durationSeconds } : {}), ...(title ? { title } : {}) },
  });
  await pairAndUpload('Work laptop', 'agent', [
    app('a1', at(9), 'Code editor', 2_700, 'main.ts'),
    app('a2', at(9, 45), 'Firefox'),
    { id: 'i1', type: 'idle', ts: at(10, 5).toISOString(), data: { idle: true } },
    app('a3', at(10, 30), 'Terminal', 600),
  ]);
});
test.afterAll(async () => page.context().close());

test('reaches a day from Devices and reads it by keyboard: places in order, moves, the track and apps', async () => {
  await page.goto('/devices');
  await page.getByRole('link', { name: 'Day view: places and apps' }).click();
  // Today, in the reader's zone; then any day through the date field.
  await expect(page).toHaveURL(/\/devices\/day\/\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByText('No locations recorded on this day.')).toBeVisible();
  await page.getByLabel('Go to day').fill(date);
  await page.getByLabel('Go to day').press('Enter');
  await expect(page).toHaveURL(new RegExp(`/devices/day/${date}$`));

  const order = page.getByRole('list', { name: 'The day in order' });
  await expect(order.getByRole('listitem', { name: 'Home, 07:00 to 08:00' })).toContainText('1 h');
  await expect(order.getByRole('listitem', { name: 'Unnamed place, 08:10 to 08:30' })).toContainText('20 min');
  await expect(order.getByRole('listitem', { name: 'Unnamed place, 08:40 to 12:00' })).toContainText('3 h 20 min');
  await expect(order.getByRole('listitem', { name: 'Home, 12:20 to 12:50' })).toContainText('still there');
  await expect(order).toContainText('Moved 1.3 km in 10 min');
  await expect(page.getByRole('img', { name: /Track of the day: 4 stops \(Home\)/ })).toBeVisible();
  const apps = page.getByRole('list', { name: 'Time per app' }).locator(':scope > li');
  await expect(apps.nth(0)).toContainText('Code editor');
  await expect(apps.nth(0)).toContainText('45 min');
  // The app's most-used window titles under it.
  await expect(apps.nth(0).getByRole('list', { name: 'Top windows in Code editor' })).toContainText('main.ts');
  await expect(apps.nth(1)).toContainText('Firefox');
  await expect(apps.nth(1)).toContainText('20 min');
  await expect(apps.nth(2)).toContainText('Terminal');
  await inspect(page, 'devices-day');
});

test("offers to store daily app summaries in the reader's zone when they are cut in another", async () => {
  await hub.call('PUT', '/devices/app-usage/settings', { timeZone: 'Asia/Tokyo' });
  await page.reload();
  await expect(page.getByText('Daily app summaries are stored for days in Asia/Tokyo')).toBeVisible();
  await page.getByRole('button', { name: 'Store summaries in UTC' }).click();
  // Saved, and the page read again: the offer is gone.
  await expect(page.getByText('Daily app summaries are stored for days in Asia/Tokyo')).toHaveCount(0);
  expect(await hub.call<{ timeZone: string }>('GET', '/devices/app-usage/settings')).toEqual({ timeZone: 'UTC' });
});

test('names a place by keyboard, and the other stops there take the name', async () => {
  const cafeStop = page.getByRole('listitem', { name: 'Unnamed place, 08:10 to 08:30' });
  await cafeStop.getByRole('button', { name: 'Name the place of the stop at 08:10' }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Corner cafe');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('listitem', { name: 'Corner cafe, 08:10 to 08:30' })).toBeVisible();
  await expect(page.getByRole('img', { name: /Track of the day: 4 stops \(Home, Corner cafe\)/ })).toBeVisible();

  // An empty name is refused in words, not sent.
  const workStop = page.getByRole('listitem', { name: 'Unnamed place, 08:40 to 12:00' });
  await workStop.getByRole('button', { name: /Name the place/ }).click();
  await workStop.getByLabel('Place name').fill('   ');
  await workStop.getByRole('button', { name: 'Save' }).click();
  await expect(workStop.getByRole('alert')).toContainText('Name the place');
  await workStop.getByRole('button', { name: 'Cancel' }).click();
});

test('moves between days with the keyboard and fits a 402 px phone', async () => {
  await page.getByRole('link', { name: 'Previous day' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/devices\/day\/\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByText('No locations recorded on this day.')).toBeVisible();
  await page.getByRole('link', { name: 'Next day' }).click();
  await expect(page).toHaveURL(new RegExp(`/devices/day/${date}$`));
  await expect(page.getByRole('listitem', { name: 'Corner cafe, 08:10 to 08:30' })).toBeVisible();

  await page.setViewportSize({ width: 402, height: 874 });
  await page.waitForTimeout(200);
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: innerWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  await page.screenshot({
    path: join(import.meta.dirname, '../test-results/screenshots/devices-day-402.png'),
    fullPage: true,
  });
  // An impossible date is the not-found page, not an error.
  const response = await page.goto('/devices/day/2026-02-30');
  expect(response?.status()).toBe(404);
});
