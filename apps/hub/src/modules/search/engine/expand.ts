import type { Shard } from './shard.ts';
import { bitCount, letterMask } from './terms.ts';
import { allowedTypos, boundedDistance, boundedPrefixDistance, type QueryTerm } from './text.ts';

/**
 * Query word → the terms it matches, each with a match quality: the exact term, prefix
 * completions (the last word) and typo variants (same first letter, letter sets close
 * enough, then the edit distance), at most MAX_EXPANSIONS of each, most frequent first.
 */

/** Prefix and typo expansions kept per query word, most frequent first. */
const MAX_EXPANSIONS = 48;
const QUALITY_EXACT = 1;
const QUALITY_PREFIX = 0.8;
const QUALITY_TYPO = [1, 0.55, 0.35] as const;

export interface Variant {
  termId: number;
  quality: number;
}

/**
 * The `k` of `ids` in the most live documents (ties by term), without sorting them all.
 * Live counts, not posting lengths, so the choice never depends on the index's history.
 */
function mostFrequent(shard: Shard, ids: number[], k = MAX_EXPANSIONS): number[] {
  if (ids.length <= k) return ids;
  const names = shard.dictionary.names;
  const live = new Map(ids.map((id) => [id, shard.liveCount(id)]));
  const better = (a: number, b: number) =>
    live.get(a)! > live.get(b)! || (live.get(a) === live.get(b) && names[a]! < names[b]!);
  // min-heap of the k best so far: heap[0] is the weakest kept
  const heap: number[] = [];
  for (const id of ids) {
    if (heap.length < k) {
      let j = heap.length;
      heap.push(id);
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!better(heap[parent]!, id)) break;
        heap[j] = heap[parent]!;
        j = parent;
      }
      heap[j] = id;
    } else if (better(id, heap[0]!)) {
      let j = 0;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= k) break;
        const r = l + 1;
        const c = r < k && better(heap[l]!, heap[r]!) ? r : l;
        if (!better(id, heap[c]!)) break;
        heap[j] = heap[c]!;
        j = c;
      }
      heap[j] = id;
    }
  }
  return heap;
}

/** Candidate terms for one query word: exact, prefix completions and typo variants. */
export function expand(shard: Shard, term: QueryTerm): Variant[] {
  const dictionary = shard.dictionary;
  const names = dictionary.names;
  const masks = dictionary.masks;
  const found = new Map<number, number>();
  const offer = (id: number, quality: number) => {
    if ((found.get(id) ?? 0) < quality) found.set(id, quality);
  };
  for (const form of term.forms) {
    const exact = dictionary.find(form);
    if (exact !== undefined) offer(exact, QUALITY_EXACT);
    if (term.prefix) {
      const completions: number[] = [];
      dictionary.forPrefix(form, (id) => {
        if (id !== exact) completions.push(id);
      });
      for (const id of mostFrequent(shard, completions)) {
        offer(id, QUALITY_PREFIX - Math.min(0.2, (names[id]!.length - form.length) * 0.01));
      }
    }
    const typos = term.typos ? allowedTypos(form.length) : 0;
    if (typos > 0) {
      // Candidates share the first letter (as most typo-tolerant engines assume).
      const candidates: number[] = [];
      const distance = new Map<number, number>();
      const minLength = form.length - typos;
      const maxLength = term.prefix ? Number.POSITIVE_INFINITY : form.length + typos;
      const formMask = letterMask(form);
      dictionary.forPrefix(form[0]!, (id) => {
        const t = names[id]!;
        if (id === exact || t.length < minLength || t.length > maxLength) return;
        // letters of the word missing from the term (and, for a whole word, the reverse)
        if (bitCount(formMask & ~masks[id]!) > typos) return;
        if (!term.prefix && bitCount(masks[id]! & ~formMask) > typos) return;
        // a typo inside the prefix typed so far counts too (boundedPrefixDistance)
        const d = term.prefix ? boundedPrefixDistance(form, t, typos) : boundedDistance(form, t, typos);
        if (d >= 1 && d <= typos) {
          candidates.push(id);
          distance.set(id, d);
        }
      });
      for (const id of mostFrequent(shard, candidates)) {
        const d = distance.get(id)!;
        const isPrefixMatch = term.prefix && names[id]!.length > form.length + d;
        offer(id, QUALITY_TYPO[d as 1 | 2] * (isPrefixMatch ? 0.9 : 1));
      }
    }
  }
  return [...found].map(([termId, quality]) => ({ termId, quality }));
}
