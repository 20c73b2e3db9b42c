import type { Database } from '../../platform/db/index.ts';
import type { WalletService } from '../wallet/index.ts';
import type { ConnectorCredential } from './connectors.contract.ts';
import { connectorsRepository as repo } from './connectors.repository.ts';

/** What a webhook needs before its transaction: whose connection it is and the secret to check it with. */
export interface WebhookTarget {
  connectionId: string;
  ownerId: string;
  provider: string;
  /** Undefined: the wallet credential is gone (requests are refused, nothing stored). */
  credential: ConnectorCredential | undefined;
  /** Served from the cache (it may be up to `ttlMs` old). */
  cached: boolean;
}

export interface WebhookTargetsOptions {
  db: Database;
  wallet: Pick<WalletService, 'unseal'>;
  /** How long a looked-up target is reused (default 5 s). */
  ttlMs?: number;
  /** Most targets kept (default 10,000): the oldest go first. */
  maxEntries?: number;
}

/**
 * Connection and unsealed secret by connection id, kept a few seconds: a burst of webhooks
 * then costs no lookup and no unseal each. Safe because the cache only chooses the secret to
 * check the signature with: the webhook's own transaction reads the connection again (a
 * disconnected one is refused at once), and a signature that fails against a cached secret
 * is checked once more against a fresh one (a rotated token). A credential deleted from the
 * wallet is still honoured for up to `ttlMs`.
 */
export function createWebhookTargets(options: WebhookTargetsOptions) {
  const ttlMs = options.ttlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { target: WebhookTarget; expires: number }>();
  /** One lookup per connection at a time: a burst on a cold cache waits for the first. */
  const loading = new Map<string, Promise<WebhookTarget | undefined>>();

  async function load(connectionId: string): Promise<WebhookTarget | undefined> {
    const row = await options.db.asSystem((tx) => repo.get(tx, connectionId));
    if (!row || (row.status !== 'active' && row.status !== 'error')) {
      entries.delete(connectionId);
      return undefined;
    }
    const credential = await options.wallet.unseal(row.owner_id, row.credential_id);
    const target: WebhookTarget = {
      connectionId: row.id,
      ownerId: row.owner_id,
      provider: row.provider,
      credential: credential && { id: credential.id, name: credential.name, secret: credential.secret },
      cached: false,
    };
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(connectionId, { target: { ...target, cached: true }, expires: Date.now() + ttlMs });
    return target;
  }

  return {
    async get(connectionId: string, how: { fresh?: boolean } = {}): Promise<WebhookTarget | undefined> {
      const entry = entries.get(connectionId);
      if (!how.fresh && entry && entry.expires > Date.now()) return entry.target;
      let pending = loading.get(connectionId);
      if (!pending) {
        pending = load(connectionId).finally(() => loading.delete(connectionId));
        loading.set(connectionId, pending);
      }
      return pending;
    },
    /** The connection was found gone inside a transaction: drop it now. */
    forget(connectionId: string) {
      entries.delete(connectionId);
    },
  };
}
