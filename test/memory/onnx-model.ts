/**
 * Writes a tiny ONNX sentence-embedding model by hand (protobuf bytes, no onnx package): an
 * embedding table gathered by `input_ids` → `last_hidden_state [batch, seq, dims]`, plus the
 * WordPiece vocabulary next to it. The embedder mean-pools and normalises, so expected vectors
 * can be computed exactly from the table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

type Field = [number, number | bigint] | [number, Uint8Array | string | number[][]];

/** Encodes a message from (field number, value) pairs: numbers are varints, strings/bytes/sub-messages length-delimited. */
function msg(...fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [no, value] of fields) {
    if (typeof value === 'number' || typeof value === 'bigint') {
      out.push(...varint((no << 3) | 0), ...varint(value));
      continue;
    }
    const bytes =
      typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : Uint8Array.from(value.flat());
    out.push(...varint((no << 3) | 2), ...varint(bytes.length), ...bytes);
  }
  return Uint8Array.from(out);
}

const FLOAT = 1;
const INT64 = 7;

function tensorType(elem: number, dims: (string | number)[]): Uint8Array {
  const shape = msg(...dims.map((d): Field => [1, typeof d === 'string' ? msg([2, d]) : msg([1, d])]));
  return msg([1, msg([1, elem], [2, shape])]);
}

/** Shapes of the generated model. */
export interface GatherModelOptions {
  /** Declare an (unused) attention_mask input (default true). */
  readonly withMask?: boolean;
  /** Declare an (unused) token_type_ids input. */
  readonly withTokenTypes?: boolean;
  /** Add `ReduceMean(axis 1)` → `sentence_embedding [batch, dims]` as the only output (a pooled model). */
  readonly pooled?: boolean;
}

/** ONNX bytes of `Gather(table, input_ids)` → `last_hidden_state`, optionally pooled into `sentence_embedding`. */
export function gatherModel(table: Float32Array, vocab: number, dims: number, options: GatherModelOptions = {}): Uint8Array {
  const raw = new Uint8Array(table.buffer, table.byteOffset, table.byteLength);
  const initializer = msg([1, vocab], [1, dims], [2, FLOAT], [8, 'embeddings'], [9, raw]);
  const nodes: Field[] = [[1, msg([1, 'embeddings'], [1, 'input_ids'], [2, 'last_hidden_state'], [3, 'gather'], [4, 'Gather'])]];
  const INTS = 7;
  const INT = 2;
  if (options.pooled === true) {
    const axes = msg([1, 'axes'], [20, INTS], [8, 1]);
    const keepdims = msg([1, 'keepdims'], [20, INT], [3, 0]);
    nodes.push([1, msg([1, 'last_hidden_state'], [2, 'sentence_embedding'], [3, 'pool'], [4, 'ReduceMean'], [5, axes], [5, keepdims])]);
  }
  const inputs: Field[] = [[11, msg([1, 'input_ids'], [2, tensorType(INT64, ['batch', 'seq'])])]];
  if (options.withMask !== false) inputs.push([11, msg([1, 'attention_mask'], [2, tensorType(INT64, ['batch', 'seq'])])]);
  if (options.withTokenTypes === true) inputs.push([11, msg([1, 'token_type_ids'], [2, tensorType(INT64, ['batch', 'seq'])])]);
  const output: Field =
    options.pooled === true
      ? [12, msg([1, 'sentence_embedding'], [2, tensorType(FLOAT, ['batch', dims])])]
      : [12, msg([1, 'last_hidden_state'], [2, tensorType(FLOAT, ['batch', 'seq', dims])])];
  const graph = msg(...nodes, [2, 'tiny-embedder'], [5, initializer], ...inputs, output);
  return msg([1, 8], [2, 'troupe-test'], [7, graph], [8, msg([1, ''], [2, 13])]);
}

/** The vocabulary of the test model (BERT special tokens first). */
export const TINY_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'the',
  'cat',
  'dog',
  'sat',
  'on',
  'mat',
  'run',
  '##s',
  '##ning',
  'play',
  'red',
  'planet',
  'mars',
  ',',
  '.',
  'cafe',
];

/** A deterministic table: row i is a pseudo-random vector seeded by i. */
export function tinyTable(vocab: number, dims: number): Float32Array {
  const t = new Float32Array(vocab * dims);
  let s = 12345;
  for (let i = 0; i < t.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    t[i] = ((s >>> 8) / 0x1000000) * 2 - 1;
  }
  return t;
}

/** Writes `model.onnx` and a tokenizer (`vocab.txt`, or `tokenizer.json` when `json`) into `dir`. */
export async function writeTinyModel(
  dir: string,
  options: { dims?: number; json?: boolean; model?: GatherModelOptions } = {},
): Promise<{ table: Float32Array; dims: number }> {
  const dims = options.dims ?? 8;
  const table = tinyTable(TINY_VOCAB.length, dims);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), gatherModel(table, TINY_VOCAB.length, dims, options.model));
  if (options.json === true) {
    const vocab = Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i]));
    await writeFile(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        normalizer: { type: 'BertNormalizer', lowercase: true },
        model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
      }),
    );
  } else {
    await writeFile(join(dir, 'vocab.txt'), `${TINY_VOCAB.join('\n')}\n`);
  }
  return { table, dims };
}
