/**
 * Span helpers shared by the pii and secret detectors: a candidate span with its type and score, the rule that keeps
 * one finding where candidates overlap, and look-around windows that never cut a UTF-16 surrogate pair in a way that
 * matters (the windows are only read, never returned).
 */
import type { Finding } from '../../../../protocols/index.js';

/** A candidate found by one rule: `[start, end)` UTF-16 offsets into the original text. */
export interface Span {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/**
 * Keeps the best of overlapping spans: higher score first, then the longer span, then the earlier one; a span that
 * overlaps a kept one is dropped. The result is sorted by start.
 */
export function resolveOverlaps(spans: readonly Span[]): Span[] {
  // Overlaps only happen inside clusters of spans that chain together by position, so rank within each cluster:
  // linear in the number of clusters, not quadratic in the number of spans of a huge text.
  const byStart = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const kept: Span[] = [];
  let cluster: Span[] = [];
  let clusterEnd = -1;
  const flush = (): void => {
    const ranked = cluster.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
    const chosen: Span[] = [];
    for (const s of ranked) if (!chosen.some((k) => s.start < k.end && k.start < s.end)) chosen.push(s);
    kept.push(...chosen.sort((a, b) => a.start - b.start));
    cluster = [];
  };
  for (const s of byStart) {
    if (s.start >= clusterEnd && cluster.length > 0) flush();
    cluster.push(s);
    clusterEnd = Math.max(clusterEnd, s.end);
  }
  if (cluster.length > 0) flush();
  return kept;
}

/** Turns spans into findings of `detector`. */
export function toFindings(detector: string, spans: readonly Span[]): Finding[] {
  return spans.map((s) => ({ detector, type: s.type, start: s.start, end: s.end, score: Math.min(1, Math.max(0, s.score)) }));
}

/**
 * The start of the line that holds `index`, looked for at most `n` characters back: `index - n` when no line break is
 * that near (a scan back over a whole text per candidate would make a rule quadratic on a text without breaks).
 */
export function lineStart(text: string, index: number, n: number): number {
  const from = Math.max(0, index - n);
  return from + text.slice(from, index).lastIndexOf('\n') + 1;
}

/** Up to `n` characters of `text` before `index` (lower-cased). */
export function before(text: string, index: number, n: number): string {
  return text.slice(Math.max(0, index - n), index).toLowerCase();
}

/** Up to `n` characters of `text` from `index` on (lower-cased). */
export function after(text: string, index: number, n: number): string {
  return text.slice(index, index + n).toLowerCase();
}

/** Shannon entropy of `s` in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of s) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}
