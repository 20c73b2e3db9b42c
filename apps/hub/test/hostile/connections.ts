import { createHash, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { expect } from 'vitest';
import type { Hub } from '../../src/composition.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from '../../src/modules/connectors/msgraph/test/support.ts';
import { messagePayload } from '../../src/modules/connectors/msgraph/test/stand-in/generator.ts';
import { collectionOf, put } from '../../src/modules/connectors/msgraph/test/stand-in/state.ts';
import { editRemotely } from '../../src/modules/connectors/msgraph/test/stand-in/versions.ts';
import { subscriptionsOf } from '../../src/modules/connectors/msgraph/test/stand-in/subscriptions.ts';
import { postTwilioWebhook } from '../../src/modules/connectors/twilio/test/webhook.ts';
import { hex32, startTwilioStandIn } from '../../src/modules/connectors/twilio/test/twilio.stand-in.ts';
import { bearer, type SignedUpUser } from '../users.ts';
import type { HostileRequest, RawBody } from './variants.ts';

/**
 * Connections for the sweep: a Twilio number and a Microsoft 365 mailbox, each behind a
 * STAND-IN for its cloud API (Twilio REST and Graph/login cannot be reached from here; the
 * stand-ins live under the connectors' test folders and are selected by TWILIO_API_URL,
 * MSGRAPH_API_URL and MSGRAPH_LOGIN_URL). Twilio webhooks are signed with the real `twilio`
 * package, so a hostile form gets past the signature check to the handler; Graph
 * notifications carry a real subscription's clientState, so they get past that check too.
 */
export const twilioPaths = ['sms', 'sms-status', 'voice-incoming', 'voice-status', 'voice-outgoing'] as const;
export type TwilioPath = (typeof twilioPaths)[number];
const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

export async function startConnectionStandIns() {
  const twilioAccount = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+14155550101'] };
  const twilioApi = await startTwilioStandIn(twilioAccount);
  const graph = await msgraphStandIn();
  return {
    twilioAccount,
    twilioApi,
    graph: graph.standIn,
    env: { ...graph.env, TWILIO_API_URL: twilioApi.url },
    publicUrl: graph.env.PUBLIC_URL!,
    async close() {
      await twilioApi.close();
      await graph.standIn.close();
    },
  };
}
export type ConnectionStandIns = Awaited<ReturnType<typeof startConnectionStandIns>>;

/** A Twilio form per webhook path, as Twilio sends it for this account's number. */
function twilioForm(path: TwilioPath, accountSid: string, applicationSid = ''): Record<string, string> {
  const call = { CallSid: `CA${hex32()}`, AccountSid: accountSid, ApiVersion: '2010-04-01' };
  switch (path) {
    case 'sms':
      return {
        MessageSid: `SM${hex32()}`,
        AccountSid: accountSid,
        From: '+14155550123',
        To: '+14155550100',
        Body: 'sweep',
        NumMedia: '0',
        NumSegments: '1',
        SmsStatus: 'received',
      };
    case 'sms-status':
      return { MessageSid: `SM${hex32()}`, AccountSid: accountSid, MessageStatus: 'delivered', ErrorCode: '0' };
    case 'voice-incoming':
      return { ...call, From: '+14155550123', To: '+14155550100', CallStatus: 'ringing', Direction: 'inbound' };
    case 'voice-status':
      return {
        ...call,
        From: '+14155550123',
        To: '+14155550100',
        CallStatus: 'completed',
        CallDuration: '5',
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/RE${hex32()}`,
        RecordingSid: `RE${hex32()}`,
        RecordingDuration: '5',
      };
    case 'voice-outgoing':
      return {
        ...call,
        ApplicationSid: applicationSid,
        From: 'client:sweep',
        To: '+14155550123',
        CallStatus: 'ringing',
      };
  }
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * Signed Twilio bodies with one hostile field at a time (NUL, a lone surrogate, 100 kB, empty,
 * repeated), then whole-form oddities: another account's SID, MMS media on a non-Twilio host,
 * impossible numbers, a JSON body signed with bodySHA256. Each has a MessageSid or CallSid of
 * its own (`sid`), so the sweep can check that a refused one stored nothing under it.
 */
export function twilioBodies(path: TwilioPath, account: { accountSid: string; applicationSid: string }): RawBody[] {
  const { accountSid } = account;
  const out: RawBody[] = [];
  /** A form with SIDs of its own, changed by `change`; its text, or `text` made from it. */
  const add = (
    variant: string,
    change: (base: Record<string, string>) => Record<string, string>,
    text?: (fields: Record<string, string>) => string,
  ) => {
    const base = twilioForm(path, accountSid, account.applicationSid);
    out.push({
      variant: `twilio ${path}: ${variant}`,
      contentType: 'application/x-www-form-urlencoded',
      payload: text ? text(base) : form(change(base)),
      sid: base.MessageSid ?? base.CallSid,
    });
  };
  const same = (base: Record<string, string>) => base;
  add('as sent', same);
  for (const key of Object.keys(twilioForm(path, accountSid, account.applicationSid))) {
    add(`${key} with NUL`, (base) => ({ ...base, [key]: `${base[key]}${NUL}` }));
    add(`${key} with a lone surrogate`, (base) => ({ ...base, [key]: `${base[key]}${LONE_SURROGATE}` }));
    add(`${key} 100 kB`, (base) => ({ ...base, [key]: 'x'.repeat(100_000) }));
    add(`${key} empty`, (base) => ({ ...base, [key]: '' }));
    add(`${key} repeated`, same, (base) => `${form(base)}&${encodeURIComponent(key)}=again`);
  }
  add('no AccountSid', ({ AccountSid: _sid, ...withoutAccount }) => withoutAccount);
  add("another account's SID", (base) => ({ ...base, AccountSid: `AC${hex32()}` }));
  add('prototype keys', same, (base) => `${form(base)}&__proto__=x&constructor%5Bprototype%5D=y`);
  add('impossible numbers', (base) => ({
    ...base,
    NumMedia: '99999999999999999999',
    NumSegments: '-1',
    CallDuration: '1e309',
    RecordingDuration: 'NaN',
    ErrorCode: '-5',
  }));
  add('media on a private host', (base) => ({
    ...base,
    NumMedia: '3',
    MediaUrl0: 'http://127.0.0.1:5432/',
    MediaContentType0: 'image/png',
    MediaUrl1: 'file:///etc/passwd',
    MediaContentType1: 'text/plain\r\nx: y',
    MediaUrl2: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages/x/Media/../../../../etc`,
    MediaContentType2: '',
  }));
  add('recording on a private host', (base) => ({
    ...base,
    RecordingUrl: 'http://169.254.169.254/latest/meta-data',
    RecordingSid: 'RE..',
  }));
  const base = twilioForm(path, accountSid, account.applicationSid);
  const json = JSON.stringify(base);
  out.push({
    variant: `twilio ${path}: JSON signed with bodySHA256`,
    contentType: 'application/json',
    payload: json,
    query: `bodySHA256=${createHash('sha256').update(json).digest('hex')}`,
    sid: base.MessageSid ?? base.CallSid,
  });
  return out;
}

/** The form fields a body carries, as the hub reads them (repeated keys become arrays). */
function fieldsOf(payload: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(payload)) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return fields;
}

/**
 * X-Twilio-Signature for a request to a Twilio webhook, as Twilio computes it: over PUBLIC_URL
 * + path and query, with the form's fields (none when the query carries bodySHA256). Only the
 * signed-in caller's requests are signed: the garbage callers stand for unsigned ones.
 */
export function twilioSignature(
  signer: { publicUrl: string; authToken: string },
  request: HostileRequest,
): Record<string, string> {
  if (!request.url.startsWith('/webhooks/twilio/') || request.caller !== 'user') return {};
  // What arrives is UTF-8: a lone surrogate is sent (and so signed) as U+FFFD.
  const payload = (
    typeof request.payload === 'string' ? Buffer.from(request.payload, 'utf8') : (request.payload ?? Buffer.alloc(0))
  ).toString('utf8');
  const url = `${signer.publicUrl}${request.url}`;
  const params = request.url.includes('bodySHA256=') ? {} : fieldsOf(payload);
  return { 'x-twilio-signature': twilio.getExpectedTwilioSignature(signer.authToken, url, params) };
}

/** Graph notification bodies for one subscription, with hostile values where Graph's would be. */
export function graphBodies(
  kind: 'notifications' | 'lifecycle',
  subscription: { id: string; clientState: string },
): RawBody[] {
  const one = (extra: Record<string, unknown>) => ({
    subscriptionId: subscription.id,
    clientState: subscription.clientState,
    changeType: 'updated',
    resource: 'Users/x/Messages/y',
    resourceData: { id: 'y' },
    tenantId: randomUUID(),
    ...extra,
  });
  const bodies: [string, unknown][] = [
    ['as sent', { value: [one({})] }],
    ['missed', { value: [one({ lifecycleEvent: 'missed' })] }],
    ['unknown lifecycle event', { value: [one({ lifecycleEvent: 'x'.repeat(100) })] }],
    ['lifecycle event with NUL', { value: [one({ lifecycleEvent: `missed${NUL}` })] }],
    ['subscriptionId with NUL', { value: [one({ subscriptionId: `${subscription.id}${NUL}` })] }],
    [
      'subscriptionId with a lone surrogate',
      { value: [one({ subscriptionId: `${subscription.id}${LONE_SURROGATE}` })] },
    ],
    ['clientState with NUL', { value: [one({ clientState: `${subscription.clientState}${NUL}` })] }],
    ['clientState of the wrong type', { value: [one({ clientState: { $ne: null } })] }],
    ['subscriptionId of the wrong type', { value: [one({ subscriptionId: [subscription.id] })] }],
    ['1000 notifications', { value: Array.from({ length: 1000 }, () => one({})) }],
    ['1001 notifications', { value: Array.from({ length: 1001 }, () => one({})) }],
    ['mixed junk items', { value: [null, 1, 'x', [], one({}), { __proto__: { polluted: true } }] }],
    ['resourceData deeply nested', '__DEEP__'],
    [
      '__proto__ in a notification',
      `{"value":[{"__proto__":{"subscriptionId":"${subscription.id}"},"clientState":"${subscription.clientState}"}]}`,
    ],
    ['value not an array', { value: one({}) }],
  ];
  const deep = `{"value":[${JSON.stringify(one({})).slice(0, -1)},"resourceData":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`;
  const out: RawBody[] = bodies.map(([name, body]) => ({
    variant: `graph ${kind}: ${name}`,
    contentType: 'application/json',
    payload: body === '__DEEP__' ? deep : typeof body === 'string' ? body : JSON.stringify(body),
  }));
  for (const [name, token] of [
    ['NUL', '%00'],
    ['5000 characters', 'x'.repeat(5000)],
    ['markup', encodeURIComponent('<script>alert(1)</script>')],
    ['repeated', 'a&validationToken=b'],
    ['lone surrogate', '%ED%A0%80'],
  ]) {
    out.push({
      variant: `graph ${kind}: validationToken ${name}`,
      contentType: 'text/plain',
      payload: '',
      query: `validationToken=${token}`,
    });
  }
  // A lifecycle event that makes the hub renew or recreate at once, last: it replaces the subscription.
  out.push({
    variant: `graph ${kind}: reauthorizationRequired`,
    contentType: 'application/json',
    payload: JSON.stringify({ value: [one({ lifecycleEvent: 'reauthorizationRequired' })] }),
  });
  return out;
}

async function ok(response: { statusCode: number; body: string; json(): any }, status = [200, 201]) {
  expect(status, response.body).toContain(response.statusCode);
  return response.json();
}

/** The resources behind the connections' routes, made through the real API and webhooks. */
export async function makeConnections(hub: Hub, user: SignedUpUser, standIns: ConnectionStandIns, personId: string) {
  const { twilioAccount, twilioApi, graph, publicUrl } = standIns;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });

  // Twilio: a credential (tested), a connected number, an inbound SMS and MMS (a thread, an attachment).
  const twilioCredential = (
    await ok(
      await api('POST', '/api/v1/credentials', {
        type: 'twilio',
        name: 'sweep twilio',
        secret: { accountSid: twilioAccount.accountSid, authToken: twilioAccount.authToken },
      }),
    )
  ).id as string;
  await ok(await api('POST', `/api/v1/credentials/${twilioCredential}/test`));
  const twilioConnection = (
    await ok(
      await api('POST', '/api/v1/connections', {
        provider: 'twilio',
        credentialId: twilioCredential,
        options: { phoneNumber: '+14155550100' },
      }),
    )
  ).id as string;
  const signer = { publicUrl, authToken: twilioAccount.authToken };
  // The TwiML App connect made for browser calls: what voice-outgoing requests name.
  const applicationSid = [...twilioApi.applications.keys()][0]!;
  const sms = twilioForm('sms', twilioAccount.accountSid);
  const mms = { ...sms, MessageSid: `MM${hex32()}`, NumMedia: '1' };
  Object.assign(mms, {
    MediaUrl0: twilioApi.addMedia(mms.MessageSid, Buffer.from('png'), 'image/png'),
    MediaContentType0: 'image/png',
  });
  for (const fields of [sms, mms]) {
    const answer = await postTwilioWebhook(hub.app, signer, `/webhooks/twilio/${twilioConnection}/sms`, fields);
    expect(answer.statusCode, answer.body).toBe(200);
  }
  // A video room with a person (Twilio Video, through the connection's API Key), and its guest link.
  const video = await ok(await api('POST', '/api/v1/calls/video-token', { personId }));
  const videoRoom = { room: video.room as string, guestToken: String(video.guest.path).split('/').pop()! };
  const threads = (await ok(await api('GET', '/api/v1/messages/threads'))).threads as { id: string; channel: string }[];
  const threadId = threads.find((thread) => thread.channel === 'sms')?.id;
  expect(threadId, JSON.stringify(threads)).toBeTypeOf('string');

  // Microsoft 365: an app registration, a signed-in mailbox with an email that has an attachment,
  // synced, and live subscriptions whose clientStates the stand-in saw.
  const app = await registerApp(hub, graph, user, { mail: 'sweep@contoso.example' });
  const email = messagePayload(app.account, 1, 'inbox', {
    hasAttachments: true,
    attachments: [
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        id: 'att-sweep',
        name: 'sweep.txt',
        contentType: 'text/plain',
        size: 5,
        isInline: false,
        contentBytes: Buffer.from('sweep').toString('base64'),
      },
    ],
  });
  put(app.account, 'mail:inbox', email);
  subscriptionsOf(graph.state).deliver = async (url, body, contentType) => {
    const target = new URL(url);
    const answer = await hub.app.inject({
      method: 'POST',
      url: `${target.pathname}${target.search}`,
      headers: { 'content-type': contentType },
      payload: body,
    });
    return { status: answer.statusCode, text: answer.body };
  };
  const trip = await signIn(hub, graph, user, { credentialId: app.credentialId, account: app.account });
  const graphConnection = trip.connectionId!;
  expect(graphConnection, trip.error ?? '').toBeTruthy();
  await syncAndWait(hub, user, graphConnection);
  await hub.msgraph.subscriptions.maintain(graphConnection);
  const subscription = [...subscriptionsOf(graph.state).subscriptions.values()].find(
    (s) => s.accountId === app.account.id && s.notificationUrl.includes(graphConnection),
  )!;
  expect(subscription?.clientState).toBeTruthy();
  const { rows } = await hub.db.asUser(user.claims, (tx) =>
    tx.query<{ id: string }>(
      `SELECT id FROM public.entities WHERE source = 'msgraph' AND external_id = $1 AND deleted_at IS NULL`,
      [email.id],
    ),
  );
  expect(rows[0], 'the synced email').toBeDefined();
  // A write conflict, made as the hub makes one: an event written to Outlook through the
  // connection, changed there, then edited in the hub against the stale copy (Graph's 412).
  const startsAt = new Date(Date.now() + 5 * 86_400_000);
  const written = await ok(
    await api('POST', '/api/v1/calendar/events', {
      title: 'sweep conflict',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 1_800_000).toISOString(),
      connectionId: graphConnection,
    }),
  );
  const outlookId = [...collectionOf(app.account, 'calendar').items.values()].find(
    (item) => item.body.subject === 'sweep conflict',
  )!.body.id as string;
  editRemotely(app.account, 'calendar', outlookId, { subject: 'sweep conflict theirs' });
  const edit = await hub.app.inject({
    method: 'PATCH',
    url: `/api/v1/calendar/events/${written.id}`,
    headers: bearer(user),
    payload: { version: written.version, title: 'sweep conflict mine' },
  });
  expect(edit.statusCode, edit.body).toBe(409);
  const conflict = edit.json().error.details.conflict.id as string;

  return {
    twilioCredential,
    twilioConnection,
    twilioAccount: { accountSid: twilioAccount.accountSid, applicationSid },
    graphConnection,
    graphCredential: app.credentialId,
    threadId: threadId as string,
    conflict,
    videoRoom,
    email: { messageId: rows[0]!.id, attachmentId: 'att-sweep' },
    subscription: { id: subscription.id, clientState: subscription.clientState! },
    sign: (request: HostileRequest) => twilioSignature(signer, request),
  };
}
export type Connections = Awaited<ReturnType<typeof makeConnections>>;
