import { expect, test, type Page } from '@playwright/test';
import { createContact, inspect, signUp, uniqueEmail } from './helpers';
import { fakeMediaLaunchOptions } from './chromium';
import { account } from './twilio-stand-in';

/**
 * Video calls: the contact page's Video button (only with the video capability), the owner's
 * room page (token and guest link from the hub, twilio-video with Chromium's fake camera and
 * microphone, up to where it would reach Twilio, which it cannot here: the error is shown), the
 * invitation (copy, text through the connected number) and the guest join page. Twilio's REST
 * API is a STAND-IN (the hub's TWILIO_API_URL points at the port e2e/run.mjs chose).
 */
test.describe.configure({ mode: 'serial' });
test.use({ launchOptions: fakeMediaLaunchOptions });

const hub = process.env.E2E_HUB_URL!;
const apikey = process.env.E2E_ANON_KEY!;
const password = 'correct horse battery';

let page: Page;
let token: string;
let contactUrl: string;
let guestLink: string;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub}/api/v1${path}`, {
    method,
    headers: { apikey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test.beforeAll(async ({ browser }) => {
  page = await (
    await browser.newContext({ permissions: ['microphone', 'camera', 'clipboard-read', 'clipboard-write'] })
  ).newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

test('the Video button appears on a contact page once the video capability is on', async () => {
  const email = uniqueEmail('video');
  await signUp(page, email, password);
  await createContact(page, { name: 'Grace Hopper', phones: '+44 7700 900456' });
  contactUrl = page.url();
  // No Twilio credential yet: video is off, so there is no Video button.
  await expect(page.getByRole('link', { name: 'Video call Grace Hopper' })).toHaveCount(0);

  const signedIn = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  token = ((await signedIn.json()) as { access_token: string }).access_token;
  const credential = await api('POST', '/credentials', {
    type: 'twilio',
    name: 'My Twilio',
    secret: { accountSid: account.accountSid, authToken: account.authToken },
  });
  expect(credential.status).toBe(201);
  expect((await api('POST', `/credentials/${String(credential.json.id)}/test`, {})).json.ok).toBe(true);
  const connection = await api('POST', '/connections', {
    provider: 'twilio',
    credentialId: credential.json.id,
    options: { phoneNumber: '+447700900123' },
  });
  expect(connection.status).toBe(201);

  await page.reload();
  const video = page.getByRole('link', { name: 'Video call Grace Hopper' });
  await expect(video).toBeVisible();
  await inspect(page, 'video-contact');
  await video.click();
  await expect(page).toHaveURL(/\/calls\/video\?person=/);
});

test('the room page: camera preview, controls, the invitation, and a clear error when Twilio cannot be reached', async () => {
  await expect(page.getByRole('heading', { level: 1, name: 'Video call with Grace Hopper' })).toBeVisible();
  const link = page.getByLabel('Invitation link');
  await expect(link).toHaveValue(/\/video\/join\/[A-Za-z0-9_-]{43}$/);
  guestLink = await link.inputValue();
  // The fake camera plays in the preview.
  await expect(page.getByLabel('Your camera')).toBeVisible();
  const mute = page.getByRole('button', { name: 'Mute' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  const camera = page.getByRole('button', { name: 'Camera off' });
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'false');

  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByText('Link copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(guestLink);

  await page.getByRole('button', { name: 'Text the link' }).click();
  await expect(page.getByText('Texted the link to Grace Hopper.')).toBeVisible();
  const sent = (await (await fetch(`${account.control}/sent`)).json()) as Record<string, string>[];
  const text = sent.find((form) => form.Body?.includes(guestLink));
  expect(text?.To).toBe('+447700900456');
  expect(text?.From).toBe('+447700900123');

  const alert = page.getByRole('alert').filter({ hasText: 'The video call did not start.' });
  await expect(alert).toBeVisible({ timeout: 40_000 });
  await expect(alert).toContainText('Could not reach Twilio to open the video room');
  await expect(alert).toContainText("Check this device's internet connection");
  await inspect(page, 'video-room-error');
});

test('the guest join page: name form, then the error state; leaving ends the room and the link', async ({
  browser,
}) => {
  const guest = await (await browser.newContext({ permissions: ['microphone', 'camera'] })).newPage();
  await guest.goto(guestLink);
  await expect(guest.getByRole('heading', { level: 1, name: 'Join a video call' })).toBeVisible();
  await inspect(guest, 'video-guest-form');
  // An empty name is refused by the form itself; a hostile one by the action.
  await guest.getByLabel('Your name').fill('<b>Eve</b>');
  await guest.getByRole('button', { name: 'Join the call' }).click();
  await expect(guest.getByRole('alert').filter({ hasText: 'Use letters, numbers and spaces.' })).toBeVisible();
  await guest.getByLabel('Your name').fill('Ada Guest');
  await guest.getByRole('button', { name: 'Join the call' }).click();
  await expect(guest.getByRole('heading', { level: 1, name: /^Video call with / })).toBeVisible();
  await expect(guest.getByLabel('Your camera')).toBeVisible();
  const alert = guest.getByRole('alert').filter({ hasText: 'The video call did not start.' });
  await expect(alert).toBeVisible({ timeout: 40_000 });
  await expect(alert).toContainText('Could not reach Twilio to open the video room');
  await inspect(guest, 'video-guest-error');

  // The owner leaves: the room ends and the link stops working.
  await page.getByRole('button', { name: 'Leave' }).click();
  await expect(page.getByText('The call has ended and the invitation link no longer works.')).toBeVisible();
  await guest.goto(guestLink);
  await guest.getByLabel('Your name').fill('Ada Guest');
  await guest.getByRole('button', { name: 'Join the call' }).click();
  await expect(guest.getByRole('alert').filter({ hasText: 'This link has ended or expired.' })).toBeVisible();
  await inspect(guest, 'video-guest-ended');
  await guest.context().close();
  await page.goto(contactUrl);
});
