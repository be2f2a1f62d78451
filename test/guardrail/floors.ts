/** A quality floor on one fixture set, asserted with the set's misses and false positives as the failure message. */
import { expect } from 'vitest';
import type { Detector } from '../../actors/guardrail/detector.js';
import { rates, readFixture } from './fixture-rates.js';

/** Scores `detector` on fixture set `set`: detection at least `minRecall`, false-positive rate at most `maxFpr`. */
export async function expectFloors(detector: Detector, set: string, minRecall: number, maxFpr: number): Promise<void> {
  const r = await rates(detector, readFixture(set));
  expect(r.recall, `${set}\n${r.errors.join('\n')}`).toBeGreaterThanOrEqual(minRecall);
  expect(r.fpr, `${set}\n${r.errors.join('\n')}`).toBeLessThanOrEqual(maxFpr);
}
