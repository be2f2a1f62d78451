/**
 * Writes a tiny ONNX sequence classifier for the guardrail classifier slot, built on the embedder test model
 * (test/memory/onnx-model.ts): `Gather(table, input_ids)` then `ReduceMean` over the tokens gives one logit per
 * label, so a token whose table row favours a label (`ignore` → INJECTION, `dan` → JAILBREAK) raises that label's
 * score, and the expected probabilities follow exactly from the table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatherModel } from '../memory/onnx-model.js';

/** The classifier's vocabulary (BERT special tokens first). */
export const CLASSIFIER_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'ignore', 'dan', 'hello', 'world', 'the', 'cat', 'hate', '.'];
/** Its labels, in output order. */
export const CLASSIFIER_LABELS = ['BENIGN', 'INJECTION', 'JAILBREAK'];

/** Row of the logit table for each token: every token leans benign, except the trigger tokens. */
export function classifierTable(): Float32Array {
  const rows = CLASSIFIER_VOCAB.map((t) => (t === 'ignore' ? [0, 12, 0] : t === 'dan' ? [0, 0, 12] : [1, 0, 0]));
  return Float32Array.from(rows.flat());
}

/** The logits the model gives `tokens` (as the tokenizer splits them, without [CLS]/[SEP]). */
export function expectedLogits(tokens: readonly string[]): number[] {
  const table = classifierTable();
  const ids = ['[CLS]', ...tokens, '[SEP]'].map((t) => CLASSIFIER_VOCAB.indexOf(t));
  const n = CLASSIFIER_LABELS.length;
  return Array.from({ length: n }, (_, j) => ids.reduce((s, id) => s + table[id * n + j]!, 0) / ids.length);
}

/** Writes `model.onnx`, the tokenizer (`vocab.txt`, or `tokenizer.json` when `json`) and `config.json` into `dir`. */
export async function writeClassifierModel(
  dir: string,
  options: { json?: boolean; config?: Record<string, unknown> | null } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const n = CLASSIFIER_LABELS.length;
  await writeFile(join(dir, 'model.onnx'), gatherModel(classifierTable(), CLASSIFIER_VOCAB.length, n, { pooled: true }));
  if (options.json === true) {
    const vocab = Object.fromEntries(CLASSIFIER_VOCAB.map((t, i) => [t, i]));
    await writeFile(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        normalizer: { lowercase: true },
        model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', vocab },
      }),
    );
  } else await writeFile(join(dir, 'vocab.txt'), `${CLASSIFIER_VOCAB.join('\n')}\n`);
  const labels = { id2label: Object.fromEntries(CLASSIFIER_LABELS.map((l, i) => [String(i), l])) };
  const config = options.config === undefined ? labels : options.config;
  if (config !== null) await writeFile(join(dir, 'config.json'), JSON.stringify(config));
}
