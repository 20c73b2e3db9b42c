import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

/**
 * A contact deleted here that Outlook changed since the hub last saw it (the hub's
 * `write_conflicts`, `capability: contacts`, `local.deleted`): nothing was deleted in Outlook,
 * and the person stays deleted here, until the owner chooses.
 */
export interface ContactDeletionConflict {
  id: string;
  /** The name Outlook's newer copy has. */
  name: string;
  createdAt: string;
}

const ConflictSchema = z
  .object({
    id: z.string(),
    capability: z.string(),
    local: z.record(z.string(), z.unknown()),
    remote: z.object({ title: z.string().nullish() }).passthrough(),
    createdAt: z.string(),
  })
  .passthrough();

export async function listContactDeletionConflicts(): Promise<ContactDeletionConflict[]> {
  const { conflicts } = z
    .object({ conflicts: z.array(ConflictSchema) })
    .parse(await hubFetch('/conflicts', { query: { limit: 200 } }));
  return conflicts
    .filter((c) => c.capability === 'contacts' && c.local.deleted === true)
    .map((c) => ({ id: c.id, name: c.remote.title?.trim() || 'A contact', createdAt: c.createdAt }));
}

export async function resolveContactConflict(conflictId: string, keep: 'local' | 'remote') {
  await hubFetch(`/conflicts/${encodeURIComponent(conflictId)}/resolve`, { method: 'POST', body: { keep } });
}
