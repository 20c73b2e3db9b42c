/**
 * The term dictionary of one shard: term → id, plus the ids in term order for prefix ranges
 * and typo candidates. New terms wait in a small unsorted tail and are merged in batches:
 * each one is placed by binary search and the sorted runs between them are block-copied,
 * so a merge costs a few thousand comparisons, not one per dictionary term.
 */

const PENDING_MERGE = 4096;

/**
 * The set of characters in a term as 32 bits (letters one bit each, digits and others
 * folded). A word within d edits of a term lacks at most d of the term's characters and
 * vice versa, so a letter-set difference wider than that rules a typo candidate out
 * before the edit-distance DP runs.
 */
export function letterMask(s: string): number {
  let mask = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    mask |= 1 << (c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + ((c - 48) % 6) : c & 31);
  }
  return mask;
}

/** Number of set bits. */
export function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export class TermDictionary {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  /** letterMask of each term, by id. */
  masks = new Int32Array(0);
  private sorted = new Int32Array(0);
  private pending: number[] = [];

  /** A dictionary holding `names` (distinct), with ids in that order. */
  static of(names: readonly string[]): TermDictionary {
    const dictionary = new TermDictionary();
    dictionary.masks = new Int32Array(names.length);
    for (const name of names) {
      dictionary.masks[dictionary.names.length] = letterMask(name);
      dictionary.ids.set(name, dictionary.names.length);
      dictionary.names.push(name);
    }
    dictionary.pending = names.map((_, i) => i);
    dictionary.merge();
    return dictionary;
  }

  get size() {
    return this.names.length;
  }

  find(term: string): number | undefined {
    return this.ids.get(term);
  }

  /** The id of `term`, adding it when new. */
  intern(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(term, id);
      this.names.push(term);
      if (id === this.masks.length) {
        const next = new Int32Array(Math.max(1024, id * 2));
        next.set(this.masks);
        this.masks = next;
      }
      this.masks[id] = letterMask(term);
      this.pending.push(id);
      if (this.pending.length >= PENDING_MERGE) this.merge();
    }
    return id;
  }

  /** Calls `each` with the id of every term starting with `prefix`. */
  forPrefix(prefix: string, each: (id: number) => void) {
    const names = this.names;
    const sorted = this.sorted;
    for (let i = this.lowerBound(prefix, 0); i < sorted.length; i++) {
      const id = sorted[i]!;
      if (!names[id]!.startsWith(prefix)) break;
      each(id);
    }
    for (const id of this.pending) if (names[id]!.startsWith(prefix)) each(id);
  }

  /** Index of the first sorted term >= s, searching from `lo`. */
  private lowerBound(s: string, lo: number): number {
    const sorted = this.sorted;
    const names = this.names;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[sorted[mid]!]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private merge() {
    if (this.pending.length === 0) return;
    const names = this.names;
    const add = this.pending.sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
    const main = this.sorted;
    const merged = new Int32Array(main.length + add.length);
    let from = 0;
    let k = 0;
    for (const id of add) {
      const at = this.lowerBound(names[id]!, from);
      merged.set(main.subarray(from, at), k);
      k += at - from;
      from = at;
      merged[k++] = id;
    }
    merged.set(main.subarray(from), k);
    this.sorted = merged;
    this.pending = [];
  }
}
