import { expand, type Variant } from './expand.ts';
import { Selection } from './selection.ts';
import { KEYWORDS, TITLE, type Codes, type Shard } from './shard.ts';
import { highlight, parseQuery, plainSnippet, type QueryTerm } from './text.ts';
import type { FacetName, SearchHit, SearchQuery } from './types.ts';

/**
 * The embedded engine's query path over one shard.
 *
 * 1. Each query word expands to variants (expand.ts): the exact term, prefix completions
 *    (last word) and typo variants, each with a match quality.
 * 2. A document's weight for a word is the best (match quality × field weight) over the
 *    variants it contains; its score is Σ weight × idf over the words it matches, in
 *    fixed point, so the sum is exact and the same in any order. idf counts the word's
 *    live documents (Σ over its variants), so it never depends on the index's history.
 * 3. Documents matching the most words (all of them when any do) and passing the filters
 *    are counted (total, facets) and the best `offset + limit` kept (selection.ts):
 *    score, then id.
 *
 * Two ways to evaluate, with identical results:
 * - conjunctive (several words): start from the rarest word's documents that pass the
 *   filters, and keep those the next word matches (scanning its postings against the
 *   candidates, or galloping through them when the candidates are few), and so on. If no
 *   document has every word, fall back to:
 * - exhaustive: every word's postings add to every document they touch; words matching
 *   many documents are folded by one sequential pass over the ordinals.
 *
 * Scratch arrays are shared by all shards and left zeroed after every query.
 */

/** Field weight of a posting's mask: the best field counts (title 3, keywords 2.5, body 1). */
const FIELD_WEIGHT = Float64Array.from({ length: 8 }, (_, mask) => (mask & TITLE ? 3 : mask & KEYWORDS ? 2.5 : 1));
/** Fixed-point scale of scores: ≤ 10 words × 3 × ln(1 + 10M) × 2^20 stays below 2^31. */
const SCALE = 2 ** 20;

/**
 * A query word ready to evaluate. A document's weight for it is one of few values (quality
 * × field weight over its variants), so scratch space holds the weight's rank (1 byte) in
 * the word's sorted list of weights, and `contribution[rank]` is its fixed-point score.
 * Qualities take at most 26 values (exact, 21 prefix steps, 4 typo ones), times 3 field
 * weights: ranks fit a byte.
 */
interface Word {
  variants: Variant[];
  /** Per variant: weight rank by posting field mask. */
  ranks: Uint8Array[];
  contribution: Int32Array;
  /** Postings to read (dead ones included). */
  postings: number;
}

function prepare(shard: Shard, variants: Variant[], n: number): Word {
  let postings = 0;
  let live = 0;
  for (const v of variants) {
    postings += shard.lengths[v.termId]!;
    live += shard.liveCount(v.termId);
  }
  const idf = Math.log(1 + n / Math.max(1, Math.min(n, live)));
  const weights = [...new Set(variants.flatMap((v) => [1, 2, 4].map((mask) => v.quality * FIELD_WEIGHT[mask]!)))].sort(
    (a, b) => a - b,
  );
  const rank = new Map(weights.map((w, i) => [w, i + 1]));
  const ranks = variants.map((v) => Uint8Array.from(FIELD_WEIGHT, (f) => rank.get(v.quality * f) ?? 0));
  const contribution = Int32Array.from([0, ...weights], (w) => Math.round(w * idf * SCALE));
  return { variants, ranks, contribution, postings };
}

export interface ShardResult {
  hits: SearchHit[];
  facets: Partial<Record<FacetName, Record<string, number>>>;
  total: number;
}

export interface QueryContext {
  /** Allowed type / source codes (index = code), or null for no filter. */
  typeFilter: Uint8Array | null;
  sourceFilter: Uint8Array | null;
  typeCodes: Codes;
  sourceCodes: Codes;
  phoneForms?: (typed: string) => string[];
}

/** Per-document working space for one query at a time (queries run synchronously). */
export class Scratch {
  /** The current word's best weight rank per document. */
  best = new Uint8Array(0);
  /** Fixed-point score per document. */
  acc = new Int32Array(0);
  /** Words matched per document. */
  counts = new Uint8Array(0);
  /** Candidates (conjunctive) or documents touched (exhaustive). */
  touched = new Int32Array(0);
  /** Documents the current word touched. */
  wordTouched = new Int32Array(0);

  ensure(size: number) {
    if (this.best.length >= size) return;
    const n = Math.ceil(Math.max(size, 1024) * 1.25);
    this.best = new Uint8Array(n);
    this.acc = new Int32Array(n);
    this.counts = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.wordTouched = new Int32Array(n);
  }

  /** After an unexpected exception mid-query: start from clean arrays. */
  discard() {
    this.best = new Uint8Array(0);
    this.ensure(0);
  }
}

export function searchShard(shard: Shard, scratch: Scratch, query: SearchQuery, context: QueryContext): ShardResult {
  const terms = parseQuery(query.q, context.phoneForms);
  const facets: ShardResult['facets'] = {};
  if (terms.length === 0) return { hits: [], facets, total: 0 };
  const n = Math.max(1, shard.live);
  const words = terms.map((term) => prepare(shard, expand(shard, term), n));
  scratch.ensure(shard.size);
  try {
    const selection = new Selection(shard, query, context);
    const allWordsPossible = words.length > 1 && words.every((w) => w.variants.length > 0);
    if (!(allWordsPossible && conjunctive(shard, scratch, words, selection)))
      exhaustive(shard, scratch, words, selection);
    if (query.facets?.includes('type')) facets.type = namedCounts(selection.typeTally, context.typeCodes.names, 0);
    if (query.facets?.includes('source'))
      facets.source = namedCounts(selection.sourceTally, context.sourceCodes.names, 1);
    const ranked = selection.ranked(query.offset);
    const isMatch = matcher(shard, words, terms);
    const top = terms.length * 3 * Math.log(1 + n) * SCALE;
    const hits = ranked.map(([ord, s]) => ({
      ...hit(shard, context, ord, isMatch),
      score: Math.round((s / top) * 1000) / 1000,
    }));
    return { hits, facets, total: selection.total };
  } catch (error) {
    scratch.discard();
    throw error;
  }
}

/** Sets best[ord] to the word's best weight rank for every document it touches; returns how many. */
function bestWeights(shard: Shard, best: Uint8Array, word: Word, touched: Int32Array | null): number {
  const { postings, lengths } = shard;
  let union = 0;
  for (let k = 0; k < word.variants.length; k++) {
    const termId = word.variants[k]!.termId;
    const list = postings[termId]!;
    const length = lengths[termId]!;
    const ranks = word.ranks[k]!;
    for (let i = 0; i < length; i++) {
      const p = list[i]!;
      const ord = p >>> 3;
      const weight = ranks[p & 7]!;
      const prev = best[ord]!;
      if (prev === 0) {
        if (touched !== null) touched[union] = ord;
        union++;
      }
      if (weight > prev) best[ord] = weight;
    }
  }
  return union;
}

/**
 * Candidates that match every word, rarest word first. Returns false (scratch clean) when
 * no document passing the filters has them all: the exhaustive path then ranks by most
 * words matched.
 */
function conjunctive(shard: Shard, scratch: Scratch, words: Word[], selection: Selection): boolean {
  const { best, acc, counts, touched } = scratch;
  const order = words.map((_, i) => i).sort((a, b) => words[a]!.postings - words[b]!.postings || a - b);
  const first = words[order[0]!]!;
  const union = bestWeights(shard, best, first, scratch.wordTouched);
  let size = 0;
  for (let i = 0; i < union; i++) {
    const ord = scratch.wordTouched[i]!;
    const b = best[ord]!;
    best[ord] = 0;
    if (!selection.passes(ord)) continue;
    touched[size++] = ord;
    counts[ord] = 1;
    acc[ord] = first.contribution[b]!;
  }
  let sorted = false;
  for (let k = 1; k < order.length && size > 0; k++) {
    const word = words[order[k]!]!;
    for (let w = 0; w < word.variants.length; w++) {
      const list = shard.postings[word.variants[w]!.termId]!;
      const length = shard.lengths[word.variants[w]!.termId]!;
      const ranks = word.ranks[w]!;
      if (size * 16 < length) {
        // few candidates against a long list: gallop through it in ordinal order
        if (!sorted) {
          touched.subarray(0, size).sort();
          sorted = true;
        }
        let at = 0;
        for (let c = 0; c < size && at < length; c++) {
          const key = touched[c]! * 8;
          let step = 1;
          let hi = at;
          while (hi < length && list[hi]! < key) {
            at = hi + 1;
            hi += step;
            step *= 2;
          }
          if (hi > length) hi = length;
          while (at < hi) {
            const mid = (at + hi) >>> 1;
            if (list[mid]! < key) at = mid + 1;
            else hi = mid;
          }
          if (at < length && list[at]! >>> 3 === touched[c]) {
            const weight = ranks[list[at]! & 7]!;
            if (weight > best[touched[c]!]!) best[touched[c]!] = weight;
          }
        }
      } else {
        for (let i = 0; i < length; i++) {
          const p = list[i]!;
          const ord = p >>> 3;
          if (counts[ord] !== k) continue;
          const weight = ranks[p & 7]!;
          if (weight > best[ord]!) best[ord] = weight;
        }
      }
    }
    // keep the candidates this word matched (in order, so a sorted list stays sorted)
    let kept = 0;
    for (let i = 0; i < size; i++) {
      const ord = touched[i]!;
      const b = best[ord]!;
      if (b === 0) {
        counts[ord] = 0;
        acc[ord] = 0;
        continue;
      }
      best[ord] = 0;
      counts[ord] = k + 1;
      acc[ord]! += word.contribution[b]!;
      touched[kept++] = ord;
    }
    size = kept;
  }
  for (let i = 0; i < size; i++) {
    const ord = touched[i]!;
    selection.offer(ord, words.length, acc[ord]!);
    counts[ord] = 0;
    acc[ord] = 0;
  }
  return size > 0;
}

/** Every word adds to every document it touches; the selection keeps those with the most words. */
function exhaustive(shard: Shard, scratch: Scratch, words: Word[], selection: Selection) {
  const { best, acc, counts, touched, wordTouched } = scratch;
  const size = shard.size;
  // Past this many postings, passes over all ordinals beat lists of touched documents.
  const denseCut = size >>> 3;
  const dense = words.reduce((sum, w) => sum + w.postings, 0) > denseCut;
  if (words.length === 1) {
    // one word: select straight from its weights
    const word = words[0]!;
    const contribution = word.contribution;
    const union = bestWeights(shard, best, word, dense ? null : wordTouched);
    const end = dense ? size : union;
    for (let i = 0; i < end; i++) {
      const ord = dense ? i : wordTouched[i]!;
      const b = best[ord]!;
      if (b === 0) continue;
      best[ord] = 0;
      if (selection.passes(ord)) selection.offer(ord, 1, contribution[b]!);
    }
    return;
  }
  let touchedCount = 0;
  for (const word of words) {
    const wordDense = word.postings > denseCut;
    const union = bestWeights(shard, best, word, wordDense ? null : wordTouched);
    const end = wordDense ? size : union;
    for (let i = 0; i < end; i++) {
      const ord = wordDense ? i : wordTouched[i]!;
      const b = best[ord]!;
      if (b === 0) continue;
      best[ord] = 0;
      if (counts[ord] === 0 && !dense) touched[touchedCount++] = ord;
      counts[ord]!++;
      acc[ord]! += word.contribution[b]!;
    }
  }
  const end = dense ? size : touchedCount;
  for (let i = 0; i < end; i++) {
    const ord = dense ? i : touched[i]!;
    const count = counts[ord]!;
    if (count === 0) continue;
    const s = acc[ord]!;
    counts[ord] = 0;
    acc[ord] = 0;
    if (count >= selection.maxCount && selection.passes(ord)) selection.offer(ord, count, s);
  }
}

/** Counts by code; codes below `offset` (source code 0 is "no source") are not named. */
function namedCounts(counts: Int32Array, names: readonly string[], offset: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let c = offset; c < counts.length; c++) if (counts[c]! > 0) out[names[c - offset]!] = counts[c]!;
  return out;
}

/** Which words of a snippet to highlight: the matched terms, and words starting with a typed prefix. */
function matcher(shard: Shard, words: Word[], terms: QueryTerm[]) {
  const names = shard.dictionary.names;
  const matched = new Set<string>();
  for (const word of words) for (const v of word.variants) matched.add(names[v.termId]!);
  const prefixes = terms.flatMap((t) => (t.prefix ? t.forms.filter((f) => f.length >= 2) : []));
  return (token: string) => matched.has(token) || prefixes.some((p) => token.startsWith(p));
}

function hit(shard: Shard, context: QueryContext, ord: number, isMatch: (token: string) => boolean): SearchHit {
  const title = shard.titles[ord]!;
  const body = shard.bodies[ord]!;
  return {
    id: shard.ids[ord]!,
    type: context.typeCodes.names[shard.types[ord]!]!,
    title,
    snippet: highlight(body, isMatch) ?? highlight(title, isMatch, true) ?? plainSnippet(body || title),
  };
}
