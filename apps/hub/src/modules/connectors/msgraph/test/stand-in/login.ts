import { createHash, randomBytes } from 'node:crypto';
import type { Route } from './server.ts';
import type { StandInState } from './state.ts';

const token = (prefix: string) => `${prefix}.${randomBytes(24).toString('base64url')}`;

/**
 * STAND-IN identity platform (integrations.md §2.1): /{tenant}/oauth2/v2.0/authorize signs
 * in `state.signInAs` at once and redirects with a code; /{tenant}/oauth2/v2.0/token
 * exchanges it (checking client, secret, redirect URI and the PKCE verifier) and rotates
 * refresh tokens; invalid_grant when revoked or reused; openid-configuration per tenant.
 */
export function loginRoutes(state: StandInState): Route[] {
  function issue(accountId: string, clientId: string, scope: string) {
    const access = token('at');
    const refresh = token('rt');
    state.accessTokens.set(access, { accountId, expiresAt: Date.now() + state.accessTtlMs });
    state.refreshTokens.set(refresh, { accountId, clientId, scope });
    return {
      token_type: 'Bearer',
      scope,
      expires_in: Math.round(state.accessTtlMs / 1000),
      ext_expires_in: Math.round(state.accessTtlMs / 1000),
      access_token: access,
      refresh_token: refresh,
      id_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.e30.',
    };
  }
  const invalid = (error: string, description: string) => ({
    status: 400,
    json: { error, error_description: description, error_codes: [70000] },
  });

  return [
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
      handle: ({ match }) => ({
        status: 200,
        json: {
          issuer: `https://login.microsoftonline.com/${match[1]}/v2.0`,
          authorization_endpoint: `https://login.microsoftonline.com/${match[1]}/oauth2/v2.0/authorize`,
          token_endpoint: `https://login.microsoftonline.com/${match[1]}/oauth2/v2.0/token`,
        },
      }),
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/,
      handle: ({ url }) => {
        const q = url.searchParams;
        const app = state.apps.get(q.get('client_id') ?? '');
        const redirectUri = q.get('redirect_uri') ?? '';
        if (!app || !app.redirectUris.includes(redirectUri))
          return { status: 400, text: 'AADSTS50011: The redirect URI does not match the application.' };
        const target = new URL(redirectUri);
        target.searchParams.set('state', q.get('state') ?? '');
        if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !state.signInAs) {
          target.searchParams.set('error', 'access_denied');
          target.searchParams.set('error_description', 'AADSTS65004: The user declined to consent.');
        } else {
          const code = token('code');
          state.codes.set(code, {
            clientId: app.clientId,
            accountId: state.signInAs,
            challenge: q.get('code_challenge')!,
            redirectUri,
            scope: q.get('scope') ?? '',
          });
          target.searchParams.set('code', code);
        }
        return { status: 302, headers: { location: target.toString() } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/,
      handle: ({ form }) => {
        state.counters.token += 1;
        const app = state.apps.get(form.get('client_id') ?? '');
        if (!app)
          return {
            status: 400,
            json: { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found.' },
          };
        const secret = form.get('client_secret');
        if (app.clientSecret ? secret !== app.clientSecret : secret)
          return {
            status: 401,
            json: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' },
          };
        if (form.get('grant_type') === 'authorization_code') {
          const code = state.codes.get(form.get('code') ?? '');
          state.codes.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          const challenge = createHash('sha256').update(verifier).digest('base64url');
          if (!code || code.clientId !== app.clientId || code.redirectUri !== form.get('redirect_uri'))
            return invalid('invalid_grant', 'AADSTS70008: The provided authorization code is invalid or expired.');
          if (code.challenge !== challenge)
            return invalid('invalid_grant', 'AADSTS501481: The Code_Verifier does not match.');
          return { status: 200, json: issue(code.accountId, app.clientId, code.scope) };
        }
        if (form.get('grant_type') === 'refresh_token') {
          state.counters.refresh += 1;
          const presented = form.get('refresh_token') ?? '';
          const grant = state.refreshTokens.get(presented);
          // Rotated: a refresh token works once.
          state.refreshTokens.delete(presented);
          if (!grant || grant.clientId !== app.clientId || state.behaviour.revoked)
            return invalid('invalid_grant', 'AADSTS700082: The refresh token has expired or was revoked.');
          return { status: 200, json: issue(grant.accountId, app.clientId, grant.scope) };
        }
        return invalid('unsupported_grant_type', 'AADSTS70003: unsupported grant type.');
      },
    },
  ];
}
