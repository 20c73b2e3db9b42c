/**
 * Passages (ADR 0017, appendix): a long text split into overlapping parts that are each
 * embedded and shown to a model on their own, so the part of a 20,000-character email that
 * answers a question is found and read, not cut off after the first screen. Pure functions:
 * the embedding job and retrieval both call `splitPassages` on the same body and get the
 * same parts, so a stored vector's passage index always names the same characters.
 */

/**
 * The longest passage (characters, about 170 words). Measured with USE lite (ADR 0017
 * appendix): one relevant paragraph packed with a page of unrelated text loses most of its
 * similarity to the question, so passages stay near a paragraph; the model reads a window of
 * neighbouring passages around the one that matched (`PASSAGE_WINDOW_CHARS`).
 */
export const PASSAGE_MAX_CHARS = 1_000;
/** A passage this long ends at the next paragraph end instead of taking in another paragraph. */
export const PASSAGE_TARGET_CHARS = 300;
/**
 * How much of the end of a passage the next one repeats (a sentence or two) where a long
 * paragraph is split at sentences; passages that are whole paragraphs do not overlap.
 */
export const PASSAGE_OVERLAP_CHARS = 150;
/** What a model reads per source: the matched passage and its neighbours, up to this many characters. */
export const PASSAGE_WINDOW_CHARS = 1_500;
/** At most this many passages per entity (the rest of a very long text is not embedded). */
export const MAX_PASSAGES = 64;
/** Characters of a body read for passages (64 passages cover at most 64 × 1,000). */
export const PASSAGE_SOURCE_CHARS = 64_000;

export interface PassageSpan {
  /** 0-based position among the entity's passages. */
  index: number;
  /** Character offsets into the body: [start, end). */
  start: number;
  end: number;
  text: string;
}

interface Unit {
  start: number;
  end: number;
  /** The unit ends a paragraph (or the text). */
  last?: boolean;
}

/** Paragraphs (blank lines), then sentences, then words, then characters: each unit ≤ max. */
function units(text: string, max: number): Unit[] {
  const out: Unit[] = [];
  const push = (start: number, end: number, level: number) => {
    if (end <= start) return;
    if (end - start <= max) {
      out.push({ start, end });
      return;
    }
    const piece = text.slice(start, end);
    const boundary = [/\n\s*\n/g, /(?<=[.!?…。！？])["'”’)\]]*\s+|\n/gu, /\s+/g][level];
    if (!boundary) {
      for (let s = start; s < end; s += max) out.push({ start: s, end: Math.min(end, s + max) });
      return;
    }
    // Each unit ends after its separator, so the units cover the text with no gaps.
    let from = 0;
    for (const match of piece.matchAll(boundary)) {
      const cut = match.index + match[0].length;
      if (cut <= from || cut >= piece.length) continue;
      push(start + from, start + cut, level + 1);
      from = cut;
    }
    push(start + from, end, level + 1);
  };
  push(0, text.length, 0);
  for (const unit of out) unit.last = unit.end === text.length || /\n\s*\n\s*$/.test(text.slice(unit.start, unit.end));
  return out;
}

/** Shrinks [start, end) to exclude surrounding whitespace. */
function trimmed(text: string, start: number, end: number): Unit {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/**
 * Splits a body into passages of at most `max` characters at paragraph, then sentence, then
 * word boundaries (a passage of `target` characters or more ends with its paragraph), each
 * repeating up to `overlap` characters (whole units) of the one before. A body that fits in one passage is one passage (the common case costs nothing
 * more); an empty body is one empty passage (the entity is still embedded by its title).
 */
export function splitPassages(
  body: string,
  options: { max?: number; target?: number; overlap?: number; limit?: number } = {},
): PassageSpan[] {
  const max = options.max ?? PASSAGE_MAX_CHARS;
  const target = options.target ?? PASSAGE_TARGET_CHARS;
  const overlap = options.overlap ?? PASSAGE_OVERLAP_CHARS;
  const limit = options.limit ?? MAX_PASSAGES;
  const text = body.length > PASSAGE_SOURCE_CHARS ? body.slice(0, PASSAGE_SOURCE_CHARS) : body;
  const whole = trimmed(text, 0, text.length);
  if (whole.end - whole.start <= max) return [{ index: 0, ...whole, text: text.slice(whole.start, whole.end) }];

  const parts = units(text, max);
  const spans: PassageSpan[] = [];
  let first = 0;
  while (first < parts.length && spans.length < limit) {
    let last = first;
    while (
      last + 1 < parts.length &&
      parts[last + 1]!.end - parts[first]!.start <= max &&
      !(parts[last]!.last && parts[last]!.end - parts[first]!.start >= target)
    )
      last++;
    const span = trimmed(text, parts[first]!.start, parts[last]!.end);
    if (span.end > span.start) spans.push({ index: spans.length, ...span, text: text.slice(span.start, span.end) });
    if (last + 1 >= parts.length) break;
    // The next passage starts at the earliest unit of this one whose tail fits in the overlap,
    // within the paragraph it ends in (a passage of whole paragraphs repeats nothing), and
    // always after this passage's first unit (progress).
    let next = last + 1;
    while (next - 1 > first && !parts[next - 1]!.last && parts[last]!.end - parts[next - 1]!.start <= overlap) next--;
    first = next;
  }
  return spans;
}

/**
 * The text a model reads for a passage: it and its neighbours (alternately the one before and
 * the one after) while the window stays within `chars`. Passages overlap, so it is one slice.
 */
export function passageWindow(
  body: string,
  passages: readonly PassageSpan[],
  index: number,
  chars = PASSAGE_WINDOW_CHARS,
): { start: number; end: number; text: string } {
  let from = index;
  let to = index;
  for (let grew = true; grew;) {
    grew = false;
    if (from > 0 && passages[to]!.end - passages[from - 1]!.start <= chars) {
      from--;
      grew = true;
    }
    if (to + 1 < passages.length && passages[to + 1]!.end - passages[from]!.start <= chars) {
      to++;
      grew = true;
    }
  }
  const start = passages[from]!.start;
  const end = passages[to]!.end;
  return { start, end, text: body.slice(start, end) };
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The passage that best matches a question's keywords, for an entity the keyword search
 * found: each keyword present (a word starting with it, so "boiler" finds "boilers") scores
 * by how few of the entity's passages hold it (a word in every passage says nothing about
 * which one answers). Ties go to the earlier passage; no keyword anywhere: the first.
 */
export function termRanking(passages: readonly PassageSpan[], keywords: string): number[] {
  const terms = [
    ...new Set(
      keywords
        .toLowerCase()
        .match(WORD)
        ?.filter((t) => t.length > 1) ?? [],
    ),
  ];
  if (terms.length === 0 || passages.length <= 1) return [];
  const present = passages.map((p) => {
    const words = p.text.toLowerCase().match(WORD) ?? [];
    return new Set(terms.filter((t) => words.some((w) => w.startsWith(t))));
  });
  const df = new Map(terms.map((t) => [t, present.filter((s) => s.has(t)).length]));
  const n = passages.length;
  return passages
    .map((p, i) => ({
      index: p.index,
      score: [...present[i]!].reduce((sum, t) => sum + Math.log(1 + n / df.get(t)!), 0),
    }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((s) => s.index);
}
