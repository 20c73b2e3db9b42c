import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { hex32, startTwilioStandIn } from './twilio.stand-in.ts';

/**
 * TEST SUPPORT for the web app's browser tests (apps/web/e2e/run.mjs starts it): the Twilio
 * REST STAND-IN (twilio.stand-in.ts) in a process of its own, for a hub started with
 * TWILIO_API_URL pointing at it, plus a small control server that plays Twilio's side of the
 * webhooks: inbound SMS/MMS and status callbacks, signed by the real `twilio` package against
 * the hub's PUBLIC_URL. Prints one JSON line: the stand-in's and control server's URLs and the
 * account (a fresh, random Account SID and Auth Token per run), and `second`: another account,
 * served at the same URL (for a person with numbers on two Twilio accounts), with a number of its own.
 *
 *   POST /inbound { hubUrl, publicUrl, connectionId, from, to, body, media?: [{ contentType, base64 }] }
 *   POST /status  { hubUrl, publicUrl, connectionId, sid, status, errorCode? }
 *   POST /fail-next { code, status, message }: the next Messages.create answers this Twilio error
 *   GET  /sent: the Messages.create forms received
 *   POST /recording { base64 }: a voicemail recording to download ({ sid, url })
 *   GET  /applications: the TwiML Apps connect created (sid, voice_url, ...)
 */
const account = {
  accountSid: `AC${hex32()}`,
  authToken: hex32(),
  numbers: ['+14155550100', '+447700900123'],
};
const second = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550200'] };
const secondStandIn = await startTwilioStandIn(second);

/** The second account's requests, passed on as they came (its stand-in checks their Basic auth). */
function toSecond(req: IncomingMessage, res: ServerResponse) {
  const target = new URL(req.url ?? '/', secondStandIn.url);
  const forwarded = request(target, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', () => res.writeHead(502).end());
  req.pipe(forwarded);
}
const standIn = await startTwilioStandIn(account, { otherAccounts: toSecond });

async function json(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Posts a form to the hub as Twilio does: signed over PUBLIC_URL + path (never the Host). */
async function signedPost(input: Record<string, unknown>, path: string, form: Record<string, string>) {
  const url = `/webhooks/twilio/${String(input.connectionId)}/${path}`;
  const signature = twilio.getExpectedTwilioSignature(account.authToken, `${String(input.publicUrl)}${url}`, form);
  const response = await fetch(`${String(input.hubUrl)}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.text() };
}

const control = createServer((req, res) => {
  void (async () => {
    const input = await json(req);
    let answer: unknown;
    if (req.url === '/inbound') {
      const media = (input.media as { contentType: string; base64: string }[] | undefined) ?? [];
      const sid = `${media.length > 0 ? 'MM' : 'SM'}${hex32()}`;
      const form: Record<string, string> = {
        MessageSid: sid,
        SmsSid: sid,
        AccountSid: account.accountSid,
        From: String(input.from),
        To: String(input.to),
        Body: String(input.body ?? ''),
        NumMedia: String(media.length),
        NumSegments: '1',
        SmsStatus: 'received',
        ApiVersion: '2010-04-01',
      };
      media.forEach((item, index) => {
        form[`MediaUrl${index}`] = standIn.addMedia(sid, Buffer.from(item.base64, 'base64'), item.contentType);
        form[`MediaContentType${index}`] = item.contentType;
      });
      answer = { sid, ...(await signedPost(input, 'sms', form)) };
    } else if (req.url === '/status') {
      const form: Record<string, string> = {
        MessageSid: String(input.sid),
        AccountSid: account.accountSid,
        MessageStatus: String(input.status),
        SmsStatus: String(input.status),
        ...(input.errorCode ? { ErrorCode: String(input.errorCode) } : {}),
      };
      answer = await signedPost(input, 'sms-status', form);
    } else if (req.url === '/fail-next') {
      standIn.failNextSend(Number(input.code), Number(input.status ?? 400), String(input.message ?? 'Refused'));
      answer = { ok: true };
    } else if (req.url === '/sent') {
      answer = standIn.sent;
    } else if (req.url === '/recording') {
      answer = standIn.addRecording(Buffer.from(String(input.base64 ?? ''), 'base64'));
    } else if (req.url === '/applications') {
      answer = [...standIn.applications.values()];
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  })().catch((error: unknown) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

process.stdout.write(
  `${JSON.stringify({
    url: standIn.url,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    ...account,
    second,
  })}\n`,
);
const stop = () => {
  control.close();
  void Promise.all([standIn.close(), secondStandIn.close()]).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
