/**
 * Numbers that sort like a shard's document ids, so that ranking can break equal scores by
 * id (hundreds of thousands of ties for a common word) without comparing strings.
 *
 * New ordinals wait unplaced (key NaN: compared by their id string) and are placed in
 * batches: sorted, located by binary search in the id-ordered list, and given keys between
 * their neighbours'. The hub's ids (uuid v7) mostly arrive in order, so they append with
 * whole-number keys; when repeated insertions between two neighbours exhaust a double's
 * precision, every key is renumbered.
 */

const PLACE_BATCH = 4096;

export class IdOrder {
  /** Key per ordinal; NaN while unplaced. */
  private keys = new Float64Array(0);
  /** Placed ordinals in id order (dead ones stay until compaction, never compared). */
  private sorted = new Int32Array(0);
  private count = 0;
  private pending: number[] = [];

  /** `ids` is the shard's id array (by ordinal), read as it changes. */
  constructor(
    private readonly ids: string[],
    private readonly batch = PLACE_BATCH,
  ) {}

  /** True when the document at ordinal a has a smaller id than the one at b. */
  less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    if (ka === ka && kb === kb) return ka < kb;
    return this.ids[a]! < this.ids[b]!;
  }

  added(ord: number) {
    if (ord >= this.keys.length) {
      const next = new Float64Array(Math.max(1024, (ord + 1) * 2));
      next.set(this.keys);
      this.keys = next;
    }
    this.keys[ord] = Number.NaN;
    this.pending.push(ord);
    if (this.pending.length >= this.batch) this.place();
  }

  /** After compaction: `remap[old]` is the new ordinal, or -1 for a dropped document. */
  remap(remap: Int32Array, size: number) {
    const keys = new Float64Array(Math.max(1024, size));
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const ord = remap[this.sorted[i]!]!;
      if (ord < 0) continue;
      keys[ord] = this.keys[this.sorted[i]!]!;
      this.sorted[kept++] = ord;
    }
    this.count = kept;
    this.pending = this.pending.flatMap((old) => {
      const ord = remap[old]!;
      if (ord >= 0) keys[ord] = Number.NaN;
      return ord >= 0 ? [ord] : [];
    });
    this.keys = keys;
  }

  private lowerBound(id: string, lo: number): number {
    const { sorted, ids } = this;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[sorted[mid]!]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private place() {
    const { ids, keys } = this;
    const add = this.pending.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    this.pending = [];
    const oldCount = this.count;
    // where each goes in the old list, and the key of the placed id just after it
    const at = new Int32Array(add.length);
    const above = new Float64Array(add.length);
    let from = 0;
    for (let k = 0; k < add.length; k++) {
      from = this.lowerBound(ids[add[k]!]!, from);
      at[k] = from;
      above[k] = from < oldCount ? keys[this.sorted[from]!]! : Number.POSITIVE_INFINITY;
    }
    if (this.sorted.length < oldCount + add.length) {
      const next = new Int32Array(Math.max(1024, (oldCount + add.length) * 2));
      next.set(this.sorted.subarray(0, oldCount));
      this.sorted = next;
    }
    // merge from the back, in place: appended ids move nothing
    const sorted = this.sorted;
    let i = oldCount - 1;
    let w = oldCount + add.length - 1;
    for (let k = add.length - 1; k >= 0; k--) {
      while (i >= at[k]!) sorted[w--] = sorted[i--]!;
      sorted[w--] = add[k]!;
    }
    this.count = oldCount + add.length;
    // keys: each run of new ids between the same neighbours shares the gap evenly
    let valid = true;
    for (let k = 0; k < add.length;) {
      let end = k;
      while (end + 1 < add.length && at[end + 1] === at[k]) end++;
      const run = end - k + 1;
      const index = at[k]! + k;
      const lo = index > 0 ? keys[sorted[index - 1]!]! : Number.NEGATIVE_INFINITY;
      const hi = above[k]!;
      let previous = lo;
      for (let j = 0; j < run; j++) {
        const key =
          hi === Number.POSITIVE_INFINITY
            ? (lo === Number.NEGATIVE_INFINITY ? 0 : lo) + j + 1
            : lo === Number.NEGATIVE_INFINITY
              ? hi - (run - j)
              : lo + ((hi - lo) * (j + 1)) / (run + 1);
        keys[add[k + j]!] = key;
        // out of precision between these neighbours: renumber below
        if (!(key > previous)) valid = false;
        previous = key;
      }
      if (!(previous < hi)) valid = false;
      k = end + 1;
    }
    if (!valid) for (let r = 0; r < this.count; r++) keys[sorted[r]!] = r;
  }
}
