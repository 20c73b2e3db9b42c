import type { Sql } from '../../platform/db/index.ts';

/** The tables realtime can stream, and how their rows are read back under RLS. */
export const streamableTables = {
  'public.entities': { schema: 'public', table: 'entities' },
  'public.entity_links': { schema: 'public', table: 'entity_links' },
} as const;
export type StreamableTable = keyof typeof streamableTables;

export interface ColumnInfo {
  name: string;
  type: string;
}

export const realtimeRepository = {
  /** The row as the caller's RLS lets them see it (undefined: invisible or gone). */
  rowStatement(table: StreamableTable, id: string) {
    const { schema, table: name } = streamableTables[table];
    return { text: `SELECT to_jsonb(t) AS row FROM ${schema}.${name} t WHERE t.id = $1`, params: [id] };
  },

  async columns(tx: Sql, table: StreamableTable): Promise<ColumnInfo[]> {
    const { schema, table: name } = streamableTables[table];
    const result = await tx.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, t.typname AS type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [`${schema}.${name}`],
    );
    return result.rows;
  },
};
