import { expect, test, type BrowserContext, type Page, type WebSocketRoute } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { hubSession } from './api';
import { fakeMediaLaunchOptions } from './chromium';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';

/**
 * Incoming calls ring in every open browser, on every page (components/calls/voice-provider.tsx).
 * The real @twilio/voice-sdk runs in the page; Twilio's signalling server (wss://…twilio.com/signal,
 * unreachable from here) is played by the test through Playwright's routeWebSocket, speaking the
 * SDK's own protocol: it answers `listen` and `register`, and rings the browser with an `invite`,
 * then watches what the browser sends back (`answer`, `reject`, `hangup`). The hub (token,
 * caller's name) and the Twilio REST stand-in are the run's real ones.
 */
test.describe.configure({ mode: 'serial' });
test.use({ launchOptions: fakeMediaLaunchOptions });

const account = JSON.parse(process.env.E2E_TWILIO ?? '{}') as { accountSid: string; authToken: string };
const hex32 = () => randomBytes(16).toString('hex');

interface Signal {
  /** Every message the browser sent, in order (heartbeats left out). */
  received: { type: string; payload: Record<string, unknown> }[];
  sockets: WebSocketRoute[];
  /** Rings the browser: an incoming call from `from`, with a real SDP offer. */
  invite(from: string): Promise<string>;
  send(type: string, payload: Record<string, unknown>): void;
}

/** Plays Twilio's signalling server for one page (the SDK's PStream protocol). */
async function fakeTwilio(page: Page, identity: () => string): Promise<Signal> {
  const signal: Signal = {
    received: [],
    sockets: [],
    async invite(from) {
      const callsid = `CA${hex32()}`;
      // An offer the SDK can answer: made by the page's own WebRTC, as Twilio's media server would.
      const sdp = await page.evaluate(async () => {
        const peer = new RTCPeerConnection();
        peer.addTransceiver('audio');
        const offer = await peer.createOffer();
        peer.close();
        return offer.sdp!;
      });
      this.send('invite', {
        callsid,
        sdp,
        parameters: { CallSid: callsid, AccountSid: account.accountSid, From: from, To: `client:${identity()}` },
      });
      return callsid;
    },
    send(type, payload) {
      signal.sockets.at(-1)!.send(JSON.stringify({ type, version: '1.6', payload }));
    },
  };
  await page.routeWebSocket(/twilio\.com\/signal/, (ws) => {
    signal.sockets.push(ws);
    // Twilio's heartbeat: without one in 15 s the SDK reconnects.
    const heartbeat = setInterval(() => ws.send('\n'), 5000);
    ws.onClose(() => clearInterval(heartbeat));
    ws.onMessage((raw) => {
      if (typeof raw !== 'string' || raw.trim() === '') return;
      const message = JSON.parse(raw) as { type: string; payload: Record<string, unknown> };
      signal.received.push({ type: message.type, payload: message.payload });
      if (message.type === 'listen') ws.send(JSON.stringify({ type: 'connected', payload: { region: 'gll' } }));
      if (message.type === 'register') ws.send(JSON.stringify({ type: 'ready', payload: {} }));
    });
  });
  return signal;
}

const sent = (signal: Signal, type: string) => signal.received.filter((m) => m.type === type);

let context: BrowserContext;
let page: Page;
let signal: Signal;
let identity = '';
let email = '';

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
  expect(signal.sockets).toHaveLength(0);

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
  const jwt = JSON.parse(Buffer.from(String(listen.payload.token).split('.')[1]!, 'base64url').toString()) as {
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

  const before = signal.sockets.length;
  await page.goto('/contacts');
  await page.goto('/calls');
  await expect(page.getByRole('switch', { name: 'Ring in this browser' })).toHaveAttribute('aria-checked', 'false');
  await page.waitForTimeout(1500);
  expect(signal.sockets).toHaveLength(before);

  // On again: it registers at once.
  await page.getByRole('switch', { name: 'Ring in this browser' }).click();
  await expect(page.getByText('This browser rings for your calls.')).toBeVisible();
  expect(signal.sockets.length).toBeGreaterThan(before);
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
