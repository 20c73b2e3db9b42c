import { z } from 'zod';
import { defineProvider } from '../src/providers/types.ts';

/**
 * A provider that exists only in tests: the whole of what adding one takes. Tests register
 * it (providerRegistry.register) and check that the wallet, capabilities, plugin host and
 * web form pick it up with no other change.
 */
export const acmeWeather = defineProvider({
  id: 'acme-weather',
  label: 'Acme Weather',
  noun: 'an Acme Weather key',
  description: 'Forecasts for the places you know, from Acme Weather.',
  where: 'Your account ID and API key are under Settings → API at acme-weather.example.',
  example: 'Acme forecasts',
  fields: [
    {
      name: 'accountId',
      label: 'Account ID',
      kind: 'text',
      hint: 'acct_ followed by 8 digits.',
      placeholder: 'acct_…',
      public: true,
      hintLabel: 'Account',
    },
    { name: 'apiKey', label: 'Acme API key', kind: 'secret' },
  ],
  secret: z.object({
    accountId: z
      .string()
      .trim()
      .regex(/^acct_[0-9]{8}$/, 'Enter the account ID: acct_ followed by 8 digits.'),
    apiKey: z.string().trim().min(12, 'The Acme API key is at least 12 characters.'),
  }),
  secretHome: 'Put the key in apiKey.',
  endpoints: { api: { url: 'https://api.acme-weather.example', env: 'ACME_WEATHER_API_URL' } },
  send: { hosts: ['api.acme-weather.example'], via: [{ as: 'header', name: 'X-Acme-Key', value: 'apiKey' }] },
  capabilities: [{ name: 'weather', label: 'Weather forecasts', description: 'Forecasts for the places you know.' }],
  test: {
    base: { endpoint: 'api' },
    method: 'GET',
    path: '/v1/accounts/{accountId}',
    auth: { as: 'header', name: 'X-Acme-Key', value: 'apiKey' },
    read: ({ status, body }) =>
      status === 200
        ? { ok: true, message: 'Acme Weather accepted this key.', details: { account: typeof body.id === 'string' } }
        : { ok: false, message: `Acme Weather refused the key (HTTP ${status}).` },
  },
});
