import { describe, expect, it } from 'vitest';
import {
  MAX_PASSAGES,
  PASSAGE_MAX_CHARS,
  PASSAGE_OVERLAP_CHARS,
  PASSAGE_SOURCE_CHARS,
  PASSAGE_TARGET_CHARS,
  PASSAGE_WINDOW_CHARS,
  passageWindow,
  splitPassages,
  termRanking,
} from './ai.passages.ts';

const sentence = (i: number) => `Sentence number ${i} talks about the weather and the trains. `;
const paragraph = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => sentence(from + i))
    .join('')
    .trim();

describe('splitting a body into passages', () => {
  it('keeps a short body whole: one passage, trimmed, offsets into the body', () => {
    expect(splitPassages('  Plant tulips in October.\n')).toEqual([
      { index: 0, start: 2, end: 26, text: 'Plant tulips in October.' },
    ]);
    expect(splitPassages('')).toEqual([{ index: 0, start: 0, end: 0, text: '' }]);
    const full = 'x'.repeat(PASSAGE_MAX_CHARS);
    expect(splitPassages(full)).toHaveLength(1);
  });

  it('splits a long body at paragraph boundaries, every passage within the limit, covering it in order', () => {
    const paragraphs = Array.from({ length: 30 }, (_, p) => paragraph(p * 10, 8));
    const body = paragraphs.join('\n\n');
    const passages = splitPassages(body);
    expect(passages.length).toBeGreaterThan(5);
    for (const [i, p] of passages.entries()) {
      expect(p.index).toBe(i);
      expect(p.text).toBe(body.slice(p.start, p.end));
      expect(p.text.length).toBeLessThanOrEqual(PASSAGE_MAX_CHARS);
      // Paragraphs (≈ 480 characters) fit whole, so each passage starts at one.
      expect(paragraphs.some((para) => p.text.startsWith(para))).toBe(true);
      // Whole paragraphs: no overlap and no gap (only the blank line between them).
      if (i > 0) expect(body.slice(passages[i - 1]!.end, p.start)).toBe('\n\n');
    }
    expect(passages[0]!.start).toBe(0);
    expect(passages.at(-1)!.end).toBe(body.length);
    // Every paragraph is inside some passage.
    for (const para of paragraphs) expect(passages.some((p) => p.text.includes(para))).toBe(true);
  });

  it('splits one huge paragraph at sentences and repeats the last sentences (up to the overlap)', () => {
    const body = paragraph(0, 100);
    const passages = splitPassages(body);
    expect(passages.length).toBeGreaterThan(3);
    for (const [i, p] of passages.entries()) {
      expect(p.text.length).toBeLessThanOrEqual(PASSAGE_MAX_CHARS);
      expect(p.text).toMatch(/^Sentence number \d+/);
      expect(p.text.endsWith('trains.')).toBe(true);
      if (i > 0) {
        const previous = passages[i - 1]!;
        expect(p.text).toContain(previous.text.split('. ').at(-1)!);
        expect(p.start).toBeLessThan(previous.end);
        expect(previous.end - p.start).toBeLessThanOrEqual(PASSAGE_OVERLAP_CHARS);
      }
    }
  });

  it('short paragraphs are joined without repeating any of them in the next passage', () => {
    const body = Array.from({ length: 60 }, (_, i) => `Short paragraph ${i}.`).join('\n\n');
    const passages = splitPassages(body);
    for (const [i, p] of passages.entries()) {
      expect(p.text.length).toBeGreaterThanOrEqual(PASSAGE_TARGET_CHARS - 25);
      if (i > 0) expect(body.slice(passages[i - 1]!.end, p.start)).toBe('\n\n');
    }
  });

  it('a paragraph of the target length ends its passage; shorter paragraphs are joined', () => {
    const long = paragraph(0, 6); // ≈ 360 characters
    const short = ['Hi Ada,', 'Thanks for the call.', 'Two notes below.'];
    expect(long.length).toBeGreaterThanOrEqual(PASSAGE_TARGET_CHARS);
    const body = [...short, long, paragraph(50, 6), paragraph(80, 6)].join('\n\n');
    const passages = splitPassages(body);
    expect(passages.map((p) => p.text)).toEqual([[...short, long].join('\n\n'), paragraph(50, 6), paragraph(80, 6)]);
  });

  it('the window a model reads: the matched passage and its neighbours, within the limit', () => {
    const body = Array.from({ length: 20 }, (_, p) => paragraph(p * 10, 6)).join('\n\n');
    const passages = splitPassages(body);
    const window = passageWindow(body, passages, 10);
    expect(window.text).toBe(body.slice(window.start, window.end));
    expect(window.text).toContain(passages[10]!.text);
    expect(window.text).toContain(passages[9]!.text);
    expect(window.text).toContain(passages[11]!.text);
    expect(window.text.length).toBeLessThanOrEqual(PASSAGE_WINDOW_CHARS);
    expect(passageWindow(body, passages, 0).start).toBe(0);
    expect(passageWindow(body, passages, passages.length - 1).end).toBe(body.length);
    const short = splitPassages('One short note.');
    expect(passageWindow('One short note.', short, 0).text).toBe('One short note.');
  });

  it('cuts text without sentence or word boundaries by characters', () => {
    const body = 'y'.repeat(PASSAGE_MAX_CHARS * 3 + 10);
    const passages = splitPassages(body);
    expect(passages.map((p) => p.text.length)).toEqual([PASSAGE_MAX_CHARS, PASSAGE_MAX_CHARS, PASSAGE_MAX_CHARS, 10]);
    expect(passages.map((p) => p.start)).toEqual([0, 1, 2, 3].map((i) => i * PASSAGE_MAX_CHARS));
  });

  it(`keeps at most ${MAX_PASSAGES} passages and reads at most ${PASSAGE_SOURCE_CHARS} characters`, () => {
    const body = Array.from({ length: 400 }, (_, p) => paragraph(p * 10, 8)).join('\n\n');
    expect(body.length).toBeGreaterThan(PASSAGE_SOURCE_CHARS);
    const passages = splitPassages(body);
    expect(passages).toHaveLength(MAX_PASSAGES);
    expect(passages.at(-1)!.end).toBeLessThanOrEqual(PASSAGE_SOURCE_CHARS);
    expect(splitPassages('z '.repeat(PASSAGE_SOURCE_CHARS)).at(-1)!.end).toBeLessThanOrEqual(PASSAGE_SOURCE_CHARS);
  });
});

describe('choosing the passage a keyword hit shows', () => {
  const passages = splitPassages(
    [
      paragraph(0, 25),
      'The boiler in the cellar was serviced by the plumber. The trains ran on time.',
      paragraph(100, 25),
      'Boilers again: the plumber returns on Monday with the new boiler valve.',
    ].join('\n\n'),
  );

  it('ranks passages by the rarer words of the question they hold', () => {
    const withValve = passages.find((p) => p.text.includes('boiler valve'))!.index;
    const withCellar = passages.find((p) => p.text.includes('cellar'))!.index;
    // "trains" is in every passage: it decides nothing; "valve" only in one.
    const ranking = termRanking(passages, 'plumber boiler valve trains');
    expect(ranking[0]).toBe(withValve);
    expect(ranking).toContain(withCellar);
    expect(termRanking(passages, 'cellar')).toEqual([withCellar]);
  });

  it('no keyword in any passage, no keywords, or one passage: no ranking (the first passage is shown)', () => {
    expect(termRanking(passages, 'kayak harbour')).toEqual([]);
    expect(termRanking(passages, '')).toEqual([]);
    expect(termRanking(splitPassages('short note about a boiler'), 'boiler')).toEqual([]);
  });
});
