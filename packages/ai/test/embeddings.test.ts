import { describe, expect, it } from 'vitest';
import { cosine, createHashingEmbedder, createUseLiteEmbedder } from '../src/embeddings.ts';

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

  it('the hashing embedder is deterministic and shares buckets for shared words', async () => {
    const h = createHashingEmbedder(128);
    const [a, b, c] = await h.embed(['lunch with Ada in Lisbon', 'Lisbon lunch', 'tax return deadline']);
    expect((await h.embed(['lunch with Ada in Lisbon']))[0]).toEqual(a);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
  });
});
