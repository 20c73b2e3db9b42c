import { expect, test, type Page } from '@playwright/test';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';
import { connectAnotherNumber } from './api';
import { fakeMediaLaunchOptions } from './chromium';
import { account, control, hex32, twilioWebhook } from './twilio-stand-in';

/**
 * /calls: the dialer (contact search, keypad, ?to= prefill) and the call history with its
 * filters and voicemail playback. Twilio's REST API is a STAND-IN (the hub's TWILIO_API_URL
 * points at the port e2e/run.mjs chose); the history is seeded through the hub's voice
 * webhooks, signed by the real `twilio` package. Chromium gets a fake microphone, so the
 * Voice SDK runs up to where it would reach Twilio, which it cannot here: the error is shown.
 */
test.describe.configure({ mode: 'serial' });
test.use({ launchOptions: fakeMediaLaunchOptions });

const hub = process.env.E2E_HUB_URL!;
const apikey = process.env.E2E_ANON_KEY!;
const password = 'correct horse battery';

let page: Page;
let token: string;
let connectionId: string;
let identity: string;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub}/api/v1${path}`, {
    method,
    headers: { apikey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const webhook = (path: string, form: Record<string, string>) => twilioWebhook(connectionId, path, form);

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

test('connect a number and seed calls through signed webhooks', async () => {
  const email = uniqueEmail('calls');
  await signUp(page, email, password);
  await createContact(page, { name: 'Ada Lovelace', phones: '+1 415 555 0123' });
  const signedIn = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  token = ((await signedIn.json()) as { access_token: string }).access_token;
  const sub = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  identity = `user_${sub.replace(/-/g, '')}`;
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
    options: { phoneNumber: '+14155550100' },
  });
  expect(connection.status).toBe(201);
  connectionId = String(connection.json.id);

  // An incoming call from Ada, answered for 95 s.
  const answered = `CA${hex32()}`;
  const base = { AccountSid: account.accountSid, To: '+14155550100', CallStatus: 'ringing', Direction: 'inbound' };
  expect(await webhook('voice-incoming', { ...base, CallSid: answered, From: '+14155550123' })).toContain(
    `<Client>${identity}</Client>`,
  );
  await webhook('voice-dial-done', {
    AccountSid: account.accountSid,
    CallSid: answered,
    DialCallStatus: 'completed',
    DialCallDuration: '95',
  });
  // A missed call from an unknown number that left a voicemail.
  const missed = `CA${hex32()}`;
  await webhook('voice-incoming', { ...base, CallSid: missed, From: '+14155550188' });
  expect(
    await webhook('voice-dial-done', { AccountSid: account.accountSid, CallSid: missed, DialCallStatus: 'no-answer' }),
  ).toContain('<Record');
  const recording = (await control('/recording', {
    base64: Buffer.from('ID3 voicemail audio').toString('base64'),
  })) as { sid: string; url: string };
  await webhook('voice-recording', {
    AccountSid: account.accountSid,
    CallSid: missed,
    RecordingSid: recording.sid,
    RecordingUrl: recording.url,
    RecordingStatus: 'completed',
    RecordingDuration: '12',
  });
  // An outgoing call from the browser to +1 415 555 0142, 42 s.
  const outgoing = `CA${hex32()}`;
  await webhook('voice-outgoing', {
    AccountSid: account.accountSid,
    ApplicationSid: ((await control('/applications')) as { sid: string; voice_url: string }[]).find((app) =>
      app.voice_url.includes(connectionId),
    )!.sid,
    CallSid: outgoing,
    From: `client:${identity}`,
    To: '+14155550142',
  });
  await webhook('voice-status', {
    AccountSid: account.accountSid,
    CallSid: `CA${hex32()}`,
    ParentCallSid: outgoing,
    CallStatus: 'completed',
    CallDuration: '42',
  });
  await expect
    .poll(async () => {
      const list = await api('GET', '/calls?filter=missed');
      const [item] = list.json.items as { recording: { url: string | null } | null }[];
      return item?.recording?.url ?? null;
    })
    .not.toBeNull();
});

test('call history with filters and voicemail playback', async () => {
  await page.goto('/calls');
  await expect(page.getByRole('heading', { level: 1, name: 'Calls' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Calls' })).toBeVisible();
  const calls = page.getByRole('list', { name: 'Calls' }).filter(VISIBLE);
  await expect(calls.getByRole('listitem')).toHaveCount(3);
  await expect(calls.getByRole('link', { name: 'Ada Lovelace', exact: true })).toBeVisible();
  await expect(calls.getByText('Answered call from +1 415 555 0123')).toBeVisible();
  await expect(calls.getByText('1:35')).toBeVisible();
  const audio = calls.locator('audio');
  await expect(audio).toHaveCount(1);
  const src = await audio.getAttribute('src');
  const played = await page.request.get(src!);
  expect(played.status()).toBe(200);
  expect(await played.text()).toBe('ID3 voicemail audio');
  await inspect(page, 'calls-history');

  await page.getByRole('navigation', { name: 'Call filters' }).getByRole('link', { name: 'Missed' }).click();
  await expect(page).toHaveURL(/filter=missed/);
  await expect(calls.getByRole('listitem')).toHaveCount(1);
  await expect(calls.getByText('Voicemail from +1 415 555 0188')).toBeVisible();
  await expect(calls.locator('audio')).toHaveCount(1);
  await inspect(page, 'calls-missed');
  await page.getByRole('link', { name: 'Outgoing' }).click();
  await expect(calls.getByRole('listitem')).toHaveCount(1);
  await expect(calls.getByText('Answered call to +1 415 555 0142')).toBeVisible();
  await page.getByRole('link', { name: 'Incoming' }).click();
  await expect(calls.getByRole('listitem')).toHaveCount(2);
});

test('older calls page by cursor, 50 at a time, keeping the filter', async () => {
  // 52 older outgoing calls, an hour apart, a day before the webhook-seeded three: 55 in all.
  const start = Date.now() - 3 * 24 * 3600 * 1000;
  for (let i = 0; i < 52; i++) {
    const call = await api('POST', '/entities', {
      type: 'call',
      title: 'Call',
      occurredAt: new Date(start - i * 3600 * 1000).toISOString(),
      properties: {
        direction: 'outbound',
        status: 'completed',
        durationSeconds: 60 + i,
        from: '+14155550100',
        to: `+1415555${String(1000 + i)}`,
      },
    });
    expect(call.status).toBe(201);
  }
  await page.goto('/calls');
  const calls = page.getByRole('list', { name: 'Calls' }).filter(VISIBLE);
  await expect(calls.getByRole('listitem')).toHaveCount(50);
  const pages = page.getByRole('navigation', { name: 'Call history pages' });
  await expect(pages.getByRole('link', { name: 'Newest calls' })).toHaveCount(0);
  await inspect(page, 'calls-first-page');
  // By keyboard: the control is a link in the tab order.
  const olderLink = pages.getByRole('link', { name: 'Older calls' });
  await olderLink.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]older=/);
  await expect(calls.getByRole('listitem')).toHaveCount(5);
  // The oldest seeded calls: +1 415 555 1047 … 1051 (seeded 3 days + 47…51 hours ago).
  await expect(calls.getByText('Answered call to +1 415 555 1051')).toBeVisible();
  await expect(calls.getByText('Answered call to +1 415 555 1046')).toHaveCount(0);
  await expect(pages.getByRole('link', { name: 'Older calls' })).toHaveCount(0);
  await inspect(page, 'calls-older');

  await pages.getByRole('link', { name: 'Newest calls' }).click();
  await expect(page).not.toHaveURL(/older=/);
  await expect(calls.getByRole('listitem')).toHaveCount(50);

  // Outgoing: 53 calls, so 50 and then 3; the older page keeps the filter.
  await page.getByRole('navigation', { name: 'Call filters' }).getByRole('link', { name: 'Outgoing' }).click();
  await expect(page).toHaveURL(/filter=outgoing/);
  await expect(calls.getByRole('listitem')).toHaveCount(50);
  await pages.getByRole('link', { name: 'Older calls' }).click();
  await expect(page).toHaveURL(/filter=outgoing&older=/);
  await expect(calls.getByRole('listitem')).toHaveCount(3);
  await expect(
    page.getByRole('navigation', { name: 'Call filters' }).getByRole('link', { name: 'Outgoing' }),
  ).toHaveAttribute('aria-current', 'page');
  // Missed: one call, no paging.
  await page.getByRole('navigation', { name: 'Call filters' }).getByRole('link', { name: 'Missed' }).click();
  await expect(calls.getByRole('listitem')).toHaveCount(1);
  await expect(pages).toHaveCount(0);
});

test('dialer: ?to= prefill, contact search, keypad, and a clear error when Twilio cannot be reached', async () => {
  await page.goto('/calls?to=%2B14155550142');
  const number = page.getByLabel('Number to call');
  await expect(number).toHaveValue('+14155550142');

  await page.getByLabel('Search contacts').fill('ada');
  await page
    .getByRole('list', { name: 'Matching contacts' })
    .getByRole('button', { name: /Ada Lovelace/ })
    .click();
  await expect(number).toHaveValue(/415.*555.*0123/);

  await number.fill('');
  for (const key of ['1', '2', '3'])
    await page.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: key }).click();
  await expect(number).toHaveValue('123');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.getByText('Enter the number with its country code')).toBeVisible();
  await expect(number).toHaveAttribute('aria-invalid', 'true');
  await inspect(page, 'calls-dialer');

  // A real call: the hub issues a token, the SDK gets the (fake) microphone, and fails to reach Twilio.
  await number.fill('+1 415 555 0142');
  const tokenRequest = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/calls'));
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  expect((await tokenRequest).status()).toBe(200);
  const alert = page.getByRole('alert').filter({ hasText: 'The call did not go through.' });
  await expect(alert).toBeVisible({ timeout: 40_000 });
  await expect(alert).toContainText('Could not reach Twilio');
  await expect(page.getByRole('button', { name: 'Call', exact: true })).toBeEnabled();
  await inspect(page, 'calls-error');
});

test('dialer with two numbers: From offers both, and the call is placed with the one chosen', async () => {
  await page.goto('/calls');
  await expect(page.getByLabel('Number to call')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'From' })).toHaveCount(0);
  const SECOND = '+447700900123';
  const own = ((await api('GET', '/connections')).json.connections as { id: string; credentialId: string }[]).find(
    (c) => c.id === connectionId,
  )!;
  const secondId = await connectAnotherNumber(api, own.credentialId, SECOND);

  await page.goto('/calls');
  const from = page.getByRole('combobox', { name: 'From' });
  // Newest first, as the hub lists them: the new number is the default (as the hub's own default).
  await expect(from.getByRole('option')).toHaveText(['+44 7700 900123', '+1 415 555 0100']);
  await expect(from).toHaveValue(secondId);
  await from.selectOption({ label: '+1 415 555 0100' });
  await inspect(page, 'calls-dialer-from');
  await page.getByLabel('Number to call').fill('+1 415 555 0142');
  // The token the hub issues is for the chosen number (the SDK then fails to reach Twilio, as above).
  // The server action's answer is read as it passes (the page moves on before it could be read later).
  const asked: string[] = [];
  const answered: string[] = [];
  await page.route(/\/calls/, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    asked.push(route.request().postData() ?? '');
    const response = await route.fetch();
    answered.push(await response.text());
    await route.fulfill({ response });
  });
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  // The token's request among the page's server actions (the caller's name is looked up too).
  const tokenAt = () => answered.findIndex((text) => text.includes('"token"'));
  await expect.poll(tokenAt).toBeGreaterThanOrEqual(0);
  expect(asked[tokenAt()]).toContain(connectionId);
  expect(answered[tokenAt()]).toContain(`"connectionId":"${connectionId}"`);
  expect(answered[tokenAt()]).toContain('"number":"+14155550100"');
  await expect(page.getByRole('alert').filter({ hasText: 'The call did not go through.' })).toBeVisible({
    timeout: 40_000,
  });
  // The page may still be asking (its ringing device registers again): let those finish.
  await page.unrouteAll({ behavior: 'wait' });
});
