/** One RFC 6902 operation. */
export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown };

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A JSON Patch that turns `from` into `to` (objects key by key, arrays index by index): what
 * the versions diff and a 412's comparison show. Applying it to `from` gives `to`.
 */
export function jsonDiff(from: unknown, to: unknown, path = ''): PatchOperation[] {
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  if (isObject(from) && isObject(to)) {
    const ops: PatchOperation[] = [];
    for (const key of Object.keys(from)) if (!(key in to)) ops.push({ op: 'remove', path: `${path}/${escape(key)}` });
    for (const [key, value] of Object.entries(to)) {
      if (!(key in from)) ops.push({ op: 'add', path: `${path}/${escape(key)}`, value });
      else ops.push(...jsonDiff(from[key], value, `${path}/${escape(key)}`));
    }
    return ops;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const ops: PatchOperation[] = [];
    const common = Math.min(from.length, to.length);
    for (let i = 0; i < common; i++) ops.push(...jsonDiff(from[i], to[i], `${path}/${i}`));
    // Removals from the end first, so each index is still valid when applied in order.
    for (let i = from.length - 1; i >= to.length; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
    for (let i = from.length; i < to.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i] });
    return ops;
  }
  return [{ op: 'replace', path: path, value: to }];
}

/** Applies a patch made by jsonDiff (tests and the PATCH route's merge use it). */
export function applyPatch(document: unknown, ops: readonly PatchOperation[]): unknown {
  let root = structuredClone(document);
  for (const op of ops) {
    if (op.path === '') {
      root = op.op === 'remove' ? undefined : structuredClone(op.value);
      continue;
    }
    const keys = op.path
      .slice(1)
      .split('/')
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent = root as Record<string, unknown> | unknown[];
    for (const key of keys) parent = (parent as Record<string, unknown>)[key] as Record<string, unknown>;
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (op.op === 'remove') parent.splice(index, 1);
      else if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else parent[index] = structuredClone(op.value);
    } else if (op.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(op.value);
  }
  return root;
}
