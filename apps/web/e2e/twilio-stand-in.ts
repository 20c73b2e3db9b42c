import { randomBytes } from 'node:crypto';
import { expect } from '@playwright/test';
import twilio from 'twilio';

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

/** POSTs a webhook to the hub signed exactly as Twilio signs it (PUBLIC_URL is the hub's URL here); answers its body. */
export async function twilioWebhook(connectionId: string, path: string, form: Record<string, string>) {
  const url = `${process.env.E2E_HUB_URL!}/webhooks/twilio/${connectionId}/${path}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(account.authToken, url, form),
    },
    body: new URLSearchParams(form).toString(),
  });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return response.text();
}
