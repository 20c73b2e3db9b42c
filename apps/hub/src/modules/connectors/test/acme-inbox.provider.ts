import { defineProvider } from '@made-open/shared/providers';
import { z } from 'zod';

/**
 * A provider that exists only in tests: Acme Inbox, a made-up mail service whose mailboxes
 * must be connected before its capabilities switch on (like Twilio's numbers or Microsoft's
 * accounts). Its API is served by the stand-in in acme-inbox.stand-in.ts.
 */
export const acmeInbox = defineProvider({
  id: 'acme-inbox',
  label: 'Acme Inbox',
  noun: 'an Acme Inbox key',
  description: 'Mail from your Acme Inbox mailboxes.',
  where: 'Settings → API at acme-inbox.example.',
  example: 'Acme mail',
  fields: [
    { name: 'accountId', label: 'Account ID', kind: 'text', public: true, hintLabel: 'Account' },
    { name: 'apiKey', label: 'API key', kind: 'secret' },
    { name: 'webhookSecret', label: 'Webhook signing secret', kind: 'secret' },
  ],
  secret: z.object({
    accountId: z.string().regex(/^acct_[0-9]{8}$/, 'Enter the account ID: acct_ followed by 8 digits.'),
    apiKey: z.string().min(12, 'The API key is at least 12 characters.'),
    webhookSecret: z.string().min(16, 'The webhook signing secret is at least 16 characters.'),
  }),
  secretHome: 'Put the key in apiKey.',
  endpoints: { api: { url: 'https://api.acme-inbox.example', env: 'ACME_INBOX_API_URL' } },
  send: { hosts: ['api.acme-inbox.example'], via: [{ as: 'header', name: 'X-Acme-Key', value: 'apiKey' }] },
  capabilities: [
    { name: 'inbox', label: 'Inbox', description: 'Read your mail.', needsConnection: 'a connected Acme mailbox' },
    {
      name: 'inbox-send',
      label: 'Send mail',
      description: 'Send mail.',
      needsConnection: 'an Acme mailbox connected for sending',
    },
  ],
  test: {
    base: { endpoint: 'api' },
    method: 'GET',
    path: '/v1/accounts/{accountId}',
    auth: { as: 'header', name: 'X-Acme-Key', value: 'apiKey' },
    read: ({ status }) =>
      status === 200
        ? { ok: true, message: 'Acme Inbox accepted this key.' }
        : { ok: false, message: `Acme Inbox refused the key (HTTP ${status}).` },
  },
});
