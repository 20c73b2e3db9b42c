/**
 * Items in parts of at most `size`, for work split into short transactions. Always at least
 * one part, empty for no items: the last part carries what must be written once anyway (a
 * sync page's cursor, a batch's merges).
 */
export function partsOf<T>(items: readonly T[], size: number): T[][] {
  if (items.length <= size) return [[...items]];
  const parts: T[][] = [];
  for (let at = 0; at < items.length; at += size) parts.push(items.slice(at, at + size));
  return parts;
}
