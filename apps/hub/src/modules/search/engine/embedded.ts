import type {
  FacetName,
  SearchDocument,
  SearchEngine,
  SearchHit,
  SearchQuery,
  SearchRemoval,
  SearchResult,
  WriteOutcome,
} from './types.ts';
import { allowedTypos, boundedDistance, forEachToken, highlight, parseQuery, plainSnippet, type QueryTerm } from './text.ts';

/**
 * The embedded engine: a compact in-memory inverted index, one shard per owner.
 *
 * Per shard, documents get increasing ordinals; each term owns a growable Uint32Array of
 * postings `ordinal << 3 | fieldMask` (1 title, 2 body, 4 keywords). Terms live in a map
 * and in a sorted array (plus a small unsorted tail of new terms, merged in batches) for
 * prefix ranges and typo candidates. Deletes tombstone the ordinal; compaction rewrites
 * postings once enough are dead. A query only ever reads the caller's shard, so owners
 * are isolated by construction. See docs/decisions/0007-search-engine.md for the figures.
 */

const TITLE = 1;
const BODY = 2;
const KEYWORDS = 4;
/** Stored body text is cut to this many characters (snippets only need the start). */
const STORED_BODY = 2000;
/** Prefix and typo expansions kept per query word, most frequent first. */
const MAX_EXPANSIONS = 48;
const PENDING_MERGE = 4096;
const MAX_WINDOW = 1000;

const QUALITY_EXACT = 1;
const QUALITY_PREFIX = 0.8;
const QUALITY_TYPO = [1, 0.55, 0.35] as const;

interface Variant {
  termId: number;
  quality: number;
}

class Codes {
  private readonly byName = new Map<string, number>();
  readonly names: string[] = [];
  code(name: string): number {
    let c = this.byName.get(name);
    if (c === undefined) {
      c = this.names.length;
      this.byName.set(name, c);
      this.names.push(name);
    }
    return c;
  }
  find(name: string): number | undefined {
    return this.byName.get(name);
  }
}

function grow<T extends Uint8Array | Uint16Array | Float64Array | Int32Array | Float32Array>(array: T, size: number): T {
  if (size <= array.length) return array;
  let capacity = Math.max(16, array.length);
  while (capacity < size) capacity *= 2;
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}

class Shard {
  // documents, by ordinal
  ids: string[] = [];
  titles: string[] = [];
  bodies: string[] = [];
  alive = new Uint8Array(0);
  types = new Uint16Array(0);
  sources = new Uint16Array(0);
  occurred = new Float64Array(0);
  size = 0;
  dead = 0;
  /** id → ordinal of the live document. */
  readonly byId = new Map<string, number>();
  /** id → last version seen, deletions included (a later stale write must not resurrect). */
  readonly versions = new Map<string, number>();

  // terms
  termIds = new Map<string, number>();
  terms: string[] = [];
  postings: Uint32Array[] = [];
  lengths = new Int32Array(0);
  sorted = new Int32Array(0);
  pending: number[] = [];

  // query scratch, sized to `size`
  private best = new Float32Array(0);
  private acc = new Float32Array(0);
  private counts = new Uint8Array(0);
  private touched = new Int32Array(0);
  private termTouched = new Int32Array(0);

  constructor(
    private readonly typeCodes: Codes,
    private readonly sourceCodes: Codes,
  ) {}

  get live() {
    return this.byId.size;
  }

  private termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.termIds.set(term, id);
      this.terms.push(term);
      this.postings.push(new Uint32Array(2));
      this.lengths = grow(this.lengths, id + 1);
      this.pending.push(id);
      if (this.pending.length >= PENDING_MERGE) this.mergePending();
    }
    return id;
  }

  private mergePending() {
    if (this.pending.length === 0) return;
    const terms = this.terms;
    const byTerm = (a: number, b: number) => (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0);
    const add = this.pending.sort(byTerm);
    const merged = new Int32Array(this.sorted.length + add.length);
    let i = 0;
    let j = 0;
    let k = 0;
    const main = this.sorted;
    while (i < main.length && j < add.length) merged[k++] = byTerm(main[i]!, add[j]!) <= 0 ? main[i++]! : add[j++]!;
    while (i < main.length) merged[k++] = main[i++]!;
    while (j < add.length) merged[k++] = add[j++]!;
    this.sorted = merged;
    this.pending = [];
  }

  /** Index of the first sorted term >= s. */
  private lowerBound(s: string): number {
    const sorted = this.sorted;
    const terms = this.terms;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[sorted[mid]!]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls `each` for every term starting with `prefix`. */
  private forPrefix(prefix: string, each: (termId: number) => void) {
    const terms = this.terms;
    const sorted = this.sorted;
    for (let i = this.lowerBound(prefix); i < sorted.length; i++) {
      const id = sorted[i]!;
      if (!terms[id]!.startsWith(prefix)) break;
      each(id);
    }
    for (const id of this.pending) if (terms[id]!.startsWith(prefix)) each(id);
  }

  add(doc: SearchDocument) {
    const ord = this.size++;
    if (ord >= this.alive.length) {
      this.alive = grow(this.alive, ord + 1);
      this.types = grow(this.types, ord + 1);
      this.sources = grow(this.sources, ord + 1);
      this.occurred = grow(this.occurred, ord + 1);
    }
    this.ids[ord] = doc.id;
    this.titles[ord] = doc.title;
    this.bodies[ord] = doc.body.length > STORED_BODY ? doc.body.slice(0, STORED_BODY) : doc.body;
    this.alive[ord] = 1;
    this.types[ord] = this.typeCodes.code(doc.type);
    this.sources[ord] = doc.source ? this.sourceCodes.code(doc.source) + 1 : 0;
    this.occurred[ord] = doc.occurredAt ?? Number.NaN;
    this.byId.set(doc.id, ord);

    const fields = new Map<string, number>();
    const collect = (bit: number) => (token: string) => fields.set(token, (fields.get(token) ?? 0) | bit);
    forEachToken(doc.title, collect(TITLE));
    forEachToken(doc.body, collect(BODY));
    for (const keyword of doc.keywords) forEachToken(keyword, collect(KEYWORDS));
    for (const [token, mask] of fields) {
      const id = this.termId(token);
      let list = this.postings[id]!;
      const length = this.lengths[id]!;
      if (length === list.length) {
        const next = new Uint32Array(length * 2);
        next.set(list);
        list = next;
        this.postings[id] = list;
      }
      list[length] = (ord << 3) | mask;
      this.lengths[id] = length + 1;
    }
  }

  /** Tombstones the live document with this id, if any. */
  drop(id: string) {
    const ord = this.byId.get(id);
    if (ord === undefined) return false;
    this.byId.delete(id);
    this.alive[ord] = 0;
    this.titles[ord] = '';
    this.bodies[ord] = '';
    this.dead++;
    return true;
  }

  /** Rewrites postings without dead documents once they are a quarter of the shard. */
  maybeCompact() {
    if (this.dead < 1024 || this.dead * 4 < this.size) return;
    const remap = new Int32Array(this.size);
    let next = 0;
    for (let ord = 0; ord < this.size; ord++) {
      if (this.alive[ord]) {
        remap[ord] = next;
        this.ids[next] = this.ids[ord]!;
        this.titles[next] = this.titles[ord]!;
        this.bodies[next] = this.bodies[ord]!;
        this.types[next] = this.types[ord]!;
        this.sources[next] = this.sources[ord]!;
        this.occurred[next] = this.occurred[ord]!;
        this.alive[next] = 1;
        next++;
      } else remap[ord] = -1;
    }
    this.ids.length = next;
    this.titles.length = next;
    this.bodies.length = next;
    this.alive.fill(0, next);
    for (const [id, ord] of this.byId) this.byId.set(id, remap[ord]!);
    const termIds = new Map<string, number>();
    const terms: string[] = [];
    const postings: Uint32Array[] = [];
    const lengths: number[] = [];
    for (let t = 0; t < this.terms.length; t++) {
      const list = this.postings[t]!;
      const length = this.lengths[t]!;
      let kept = 0;
      for (let i = 0; i < length; i++) {
        const ord = remap[list[i]! >>> 3]!;
        if (ord >= 0) list[kept++] = (ord << 3) | (list[i]! & 7);
      }
      if (kept === 0) continue;
      termIds.set(this.terms[t]!, terms.length);
      terms.push(this.terms[t]!);
      postings.push(kept * 2 < list.length ? list.slice(0, Math.max(2, kept)) : list);
      lengths.push(kept);
    }
    this.termIds = termIds;
    this.terms = terms;
    this.postings = postings;
    this.lengths = Int32Array.from(lengths);
    this.sorted = new Int32Array(0);
    this.pending = terms.map((_, i) => i);
    this.mergePending();
    this.size = next;
    this.dead = 0;
  }

  /** Candidate terms for one query word: exact, prefix completions and typo variants. */
  private variants(term: QueryTerm): Variant[] {
    const found = new Map<number, number>();
    const offer = (id: number, quality: number) => {
      if (this.lengths[id]! > 0 && (found.get(id) ?? 0) < quality) found.set(id, quality);
    };
    for (const form of term.forms) {
      const exact = this.termIds.get(form);
      if (exact !== undefined) offer(exact, QUALITY_EXACT);
      if (term.prefix) {
        const completions: number[] = [];
        this.forPrefix(form, (id) => {
          if (id !== exact) completions.push(id);
        });
        this.keepMostFrequent(completions).forEach((id) => offer(id, QUALITY_PREFIX - Math.min(0.2, (this.terms[id]!.length - form.length) * 0.01)));
      }
      const typos = term.typos ? allowedTypos(form.length) : 0;
      if (typos > 0) {
        // Candidates share the first letter (as most typo-tolerant engines assume).
        const first = form[0]!;
        const candidates: Array<[number, number]> = [];
        const test = (id: number) => {
          const t = this.terms[id]!;
          if (id === exact) return;
          let d = boundedDistance(form, t, typos);
          if (term.prefix && t.length > form.length) {
            // a typo inside the prefix typed so far: compare with the term's start
            for (let len = form.length - 1; len <= form.length + 1 && d > 0; len++) {
              const pd = boundedDistance(form, t, typos, len);
              if (pd < d) d = pd;
            }
          }
          if (d >= 1 && d <= typos) candidates.push([id, d]);
        };
        this.forPrefix(first, test);
        const kept = this.keepMostFrequent(candidates.map(([id]) => id));
        const distance = new Map(candidates);
        for (const id of kept) {
          const d = distance.get(id)!;
          const isPrefixMatch = term.prefix && this.terms[id]!.length > form.length + d;
          offer(id, QUALITY_TYPO[d as 1 | 2] * (isPrefixMatch ? 0.9 : 1));
        }
      }
    }
    return [...found].map(([termId, quality]) => ({ termId, quality }));
  }

  private keepMostFrequent(ids: number[]): number[] {
    if (ids.length <= MAX_EXPANSIONS) return ids;
    const lengths = this.lengths;
    return ids.sort((a, b) => lengths[b]! - lengths[a]!).slice(0, MAX_EXPANSIONS);
  }

  private scratch() {
    if (this.best.length < this.size) {
      const n = Math.max(this.size, 1024) * 1.25;
      this.best = new Float32Array(n);
      this.acc = new Float32Array(n);
      this.counts = new Uint8Array(n);
      this.touched = new Int32Array(n);
      this.termTouched = new Int32Array(n);
    }
  }

  search(query: SearchQuery, typeFilter: Set<number> | null, sourceFilter: Set<number> | null, phoneForms?: (s: string) => string[]) {
    const terms = parseQuery(query.q, phoneForms);
    const facets: Partial<Record<FacetName, Record<string, number>>> = {};
    if (terms.length === 0) return { hits: [], facets, total: 0 };
    this.scratch();
    const { best, acc, counts, touched, termTouched } = this;
    const n = Math.max(1, this.live);
    let touchedCount = 0;
    const matched = new Set<string>();
    const matchedPrefixes: string[] = [];

    for (const term of terms) {
      const variants = this.variants(term);
      for (const v of variants) matched.add(this.terms[v.termId]!);
      if (term.prefix) for (const form of term.forms) if (form.length >= 2) matchedPrefixes.push(form);
      let termCount = 0;
      for (const v of variants) {
        const list = this.postings[v.termId]!;
        const length = this.lengths[v.termId]!;
        const q = v.quality;
        for (let i = 0; i < length; i++) {
          const p = list[i]!;
          const ord = p >>> 3;
          const mask = p & 7;
          const w = q * (mask & TITLE ? 3 : mask & KEYWORDS ? 2.5 : 1);
          const prev = best[ord]!;
          if (prev === 0) termTouched[termCount++] = ord;
          if (w > prev) best[ord] = w;
        }
      }
      // idf from the live documents this word matched: the same whatever the index's history
      let live = 0;
      for (let i = 0; i < termCount; i++) live += this.alive[termTouched[i]!]!;
      const idf = Math.log(1 + n / Math.max(1, live));
      for (let i = 0; i < termCount; i++) {
        const ord = termTouched[i]!;
        if (counts[ord] === 0) touched[touchedCount++] = ord;
        counts[ord]!++;
        acc[ord]! += best[ord]! * idf;
        best[ord] = 0;
      }
    }

    // Keep documents matching the most query words (all of them when any do), then rank.
    const alive = this.alive;
    const types = this.types;
    const sources = this.sources;
    const occurred = this.occurred;
    const after = query.filters?.occurredAfter;
    const before = query.filters?.occurredBefore;
    let maxCount = 0;
    let kept = 0;
    for (let i = 0; i < touchedCount; i++) {
      const ord = touched[i]!;
      const ok =
        alive[ord] === 1 &&
        (typeFilter === null || typeFilter.has(types[ord]!)) &&
        (sourceFilter === null || sourceFilter.has(sources[ord]!)) &&
        (after === undefined || occurred[ord]! >= after) &&
        (before === undefined || occurred[ord]! <= before);
      if (!ok) {
        counts[ord] = 0;
        acc[ord] = 0;
        continue;
      }
      if (counts[ord]! > maxCount) maxCount = counts[ord]!;
      touched[kept++] = ord;
    }
    const window = Math.min(MAX_WINDOW, query.offset + query.limit);
    // min-heap of the best `window` results, ordered by score then id (stable across rebuilds)
    const ids = this.ids;
    const heapOrd = new Int32Array(window);
    const heapScore = new Float64Array(window);
    const below = (sa: number, oa: number, sb: number, ob: number) => sa < sb || (sa === sb && ids[oa]! < ids[ob]!);
    let heapSize = 0;
    let total = 0;
    const typeCounts = query.facets?.includes('type') ? new Map<number, number>() : null;
    const sourceCounts = query.facets?.includes('source') ? new Map<number, number>() : null;
    for (let i = 0; i < kept; i++) {
      const ord = touched[i]!;
      const count = counts[ord]!;
      const s = acc[ord]!;
      counts[ord] = 0;
      acc[ord] = 0;
      if (count !== maxCount) continue;
      total++;
      if (typeCounts) typeCounts.set(types[ord]!, (typeCounts.get(types[ord]!) ?? 0) + 1);
      if (sourceCounts && sources[ord]! > 0) sourceCounts.set(sources[ord]!, (sourceCounts.get(sources[ord]!) ?? 0) + 1);
      if (window === 0) continue;
      if (heapSize < window) {
        let j = heapSize++;
        while (j > 0) {
          const parent = (j - 1) >> 1;
          if (!below(s, ord, heapScore[parent]!, heapOrd[parent]!)) break;
          heapScore[j] = heapScore[parent]!;
          heapOrd[j] = heapOrd[parent]!;
          j = parent;
        }
        heapScore[j] = s;
        heapOrd[j] = ord;
      } else if (below(heapScore[0]!, heapOrd[0]!, s, ord)) {
        let j = 0;
        for (;;) {
          const l = 2 * j + 1;
          if (l >= heapSize) break;
          const r = l + 1;
          const c = r < heapSize && below(heapScore[r]!, heapOrd[r]!, heapScore[l]!, heapOrd[l]!) ? r : l;
          if (!below(heapScore[c]!, heapOrd[c]!, s, ord)) break;
          heapScore[j] = heapScore[c]!;
          heapOrd[j] = heapOrd[c]!;
          j = c;
        }
        heapScore[j] = s;
        heapOrd[j] = ord;
      }
    }
    const ranked = Array.from({ length: heapSize }, (_, i) => i)
      .sort((a, b) => (below(heapScore[a]!, heapOrd[a]!, heapScore[b]!, heapOrd[b]!) ? 1 : -1))
      .slice(query.offset);
    const isMatch = (token: string) => matched.has(token) || matchedPrefixes.some((p) => token.startsWith(p));
    const hits: SearchHit[] = ranked.map((i) => {
      const ord = heapOrd[i]!;
      const title = this.titles[ord]!;
      const body = this.bodies[ord]!;
      const snippet = highlight(body, isMatch) ?? highlight(title, isMatch, true) ?? plainSnippet(body || title);
      return {
        id: this.ids[ord]!,
        type: this.typeCodes.names[types[ord]!]!,
        title,
        snippet,
        score: Math.round((heapScore[i]! / (terms.length * 3 * Math.log(1 + n))) * 1000) / 1000,
      };
    });
    if (typeCounts) facets.type = Object.fromEntries([...typeCounts].map(([c, v]) => [this.typeCodes.names[c]!, v]));
    if (sourceCounts) facets.source = Object.fromEntries([...sourceCounts].map(([c, v]) => [this.sourceCodes.names[c - 1]!, v]));
    return { hits, facets, total };
  }

  /** Approximate bytes held by postings and term arrays (for /metrics). */
  postingBytes() {
    let bytes = 0;
    for (const list of this.postings) bytes += list.byteLength;
    return bytes;
  }
}

export interface EmbeddedEngineOptions {
  /** Extra digit forms for a phone number typed in a query (E.164, national). */
  phoneForms?: (typed: string) => string[];
}

export class EmbeddedSearchEngine implements SearchEngine {
  readonly kind = 'embedded' as const;
  private readonly shards = new Map<string, Shard>();
  private readonly typeCodes = new Codes();
  private readonly sourceCodes = new Codes();

  constructor(private readonly options: EmbeddedEngineOptions = {}) {}

  async init() {}

  private shard(ownerId: string): Shard {
    let shard = this.shards.get(ownerId);
    if (!shard) {
      shard = new Shard(this.typeCodes, this.sourceCodes);
      this.shards.set(ownerId, shard);
    }
    return shard;
  }

  /** Synchronous core of upsert (the benchmark and rebuild call it in batches). */
  upsertSync(documents: readonly SearchDocument[]): WriteOutcome {
    let applied = 0;
    let stale = 0;
    for (const doc of documents) {
      const shard = this.shard(doc.ownerId);
      const known = shard.versions.get(doc.id);
      if (known !== undefined && known >= doc.version) {
        stale++;
        continue;
      }
      shard.versions.set(doc.id, doc.version);
      shard.drop(doc.id);
      shard.add(doc);
      applied++;
    }
    for (const shard of this.shards.values()) shard.maybeCompact();
    return { applied, stale };
  }

  async upsert(documents: readonly SearchDocument[]) {
    return this.upsertSync(documents);
  }

  async remove(removals: readonly SearchRemoval[]) {
    let applied = 0;
    let stale = 0;
    const touched = new Set<Shard>();
    for (const r of removals) {
      const shard = this.shard(r.ownerId);
      const known = shard.versions.get(r.id);
      if (known !== undefined && known > r.version) {
        stale++;
        continue;
      }
      shard.versions.set(r.id, r.version);
      if (shard.drop(r.id)) applied++;
      touched.add(shard);
    }
    for (const shard of touched) shard.maybeCompact();
    return { applied, stale };
  }

  searchSync(query: SearchQuery): SearchResult {
    const started = performance.now();
    const shard = this.shards.get(query.ownerId);
    if (!shard) return { hits: [], facets: {}, estimatedTotal: 0, processingTimeMs: 0 };
    const codes = (names: string[] | undefined, table: Codes, offset: number) => {
      if (!names || names.length === 0) return null;
      const set = new Set<number>();
      for (const name of names) {
        const c = table.find(name);
        if (c !== undefined) set.add(c + offset);
      }
      return set;
    };
    const { hits, facets, total } = shard.search(
      query,
      codes(query.types, this.typeCodes, 0),
      codes(query.filters?.sources, this.sourceCodes, 1),
      this.options.phoneForms,
    );
    return { hits, facets, estimatedTotal: total, processingTimeMs: Math.round(performance.now() - started) };
  }

  async search(query: SearchQuery) {
    return this.searchSync(query);
  }

  async versions(ownerId: string) {
    const shard = this.shards.get(ownerId);
    const out = new Map<string, number>();
    if (!shard) return out;
    for (const id of shard.byId.keys()) out.set(id, shard.versions.get(id)!);
    return out;
  }

  async owners() {
    return [...this.shards].filter(([, s]) => s.live > 0).map(([owner]) => owner);
  }

  async clear(ownerId?: string) {
    if (ownerId === undefined) this.shards.clear();
    else this.shards.delete(ownerId);
  }

  async count() {
    let n = 0;
    for (const shard of this.shards.values()) n += shard.live;
    return n;
  }

  /** Figures for /metrics. */
  stats() {
    let documents = 0;
    let terms = 0;
    let postingBytes = 0;
    for (const shard of this.shards.values()) {
      documents += shard.live;
      terms += shard.terms.length;
      postingBytes += shard.postingBytes();
    }
    return { owners: this.shards.size, documents, terms, postingBytes };
  }

  async close() {
    this.shards.clear();
  }
}
