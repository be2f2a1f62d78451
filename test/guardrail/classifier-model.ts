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

/**
 * A SentencePiece-style (Unigram) `tokenizer.json` over the same ids: words as `▁word` pieces, lower-casing, Metaspace
 * pre-tokenising and a `[CLS] … [SEP]` template, as DeBERTa-v3 / Prompt Guard 2 tokenizers are built.
 */
function unigramTokenizer(): Record<string, unknown> {
  const special = new Set(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '.']);
  const id = (t: string) => CLASSIFIER_VOCAB.indexOf(t);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: null,
    model: {
      type: 'Unigram',
      unk_id: id('[UNK]'),
      byte_fallback: false,
      vocab: CLASSIFIER_VOCAB.map((t) => [special.has(t) ? t : `▁${t}`, -1]),
    },
  };
}

/**
 * Writes `model.onnx`, the tokenizer (`vocab.txt`; a WordPiece `tokenizer.json` when `json`; a Unigram one and its
 * `tokenizer_config.json` when `sentencepiece`) and `config.json` into `dir`.
 */
export async function writeClassifierModel(
  dir: string,
  options: { json?: boolean; sentencepiece?: boolean; config?: Record<string, unknown> | null } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const n = CLASSIFIER_LABELS.length;
  await writeFile(join(dir, 'model.onnx'), gatherModel(classifierTable(), CLASSIFIER_VOCAB.length, n, { pooled: true }));
  if (options.sentencepiece === true) {
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(unigramTokenizer()));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '[PAD]', unk_token: '[UNK]' }));
  } else if (options.json === true) {
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
