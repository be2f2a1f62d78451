/**
 * What actions do to text: `mask` keeps the last four characters of a long value (`****1234`), `redact` replaces the
 * span with its type (`[REDACTED:EMAIL]`), pseudonymisation with a placeholder (`<EMAIL_1>`). Overlapping spans are
 * merged, the most severe action (and its type) winning.
 */
import type { Finding, GuardAction } from '../../protocols/index.js';
import { severity } from './policy.js';

/** A span of text and what to do with it. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly type: string;
  /** `pseudonymise` swaps in a placeholder; other actions at or above `mask` rewrite the span. */
  readonly action: GuardAction | 'pseudonymise';
}

/** `****` and the value's last four characters (all stars for a short value). */
export function maskValue(value: string): string {
  const chars = [...value];
  return chars.length > 8 ? `****${chars.slice(-4).join('')}` : '****';
}

/** The redaction label of a type. */
export function redactLabel(type: string): string {
  return `[REDACTED:${type}]`;
}

const rank = (a: Span['action']): number => (a === 'pseudonymise' ? 1.5 : severity(a));

/** Overlapping spans merged into clusters (sorted), each with its most severe action and that action's type. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start < last.end) {
      const top = rank(s.action) > rank(last.action) ? s : last;
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, s.end), type: top.type, action: top.action };
    } else out.push(s);
  }
  return out;
}

/**
 * `text` with every span at or above `mask` rewritten (`mask`: masked; `redact`, `review`, `block`: redacted;
 * `pseudonymise`: `placeholder(value, type)`); `allow` spans stay. Offsets must be within `text`.
 */
export function applySpans(text: string, spans: readonly Span[], placeholder?: (value: string, type: string) => string): string {
  let out = '';
  let at = 0;
  for (const s of mergeSpans(spans)) {
    if (s.action === 'allow') continue;
    const value = text.slice(s.start, s.end);
    out += text.slice(at, s.start);
    if (s.action === 'pseudonymise') out += placeholder === undefined ? redactLabel(s.type) : placeholder(value, s.type);
    else out += s.action === 'mask' ? maskValue(value) : redactLabel(s.type);
    at = s.end;
  }
  return out + text.slice(at);
}

/** Findings clipped to `[0, length)` with the detector's name; empty or malformed ones dropped. */
export function cleanFindings(findings: readonly Finding[], detector: string, length: number): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    if (typeof f !== 'object' || f === null) continue;
    const start = Math.max(0, Math.floor(Number(f.start)));
    const end = Math.min(length, Math.floor(Number(f.end)));
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) continue;
    // Scores to three decimals: 0.99, not 0.9900000000000002 from a detector's arithmetic.
    const score = Number.isFinite(Number(f.score)) ? Math.round(Math.min(1, Math.max(0, Number(f.score))) * 1000) / 1000 : 1;
    out.push({ detector, type: typeof f.type === 'string' && f.type !== '' ? f.type : 'UNKNOWN', start, end, score });
  }
  return out;
}
