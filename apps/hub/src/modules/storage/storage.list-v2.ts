import { ValidationError } from '../../platform/errors.ts';
import type { ListV2Position, ListV2Row } from './storage.repository.ts';

export type ListV2SortColumn = 'name' | 'created_at' | 'updated_at';

/** Where the next page starts, with the order it was asked in (a cursor keeps its order). */
export interface ListV2Cursor {
  after: ListV2Position;
  sortColumn: ListV2SortColumn;
  descending: boolean;
}

/**
 * Cursors in Supabase Storage's format: base64 of `l:<last name>`, `o:<order>`,
 * `c:<column>`, `a:<column value>` lines. Clients treat them as opaque; anything else
 * than what this hub would have issued is refused (400).
 */
export function encodeListV2Cursor(cursor: ListV2Cursor): string {
  const lines = [`l:${cursor.after.name}`, `o:${cursor.descending ? 'desc' : 'asc'}`, `c:${cursor.sortColumn}`];
  if (cursor.after.at) lines.push(`a:${cursor.after.at}`);
  return Buffer.from(lines.join('\n')).toString('base64');
}

export function decodeListV2Cursor(token: string): ListV2Cursor {
  const invalid = () => new ValidationError('Invalid parameter: the cursor is not one this hub issued.');
  const parts: Record<string, string> = {};
  for (const line of Buffer.from(token, 'base64').toString('utf8').split('\n')) {
    const match = /^([loca]):(.*)$/s.exec(line);
    if (!match) throw invalid();
    parts[match[1]!] = match[2]!;
  }
  const column = parts.c ?? 'name';
  const order = parts.o ?? 'asc';
  if (!parts.l || !['name', 'created_at', 'updated_at'].includes(column) || !['asc', 'desc'].includes(order)) {
    throw invalid();
  }
  if (parts.a !== undefined && Number.isNaN(Date.parse(parts.a))) throw invalid();
  if (column !== 'name' && parts.a === undefined) throw invalid();
  return {
    after: { name: parts.l, at: column === 'name' ? undefined : parts.a },
    sortColumn: column as ListV2SortColumn,
    descending: order === 'desc',
  };
}

/** The position after `row`, for the next page's cursor. */
export function positionAfter(row: ListV2Row): ListV2Position {
  return { name: row.entry, at: row.sort_at ?? undefined };
}
