/**
 * A Hugging Face `tokenizer.json` of any model type (Unigram/SentencePiece as DeBERTa-v3, mDeBERTa and Prompt Guard 2
 * use, BPE, WordPiece) read with `@huggingface/tokenizers` (pure JS, no download): the model's own normaliser,
 * pre-tokeniser and special-token framing, ids cut to `maxLength`, the pad id from `tokenizer_config.json`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ValidationError } from '../../../../protocols/index.js';
import type { ClassifierTokenizer } from './onnx.js';

/** The model type a `tokenizer.json` declares (`Unigram`, `BPE`, `WordPiece`, …), or undefined without one. */
export async function tokenizerJsonType(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, 'tokenizer.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const type = (JSON.parse(text) as { model?: { type?: unknown } }).model?.type;
    return typeof type === 'string' ? type : 'unknown';
  } catch (e) {
    throw new ValidationError(`tokenizer.json in ${dir} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads `dir/tokenizer.json` (and `tokenizer_config.json` when present). */
export async function hfTokenizer(dir: string, maxLength = 512): Promise<ClassifierTokenizer> {
  const read = async (name: string): Promise<Record<string, unknown> | undefined> => {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };
  const json = await read('tokenizer.json');
  if (json === undefined) throw new ValidationError(`no tokenizer.json in ${dir}`);
  const config = (await read('tokenizer_config.json')) ?? {};
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (e) {
    throw new ValidationError(`tokenizer.json in ${dir} cannot be used: ${(e as Error).message}`);
  }
  const padToken = typeof config['pad_token'] === 'string' ? config['pad_token'] : '<pad>';
  const padId = tok.token_to_id(padToken) ?? (json['padding'] as { pad_id?: number } | null)?.pad_id ?? 0;
  return {
    padId,
    encode(text: string) {
      const ids = tok.encode(text).ids;
      return { ids: ids.length > maxLength ? ids.slice(0, maxLength) : ids };
    },
  };
}
