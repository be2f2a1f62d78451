import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { rates, readFixture } from './fixture-rates.js';
const sets = ['injection-holdout2','injection-wide-final','injection-wide-blind','injection-dev13','injection-dev14','injection-dev15','injection-pretune','injection'];
const variants: Record<string, object> = { full: {}, noConcept: { concepts: false }, noNgram: { ngram: false }, noSim: { similarity: false }, none: { concepts: false, ngram: false } };
for (const [name, o] of Object.entries(variants)) {
  const det = injectionDetector(o);
  const parts: string[] = [];
  for (const s of sets) { const r = await rates(det, readFixture(s)); parts.push(`${s.replace('injection-','')} ${r.detected}/${r.attacks} fp${r.falsePositives}/${r.benign}`); }
  console.log(name.padEnd(10), parts.join(' | '));
}
