import type { CredentialSecret, CredentialType, TestResult } from './wallet.schemas.ts';

/**
 * Provider checks behind POST /api/v1/credentials/:id/test. Base URLs are injectable:
 * production uses the providers' real endpoints; tests point them at a stand-in server
 * that answers with the payloads the providers document.
 */
export interface ProviderUrls {
  twilio: string;
  openrouter: string;
  microsoftLogin: string;
}

export const defaultProviderUrls: ProviderUrls = {
  twilio: 'https://api.twilio.com',
  openrouter: 'https://openrouter.ai',
  microsoftLogin: 'https://login.microsoftonline.com',
};

export interface ProviderTesterOptions {
  urls?: Partial<ProviderUrls>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type ProviderTester = (type: CredentialType, secret: CredentialSecret) => Promise<TestResult>;

/** Removes every secret value from text a provider sent back, in case it echoes one. */
function scrub(text: string, secret: CredentialSecret): string {
  let out = text.slice(0, 300);
  for (const value of Object.values(secret as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  return out;
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function createProviderTester(options: ProviderTesterOptions = {}): ProviderTester {
  const urls = { ...defaultProviderUrls, ...options.urls };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;

  async function call(
    provider: string,
    url: string,
    init: RequestInit,
    secret: CredentialSecret,
    onOk: (body: Record<string, unknown>) => TestResult,
    onFail: (status: number, body: Record<string, unknown>) => string,
  ): Promise<TestResult> {
    let response: Response;
    try {
      response = await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : 'the connection failed';
      return {
        ok: false,
        provider,
        message: `Could not reach ${provider}: ${reason}. Check the hub's network access.`,
      };
    }
    const body = await readJson(response);
    if (response.ok) return onOk(body);
    return {
      ok: false,
      provider,
      message: scrub(onFail(response.status, body), secret),
      details: { status: response.status },
    };
  }

  return async (type, secret) => {
    switch (type) {
      case 'twilio': {
        const s = secret as CredentialSecret<'twilio'>;
        return call(
          'Twilio',
          `${urls.twilio}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}.json`,
          {
            headers: {
              authorization: `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`,
              accept: 'application/json',
            },
          },
          secret,
          (body) => ({
            ok: body.status === 'active',
            provider: 'Twilio',
            message:
              body.status === 'active'
                ? 'Twilio accepted these credentials.'
                : `Twilio accepted the credentials but the account is ${String(body.status)}.`,
            details: {
              accountStatus: typeof body.status === 'string' ? body.status : null,
              accountType: typeof body.type === 'string' ? body.type : null,
            },
          }),
          (status, body) =>
            `Twilio rejected these credentials (HTTP ${status}${typeof body.code === 'number' ? `, error ${body.code}` : ''}${typeof body.message === 'string' ? `: ${body.message}` : ''}). Check the Account SID and Auth Token.`,
        );
      }
      case 'openrouter': {
        const s = secret as CredentialSecret<'openrouter'>;
        return call(
          'OpenRouter',
          `${urls.openrouter}/api/v1/key`,
          { headers: { authorization: `Bearer ${s.apiKey}`, accept: 'application/json' } },
          secret,
          (body) => {
            const data = (body.data ?? {}) as Record<string, unknown>;
            return {
              ok: true,
              provider: 'OpenRouter',
              message: 'OpenRouter accepted this API key.',
              details: {
                usage: typeof data.usage === 'number' ? data.usage : null,
                limit: typeof data.limit === 'number' ? data.limit : null,
                isFreeTier: typeof data.is_free_tier === 'boolean' ? data.is_free_tier : null,
              },
            };
          },
          (status, body) => {
            const error = (body.error ?? {}) as Record<string, unknown>;
            return `OpenRouter rejected this API key (HTTP ${status}${typeof error.message === 'string' ? `: ${error.message}` : ''}). Create a new key at openrouter.ai/keys.`;
          },
        );
      }
      case 'microsoft': {
        const s = secret as CredentialSecret<'microsoft'>;
        return call(
          'Microsoft',
          `${urls.microsoftLogin}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: s.clientId,
              client_secret: s.clientSecret,
              scope: 'https://graph.microsoft.com/.default',
            }).toString(),
          },
          secret,
          () => ({ ok: true, provider: 'Microsoft', message: 'Microsoft issued a token for this application.' }),
          (status, body) =>
            `Microsoft refused these credentials (HTTP ${status}${typeof body.error === 'string' ? `: ${body.error}` : ''}). Check the tenant, client id and client secret.`,
        );
      }
      case 'ollama': {
        const s = secret as CredentialSecret<'ollama'>;
        return call(
          'Ollama',
          new URL('/api/tags', s.url).toString(),
          { headers: { accept: 'application/json' } },
          secret,
          (body) => ({
            ok: true,
            provider: 'Ollama',
            message: 'Ollama answered.',
            details: { models: Array.isArray(body.models) ? body.models.length : 0 },
          }),
          (status) => `Ollama answered HTTP ${status}. Check the URL.`,
        );
      }
      case 'generic':
        return {
          ok: false,
          provider: 'generic',
          message:
            'Generic credentials have no provider to test against; a plugin that uses one will report whether it works.',
        };
    }
  };
}
