/** Reads a guardrail fixture set (`test/fixtures/guardrails/<name>.jsonl`) and checks a detector against its goals. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Detector } from '../../actors/guardrail/detector.js';
import { scoreEntities, type Entity, type EntityScores } from './score.js';

/** One line of a fixture set. */
export interface FixtureLine {
  readonly text: string;
  readonly entities: readonly Entity[];
  readonly lang: string;
  readonly format: string;
}

/** The lines of `name`.jsonl. */
export function fixture(name: string): FixtureLine[] {
  const file = join(dirname(fileURLToPath(import.meta.url)), `../fixtures/guardrails/${name}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FixtureLine);
}

/** Scores `detector` on `lines`. */
export async function scoreDetector(detector: Detector, lines: readonly FixtureLine[]): Promise<EntityScores> {
  const predicted: Entity[][] = [];
  for (const l of lines) predicted.push([...(await detector.detect(l.text, { stage: 'output' }))]);
  return scoreEntities(
    lines.map((l) => l.entities),
    predicted,
  );
}

/** Types whose precision or recall is under `goal`, as readable lines (empty when every type meets it). */
export function belowGoal(scores: EntityScores, goal: number): string[] {
  return Object.entries(scores.byType)
    .filter(([, s]) => s.precision < goal || s.recall < goal)
    .map(([t, s]) => `${t}: precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
}
