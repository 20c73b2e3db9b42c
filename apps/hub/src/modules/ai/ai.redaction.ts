import type { PiiKind, PiiSpan } from './ai.pii.ts';

/**
 * Reversible redaction for the cloud path: each distinct value becomes a placeholder like
 * ⟦EMAIL_1⟧ (the same value, the same placeholder, across every passage of one request); the
 * map stays on the hub and the streamed answer is restored before anyone sees it.
 */
export class Redactor {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counts = new Map<PiiKind, number>();

  redact(text: string, spans: readonly PiiSpan[]): string {
    let out = '';
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + this.placeholderFor(span);
      at = span.end;
    }
    return out + text.slice(at);
  }

  private placeholderFor(span: PiiSpan): string {
    const key = `${span.kind}\u0000${span.value}`;
    const known = this.byValue.get(key);
    if (known) return known;
    const n = (this.counts.get(span.kind) ?? 0) + 1;
    this.counts.set(span.kind, n);
    const placeholder = `⟦${span.kind.toUpperCase()}_${n}⟧`;
    this.byValue.set(key, placeholder);
    this.byPlaceholder.set(placeholder, span.value);
    return placeholder;
  }

  /** Distinct values replaced, per kind: what the audit and the answer's privacy note show. */
  summary(): Partial<Record<PiiKind, number>> {
    return Object.fromEntries(this.counts);
  }

  get size(): number {
    return this.byPlaceholder.size;
  }

  restore(text: string): string {
    return text.replace(/⟦[A-Z]+_\d+⟧/g, (placeholder) => this.byPlaceholder.get(placeholder) ?? placeholder);
  }

  /** Restores a stream of deltas: a placeholder split across deltas is held back until it closes. */
  restorer() {
    let pending = '';
    return {
      push: (delta: string): string => {
        pending += delta;
        const open = pending.lastIndexOf('⟦');
        // Hold back an unclosed placeholder, but not forever (a stray ⟦ in the answer).
        const hold = open >= 0 && !pending.includes('⟧', open) && pending.length - open < 32 ? open : pending.length;
        const ready = this.restore(pending.slice(0, hold));
        pending = pending.slice(hold);
        return ready;
      },
      flush: (): string => {
        const rest = this.restore(pending);
        pending = '';
        return rest;
      },
    };
  }
}
