import { expect, test, type Page } from '@playwright/test';
import { VISIBLE, createContact, inspect, signUp, uniqueEmail } from './helpers';
import { hubSession, type HubSession } from './api';
import { account, control, hex32, twilioWebhook } from './twilio-stand-in';

/**
 * Recorded outgoing calls: the connect form's "Record my outgoing calls" (with its note that
 * the other party may have to be told), the Dial that asks Twilio to record, and the recording
 * played in the call history and named on the contact's timeline. Twilio's REST API is the
 * STAND-IN run.mjs started; webhooks are signed by the real `twilio` package.
 */
test.describe.configure({ mode: 'serial' });

const hub = process.env.E2E_HUB_URL!;
const OWN = '+14155550100';
const AUDIO = 'RIFF a recorded call, both sides';

let page: Page;
let session: HubSession;
let connectionId: string;
let graceId: string;

const webhook = (path: string, form: Record<string, string>) => twilioWebhook(connectionId, path, form);

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

test('connect a number with outgoing calls recorded', async () => {
  const email = uniqueEmail('recording');
  await signUp(page, email);
  graceId = await createContact(page, { name: 'Grace Hopper', phones: '+1 415 555 0142' });
  session = await hubSession(email);
  const credential = await session.call<{ id: string }>('POST', '/credentials', {
    type: 'twilio',
    name: 'My Twilio',
    secret: { accountSid: account.accountSid, authToken: account.authToken },
  });
  expect((await session.call<{ ok: boolean }>('POST', `/credentials/${credential.id}/test`)).ok).toBe(true);

  await page.goto('/settings/connections');
  await page.getByRole('button', { name: 'Show its numbers' }).click();
  await page.getByRole('radio', { name: new RegExp(`\\${OWN}`) }).check();
  const record = page.getByRole('checkbox', { name: /Record my outgoing calls/ });
  await expect(record).not.toBeChecked();
  await expect(record).toHaveAccessibleDescription(/tell the other person that the call is recorded/);
  await record.check();
  await inspect(page, 'connections-record-calls');
  await page.getByRole('button', { name: `Connect ${OWN}` }).click();
  await expect(page.getByText(`${OWN} is connected.`).filter(VISIBLE)).toBeVisible();
  // The number's card has the switch, on.
  await expect(
    page.getByRole('group', { name: OWN }).getByRole('checkbox', { name: /Record my outgoing calls/ }),
  ).toBeChecked();
  const { connections } = await session.call<{ connections: { id: string; label: string; options: object }[] }>(
    'GET',
    '/connections',
  );
  const connection = connections.find((c) => c.label === OWN)!;
  expect(connection.options).toMatchObject({ phoneNumber: OWN, recordOutgoingCalls: true });
  connectionId = connection.id;
});

test('a recorded outgoing call plays in the history and shows on the timeline', async () => {
  const callSid = `CA${hex32()}`;
  const application = ((await control('/applications')) as { sid: string; voice_url: string }[]).find((app) =>
    app.voice_url.includes(connectionId),
  )!;
  // The browser's identity: user_<the user's id without dashes> (the token's sub).
  const sub = (JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  const dial = await webhook('voice-outgoing', {
    AccountSid: account.accountSid,
    ApplicationSid: application.sid,
    CallSid: callSid,
    From: `client:user_${sub.replace(/-/g, '')}`,
    To: '+14155550142',
  });
  expect(dial).toContain('record="record-from-answer-dual"');
  expect(dial).toContain(`recordingStatusCallback="${hub}/webhooks/twilio/${connectionId}/voice-call-recording"`);
  const recording = (await control('/recording', { base64: Buffer.from(AUDIO).toString('base64') })) as {
    sid: string;
    url: string;
  };
  // The recording callback before the call's completed status, as Twilio may send them.
  await webhook('voice-call-recording', {
    AccountSid: account.accountSid,
    CallSid: callSid,
    RecordingSid: recording.sid,
    RecordingUrl: recording.url,
    RecordingStatus: 'completed',
    RecordingDuration: '64',
    RecordingChannels: '2',
    RecordingSource: 'DialVerb',
  });
  await webhook('voice-status', {
    AccountSid: account.accountSid,
    CallSid: `CA${hex32()}`,
    ParentCallSid: callSid,
    CallStatus: 'completed',
    CallDuration: '65',
  });
  await expect
    .poll(async () => {
      const list = await session.call<{ items: { recording: { url: string | null } | null }[] }>(
        'GET',
        '/calls?filter=outgoing',
      );
      return list.items[0]?.recording?.url ?? null;
    })
    .not.toBeNull();

  await page.goto('/calls?filter=outgoing');
  const calls = page.getByRole('list', { name: 'Calls' }).filter(VISIBLE);
  await expect(calls.getByRole('listitem')).toHaveCount(1);
  await expect(calls.getByText('Answered call to +1 415 555 0142')).toBeVisible();
  const audio = calls.getByLabel('Recording of the call to Grace Hopper');
  await expect(audio).toHaveCount(1);
  const played = await page.request.get((await audio.getAttribute('src'))!);
  expect(played.status()).toBe(200);
  expect(await played.text()).toBe(AUDIO);
  await inspect(page, 'calls-recorded-outgoing');

  await page.goto(`/contacts/${graceId}`);
  const timeline = page.getByRole('list', { name: 'Timeline of Grace Hopper' });
  await expect(timeline.getByText('Outgoing call, 1 min, recorded')).toBeVisible();
  await inspect(page, 'contact-timeline-recorded-call');
});

test("recording turned off and on again from the number's card", async () => {
  await page.goto('/settings/connections');
  const record = page.getByRole('group', { name: OWN }).getByRole('checkbox', { name: /Record my outgoing calls/ });
  await expect(record).toHaveAccessibleDescription(/tell the other person that the call is recorded/);
  const stored = async () =>
    (await session.call<{ options: { recordOutgoingCalls: boolean } }>('GET', `/connections/${connectionId}`)).options
      .recordOutgoingCalls;
  // Keyboard: Space toggles it; the hub has it once the switch is enabled again.
  await record.focus();
  await page.keyboard.press('Space');
  await expect(record).not.toBeChecked();
  await expect(record).toBeEnabled();
  await expect.poll(stored).toBe(false);
  await page.reload();
  await expect(record).not.toBeChecked();
  await inspect(page, 'connections-recording-off');
  await record.check();
  await expect(record).toBeEnabled();
  await expect.poll(stored).toBe(true);
});
