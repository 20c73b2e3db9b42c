import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { fakeMediaLaunchOptions } from './chromium';
import { VISIBLE, createContact, expectFitsPhone, inspect, signUp, uniqueEmail } from './helpers';
import { claims, fakeTwilio, sent, type Signal } from './twilio-signal';
import { account } from './twilio-stand-in';

/**
 * A call placed in one tab is the browser's to see (components/calls/ring-coordination.ts): every
 * other tab shows it in the in-call bar, with its timer, Mute, Keypad and Hang up relayed to the
 * tab that holds it (here a follower: the tab that placed it, not the one that rings); another
 * tab's dialer says a call is in progress rather than placing a second; closing the tab that holds
 * it clears the others at once (its Web Lock). And a Twilio number connected later rings at
 * once: through the hub's realtime broadcast (connected through the API) or, in the same browser,
 * the settings page telling the ringing tab over the BroadcastChannel.
 * Twilio's signalling is played by the test (twilio-signal.ts); the hub and the Twilio REST
 * stand-in are the run's real ones.
 */
test.describe.configure({ mode: 'serial' });
test.use({ launchOptions: fakeMediaLaunchOptions });

let context: BrowserContext;
/** The tab that rings (the leader: opened first). */
let ringing: Page;
let ringingSignal: Signal;
/** The tab that places the calls (a follower). */
let placing: Page;
let placingSignal: Signal;
/** A third tab, where the person looks while the call goes on. */
let looking: Page;
let lookingSignal: Signal;
let identity = '';
let email = '';
let hub: HubSession;

const GRACE = '+14155550177';

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ permissions: ['microphone'] });
  ringing = await context.newPage();
  ringingSignal = await fakeTwilio(ringing, () => identity);
});
test.afterAll(async () => {
  await context.close();
});

async function twilioCredential(name: string, secret: { accountSid: string; authToken: string }) {
  const credential = await hub.call<{ id: string }>('POST', '/credentials', { type: 'twilio', name, secret });
  expect((await hub.call<{ ok: boolean }>('POST', `/credentials/${credential.id}/test`, {})).ok).toBe(true);
  return credential.id;
}

/** Places a call to Grace from `tab`'s dialer and has "Twilio" pick it up. */
async function placeCall(tab: Page, signal: Signal) {
  await tab.goto(`/calls?to=${encodeURIComponent(GRACE)}`);
  const invites = sent(signal, 'invite').length;
  await tab.getByRole('button', { name: 'Call', exact: true }).click();
  await expect.poll(() => sent(signal, 'invite').length).toBe(invites + 1);
  const callsid = await signal.pickUp(sent(signal, 'invite').at(-1)!);
  await expect(tab.getByText('On a call with Grace Hopper')).toBeVisible();
  return callsid;
}

test('setup: a number, and three tabs of one browser (the first rings)', async () => {
  email = uniqueEmail('calls-tabs');
  await signUp(ringing, email);
  await createContact(ringing, { name: 'Grace Hopper', phones: '+1 415 555 0177' });
  hub = await hubSession(email);
  identity = `user_${String(claims(hub.token).sub).replace(/-/g, '')}`;
  const credentialId = await twilioCredential('My Twilio', account);
  await hub.call('POST', '/connections', {
    provider: 'twilio',
    credentialId,
    options: { phoneNumber: '+14155550100' },
  });

  await ringing.goto('/contacts');
  await expect.poll(() => ringingSignal.registered().length).toBe(1);
  placing = await context.newPage();
  placingSignal = await fakeTwilio(placing, () => identity);
  looking = await context.newPage();
  lookingSignal = await fakeTwilio(looking, () => identity);
  await placing.goto('/contacts');
  await looking.goto('/messages');
  await expect(looking.getByRole('heading', { level: 1, name: 'Messages' })).toBeVisible();
  await looking.waitForTimeout(1000);
  // Only the first tab talks to Twilio.
  expect(placingSignal.lines).toHaveLength(0);
  expect(lookingSignal.lines).toHaveLength(0);
});

test('a call placed in one tab shows in the others, whose Mute, Keypad and Hang up act on it there', async () => {
  const callsid = await placeCall(placing, placingSignal);
  // The call went out from the placing tab's own Device, not the ringing tab's.
  expect(sent(ringingSignal, 'invite')).toHaveLength(0);

  const bar = looking.getByRole('region', { name: 'Current call' });
  await expect(bar.getByText('On a call with Grace Hopper')).toBeVisible();
  await expect(bar.getByRole('timer', { name: 'Call length' })).toBeVisible();
  await expect(
    bar.getByText('The sound and microphone are in another tab of this browser: closing that tab ends the call.'),
  ).toBeVisible();
  // The ringing tab shows it too.
  await expect(
    ringing.getByRole('region', { name: 'Current call' }).getByText('On a call with Grace Hopper'),
  ).toBeVisible();
  await inspect(looking, 'in-call-bar-placed-in-other-tab', { fullPage: false });

  // Mute and tones from this tab act on the call in the tab that placed it.
  await bar.getByRole('button', { name: 'Mute' }).click();
  await expect(bar.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await expect(placing.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await bar.getByRole('button', { name: 'Keypad' }).click();
  await bar.getByRole('group', { name: 'Keypad (sends tones)' }).getByRole('button', { name: '4' }).click();
  await expect(bar.getByLabel('Tones sent')).toHaveText('4');
  await expect(placing.getByLabel('Tones sent')).toHaveText('4');

  // The dialer of another tab says a call is in progress instead of placing a second one.
  await looking.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Calls' }).click();
  await expect(looking.getByRole('heading', { level: 1, name: 'Calls' })).toBeVisible();
  await expect(looking.getByText('A call is in progress in another tab of this browser.')).toBeVisible();
  await expect(looking.getByRole('button', { name: 'Call', exact: true })).toHaveCount(0);
  await expect(looking.getByRole('textbox', { name: 'Number to call' })).toHaveValue(/415.*555.*0177/);
  await inspect(looking, 'calls-dialer-call-in-other-tab');
  await expectFitsPhone(looking);

  // Hang up here: the placing tab ends its call with Twilio, and every tab lets it go.
  await looking.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => sent(placingSignal, 'hangup').map((m) => m.payload.callsid)).toEqual([callsid]);
  await expect(placing.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
  await expect(looking.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
  await expect(ringing.getByRole('region', { name: 'Current call' })).toHaveCount(0);
  // Nothing went to the ringing tab's line.
  expect(sent(ringingSignal, 'hangup')).toHaveLength(0);
});

test('while a call placed in another tab goes on, an incoming call finds the browser busy', async () => {
  await placeCall(placing, placingSignal);
  await expect(looking.getByText('A call is in progress in another tab of this browser.')).toBeVisible();
  const rejected = sent(ringingSignal, 'reject').length;
  const callsid = await ringingSignal.invite('+14155550123');
  await expect
    .poll(() =>
      sent(ringingSignal, 'reject')
        .slice(rejected)
        .map((m) => m.payload.callsid),
    )
    .toEqual([callsid]);
  await expect(looking.getByRole('region', { name: 'Incoming call' })).toHaveCount(0);
});

test('closing the tab that holds the call ends it, and the other tabs clear at once', async () => {
  await looking.goto('/contacts');
  const bar = looking.getByRole('region', { name: 'Current call' });
  await expect(bar.getByText('On a call with Grace Hopper')).toBeVisible();
  const closed = Date.now();
  await placing.close();
  // Its Web Lock goes with it: no waiting for a timeout.
  await expect(bar).toHaveCount(0, { timeout: 3000 });
  await expect(ringing.getByRole('region', { name: 'Current call' })).toHaveCount(0, { timeout: 3000 });
  expect(Date.now() - closed).toBeLessThan(3000);
  await looking.goto('/calls');
  await expect(looking.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
});

test('a number on a second Twilio account, connected through the API: the ringing tab registers its Device at once', async () => {
  expect(ringingSignal.registered().map((line) => line.account)).toEqual([account.accountSid]);
  const credentialId = await twilioCredential('Second Twilio', account.second);
  const made = await hub.request('POST', '/connections', {
    provider: 'twilio',
    credentialId,
    options: { phoneNumber: account.second.numbers[0] },
  });
  expect(made.status).toBe(201);
  // The hub's connector.Connected over realtime: well under the ten-minute re-read, with no tab switch.
  await expect
    .poll(
      () =>
        ringingSignal
          .registered()
          .map((line) => line.account)
          .sort(),
      { timeout: 10_000 },
    )
    .toEqual([account.accountSid, account.second.accountSid].sort());

  // Disconnected: that account's Device stops ringing as promptly.
  expect((await hub.request('DELETE', `/connections/${String(made.json.id)}`)).status).toBeLessThan(300);
  await expect
    .poll(() => ringingSignal.registered().map((line) => line.account), { timeout: 10_000 })
    .toEqual([account.accountSid]);
});

test('connected from the settings page of this browser, without realtime: the page tells the ringing tab itself', async ({
  browser,
}) => {
  const other = await browser.newContext({ permissions: ['microphone'] });
  try {
    // No realtime here: only the BroadcastChannel can say it.
    let refused = 0;
    await other.routeWebSocket(/\/realtime\/v1\/websocket/, (ws) => {
      refused++;
      void ws.close();
    });
    const tab = await other.newPage();
    const lines = await fakeTwilio(tab, () => identity);
    await tab.goto('/sign-in');
    await tab.getByLabel('Email').filter(VISIBLE).fill(email);
    await tab.getByLabel('Password').filter(VISIBLE).fill('correct horse battery');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => lines.registered().map((line) => line.account)).toEqual([account.accountSid]);

    const settings = await other.newPage();
    await settings.goto('/settings/connections');
    await settings.getByLabel('Twilio credential').selectOption({ label: 'Second Twilio' });
    await settings.getByRole('button', { name: 'Show its numbers' }).click();
    const number = account.second.numbers[0]!;
    await settings.getByRole('radio', { name: new RegExp(`\\${number}`) }).check();
    await settings.getByRole('button', { name: `Connect ${number}` }).click();
    await expect(settings.getByText(`${number} is connected.`).filter(VISIBLE)).toBeVisible();
    await expect
      .poll(
        () =>
          lines
            .registered()
            .map((line) => line.account)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([account.accountSid, account.second.accountSid].sort());
    // The pages did try realtime, and were refused.
    expect(refused).toBeGreaterThan(0);
  } finally {
    await other.close();
  }
});
