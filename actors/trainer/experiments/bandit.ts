/**
 * The bandit of a prompt experiment (ADR 0032): each arm's reward is Beta(1 + successes, 1 + failures) — scores in
 * [0, 1] count fractionally — traffic is split by Thompson sampling (each arm's share is its probability of being
 * the best, estimated from joint posterior draws), an arm below the minimum sample size keeps a floor of traffic,
 * and a version is promoted only when every arm has its minimum and the credible interval of its lift over the
 * control lies above `min_lift`. Pure functions over a seeded generator, so a decision is reproducible.
 */

/** A uniform generator on [0, 1). */
export type Random = () => number;

/** A seeded generator (mulberry32): the same seed gives the same draws on every node. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a text (FNV-1a). */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function normal(r: Random): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 by the boost u^(1/shape)). */
export function sampleGamma(shape: number, r: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, r) * Math.pow(1 - r(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - r();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw. */
export function sampleBeta(a: number, b: number, r: Random): number {
  const x = sampleGamma(a, r);
  return x / (x + sampleGamma(b, r));
}

/** The evidence of one arm. */
export interface Evidence {
  readonly successes: number;
  readonly failures: number;
  readonly rewards: number;
}

/** The posterior mean of an arm's reward. */
export function posteriorMean(e: Evidence): number {
  return (1 + e.successes) / (2 + e.successes + e.failures);
}

/** Each arm's probability of being the best, from `draws` joint posterior draws. */
export function thompsonWeights(arms: readonly Evidence[], r: Random, draws = 2000): number[] {
  const wins = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let top = -1;
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[i] as Evidence;
      const x = sampleBeta(1 + arm.successes, 1 + arm.failures, r);
      if (x > top) {
        top = x;
        best = i;
      }
    }
    wins[best] = (wins[best] ?? 0) + 1;
  }
  return wins.map((w) => w / draws);
}

/**
 * The traffic split: Thompson weights, with every arm that has fewer than `minSamples` rewards raised to at least
 * half an equal share (so a minimum sample is reached even by an arm that looks bad early), then normalised.
 */
export function allocate(arms: readonly Evidence[], minSamples: number, r: Random, draws = 2000): number[] {
  const w = thompsonWeights(arms, r, draws);
  const floor = 1 / (2 * arms.length);
  const raised = w.map((x, i) => ((arms[i] as Evidence).rewards < minSamples ? Math.max(x, floor) : x));
  const total = raised.reduce((s, x) => s + x, 0);
  return raised.map((x) => x / total);
}

/** A central credible interval of θ_x − θ_y at mass `level`, from `draws` posterior draws. */
export function liftInterval(
  x: Evidence,
  y: Evidence,
  level: number,
  r: Random,
  draws = 4000,
): { low: number; high: number; mean: number } {
  const d = new Float64Array(draws);
  for (let i = 0; i < draws; i++) d[i] = sampleBeta(1 + x.successes, 1 + x.failures, r) - sampleBeta(1 + y.successes, 1 + y.failures, r);
  d.sort();
  const tail = (1 - level) / 2;
  const at = (q: number): number => d[Math.min(draws - 1, Math.max(0, Math.floor(q * draws)))] as number;
  return { low: at(tail), high: at(1 - tail), mean: d.reduce((s, v) => s + v, 0) / draws };
}

/** What the bandit decides after new evidence. */
export type Decision =
  | { readonly type: 'promote'; readonly version: number; readonly low: number; readonly high: number }
  | { readonly type: 'rollback'; readonly low: number; readonly high: number }
  | { readonly type: 'complete'; readonly reason: string };

/** The settings a decision reads. */
export interface DecisionConfig {
  readonly min_samples: number;
  readonly credibility: number;
  readonly min_lift: number;
  readonly rollback_min_samples: number;
  readonly monitor_samples: number;
}

/**
 * While running: promote the best arm when every arm has `min_samples` rewards and the credible interval of its lift
 * over the control lies above `min_lift`; nothing otherwise (the control winning leaves `production` as it is).
 */
export function decideRunning(
  arms: readonly (Evidence & { readonly version: number })[],
  control: number,
  cfg: DecisionConfig,
  r: Random,
): Decision | undefined {
  if (arms.some((a) => a.rewards < cfg.min_samples)) return undefined;
  const base = arms.find((a) => a.version === control);
  if (base === undefined) return undefined;
  const best = [...arms].sort((a, b) => posteriorMean(b) - posteriorMean(a))[0];
  if (best === undefined || best.version === control) return undefined;
  const iv = liftInterval(best, base, cfg.credibility, r);
  return iv.low > cfg.min_lift ? { type: 'promote', version: best.version, low: iv.low, high: iv.high } : undefined;
}

/**
 * After a promotion: roll back when, with `rollback_min_samples` rewards since, the credible interval of the control's
 * lift over the promoted version's new rewards lies above 0 (it got worse); complete after `monitor_samples`.
 */
export function decideMonitoring(control: Evidence, after: Evidence, cfg: DecisionConfig, r: Random): Decision | undefined {
  if (after.rewards < cfg.rollback_min_samples) return undefined;
  const iv = liftInterval(control, after, cfg.credibility, r);
  if (iv.low > 0) return { type: 'rollback', low: iv.low, high: iv.high };
  if (after.rewards >= cfg.monitor_samples) return { type: 'complete', reason: `held for ${after.rewards} rewards after promotion` };
  return undefined;
}
