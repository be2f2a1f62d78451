/**
 * A seeded, stratified sample of the guardrail fixture texts, for the property tests that run a whole reference
 * implementation over them (every text took ~75 s of a loaded `npm test`). Each run draws a new sample unless
 * `FC_SEED` is set; {@link checkEach} names the seed in every failure, so a failing sample reruns with
 * `FC_SEED=<seed> npx vitest run <file>`. `FIXTURE_SAMPLE=all` checks every text, as before.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded } from '../../actors/trainer/experiments/bandit.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');

/** The texts of each guardrail fixture (`*.jsonl`, sorted by file name), in file order. */
export function fixtureTextsByFile(): { file: string; texts: string[] }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => ({
      file,
      texts: readFileSync(join(DIR, file), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => (JSON.parse(l) as { text: string }).text),
    }));
}

/** This run's sample seed: `FC_SEED` when set, else a new one. */
export const SAMPLE_SEED = Number(process.env['FC_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** Whether every text is to be checked (`FIXTURE_SAMPLE=all`). */
export const ALL_TEXTS = process.env['FIXTURE_SAMPLE'] === 'all';

/** `items` in an order shuffled by `seed` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = seeded(seed); // mulberry32, as the experiments' bandit draws
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * From every group, `fraction` of its items (at least `min`, all of a smaller group) drawn by `seed`: each fixture
 * file is represented in each run, and over runs every text is drawn. With {@link ALL_TEXTS}, every item.
 */
export function stratified<T>(groups: readonly (readonly T[])[], fraction: number, seed: number, min = 4): T[] {
  if (ALL_TEXTS) return groups.flat();
  return groups.flatMap((g, i) => shuffled(g, seed + i).slice(0, Math.max(min, Math.ceil(g.length * fraction))));
}

/** Runs `check` on every text; a failure names the seed that drew the sample and the text. */
export function checkEach(texts: Iterable<string>, check: (text: string) => void): void {
  for (const t of texts)
    try {
      check(t);
    } catch (e) {
      throw new Error(`with FC_SEED=${SAMPLE_SEED}, on ${JSON.stringify(t.slice(0, 300))}: ${(e as Error).message}`, { cause: e });
    }
}
