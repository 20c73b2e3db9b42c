import { ConnectorError } from '../connectors.contract.ts';

/** Graph answered with an error (its `error.code` when it gave one). */
export class GraphError extends ConnectorError {
  constructor(
    kind: ConnectorError['kind'],
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(kind, message);
    this.name = 'GraphError';
  }
}

/** A delta token Graph no longer honours (410 Gone, syncStateNotFound, resyncRequired): start the resource over. */
export class ResyncRequired extends Error {
  constructor(readonly status: number) {
    super(`Graph asked for a full resync (HTTP ${status}).`);
    this.name = 'ResyncRequired';
  }
}

/** The identity platform refused the grant (invalid_grant, consent revoked): the person signs in again. */
export const signInAgain = (detail: string) =>
  new ConnectorError(
    'reauth',
    `Microsoft no longer accepts this sign-in (${detail}): choose “Sign in again” in Settings → Connections. Syncing is paused and resumes where it stopped.`,
  );

const resyncCodes = new Set(['syncStateNotFound', 'resyncRequired', 'SyncStateNotFound', 'ResyncRequired']);

/** The typed error for a Graph answer that is not 2xx. */
export function graphErrorOf(status: number, body: unknown): GraphError | ResyncRequired {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code.slice(0, 100) : undefined;
  if (status === 410 || (code !== undefined && resyncCodes.has(code))) return new ResyncRequired(status);
  const what = code ? `${code}, HTTP ${status}` : `HTTP ${status}`;
  if (status === 401)
    return new GraphError('reauth', `Microsoft Graph refused the sign-in (${what}): sign in again.`, status, code);
  if (status === 403)
    return new GraphError(
      'credential',
      `Microsoft Graph refused access (${what}): the app registration lacks a permission, or an administrator must consent. Check its API permissions, then sign in again.`,
      status,
      code,
    );
  if (status === 404)
    return new GraphError('account', `Microsoft Graph does not know this mailbox or folder (${what}).`, status, code);
  return new GraphError('provider', `Microsoft Graph answered ${what}.`, status, code);
}
