import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the providers' APIs, answering with the payloads they document:
 * - Twilio GET /2010-04-01/Accounts/{Sid}.json (HTTP Basic sid:token): the Account
 *   resource, or `{code: 20003, message: "Authenticate", more_info, status: 401}`.
 * - OpenRouter GET /api/v1/key (Bearer): `{data: {label, usage, limit, is_free_tier, ...}}`,
 *   or `{error: {message, code: 401}}`.
 * - Microsoft identity platform POST /{tenant}/oauth2/v2.0/token (client_credentials):
 *   `{token_type, expires_in, access_token}`, or `{error: "invalid_client", error_description, error_codes}`;
 *   GET /{tenant}/v2.0/.well-known/openid-configuration: the tenant's metadata, or 400
 *   `{error: "invalid_tenant", error_description, error_codes: [90002]}` for an unknown tenant.
 * - Ollama GET /api/tags: `{models: [...]}`.
 * It accepts exactly the credentials it is given and records every request it sees.
 */
export interface StandIn {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

export async function startProviderStandIn(valid: {
  twilio: { accountSid: string; authToken: string };
  openrouterKey: string;
  microsoft: { tenantId: string; clientId: string; clientSecret: string };
}): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const twilio = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\.json$/.exec(url.pathname);
      if (twilio && req.method === 'GET') {
        const expected = `Basic ${Buffer.from(`${valid.twilio.accountSid}:${valid.twilio.authToken}`).toString('base64')}`;
        if (req.headers.authorization !== expected || twilio[1] !== valid.twilio.accountSid) {
          return json(401, {
            code: 20003,
            message: 'Authenticate',
            more_info: 'https://www.twilio.com/docs/errors/20003',
            status: 401,
          });
        }
        return json(200, {
          sid: valid.twilio.accountSid,
          friendly_name: 'My first Twilio account',
          status: 'active',
          type: 'Full',
          date_created: 'Thu, 01 Jan 2026 00:00:00 +0000',
          uri: `/2010-04-01/Accounts/${valid.twilio.accountSid}.json`,
        });
      }
      if (url.pathname === '/api/v1/key' && req.method === 'GET') {
        if (req.headers.authorization !== `Bearer ${valid.openrouterKey}`) {
          return json(401, { error: { message: 'No auth credentials found', code: 401 } });
        }
        return json(200, {
          data: {
            label: 'sk-or-v1-abc...xyz',
            usage: 0.25,
            limit: null,
            is_free_tier: false,
            limit_remaining: null,
            rate_limit: { requests: 10, interval: '10s' },
          },
        });
      }
      const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (metadata && req.method === 'GET') {
        const tenant = metadata[1]!;
        if (![valid.microsoft.tenantId, 'common', 'consumers', 'organizations'].includes(tenant))
          return json(400, {
            error: 'invalid_tenant',
            error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
            error_codes: [90002],
          });
        return json(200, {
          issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
          authorization_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
          token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
        });
      }
      const ms = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (ms && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (
          ms[1] !== valid.microsoft.tenantId ||
          form.get('client_id') !== valid.microsoft.clientId ||
          form.get('client_secret') !== valid.microsoft.clientSecret
        ) {
          return json(401, {
            error: 'invalid_client',
            error_description:
              'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.',
            error_codes: [7000215],
          });
        }
        return json(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: 'eyJ0eXAiOiJKV1Qi.stand-in',
        });
      }
      if (url.pathname === '/api/tags' && req.method === 'GET') {
        return json(200, { models: [{ name: 'llama3.2:latest', size: 2019393189 }] });
      }
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
