import {
  providerRegistry,
  type ProviderDefinition,
  type ProviderTest,
  type SecretValues,
  type TestDetails,
} from '@made-open/shared/providers';
import type { ProviderUrls } from '../../platform/config.ts';
import { attachSecret } from './wallet.delivery.ts';
import type { TestResult } from './wallet.schemas.ts';

/**
 * Runs the credential tests providers declare (POST /api/v1/credentials/:id/test). Base URLs
 * come from the provider, overridden by configuration (TWILIO_API_URL, ...): tests point
 * them at a stand-in server that answers with the payloads the providers document.
 */
export interface ProviderTesterOptions {
  /** Config variable -> base URL (Config.providerUrls). */
  urls?: ProviderUrls;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type ProviderTester = (type: string, secret: SecretValues) => Promise<TestResult>;

/** The endpoint's base URL: configured, or the provider's default. */
export function baseUrlOf(provider: ProviderDefinition, endpoint: string, urls: ProviderUrls = {}): string | undefined {
  const declared = provider.endpoints[endpoint];
  return declared ? (urls[declared.env] ?? declared.url) : undefined;
}

/** Removes every secret value from text a provider sent back, in case it echoes one. */
function scrub(text: string, secret: SecretValues): string {
  let out = text.slice(0, 300);
  for (const value of Object.values(secret)) {
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

export function createProviderTester(options: ProviderTesterOptions = {}): ProviderTester {
  const urls = options.urls ?? {};
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;

  return async (type, secret) => {
    const provider = providerRegistry.require(type);
    const { label } = provider;
    if ('unavailable' in provider.test) return { ok: false, provider: label, message: provider.test.unavailable };
    const test = provider.test;
    const request = requestOf(provider, test, secret, urls);
    let response: Response;
    try {
      response = await doFetch(request.url, {
        method: test.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : 'the connection failed';
      return {
        ok: false,
        provider: label,
        message: `Could not reach ${label}: ${reason}. Check the hub's network access.`,
      };
    }
    const verdict = test.read({ status: response.status, body: await readJson(response) });
    const details: TestDetails = { ...verdict.details };
    if (!response.ok) details.status = response.status;
    return {
      ok: verdict.ok,
      provider: label,
      message: scrub(verdict.message, secret),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  };
}
