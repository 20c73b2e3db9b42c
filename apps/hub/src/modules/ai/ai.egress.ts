import { createHash } from 'node:crypto';
import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { PiiKind } from './ai.pii.ts';

/** One cloud request as the audit keeps it: never its content. */
export interface EgressRecord {
  id: string;
  at: string;
  provider: string;
  model: string;
  purpose: string;
  entityIds: string[];
  bytes: number;
  payloadSha256: string;
  redactions: Partial<Record<PiiKind, number>>;
  classes: string[];
  outcome: 'sent' | 'ok' | 'error' | 'cancelled';
  errorKind: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  finishedAt: string | null;
}

interface EgressRow {
  id: string;
  at: Date | string;
  provider: string;
  model: string;
  purpose: string;
  entity_ids: string[];
  bytes: number;
  payload_sha256: string;
  redactions: Partial<Record<PiiKind, number>>;
  classes: string[];
  outcome: EgressRecord['outcome'];
  error_kind: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: string | number | null;
  finished_at: Date | string | null;
  [key: string]: unknown;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function recordOf(row: EgressRow): EgressRecord {
  return {
    id: row.id,
    at: iso(row.at)!,
    provider: row.provider,
    model: row.model,
    purpose: row.purpose,
    entityIds: row.entity_ids,
    bytes: row.bytes,
    payloadSha256: row.payload_sha256,
    redactions: row.redactions,
    classes: row.classes,
    outcome: row.outcome,
    errorKind: row.error_kind,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    finishedAt: iso(row.finished_at),
  };
}

export function createEgressLog(db: Database) {
  return {
    /** Written before the request leaves: a crash mid-request still leaves its trace. */
    async opened(
      user: AuthenticatedUser,
      entry: {
        provider: string;
        model: string;
        purpose: string;
        entityIds: string[];
        payload: string;
        redactions: Partial<Record<PiiKind, number>>;
        classes: string[];
      },
    ): Promise<string> {
      const bytes = Buffer.byteLength(entry.payload, 'utf8');
      const sha = createHash('sha256').update(entry.payload).digest('hex');
      const { rows } = await db.queryAsUser<{ id: string }>(
        user.claims,
        `INSERT INTO made_open.ai_egress (owner_id, provider, model, purpose, entity_ids, bytes, payload_sha256, redactions, classes)
         VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8::jsonb, $9::text[]) RETURNING id`,
        [
          user.id,
          entry.provider,
          entry.model,
          entry.purpose,
          entry.entityIds,
          bytes,
          sha,
          JSON.stringify(entry.redactions),
          entry.classes,
        ],
      );
      return rows[0]!.id;
    },

    async closed(
      user: AuthenticatedUser,
      id: string,
      end: {
        outcome: 'ok' | 'error' | 'cancelled';
        errorKind?: string;
        promptTokens?: number;
        completionTokens?: number;
        costUsd?: number | null;
      },
    ): Promise<void> {
      await db.queryAsUser(
        user.claims,
        `UPDATE made_open.ai_egress SET outcome = $2, error_kind = $3, prompt_tokens = $4, completion_tokens = $5,
                cost_usd = $6, finished_at = now() WHERE id = $1`,
        [
          id,
          end.outcome,
          end.errorKind ?? null,
          end.promptTokens ?? null,
          end.completionTokens ?? null,
          end.costUsd ?? null,
        ],
      );
    },

    /** Newest first; `before` is the last page's final id (keyset on at, id). */
    async list(
      user: AuthenticatedUser,
      limit: number,
      before?: string,
    ): Promise<{ entries: EgressRecord[]; nextCursor: string | null }> {
      const { rows } = await db.queryAsUser<EgressRow>(
        user.claims,
        `SELECT * FROM made_open.ai_egress e
          WHERE $2::uuid IS NULL OR (e.at, e.id) < (SELECT at, id FROM made_open.ai_egress WHERE id = $2::uuid)
          ORDER BY at DESC, id DESC LIMIT $1`,
        [limit + 1, before ?? null],
      );
      const page = rows.slice(0, limit).map(recordOf);
      return { entries: page, nextCursor: rows.length > limit ? page.at(-1)!.id : null };
    },
  };
}

export type EgressLog = ReturnType<typeof createEgressLog>;
