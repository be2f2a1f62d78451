/**
 * Token counts of rendered prompt text, with a real BPE tokenizer: OpenAI's `o200k_base` through
 * `gpt-tokenizer` (pure JS, its ranks ship in the package; nothing is downloaded). Other vendors'
 * tokenizers differ by a few percent, which budgets of context sections tolerate. A text whose UTF-8
 * length fits a budget fits without being tokenized (a token is at least one byte).
 */
import { countTokens as count, decode, encode, isWithinTokenLimit } from 'gpt-tokenizer/encoding/o200k_base';

/** Tokens of `text` (o200k_base). */
export function countTokens(text: string): number {
  return text === '' ? 0 : count(text);
}

/** True when `text` has at most `max` tokens (stops counting past `max`). */
export function fitsTokens(text: string, max: number): boolean {
  return Buffer.byteLength(text) <= max || isWithinTokenLimit(text, max) !== false;
}

/** `text` cut to at most `max` tokens (at a token boundary); `text` itself when it fits. */
export function truncateTokens(text: string, max: number): string {
  return cutTokens(text, max).text;
}

/** Like {@link truncateTokens}, also giving the token count when it had to tokenize (undefined when bytes sufficed). */
export function cutTokens(text: string, max: number): { text: string; tokens?: number } {
  if (Buffer.byteLength(text) <= max) return { text };
  const tokens = encode(text);
  if (tokens.length <= max) return { text, tokens: tokens.length };
  return { text: decode(tokens.slice(0, max)), tokens: max };
}
