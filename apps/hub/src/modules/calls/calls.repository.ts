import type { Sql } from '../../platform/db/index.ts';
import type { CallListQuery } from './calls.schemas.ts';

export type CallRow = {
  id: string;
  properties: Record<string, unknown>;
  occurred_at: string;
  person_id: string | null;
  person_name: string | null;
};

/** Which calls each filter shows. Missed: incoming ones nobody took (with or without a voicemail). */
const filters = {
  missed: `AND e.properties->>'direction' = 'inbound' AND e.properties->>'status' IN ('missed', 'voicemail')`,
  incoming: `AND e.properties->>'direction' = 'inbound'`,
  outgoing: `AND e.properties->>'direction' = 'outbound'`,
} as const;

/** The only SQL of calls: reads of the owner's call entities (RLS applies: the transaction is the owner's). */
export const callsRepository = {
  async list(
    tx: Sql,
    ownerId: string,
    query: Pick<CallListQuery, 'filter' | 'limit'>,
    after: { at: string; id: string } | undefined,
  ): Promise<CallRow[]> {
    const params: unknown[] = [ownerId, query.limit];
    let page = '';
    if (after) {
      params.push(after.at, after.id);
      page = 'AND (e.occurred_at, e.id) < ($3::timestamptz, $4::uuid)';
    }
    const { rows } = await tx.query<CallRow>(
      `SELECT e.id, e.properties, e.occurred_at::text AS occurred_at, p.id AS person_id, p.title AS person_name
         FROM public.entities e
         LEFT JOIN LATERAL (
           SELECT l.to_id FROM public.entity_links l
            WHERE l.owner_id = e.owner_id AND l.from_id = e.id AND l.kind = 'with' LIMIT 1
         ) l ON true
         LEFT JOIN public.entities p ON p.owner_id = e.owner_id AND p.id = l.to_id AND p.deleted_at IS NULL
        WHERE e.owner_id = $1 AND e.type = 'call' AND e.deleted_at IS NULL AND e.occurred_at IS NOT NULL
          ${query.filter ? filters[query.filter] : ''} ${page}
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT $2`,
      params,
    );
    return rows;
  },

  /** Is this a live person of the owner's? */
  async personExists(tx: Sql, ownerId: string, personId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM public.entities WHERE owner_id = $1 AND id = $2 AND type = 'person' AND deleted_at IS NULL`,
      [ownerId, personId],
    );
    return rows.length > 0;
  },
};
