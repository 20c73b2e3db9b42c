import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';

/**
 * POSTs a webhook to the hub as Twilio sends one: the form urlencoded and signed by the real
 * `twilio` package over PUBLIC_URL + the path (never the Host header). `signature`: null sends
 * none, a string sends that one instead of the right one.
 */
export function postTwilioWebhook(
  app: FastifyInstance,
  signer: { publicUrl: string; authToken: string },
  url: string,
  form: Record<string, string>,
  options: { signature?: string | null; host?: string } = {},
) {
  const signed = twilio.getExpectedTwilioSignature(signer.authToken, `${signer.publicUrl}${url}`, form);
  return app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.signature === null ? {} : { 'x-twilio-signature': options.signature ?? signed }),
    },
    payload: new URLSearchParams(form).toString(),
  });
}
