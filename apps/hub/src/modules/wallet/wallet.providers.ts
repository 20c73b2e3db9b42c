import {
  providerRegistry,
  type ProviderDefinition,
  type ProviderTest,
  type SecretValues,
  type TestDetails,
} from '@made-open/shared/providers';
import type { ProviderUrls } from '../../platform/config.ts';
import {
  OutboundRefused,
  OutboundUnreachable,
  ProviderRateLimited,
  type OutboundClient,
  type OutboundResponse,
} from '../../platform/http/outbound/index.ts';
import { attachSecret } from './wallet.delivery.ts';
import type { TestResult } from './wallet.schemas.ts';

/**
 * Runs the credential tests providers declare (POST /api/v1/credentials/:id/test) through
 * the hub's outbound client (SSRF guard, retries, limits, scrubbing). Base URLs come from
 * the provider, overridden by configuration (TWILIO_API_URL, ...): tests point them at a
 * stand-in server that answers with the payloads the providers document.
 */
export interface ProviderTesterOptions {
  outbound: OutboundClient;
  /** Config variable -> base URL (Config.providerUrls). */
  urls?: ProviderUrls;
  timeoutMs?: number;
}

export type ProviderTester = (type: string, secret: SecretValues) => Promise<TestResult>;

/** The endpoint's base URL: configured, or the provider's default. */
export function baseUrlOf(provider: ProviderDefinition, endpoint: string, urls: ProviderUrls = {}): string | undefined {
  const declared = provider.endpoints[endpoint];
  return declared ? (urls[declared.env] ?? declared.url) : undefined;
}

/** Every string in a credential: kept out of what the provider's answer is turned into. */
function secretStrings(secret: SecretValues): string[] {
  return Object.values(secret).filter((v): v is string => typeof v === 'string');
}

function readJson(response: OutboundResponse): Record<string, unknown> {
  try {
    const parsed = response.json();
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
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

/** `{field}` -> the secret's field, encoded by `encode`. */
const fill = (template: string, secret: SecretValues, encode: (v: string) => string) =>
  template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, field: string) => encode(String(secret[field] ?? '')));

function requestOf(provider: ProviderDefinition, test: ProviderTest, secret: SecretValues, urls: ProviderUrls) {
  const base = 'endpoint' in test.base ? baseUrlOf(provider, test.base.endpoint, urls) : secret[test.base.field];
  if (typeof base !== 'string') throw new Error(`${provider.id}'s test names no base URL it declares.`);
  const url = `${base.replace(/\/+$/, '')}${fill(test.path, secret, encodeURIComponent)}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  const request = test.auth ? attachSecret(test.auth, secret, { url, headers }) : { url, headers };
  if (!test.form) return { ...request, body: undefined };
  const form = Object.fromEntries(Object.entries(test.form).map(([k, v]) => [k, fill(v, secret, (x) => x)]));
  request.headers['content-type'] = 'application/x-www-form-urlencoded';
  return { ...request, body: new URLSearchParams(form).toString() };
}

export function createProviderTester(options: ProviderTesterOptions): ProviderTester {
  const { outbound } = options;
  const urls = options.urls ?? {};
  const timeoutMs = options.timeoutMs ?? 10_000;

  return async (type, secret) => {
    const provider = providerRegistry.require(type);
    const { label } = provider;
    if ('unavailable' in provider.test) return { ok: false, provider: label, message: provider.test.unavailable };
    const test = provider.test;
    const request = requestOf(provider, test, secret, urls);
    const secrets = secretStrings(secret);
    let response: OutboundResponse;
    try {
      response = await outbound.request({
        url: request.url,
        method: test.method,
        headers: request.headers,
        body: request.body,
        // A credential check changes nothing at the provider (a token request included): safe to repeat.
        idempotent: true,
        redirect: 'manual',
        timeoutMs,
        retries: 1,
        secrets,
      });
    } catch (error) {
      const message = unreachableMessage(label, error, timeoutMs);
      if (message === undefined) throw error;
      return { ok: false, provider: label, message: outbound.scrubber.scrub(message, secrets) };
    }
    const verdict = test.read({ status: response.status, body: readJson(response) });
    const details: TestDetails = { ...verdict.details };
    if (response.status < 200 || response.status >= 300) details.status = response.status;
    return {
      ok: verdict.ok,
      provider: label,
      message: outbound.scrubber.scrub(verdict.message, secrets).slice(0, 300),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  };
}
