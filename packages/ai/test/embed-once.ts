// Run by embeddings.test.ts in a process of its own: embeds once and ends, with no exit call.
import { createUseLiteEmbedder } from '../src/embeddings.ts';

const [vector] = await createUseLiteEmbedder().embed(['hello']);
console.log(vector!.length);
