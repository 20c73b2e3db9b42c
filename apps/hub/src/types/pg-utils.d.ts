// node-postgres ships these helpers without declarations; we use the same code it uses
// to prepare bound parameters, so inlined literals match what it would send.
declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): unknown;
  export function escapeLiteral(value: string): string;
  const utils: { prepareValue: typeof prepareValue; escapeLiteral: typeof escapeLiteral };
  export default utils;
}
