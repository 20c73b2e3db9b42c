import { expect, test, type Page } from '@playwright/test';
import { VISIBLE, createContact, expectFitsPhone, inspect, signUp, uniqueEmail } from './helpers';
import { connectAnotherNumber } from './api';
import { account as twilio } from './twilio-stand-in';

// Messages and the Twilio connect screen against a real hub. Twilio's REST API is a STAND-IN
// (apps/hub/src/modules/connectors/twilio/test/stand-in.server.ts, started by run.mjs and
// selected by the hub's TWILIO_API_URL); its control server sends the inbound SMS/MMS and
// status callbacks, signed by the real twilio package against the hub's PUBLIC_URL.
test.describe.configure({ mode: 'serial' });

const hub = process.env.E2E_HUB_URL!;
const apikey = process.env.E2E_ANON_KEY!;
const user = uniqueEmail('messages');
const OWN = '+14155550100';
const ANN = '+14155550123';
const MMS = '+14155550177';
/** How the MMS sender's number reads (no default region: grouped internationally). */
const MMS_SHOWN = '+1 415 555 0177';
/** An 8x8 PNG: an MMS photo, small. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4EaCBFTEMLQkAaplQAc/OcKAAAAAASUVORK5CYII=';

let page: Page;
/** A conversation in the list (not the thread's own heading link). */
const threadRow = (name: RegExp | string) => page.getByRole('list', { name: 'Threads' }).getByRole('link', { name });
let token: string;
let connectionId: string;
let annThreadId: string;
let annId: string;

async function control(path: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${twilio.control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hubUrl: hub, publicUrl: hub, connectionId, ...body }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: number; body: string; sid: string };
}

async function inbound(from: string, body: string, media = 0) {
  const sent = await control('/inbound', {
    from,
    to: OWN,
    body,
    media: Array.from({ length: media }, () => ({ contentType: 'image/png', base64: PNG })),
  });
  expect(sent.status, sent.body).toBe(200);
  return sent.sid;
}

async function hubApi(method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub}/api/v1${path}`, {
    method,
    headers: {
      apikey,
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json().catch(() => undefined)) as Record<string, unknown> };
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signUp(page, user);
  const signIn = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: user, password: 'correct horse battery' }),
  });
  token = ((await signIn.json()) as { access_token: string }).access_token;
});
test.afterAll(async () => page.context().close());

test('without a Twilio credential, the connect screen says to add one', async () => {
  await page.goto('/settings/connections');
  await expect(page.getByText('No number is connected yet.').filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Add a Twilio credential' })).toHaveAttribute(
    'href',
    '/settings/credentials?add=twilio',
  );
  await page.goto('/messages');
  await expect(page.getByText(/No Twilio number is connected/).filter(VISIBLE)).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Messages' }),
  ).toBeVisible();
});

test('connects a Twilio number: reachability, the A2P 10DLC warning, test', async () => {
  const created = await hubApi('POST', '/credentials', {
    type: 'twilio',
    name: 'My Twilio',
    secret: { accountSid: twilio.accountSid, authToken: twilio.authToken },
  });
  expect(created.status).toBe(201);
  expect((await hubApi('POST', `/credentials/${String(created.json.id)}/test`)).json.ok).toBe(true);

  await page.goto('/settings/connections');
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Connections' }),
  ).toHaveAttribute('aria-current', 'page');
  await expect(page.getByLabel('Twilio credential').filter(VISIBLE)).toHaveValue(String(created.json.id));
  await page.getByRole('button', { name: 'Show its numbers' }).click();
  // The e2e hub's PUBLIC_URL is 127.0.0.1: said plainly, with the URLs to set by hand.
  await expect(page.getByText('Twilio cannot reach your hub.').filter(VISIBLE)).toBeVisible();
  await expect(
    page.getByText(`${hub}/webhooks/twilio/<connectionId>/sms`, { exact: true }).filter(VISIBLE),
  ).toBeVisible();
  await page.getByRole('radio', { name: /\+447700900123/ }).check();
  await expect(page.getByText(/A2P 10DLC/)).toHaveCount(0);
  await page.getByRole('radio', { name: new RegExp(`\\${OWN}`) }).check();
  await expect(page.getByRole('note').filter({ hasText: /A2P 10DLC/ })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'connections-pick-number');

  await page.getByRole('button', { name: `Connect ${OWN}` }).click();
  await expect(page.getByText(`${OWN} is connected.`).filter(VISIBLE)).toBeVisible();
  const card = page.getByRole('group', { name: OWN });
  await expect(card.getByText('Active')).toBeVisible();
  const connections = await hubApi('GET', '/connections');
  connectionId = (connections.json.connections as { id: string; label: string }[]).find((c) => c.label === OWN)!.id;
  // The URLs to set by hand now carry the connection's id.
  await expect(
    page.getByText(`${hub}/webhooks/twilio/${connectionId}/sms`, { exact: true }).filter(VISIBLE).first(),
  ).toBeVisible();
  // Each URL is named as the Twilio Console names its field, voice ones included.
  await expect(card.getByText('A call comes in (Voice URL, HTTP POST)')).toBeVisible();
  await card.getByRole('button', { name: 'Test' }).click();
  await expect(card.getByRole('status')).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await inspect(page, 'connections-connected');
});

test('an inbound text shows in the list with its unread count, and live in the open thread', async () => {
  annId = await createContact(page, { name: 'Ann Example', phones: ANN });
  await inbound(ANN, 'Hi, are we still on for Friday?');
  await page.goto('/messages');
  const row = threadRow(/Ann Example/);
  await expect(row).toContainText('Hi, are we still on for Friday?');
  await expect(row).toContainText('1 unread');
  await inspect(page, 'messages-list');

  await row.click();
  await expect(page.getByRole('heading', { name: 'Ann Example' })).toBeVisible();
  const thread = page.getByRole('list', { name: 'Messages with Ann Example' });
  await expect(thread.getByText('Hi, are we still on for Friday?')).toBeVisible();
  // Opening it marks it read: the count goes from the list.
  await expect(threadRow(/Ann Example/)).not.toContainText('unread');

  // Live: a text arriving while the thread is open appears without a reload.
  await inbound(ANN, 'Also, bring the maps.');
  await expect(thread.getByText('Also, bring the maps.')).toBeVisible();

  // Reply: shown at once as queued, then delivered when Twilio's callback arrives.
  await page.getByLabel('Reply to Ann Example').filter(VISIBLE).fill('Yes! See you at 8.');
  await page.getByRole('button', { name: 'Send' }).click();
  const mine = thread.getByRole('listitem').filter({ hasText: 'Yes! See you at 8.' });
  await expect(mine).toContainText('Queued');
  const sent = (await (await fetch(`${twilio.control}/sent`)).json()) as Record<string, string>[];
  const form = sent.find((f) => f.Body === 'Yes! See you at 8.');
  expect(form).toMatchObject({ To: ANN, From: OWN });
  const messages = await hubApi('GET', `/messages/threads?limit=10`);
  const annThread = (messages.json.threads as { id: string; person: { id: string } }[]).find(
    (t) => t.person.id === annId,
  )!;
  annThreadId = annThread.id;
  const page1 = await hubApi('GET', `/messages/threads/${encodeURIComponent(annThread.id)}`);
  const sid = (page1.json.messages as { sid: string; body: string }[]).find(
    (m) => m.body === 'Yes! See you at 8.',
  )!.sid;
  await control('/status', { sid, status: 'sent' });
  await control('/status', { sid, status: 'delivered' });
  await expect(mine).toContainText('Delivered');
  await inspect(page, 'messages-thread');

  // Twilio refuses (they replied STOP): the advice is shown, nothing is added.
  await control('/fail-next', { code: 21610, status: 400, message: 'Attempt to send to unsubscribed recipient' });
  await page.getByLabel('Reply to Ann Example').filter(VISIBLE).fill('Are you there?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /STOP/ })).toBeVisible();
  await expect(page.getByLabel('Reply to Ann Example').filter(VISIBLE)).toHaveValue('Are you there?');

  // Sending again is a new message (a new Idempotency-Key): this one reaches Twilio, then fails.
  await page.getByRole('button', { name: 'Send' }).click();
  const again = thread.getByRole('listitem').filter({ hasText: 'Are you there?' });
  await expect(again).toContainText('Queued');
  const later = await hubApi('GET', `/messages/threads/${encodeURIComponent(annThread.id)}`);
  const failedSid = (later.json.messages as { sid: string; body: string }[]).find(
    (m) => m.body === 'Are you there?',
  )!.sid;
  await control('/status', { sid: failedSid, status: 'undelivered', errorCode: '30006' });
  await expect(again).toContainText('Not delivered');
  await expect(again.getByRole('note')).toContainText('30006');
  await inspect(page, 'messages-thread-failed');
});

test('a 20-message MMS thread shows its photos inline, from Storage', async () => {
  for (let index = 0; index < 20; index++)
    await inbound(MMS, `Trip photo ${index + 1}`, index % 4 === 0 ? 2 : index % 3 === 0 ? 1 : 0);
  await page.goto('/messages');
  await threadRow(MMS_SHOWN).click();
  const thread = page.getByRole('list', { name: `Messages with ${MMS_SHOWN}` });
  await expect(thread.getByText('Trip photo 20')).toBeVisible();
  await expect(thread.getByText('Trip photo 1', { exact: true })).toBeVisible();
  // Every photo is fetched into Storage by the hub; the thread updates live as they land.
  const photos = thread.getByRole('img', { name: /Photo \d \(open full size\)/ });
  await expect(photos).toHaveCount(2 * 5 + 1 * 5, { timeout: 60_000 });
  // Thumbnails load lazily: each one, once scrolled to, comes from its signed Storage URL.
  for (const photo of await photos.all()) {
    await photo.scrollIntoViewIfNeeded();
    await expect.poll(() => photo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  }
  const href = await thread
    .getByRole('link', { name: /Photo 1 \(open full size\)/ })
    .first()
    .getAttribute('href');
  expect(href).toMatch(/\/storage\/v1\/object\/sign\/sms-media-/);
  await inspect(page, 'messages-mms-thread');
});

test('compose: a new message to a contact, and Text / Call on the contact page', async () => {
  await createContact(page, { name: 'Ben Sample', phones: '+14155550124' });
  await expect(page.getByRole('link', { name: /^Call / })).toHaveAttribute('href', '/calls?to=%2B14155550124');
  await inspect(page, 'contact-text-call');
  await page.getByRole('link', { name: /^Text / }).click();
  await expect(page.getByText('Ben Sample (+14155550124)', { exact: true }).filter(VISIBLE)).toBeVisible();
  await inspect(page, 'messages-compose-to-contact');

  await page.goto('/messages/new');
  await page.getByLabel('To: a contact or a phone number').filter(VISIBLE).fill('Ben');
  await page.getByRole('button', { name: /Ben Sample/ }).click();
  await page
    .getByLabel(/Message to Ben Sample/)
    .filter(VISIBLE)
    .fill('Lunch next week?');
  await inspect(page, 'messages-compose');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Ben Sample' })).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'Messages with Ben Sample' }).getByText('Lunch next week?'),
  ).toBeVisible();
});

test('compose with two numbers: From offers both, and the text goes out from the one chosen', async () => {
  const SECOND = '+447700900123';
  await page.goto('/messages/new');
  // One number: nothing to choose.
  await expect(page.getByLabel('To: a contact or a phone number').filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'From' })).toHaveCount(0);

  const list = await hubApi('GET', '/connections');
  const own = (list.json.connections as { id: string; label: string; credentialId: string }[]).find(
    (c) => c.label === OWN,
  )!;
  const secondId = await connectAnotherNumber(hubApi, own.credentialId, SECOND);

  await page.goto('/messages/new');
  const from = page.getByRole('combobox', { name: 'From' });
  await expect(from).toBeVisible();
  // Newest first, as the hub lists them; the older number is chosen here.
  await expect(from.getByRole('option')).toHaveText(['+44 7700 900123', '+1 415 555 0100']);
  await expect(from).toHaveValue(secondId);
  await from.selectOption({ label: '+1 415 555 0100' });
  await page.getByLabel('To: a contact or a phone number').filter(VISIBLE).fill('+1 415 555 0155');
  await page.getByRole('button', { name: 'Text +1 415 555 0155' }).click();
  await page
    .getByLabel(/Message to \+1 415 555 0155/)
    .filter(VISIBLE)
    .fill('From my other number');
  await inspect(page, 'messages-compose-from');
  await page.getByRole('button', { name: 'Send' }).click();
  // The hub refuses a text without a connectionId when two numbers are connected: this one
  // went out, from the number chosen (a thread's id names its own number).
  await expect.poll(() => decodeURIComponent(page.url())).toContain(`/messages/sms:${OWN}:`);
  await expect(page.getByText('From my other number', { exact: true }).filter(VISIBLE)).toBeVisible();

  // Back to one number for the rest of the file.
  expect((await hubApi('DELETE', `/connections/${secondId}`)).status).toBeLessThan(300);
});

test('a text from a sender name shows in its own thread, with no contact link, call or reply', async () => {
  await inbound('VERIFY', 'Your sign-in code is 482913');
  await page.goto('/messages');
  const row = threadRow(/VERIFY/);
  await expect(row).toContainText('Your sign-in code is 482913');
  await row.click();
  const heading = page.getByRole('heading', { name: 'VERIFY' });
  await expect(heading).toBeVisible();
  await expect(heading.getByRole('link')).toHaveCount(0);
  await expect(page.getByText('A short code or sender name', { exact: false }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Call', exact: true })).toHaveCount(0);
  await expect(
    page.getByText('VERIFY is a short code or a sender name: it takes no replies from your number.'),
  ).toBeVisible();
  await inspect(page, 'messages-sender-name');
  // At phone width the thread fits: nothing is cut at the right edge.
  await page.setViewportSize({ width: 390, height: 844 });
  const note = page.getByText('takes no replies from your number');
  await expect(note).toBeVisible();
  const box = (await note.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390 - 12);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('phone width: the list and a thread one at a time', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/messages');
  await threadRow(/Ann Example/)
    .filter(VISIBLE)
    .click();
  await expect(page.getByRole('heading', { name: 'Ann Example' })).toBeVisible();
  await expect(threadRow(/Ben Sample/)).toBeHidden();
  await page.getByRole('link', { name: 'All conversations' }).click();
  await expect(threadRow(/Ben Sample/)).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('phone width: a long name in the recipient list gives way to its number', async () => {
  const name = 'Maximilian-Alexander von Hohenzollern-Sigmaringen';
  await createContact(page, { name, phones: '+1 415 555 0199' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/messages/new');
  await page.getByLabel('To: a contact or a phone number').filter(VISIBLE).fill('Maximilian');
  const list = page.getByRole('list', { name: 'Recipients' });
  const number = list
    .getByRole('button', { name: new RegExp(name) })
    .locator('span')
    .last();
  const [box, shown] = [await list.boundingBox(), await number.boundingBox()];
  expect(shown!.x + shown!.width).toBeLessThanOrEqual(box!.x + box!.width);
  await expectFitsPhone(page);
  await inspect(page, 'messages-compose-long-name');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test("an unknown number's person merged into the contact: one thread, and its old address follows", async () => {
  const NEW_PHONE = '+14155550131';
  await inbound(NEW_PHONE, 'It is Ann, from my new phone');
  const listed = (await hubApi('GET', '/messages/threads?limit=50')).json.threads as {
    id: string;
    person: { id: string; name: string };
  }[];
  const made = listed.find((t) => t.person.name === NEW_PHONE)!;
  const merged = await hubApi('POST', `/persons/${annId}/merge`, { otherId: made.person.id });
  expect(merged.status).toBe(200);

  await page.goto('/messages');
  await expect(threadRow(/Ann Example/)).toContainText('It is Ann, from my new phone');
  await expect(threadRow(/Ann Example/)).toContainText('1 unread');
  await expect(threadRow(/\+1 415 555 0131/)).toHaveCount(0);
  await inspect(page, 'messages-list-after-merge');

  // A link to the made person's thread (a notification, a bookmark) lands in Ann's.
  await page.goto(`/messages/${encodeURIComponent(made.id)}`);
  await expect.poll(() => decodeURIComponent(page.url())).toContain(`/messages/${annThreadId}`);
  await expect(page.getByRole('heading', { name: 'Ann Example' })).toBeVisible();
  const thread = page.getByRole('list', { name: 'Messages with Ann Example' });
  await expect(thread.getByText('Hi, are we still on for Friday?')).toBeVisible();
  await expect(thread.getByText('It is Ann, from my new phone')).toBeVisible();
  await inspect(page, 'messages-thread-after-merge');

  // Undo: the made person's thread is back, with its text.
  expect((await hubApi('POST', `/persons/merges/${String(merged.json.mergeId)}/undo`)).status).toBe(200);
  await page.goto('/messages');
  await expect(threadRow(/\+1 415 555 0131/)).toContainText('It is Ann, from my new phone');
  await expect(threadRow(/Ann Example/)).not.toContainText('It is Ann, from my new phone');
});

test("another user sees none of it: an empty list, and the thread's address is not found", async ({ browser }) => {
  const other = await (await browser.newContext()).newPage();
  await signUp(other, uniqueEmail('messages-other'));
  await other.goto('/messages');
  await expect(other.getByText(/No conversations yet/).filter(VISIBLE)).toBeVisible();
  await other.goto(`/messages/${encodeURIComponent(annThreadId)}`);
  await expect(other.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(other.getByText('Hi, are we still on for Friday?')).toHaveCount(0);
  await other.context().close();
});

test('disconnect asks first, then the number is no longer connected', async () => {
  await page.goto('/settings/connections');
  await page.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Disconnect ${OWN}?` });
  await inspect(page, 'connections-disconnect', { fullPage: false });
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByText('No number is connected yet.').filter(VISIBLE)).toBeVisible();
  // Its webhooks stop at once.
  const refused = await control('/inbound', { from: ANN, to: OWN, body: 'after disconnect' });
  expect(refused.status).toBe(404);
});
