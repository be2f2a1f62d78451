/**
 * The output guard on a token stream. Text is released only up to a safe boundary — a whitespace at least
 * `holdBackChars` before the end of what the model produced so far (or, for a run of text without whitespace longer
 * than `maxHoldChars`, that far back) — and only after the detectors have seen it together with what follows, so a
 * span that could still grow into a finding (an email, an `sk-…` key split across tokens) is never released early.
 * A span the policy redacts or masks is rewritten before release; `block` anywhere stops the stream with
 * {@link GuardBlockedError}; `review` holds everything from the span on until a human answers. Detectors whose
 * findings the stage policy can only allow ({@link StreamGuardOptions.audit}) change no text, so release does not wait
 * for them: they see the same windows after the released text went out (a burst's windows once, in the last of them),
 * their decisions are recorded, and one that fails at a fail-closed stage stops the reply (the run then rewinds what was
 * released). After a release, the next decision waits until the released text went out (and its readers ran).
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
  /**
   * Decisions of the detectors whose findings can only be allowed at this stage, on `text` (offsets into it). They are
   * not waited for before release — they change no text — but recorded when they come; a `block` among them (a
   * detector that failed at a fail-closed stage) stops the stream at the next push or at the end. Windows decided
   * before an audit's turn comes are joined into one text (a burst of tokens is audited once, not window by window).
   */
  audit?(text: string): Promise<readonly GuardDecision[]>;
  /**
   * Decisions now final, with the text their offsets point into (audit); `mask`: every decision on that text, whose
   * spans an audit excerpt hides.
   */
  record?(text: string, decisions: readonly GuardDecision[], mask: readonly GuardDecision[]): void;
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

/**
 * The text of consecutive windows, joined (each starts inside the one before: the reply only grows), which the audit
 * detectors see at once; `mask`: the windows' decisions, offsets into the reply (an audit excerpt hides their spans).
 */
interface Joined {
  text: string;
  readonly at: number;
  readonly mask: GuardDecision[];
  /** Its audit decisions (offsets into the reply), asked once, at the turn of the last window joined. */
  readonly audited: Promise<readonly GuardDecision[]>;
  /** Asks them (once). */
  ask?: (audit: (text: string) => Promise<readonly GuardDecision[]>) => void;
}

/** A new joined text of one window. */
function joined(text: string, at: number, decisions: readonly GuardDecision[]): Joined {
  let settle: ((ds: Promise<readonly GuardDecision[]>) => void) | undefined;
  const audited = new Promise<readonly GuardDecision[]>((resolve) => (settle = resolve));
  // Not unhandled before a window follows it.
  audited.catch(() => undefined);
  const u: Joined = {
    text,
    at,
    mask: [...decisions],
    audited,
    ask(audit) {
      u.ask = undefined;
      settle?.(audit(u.text).then((ds) => ds.map((d) => ({ ...d, start: d.start + at, end: d.end + at }))));
    },
  };
  return u;
}

/** Past this many characters, a joined text ({@link Joined}) takes no more windows: one audit stays short. */
const AUDIT_JOIN_CHARS = 4096;

/** One window of the reply the detectors saw. */
interface Window {
  readonly text: string;
  /** Its offset in the reply. */
  readonly at: number;
  readonly decisions: readonly GuardDecision[];
  /** The joined text its audit sees, with the windows decided before its audit's turn came. */
  readonly joined: Joined | undefined;
  /** The audit decisions on its joined text (offsets into the reply). */
  readonly audit: Promise<readonly GuardDecision[]> | undefined;
}

/**
 * Resolves once the event loop has polled for I/O after the current turn: what was released in this turn is on the
 * wire, and its readers (other connections, a client in this process) have run. One `setImmediate` alone runs in this
 * turn's check phase, before the next poll; the second lands after it.
 */
const polled = (): Promise<void> => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * `f` after the I/O of the current event-loop turn (after what was released in it was sent and read), and one turn
 * after a push waiting for that I/O ({@link StreamGuard.flushed}) goes on: the window that push decides is there when
 * `f` runs.
 */
const later = <T>(f: () => Promise<T>): Promise<T> =>
  polled()
    .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    .then(f);

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
  /** The last window decided (from offset `at` of the reply), its decisions and its audit decisions (offsets into it). */
  private last: Window | undefined;
  /** The windows decided since the last audit's turn, joined: the next audit sees them at once. */
  private unaudited: Joined | undefined;
  /** Audit decisions still to come ({@link StreamGuardOptions.audit}). */
  private readonly audits: Promise<void>[] = [];
  /** Set when an audit decision blocks: the stream stops. */
  private stopped: GuardDecision[] | undefined;
  /**
   * Text was just released: the next decision waits until it went out. A provider's burst of tokens would otherwise
   * keep deciding (and logging) in the same turn, and the first released words would reach no reader before it ends.
   */
  private flushing = false;

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
    if (this.flushing) await this.flushed();
    if (this.stopped !== undefined) this.stop(this.stopped);
    this.raw += token;
    if (this.reviewAt !== undefined) return '';
    const cut = this.boundary();
    if (cut <= this.released) return '';
    if (this.coalesceMs > 0 && this.produced - this.released < COALESCE_BACKLOG && this.now() - this.decidedAt < this.coalesceMs) return '';
    return this.release(cut, false);
  }

  /** The reply ended: the rest, decided on in full. */
  async end(): Promise<StreamEnd> {
    if (this.flushing) await this.flushed();
    if (this.stopped !== undefined) this.stop(this.stopped);
    const text = this.reviewAt === undefined ? await this.release(this.produced, true) : '';
    if (this.reviewAt === undefined) return this.settled({ text });
    // Decide the held part in full (recording it) and hand it over for review.
    const from = this.released;
    const decisions = await this.window(from);
    this.block(decisions);
    this.note(decisions, this.produced);
    this.follow(this.produced);
    const held = this.rewrite(from, this.produced, decisions, true);
    return this.settled({ text, review: { types: [...new Set(this.reviewTypes)], held } });
  }

  /** Waits for the I/O of the turn that released text (see {@link flushing}). */
  private async flushed(): Promise<void> {
    this.flushing = false;
    await polled();
  }

  /** `end` once every audit decision came (and none stopped the stream). */
  private async settled(end: StreamEnd): Promise<StreamEnd> {
    while (this.audits.length > 0) await Promise.all(this.audits.splice(0));
    if (this.stopped !== undefined) this.stop(this.stopped);
    return end;
  }

  /** Records the blocking decisions and stops the stream. */
  private stop(blocks: readonly GuardDecision[]): never {
    this.note(blocks, this.produced);
    throw new GuardBlockedError('the reply was stopped by the guardrail policy');
  }

  /** The furthest offset that may be released now. */
  private boundary(): number {
    const limit = this.produced - this.o.holdBackChars;
    if (limit <= this.released) return this.released;
    for (let i = limit - 1; i >= this.released; i--) if (WS.test(this.raw[i - this.base] as string)) return i + 1;
    return this.produced - this.released > this.o.maxHoldChars ? limit : this.released;
  }

  /** Decisions on the text from `from` (with `holdBackChars` of released context before it), offsets into the reply. */
  private async window(from: number): Promise<readonly GuardDecision[]> {
    const ctx = Math.max(this.base, from - this.o.holdBackChars);
    const text = this.raw.slice(ctx - this.base);
    // The same window again (the reply ended right after a push decided all of it): detectors are pure, so the
    // decisions are the ones just made.
    if (this.last?.text !== text || this.last.at !== ctx) {
      const audit = this.o.audit;
      const ds = await this.o.decide(text);
      const decisions = ds.map((d) => ({ ...d, start: d.start + ctx, end: d.end + ctx }));
      const joined = audit === undefined ? undefined : this.join(text, ctx, decisions);
      // The audit detectors' turn comes after this turn's release went out (they are not waited for).
      const self: Window = {
        text,
        at: ctx,
        decisions,
        joined,
        audit: audit === undefined ? undefined : later(() => this.audit(self, audit)),
      };
      // Not unhandled before it is followed.
      self.audit?.catch(() => undefined);
      this.last = self;
    }
    if (this.coalesceMs > 0) this.decidedAt = this.now();
    // Read only by the caller: no copy.
    return this.last.decisions;
  }

  /** Window `[at, at + text.length)` joined to the windows not audited yet (a new join when it does not touch them). */
  private join(text: string, at: number, decisions: readonly GuardDecision[]): Joined {
    const u = this.unaudited;
    if (u === undefined || at < u.at || at > u.at + u.text.length || u.text.length > AUDIT_JOIN_CHARS) {
      this.unaudited = joined(text, at, decisions);
      return this.unaudited;
    }
    u.text = u.text.slice(0, at - u.at) + text;
    u.mask.push(...decisions);
    return u;
  }

  /**
   * Window `w`'s audit, at its turn. A burst of tokens decides window after window before that turn comes: their text,
   * joined, is audited once, at the turn of the last of them, and each window records the findings from it up to where
   * that window released.
   */
  private audit(w: Window, audit: (text: string) => Promise<readonly GuardDecision[]>): Promise<readonly GuardDecision[]> {
    const u = w.joined as Joined;
    // A later window joined this text: its turn comes after this one.
    if (this.last !== w && this.last?.joined === u) return u.audited;
    if (this.unaudited === u) this.unaudited = undefined;
    u.ask?.(audit);
    return u.audited;
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

  /**
   * Records the decisions whose spans end before `upTo` (each once), offsets into `text` (which starts at offset `at`
   * of the reply); an excerpt hides the spans of `mask` too.
   */
  private note(
    decisions: readonly GuardDecision[],
    upTo: number,
    text = this.raw,
    at = this.base,
    mask: readonly GuardDecision[] = decisions,
  ): void {
    if (decisions.length === 0) return;
    const fresh = decisions.filter((d) => {
      const key = `${d.detector}\u0000${d.type}\u0000${d.start}\u0000${d.end}`;
      if (d.end > upTo || this.recorded.has(key)) return false;
      this.recorded.add(key);
      return true;
    });
    if (fresh.length === 0 || this.o.record === undefined) return;
    const local = (ds: readonly GuardDecision[]): GuardDecision[] =>
      ds.map((d) => ({ ...d, start: Math.max(0, d.start - at), end: d.end - at }));
    this.o.record(text, local(fresh), mask === decisions ? local(fresh) : local(mask));
  }

  /**
   * The last window's audit decisions, recorded when they come (those ending before `upTo`); a blocking one stops the
   * stream. They are kept to the window's own text, so dropping released text meanwhile changes nothing.
   */
  private follow(upTo: number): void {
    const w = this.last;
    if (w?.audit === undefined || w.joined === undefined) return;
    const u = w.joined;
    this.audits.push(
      w.audit.then(
        (found) => {
          const blocks = found.filter((d) => d.action === 'block');
          if (blocks.length > 0) this.stopped ??= blocks;
          this.note(found, upTo, u.text, u.at, [...found, ...u.mask]);
        },
        () => {
          // The audit itself failed (not a detector: the engine turns those into decisions): stop rather than guess.
          this.stopped ??= [];
        },
      ),
    );
  }

  /** The part `[from, to)` rewritten by the decisions that touch it, placeholders restored. */
  private rewrite(from: number, to: number, decisions: readonly GuardDecision[], all: boolean): string {
    if (decisions.length === 0) {
      // Nothing to rewrite (most windows): the text as it is, placeholders restored.
      const piece = this.raw.slice(from - this.base, to - this.base);
      return this.o.restore === undefined ? piece : this.o.restore(piece);
    }
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
    const review = decisions.length === 0 ? decisions : decisions.filter((d) => d.action === 'review' && d.end > from && d.start < c);
    if (review.length > 0) {
      this.reviewAt = Math.max(from, Math.min(...review.map((d) => d.start)));
      this.reviewTypes = review.map((d) => d.type);
      c = this.reviewAt;
    }
    this.follow(c);
    if (c <= from) return '';
    this.note(decisions, c);
    const piece = this.rewrite(from, c, decisions, false);
    this.released = c;
    this.out += piece;
    this.flushing = piece !== '';
    // Keep only what is not released yet and the context the next window reads before it.
    const keep = Math.max(this.base, c - this.o.holdBackChars);
    if (keep - this.base > 4096 || keep - this.base > this.raw.length / 2) {
      this.raw = this.raw.slice(keep - this.base);
      this.base = keep;
    }
    return piece;
  }
}
