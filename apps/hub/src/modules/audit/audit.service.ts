import type { EventEnvelope } from '@made-open/shared';
import type { Database, RequestClaims, Sql } from '../../platform/db/index.ts';
import { auditRepository as repo } from './audit.repository.ts';

export function createAuditService(deps: { db: Pick<Database, 'asUser'> }) {
  return {
    /** The audit consumer's handler: runs in the consumer's transaction. */
    async record(tx: Sql, event: EventEnvelope) {
      await repo.record(tx, event);
    },

    async page(claims: RequestClaims, cursor: string | undefined, limit: number) {
      const entries = await deps.db.asUser(claims, (tx) => repo.page(tx, cursor, limit));
      return { entries, nextCursor: entries.length === limit ? entries[entries.length - 1]!.id : null };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
