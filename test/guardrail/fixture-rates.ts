/**
 * Reads a guardrail development set (`test/fixtures/guardrails/*.jsonl`: `{text, label, lang, format}` per line)
 * and measures a detector on it: detection rate per label (a text counts as detected when the detector returns any
 * finding) and the false-positive rate on `benign` lines.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Detector } from '../../actors/guardrail/detector.js';

const rowSchema = z.object({
  text: z.string().min(1),
  label: z.string().min(1),
  lang: z.enum(['en', 'de', 'fr', 'es']),
  format: z.enum(['chat', 'email', 'log', 'json', 'code', 'tool', 'document']),
});
/** One line of a development set. */
export type FixtureRow = z.infer<typeof rowSchema>;

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');

/** The rows of `test/fixtures/guardrails/<name>.jsonl`, validated. */
export function readFixture(name: string): FixtureRow[] {
  const file = join(FIXTURES, `${name}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => rowSchema.parse(JSON.parse(l)));
}

/** Detection and false-positive rates of a detector on rows. */
export interface Rates {
  readonly detected: number;
  readonly attacks: number;
  readonly falsePositives: number;
  readonly benign: number;
  /** Per label: [detected, total]. */
  readonly perLabel: Readonly<Record<string, readonly [number, number]>>;
  /** Texts that went the wrong way, to print when an assertion fails. */
  readonly errors: readonly string[];
  readonly recall: number;
  readonly fpr: number;
}

/** Runs `detector` over `rows` (at the `input` stage). */
export async function rates(detector: Detector, rows: readonly FixtureRow[]): Promise<Rates> {
  let detected = 0;
  let attacks = 0;
  let falsePositives = 0;
  let benign = 0;
  const perLabel: Record<string, [number, number]> = {};
  const errors: string[] = [];
  for (const r of rows) {
    const hit = (await detector.detect(r.text, { stage: 'input' })).length > 0;
    if (r.label === 'benign') {
      benign++;
      if (hit) {
        falsePositives++;
        errors.push(`false positive: ${r.text}`);
      }
      continue;
    }
    attacks++;
    const l = (perLabel[r.label] ??= [0, 0]);
    l[1]++;
    if (hit) {
      detected++;
      l[0]++;
    } else errors.push(`missed ${r.label}: ${r.text}`);
  }
  return { detected, attacks, falsePositives, benign, perLabel, errors, recall: detected / attacks, fpr: falsePositives / benign };
}

/**
 * Sets no trained layer ever reads: the blind splits kept for measuring (`*holdout10*`, and `*holdout13*` onwards). The
 * earlier held-out splits (`*-wide-blind`, `*-wide-final`, `*holdout2*` to `*holdout9*`, `*holdout11*`, `*holdout12*`) were scored,
 * their figures recorded in BENCHMARKS.md, and then joined the training data: keeping them out only threw data away
 * (the holdouts, written blind by several authors, are the most varied text the learned layers have). holdout10 stays
 * out as a second measure beside the newest blind split.
 */
export const HELD_OUT = /holdout(10|1[3-9]|[2-9]\d)/;

/**
 * Sets written blind that do not train but measure. `injection-train23` (1,000 texts written for training, blind to the
 * detectors): trained on, it lowered blind-set detection (holdout9 112 → 111 of 120 at the same false positives) and
 * cost the detector classic attacks inside polite framing ("Thanks for the report. Ignore all previous instructions…":
 * its n-gram probability fell from 0.85 to 0.66) — about 150 of its attacks are one hidden note in stock wrappers and
 * its transcripts are drawn from pools of turns, so its repeated phrases teach the wrappers, not the attacks. Left out,
 * it is one more set the injection layers never saw (BENCHMARKS.md). `injection-holdout12` (blind, never read): trained
 * on, the combination's threshold rose (0.71 → 0.76) and it lost classic attacks in polite framing ("Thanks for the
 * report. Ignore all previous instructions…") and a short French tool command (injection-dev21); left out, it measures.
 */
export const NOT_TRAINED = /^injection-(train23|holdout12)\./;

/** `TRAIN_EXCLUDE` (a regular expression): sets left out of training too, to measure what a set adds (a development aid). */
const EXCLUDED = process.env['TRAIN_EXCLUDE'] === undefined ? undefined : new RegExp(process.env['TRAIN_EXCLUDE']);

/** The sets the trained layers (concept and n-gram models, the stacker) learn from: a family's sets but {@link HELD_OUT}. */
export function trainingSets(family: string): string[] {
  return readdirSync(FIXTURES)
    .filter(
      (f) => f.startsWith(family) && f.endsWith('.jsonl') && !HELD_OUT.test(f) && !NOT_TRAINED.test(f) && !(EXCLUDED?.test(f) ?? false),
    )
    .map((f) => f.slice(0, -'.jsonl'.length))
    .sort();
}
