/**
 * Entity-level scoring of detector findings against gold spans, as the guardrail bench and the held-out set score
 * them: a prediction matches a gold entity of the same type when it covers at least half of the gold span; each gold
 * entity and each prediction matches at most once. Precision and recall are given per type and over all types.
 */

/** A typed `[start, end)` span. */
export interface Entity {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** Counts and rates for one type (or all). */
export interface TypeScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** tp / (tp + fp); 1 when nothing was predicted. */
  readonly precision: number;
  /** tp / (tp + fn); 1 when there was nothing to find. */
  readonly recall: number;
}

/** What {@link scoreEntities} returns: per type, and `all` over every type. */
export interface EntityScores {
  readonly byType: Readonly<Record<string, TypeScore>>;
  readonly all: TypeScore;
}

/** A counter for one type. */
interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

function rate(t: Tally): TypeScore {
  return {
    ...t,
    precision: t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp),
    recall: t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn),
  };
}

/** Whether `p` covers at least half of gold span `g` and has its type. */
export function matches(g: Entity, p: Entity): boolean {
  if (g.type !== p.type) return false;
  const overlap = Math.min(g.end, p.end) - Math.max(g.start, p.start);
  return overlap > 0 && overlap * 2 >= g.end - g.start;
}

/**
 * Scores documents: `gold[i]` and `predicted[i]` are the entities of document i (one document may also be passed as
 * two flat lists). Greedy one-to-one matching, gold in order, each to the first unused matching prediction.
 */
export function scoreEntities(
  gold: readonly (readonly Entity[])[] | readonly Entity[],
  predicted: readonly (readonly Entity[])[] | readonly Entity[],
): EntityScores {
  const docs = (x: readonly (readonly Entity[])[] | readonly Entity[]): (readonly Entity[])[] =>
    x.length > 0 && !Array.isArray(x[0]) ? [x as readonly Entity[]] : (x as (readonly Entity[])[]);
  const g = docs(gold);
  const p = docs(predicted);
  if (g.length !== p.length && !(g.length === 0 || p.length === 0))
    throw new Error(`gold has ${g.length} documents, predicted ${p.length}`);
  const tallies = new Map<string, Tally>();
  const tally = (type: string): Tally => {
    let t = tallies.get(type);
    if (t === undefined) tallies.set(type, (t = { tp: 0, fp: 0, fn: 0 }));
    return t;
  };
  const n = Math.max(g.length, p.length);
  for (let i = 0; i < n; i++) {
    const golds = g[i] ?? [];
    const preds = p[i] ?? [];
    const used = new Set<number>();
    for (const ge of golds) {
      const j = preds.findIndex((pe, k) => !used.has(k) && matches(ge, pe));
      if (j >= 0) {
        used.add(j);
        tally(ge.type).tp++;
      } else tally(ge.type).fn++;
    }
    preds.forEach((pe, k) => {
      if (!used.has(k)) tally(pe.type).fp++;
    });
  }
  const all: Tally = { tp: 0, fp: 0, fn: 0 };
  const byType: Record<string, TypeScore> = {};
  for (const [type, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    byType[type] = rate(t);
    all.tp += t.tp;
    all.fp += t.fp;
    all.fn += t.fn;
  }
  return { byType, all: rate(all) };
}
