import { IdOrder } from './id-order.ts';
import { forEachToken } from './text.ts';
import { TermDictionary } from './terms.ts';
import type { SearchDocument } from './types.ts';

/**
 * One owner's part of the embedded index: documents by ordinal and an inverted index.
 * Each term owns a growable Uint32Array of postings `ordinal << 3 | fieldMask`, in ordinal
 * order (ordinals only grow, and compaction keeps their order), which the query path relies
 * on. Deletes tombstone the ordinal; compaction rewrites postings once enough are dead.
 */

export const TITLE = 1;
export const BODY = 2;
export const KEYWORDS = 4;
/** Stored body text is cut to this many characters (snippets only need the start). */
const STORED_BODY = 2000;

/** Small integer codes for the facet values (types, sources), shared by all shards. */
export class Codes {
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

type Growable = Uint8Array | Uint16Array | Int32Array | Float64Array;

function grow<T extends Growable>(array: T, size: number): T {
  if (size <= array.length) return array;
  let capacity = Math.max(16, array.length);
  while (capacity < size) capacity *= 2;
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}

export class Shard {
  // documents, by ordinal
  readonly ids: string[] = [];
  /** Breaks equal scores by id without comparing strings. */
  readonly order = new IdOrder(this.ids);
  titles: string[] = [];
  bodies: string[] = [];
  alive = new Uint8Array(0);
  types = new Uint16Array(0);
  sources = new Uint16Array(0);
  /** occurredAt in ms, NaN when unknown. */
  occurred = new Float64Array(0);
  size = 0;
  dead = 0;
  /** id → ordinal of the live document. */
  readonly byId = new Map<string, number>();
  /** id → last version seen, deletions included (a later stale write must not resurrect). */
  readonly versions = new Map<string, number>();

  // terms
  dictionary = new TermDictionary();
  postings: Uint32Array[] = [];
  /** Postings in use per term (dead documents included until compaction). */
  lengths = new Int32Array(0);
  /**
   * Live documents per term, exact as of `liveSeen[t]` deaths: counted up on add, brought
   * up to date on demand (liveCount) from the ordinals dropped since, kept in `deadOrds`.
   */
  private liveCounts = new Int32Array(0);
  private liveSeen = new Int32Array(0);
  private deadOrds = new Int32Array(0);

  constructor(
    private readonly typeCodes: Codes,
    private readonly sourceCodes: Codes,
  ) {}

  get live() {
    return this.byId.size;
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
    this.order.added(ord);
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
      const id = this.dictionary.intern(token);
      if (id === this.postings.length) {
        this.postings.push(new Uint32Array(2));
        this.lengths = grow(this.lengths, id + 1);
        this.liveCounts = grow(this.liveCounts, id + 1);
        this.liveSeen = grow(this.liveSeen, id + 1);
        // no earlier death can concern a new term: dead ordinals never get postings
        this.liveSeen[id] = this.dead;
      }
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
      this.liveCounts[id]!++;
    }
  }

  /** Live documents containing term `t` (exact, so idf never depends on the index's history). */
  liveCount(t: number): number {
    const seen = this.liveSeen[t]!;
    const dead = this.dead;
    if (seen === dead) return this.liveCounts[t]!;
    const list = this.postings[t]!;
    const length = this.lengths[t]!;
    let live = this.liveCounts[t]!;
    if ((dead - seen) * 24 < length) {
      // few deaths since: look each one up (postings are in ordinal order)
      for (let k = seen; k < dead; k++) {
        const key = this.deadOrds[k]!;
        let lo = 0;
        let hi = length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (list[mid]! >>> 3 < key) lo = mid + 1;
          else hi = mid;
        }
        if (lo < length && list[lo]! >>> 3 === key) live--;
      }
    } else {
      live = 0;
      for (let i = 0; i < length; i++) live += this.alive[list[i]! >>> 3]!;
    }
    this.liveCounts[t] = live;
    this.liveSeen[t] = dead;
    return live;
  }

  /** Tombstones the live document with this id, if any. */
  drop(id: string) {
    const ord = this.byId.get(id);
    if (ord === undefined) return false;
    this.byId.delete(id);
    this.alive[ord] = 0;
    this.titles[ord] = '';
    this.bodies[ord] = '';
    this.deadOrds = grow(this.deadOrds, this.dead + 1);
    this.deadOrds[this.dead++] = ord;
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
    this.order.remap(remap, next);
    for (const [id, ord] of this.byId) this.byId.set(id, remap[ord]!);
    const names: string[] = [];
    const postings: Uint32Array[] = [];
    const lengths: number[] = [];
    const old = this.dictionary.names;
    for (let t = 0; t < old.length; t++) {
      const list = this.postings[t]!;
      const length = this.lengths[t]!;
      let kept = 0;
      for (let i = 0; i < length; i++) {
        const ord = remap[list[i]! >>> 3]!;
        if (ord >= 0) list[kept++] = (ord << 3) | (list[i]! & 7);
      }
      if (kept === 0) continue;
      names.push(old[t]!);
      postings.push(kept * 2 < list.length ? list.slice(0, Math.max(2, kept)) : list);
      lengths.push(kept);
    }
    this.dictionary = TermDictionary.of(names);
    this.postings = postings;
    this.lengths = Int32Array.from(lengths);
    this.liveCounts = Int32Array.from(lengths);
    this.liveSeen = new Int32Array(lengths.length);
    this.deadOrds = new Int32Array(0);
    this.size = next;
    this.dead = 0;
  }

  /** Approximate bytes held by postings (for /metrics). */
  postingBytes() {
    let bytes = 0;
    for (const list of this.postings) bytes += list.byteLength;
    return bytes;
  }
}
