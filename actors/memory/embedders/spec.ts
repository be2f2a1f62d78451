/**
 * Which embedder to build (config `memory.embedder`), and the factories: {@link createLocalEmbedder}
 * builds one on the calling thread; {@link createEmbedder} puts the CPU-bound kinds (USE-lite,
 * ONNX) behind a worker pool so embedding never stalls the event loop.
 */
import type { Embedder } from '../semantic/types.js';
import { OnnxEmbedder } from './onnx.js';
import { OpenAIEmbedder } from './openai.js';
import { WorkerPoolEmbedder } from './pool.js';
import { HashingTestEmbedder } from './test-embedder.js';
import { UseLiteEmbedder, USE_LITE_DIMS, useLiteId, type UseLiteEngine } from './use-lite.js';
import type { UseLiteOnnxModel, UseLitePrecision } from './use-lite-onnx.js';
import { LazyEmbedder } from './lazy.js';
import { loadUseLiteLatency, ShortTextEmbedder, SHORT_TEXT_PIECES, SHORT_TEXT_PIECES_INT8 } from './latency.js';

/** A serializable description of an embedder (it crosses into worker threads). */
export type EmbedderSpec =
  | {
      readonly kind: 'use-lite';
      readonly batchSize?: number;
      readonly engine?: UseLiteEngine;
      /** int8 layers: faster, different vectors (their own id); onnxruntime only. Default float32. */
      readonly precision?: UseLitePrecision;
    }
  | {
      readonly kind: 'onnx';
      readonly modelDir: string;
      readonly modelFile?: string;
      readonly maxTokens?: number;
      readonly batchSize?: number;
    }
  | {
      readonly kind: 'openai';
      readonly model: string;
      readonly dims: number;
      readonly apiKey?: string;
      readonly baseURL?: string;
      readonly batchSize?: number;
      readonly sendDimensions?: boolean;
    }
  | { readonly kind: 'hashing-test'; readonly dims?: number };

/** Builds the embedder `spec` names on this thread. */
export async function createLocalEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  switch (spec.kind) {
    case 'use-lite':
      return new UseLiteEmbedder(spec.batchSize, spec.engine, spec.precision);
    case 'onnx':
      return OnnxEmbedder.load(spec);
    case 'openai':
      return new OpenAIEmbedder(spec);
    case 'hashing-test':
      return new HashingTestEmbedder(spec.dims);
  }
}

/** Options of {@link createEmbedder}. */
export interface CreateEmbedderOptions {
  /** Worker threads for CPU-bound kinds; 0 runs on the calling thread. Default 1. */
  readonly threads?: number;
  /** Texts per worker task (default 32). */
  readonly batchSize?: number;
  /** USE-lite on onnxruntime in a pool: embed one short text at a time on the calling thread (latency.ts). Default true. */
  readonly shortTextsHere?: boolean;
}

/** Builds the embedder: USE-lite and ONNX in a worker pool (unless `threads` is 0), the rest on this thread. */
export async function createEmbedder(spec: EmbedderSpec, options: CreateEmbedderOptions = {}): Promise<Embedder> {
  const threads = options.threads ?? 1;
  const pool = (): Promise<Embedder> =>
    WorkerPoolEmbedder.start(spec, { threads, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) });
  // USE-lite's identity and size are known without loading it: its workers start on the first embed.
  if (threads > 0 && spec.kind === 'use-lite') {
    const here = (options.shortTextsHere ?? true) && (spec.engine ?? 'onnxruntime') === 'onnxruntime';
    const load = (): Promise<UseLiteOnnxModel> => loadUseLiteLatency(spec.precision);
    const maxPieces = spec.precision === 'int8' ? SHORT_TEXT_PIECES_INT8 : SHORT_TEXT_PIECES;
    return new LazyEmbedder(
      useLiteId(spec.precision),
      USE_LITE_DIMS,
      here ? async () => new ShortTextEmbedder(await pool(), { load, maxPieces }) : pool,
    );
  }
  if (threads > 0 && spec.kind === 'onnx') return pool();
  return createLocalEmbedder(spec);
}

/** The fields of config `memory` the factory reads (structural, so actors need not import config). */
export interface EmbedderConfig {
  readonly embedder:
    | { readonly kind: 'use-lite' }
    | { readonly kind: 'onnx'; readonly modelDir: string; readonly modelFile?: string | undefined; readonly maxTokens?: number | undefined }
    | {
        readonly kind: 'openai';
        readonly model: string;
        readonly dims: number;
        readonly baseURL?: string | undefined;
        readonly apiKey?: string | undefined;
      };
  readonly embedThreads: number;
  readonly embedBatch: number;
}

/** The embedder config `memory` asks for: `createEmbedder(memory.embedder, { threads: embedThreads, batchSize: embedBatch })`. */
export function embedderFromConfig(memory: EmbedderConfig): Promise<Embedder> {
  const e = memory.embedder;
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const spec: EmbedderSpec =
    e.kind === 'use-lite'
      ? { kind: 'use-lite', batchSize: memory.embedBatch }
      : e.kind === 'onnx'
        ? defined({
            kind: 'onnx' as const,
            modelDir: e.modelDir,
            modelFile: e.modelFile,
            maxTokens: e.maxTokens,
            batchSize: memory.embedBatch,
          })
        : defined({
            kind: 'openai' as const,
            model: e.model,
            dims: e.dims,
            baseURL: e.baseURL,
            apiKey: e.apiKey,
            batchSize: memory.embedBatch,
          });
  return createEmbedder(spec, { threads: memory.embedThreads, batchSize: memory.embedBatch });
}
