import { z } from 'zod';
import { defineProvider } from './types.ts';

/**
 * Microsoft 365 through the user's own application registered in Entra (BYOK,
 * integrations.md §2.1): tenant (common, consumers, organizations, or one directory), client
 * id and, for a confidential (Web) app, a client secret; a public client signs in with PKCE
 * alone. The secret only ever goes to the identity platform; Graph gets the tokens it issues
 * at sign-in (connectors/msgraph), which are sealed per connection.
 */
export const microsoft = defineProvider({
  id: 'microsoft',
  label: 'Microsoft 365',
  noun: 'a Microsoft 365 credential',
  description: 'Email, calendar and contacts through an application registered in Microsoft Entra.',
  where:
    'In the Entra admin center, open App registrations, then your application: the IDs are on its Overview page, the secret under Certificates & secrets.',
  example: 'Work Microsoft 365',
  fields: [
    {
      name: 'tenantId',
      label: 'Tenant',
      kind: 'text',
      hint: 'common (work and personal accounts), consumers (personal only), organizations (work only), or your directory’s UUID or domain.',
      placeholder: 'common',
      public: true,
      hintLabel: 'Tenant',
    },
    {
      name: 'clientId',
      label: 'Application (client) ID',
      kind: 'text',
      hint: 'A UUID like 00000000-0000-0000-0000-000000000000.',
      public: true,
      hintLabel: 'Client ID',
    },
    {
      name: 'clientSecret',
      label: 'Client secret (optional)',
      kind: 'secret',
      hint: 'The secret’s Value, not its ID. Leave empty for a public client (mobile and desktop platform).',
    },
  ],
  secret: z.object({
    tenantId: z
      .string()
      .trim()
      .min(1, 'Enter the tenant: common, consumers, organizations, or your directory’s ID.')
      .max(100, 'A tenant ID is at most 100 characters.')
      .regex(/^[A-Za-z0-9.-]*$/, 'Use the tenant’s UUID or its domain, without spaces or slashes.'),
    clientId: z
      .string()
      .trim()
      .uuid('Enter the application (client) ID: a UUID like 00000000-0000-0000-0000-000000000000.'),
    // Optional: empty for a public client.
    clientSecret: z
      .string()
      .trim()
      .max(500, 'That is longer than a client secret.')
      .refine((value) => value === '' || value.length >= 8, 'Paste the client secret’s value (at least 8 characters).')
      .optional(),
  }),
  secretHome: 'Put the client secret in clientSecret.',
  endpoints: {
    login: { url: 'https://login.microsoftonline.com', env: 'MSGRAPH_LOGIN_URL' },
    graph: { url: 'https://graph.microsoft.com/v1.0', env: 'MSGRAPH_API_URL' },
  },
  send: {
    hosts: ['login.microsoftonline.com'],
    via: [{ as: 'basic', user: 'clientId', password: 'clientSecret' }],
  },
  capabilities: [
    {
      name: 'email',
      label: 'Email',
      description: 'Read and send email from your Microsoft 365 mailbox.',
      needsConnection: 'a connected account',
    },
    {
      name: 'calendar',
      label: 'Calendar',
      description: 'See and add events in your Microsoft 365 calendar.',
      needsConnection: 'a connected account',
    },
    {
      name: 'contacts',
      label: 'Contact sync',
      description: 'Keep your contacts in step with Microsoft 365.',
      needsConnection: 'a connected account',
    },
  ],
  test: {
    // The tenant's OpenID metadata: it exists for common/consumers/organizations and real
    // directories, with no secret sent (a public client has none, and client credentials do
    // not work against common). Client id and secret are checked by the sign-in itself.
    base: { endpoint: 'login' },
    method: 'GET',
    path: '/{tenantId}/v2.0/.well-known/openid-configuration',
    read({ status, body }) {
      if (status >= 200 && status < 300 && typeof body.authorization_endpoint === 'string')
        return {
          ok: true,
          message: 'Microsoft knows this tenant. The application is checked when you sign in (Settings → Connections).',
        };
      const text = typeof body.error === 'string' ? `: ${body.error}` : '';
      return {
        ok: false,
        message: `Microsoft does not know this tenant (HTTP ${status}${text}). Use common, consumers, organizations, or your directory’s ID.`,
      };
    },
  },
});
