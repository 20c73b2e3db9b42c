import { createHash, randomBytes } from 'node:crypto';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import { ConnectorError } from '../connectors.contract.ts';
import { signInAgain } from './msgraph.errors.ts';

/** The app registration as the wallet holds it (provider `microsoft`). */
export interface AppRegistration {
  tenantId: string;
  clientId: string;
  /** Absent or empty: a public client, PKCE alone. */
  clientSecret?: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
  scope: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** RFC 7636 S256: a 43-character verifier and its challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

export const newState = () => base64url(randomBytes(32));
export const stateHash = (state: string) => createHash('sha256').update(state).digest('hex');

export function appRegistrationOf(secret: Record<string, unknown>): AppRegistration {
  const tenantId = typeof secret.tenantId === 'string' ? secret.tenantId : '';
  const clientId = typeof secret.clientId === 'string' ? secret.clientId : '';
  const clientSecret =
    typeof secret.clientSecret === 'string' && secret.clientSecret !== '' ? secret.clientSecret : undefined;
  if (!tenantId || !clientId)
    throw new ConnectorError(
      'credential',
      'This Microsoft 365 credential has no tenant or client id: replace it in the wallet.',
    );
  return { tenantId, clientId, clientSecret };
}

/** GET {login}/{tenant}/oauth2/v2.0/authorize?... (integrations.md §2.1). */
export function authorizeUrl(
  loginBase: string,
  app: AppRegistration,
  request: { redirectUri: string; scope: string; state: string; challenge: string },
): string {
  const url = new URL(`${loginBase}/${encodeURIComponent(app.tenantId)}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: request.redirectUri,
    response_mode: 'query',
    scope: request.scope,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    prompt: 'select_account',
  }).toString();
  return url.toString();
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  scope?: unknown;
  error?: unknown;
  error_description?: unknown;
  error_codes?: unknown;
}

/**
 * POST {login}/{tenant}/oauth2/v2.0/token with plain fetch through the hub's outbound
 * client (ADR 0018). invalid_grant (expired, revoked, consent removed) → ConnectorError
 * 'reauth'; invalid_client → 'credential'; anything else → 'provider' (retried).
 */
export async function tokenRequest(
  deps: { outbound: OutboundClient; loginBase: string },
  app: AppRegistration,
  form: Record<string, string>,
): Promise<TokenSet> {
  const body = new URLSearchParams({ client_id: app.clientId, ...form });
  if (app.clientSecret) body.set('client_secret', app.clientSecret);
  const secrets = [app.clientSecret, form.code, form.refresh_token, form.code_verifier].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const response = await deps.outbound.request({
    url: `${deps.loginBase}/${encodeURIComponent(app.tenantId)}/oauth2/v2.0/token`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: body.toString(),
    // A refresh token is single-use: never repeat a request that may have reached Microsoft.
    idempotent: false,
    redirect: 'manual',
    secrets: () => secrets,
  });
  const answer = (response.json() ?? {}) as TokenAnswer;
  if (response.status >= 200 && response.status < 300 && typeof answer.access_token === 'string') {
    if (typeof answer.refresh_token !== 'string')
      throw new ConnectorError(
        'credential',
        'Microsoft issued no refresh token: the sign-in must ask for offline_access.',
      );
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : Number(answer.expires_in ?? 3600);
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000,
      scope: typeof answer.scope === 'string' ? answer.scope.slice(0, 2000) : '',
    };
  }
  const code = typeof answer.error === 'string' ? answer.error.slice(0, 100) : `HTTP ${response.status}`;
  // The description is Microsoft's text (AADSTS…); it carries no secret, but keep it short.
  const description =
    typeof answer.error_description === 'string' ? answer.error_description.split(/\r?\n/)[0]!.slice(0, 300) : '';
  if (code === 'invalid_grant' || code === 'interaction_required' || code === 'consent_required')
    throw signInAgain(description ? `${code}: ${description}` : code);
  if (code === 'invalid_client' || code === 'unauthorized_client' || code === 'invalid_request')
    throw new ConnectorError(
      'credential',
      `Microsoft refused the app registration (${code}${description ? `: ${description}` : ''}). Check the client id, the secret's Value (or leave it empty for a public client) and the redirect URI.`,
    );
  throw new ConnectorError('provider', `Microsoft's sign-in service answered ${code}.`);
}
