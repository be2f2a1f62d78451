/**
 * Topic checks (runtime/topics.ts): `assertTopic` tests a whole topic with one expression; it must accept exactly the
 * topics made of dot-separated tokens of [A-Za-z0-9_:@+=-] (up to 255 characters), the rule it states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../protocols/index.js';
import { assertTopic } from '../../runtime/index.js';

const TOKEN = /^[A-Za-z0-9_:@+=-]+$/;
/** The rule as written: non-empty, at most 255 characters, every dot-separated token a TOKEN. */
const byTokens = (t: string) => t.length > 0 && t.length <= 255 && t.split('.').every((x) => TOKEN.test(x));
const accepts = (t: string) => {
  try {
    assertTopic(t);
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return false;
  }
};

/** Strings built mostly of token characters, dots and a few others (wildcards, spaces, newlines, non-ASCII). */
const topicish = fc
  .array(fc.constantFrom('a', 'Z', '0', '_', ':', '@', '+', '=', '-', '.', '.', '*', '>', ' ', '\n', 'é', '/', '$'), { maxLength: 40 })
  .map((cs) => cs.join(''));

describe('assertTopic', () => {
  it('accepts exactly the topics of dot-separated tokens', () => {
    fc.assert(
      fc.property(fc.oneof(topicish, fc.string({ maxLength: 30 })), (t) => {
        expect(accepts(t)).toBe(byTokens(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('holds at the edges: empty tokens, trailing newline, length 255 and 256', () => {
    for (const t of ['', '.', 'a.', '.a', 'a..b', 'a\n', 'a.b\n', 'a'.repeat(255), 'a'.repeat(256), 'workflow.x.step.started'])
      expect(accepts(t)).toBe(byTokens(t));
  });
});
