import { expect } from 'vitest';
import type { Hub } from '../../../composition.ts';
import { bearer, type SignedUpUser } from '../../../../test/users.ts';
import { createLogger } from '../../../platform/logger.ts';
import { createActionsModule, type ActionsModule, type ActionsModuleDeps } from '../../actions/index.ts';
import type { GraphModule } from '../../graph/index.ts';
import type { PolicyModule } from '../../policy/index.ts';
import type { WalletModule } from '../../wallet/index.ts';
import { pluginStorage, type PluginsModule } from '../index.ts';

export function modulesOf(hub: Hub) {
  const find = <T>(name: string) => hub.modules.find((m) => m.name === name) as T;
  return {
    graph: find<GraphModule>('graph'),
    wallet: find<WalletModule>('wallet'),
    policy: find<PolicyModule>('policy'),
    plugins: find<PluginsModule>('plugins'),
    actions: find<ActionsModule>('actions'),
  };
}

/**
 * An actions service over the hub's modules with a test's own outbound client (its DNS and
 * stand-ins), for a plugins module a test builds itself.
 */
export function actionsFor(hub: Hub, options: Pick<ActionsModuleDeps, 'http' | 'outbox'> & Partial<ActionsModuleDeps>) {
  const { graph, wallet, policy } = modulesOf(hub);
  return createActionsModule({
    db: hub.db,
    logger: createLogger('silent'),
    policy: policy.service,
    graph: graph.service,
    wallet: wallet.service,
    pluginStorage,
    ...options,
  }).service;
}

export function manifest(id: string, permissions: string[], extra: Record<string, unknown> = {}) {
  return { id, name: id, version: '1.0.0', permissions, triggers: [{ type: 'manual' }], ...extra };
}

/** Installs through the API and consents to every declared permission. */
export async function installAndConsent(
  hub: Hub,
  user: SignedUpUser,
  m: Record<string, unknown>,
  bundle: string,
  consent: { permissions?: string[]; credentials?: Record<string, string>; config?: Record<string, unknown> } = {},
) {
  const install = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/plugins',
    headers: bearer(user),
    payload: { manifest: m, bundle },
  });
  expect(install.statusCode, install.body).toBe(201);
  const granted = consent.permissions ?? (m.permissions as string[]);
  const response = await hub.app.inject({
    method: 'POST',
    url: `/api/v1/plugins/${String(m.id)}/consent`,
    headers: bearer(user),
    payload: { permissions: granted, credentials: consent.credentials, config: consent.config },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function runPlugin(hub: Hub, user: SignedUpUser, pluginId: string, input: unknown = null) {
  const response = await hub.app.inject({
    method: 'POST',
    url: `/api/v1/plugins/${pluginId}/run`,
    headers: bearer(user),
    payload: { input },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { runId: string; outcome: string; result: any; error: string | null; durationMs: number };
}

export async function decisionsOf(hub: Hub, ownerId: string, pluginId: string) {
  return hub.db.asSystem(async (tx) =>
    (
      await tx.query<{
        data: { permission: string; allowed: boolean; reason: string; operation: string; resource: string | null };
      }>(
        `SELECT data FROM made_open.outbox WHERE owner_id = $1 AND type = 'policy.Decision' AND subject = $2 ORDER BY id`,
        [ownerId, pluginId],
      )
    ).rows.map((r) => r.data),
  );
}
