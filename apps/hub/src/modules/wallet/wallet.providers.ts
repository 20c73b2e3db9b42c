import {
  OutboundRefused,
  OutboundUnreachable,
  ProviderRateLimited,
  type OutboundClient,
  type OutboundResponse,
} from '../../platform/http/outbound/index.ts';
import type { CredentialSecret, CredentialType, TestResult } from './wallet.schemas.ts';

/**
 * Provider checks behind POST /api/v1/credentials/:id/test, through the hub's outbound
 * client (SSRF guard, retries, limits, scrubbing). Base URLs come from config
 * (TWILIO_API_URL, OPENROUTER_URL, MSGRAPH_LOGIN_URL); tests point them at a stand-in
 * server that answers with the payloads the providers document.
 */
export interface ProviderUrls {
  twilio: string;
  openrouter: string;
  microsoftLogin: string;
}

export interface ProviderTesterOptions {
  outbound: OutboundClient;
  urls: ProviderUrls;
  timeoutMs?: number;
}

export type ProviderTester = (type: CredentialType, secret: CredentialSecret) => Promise<TestResult>;

/** Every string in a credential: kept out of what the provider's answer is turned into. */
function secretStrings(secret: CredentialSecret): string[] {
  return Object.values(secret as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
}

function readJson(response: OutboundResponse): Record<string, unknown> {
  const parsed = response.json();
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/** Why a test could not get an answer, for the person who pressed "test". */
function unreachableMessage(provider: string, error: unknown, timeoutMs: number): string | undefined {
  if (error instanceof OutboundUnreachable)
    return error.reason === 'timeout'
      ? `Could not reach ${provider}: no answer within ${timeoutMs / 1000} s. Check the hub's network access.`
      : `Could not reach ${provider}: ${error.message} Check the hub's network access.`;
  if (error instanceof ProviderRateLimited)
    return `${provider} is rate limiting requests${error.retryAt ? ` until ${new Date(error.retryAt).toISOString()}` : ''}: test again later.`;
  if (error instanceof OutboundRefused) return `The hub refused to contact ${provider}: ${error.message}`;
  return undefined;
}

export function createProviderTester(options: ProviderTesterOptions): ProviderTester {
  const { urls, outbound } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(
    provider: string,
    url: string,
    init: { method?: string; headers: Record<string, string>; body?: string; idempotent?: boolean },
    secret: CredentialSecret,
    onOk: (body: Record<string, unknown>) => TestResult,
    onFail: (status: number, body: Record<string, unknown>) => string,
  ): Promise<TestResult> {
    const secrets = secretStrings(secret);
    let response: OutboundResponse;
    try {
      response = await outbound.request({ url, ...init, redirect: 'manual', timeoutMs, retries: 1, secrets });
    } catch (error) {
      const message = unreachableMessage(provider, error, timeoutMs);
      if (message === undefined) throw error;
      return { ok: false, provider, message: outbound.scrubber.scrub(message, secrets) };
    }
    const body = readJson(response);
    if (response.status >= 200 && response.status < 300) return onOk(body);
    return {
      ok: false,
      provider,
      message: outbound.scrubber.scrub(onFail(response.status, body), secrets).slice(0, 300),
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
            // A token request changes nothing: safe to repeat.
            idempotent: true,
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
