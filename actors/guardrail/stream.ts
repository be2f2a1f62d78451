/**
 * The output guard on a token stream. Text is released only up to a safe boundary — a whitespace at least
 * `holdBackChars` before the end of what the model produced so far (or, for a run of text without whitespace longer
 * than `maxHoldChars`, that far back) — and only after the detectors have seen it together with what follows, so a
 * span that could still grow into a finding (an email, an `sk-…` key split across tokens) is never released early.
 * A span the policy redacts or masks is rewritten before release; `block` anywhere stops the stream with
 * {@link GuardBlockedError}; `review` holds everything from the span on until a human answers.
 */
import { TroupeError, type GuardDecision } from '../../protocols/index.js';
import { applySpans } from './transform.js';

/** A guardrail refused the text: a message that never repeats the text or the policy's rules. */
export class GuardBlockedError extends TroupeError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'GuardBlockedError';
  }
}

/** What the stream guard needs from the engine. */
export interface StreamGuardOptions {
  readonly holdBackChars: number;
  readonly maxHoldChars: number;
  /** The decisions on `text` (offsets into it): the output stage's detectors and policy. */
  decide(text: string): Promise<readonly GuardDecision[]>;
  /** Placeholders swapped back before release (pseudonymisation). */
  restore?(text: string): string;
  /** Decisions now final, with the text their offsets point into (audit). */
  record?(text: string, decisions: readonly GuardDecision[]): void;
  /** Pushes this soon (ms) after the last decision wait for the next push or the end; 0 or absent: decide every push. */
  readonly coalesceMs?: number;
  /** The clock of {@link coalesceMs} (ms). */
  now?(): number;
}

/** The most characters a coalesced push leaves waiting: past this, a push decides however soon it comes. */
export const COALESCE_BACKLOG = 1024;

/** How a reply ended: the rest to release, and what must be reviewed before `held` may be. */
export interface StreamEnd {
  readonly text: string;
  readonly review?: { readonly types: readonly string[]; readonly held: string };
}

const WS = /\s/;

/** The guard of one model reply's stream. */
export class StreamGuard {
  /**
   * The reply from offset {@link base} on: what is not released yet plus `holdBackChars` of context before it. Offsets
   * elsewhere are into the whole reply; dropping what is released keeps a push's cost bounded (no flattening of the
   * whole reply per token).
   */
  private raw = '';
  private base = 0;
  private released = 0;
  private out = '';
  private readonly recorded = new Set<string>();
  private reviewAt: number | undefined;
  private reviewTypes: string[] = [];
  /** When the last decision ended (the clock of {@link StreamGuardOptions.now}). */
  private decidedAt = Number.NEGATIVE_INFINITY;
  private readonly coalesceMs: number;
  private readonly now: () => number;
  /** The last window decided and its decisions (offsets into that window). */
  private last: { readonly text: string; readonly decisions: readonly GuardDecision[] } | undefined;

  constructor(private readonly o: StreamGuardOptions) {
    this.coalesceMs = o.coalesceMs ?? 0;
    this.now = o.now ?? (() => performance.now());
  }

  /** Everything released so far (as clients saw it). */
  get text(): string {
    return this.out;
  }

  /** The end offset of what the model produced so far. */
  private get produced(): number {
    return this.base + this.raw.length;
  }

  /** Adds a token; returns the text that may be released now ('' while it is held). */
  async push(token: string): Promise<string> {
    this.raw += token;
    if (this.reviewAt !== undefined) return '';
    const cut = this.boundary();
    if (cut <= this.released) return '';
    if (this.coalesceMs > 0 && this.produced - this.released < COALESCE_BACKLOG && this.now() - this.decidedAt < this.coalesceMs) return '';
    return this.release(cut, false);
  }

  /** The reply ended: the rest, decided on in full. */
  async end(): Promise<StreamEnd> {
    const text = this.reviewAt === undefined ? await this.release(this.produced, true) : '';
    if (this.reviewAt === undefined) return { text };
    // Decide the held part in full (recording it) and hand it over for review.
    const from = this.released;
    const decisions = await this.window(from);
    this.block(decisions);
    this.note(decisions, this.produced);
    const held = this.rewrite(from, this.produced, decisions, true);
    return { text, review: { types: [...new Set(this.reviewTypes)], held } };
  }

  /** The furthest offset that may be released now. */
  private boundary(): number {
    const limit = this.produced - this.o.holdBackChars;
    if (limit <= this.released) return this.released;
    for (let i = limit - 1; i >= this.released; i--) if (WS.test(this.raw[i - this.base] as string)) return i + 1;
    return this.produced - this.released > this.o.maxHoldChars ? limit : this.released;
  }

  /** Decisions on the text from `from` (with `holdBackChars` of released context before it), offsets into the reply. */
  private async window(from: number): Promise<GuardDecision[]> {
    const ctx = Math.max(this.base, from - this.o.holdBackChars);
    const text = this.raw.slice(ctx - this.base);
    // The same window again (the reply ended right after a push decided all of it): detectors are pure, so the
    // decisions are the ones just made.
    let ds = this.last?.text === text ? this.last.decisions : undefined;
    if (ds === undefined) {
      ds = await this.o.decide(text);
      this.last = { text, decisions: ds };
    }
    if (this.coalesceMs > 0) this.decidedAt = this.now();
    return ds.map((d) => ({ ...d, start: d.start + ctx, end: d.end + ctx }));
  }

  private block(decisions: readonly GuardDecision[]): void {
    if (decisions.some((d) => d.action === 'block')) {
      this.note(
        decisions.filter((d) => d.action === 'block'),
        this.produced,
      );
      throw new GuardBlockedError('the reply was stopped by the guardrail policy');
    }
  }

  /** Records the decisions whose spans end before `upTo` (each once). */
  private note(decisions: readonly GuardDecision[], upTo: number): void {
    const fresh = decisions.filter((d) => {
      const key = `${d.detector}\u0000${d.type}\u0000${d.start}\u0000${d.end}`;
      if (d.end > upTo || this.recorded.has(key)) return false;
      this.recorded.add(key);
      return true;
    });
    if (fresh.length > 0)
      this.o.record?.(
        this.raw,
        fresh.map((d) => ({ ...d, start: Math.max(0, d.start - this.base), end: d.end - this.base })),
      );
  }

  /** The part `[from, to)` rewritten by the decisions that touch it, placeholders restored. */
  private rewrite(from: number, to: number, decisions: readonly GuardDecision[], all: boolean): string {
    const spans = decisions
      .filter((d) => d.end > from && d.start < to && (all || d.action !== 'review'))
      .map((d) => ({ ...d, start: Math.max(d.start, from) - from, end: Math.min(d.end, to) - from }));
    const piece = applySpans(
      this.raw.slice(from - this.base, to - this.base),
      spans.map((s) => (s.action === 'review' ? { ...s, action: 'allow' as const } : s)),
    );
    return this.o.restore === undefined ? piece : this.o.restore(piece);
  }

  /** Releases up to `cut` (moved back so no span the policy acts on is cut in two, or held for review). */
  private async release(cut: number, final: boolean): Promise<string> {
    const from = this.released;
    const decisions = await this.window(from);
    this.block(decisions);
    let c = cut;
    if (!final)
      for (let moved = true; moved;) {
        moved = false;
        for (const d of decisions)
          if (d.action !== 'allow' && d.start < c && d.end > c && d.start >= from) {
            c = d.start;
            moved = true;
          }
      }
    const review = decisions.filter((d) => d.action === 'review' && d.end > from && d.start < c);
    if (review.length > 0) {
      this.reviewAt = Math.max(from, Math.min(...review.map((d) => d.start)));
      this.reviewTypes = review.map((d) => d.type);
      c = this.reviewAt;
    }
    if (c <= from) return '';
    this.note(decisions, c);
    const piece = this.rewrite(from, c, decisions, false);
    this.released = c;
    this.out += piece;
    // Keep only what is not released yet and the context the next window reads before it.
    const keep = Math.max(this.base, c - this.o.holdBackChars);
    if (keep - this.base > 4096 || keep - this.base > this.raw.length / 2) {
      this.raw = this.raw.slice(keep - this.base);
      this.base = keep;
    }
    return piece;
  }
}
