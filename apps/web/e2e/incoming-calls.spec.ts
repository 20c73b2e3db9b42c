import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { hubSession } from './api';
import { fakeMediaLaunchOptions } from './chromium';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';
import { claims, fakeTwilio, sent, type Signal } from './twilio-signal';
import { account } from './twilio-stand-in';

/**
 * Incoming calls ring in every open browser, on every page (components/calls/voice-provider.tsx),
 * through one tab per browser (a Web Lock; the other tabs show the call and act on it over a
 * BroadcastChannel) and one Device per Twilio account.
 * The real @twilio/voice-sdk runs in the page; Twilio's signalling server (wss://…twilio.com/signal,
 * unreachable from here) is played by the test through Playwright's routeWebSocket, speaking the
 * SDK's own protocol: it answers `listen` and `register`, and rings the browser with an `invite`,
 * then watches what the browser sends back (`answer`, `reject`, `hangup`). The hub (token,
 * caller's name) and the Twilio REST stand-in are the run's real ones.
 */
test.describe.configure({ mode: 'serial' });
test.use({ launchOptions: fakeMediaLaunchOptions });

let context: BrowserContext;
let page: Page;
let signal: Signal;
let identity = '';
let email = '';
/** A second tab of the same browser (the same localStorage, Web Locks and BroadcastChannel). */
let second: Page;
let secondSignal: Signal;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ permissions: ['microphone'] });
  page = await context.newPage();
  signal = await fakeTwilio(page, () => identity);
});
test.afterAll(async () => {
  await context.close();
});

test('with a Twilio number, every page registers this browser for incoming calls', async () => {
  email = uniqueEmail('ring');
  await signUp(page, email);
  await createContact(page, { name: 'Ada Lovelace', phones: '+1 415 555 0123' });
  // No number yet: nothing talks to Twilio.
  await page.goto('/contacts');
  await page.waitForTimeout(1500);
  expect(signal.lines).toHaveLength(0);

  const hub = await hubSession(email);
  const sub = (JSON.parse(Buffer.from(hub.token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  identity = `user_${sub.replace(/-/g, '')}`;
  const credential = await hub.call<{ id: string }>('POST', '/credentials', {
    type: 'twilio',
    name: 'My Twilio',
    secret: { accountSid: account.accountSid, authToken: account.authToken },
  });
  expect((await hub.call<{ ok: boolean }>('POST', `/credentials/${credential.id}/test`, {})).ok).toBe(true);
  await hub.call('POST', '/connections', {
    provider: 'twilio',
    credentialId: credential.id,
    options: { phoneNumber: '+14155550100' },
  });

  // Not the calls page: the shell registers on its own, with the hub's token for this user.
  await page.goto('/contacts');
  await expect.poll(() => sent(signal, 'register').length).toBeGreaterThan(0);
  const listen = sent(signal, 'listen')[0]!;
  const jwt = claims(String(listen.payload.token)) as {
    grants: { identity: string; voice: { incoming: { allow: boolean } } };
  };
  expect(jwt.grants.identity).toBe(identity);
  expect(jwt.grants.voice.incoming.allow).toBe(true);
  expect(sent(signal, 'register')[0]!.payload).toEqual({ media: { audio: true } });
});

test('an incoming call: the banner names the contact, Escape keeps it ringing, Decline rejects this leg only', async () => {
  const callsid = await signal.invite('+14155550123');
  const banner = page.getByRole('region', { name: 'Incoming call' });
  await expect(banner).toBeVisible();
  await expect(banner.getByText('Ada Lovelace')).toBeVisible();
  await expect(banner.getByText(/415.*555.*0123/)).toBeVisible();
  // Not the calls page, and the focus was not taken from what the person was doing.
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(banner.getByRole('button', { name: 'Answer' })).not.toBeFocused();
  await inspect(page, 'incoming-call-banner', { fullPage: false });

  // By keyboard: the banner is the first stop of Tab after "Skip to content".
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(banner.getByRole('button', { name: 'Answer' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(banner.getByRole('button', { name: 'Decline' })).toBeFocused();
  await page.keyboard.press('Escape');
  await page.waitForTimeout(500);
  await expect(banner).toBeVisible();
  expect(sent(signal, 'reject')).toHaveLength(0);

  await page.keyboard.press('Enter');
  await expect(banner).toHaveCount(0);
  await expect.poll(() => sent(signal, 'reject').map((m) => m.payload.callsid)).toEqual([callsid]);
});

test('answered in another browser or hung up by the caller: the banner goes', async () => {
  const callsid = await signal.invite('+14155550188');
  const banner = page.getByRole('region', { name: 'Incoming call' });
  // An unknown number is shown as a number, nothing more.
  await expect(banner.getByText(/415.*555.*0188/)).toBeVisible();
  signal.send('cancel', { callsid });
  await expect(banner).toHaveCount(0);
  expect(sent(signal, 'reject')).toHaveLength(1);
});

test('Answer: the call goes on from page to page with the in-call bar, and Hang up ends it', async () => {
  const registrations = sent(signal, 'listen').length;
  const callsid = await signal.invite('+14155550123');
  await page.getByRole('region', { name: 'Incoming call' }).getByRole('button', { name: 'Answer' }).click();
  await expect.poll(() => sent(signal, 'answer').map((m) => m.payload.callsid)).toEqual([callsid]);
  const bar = page.getByRole('region', { name: 'Current call' });
  await expect(bar.getByText('On a call with Ada Lovelace')).toBeVisible();
  await expect(bar.getByRole('timer', { name: 'Call length' })).toBeVisible();
  await inspect(page, 'in-call-bar', { fullPage: false });

  // Another page, through the app's own navigation: the same device, the same call.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Messages' }).click();
  await expect(page).toHaveURL(/\/messages/);
  await expect(bar.getByText('On a call with Ada Lovelace')).toBeVisible();
  expect(sent(signal, 'listen')).toHaveLength(registrations);
  expect(sent(signal, 'hangup')).toHaveLength(0);

  await bar.getByRole('button', { name: 'Mute' }).click();
  await expect(bar.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await bar.getByRole('button', { name: 'Keypad' }).click();
  await bar.getByRole('group', { name: 'Keypad (sends tones)' }).getByRole('button', { name: '5' }).click();
  await expect(bar.getByLabel('Tones sent')).toHaveText('5');

  // /calls shows the full controls instead of the bar.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Calls' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Calls' })).toBeVisible();
  await expect(bar).toHaveCount(0);
  await expect(page.getByText('On a call with Ada Lovelace')).toBeVisible();
  await page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => sent(signal, 'hangup').map((m) => m.payload.callsid)).toEqual([callsid]);
  await expect(page.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
});

test('"Ring in this browser" off: remembered here, and this browser no longer registers', async () => {
  await page.goto('/calls');
  const toggle = page.getByRole('switch', { name: 'Ring in this browser' });
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByText('This browser rings for your calls.')).toBeVisible();
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByText('Calls to your number do not ring in this browser.')).toBeVisible();
  await inspect(page, 'calls-ring-off');

  const before = signal.lines.length;
  await page.goto('/contacts');
  await page.goto('/calls');
  await expect(page.getByRole('switch', { name: 'Ring in this browser' })).toHaveAttribute('aria-checked', 'false');
  await page.waitForTimeout(1500);
  expect(signal.lines).toHaveLength(before);

  // On again: it registers at once.
  await page.getByRole('switch', { name: 'Ring in this browser' }).click();
  await expect(page.getByText('This browser rings for your calls.')).toBeVisible();
  expect(signal.lines.length).toBeGreaterThan(before);
});

test('two tabs of one browser: one registers, the other shows the call and where it rings, and Decline works from it', async () => {
  second = await context.newPage();
  secondSignal = await fakeTwilio(second, () => identity);
  await second.goto('/contacts');
  await expect(second.getByRole('heading', { level: 1, name: 'Contacts' })).toBeVisible();
  await second.waitForTimeout(1500);
  // The first tab holds the registration; the second never talks to Twilio.
  expect(secondSignal.lines).toHaveLength(0);
  expect(signal.registered()).toHaveLength(1);

  const callsid = await signal.invite('+14155550123');
  const here = second.getByRole('region', { name: 'Incoming call' });
  const there = page.getByRole('region', { name: 'Incoming call' });
  await expect(here.getByText('Ada Lovelace')).toBeVisible();
  await expect(here.getByText('Ringing in another tab of this browser')).toBeVisible();
  await expect(there.getByText('Ada Lovelace')).toBeVisible();
  await expect(there.getByText('Ringing in another tab')).toHaveCount(0);
  await expect(here.getByRole('button', { name: 'Answer' })).toHaveAccessibleDescription(
    /Ringing in another tab of this browser/,
  );
  await inspect(second, 'incoming-call-banner-other-tab', { fullPage: false });

  await here.getByRole('button', { name: 'Decline' }).click();
  await expect.poll(() => sent(signal, 'reject').map((m) => m.payload.callsid)).toContain(callsid);
  await expect(here).toHaveCount(0);
  await expect(there).toHaveCount(0);
  expect(secondSignal.lines).toHaveLength(0);
});

test('Answer in the other tab: the ringing tab takes the call, and both tabs show it with working controls', async () => {
  const callsid = await signal.invite('+14155550123');
  const here = second.getByRole('region', { name: 'Incoming call' });
  await here.getByRole('button', { name: 'Answer' }).click();
  await expect.poll(() => sent(signal, 'answer').map((m) => m.payload.callsid)).toContain(callsid);
  await expect(here).toHaveCount(0);

  const bar = second.getByRole('region', { name: 'Current call' });
  await expect(bar.getByText('On a call with Ada Lovelace')).toBeVisible();
  await expect(bar.getByText('The sound and microphone are in another tab of this browser')).toBeVisible();
  // The first tab, on /calls, holds the call and shows it in its dialer.
  await expect(page.getByText('On a call with Ada Lovelace')).toBeVisible();
  await inspect(second, 'in-call-bar-other-tab', { fullPage: false });

  // Mute and tones from the second tab act on the call in the first.
  await bar.getByRole('button', { name: 'Mute' }).click();
  await expect(bar.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await bar.getByRole('button', { name: 'Keypad' }).click();
  await bar.getByRole('group', { name: 'Keypad (sends tones)' }).getByRole('button', { name: '7' }).click();
  await expect(bar.getByLabel('Tones sent')).toHaveText('7');
  await expect(page.getByLabel('Tones sent')).toHaveText('7');

  const hangups = sent(signal, 'hangup').length;
  await bar.getByRole('button', { name: 'Hang up' }).click();
  await expect
    .poll(() =>
      sent(signal, 'hangup')
        .slice(hangups)
        .map((m) => m.payload.callsid),
    )
    .toEqual([callsid]);
  await expect(bar).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
});

test('"Ring in this browser" is the browser\'s: off in one tab stops the other\'s registration, on again restores it', async () => {
  await second.goto('/calls');
  const toggle = second.getByRole('switch', { name: 'Ring in this browser' });
  await expect(second.getByText('another of its tabs is connected to Twilio')).toBeVisible();
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect.poll(() => signal.registered().length).toBe(0);
  // The first tab heard it too (the storage event).
  await expect(page.getByRole('switch', { name: 'Ring in this browser' })).toHaveAttribute('aria-checked', 'false');

  await toggle.click();
  await expect.poll(() => signal.registered().length).toBe(1);
  await expect(page.getByText('This browser rings for your calls.')).toBeVisible();
  expect(secondSignal.lines).toHaveLength(0);
});

test('the ringing tab closes: the other tab registers and rings by itself', async () => {
  await second.goto('/contacts');
  await second.waitForTimeout(1000);
  expect(secondSignal.lines).toHaveLength(0);

  await page.close();
  await expect.poll(() => secondSignal.registered().length).toBe(1);
  const callsid = await secondSignal.invite('+14155550123');
  const banner = second.getByRole('region', { name: 'Incoming call' });
  await expect(banner.getByText('Ada Lovelace')).toBeVisible();
  await expect(banner.getByText('Ringing in another tab')).toHaveCount(0);
  await banner.getByRole('button', { name: 'Decline' }).click();
  await expect.poll(() => sent(secondSignal, 'reject').map((m) => m.payload.callsid)).toEqual([callsid]);
  page = second;
  signal = secondSignal;
});

test('a refused microphone: Answer says so and the call keeps ringing', async ({ browser }) => {
  const other = await browser.newContext();
  try {
    const second = await other.newPage();
    // The browser's own answer when the site is not allowed the microphone.
    await second.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const secondSignal = await fakeTwilio(second, () => identity);
    await second.goto('/sign-in');
    await second.getByLabel('Email').filter(VISIBLE).fill(email);
    await second.getByLabel('Password').filter(VISIBLE).fill('correct horse battery');
    await second.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => sent(secondSignal, 'register').length).toBeGreaterThan(0);
    await secondSignal.invite('+14155550123');
    const banner = second.getByRole('region', { name: 'Incoming call' });
    await banner.getByRole('button', { name: 'Answer' }).click();
    await expect(banner.getByText('Your browser blocked the microphone')).toBeVisible();
    await expect(banner.getByRole('button', { name: 'Answer' })).toBeEnabled();
    expect(sent(secondSignal, 'answer')).toHaveLength(0);
    await inspect(second, 'incoming-call-microphone-blocked', { fullPage: false });
  } finally {
    await other.close();
  }
});

test('a browser without Web Locks: every tab registers by itself, as before', async ({ browser }) => {
  const other = await browser.newContext({ permissions: ['microphone'] });
  try {
    // Browsers before 2022 have no navigator.locks.
    await other.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    });
    const tabs = [await other.newPage(), await other.newPage()];
    const signals = await Promise.all(tabs.map((tab) => fakeTwilio(tab, () => identity)));
    await tabs[0]!.goto('/sign-in');
    await tabs[0]!.getByLabel('Email').filter(VISIBLE).fill(email);
    await tabs[0]!.getByLabel('Password').filter(VISIBLE).fill('correct horse battery');
    await tabs[0]!.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => signals[0]!.registered().length).toBe(1);
    await tabs[1]!.goto('/contacts');
    await expect.poll(() => signals[1]!.registered().length).toBe(1);
    // Each rings for itself, with the banner of a call that rings here.
    await signals[1]!.invite('+14155550123');
    const banner = tabs[1]!.getByRole('region', { name: 'Incoming call' });
    await expect(banner.getByText('Ada Lovelace')).toBeVisible();
    await expect(banner.getByText('Ringing in another tab')).toHaveCount(0);
    await expect(tabs[0]!.getByRole('region', { name: 'Incoming call' })).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test("numbers on two Twilio accounts: one Device per account rings, and a call goes out from the chosen number's", async ({
  browser,
}) => {
  const other = await browser.newContext({ permissions: ['microphone'] });
  try {
    const tab = await other.newPage();
    let person = '';
    const lines = await fakeTwilio(tab, () => person);
    const address = uniqueEmail('two-accounts');
    await signUp(tab, address);
    await createContact(tab, { name: 'Grace Hopper', phones: '+1 415 555 0177' });
    const hub = await hubSession(address);
    person = `user_${String(claims(hub.token).sub).replace(/-/g, '')}`;
    for (const [name, secret, phoneNumber] of [
      ['First Twilio', account, '+14155550100'],
      ['Second Twilio', account.second, account.second.numbers[0]!],
    ] as const) {
      const credential = await hub.call<{ id: string }>('POST', '/credentials', {
        type: 'twilio',
        name,
        secret: { accountSid: secret.accountSid, authToken: secret.authToken },
      });
      expect((await hub.call<{ ok: boolean }>('POST', `/credentials/${credential.id}/test`, {})).ok).toBe(true);
      await hub.call('POST', '/connections', {
        provider: 'twilio',
        credentialId: credential.id,
        options: { phoneNumber },
      });
    }

    await tab.goto('/contacts');
    await expect.poll(() => lines.registered().length).toBe(2);
    const [first, second] = [account.accountSid, account.second.accountSid].map((sid) =>
      lines.registered().find((line) => line.account === sid)!,
    );
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();

    // A call to the second account's number rings through its own Device, and is answered there.
    const callsid = await lines.invite('+14155550177', second);
    const banner = tab.getByRole('region', { name: 'Incoming call' });
    await expect(banner.getByText('Grace Hopper')).toBeVisible();
    await banner.getByRole('button', { name: 'Answer' }).click();
    await expect
      .poll(() => sent(lines, 'answer').map((m) => [m.payload.callsid, m.line.account]))
      .toEqual([[callsid, account.second.accountSid]]);
    await tab.getByRole('region', { name: 'Current call' }).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => sent(lines, 'hangup').map((m) => m.line.account)).toEqual([account.second.accountSid]);

    // Calls out: from the number chosen under From, through its account's Device.
    for (const [from, sid] of [
      [/415.*555.*0200/, account.second.accountSid],
      [/415.*555.*0100/, account.accountSid],
    ] as const) {
      await tab.goto('/calls?to=%2B14155550177');
      const picker = tab.getByLabel('From');
      const value = await picker.locator('option', { hasText: from }).getAttribute('value');
      await picker.selectOption(value!);
      const invites = sent(lines, 'invite').length;
      await tab.getByRole('button', { name: 'Call', exact: true }).click();
      await expect
        .poll(() =>
          sent(lines, 'invite')
            .slice(invites)
            .map((m) => m.line.account),
        )
        .toEqual([sid]);
      await tab.getByRole('button', { name: 'Hang up' }).click();
      await expect(tab.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
    }
    // Still one registration per account.
    expect(
      lines
        .registered()
        .map((line) => line.account)
        .sort(),
    ).toEqual([account.accountSid, account.second.accountSid].sort());
  } finally {
    await other.close();
  }
});
