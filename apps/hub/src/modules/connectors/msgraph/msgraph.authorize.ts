import { uuidv7 } from 'uuidv7';
import type { Config } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { NotFoundError, UserError, ValidationError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { WalletService } from '../../wallet/index.ts';
import { ConnectorError } from '../connectors.contract.ts';
import type { ConnectorRegistry } from '../connectors.registry.ts';
import { prepareConnection } from '../connectors.connect.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { graphBaseOf, loginBaseOf, type MsgraphAuthorization } from './msgraph.connector.ts';
import { appRegistrationOf, authorizeUrl, newState, pkcePair, stateHash, tokenRequest } from './msgraph.oauth.ts';
import { scopesFor, type MsgraphOptions } from './msgraph.options.ts';
import type { TokenStore } from './msgraph.tokens.ts';

/** A sign-in must come back within this long. */
const authorizationTtlMs = 10 * 60_000;
const table = 'made_open.msgraph_authorizations';

export interface AuthorizeInput {
  credentialId: string;
  options: Record<string, unknown>;
  /** Sign in again to this connection (needs_reauth) instead of connecting a new account. */
  connectionId?: string;
  /** Where the browser goes afterwards (the web app's settings page); an origin the hub trusts. */
  returnTo: string;
}

export interface AuthorizeDeps {
  config: Pick<Config, 'publicUrl' | 'providerUrls' | 'corsOrigins'>;
  db: Database;
  logger: Logger;
  outbound: OutboundClient;
  registry: ConnectorRegistry;
  wallet: Pick<WalletService, 'describe' | 'unseal' | 'seal' | 'open'>;
  tokens: TokenStore;
  connectors: () => ConnectorsService;
}

export const callbackPath = '/oauth/microsoft/callback';

/**
 * OAuth 2.0 authorization code + PKCE (S256) for the user's own app registration: start()
 * keeps the state's hash and the sealed verifier (10 min, single use) and answers the
 * authorize URL; callback() takes them back once, exchanges the code, reads /me and
 * connects (or re-signs an existing connection), then says where to send the browser.
 */
export function createAuthorizeFlow(deps: AuthorizeDeps) {
  const redirectUri = `${deps.config.publicUrl.replace(/\/+$/, '')}${callbackPath}`;

  function checkReturnTo(returnTo: string): string {
    let url: URL;
    try {
      url = new URL(returnTo);
    } catch {
      throw new ValidationError('returnTo must be an absolute URL of the web app.');
    }
    const hub = new URL(deps.config.publicUrl);
    const allowed = new Set([hub.origin, ...deps.config.corsOrigins.map((o) => o.replace(/\/+$/, ''))]);
    // The web app usually runs beside the hub on the same host (another port).
    const beside = url.hostname === hub.hostname;
    if (!(allowed.has(url.origin) || beside) || !/^https?:$/.test(url.protocol))
      throw new ValidationError('returnTo must be the web app: on the hub’s host, or an origin in CORS_ORIGINS.');
    return url.toString();
  }

  async function start(user: AuthenticatedUser, input: AuthorizeInput) {
    const returnTo = checkReturnTo(input.returnTo);
    let options = input.options;
    let credentialId = input.credentialId;
    if (input.connectionId) {
      const existing = await deps.connectors().get(user, input.connectionId);
      if (existing.provider !== 'microsoft' || existing.status === 'disconnected')
        throw new NotFoundError('connection');
      options = existing.options;
      credentialId = existing.credentialId;
    }
    const prepared = await prepareConnection({ registry: deps.registry, wallet: deps.wallet }, user, {
      provider: 'microsoft',
      credentialId,
      options,
    });
    const credential = await deps.wallet.unseal(user.id, credentialId);
    if (!credential) throw new NotFoundError('credential');
    const app = appRegistrationOf(credential.secret);
    const { verifier, challenge } = pkcePair();
    const state = newState();
    const id = uuidv7();
    const sealed = deps.wallet.seal(user.id, id, { verifier });
    const expiresAt = new Date(Date.now() + authorizationTtlMs);
    await deps.db.asUser(user.claims, async (tx) => {
      // Old, unused sign-ins of this owner go: at most a handful are pending at once.
      await tx.query(`DELETE FROM ${table} WHERE owner_id = $1 AND expires_at < now()`, [user.id]);
      await tx.query(
        `INSERT INTO ${table} (id, owner_id, state_hash, credential_id, connection_id, options, redirect_uri, return_to,
           verifier_sealed, verifier_key, kek_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)`,
        [
          id,
          user.id,
          stateHash(state),
          credentialId,
          input.connectionId ?? null,
          JSON.stringify(prepared.options),
          redirectUri,
          returnTo,
          sealed.ciphertext,
          sealed.wrappedKey,
          sealed.kekId,
          expiresAt,
        ],
      );
    });
    const url = authorizeUrl(loginBaseOf(deps.config.providerUrls), app, {
      redirectUri,
      scope: scopesFor(prepared.options as MsgraphOptions),
      state,
      challenge,
    });
    return { authorizeUrl: url, redirectUri, expiresAt: expiresAt.toISOString() };
  }

  /** Where the browser goes: returnTo with msgraph=connected|error (and a reason a person can read). */
  function back(returnTo: string, result: { ok: true; connectionId: string } | { ok: false; reason: string }) {
    const url = new URL(returnTo);
    if (result.ok) {
      url.searchParams.set('msgraph', 'connected');
      url.searchParams.set('connection', result.connectionId);
    } else {
      url.searchParams.set('msgraph', 'error');
      url.searchParams.set('reason', result.reason.slice(0, 400));
    }
    return url.toString();
  }

  /** The callback: the answer is always a redirect (to the web app, or a plain error page when the state is unknown). */
  async function callback(
    query: Record<string, string | undefined>,
  ): Promise<{ redirect: string } | { status: number; message: string }> {
    const state = query.state ?? '';
    if (!state || state.length > 200)
      return { status: 400, message: 'This sign-in link is not valid. Start again from Settings → Connections.' };
    // Taken once: the row goes in the same statement that reads it.
    const taken = await deps.db.asSystem((tx) =>
      tx.query<{
        id: string;
        owner_id: string;
        credential_id: string;
        connection_id: string | null;
        options: Record<string, unknown>;
        redirect_uri: string;
        return_to: string;
        verifier_sealed: string;
        verifier_key: string;
        kek_id: string;
        expires_at: Date | string;
      }>(`DELETE FROM ${table} WHERE state_hash = $1 RETURNING *`, [stateHash(state)]),
    );
    const row = taken.rows[0];
    if (!row)
      return {
        status: 400,
        message: 'This sign-in was already used or is unknown. Start again from Settings → Connections.',
      };
    if (new Date(row.expires_at).getTime() < Date.now())
      return {
        redirect: back(row.return_to, { ok: false, reason: 'The sign-in took longer than 10 minutes. Try again.' }),
      };
    if (query.error) {
      const description = (query.error_description ?? '').split(/\r?\n/)[0]!.slice(0, 200);
      return {
        redirect: back(row.return_to, {
          ok: false,
          reason: `Microsoft did not sign you in (${query.error.slice(0, 60)}${description ? `: ${description}` : ''}).`,
        }),
      };
    }
    if (!query.code)
      return { redirect: back(row.return_to, { ok: false, reason: 'Microsoft sent no authorization code.' }) };
    const user: AuthenticatedUser = {
      id: row.owner_id,
      claims: ownerClaims(row.owner_id) as AuthenticatedUser['claims'],
    };
    try {
      const { verifier } = deps.wallet.open(row.owner_id, row.id, {
        ciphertext: row.verifier_sealed,
        wrappedKey: row.verifier_key,
        kekId: row.kek_id,
      }) as { verifier: string };
      const credential = await deps.wallet.unseal(row.owner_id, row.credential_id);
      if (!credential)
        throw new ConnectorError('credential', 'The Microsoft 365 credential was removed from the wallet.');
      const app = appRegistrationOf(credential.secret);
      const tokens = await tokenRequest(
        { outbound: deps.outbound, loginBase: loginBaseOf(deps.config.providerUrls) },
        app,
        {
          grant_type: 'authorization_code',
          code: query.code,
          redirect_uri: row.redirect_uri,
          code_verifier: verifier,
          scope: scopesFor(row.options as MsgraphOptions),
        },
      ).catch((error: unknown) => {
        // A refused code is this sign-in's problem, not a connection's: say so plainly.
        if (error instanceof ConnectorError && error.kind === 'reauth')
          throw new ConnectorError(
            'credential',
            `Microsoft refused the sign-in's code (${/\((.*)\)/.exec(error.message)?.[1] ?? 'invalid_grant'}). Try connecting again.`,
          );
        throw error;
      });
      const meAnswer = await deps.outbound.request({
        url: `${graphBaseOf(deps.config.providerUrls)}/me`,
        headers: { accept: 'application/json', authorization: `Bearer ${tokens.accessToken}` },
        redirect: 'manual',
        secrets: [tokens.accessToken],
      });
      if (meAnswer.status !== 200) throw graphErrorOf(meAnswer.status, meAnswer.json());
      const me = meAnswer.json() as MsgraphAuthorization['me'];
      if (typeof me?.id !== 'string' || me.id.length === 0)
        throw new ConnectorError('provider', 'Microsoft Graph did not say who signed in.');
      if (row.connection_id) {
        const existing = await deps.connectors().get(user, row.connection_id);
        if (existing.accountId !== me.id)
          throw new ConnectorError(
            'account',
            `You signed in as another account than this connection's (${existing.label}): sign in with that account.`,
          );
        await deps.db.asUser(user.claims, (tx) =>
          deps.tokens.save(tx, { connectionId: row.connection_id!, ownerId: row.owner_id }, tokens),
        );
        const view = await deps.connectors().resumeAfterSignIn(user, row.connection_id);
        return { redirect: back(row.return_to, { ok: true, connectionId: view.id }) };
      }
      const authorization: MsgraphAuthorization = { tokens, me };
      const view = await deps
        .connectors()
        .connect(
          user,
          { provider: 'microsoft', credentialId: row.credential_id, options: row.options },
          { authorization },
        );
      return { redirect: back(row.return_to, { ok: true, connectionId: view.id }) };
    } catch (error) {
      const reason =
        error instanceof ConnectorError || error instanceof UserError
          ? error.message
          : 'The hub could not finish connecting Microsoft 365. Try again; if it keeps failing, check the hub’s log.';
      if (!(error instanceof ConnectorError || error instanceof UserError))
        deps.logger.error({ err: error }, 'microsoft sign-in callback failed');
      return { redirect: back(row.return_to, { ok: false, reason }) };
    }
  }

  return { start, callback, redirectUri };
}

export type AuthorizeFlow = ReturnType<typeof createAuthorizeFlow>;
