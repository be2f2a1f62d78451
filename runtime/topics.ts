/**
 * Topic patterns with NATS semantics, so the memory and JetStream transports match alike:
 * tokens separated by `.`, `*` matches one token, `>` (last) matches one or more.
 */
import { ValidationError } from '../protocols/index.js';

const TOKEN = /^[A-Za-z0-9_:@+=-]+$/;
/** Tokens of {@link TOKEN} joined by single dots: one test per topic, without splitting it (every publish checks one). */
const TOPIC = /^[A-Za-z0-9_:@+=-]+(?:\.[A-Za-z0-9_:@+=-]+)*$/;

/** Throws unless `topic` is a concrete topic (no wildcards). */
export function assertTopic(topic: string): void {
  if (topic.length === 0 || topic.length > 255 || !TOPIC.test(topic)) {
    throw new ValidationError(`malformed topic "${topic.slice(0, 80)}": dot-separated tokens of [A-Za-z0-9_:@+=-]`);
  }
}

/** Throws unless `pattern` is a valid subscription pattern. */
export function assertPattern(pattern: string): void {
  const tokens = pattern.split('.');
  const ok =
    pattern.length > 0 &&
    pattern.length <= 255 &&
    tokens.every((t, i) => t === '*' || (t === '>' && i === tokens.length - 1) || TOKEN.test(t));
  if (!ok) throw new ValidationError(`malformed topic pattern "${pattern.slice(0, 80)}": tokens, '*' for one token, '>' last for the rest`);
}

/** True when `pattern` matches the concrete `topic`. */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === '>') return t.length > i;
    if (i >= t.length) return false;
    if (tok !== '*' && tok !== t[i]) return false;
  }
  return p.length === t.length;
}

/** True when the pattern contains a wildcard. */
export function isWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('>');
}
