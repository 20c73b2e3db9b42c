import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A STAND-IN for Twilio's REST API (api.twilio.com cannot be reached from the test machine),
 * built from the documented payloads (twilio.com/docs/phone-numbers/api/incomingphonenumber-resource,
 * /docs/messaging/api/message-resource, /docs/messaging/api/media-resource, /docs/iam/keys/api-key,
 * /docs/usage/api/applications, /docs/voice/api/recording) and selected by
 * TWILIO_API_URL. It checks HTTP Basic AccountSid:AuthToken like Twilio, and records requests.
 */
export interface StandInNumber {
  sid: string;
  phone_number: string;
  friendly_name: string;
  sms_url: string;
  sms_method: string;
  status_callback: string;
  voice_url: string;
  voice_method: string;
  status_callback_method: string;
  /** A TwiML App (AP…) or Messaging Service (MG…) taking the texts; Twilio then ignores sms_url. */
  sms_application_sid: string;
  /** A TwiML App taking the calls; Twilio then ignores voice_url. */
  voice_application_sid: string;
  capabilities: { sms: boolean; mms: boolean; voice: boolean };
}

export const hex32 = () => randomBytes(16).toString('hex');

export async function startTwilioStandIn(
  account: { accountSid: string; authToken: string; numbers: string[] },
  options: {
    /** A fixed port (the web e2e run tells the hub where the stand-in will be); default: any free one. */
    port?: number;
    /**
     * Requests for another Account SID (/2010-04-01/Accounts/<other>/…) go here instead of a 401:
     * one TWILIO_API_URL serving a second account (stand-in.server.ts forwards them to its stand-in).
     */
    otherAccounts?: (req: IncomingMessage, res: ServerResponse) => void;
  } = {},
) {
  const numbers = new Map<string, StandInNumber>();
  for (const phone of account.numbers) {
    const sid = `PN${hex32()}`;
    numbers.set(sid, {
      sid,
      phone_number: phone,
      friendly_name: phone,
      sms_url: 'https://demo.twilio.com/welcome/sms/reply',
      sms_method: 'POST',
      status_callback: '',
      voice_url: 'https://demo.twilio.com/welcome/voice/',
      voice_method: 'POST',
      status_callback_method: 'POST',
      sms_application_sid: '',
      voice_application_sid: '',
      capabilities: { sms: true, mms: true, voice: true },
    });
  }
  const media = new Map<string, { bytes: Buffer; contentType: string }>();
  const sent: Record<string, string | string[]>[] = [];
  /** API Keys (Keys.json) and TwiML Apps (Applications.json) made through the API. */
  const keys = new Map<string, { sid: string; friendly_name: string; secret: string }>();
  const applications = new Map<string, Record<string, string>>();
  /** Recordings' audio (GET Recordings/RE….mp3), and the Authorization each fetch carried. */
  const recordings = new Map<string, { bytes: Buffer; viaCdn: boolean }>();
  const recordingAuthHeaders: (string | undefined)[] = [];
  /** The next this many recording fetches answer 500 (Twilio failing for a moment). */
  let failRecordings = 0;
  const cdnAuthHeaders: (string | undefined)[] = [];
  /** The next Messages.create answers this Twilio error (code, HTTP status) once. */
  let nextError: { code: number; status: number; message: string } | undefined;
  /** The next Messages.create is taken (as Twilio would) and its answer lost: the socket is cut. */
  let dropNextAnswer = false;
  /** While set, every REST request answers this HTTP status with Twilio's error body (an outage). */
  let outage: number | undefined;
  /** Runs before a Messages.create is answered (status callbacks racing the API answer). */
  const control: { beforeSendAnswer?: (sid: string, form: Record<string, string | string[]>) => Promise<void> } = {};
  const base = `/2010-04-01/Accounts/${account.accountSid}`;
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;

  const numberJson = (n: StandInNumber) => ({
    ...n,
    account_sid: account.accountSid,
    uri: `${base}/IncomingPhoneNumbers/${n.sid}.json`,
  });
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readForm = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
      const seen = form[k];
      form[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
    return form;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const cdnRecording = /^\/cdn\/(RE[0-9a-f]{32})\.mp3$/.exec(url.pathname);
      if (cdnRecording) {
        cdnAuthHeaders.push(req.headers.authorization);
        const item = recordings.get(cdnRecording[1]!);
        if (!item) return send(res, 404, {});
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        return res.end(item.bytes);
      }
      const cdn = /^\/cdn\/(ME[0-9a-f]{32})$/.exec(url.pathname);
      if (cdn) {
        cdnAuthHeaders.push(req.headers.authorization);
        const item = media.get(cdn[1]!);
        if (!item) return send(res, 404, {});
        res.writeHead(200, { 'content-type': item.contentType });
        return res.end(item.bytes);
      }
      const accountSid = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})/.exec(url.pathname)?.[1];
      if (accountSid && accountSid !== account.accountSid && options.otherAccounts)
        return options.otherAccounts(req, res);
      if (req.headers.authorization !== expectedAuth)
        return send(res, 401, {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      if (outage !== undefined)
        // Twilio's error body for its own failures (errors 20500 Internal Server Error, 20503 Service Unavailable).
        return send(res, outage, {
          code: 20000 + outage,
          message: outage === 503 ? 'Service Unavailable' : 'Internal Server Error',
          more_info: `https://www.twilio.com/docs/errors/${20000 + outage}`,
          status: outage,
        });
      if (url.pathname === `${base}.json`)
        return send(res, 200, { sid: account.accountSid, status: 'active', type: 'Full' });
      if (url.pathname === `${base}/IncomingPhoneNumbers.json`) {
        const wanted = url.searchParams.get('PhoneNumber');
        const list = [...numbers.values()].filter((n) => !wanted || n.phone_number === wanted).map(numberJson);
        return send(res, 200, {
          incoming_phone_numbers: list,
          next_page_uri: null,
          page: 0,
          page_size: 50,
          uri: url.pathname,
        });
      }
      const one = new RegExp(`^${base}/IncomingPhoneNumbers/(PN[0-9a-f]{32})\\.json$`).exec(url.pathname);
      if (one) {
        const number = numbers.get(one[1]!);
        if (!number)
          return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
        if (req.method === 'POST') {
          const form = await readForm(req);
          if (typeof form.SmsUrl === 'string') number.sms_url = form.SmsUrl;
          if (typeof form.SmsMethod === 'string') number.sms_method = form.SmsMethod;
          if (typeof form.StatusCallback === 'string') number.status_callback = form.StatusCallback;
          if (typeof form.StatusCallbackMethod === 'string') number.status_callback_method = form.StatusCallbackMethod;
          if (typeof form.VoiceUrl === 'string') number.voice_url = form.VoiceUrl;
          if (typeof form.VoiceMethod === 'string') number.voice_method = form.VoiceMethod;
        }
        return send(res, 200, numberJson(number));
      }
      if (url.pathname === `${base}/Messages.json` && req.method === 'POST') {
        const form = await readForm(req);
        sent.push(form);
        if (dropNextAnswer) {
          dropNextAnswer = false;
          return req.socket.destroy();
        }
        if (nextError) {
          const error = nextError;
          nextError = undefined;
          return send(res, error.status, {
            code: error.code,
            message: error.message,
            more_info: `https://www.twilio.com/docs/errors/${error.code}`,
            status: error.status,
          });
        }
        const mediaCount = form.MediaUrl === undefined ? 0 : Array.isArray(form.MediaUrl) ? form.MediaUrl.length : 1;
        const sid = `${mediaCount > 0 ? 'MM' : 'SM'}${hex32()}`;
        // Twilio may call the StatusCallback before the API answer reaches the sender.
        if (control.beforeSendAnswer) await control.beforeSendAnswer(sid, form);
        return send(res, 201, {
          sid,
          account_sid: account.accountSid,
          to: form.To,
          from: form.From,
          body: form.Body,
          status: 'queued',
          direction: 'outbound-api',
          num_segments: '1',
          num_media: String(mediaCount),
          price: null,
          error_code: null,
          error_message: null,
          date_created: new Date().toUTCString(),
          api_version: '2010-04-01',
        });
      }
      if (url.pathname === `${base}/Keys.json` && req.method === 'POST') {
        const form = await readForm(req);
        const key = { sid: `SK${hex32()}`, friendly_name: String(form.FriendlyName ?? ''), secret: hex32() };
        keys.set(key.sid, key);
        const now = new Date().toUTCString();
        return send(res, 201, { ...key, date_created: now, date_updated: now });
      }
      if (url.pathname === `${base}/Applications.json` && req.method === 'POST') {
        const form = await readForm(req);
        const sid = `AP${hex32()}`;
        const app: Record<string, string> = {
          sid,
          account_sid: account.accountSid,
          friendly_name: String(form.FriendlyName ?? ''),
          voice_url: String(form.VoiceUrl ?? ''),
          voice_method: String(form.VoiceMethod ?? 'POST'),
          status_callback: String(form.StatusCallback ?? ''),
          status_callback_method: String(form.StatusCallbackMethod ?? 'POST'),
          uri: `${base}/Applications/${sid}.json`,
        };
        applications.set(sid, app);
        return send(res, 201, app);
      }
      const application = new RegExp(`^${base}/Applications/(AP[0-9a-f]{32})\\.json$`).exec(url.pathname);
      if (application) {
        const app = applications.get(application[1]!);
        if (!app) return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
        if (req.method === 'DELETE') {
          applications.delete(application[1]!);
          res.writeHead(204);
          return res.end();
        }
        return send(res, 200, app);
      }
      const recording = new RegExp(`^${base}/Recordings/(RE[0-9a-f]{32})\\.mp3$`).exec(url.pathname);
      if (recording) {
        recordingAuthHeaders.push(req.headers.authorization);
        const item = recordings.get(recording[1]!);
        if (!item) return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
        if (failRecordings > 0) {
          failRecordings -= 1;
          return send(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
        }
        if (item.viaCdn) {
          res.writeHead(302, { location: `/cdn/${recording[1]}.mp3` });
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        return res.end(item.bytes);
      }
      const mediaPath = new RegExp(`^${base}/Messages/(MM[0-9a-f]{32})/Media/(ME[0-9a-f]{32})$`).exec(url.pathname);
      if (mediaPath && media.has(mediaPath[2]!)) {
        res.writeHead(302, { location: `/cdn/${mediaPath[2]}` });
        return res.end();
      }
      send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    })().catch(() => send(res, 500, {}));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    control,
    numbers,
    sent,
    cdnAuthHeaders,
    keys,
    applications,
    recordingAuthHeaders,
    /**
     * A recording Twilio holds (a voicemail, a call's): its RecordingUrl, without extension as
     * Twilio sends it. `viaCdn`: the API answers 302 to a CDN address, as for media.
     */
    addRecording(bytes: Buffer, options: { viaCdn?: boolean } = {}) {
      const sid = `RE${hex32()}`;
      recordings.set(sid, { bytes, viaCdn: options.viaCdn === true });
      return { sid, url: `${url}${base}/Recordings/${sid}` };
    },
    numberOf: (phone: string) => [...numbers.values()].find((n) => n.phone_number === phone)!,
    /** A media item Twilio holds for a message: its MediaUrl (which 302s to the CDN). */
    addMedia(messageSid: string, bytes: Buffer, contentType: string) {
      const sid = `ME${hex32()}`;
      media.set(sid, { bytes, contentType });
      return `${url}${base}/Messages/${messageSid}/Media/${sid}`;
    },
    /** The next `count` recording fetches answer 500. */
    failRecordingFetches(count: number) {
      failRecordings = count;
    },
    /** Every REST request answers `status` (500, 503) until `outage(undefined)`. */
    outage(status: number | undefined) {
      outage = status;
    },
    failNextSend(code: number, status: number, message: string) {
      nextError = { code, status, message };
    },
    /** The next text is taken, but its answer never arrives (the connection breaks). */
    loseNextSendAnswer() {
      dropNextAnswer = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
