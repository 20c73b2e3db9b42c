/**
 * postgres_changes filters as realtime-js sends them: `column=op.value`, with op one of
 * eq, neq, lt, lte, gt, gte, in (`in.(a,b,c)`). Values compare as text, or as numbers
 * when both sides are numeric (the order operators).
 */
export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

export interface RowFilter {
  column: string;
  op: FilterOp;
  values: string[];
}

export class FilterError extends Error {}

export function parseFilter(filter: string | undefined, columns: ReadonlySet<string>): RowFilter | undefined {
  if (filter === undefined || filter === '') return undefined;
  const match = /^([a-z_][a-z0-9_]{0,62})=(eq|neq|lt|lte|gt|gte|in)\.(.*)$/s.exec(filter);
  if (!match) {
    throw new FilterError(
      `Invalid filter ${JSON.stringify(filter.slice(0, 100))}: use column=op.value with op eq, neq, lt, lte, gt, gte or in.`,
    );
  }
  const [, column, op, raw] = match as unknown as [string, string, FilterOp, string];
  if (!columns.has(column)) throw new FilterError(`Invalid filter: the table has no column ${JSON.stringify(column)}.`);
  if (op === 'in') {
    const list = /^\((.*)\)$/s.exec(raw);
    if (!list) throw new FilterError('Invalid filter: "in" takes a list like in.(a,b,c).');
    const values = list[1]!.split(',').map((v) => v.trim().replace(/^"(.*)"$/s, '$1'));
    if (values.length > 100) throw new FilterError('Invalid filter: "in" takes at most 100 values.');
    return { column, op, values };
  }
  return { column, op, values: [raw] };
}

const asText = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);

export function matches(filter: RowFilter | undefined, row: Record<string, unknown>): boolean {
  if (!filter) return true;
  const value = asText(row[filter.column]);
  if (value === null)
    return filter.op === 'neq' ? filter.values[0] !== 'null' : filter.values[0] === 'null' && filter.op === 'eq';
  const target = filter.values[0]!;
  const numeric =
    Number.isFinite(Number(value)) && Number.isFinite(Number(target)) && value.trim() !== '' && target.trim() !== '';
  const compare = numeric ? Number(value) - Number(target) : value < target ? -1 : value > target ? 1 : 0;
  switch (filter.op) {
    case 'eq':
      return value === target;
    case 'neq':
      return value !== target;
    case 'in':
      return filter.values.includes(value);
    case 'lt':
      return compare < 0;
    case 'lte':
      return compare <= 0;
    case 'gt':
      return compare > 0;
    case 'gte':
      return compare >= 0;
  }
}
