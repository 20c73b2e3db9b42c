import type { ClassRule, DataClass } from './ai.classes.ts';
import type { PiiSpan } from './ai.pii.ts';

/**
 * Where one request may go (issue 15 §2), decided from what its context holds:
 * - nothing sensitive: the cloud model if there is one, else the local one;
 * - anything sensitive (a sensitive type, or PII anywhere): the local model only;
 *   with none, the cloud gets a redacted version only if every sensitive item's class allows
 *   that; otherwise no model is asked and the answer says a local model is needed;
 * - no model at all: the sources alone.
 */
export interface ContextItem {
  /** Null for the question itself. */
  entityId: string | null;
  type: string;
  text: string;
  rule: ClassRule;
  pii: readonly PiiSpan[];
}

export type Route =
  | { kind: 'local' }
  | { kind: 'cloud'; redact: boolean }
  | { kind: 'needs_local'; blockedTypes: string[] }
  | { kind: 'none' };

export const isSensitive = (item: ContextItem) => item.rule.dataClass === 'sensitive' || item.pii.length > 0;

export function decideRoute(items: readonly ContextItem[], models: { local: boolean; cloud: boolean }): Route {
  const sensitive = items.filter(isSensitive);
  if (!models.local && !models.cloud) return { kind: 'none' };
  if (sensitive.length === 0) return models.cloud ? { kind: 'cloud', redact: false } : { kind: 'local' };
  if (models.local) return { kind: 'local' };
  const blocked = sensitive.filter((item) => !item.rule.cloudRedacted);
  if (blocked.length > 0) return { kind: 'needs_local', blockedTypes: [...new Set(blocked.map((i) => i.type))] };
  return { kind: 'cloud', redact: true };
}

/** The classes present in what is sent (for the egress audit). */
export function classesOf(items: readonly ContextItem[]): DataClass[] {
  return [...new Set(items.map((i) => (isSensitive(i) ? 'sensitive' : i.rule.dataClass)))].sort() as DataClass[];
}
