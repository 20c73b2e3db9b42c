import { randomBytes } from 'node:crypto';
import { providerRegistry } from '@made-open/shared/providers';
import { expect } from 'vitest';
import { composeHub, type Hub } from '../../../composition.ts';
import { loadConfig } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { createLogger } from '../../../platform/logger.ts';
import { bearer, type SignedUpUser } from '../../../../test/users.ts';
import { acmeInboxConnector } from './acme-inbox.connector.ts';
import { acmeInbox } from './acme-inbox.provider.ts';
import { startAcmeStandIn } from './acme-inbox.stand-in.ts';

/** Registers the test-only provider once per test file (before any hub is composed). */
export function registerAcmeInbox() {
  if (!providerRegistry.has(acmeInbox.id)) providerRegistry.register(acmeInbox);
}

export const hubOptions = {
  connectors: [acmeInboxConnector],
  // Retries a second apart instead of 30 s and more: a test waits for one.
  sync: { retry: { limit: 2, backoff: { type: 'fixed' as const, delaySeconds: 1 } } },
};

/** A valid Acme secret and the stand-in that accepts it. */
export async function acmeAccount(mailbox = 'main') {
  const secret = {
    accountId: `acct_${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`,
    apiKey: `acme-key-${randomBytes(12).toString('hex')}`,
    webhookSecret: `whsec-${randomBytes(16).toString('hex')}`,
  };
  const standIn = await startAcmeStandIn({ accountId: secret.accountId, apiKey: secret.apiKey, mailbox });
  return { secret, standIn, env: { ACME_INBOX_API_URL: standIn.url, PUBLIC_URL: 'https://hub.example.test' } };
}

/** Stores the credential in the user's wallet and, unless told not to, tests it (the connect rules need a passed test). */
export async function addCredential(
  hub: Pick<Hub, 'app'>,
  user: SignedUpUser,
  secret: Record<string, string>,
  test = true,
) {
  const created = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    headers: bearer(user),
    payload: { type: 'acme-inbox', name: 'Acme mail', secret },
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = (created.json() as { id: string }).id;
  if (test) {
    const tested = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/test`,
      headers: bearer(user),
    });
    expect(tested.json().ok, tested.body).toBe(true);
  }
  return id;
}

/** Polls (no timing assertion: only a generous upper bound against hangs) until `check` returns a value. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A hub over a database it does not own: closing it stops the hub (its jobs released) but
 * leaves the database open, as a restarted process would find it.
 */
export async function composeOver(
  db: Database,
  env: Record<string, string>,
  options: Parameters<typeof composeHub>[3] = {},
) {
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', ...env });
  const borrowed: Database = Object.assign(Object.create(db) as Database, { close: async () => undefined });
  const sync = { ...hubOptions.sync, ...options.sync };
  return composeHub(config, createLogger(config.logLevel), borrowed, { ...hubOptions, ...options, sync });
}

/** Connects an Acme Inbox mailbox with a stored credential; the initial sync starts. Returns the connection id. */
export async function connectAcme(
  hub: Pick<Hub, 'app'>,
  user: SignedUpUser,
  credentialId: string,
  options: { mailbox: string; pageSize: number },
): Promise<string> {
  const created = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/connections',
    headers: bearer(user),
    payload: { provider: 'acme-inbox', credentialId, options },
  });
  expect(created.statusCode, created.body).toBe(201);
  return (created.json() as { id: string }).id;
}
