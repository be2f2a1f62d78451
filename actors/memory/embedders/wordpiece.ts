/**
 * A BERT WordPiece tokenizer read from a model folder (`tokenizer.json` of Hugging Face
 * tokenizers with a WordPiece model, or a plain `vocab.txt`): clean, lower-case and strip
 * accents when the model is uncased, split on whitespace and punctuation, then greedy
 * longest-match sub-words with the `##` prefix; `[CLS] … [SEP]` around, truncated to `maxLength`.
 */
import { ValidationError } from '../../../protocols/index.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Token ids of one text, with its attention mask. */
export interface Encoding {
  readonly ids: number[];
}

/** Options of the tokenizer. */
export interface WordPieceOptions {
  readonly lowercase: boolean;
  readonly unkToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly prefix: string;
  readonly maxLength: number;
  readonly maxCharsPerWord: number;
}

const DEFAULTS: WordPieceOptions = {
  lowercase: true,
  unkToken: '[UNK]',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
  prefix: '##',
  maxLength: 256,
  maxCharsPerWord: 100,
};

/** BERT-style WordPiece tokenizer. */
export class WordPieceTokenizer {
  readonly options: WordPieceOptions;
  private readonly unk: number;
  private readonly cls: number;
  private readonly sep: number;
  /** Id of the padding token (0 when the vocabulary has none). */
  readonly padId: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    options: Partial<WordPieceOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    const need = (t: string): number => {
      const id = vocab.get(t);
      if (id === undefined) throw new ValidationError(`tokenizer vocabulary lacks the special token ${t}`);
      return id;
    };
    this.unk = need(this.options.unkToken);
    this.cls = need(this.options.clsToken);
    this.sep = need(this.options.sepToken);
    this.padId = vocab.get(this.options.padToken) ?? 0;
  }

  /** Reads `tokenizer.json` (preferred) or `vocab.txt` from `dir`; throws naming both when neither is usable. */
  static async fromDirectory(dir: string, overrides: Partial<WordPieceOptions> = {}): Promise<WordPieceTokenizer> {
    const json = await readFile(join(dir, 'tokenizer.json'), 'utf8').catch(() => undefined);
    if (json !== undefined) return WordPieceTokenizer.fromTokenizerJson(json, overrides);
    const txt = await readFile(join(dir, 'vocab.txt'), 'utf8').catch(() => undefined);
    if (txt === undefined) throw new ValidationError(`no tokenizer in ${dir}: expected tokenizer.json (WordPiece) or vocab.txt`);
    const vocab = new Map<string, number>();
    txt.split(/\r?\n/).forEach((tok, i) => tok !== '' && !vocab.has(tok) && vocab.set(tok, i));
    const config = await readFile(join(dir, 'tokenizer_config.json'), 'utf8')
      .then((s) => JSON.parse(s) as { do_lower_case?: boolean; model_max_length?: number })
      .catch(() => ({}) as { do_lower_case?: boolean; model_max_length?: number });
    return new WordPieceTokenizer(vocab, {
      ...(typeof config.do_lower_case === 'boolean' ? { lowercase: config.do_lower_case } : {}),
      ...(typeof config.model_max_length === 'number' && config.model_max_length < 100_000 ? { maxLength: config.model_max_length } : {}),
      ...overrides,
    });
  }

  /** Parses a Hugging Face `tokenizer.json` whose model is WordPiece. */
  static fromTokenizerJson(text: string, overrides: Partial<WordPieceOptions> = {}): WordPieceTokenizer {
    const t = JSON.parse(text) as {
      model?: {
        type?: string;
        vocab?: Record<string, number>;
        unk_token?: string;
        continuing_subword_prefix?: string;
        max_input_chars_per_word?: number;
      };
      normalizer?: { type?: string; lowercase?: boolean } | null;
      truncation?: { max_length?: number } | null;
    };
    if (t.model?.type !== 'WordPiece' || typeof t.model.vocab !== 'object')
      throw new ValidationError(`tokenizer.json model is ${JSON.stringify(t.model?.type)}, only WordPiece is supported`);
    return new WordPieceTokenizer(new Map(Object.entries(t.model.vocab)), {
      lowercase: t.normalizer?.lowercase ?? true,
      ...(t.model.unk_token !== undefined ? { unkToken: t.model.unk_token } : {}),
      ...(t.model.continuing_subword_prefix !== undefined ? { prefix: t.model.continuing_subword_prefix } : {}),
      ...(t.model.max_input_chars_per_word !== undefined ? { maxCharsPerWord: t.model.max_input_chars_per_word } : {}),
      ...(typeof t.truncation?.max_length === 'number' ? { maxLength: t.truncation.max_length } : {}),
      ...overrides,
    });
  }

  /** Splits text into words and punctuation (BERT's basic tokenizer). */
  basicTokens(text: string): string[] {
    let s = text.replace(/\ufffd|\p{Cc}/gu, (c) => (/\s/.test(c) ? ' ' : '')); // drop control characters, keep whitespace
    s = s.replace(/([\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff])/g, ' $1 ');
    if (this.options.lowercase)
      s = s
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{Mn}/gu, '');
    const out: string[] = [];
    for (const word of s.split(/\s+/)) {
      if (word === '') continue;
      for (const piece of word.split(/([\p{P}\p{S}])/u)) if (piece !== '') out.push(piece);
    }
    return out;
  }

  /** Sub-word ids of one word (the unknown id when it cannot be split). */
  wordIds(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.options.maxCharsPerWord) return [this.unk];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.options.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unk];
      ids.push(found);
      start = end;
    }
    return ids;
  }

  /** `[CLS] tokens [SEP]`, at most `maxLength` ids. */
  encode(text: string): Encoding {
    const ids = [this.cls];
    const room = this.options.maxLength - 1;
    for (const w of this.basicTokens(text)) {
      for (const id of this.wordIds(w)) {
        if (ids.length >= room) break;
        ids.push(id);
      }
      if (ids.length >= room) break;
    }
    ids.push(this.sep);
    return { ids };
  }
}
