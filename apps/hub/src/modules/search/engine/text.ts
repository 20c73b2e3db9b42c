/**
 * Text handling shared by the engines: normalisation (lower case, no diacritics),
 * tokenisation, query parsing (phone numbers typed in any format) and highlighted snippets.
 */

// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;
const MARKS = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}]+/gu;
/** Longer runs are not words (base64, hashes): they are cut to this length. */
export const MAX_TOKEN_LENGTH = 40;
/** At most this many words of a query are used. */
export const MAX_QUERY_TERMS = 10;

export function normalizeText(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/** Calls `each` for every normalised token of `text`. */
export function forEachToken(text: string, each: (token: string) => void) {
  if (!text) return;
  const normalized = normalizeText(text);
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(normalized); m !== null; m = TOKEN.exec(normalized)) {
    const token = m[0];
    each(token.length > MAX_TOKEN_LENGTH ? token.slice(0, MAX_TOKEN_LENGTH) : token);
  }
}

export function tokenize(text: string): string[] {
  const out: string[] = [];
  forEachToken(text, (t) => out.push(t));
  return out;
}

/** One word of a query: any of its forms may match; the last word also matches as a prefix. */
export interface QueryTerm {
  forms: string[];
  prefix: boolean;
  /** Typo tolerance applies to words, not to digit strings. */
  typos: boolean;
}

const PHONE_LIKE = /^[\s\d()+.\-/]+$/;

/**
 * Parses what the user typed. A query made only of digits and phone punctuation is one
 * phone term (matched as a prefix against the E.164, national and local digits the
 * index stores for each number); anything else is words.
 */
export function parseQuery(q: string, phoneForms: (digits: string) => string[] = (d) => [d]): QueryTerm[] {
  const trimmed = q.trim();
  if (!trimmed) return [];
  if (PHONE_LIKE.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    if (digits.length >= 3 && /[\s()+.\-/]/.test(trimmed)) {
      const forms = new Set<string>([digits, ...phoneForms(trimmed)].filter((d) => d.length > 0));
      return [{ forms: [...forms], prefix: true, typos: false }];
    }
  }
  const words = tokenize(trimmed).slice(0, MAX_QUERY_TERMS);
  const endsWithSpace = /\s$/.test(q);
  return words.map((word, i) => ({
    forms: [word],
    prefix: i === words.length - 1 && !endsWithSpace,
    typos: !/^\d+$/.test(word),
  }));
}

/**
 * Number of typos allowed for a word of this length: one from 4 letters (so "Jonh" finds
 * John), two from 8. Meilisearch is configured the same way (its defaults are 5 and 9).
 */
export function allowedTypos(length: number): number {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

const rowA = new Int32Array(64);
const rowB = new Int32Array(64);
const rowC = new Int32Array(64);

/**
 * The optimal-string-alignment DP of a against b's first m characters (m <= 62), in the
 * module's three reused rows. Returns the last row (the distance from a to each prefix of
 * b's first m characters), or null as soon as every entry of a row exceeds `max`: no
 * alignment can come back under it.
 */
function alignmentLastRow(a: string, b: string, m: number, max: number): Int32Array | null {
  const n = a.length;
  let prev2 = rowC;
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const ac = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bc = b.charCodeAt(j - 1);
      let v = prev[j - 1]! + (ac === bc ? 0 : 1);
      const del = prev[j]! + 1;
      if (del < v) v = del;
      const ins = cur[j - 1]! + 1;
      if (ins < v) v = ins;
      if (i > 1 && j > 1 && ac === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bc) {
        const t = prev2[j - 2]! + 1;
        if (t < v) v = t;
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return null;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev;
}

/**
 * Optimal-string-alignment distance between a and b (or b's first `bLength` characters),
 * giving up as soon as it must exceed `max`; returns max + 1 then.
 */
export function boundedDistance(a: string, b: string, max: number, bLength = b.length): number {
  const m = Math.min(bLength, b.length);
  if (Math.abs(a.length - m) > max) return max + 1;
  if (a.length > 62 || m > 62) return max + 1;
  const row = alignmentLastRow(a, b, m, max);
  return row === null || row[m]! > max ? max + 1 : row[m]!;
}

/**
 * Distance between a typed word that may be a prefix and a dictionary term: the smaller of
 * the whole-term distance and the distance to the term's first a.length-1 … a.length+1
 * characters (a typo inside the part typed so far). One DP pass over the term's start:
 * the last row holds the distance to every prefix of it. Returns max + 1 beyond `max`.
 */
export function boundedPrefixDistance(a: string, b: string, max: number): number {
  const n = a.length;
  if (b.length <= n) return boundedDistance(a, b, max);
  const m = Math.min(b.length, n + max);
  if (n > 62 || m > 62) return max + 1;
  const row = alignmentLastRow(a, b, m, max);
  if (row === null) return max + 1;
  let d = b.length === m ? row[m]! : max + 1;
  for (let j = Math.max(0, n - 1); j <= n + 1; j++) if (row[j]! < d) d = row[j]!;
  return d > max ? max + 1 : d;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

const SNIPPET_LENGTH = 160;

/**
 * A window of `text` around its first matching word, HTML-escaped, with each matching word
 * wrapped in <mark>…</mark>. `matches(token)` decides on the normalised token.
 * Returns null when nothing in the text matches.
 */
export function highlight(text: string, matches: (token: string) => boolean, whole = false): string | null {
  if (!text) return null;
  const ranges: Array<[number, number]> = [];
  const word = /[\p{L}\p{N}]+/gu;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    let token = normalizeText(m[0]);
    if (token.length > MAX_TOKEN_LENGTH) token = token.slice(0, MAX_TOKEN_LENGTH);
    if (matches(token)) ranges.push([m.index, m.index + m[0].length]);
  }
  if (ranges.length === 0) return null;
  let start = 0;
  let end = text.length;
  if (!whole && text.length > SNIPPET_LENGTH) {
    start = Math.max(0, ranges[0]![0] - 40);
    if (start > 0) {
      const space = text.indexOf(' ', start);
      if (space !== -1 && space < ranges[0]![0]) start = space + 1;
    }
    end = Math.min(text.length, start + SNIPPET_LENGTH);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > ranges[0]![1]) end = space;
    }
  }
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [s, e] of ranges) {
    if (s < start || e > end) continue;
    out += `${escapeHtml(text.slice(at, s))}<mark>${escapeHtml(text.slice(s, e))}</mark>`;
    at = e;
  }
  out += escapeHtml(text.slice(at, end));
  if (end < text.length) out += '…';
  return out;
}

/** The start of `text`, escaped, for hits whose match is not in the text shown. */
export function plainSnippet(text: string): string {
  if (text.length <= SNIPPET_LENGTH) return escapeHtml(text);
  const space = text.lastIndexOf(' ', SNIPPET_LENGTH);
  return `${escapeHtml(text.slice(0, space > 40 ? space : SNIPPET_LENGTH))}…`;
}
