/** The stream guard: however a reply is cut into tokens, nothing the policy redacts or blocks is ever released. */
import fc from 'fast-check';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  DETECTOR_ERROR,
  GuardEngine,
  GuardPolicy,
  Pseudonyms,
  StreamGuard,
  customDetectors,
  runGuard,
  type AuditSink,
  type Detector,
} from '../../actors/index.js';
import type { GuardAuditRecord } from '../../protocols/index.js';
import { configSchema } from '../../config/index.js';
import { EMAIL_DETECTOR, KEY_DETECTOR } from './fixtures/guard-config.js';

const EMAIL = 'grace.hopper@navy.example.com';
const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123';

async function guardFor(rules: unknown[] = [], holdBackChars = 16, coalesce?: { ms: number; now: () => number; decided?: () => void }) {
  const g = configSchema.parse({ guardrails: { custom: [EMAIL_DETECTOR, KEY_DETECTOR], rules } }).guardrails;
  const engine = new GuardEngine(await customDetectors(g.custom), new GuardPolicy(g));
  const policy = engine.policy.stage('output', 't');
  return (restore?: (t: string) => string) =>
    new StreamGuard({
      holdBackChars,
      maxHoldChars: 4096,
      decide: async (text) => {
        coalesce?.decided?.();
        const { findings, failed } = await engine.find(text, 'output', 1000);
        return engine.decide(policy, findings, failed, { tenant: 't' });
      },
      ...(restore === undefined ? {} : { restore }),
      ...(coalesce === undefined ? {} : { coalesceMs: coalesce.ms, now: coalesce.now }),
    });
}

/** Cuts `text` at the given (sorted, deduplicated) points. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...at, text.length]) {
    if (p > prev) out.push(text.slice(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

describe('stream guard', () => {
  it('never releases an email or key split across tokens, whatever the split; the released text is the redacted reply', async () => {
    const make = await guardFor();
    const reply = `Sure! Mail ${EMAIL} and use ${KEY} for the API. Thanks`;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(200), { maxLength: 40 }), async (points) => {
        const g = make();
        let released = '';
        for (const t of cut(reply, points)) {
          released += await g.push(t);
          expect(released).not.toContain(EMAIL.slice(0, 12));
          expect(released).not.toContain(KEY.slice(0, 10));
        }
        released += (await g.end()).text;
        expect(released).toBe('Sure! Mail [REDACTED:EMAIL] and use [REDACTED:OPENAI_KEY] for the API. Thanks');
        expect(g.text).toBe(released);
      }),
      { numRuns: 60 },
    );
  });

  it('coalesces tokens that come within coalesceMs of the last decision, releasing the same redacted text', async () => {
    let now = 0;
    let decisions = 0;
    const make = await guardFor([], 16, { ms: 5, now: () => now, decided: () => decisions++ });
    const reply = `Sure! Mail ${EMAIL} and use ${KEY} for the API. Thanks, and a longer tail of words to release. `.repeat(3);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(400), { maxLength: 60 }),
        fc.array(fc.nat(8), { minLength: 1, maxLength: 60 }),
        async (points, gaps) => {
          const g = make();
          now = 0;
          let released = '';
          const tokens = cut(reply, points);
          for (const [i, t] of tokens.entries()) {
            now += gaps[i % gaps.length] ?? 0;
            released += await g.push(t);
            expect(released).not.toContain(EMAIL.slice(0, 12));
            expect(released).not.toContain(KEY.slice(0, 10));
          }
          released += (await g.end()).text;
          expect(released).toBe(
            'Sure! Mail [REDACTED:EMAIL] and use [REDACTED:OPENAI_KEY] for the API. Thanks, and a longer tail of words to release. '.repeat(
              3,
            ),
          );
        },
      ),
      { numRuns: 60 },
    );
    // A reply that arrives all at once (no time passes between tokens) is decided in two windows, not one per word.
    const g = make();
    now = 1_000;
    decisions = 0;
    let released = '';
    for (const t of reply.split(/(?<= )/)) released += await g.push(t);
    released += (await g.end()).text;
    expect(released).toContain('[REDACTED:EMAIL]');
    expect(reply.split(' ').length).toBeGreaterThan(30);
    expect(decisions).toBe(2);
    // Tokens 10 ms apart are each decided as they come (the first 16 characters are held back either way).
    const slow = make();
    decisions = 0;
    const words = reply.split(/(?<= )/);
    let out = '';
    for (const t of words) {
      now += 10;
      out += await slow.push(t);
    }
    out += (await slow.end()).text;
    expect(out).toBe(released);
    expect(decisions).toBeGreaterThan(words.length / 2);
  });

  it('lets released text reach its reader before the next decision: a burst of tokens does not hold the first words', async () => {
    // A real loopback socket: released text is written to it, the reader notes when it arrives.
    const order: string[] = [];
    const server = createServer((s) => s.on('data', (d) => order.push(`read:${String(d)}`)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', r));
    try {
      const guard = new StreamGuard({
        holdBackChars: 8,
        maxHoldChars: 4096,
        decide: async (text) => {
          order.push(`decide:${text.length}`);
          return [];
        },
      });
      for (const t of ['one ', 'two ', 'three ', 'four ', 'five ', 'six ']) {
        const piece = await guard.push(t);
        if (piece !== '') socket.write(piece);
      }
      socket.write((await guard.end()).text);
      await new Promise<void>((r) => setTimeout(r, 50));
      const first = order.findIndex((o) => o.startsWith('read:'));
      expect(order[first]).toBe('read:one ');
      // The decision right after the first release came after the reader had it.
      expect(order.filter((o, i) => i < first && o.startsWith('decide:'))).toHaveLength(1);
      expect(
        order
          .filter((o) => o.startsWith('read:'))
          .join('')
          .replace(/read:/g, ''),
      ).toBe('one two three four five six ');
    } finally {
      socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('checks a long reply in bounded windows: what the detectors see does not grow with the reply', async () => {
    // Each check sees the unreleased tail and its context, never the reply so far: its cost does not grow with the reply.
    const seen: number[] = [];
    const guard = new StreamGuard({
      holdBackChars: 48,
      maxHoldChars: 4096,
      decide: async (text) => {
        seen.push(text.length);
        return [];
      },
    });
    let released = '';
    for (let i = 0; i < 20_000; i++) released += await guard.push(`w${i}`.padEnd(15, 'x') + ' ');
    released += (await guard.end()).text;
    expect(released.length).toBe(20_000 * 16);
    expect(seen.length).toBeGreaterThan(1_000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(48 + 4096 + 16);
  });

  it('stops at a blocked span before any of it is released', async () => {
    const make = await guardFor([{ name: 'no-keys', detector: 'secret', action: 'block' }]);
    const g = make();
    let released = '';
    await expect(
      (async () => {
        for (const t of cut(`Here is the key: ${KEY} keep it safe`, [3, 9, 20, 22, 25, 31, 40])) released += await g.push(t);
        await g.end();
      })(),
    ).rejects.toThrow('the reply was stopped by the guardrail policy');
    expect(released).not.toContain('sk-');
  });

  it('restores placeholders split across tokens and holds a span for review', async () => {
    const p = new Pseudonyms();
    const ph = p.placeholder(EMAIL, 'EMAIL');
    const make = await guardFor([{ name: 'check-keys', detector: 'secret', action: 'review' }]);
    const g = make((t) => p.restore(t));
    let released = '';
    for (const t of cut(`I wrote to ${ph} today. Key ${KEY} follows`, [5, 12, 13, 17, 30, 33, 41])) released += await g.push(t);
    const end = await g.end();
    released += end.text;
    expect(released).toBe(`I wrote to ${EMAIL} today. Key `);
    expect(end.review).toEqual({ types: ['OPENAI_KEY'], held: `${KEY} follows` });
  });
});

describe('stream guard: detectors the output policy can only allow', () => {
  /** A real detector of the keyword `hello` (LEAD) that counts its calls, or one that throws. */
  const lead = (calls: { n: number }, fail = false): Detector => ({
    name: 'lead',
    types: ['LEAD'],
    detect(text) {
      calls.n++;
      if (fail) throw new Error('lead detector down');
      return [...text.matchAll(/hello/g)].map((m) => ({ detector: 'lead', type: 'LEAD', start: m.index, end: m.index + 5, score: 1 }));
    },
  });

  async function run(rules: unknown[], calls: { n: number }, fail = false) {
    const g = configSchema.parse({ guardrails: { custom: [EMAIL_DETECTOR, KEY_DETECTOR], rules } }).guardrails;
    const records: GuardAuditRecord[] = [];
    const audit: AuditSink = { append: async (r) => void records.push(...r) };
    const engine = new GuardEngine([...(await customDetectors(g.custom)), lead(calls, fail)], new GuardPolicy(g), { audit });
    const guard = runGuard(
      { engine, stream: { holdBackChars: 8, maxHoldChars: 4096 } },
      { tenant: 't', runId: 'r', threadId: 'th', agent: 'a' },
    );
    return { engine, records, reply: guard.reply() };
  }

  it('splits detectors by whether the stage policy can act on their findings', async () => {
    const g = configSchema.parse({ guardrails: { custom: [EMAIL_DETECTOR, KEY_DETECTOR] } }).guardrails;
    const engine = new GuardEngine([...(await customDetectors(g.custom)), lead({ n: 0 })], new GuardPolicy(g));
    const names = (s: { acting: readonly Detector[]; passive: readonly Detector[] }) => [
      s.acting.map((d) => d.name),
      s.passive.map((d) => d.name),
    ];
    expect(names(engine.split(engine.policy.stage('output', 't')))).toEqual([['pii', 'secret'], ['lead']]);
    expect(names(engine.split(engine.policy.stage('input', 't')))).toEqual([[], ['pii', 'secret', 'lead']]);
    const strict = configSchema.parse({
      guardrails: {
        custom: [EMAIL_DETECTOR],
        rules: [{ name: 'leads', detector: 'lead', action: 'review' }],
        stages: { tool: { default: 'block' } },
      },
    }).guardrails;
    const e2 = new GuardEngine([...(await customDetectors(strict.custom)), lead({ n: 0 })], new GuardPolicy(strict));
    expect(names(e2.split(e2.policy.stage('output', 't')))).toEqual([['pii', 'lead'], []]);
    expect(names(e2.split(e2.policy.stage('tool', 't')))).toEqual([['pii', 'lead'], []]);
  });

  it('releases text before they run, then records their decisions with redacted excerpts', async () => {
    const calls = { n: 0 };
    const { records, reply } = await run([], calls);
    let released = '';
    let before = -1;
    for (const t of ['hello ', `${EMAIL} `, 'and ', 'a ', 'long ', 'tail ', 'of ', 'words ', 'here']) {
      const piece = await reply.push(t);
      if (piece !== '' && before < 0) before = calls.n;
      released += piece;
    }
    released += (await reply.end()).text;
    expect(before).toBe(0); // the first release did not wait for the lead detector
    expect(calls.n).toBeGreaterThan(0);
    expect(released).toBe('hello [REDACTED:EMAIL] and a long tail of words here');
    const leads = records.filter((r) => r.detector === 'lead');
    expect(leads).toHaveLength(1); // recorded once, however many windows saw it
    expect(leads[0]).toMatchObject({ action: 'allow', type: 'LEAD', stage: 'output' });
    expect(leads[0]?.excerpt).not.toContain('@'); // the email next to it is masked in its excerpt
    expect(records.some((r) => r.type === 'EMAIL' && r.action === 'redact')).toBe(true);
  });

  it('audits a burst of tokens once, in the windows joined, and still records each finding; paced tokens window by window', async () => {
    const words = ['hello ', 'and ', 'a ', 'long ', 'tail ', 'of ', 'words ', 'then ', 'hello ', 'again ', 'at ', 'the ', 'end'];
    const burst = { n: 0 };
    const b = await run([], burst);
    let released = '';
    for (const t of words) released += await b.reply.push(t);
    released += (await b.reply.end()).text;
    expect(released).toBe(words.join(''));
    expect(burst.n).toBe(1);
    const leads = (records: GuardAuditRecord[]) => records.filter((r) => r.detector === 'lead' && r.type === 'LEAD');
    expect(leads(b.records)).toHaveLength(2); // both greetings, each recorded once
    const paced = { n: 0 };
    const p = await run([], paced);
    const tick = () => new Promise<void>((r) => setTimeout(r, 1));
    for (const t of words) {
      await p.reply.push(t);
      await tick();
    }
    await p.reply.end();
    expect(paced.n).toBeGreaterThan(3);
    expect(leads(p.records)).toHaveLength(2);
  });

  it('stops the reply when one of them fails at a fail-closed stage, though its text was already released', async () => {
    const calls = { n: 0 };
    const { records, reply } = await run([], calls, true);
    let released = '';
    await expect(
      (async () => {
        for (const t of ['one ', 'two ', 'three ', 'four ', 'five ', 'six ']) released += await reply.push(t);
        await reply.end();
      })(),
    ).rejects.toThrow('the reply was stopped by the guardrail policy');
    expect(released).not.toBe(''); // released before the failure was known: the run rewinds it (actors/agent/run.ts)
    expect(records.some((r) => r.detector === 'lead' && r.type === DETECTOR_ERROR && r.action === 'block')).toBe(true);
  });
});
