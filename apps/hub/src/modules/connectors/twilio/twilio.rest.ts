import twilio from 'twilio';
import { UserError } from '../../../platform/errors.ts';
import { OutboundUnreachable } from '../../../platform/http/outbound/errors.ts';
import type { ProviderApi } from '../connectors.contract.ts';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];
type Scalar = string | number | boolean | undefined;

/** The host the SDK addresses; its paths are replayed against the configured base (TWILIO_API_URL). */
const twilioApiHost = 'api.twilio.com';

/**
 * The twilio SDK's HTTP, routed through the connection's ProviderApi: the configured base
 * URL (a stand-in in tests), the credential attached by the hub (Basic AccountSid:AuthToken)
 * rather than by the SDK, the outbound client's SSRF guard, per-host limits and scrubbing.
 * Only api.twilio.com paths are forwarded; anything else is refused before it leaves.
 */
export class HubRequestClient extends twilio.RequestClient {
  constructor(private readonly api: ProviderApi) {
    super();
  }

  override async request<TData>(opts: RequestOptions) {
    const uri = new URL(opts.uri);
    if (uri.hostname !== twilioApiHost) throw new Error(`Refused a Twilio SDK call to ${uri.hostname}.`);
    const query: Record<string, Scalar> = {};
    for (const [name, value] of Object.entries((opts.params ?? {}) as Record<string, unknown>))
      if (value !== undefined) query[name] = String(value as string);
    const form: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries((opts.data ?? {}) as Record<string, unknown>)) {
      if (value === undefined) continue;
      form[name] = Array.isArray(value) ? value.map((one) => String(one)) : String(value as string);
    }
    const method = opts.method.toUpperCase() as 'GET' | 'POST' | 'DELETE';
    const response = await this.api.request({
      method,
      path: uri.pathname,
      query,
      form: method === 'GET' || method === 'DELETE' ? undefined : form,
    });
    // The SDK parses string bodies itself (and raises RestException for 4xx/5xx).
    return { statusCode: response.status, body: response.text() as TData, headers: response.headers };
  }
}

/** The SDK never sees the Auth Token: the hub attaches it per request (HubRequestClient). */
const tokenAttachedByHub = 'attached-by-the-hub';

/** A twilio REST client for one account whose every call goes through `api`. */
export function twilioRest(api: ProviderApi, accountSid: string) {
  return twilio(accountSid, tokenAttachedByHub, { httpClient: new HubRequestClient(api) });
}

export type TwilioRest = ReturnType<typeof twilioRest>;

/** Twilio's REST errors (RestException): the code and message it sent. */
export function twilioErrorOf(
  error: unknown,
): { status: number; code: number | undefined; message: string } | undefined {
  if (error instanceof twilio.RestException) return { status: error.status, code: error.code, message: error.message };
  return undefined;
}

/**
 * Twilio failing rather than refusing: a 5xx (or 408) answer, or its API not reachable at
 * all (DNS, connect, timeout). Answers what happened, in words for the user; undefined for
 * anything else (a 4xx refusal is for the caller to map).
 */
export function twilioUnavailable(error: unknown): string | undefined {
  const twilioError = twilioErrorOf(error);
  if (twilioError && (twilioError.status >= 500 || twilioError.status === 408))
    return `Twilio answered HTTP ${twilioError.status} (${twilioError.message}).`;
  if (error instanceof OutboundUnreachable)
    return error.reason === 'timeout' || error.reason === 'connect_timeout'
      ? 'Twilio did not answer in time.'
      : 'Twilio could not be reached.';
  return undefined;
}

/**
 * Twilio failing (twilioUnavailable) as the 502 a request answers, with what the user can do
 * (integrations.md §1.8: status.twilio.com); undefined when Twilio did not fail.
 */
export function twilioDownError(error: unknown): UserError | undefined {
  const down = twilioUnavailable(error);
  return down === undefined
    ? undefined
    : new UserError(502, 'provider_unavailable', `${down} Check status.twilio.com and try again in a few minutes.`);
}
