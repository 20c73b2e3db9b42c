import type { QueryContext } from './query.ts';
import type { Shard } from './shard.ts';
import type { SearchQuery } from './types.ts';

const MAX_WINDOW = 1000;

/**
 * Documents matching the most words: their count, facet counts, and the best `offset +
 * limit` in a min-heap (lower score, then smaller id, rank below). `offer` runs for every
 * matching document, so it only tallies and compares with the weakest kept score unless
 * the document may enter the heap.
 */
export class Selection {
  total = 0;
  maxCount = 0;
  /** Tallies by code (unused ones are not reported). */
  readonly typeTally: Int32Array;
  readonly sourceTally: Int32Array;
  /** Score of the weakest kept document once the heap is full; below it nothing enters. */
  private threshold = Number.NEGATIVE_INFINITY;
  private heapSize = 0;
  private readonly window: number;
  private readonly heapOrd: Int32Array;
  private readonly heapScore: Float64Array;
  private readonly after: number;
  private readonly before: number;
  private readonly alive: Uint8Array;
  private readonly types: Uint16Array;
  private readonly sources: Uint16Array;
  private readonly occurred: Float64Array;
  private readonly typeFilter: Uint8Array | null;
  private readonly sourceFilter: Uint8Array | null;

  constructor(
    private readonly shard: Shard,
    query: SearchQuery,
    context: QueryContext,
  ) {
    this.window = Math.min(MAX_WINDOW, query.offset + query.limit);
    this.heapOrd = new Int32Array(this.window);
    this.heapScore = new Float64Array(this.window);
    this.typeTally = new Int32Array(context.typeCodes.names.length);
    this.sourceTally = new Int32Array(context.sourceCodes.names.length + 1);
    this.after = query.filters?.occurredAfter ?? Number.NEGATIVE_INFINITY;
    this.before = query.filters?.occurredBefore ?? Number.POSITIVE_INFINITY;
    this.alive = shard.alive;
    this.types = shard.types;
    this.sources = shard.sources;
    this.occurred = shard.occurred;
    this.typeFilter = context.typeFilter;
    this.sourceFilter = context.sourceFilter;
  }

  /** Live and through the type, source and date filters. */
  passes(ord: number): boolean {
    if (this.alive[ord] === 0) return false;
    if (this.typeFilter !== null && this.typeFilter[this.types[ord]!] !== 1) return false;
    if (this.sourceFilter !== null && this.sourceFilter[this.sources[ord]!] !== 1) return false;
    if (this.after !== Number.NEGATIVE_INFINITY && !(this.occurred[ord]! >= this.after)) return false;
    if (this.before !== Number.POSITIVE_INFINITY && !(this.occurred[ord]! <= this.before)) return false;
    return true;
  }

  /** A document that passes, matching `count` words with score `s`. */
  offer(ord: number, count: number, s: number) {
    if (count !== this.maxCount) {
      if (count < this.maxCount) return;
      this.restart(count);
    }
    this.total++;
    this.typeTally[this.types[ord]!]!++;
    this.sourceTally[this.sources[ord]!]!++;
    if (s >= this.threshold) this.push(ord, s);
  }

  /** More words matched than by anything so far: start the counts over. */
  private restart(count: number) {
    this.maxCount = count;
    this.total = 0;
    this.heapSize = 0;
    this.threshold = Number.NEGATIVE_INFINITY;
    this.typeTally.fill(0);
    this.sourceTally.fill(0);
  }

  /** Equal scores: the larger id first (as since the first version, so rankings stay comparable). */
  private below(sa: number, a: number, sb: number, b: number): boolean {
    if (sa !== sb) return sa < sb;
    return this.shard.order.less(a, b);
  }

  private push(ord: number, s: number) {
    const { heapOrd, heapScore, window } = this;
    if (window === 0) return;
    if (this.heapSize < window) {
      let j = this.heapSize++;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!this.below(s, ord, heapScore[parent]!, heapOrd[parent]!)) break;
        heapScore[j] = heapScore[parent]!;
        heapOrd[j] = heapOrd[parent]!;
        j = parent;
      }
      heapScore[j] = s;
      heapOrd[j] = ord;
    } else if (this.below(heapScore[0]!, heapOrd[0]!, s, ord)) {
      const size = this.heapSize;
      let j = 0;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && this.below(heapScore[r]!, heapOrd[r]!, heapScore[l]!, heapOrd[l]!) ? r : l;
        if (!this.below(heapScore[c]!, heapOrd[c]!, s, ord)) break;
        heapScore[j] = heapScore[c]!;
        heapOrd[j] = heapOrd[c]!;
        j = c;
      }
      heapScore[j] = s;
      heapOrd[j] = ord;
    }
    if (this.heapSize === window) this.threshold = heapScore[0]!;
  }

  /** [ordinal, score] best first, from `offset`. */
  ranked(offset: number): Array<[number, number]> {
    const { heapOrd, heapScore } = this;
    return Array.from({ length: this.heapSize }, (_, i) => i)
      .sort((a, b) => (this.below(heapScore[a]!, heapOrd[a]!, heapScore[b]!, heapOrd[b]!) ? 1 : -1))
      .slice(offset)
      .map((i) => [heapOrd[i]!, heapScore[i]!]);
  }
}
