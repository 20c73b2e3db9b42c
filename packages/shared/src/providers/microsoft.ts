import { z } from 'zod';
import { defineProvider } from './types.ts';

/**
 * Microsoft 365 through an application registered in Entra (integrations.md §2.1): tenant,
 * client id and client secret. The secret only ever goes to the identity platform; Graph
 * gets the tokens it issues.
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
      label: 'Directory (tenant) ID',
      kind: 'text',
      hint: 'A UUID, or your domain such as contoso.onmicrosoft.com.',
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
    { name: 'clientSecret', label: 'Client secret', kind: 'secret', hint: 'The secret’s Value, not its ID.' },
  ],
  secret: z.object({
    tenantId: z
      .string()
      .trim()
      .min(1, 'Enter the directory (tenant) ID.')
      .max(100, 'A tenant ID is at most 100 characters.')
      .regex(/^[A-Za-z0-9.-]*$/, 'Use the tenant’s UUID or its domain, without spaces or slashes.'),
    clientId: z
      .string()
      .trim()
      .uuid('Enter the application (client) ID: a UUID like 00000000-0000-0000-0000-000000000000.'),
    clientSecret: z
      .string()
      .trim()
      .min(8, 'Paste the client secret’s value (at least 8 characters).')
      .max(500, 'That is longer than a client secret.'),
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
    // A client-credentials token request: issued for a valid secret, {error: "invalid_client"} otherwise.
    base: { endpoint: 'login' },
    method: 'POST',
    path: '/{tenantId}/oauth2/v2.0/token',
    form: {
      grant_type: 'client_credentials',
      client_id: '{clientId}',
      client_secret: '{clientSecret}',
      scope: 'https://graph.microsoft.com/.default',
    },
    read({ status, body }) {
      if (status >= 200 && status < 300) return { ok: true, message: 'Microsoft issued a token for this application.' };
      const text = typeof body.error === 'string' ? `: ${body.error}` : '';
      return {
        ok: false,
        message: `Microsoft refused these credentials (HTTP ${status}${text}). Check the tenant, client id and client secret.`,
      };
    },
  },
});
