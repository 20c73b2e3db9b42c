import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { inspect, signUp, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let hub: HubSession;
const hubUrl = () => process.env.E2E_HUB_URL!;
// The page refreshes after each server action; on a loaded machine axe needs longer than the default to see it settled.

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  const email = uniqueEmail('devices');
  await signUp(page, email);
  hub = await hubSession(email);
});
test.afterAll(async () => page.context().close());

test('pairs a device by keyboard: a one-time code and its QR code, exchanged by the device', async () => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Devices' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await expect(page.getByText('No devices yet')).toBeVisible();

  await page.getByLabel('Device name').fill('Work laptop');
  await page.getByLabel('Kind').selectOption('agent');
  await page.getByLabel('Device name').press('Enter');
  const panel = page.getByRole('region', { name: 'Pairing code for Work laptop' });
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('img', { name: /QR code of the pairing link/ }).locator('svg')).toBeVisible();
  const code = (await panel.locator('strong').textContent())!;
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await expect(panel).toContainText(`/devices/pair?code=${code}`);
  await inspect(page, 'devices-pairing');

  // The device exchanges the code and uploads: the page then shows it active, with its events.
  const exchanged = await fetch(`${hubUrl()}/devices/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  expect(exchanged.status).toBe(200);
  const { token } = (await exchanged.json()) as { token: string };
  const now = Date.now();
  const events = [
    ...Array.from({ length: 3 }, (_, i) => ({
      id: `loc-${i}`,
      type: 'location',
      ts: new Date(now - (180 - i * 5) * 60_000).toISOString(),
      data: { lat: 51.5, lon: -0.12 },
    })),
    { id: 'scr-1', type: 'screen', ts: new Date(now - 120 * 60_000).toISOString(), data: { state: 'on' } },
    { id: 'loc-9', type: 'location', ts: new Date(now - 60 * 60_000).toISOString(), data: { lat: 51.5, lon: -0.12 } },
    {
      id: 'app-1',
      type: 'active_app',
      ts: new Date(now - 60_000).toISOString(),
      data: { app: 'firefox', durationSeconds: 60 },
    },
  ];
  const uploaded = await fetch(`${hubUrl()}/device-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sentAt: new Date().toISOString(), events }),
  });
  expect(((await uploaded.json()) as { stored: number }).stored).toBe(6);

  await page.reload();
  const device = page.getByRole('listitem', { name: 'Work laptop' });
  await expect(device).toContainText('active');
  const types = device.getByRole('list', { name: 'Last event per type' });
  await expect(types).toContainText('location');
  await expect(types).toContainText('4 events');
  await device.getByText('1 gap in the last day').click();
  await expect(device).toContainText('offline, uploaded late');
  await inspect(page, 'devices-health');
});

test('sets a source budget and revokes a device, asking first', async () => {
  await page.getByLabel('Location: budget MB').fill('500');
  await page.getByRole('button', { name: 'Save Location retention' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  const sources = (
    await hub.call<{ items: { type: string; settings: { budgetMb: number | null } }[] }>('GET', '/device-sources')
  ).items;
  expect(sources.find((s) => s.type === 'location')!.settings.budgetMb).toBe(500);
  await page.getByLabel('Location: raw days').fill('0');
  await page.getByRole('button', { name: 'Save Location retention' }).click();
  // (Next's route announcer is an alert too: the refusal is found by what it says.)
  await expect(page.getByRole('alert').filter({ hasText: 'Raw days: a whole number from 1 to 3,650.' })).toBeVisible();

  const device = page.getByRole('listitem', { name: 'Work laptop' });
  await device.getByRole('button', { name: 'Revoke Work laptop' }).focus();
  await page.keyboard.press('Enter');
  await expect(device.getByRole('status')).toContainText('will stop uploading');
  await device.getByRole('button', { name: 'Revoke Work laptop now' }).click();
  await expect(device).toContainText('revoked');
  await expect(device.getByRole('button', { name: 'Revoke Work laptop' })).toHaveCount(0);
  await inspect(page, 'devices-revoked');
});
