import { z } from 'zod';
import { defineProvider } from './types.ts';

/** Twilio BYOK (integrations.md §1.1): Account SID + Auth Token, REST over HTTP Basic. */
export const twilio = defineProvider({
  id: 'twilio',
  label: 'Twilio',
  noun: 'a Twilio credential',
  description: 'Text messages, voice calls and video through your Twilio account.',
  where: 'Both values are on the Account Info panel of console.twilio.com.',
  example: 'Personal Twilio',
  fields: [
    {
      name: 'accountSid',
      label: 'Account SID',
      kind: 'text',
      hint: 'AC followed by 32 letters and digits.',
      placeholder: 'AC…',
      public: true,
      hintLabel: 'Account SID',
    },
    { name: 'authToken', label: 'Auth Token', kind: 'secret' },
  ],
  secret: z.object({
    accountSid: z
      .string()
      .trim()
      .regex(
        /^AC[0-9a-fA-F]{32}$/,
        'Enter the Account SID: AC followed by 32 letters a–f and digits, as the Twilio Console shows it.',
      ),
    authToken: z
      .string()
      .trim()
      .min(16, 'The Auth Token is at least 16 characters: copy it from the Twilio Console.')
      .max(200, 'That is longer than a Twilio Auth Token.'),
    /**
     * An API Key (SK… + secret) that signs browser-calling and video tokens. Not asked for:
     * connecting a number creates one through the REST API and seals it in here.
     */
    apiKeySid: z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/)
      .optional(),
    apiKeySecret: z.string().min(16).max(200).optional(),
  }),
  secretHome: 'Put the Auth Token in authToken.',
  endpoints: { api: { url: 'https://api.twilio.com', env: 'TWILIO_API_URL' } },
  send: {
    hosts: [
      'api.twilio.com',
      'video.twilio.com',
      'voice.twilio.com',
      'messaging.twilio.com',
      'conversations.twilio.com',
    ],
    via: [{ as: 'basic', user: 'accountSid', password: 'authToken' }],
  },
  capabilities: [
    {
      name: 'sms',
      label: 'Text messages (SMS)',
      description: 'Send and receive text messages from your own number.',
      needsConnection: 'a connected number',
    },
    {
      name: 'voice',
      label: 'Voice calls',
      description: 'Make and receive phone calls, with call history in your timeline.',
      needsConnection: 'a connected number',
    },
    { name: 'video', label: 'Video calls', description: 'Start video rooms and invite your contacts.' },
  ],
  test: {
    // The Account resource: 200 with its status for a valid SID and token, 401 + code 20003 otherwise.
    base: { endpoint: 'api' },
    method: 'GET',
    path: '/2010-04-01/Accounts/{accountSid}.json',
    auth: { as: 'basic', user: 'accountSid', password: 'authToken' },
    read({ status, body }) {
      if (status >= 200 && status < 300) {
        const active = body.status === 'active';
        return {
          ok: active,
          message: active
            ? 'Twilio accepted these credentials.'
            : `Twilio accepted the credentials but the account is ${String(body.status)}.`,
          details: {
            accountStatus: typeof body.status === 'string' ? body.status : null,
            accountType: typeof body.type === 'string' ? body.type : null,
          },
        };
      }
      const code = typeof body.code === 'number' ? `, error ${body.code}` : '';
      const text = typeof body.message === 'string' ? `: ${body.message}` : '';
      return {
        ok: false,
        message: `Twilio rejected these credentials (HTTP ${status}${code}${text}). Check the Account SID and Auth Token.`,
      };
    },
  },
});
