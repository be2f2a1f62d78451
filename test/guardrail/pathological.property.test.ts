/**
 * No input shape makes the pii, secret and injection detectors blow up (fast-check): random and adversarial 1–4 KB
 * strings — long digit runs, digits between separators, repeated separators, nested brackets, one long word, mixed
 * scripts, letter-spaced words, repeated name, address and key cues, base64-like runs, repeated `@` — each finish the
 * three detectors within a generous bound relative to a plain-text baseline of the same size and the same string
 * representation (V8 keeps text of Latin-1 characters one byte per character and runs regexes over it faster; a text
 * with any other character is compared with plain prose mixed with other scripts), measured in the same test. No
 * absolute time: the bound is a ratio to the baseline (≤ 50× its median), so the test holds on a loaded machine,
 * while a pattern that backtracks catastrophically (seconds on 4 KB) fails it by orders of magnitude. The detectors
 * run in a worker thread (fixtures/detect-worker.ts), so one that never finishes is stopped and fails the test
 * instead of hanging it.
 */
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How many times the baseline's median an input may take. */
const BOUND = 50;
const SIZES = [1024, 2048, 3072, 4096] as const;
const ENTRY = new URL('./fixtures/detect-worker.ts', import.meta.url).href;

/** Plain prose (a little of everything the detectors look at, no attack, no personal data). */
const PLAIN =
  'The quarterly report is attached; see section 4 for the numbers from 2023 and the plan for 2024. Nothing here ' +
  'needs an answer today, but please read it before the meeting on Thursday at 10:30, and bring your questions. ';

/** The detectors' worker: `median(text, runs)` is the median time of one pass of the three detectors over `text`. */
class Runner {
  // tsx registered inside the worker, then the TS entry (as actors/memory/embedders/pool.ts runs its worker from source)
  private readonly worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ENTRY)}); })`,
    { eval: true },
  );
  private next = 0;
  private readonly waiting = new Map<number, (times: number[]) => void>();
  readonly ready: Promise<void>;

  constructor() {
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.waiting.set(-1, () => resolve());
    });
    this.worker.on('message', (m: { id: number; times: number[] }) => {
      this.waiting.get(m.id)?.(m.times);
      this.waiting.delete(m.id);
    });
  }

  /** The median of `runs` passes; rejects when they take longer than `deadlineMs` (the worker is then stopped). */
  median(text: string, runs: number, deadlineMs: number): Promise<number> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.worker.terminate();
        reject(new Error(`no answer in ${deadlineMs} ms (a pattern that never finishes?) on ${JSON.stringify(text.slice(0, 80))}…`));
      }, deadlineMs);
      this.waiting.set(id, (times) => {
        clearTimeout(timer);
        times.sort((a, b) => a - b);
        resolve(times[Math.floor(times.length / 2)]!);
      });
      this.worker.postMessage({ id, text, runs });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

function fill(unit: string, size: number): string {
  let s = unit;
  while (s.length < size) s += unit;
  return s.slice(0, size);
}

/** Pieces an adversarial text repeats: the shapes that make a careless pattern backtrack. */
const piece = fc.oneof(
  fc.constantFrom(
    '1234567890', '0', '9', '1 2 3 4 5 ', '12-34-', '12.34.', '1/2/', '+49 ', '(0)', '4111 1111 ', '000-00-', '192.168.',
    '::', 'ff:', '----', '....', ', , ', ';;', '\n\n', '\t ', '  ', '\\n', '((((', '))))', '[[[', ']]]', '{{{', '"""', "'''",
    '<!--', '-->', '</', '``', 'aaaaaaaaaa', 'Aaaaaaaaaa', 'ßßß', 'ııı', 'İİ', 'Ωμέγα', 'Кириллица', '中文字符', 'العربية',
    '😀😀', '\u200b', '\u0301', 'i g n o r e ', 'a.b.c.d.', '1gn0r3 ', '@', 'a@', '@b.', 'x@y.z', 'Anna ', 'Mr. ', 'Dear ',
    'Name: ', '"name": "', 'Straße ', '12 Main St', 'rue de ', 'Calle ', 'born ', 'DOB: ', 'DE89 ', 'IBAN ', 'sk-', 'AKIA',
    'ghp_', 'eyJ', 'password=', 'Bearer ', 'QUJD', 'ZGVm', '==', 'ignore ', 'previous ', 'instructions ', 'you are ', 'now ',
    'system prompt ', 'AI ', 'assistant ', 'de la ', 'von ', 'y ', ', and ', 'Ltd. ', 'Inc ',
  ), // prettier-ignore
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);
/** A 1–4 KB adversarial text: a few pieces repeated (a long run of one shape), or many pieces mixed. */
const adversarial = fc.oneof(
  fc.tuple(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.constantFrom(...SIZES)).map(([p, size]) => fill(p.join(''), size)),
  fc.tuple(fc.array(piece, { minLength: 20, maxLength: 400 }), fc.constantFrom(...SIZES)).map(([p, size]) => fill(p.join(''), size)),
  fc
    .tuple(fc.constantFrom('a', '1', ' ', '.', '-', '(', 'A', 'é', 'Я', '@', '='), fc.constantFrom(...SIZES))
    .map(([c, size]) => fill(c, size)),
);

/** Plain prose with characters outside Latin-1: the baseline of texts V8 keeps two bytes per character. */
const PLAIN_WIDE = `${PLAIN}Ωμέγα Кириллица 中文 😀 `;
/** True when V8 keeps `text` one byte per character (Latin-1 only). */
const narrow = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
};

describe('pathological inputs', () => {
  const baseline = new Map<number, number>();
  const baselineWide = new Map<number, number>();
  const runner = new Runner();
  /** A hang guard, not a timing assertion: far above any bound the test checks. */
  const deadline = (base: number): number => Math.max(30_000, base * BOUND * 200);

  beforeAll(async () => {
    await runner.ready;
    // Warm up: V8 compiles each regex once per string representation (one-byte, two-byte), on first use — tens of
    // milliseconds that are no property of the input, so both are compiled before anything is measured.
    for (const size of SIZES) await runner.median(fill(PLAIN, size), 5, 120_000);
    for (const size of SIZES) await runner.median(fill(PLAIN_WIDE, size), 5, 120_000);
    for (const size of SIZES) baseline.set(size, await runner.median(fill(PLAIN, size), 15, 120_000));
    for (const size of SIZES) baselineWide.set(size, await runner.median(fill(PLAIN_WIDE, size), 15, 120_000));
  }, 300_000);
  afterAll(async () => {
    await runner.close();
  });

  it('every 1–4 KB adversarial text finishes pii, secret and injection within 50× a plain text of its size', async () => {
    let worst = 0;
    let worstText = '';
    await fc.assert(
      fc.asyncProperty(adversarial, async (text) => {
        const size = SIZES.find((s) => s >= text.length) ?? 4096;
        const stored = Math.max((narrow(text) ? baseline : baselineWide).get(size)!, 0.05); // a floor: a timer tick is not a baseline
        const took = await runner.median(text, 5, deadline(stored));
        // A load spike on a shared machine slows whatever runs in it: when this text took over the bound, a plain text of
        // its size and representation is timed again now, and the slower of the two baselines divides (a blow-up stays
        // far over the bound either way; a busy minute no longer does).
        const base =
          took / stored > BOUND
            ? Math.max(stored, await runner.median(fill(narrow(text) ? PLAIN : PLAIN_WIDE, size), 5, deadline(stored)))
            : stored;
        const ratio = took / base;
        if (ratio > worst) worstText = text;
        worst = Math.max(worst, ratio);
        expect(ratio, `${ratio.toFixed(1)}× the plain-text median on ${JSON.stringify(text.slice(0, 80))}…`).toBeLessThanOrEqual(BOUND);
      }),
      // Found by this test in a CI run (50.3×): credential keys with no delimiter between them, each read the rest.
      { numRuns: 150, endOnFailure: true, examples: [[fill('password=AKIAXw', 4096)]] },
    );
    const on = JSON.stringify(worstText.slice(0, 60));
    console.log(`pathological inputs: worst ${worst.toFixed(1)}× the plain-text median of its size and representation, on ${on}…`);
    expect(worst).toBeGreaterThan(0);
  }, 600_000);
});
