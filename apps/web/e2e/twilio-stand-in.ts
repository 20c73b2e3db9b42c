import { randomBytes } from 'node:crypto';

/**
 * The run's Twilio REST stand-in (hub test support, started by run.mjs and selected by the
 * hub's TWILIO_API_URL): its account, a second account served at the same URL, and the
 * control server through which a test plays Twilio's side.
 */
export const account = JSON.parse(process.env.E2E_TWILIO ?? '{}') as {
  accountSid: string;
  authToken: string;
  control: string;
  second: { accountSid: string; authToken: string; numbers: string[] };
};

/** 32 hex digits, the tail of a Twilio sid (`CA${hex32()}`). */
export const hex32 = () => randomBytes(16).toString('hex');

/** Reads (no body) or tells (a JSON body) the stand-in's control server. */
export const control = async (path: string, body?: unknown) =>
  (
    await fetch(`${account.control}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })
  ).json();
