/**
 * The classifier slot filled by any ONNX sequence-classification model a user places on disk (a DeBERTa or BERT
 * injection model, a toxicity model…), run in onnxruntime-node: `model.onnx` plus its tokenizer (a `tokenizer.json` of
 * any type — Unigram/SentencePiece, BPE — through hf-tokenizer.ts, or WordPiece `tokenizer.json` / `vocab.txt` read by
 * the memory embedders' {@link WordPieceTokenizer}) and `config.json`
 * with `id2label`. Logits `[batch, labels]` go through softmax (single-label models) or sigmoid (multi-label,
 * or one logit); `labels` maps the model's label names to finding types. A `tokenizer` passed in replaces the files.
 */
import { UnavailableError, ValidationError } from '../../../../protocols/index.js';
import { WordPieceTokenizer, tokenFeeds } from '../../../memory/index.js';
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import type { Classifier } from './types.js';
import { hfTokenizer, tokenizerJsonType } from './hf-tokenizer.js';

type Ort = typeof OrtModule;
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** Turns text into token ids (`[CLS] … [SEP]` or the model's own framing). */
export interface ClassifierTokenizer {
  encode(text: string): { readonly ids: readonly number[] };
  readonly padId: number;
}

/** Where the model lives and how to read its outputs. */
export interface OnnxClassifierOptions {
  /** Folder with `model.onnx` (or `onnx/model.onnx`), `config.json` and the tokenizer files. */
  readonly modelDir?: string;
  /** The model file itself, when not `modelDir/model.onnx`; the tokenizer and config are looked for next to it. */
  readonly modelPath?: string;
  /** Folder of the tokenizer and `config.json` when not the model's. */
  readonly tokenizerDir?: string;
  /** A tokenizer of your own (e.g. SentencePiece), instead of reading a WordPiece one from disk. */
  readonly tokenizer?: ClassifierTokenizer;
  /**
   * Model label → finding type, or null to drop the label. Unlisted labels: dropped when they name a benign class
   * (`benign`, `safe`, `neutral`, `LABEL_0`, …), else their upper-cased name is the type. Default `{}`.
   */
  readonly labels?: Readonly<Record<string, string | null>>;
  /** Labels by output index when the folder has no `config.json` with `id2label`. */
  readonly id2label?: readonly string[];
  /** Default: sigmoid when `config.json` says `multi_label_classification` or there is one logit, else softmax. */
  readonly activation?: 'softmax' | 'sigmoid';
  /** Token limit per text (default: the tokenizer's, else 256). */
  readonly maxTokens?: number;
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default 1). */
  readonly threads?: number;
}

const BENIGN_LABEL = /^(benign|safe|legit\w*|negative|neutral|normal|ok|none|clean|non[_-]?\w+|not[_-]?\w+|label_0|0)$/i;

interface Loaded {
  readonly ort: Ort;
  readonly session: Session;
  readonly tokenizer: ClassifierTokenizer;
  readonly types: readonly (string | null)[];
  readonly sigmoid: boolean;
  readonly output: string;
}

/** An ONNX classifier; loads on first use, or on {@link OnnxClassifier.load} to fail fast at startup. */
export class OnnxClassifier implements Classifier {
  readonly id: string;
  private loading: Promise<Loaded> | undefined;
  private closed = false;

  constructor(private readonly options: OnnxClassifierOptions) {
    if (options.modelDir === undefined && options.modelPath === undefined)
      throw new ValidationError('onnxClassifier needs modelDir or modelPath');
    this.id = `onnx/${basename(options.modelDir ?? dirname(options.modelPath!))}`;
  }

  /** Loads the model, tokenizer and labels; rejects with a clear error when any is missing or unusable. */
  async load(): Promise<void> {
    await this.loaded();
  }

  private loaded(): Promise<Loaded> {
    if (this.closed) return Promise.reject(new UnavailableError(`${this.id} is closed`));
    this.loading ??= loadModel(this.options);
    return this.loading;
  }

  async classify(texts: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, number>[]> {
    const m = await this.loaded();
    const out: ReadonlyMap<string, number>[] = [];
    const size = this.options.batchSize ?? 16;
    for (let i = 0; i < texts.length; i += size) {
      if (signal?.aborted === true) throw signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
      out.push(...(await run(m, texts.slice(i, i + size))));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const m = await this.loading?.catch(() => undefined);
    await m?.session.release();
  }
}

/** The classifier slot over an ONNX model on disk (see {@link OnnxClassifierOptions}). */
export function onnxClassifier(options: OnnxClassifierOptions): OnnxClassifier {
  return new OnnxClassifier(options);
}

async function exists(file: string): Promise<boolean> {
  return await access(file).then(
    () => true,
    () => false,
  );
}

async function loadModel(o: OnnxClassifierOptions): Promise<Loaded> {
  const dir = o.modelDir ?? dirname(o.modelPath!);
  const candidates = o.modelPath !== undefined ? [o.modelPath] : [join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx')];
  let file: string | undefined;
  for (const c of candidates) if (file === undefined && (await exists(c))) file = c;
  if (file === undefined) throw new ValidationError(`no ONNX model: looked for ${candidates.join(', ')}`);
  const tokDir = o.tokenizerDir ?? dir;
  // A tokenizer.json of another model type (Unigram/SentencePiece, BPE) goes to the Hugging Face tokenizers; WordPiece
  // (tokenizer.json or vocab.txt) to the memory embedders' reader.
  const jsonType = o.tokenizer === undefined ? await tokenizerJsonType(tokDir) : undefined;
  const tokenizer =
    o.tokenizer ??
    (jsonType !== undefined && jsonType !== 'WordPiece'
      ? await hfTokenizer(tokDir, o.maxTokens ?? 512)
      : await WordPieceTokenizer.fromDirectory(tokDir, o.maxTokens === undefined ? {} : { maxLength: o.maxTokens }));
  interface ModelConfig {
    id2label?: Record<string, string>;
    problem_type?: string;
  }
  const config: ModelConfig = await readFile(join(tokDir, 'config.json'), 'utf8')
    .then((s) => JSON.parse(s) as ModelConfig)
    .catch((e: unknown): ModelConfig => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ValidationError(`config.json in ${tokDir} is not valid JSON: ${(e as Error).message}`);
    });
  const names: readonly string[] | undefined =
    o.id2label ??
    (config.id2label === undefined
      ? undefined
      : Object.entries(config.id2label)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, v]) => v));
  if (names === undefined) throw new ValidationError(`no labels for ${file}: give id2label, or put config.json with id2label next to it`);
  const types = names.map((n) => (o.labels !== undefined && n in o.labels ? o.labels[n]! : BENIGN_LABEL.test(n) ? null : n.toUpperCase()));
  const ort = await import('onnxruntime-node');
  let session: Session;
  try {
    session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: o.threads ?? 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
  } catch (e) {
    throw new ValidationError(`cannot load ONNX model ${file}: ${(e as Error).message}`);
  }
  if (!session.inputNames.includes('input_ids'))
    throw new ValidationError(`ONNX model ${file} has no input_ids input (inputs: ${session.inputNames.join(', ')})`);
  const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0]!;
  const sigmoid =
    o.activation !== undefined ? o.activation === 'sigmoid' : config.problem_type === 'multi_label_classification' || names.length === 1;
  const loaded: Loaded = { ort, session, tokenizer, types, sigmoid, output };
  const [probe] = await run(loaded, ['probe']).catch((e: unknown) => {
    throw new ValidationError(`ONNX model ${file} does not run as a sequence classifier: ${(e as Error).message}`);
  });
  if (probe === undefined) throw new ValidationError(`ONNX model ${file} gave no output`);
  return loaded;
}

/** Scores of a batch: logits → softmax or sigmoid → finding types (max over labels mapping to one type). */
async function run(m: Loaded, texts: readonly string[]): Promise<Map<string, number>[]> {
  if (texts.length === 0) return [];
  const out = (await m.session.run(tokenFeeds(m.ort, m.session, m.tokenizer, texts).feeds))[m.output];
  if (out === undefined || !(out.data instanceof Float32Array)) throw new ValidationError(`ONNX output ${m.output} is not a float tensor`);
  const n = m.types.length;
  if (out.dims.length !== 2 || out.dims[0] !== texts.length || out.dims[1] !== n)
    throw new ValidationError(
      `ONNX output ${m.output} has shape [${out.dims.join(', ')}], expected [${texts.length}, ${n}] (one logit per label)`,
    );
  const data = out.data;
  return texts.map((_, b) => {
    const logits = Array.from(data.subarray(b * n, (b + 1) * n));
    const probs = m.sigmoid ? logits.map((x) => 1 / (1 + Math.exp(-x))) : softmax(logits);
    const scores = new Map<string, number>();
    probs.forEach((p, i) => {
      const type = m.types[i];
      if (type !== null && type !== undefined && Number.isFinite(p)) scores.set(type, Math.max(scores.get(type) ?? 0, p));
    });
    return scores;
  });
}

function softmax(xs: readonly number[]): number[] {
  const max = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}
