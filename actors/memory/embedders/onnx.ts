/**
 * Any sentence-embedding model a user places on disk, run with onnxruntime-node: `model.onnx`
 * plus a WordPiece tokenizer (`tokenizer.json` or `vocab.txt`) in one folder. Inputs the model
 * declares among `input_ids`, `attention_mask`, `token_type_ids` are fed (int64, padded to the
 * longest text of the batch); the first output is mean-pooled over the attention mask when it is
 * per-token (`[batch, seq, dims]`), taken as is when it is `[batch, dims]`, then normalised.
 */
import { UnavailableError, ValidationError } from '../../../protocols/index.js';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import type { Embedder } from '../semantic/types.js';
import { inBatches, normalize, throwIfAborted } from './vectors.js';
import { WordPieceTokenizer } from './wordpiece.js';

type Ort = typeof OrtModule;
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/**
 * The input tensors of a BERT-style ONNX model for a batch of texts: `input_ids` padded with `padId` to the longest,
 * and `attention_mask` / `token_type_ids` when the session takes them (shared by the embedder and the guardrail
 * classifier slot); with the token ids of each text and the padded length.
 */
export function tokenFeeds(
  ort: Ort,
  session: Session,
  tokenizer: { encode(text: string): { readonly ids: readonly number[] }; readonly padId: number },
  texts: readonly string[],
): { feeds: Record<string, InstanceType<Ort['Tensor']>>; encoded: (readonly number[])[]; seq: number } {
  const encoded = texts.map((t) => tokenizer.encode(t).ids);
  const seq = Math.max(1, ...encoded.map((e) => e.length));
  const ids = new BigInt64Array(texts.length * seq).fill(BigInt(tokenizer.padId));
  const mask = new BigInt64Array(texts.length * seq);
  encoded.forEach((e, b) =>
    e.forEach((id, i) => {
      ids[b * seq + i] = BigInt(id);
      mask[b * seq + i] = 1n;
    }),
  );
  const shape = [texts.length, seq];
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = { input_ids: new ort.Tensor('int64', ids, shape) };
  if (session.inputNames.includes('attention_mask')) feeds['attention_mask'] = new ort.Tensor('int64', mask, shape);
  if (session.inputNames.includes('token_type_ids'))
    feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(texts.length * seq), shape);
  return { feeds, encoded, seq };
}

/** Where the model lives and how to run it. */
export interface OnnxEmbedderOptions {
  /** Folder with `model.onnx` (or `onnx/model.onnx`) and the tokenizer files. */
  readonly modelDir: string;
  /** File name inside the folder when not `model.onnx`. */
  readonly modelFile?: string;
  /** Token limit per text (default: the tokenizer's, else 256). */
  readonly maxTokens?: number;
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default 1: the worker pool gives the parallelism). */
  readonly threads?: number;
}

/** An ONNX sentence-embedding model on this thread; create with {@link OnnxEmbedder.load}. */
export class OnnxEmbedder implements Embedder {
  readonly id: string;
  private closed = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly tokenizer: WordPieceTokenizer,
    readonly dims: number,
    private readonly batchSize: number,
    name: string,
  ) {
    this.id = `onnx/${name}`;
  }

  /** Loads the tokenizer and model, and runs one text to learn the output dimensions. */
  static async load(options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const ort = await import('onnxruntime-node');
    const tokenizer = await WordPieceTokenizer.fromDirectory(
      options.modelDir,
      options.maxTokens === undefined ? {} : { maxLength: options.maxTokens },
    );
    const candidates =
      options.modelFile !== undefined
        ? [join(options.modelDir, options.modelFile)]
        : [join(options.modelDir, 'model.onnx'), join(options.modelDir, 'onnx', 'model.onnx')];
    let file: string | undefined;
    for (const c of candidates)
      if (
        await access(c).then(
          () => true,
          () => false,
        )
      )
        file = file ?? c;
    if (file === undefined)
      throw new ValidationError(`no ONNX model in ${options.modelDir}: looked for ${candidates.map((c) => basename(c)).join(', ')}`);
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
    if (!session.inputNames.includes('input_ids'))
      throw new ValidationError(`ONNX model ${file} has no input_ids input (inputs: ${session.inputNames.join(', ')})`);
    const probe = new OnnxEmbedder(ort, session, tokenizer, 0, options.batchSize ?? 32, basename(options.modelDir));
    const [v] = await probe.run(['dimension probe']);
    return new OnnxEmbedder(ort, session, tokenizer, v?.length ?? 0, options.batchSize ?? 32, basename(options.modelDir));
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) throw new UnavailableError(`${this.id} is closed`);
    throwIfAborted(signal);
    return await inBatches(texts, this.batchSize, (b) => this.run(b), signal);
  }

  private async run(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { feeds, encoded, seq } = tokenFeeds(this.ort, this.session, this.tokenizer, texts);
    const results = await this.session.run(feeds);
    const name = this.session.outputNames.includes('sentence_embedding') ? 'sentence_embedding' : (this.session.outputNames[0] as string);
    const out = results[name];
    if (out === undefined || !(out.data instanceof Float32Array)) throw new ValidationError(`ONNX output ${name} is not a float tensor`);
    const data = out.data;
    const dims = out.dims;
    if (dims.length === 2) {
      const d = dims[1] as number;
      return texts.map((_, b) => normalize(data.slice(b * d, (b + 1) * d)));
    }
    if (dims.length !== 3 || dims[1] !== seq)
      throw new ValidationError(`ONNX output ${name} has shape [${dims.join(', ')}], expected [batch, ${seq}, dims] or [batch, dims]`);
    const d = dims[2] as number;
    return encoded.map((e, b) => {
      const v = new Float32Array(d);
      for (let i = 0; i < e.length; i++) {
        const base = (b * seq + i) * d;
        for (let j = 0; j < d; j++) v[j] = (v[j] as number) + (data[base + j] as number);
      }
      for (let j = 0; j < d; j++) v[j] = (v[j] as number) / e.length;
      return normalize(v);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
