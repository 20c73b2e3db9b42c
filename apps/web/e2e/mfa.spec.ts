import { expect, test, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { HOME, SHOTS, VISIBLE, inspect, signUp, uniqueEmail } from './helpers';

// Two-step sign-in (issue 19): set up TOTP in Settings from the QR screen, then sign in with
// a code. The test is the authenticator app: it computes RFC 6238 codes from the shown key.
test.describe.configure({ mode: 'serial' });

const password = 'correct horse battery';
const email = uniqueEmail('mfa');
let page: Page;
let secret = '';
let lastStep = 0;

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code for the next 30 s step not used yet (the hub accepts each step once). */
async function nextCode(): Promise<string> {
  let step = Math.floor(Date.now() / 30_000);
  if (step <= lastStep) {
    await page.waitForTimeout((lastStep + 1) * 30_000 - Date.now() + 200);
    step = lastStep + 1;
  }
  lastStep = step;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, email, password);
});
test.afterAll(async () => page.context().close());

test('sets up two-step sign-in from the QR code and shows recovery codes once', async () => {
  await page.goto('/settings');
  await expect(page.getByText('Off. With it on').filter(VISIBLE)).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
  secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await qr.scrollIntoViewIfNeeded();
  await inspect(page, 'settings-two-step-qr');
  await page.setViewportSize({ width: 402, height: 874 });
  await page.screenshot({ path: join(SHOTS, 'settings-two-step-qr-402.png'), fullPage: true });

  // A wrong code is refused in words, and nothing turns on.
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('That code is not right').filter(VISIBLE)).toBeVisible();

  await page.getByLabel('Code from the app').fill(await nextCode());
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' });
  await expect(codes).toBeVisible();
  await expect(codes.getByRole('listitem')).toHaveCount(10);
  await inspect(page, 'settings-two-step-recovery-codes');
  await page.setViewportSize({ width: 402, height: 874 });
  await page.screenshot({ path: join(SHOTS, 'settings-two-step-recovery-codes-402.png'), fullPage: true });
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByText('On: signing in asks for a code').filter(VISIBLE)).toBeVisible();
});

test('signing in asks for the code, and the app stays closed without it', async () => {
  await page.context().clearCookies();
  await page.goto('/sign-in');
  await page.getByLabel('Email').filter(VISIBLE).fill(email);
  await page.getByLabel('Password', { exact: true }).filter(VISIBLE).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sign-in\/code/);
  await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();

  // The password alone does not open the app.
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/sign-in\/code/);

  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('That code is not right').filter(VISIBLE)).toBeVisible();
  await inspect(page, 'sign-in-code');
  await page.setViewportSize({ width: 402, height: 874 });
  await page.screenshot({ path: join(SHOTS, 'sign-in-code-402.png'), fullPage: true });

  await page.getByLabel('Code', { exact: true }).fill(await nextCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(HOME);
  await page.goto('/settings');
  await expect(page.getByText('On: signing in asks for a code').filter(VISIBLE)).toBeVisible();

  // Turning it off needs this aal2 session, which it has.
  await page.getByRole('button', { name: 'Turn off' }).click();
  await expect(page.getByRole('button', { name: 'Set up two-step sign-in' })).toBeVisible();
});
