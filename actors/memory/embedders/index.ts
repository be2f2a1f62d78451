/** Embedders behind one interface: USE-lite (offline default), ONNX models on disk, OpenAI; a worker pool; a hashing double for tests. */
export { createEmbedder, createLocalEmbedder, embedderFromConfig } from './spec.js';
export type { EmbedderSpec, CreateEmbedderOptions, EmbedderConfig } from './spec.js';
export {
  UseLiteEmbedder,
  loadUseLite,
  loadUseLiteOnnx,
  useLitePieces,
  useLiteId,
  USE_LITE_ID,
  USE_LITE_INT8_ID,
  USE_LITE_DIMS,
} from './use-lite.js';
export type { UseLiteEngine } from './use-lite.js';
export { UseLiteOnnxModel, USE_LITE_MAX_PIECES, QUANT_MAX, quantizeColumns } from './use-lite-onnx.js';
export type { UseLitePrecision } from './use-lite-onnx.js';
export { ShortTextEmbedder, loadUseLiteLatency, SHORT_TEXT_PIECES, SHORT_TEXT_PIECES_INT8 } from './latency.js';
export type { ShortTextOptions } from './latency.js';
export { SentencePieceTokenizer } from './sentencepiece.js';
export type { VocabEntry } from './sentencepiece.js';
export { OnnxEmbedder, tokenFeeds } from './onnx.js';
export type { OnnxEmbedderOptions } from './onnx.js';
export { WordPieceTokenizer } from './wordpiece.js';
export type { WordPieceOptions } from './wordpiece.js';
export { OpenAIEmbedder } from './openai.js';
export type { OpenAIEmbedderOptions } from './openai.js';
export { WorkerPoolEmbedder } from './pool.js';
export type { PoolOptions } from './pool.js';
export { HashingTestEmbedder, HASHING_TEST_ID } from './test-embedder.js';
export { normalize, cosine, dot } from './vectors.js';
