import pgUtils from 'pg/lib/utils.js';

/**
 * Renders a parameter as a quoted SQL literal, the way node-postgres would send it as a
 * bound parameter: quoted literals are untyped in PostgreSQL, so type inference is the
 * same as for `$n`. Used only to open a transaction and set its claims in one
 * simple-protocol message (one round trip); see docs/decisions/0002-query-layer.md.
 */
export function toSqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError('Cannot bind a non-finite number');
  }
  const prepared = pgUtils.prepareValue(value as never) as unknown;
  if (prepared === null) return 'NULL';
  const text = Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : String(prepared);
  if (text.includes('\0')) throw new TypeError('Text parameters cannot contain NUL bytes');
  return pgUtils.escapeLiteral(text);
}

export function claimsSetupSql(claimsJson: string, role: string): string {
  return `SELECT set_config('request.jwt.claims', ${toSqlLiteral(claimsJson)}, true), set_config('role', ${toSqlLiteral(role)}, true)`;
}
