import { describe, expect, it } from 'vitest';
import { toSqlLiteral } from './literal.ts';

describe('toSqlLiteral', () => {
  it('quotes every value so PostgreSQL infers its type like a bound parameter', () => {
    expect(toSqlLiteral(42)).toBe("'42'");
    expect(toSqlLiteral(-5)).toBe("'-5'");
    expect(toSqlLiteral(true)).toBe("'true'");
    expect(toSqlLiteral(null)).toBe('NULL');
    expect(toSqlLiteral(undefined)).toBe('NULL');
  });

  it('escapes quotes and backslashes', () => {
    expect(toSqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(toSqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(toSqlLiteral("'); DROP TABLE entities; --")).toBe("'''); DROP TABLE entities; --'");
  });

  it('serialises objects as JSON and buffers as bytea hex', () => {
    expect(toSqlLiteral({ a: "it's" })).toBe(`'{"a":"it''s"}'`);
    expect(toSqlLiteral(Buffer.from([1, 255]))).toBe(" E'\\\\x01ff'");
  });

  it('refuses NUL bytes and non-finite numbers', () => {
    expect(() => toSqlLiteral('a\0b')).toThrow(/NUL/);
    expect(() => toSqlLiteral(Number.NaN)).toThrow(/non-finite/);
  });
});
