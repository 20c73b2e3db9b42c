import { syncCountsSchema, type SyncCounts } from '@made-open/shared/connector-events';
import type { ConnectorRegistry } from './connectors.registry.ts';
import type { ConnectionRow } from './connectors.repository.ts';
import type { ConnectionView } from './connectors.schemas.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export const zeroCounts: SyncCounts = { pages: 0, items: 0, created: 0, updated: 0, unchanged: 0, percent: null };

/** A stored progress object, or zeroes when it is empty or from an older shape. */
export function countsOf(stored: unknown): SyncCounts {
  const parsed = syncCountsSchema.safeParse(stored);
  return parsed.success ? parsed.data : { ...zeroCounts };
}

function setupOf(row: ConnectionRow, registry: ConnectorRegistry, publicUrl: string) {
  const connector = registry.get(row.provider);
  if (!connector?.setup || row.status === 'disconnected') return null;
  const options = connector.options.safeParse(row.options);
  if (!options.success) return null;
  const base = `${publicUrl.replace(/\/+$/, '')}/webhooks/${row.provider}/${row.id}`;
  return connector.setup(
    { id: row.id, label: row.label, options: options.data, state: row.state },
    { publicUrl, webhookUrl: (path) => `${base}/${path}` },
  );
}

export function toView(row: ConnectionRow, registry: ConnectorRegistry, publicUrl: string): ConnectionView {
  return {
    id: row.id,
    provider: row.provider,
    source: registry.get(row.provider)?.source ?? row.provider,
    credentialId: row.credential_id,
    accountId: row.account_id,
    label: row.label,
    options: row.options,
    capabilities: row.capabilities,
    status: row.status,
    statusReason: row.status_reason,
    webhooks: row.status === 'disconnected' ? [] : [...(registry.get(row.provider)?.webhooks?.paths ?? [])],
    setup: setupOf(row, registry, publicUrl),
    sync: {
      state: row.sync_state,
      jobId: row.sync_job_id,
      phase: row.sync_phase,
      requestedAt: iso(row.sync_requested_at),
      progress: countsOf(row.sync_progress),
      itemsSynced: Number(row.items_synced),
      failures: row.sync_failures,
      lastSuccessAt: iso(row.last_success_at),
      lastError: row.last_error,
      lastErrorAt: iso(row.last_error_at),
    },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    disconnectedAt: iso(row.disconnected_at),
  };
}
