/**
 * The guard engine: runs every detector on a text within the stage's time budget, lets the policy decide each
 * finding, rewrites the text as the actions say, and records every decision (audit log, `/metrics` counter). A
 * detector that throws or does not answer in time is a decision too: `closed` stages block, `open` ones go on.
 */
import { createHash } from 'node:crypto';
import {
  DeadlineExceededError,
  GUARD_DECISIONS_METER,
  type Finding,
  type GuardAction,
  type GuardAuditRecord,
  type GuardDecision,
  type GuardStage,
  type GuardVerdict,
} from '../../protocols/index.js';
import type { Logger, Meter } from '../../runtime/index.js';
import { auditId, type AuditSink } from './audit.js';
import type { DetectContext, Detector } from './detector.js';
import { mostSevere, type GuardPolicy, type PolicySubject, type StagePolicy } from './policy.js';
import { applySpans, cleanFindings, type Span } from './transform.js';

/** One check: a text at a stage, for a tenant (and agent, role, run, run metadata). */
export interface GuardCheck extends PolicySubject {
  readonly text: string;
  readonly stage: GuardStage;
}

/** The type of the decision a failing detector stands for. */
export const DETECTOR_ERROR = 'DETECTOR_ERROR';

/** What the engine is built from besides detectors and policy. */
export interface GuardEngineOptions {
  readonly audit?: AuditSink;
  readonly meter?: Meter;
  /** Where each decision is logged (never the text: the type, the action and the rule). */
  readonly log?: Logger;
  /** Characters of context each side of a span in an audit excerpt (0: no excerpt). */
  readonly excerptChars?: number;
  readonly now?: () => number;
  readonly warn?: (message: string) => void;
}

/** The longest a detector's warm-up (its first-check work, see {@link Detector.warm}) holds a check. */
export const WARM_UP_MAX_MS = 15_000;

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** Findings in text order, the longer first where two start together. */
const byPosition = (a: Finding, b: Finding): number => a.start - b.start || b.end - a.end;

/**
 * What the detectors of one check are told. Its abort signal is made when a detector reads it: synchronous detectors,
 * most of them, never do (a class, so a check allocates one small object, not a getter closure and its scope).
 */
class CheckContext implements DetectContext {
  /** Settled by the budget: later answers are ignored. */
  over = false;
  private abort: AbortController | undefined;

  constructor(
    readonly stage: GuardStage,
    private readonly timeoutMs: number,
  ) {}

  get signal(): AbortSignal {
    if (this.abort === undefined) {
      this.abort = new AbortController();
      if (this.over) this.abort.abort(this.deadline());
    }
    return this.abort.signal;
  }

  /** The budget ran out: the signal, read already or later, is aborted. */
  expire(): void {
    this.over = true;
    this.abort?.abort(this.deadline());
  }

  private deadline(): DeadlineExceededError {
    return new DeadlineExceededError(`check took longer than ${this.timeoutMs} ms`);
  }
}

/** The detectors, the policy and where decisions are recorded. */
export class GuardEngine {
  private readonly now: () => number;
  /** Each detector's warm-up (its `warm`, bounded by {@link WARM_UP_MAX_MS}), started at its first check. */
  private readonly warming = new Map<Detector, Promise<void>>();
  /** Detectors whose warm-up ended (or that have none): their checks start at once. */
  private readonly warm = new WeakSet<Detector>();
  private readonly splits = new WeakMap<StagePolicy, { readonly acting: readonly Detector[]; readonly passive: readonly Detector[] }>();

  constructor(
    readonly detectors: readonly Detector[],
    readonly policy: GuardPolicy,
    private readonly options: GuardEngineOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Every detector's findings on `text` (sorted), and the names of those that failed or ran out of time. The detectors
   * share one time budget (one timer and one abort signal per check, started before the first runs); a detector that
   * answers synchronously is done when it returns, so a check of only such detectors arms no timer at all.
   */
  async find(
    text: string,
    stage: GuardStage,
    timeoutMs: number,
    detectors: readonly Detector[] = this.detectors,
  ): Promise<{ findings: Finding[]; failed: string[] }> {
    if (!this.allWarm(detectors)) await this.warmUp(detectors);
    const t0 = performance.now();
    const ctx = new CheckContext(stage, timeoutMs);
    const found: (readonly Finding[] | undefined)[] = new Array<readonly Finding[] | undefined>(detectors.length);
    const failed: string[] = [];
    /** Asynchronous detectors still to answer, and the wake-up of the wait for them. */
    let pending = 0;
    let wake: (() => void) | undefined;
    const settled = (): void => {
      if (--pending === 0) wake?.();
    };
    for (let i = 0; i < detectors.length; i++) {
      const d = detectors[i] as Detector;
      try {
        const r = d.detect(text, ctx);
        if (!isThenable(r)) found[i] = cleanFindings(r, d.name, text.length);
        else {
          pending++;
          Promise.resolve(r).then(
            (fs) => {
              if (ctx.over) return;
              try {
                found[i] = cleanFindings(fs, d.name, text.length);
              } catch (e) {
                found[i] = [];
                this.fail(failed, d, stage, e);
              }
              settled();
            },
            (e: unknown) => {
              if (ctx.over) return;
              found[i] = [];
              this.fail(failed, d, stage, e);
              settled();
            },
          );
        }
      } catch (e) {
        found[i] = [];
        this.fail(failed, d, stage, e);
      }
    }
    if (pending > 0) {
      // One promise and one timer for the check (no Promise.all / race of the detectors' promises): they are waited for
      // until the last answers or the budget runs out, whichever comes first.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(
          () => {
            ctx.expire();
            resolve();
          },
          Math.max(0, timeoutMs - (performance.now() - t0)),
        );
      });
      clearTimeout(timer);
      if (ctx.over)
        for (let i = 0; i < detectors.length; i++)
          if (found[i] === undefined) {
            const d = detectors[i] as Detector;
            found[i] = [];
            this.fail(failed, d, stage, new DeadlineExceededError(`detector ${d.name} took longer than ${timeoutMs} ms`));
          }
    }
    const findings: Finding[] = [];
    for (const f of found) if (f !== undefined) for (const x of f) findings.push(x);
    if (findings.length > 1) findings.sort(byPosition);
    return { findings, failed };
  }

  /** Detector `d` failed (threw, or ran out of time) at `stage`: named in `failed`, and told. */
  private fail(failed: string[], d: Detector, stage: GuardStage, e: unknown): void {
    failed.push(d.name);
    this.options.warn?.(`guardrail: detector ${d.name} failed at stage ${stage}: ${(e as Error).message}`);
  }

  /** True when every one of `detectors` is warm (no closure per check: this runs on every window of every reply). */
  private allWarm(detectors: readonly Detector[]): boolean {
    for (const d of detectors) if (!this.warm.has(d)) return false;
    return true;
  }

  /**
   * Awaits the warm-up of each of `detectors` (started once per detector, at its first check): one-time work is not
   * counted against a check's time budget. A warm-up that fails is ignored (the check itself then tells); one that
   * takes longer than {@link WARM_UP_MAX_MS} is waited for no longer.
   */
  private async warmUp(detectors: readonly Detector[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const d of detectors) {
      if (this.warm.has(d)) continue;
      if (d.warm === undefined) {
        this.warm.add(d);
        continue;
      }
      let w = this.warming.get(d);
      if (w === undefined) {
        let timer: NodeJS.Timeout | undefined;
        const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, WARM_UP_MAX_MS)));
        const warming = Promise.resolve()
          .then(() => d.warm?.())
          .catch((e: unknown) => this.options.warn?.(`guardrail: detector ${d.name} did not warm up: ${(e as Error).message}`));
        w = Promise.race([warming, cap]).finally(() => {
          clearTimeout(timer);
          this.warm.add(d);
          this.warming.delete(d);
        });
        this.warming.set(d, w);
      }
      pending.push(w);
    }
    await Promise.all(pending);
  }

  /**
   * The detectors split by whether their findings can change anything at the policy's stage (`acting`) or can only be
   * allowed (`passive`: their decisions are for the audit log and metrics; a failure still counts under `onError`).
   */
  split(policy: StagePolicy): { readonly acting: readonly Detector[]; readonly passive: readonly Detector[] } {
    let hit = this.splits.get(policy);
    if (hit === undefined) {
      hit = {
        acting: this.detectors.filter((d) => policy.acts(d.name)),
        passive: this.detectors.filter((d) => !policy.acts(d.name)),
      };
      this.splits.set(policy, hit);
    }
    return hit;
  }

  /** The policy's decision on each finding (and on each failed detector), and the stage's action. */
  decide(policy: StagePolicy, findings: readonly Finding[], failed: readonly string[], subject: PolicySubject): GuardDecision[] {
    const out: GuardDecision[] = findings.map((f) => ({ ...f, ...this.policy.decide(policy, f, subject) }));
    for (const detector of failed)
      out.push({
        detector,
        type: DETECTOR_ERROR,
        action: policy.onError === 'closed' ? 'block' : 'allow',
        rule: `on_error.${policy.onError}`,
        start: 0,
        end: 0,
        score: 1,
      });
    return out;
  }

  /** Checks one text: finds, decides, rewrites, records. A disabled stage finds nothing and allows. */
  async check(c: GuardCheck, options: { audit?: boolean } = {}): Promise<GuardVerdict> {
    const policy = this.policy.stage(c.stage, c.tenant, c.agent);
    if (!policy.enabled) return { action: 'allow', findings: [], decisions: [] };
    const { findings, failed } = await this.find(c.text, c.stage, policy.timeoutMs);
    const decisions = this.decide(policy, findings, failed, c);
    const verdict = this.verdict(c.text, findings, decisions);
    if (options.audit !== false) this.record(c, c.text, decisions);
    return verdict;
  }

  /** The verdict of decisions on `text`: the most severe action, the rewritten text when it changed. */
  verdict(text: string, findings: readonly Finding[], decisions: readonly GuardDecision[]): GuardVerdict {
    const action: GuardAction = mostSevere(decisions.map((d) => d.action));
    const rewritten = applySpans(text, decisions);
    return { action, findings: [...findings], decisions: [...decisions], ...(rewritten === text ? {} : { text: rewritten }) };
  }

  /**
   * Appends the decisions to the audit log and counts them; content only as a hash and a redacted excerpt (every span
   * of `decisions` and of `mask` in an excerpt's window replaced by its type).
   */
  record(
    subject: PolicySubject & { readonly stage: GuardStage },
    text: string,
    decisions: readonly GuardDecision[],
    mask: readonly GuardDecision[] = decisions,
  ): void {
    if (decisions.length === 0) return;
    const time = this.now();
    const iso = new Date(time).toISOString();
    const n = this.options.excerptChars ?? 24;
    const records: GuardAuditRecord[] = decisions.map((d) => {
      this.options.meter?.inc(GUARD_DECISIONS_METER, { stage: subject.stage, detector: d.detector, action: d.action });
      const span = text.slice(d.start, d.end);
      return {
        id: auditId(time),
        time: iso,
        tenant: subject.tenant,
        stage: subject.stage,
        detector: d.detector,
        type: d.type,
        action: d.action,
        rule: d.rule,
        score: d.score,
        ...(subject.agent === undefined ? {} : { agent: subject.agent }),
        ...(subject.run === undefined ? {} : { run: subject.run }),
        ...(d.end > d.start ? { hash: spanHash(subject.tenant, span) } : {}),
        ...(n > 0 && d.end > d.start ? { excerpt: excerpt(text, d, mask === decisions ? decisions : [...decisions, ...mask], n) } : {}),
      };
    });
    for (const r of records)
      this.options.log?.info(
        {
          event: 'guardrail.decision',
          tenant: r.tenant,
          stage: r.stage,
          detector: r.detector,
          type: r.type,
          action: r.action,
          rule: r.rule,
          score: r.score,
          ...(r.agent === undefined ? {} : { agent: r.agent }),
          ...(r.run === undefined ? {} : { run_id: r.run }),
        },
        `guardrail ${r.action} ${r.type} at ${r.stage}`,
      );
    this.options.audit
      ?.append(records)
      .catch((e: unknown) => this.options.warn?.(`guardrail: ${records.length} audit records not written: ${(e as Error).message}`));
  }

  /** Frees what the detectors loaded. */
  async close(): Promise<void> {
    await Promise.all(this.detectors.map(async (d) => d.close?.().catch(() => undefined)));
  }
}

/** A SHA-256 of a span, bound to its tenant (correlates equal values in one tenant's audit; never the value). */
export function spanHash(tenant: string, span: string): string {
  return `sha256:${createHash('sha256').update(`troupe.guard\u0000${tenant}\u0000`).update(span).digest('hex').slice(0, 32)}`;
}

/** Up to `n` characters each side of `d`, every finding in that window replaced by its type. */
function excerpt(text: string, d: GuardDecision, all: readonly GuardDecision[], n: number): string {
  const from = Math.max(0, d.start - n);
  const to = Math.min(text.length, d.end + n);
  const spans: Span[] = all
    .filter((o) => o.end > from && o.start < to && o.end > o.start)
    .map((o) => ({ start: Math.max(o.start, from) - from, end: Math.min(o.end, to) - from, type: o.type, action: 'block' as const }));
  const body = applySpans(text.slice(from, to), spans).replace(/\[REDACTED:/g, '[');
  return `${from > 0 ? '…' : ''}${body}${to < text.length ? '…' : ''}`;
}
