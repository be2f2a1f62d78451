/**
 * The latency path of USE-lite: a caller waiting on one short text (a semantic cache lookup, a recall query) is
 * answered on the calling thread by a second onnxruntime session with two intra-op threads (one for int8), instead
 * of a hop to the worker pool where it may also wait behind another caller's batch. Everything else — several texts,
 * a long text, a call made while another latency call runs, calls before the session has loaded — goes to the pool,
 * so the event loop is held for at most one short text at a time (onnxruntime-node runs `session.run` synchronously
 * on the calling thread). Both sessions run the same graph; two intra-op threads split a product's rows and columns,
 * not its sums, so the vectors are the pool's (ADR 0039); int8 embeds one text per call in both.
 */
import { availableParallelism } from 'node:os';
import type { Embedder } from '../semantic/types.js';
import { UseLiteOnnxModel, type UseLitePrecision } from './use-lite-onnx.js';
import { useLitePieces } from './use-lite.js';
import { normalize, throwIfAborted } from './vectors.js';

/** Longest text (in pieces) the latency path takes: a few sentences, about 2 ms of model time on one core. */
export const SHORT_TEXT_PIECES = 32;
/** The same for int8 USE-lite, whose model time is about a third: 64 pieces take about 1.5 ms (44 took 1.16 ms). */
export const SHORT_TEXT_PIECES_INT8 = 64;

const shared = new Map<UseLitePrecision, Promise<UseLiteOnnxModel>>();

/**
 * The latency session, loaded once per thread and precision: float32 on up to two onnxruntime threads that sleep
 * between calls; int8 on one (a second thread made a short text no faster: its products are too small to split).
 */
export function loadUseLiteLatency(precision: UseLitePrecision = 'float32'): Promise<UseLiteOnnxModel> {
  let p = shared.get(precision);
  if (p === undefined) {
    p = UseLiteOnnxModel.load(precision === 'int8' ? 1 : Math.min(2, availableParallelism()), false, precision);
    shared.set(precision, p);
    p.catch(() => shared.delete(precision));
  }
  return p;
}

/** Options of {@link ShortTextEmbedder}. */
export interface ShortTextOptions {
  /** Longest text the calling thread embeds (pieces); default {@link SHORT_TEXT_PIECES}. */
  readonly maxPieces?: number;
  /** Loads the calling thread's model; default {@link loadUseLiteLatency}. */
  readonly load?: () => Promise<UseLiteOnnxModel>;
}

/** USE-lite in `pool`, except one short text at a time, embedded on the calling thread. */
export class ShortTextEmbedder implements Embedder {
  private model: UseLiteOnnxModel | undefined;
  private loading: Promise<unknown> | undefined;
  private running = false;
  private closed = false;
  private readonly maxPieces: number;
  private readonly load: () => Promise<UseLiteOnnxModel>;
  /** Calls answered on the calling thread (for tests and benches). */
  local = 0;

  constructor(
    private readonly pool: Embedder,
    options: ShortTextOptions = {},
  ) {
    this.maxPieces = options.maxPieces ?? SHORT_TEXT_PIECES;
    this.load = options.load ?? loadUseLiteLatency;
  }

  get id(): string {
    return this.pool.id;
  }

  get dims(): number {
    return this.pool.dims;
  }

  /** Resolves once the calling thread's model has loaded (or failed to: the pool then serves every call). */
  async ready(): Promise<void> {
    this.start();
    await this.loading;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const model = texts.length === 1 && !this.running && !this.closed ? this.start() : undefined;
    const pieces = model === undefined ? undefined : useLitePieces(model, texts[0] as string);
    if (model === undefined || pieces === undefined || pieces.length > this.maxPieces) return this.pool.embed(texts, signal);
    throwIfAborted(signal);
    this.running = true;
    try {
      const [v] = await model.embedPieces([pieces]);
      this.local++;
      return [normalize(v as Float32Array)];
    } finally {
      this.running = false;
    }
  }

  /** The loaded model, or undefined while it loads (the first call starts loading it, in the background). */
  private start(): UseLiteOnnxModel | undefined {
    this.loading ??= this.load().then(
      (m) => (this.model = m),
      // Not fatal: the pool answers every call, as it did before this path existed.
      () => undefined,
    );
    return this.model;
  }

  async close(): Promise<void> {
    // The model is shared by the thread's latency embedders (like the pool workers' models, it lives as long as the thread).
    this.closed = true;
    await this.pool.close();
  }
}
