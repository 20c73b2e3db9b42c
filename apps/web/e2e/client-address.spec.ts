import { expect, test, type Browser } from '@playwright/test';
import { VISIBLE, HOME, inspect, signUp, uniqueEmail } from './helpers';

// The web app signs people in from its own server, so at the hub every browser would share
// the web server's address and its per-IP sign-in limit: one person hammering the sign-in
// page would lock everyone out. run.mjs starts the web app with WEB_TRUST_PROXY=1 and the hub
// with TRUST_PROXY=loopback, as `pnpm start` does. Here the X-Forwarded-For header Playwright
// sends plays the one proxy in front of the web app, appending the browser's address.
test.describe.configure({ mode: 'serial' });

const hub = () => process.env.E2E_HUB_URL!;
const perMinute = () => Number(process.env.E2E_TOKEN_PER_MINUTE);
const user = { email: uniqueEmail('address'), password: 'correct horse battery' };

/** Uses up the hub's per-minute /token allowance of one address (malformed requests: counted, cheap). */
async function exhaust(address: string) {
  const send = () =>
    fetch(`${hub()}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: process.env.E2E_ANON_KEY!, 'content-type': 'application/json', 'x-forwarded-for': address },
      body: '{}',
    }).then((r) => r.status);
  const statuses: number[] = [];
  for (let sent = 0; sent < perMinute(); sent += 50)
    statuses.push(...(await Promise.all(Array.from({ length: Math.min(50, perMinute() - sent) }, send))));
  expect(await send()).toBe(429);
  return statuses;
}

async function signInFrom(browser: Browser, forwardedFor: string) {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': forwardedFor } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').filter(VISIBLE).fill(user.email);
  await page.getByLabel('Password').filter(VISIBLE).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext();
  await signUp(await context.newPage(), user.email, user.password);
  await context.close();
});

test('one browser past the sign-in limit is refused; another browser still signs in', async ({ browser }) => {
  const statuses = await exhaust('203.0.113.77');
  expect(statuses.filter((s) => s === 429)).toHaveLength(0);

  const limited = await signInFrom(browser, '203.0.113.77');
  await expect(limited.getByText('Too many attempts in a short time').filter(VISIBLE)).toBeVisible();
  await expect(limited).toHaveURL(/\/sign-in/);
  await inspect(limited, 'sign-in-rate-limited');
  await limited.context().close();

  // Another address: its own count at the hub, not the one the web server's address would share.
  const other = await signInFrom(browser, '203.0.113.78');
  await expect(other).toHaveURL(HOME);
  await other.context().close();
});

test("an address written in front of the proxy's proves nothing", async ({ browser }) => {
  // The browser wrote 203.0.113.79 itself; the proxy appended where it really came from.
  const spoofing = await signInFrom(browser, '203.0.113.79, 203.0.113.77');
  await expect(spoofing.getByText('Too many attempts in a short time').filter(VISIBLE)).toBeVisible();
  await spoofing.context().close();
});
