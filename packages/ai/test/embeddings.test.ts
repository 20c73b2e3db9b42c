import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CHARS_PER_INFERENCE,
  cosine,
  createHashingEmbedder,
  createUseLiteEmbedder,
  inferenceBatches,
} from '../src/embeddings.ts';

const packageDir = join(import.meta.dirname, '..');

describe('offline embedders', () => {
  it('USE lite loads from the npm package and puts related sentences closer than unrelated ones', async () => {
    const use = createUseLiteEmbedder();
    const [cat, kitten, stocks, blank] = await use.embed([
      'the cat sat on the mat',
      'a kitten rests on a rug',
      'quarterly stock market earnings report',
      '',
    ]);
    expect(cat).toHaveLength(512);
    expect(blank).toHaveLength(512);
    expect(Math.hypot(...cat!)).toBeCloseTo(1, 5);
    expect(cosine(cat!, kitten!)).toBeGreaterThan(cosine(cat!, stocks!) + 0.3);
  }, 120_000);

  it('USE lite answers concurrent callers each with their own vectors (one model thread)', async () => {
    const use = createUseLiteEmbedder();
    const texts = ['invoice from the plumber', 'birthday party on Saturday', 'flight to Lisbon'];
    const together = await use.embed(texts);
    const apart = await Promise.all(texts.map((text) => use.embed([text])));
    apart.forEach(([vector], i) => expect(cosine(vector!, together[i]!)).toBeGreaterThan(0.999));
  }, 120_000);

  it('USE lite runs long texts a few at a time and keeps each vector with its text', async () => {
    const use = createUseLiteEmbedder();
    const topics = ['sailing boats and harbours', 'tax forms and invoices', 'piano lessons', 'mountain hiking'];
    // Four texts of ~3,000 characters: more than one inference's budget, so several runs.
    const texts = topics.map((topic) => `${topic}. `.repeat(Math.ceil(3_000 / (topic.length + 2))));
    expect(inferenceBatches(texts).length).toBeGreaterThan(1);
    const together = await use.embed(texts);
    const apart = await Promise.all(texts.map((text) => use.embed([text])));
    expect(together).toHaveLength(texts.length);
    apart.forEach(([vector], i) => expect(cosine(vector!, together[i]!)).toBeGreaterThan(0.999));
  }, 120_000);

  it('splits texts into inference batches by characters, in order, a long text alone', () => {
    const short = 'x'.repeat(100);
    const long = 'y'.repeat(CHARS_PER_INFERENCE + 1);
    expect(inferenceBatches([])).toEqual([]);
    expect(inferenceBatches([short, short])).toEqual([[short, short]]);
    expect(inferenceBatches([short, long, short])).toEqual([[short], [long], [short]]);
    const many = Array.from({ length: 200 }, (_, i) => `${i}`.padEnd(100, '.'));
    const batches = inferenceBatches(many);
    expect(batches.flat()).toEqual(many);
    expect(batches.map((b) => b.length)).toEqual([80, 80, 40]);
  });

  it("USE lite's thread does not keep a process alive once it has answered", async () => {
    // A process that embeds and then has nothing left to do must end by itself (else: timeout).
    const { stdout } = await promisify(execFile)(
      join(packageDir, 'node_modules/.bin/tsx'),
      [join(packageDir, 'test/embed-once.ts')],
      { cwd: packageDir, timeout: 90_000 },
    );
    expect(stdout.trim()).toBe('512');
  }, 120_000);

  it('the hashing embedder is deterministic and shares buckets for shared words', async () => {
    const h = createHashingEmbedder(128);
    const [a, b, c] = await h.embed(['lunch with Ada in Lisbon', 'Lisbon lunch', 'tax return deadline']);
    expect((await h.embed(['lunch with Ada in Lisbon']))[0]).toEqual(a);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
  });
});
