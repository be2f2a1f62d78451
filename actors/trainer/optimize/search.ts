/**
 * The search of an optimisation (ADR 0032): score the baseline on train; propose instruction rewrites by the teacher
 * and score them; bootstrap demonstrations from the train cases some candidate got right, add the feedback
 * corrections, and score few-shot candidates built on the best instructions; score the best on held-out; save the
 * held-out winner as a new version labelled `candidate`. Every case run is one metric call of the budget, and
 * held-out runs are reserved before train runs are spent. Resumable: candidates live in the record, scores in storage.
 */
import { randomUUID } from 'node:crypto';
import { RUN_CREATE, type OptimizeCandidate, type OptimizeEvent, type OptimizeRecord } from '../../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../../runtime/index.js';
import { waitForRun } from '../../agent/index.js';
import type { PromptLibrary } from '../../prompt/index.js';
import { scoreCase, type EvalCase } from '../eval/index.js';
import { pickDemos, withDemos, withInstructions, type Demo } from './candidates.js';
import { feedbackDemos, runCaseOn } from './cases.js';
import type { CaseScore } from './job.js';

/** What the search reads and writes through (the job actor's storage, the mesh). */
export interface SearchIo {
  readonly library: PromptLibrary;
  readonly tenant: string;
  readonly system: ActorSystem;
  agent(): Promise<ActorRef>;
  readonly teacher: (() => Promise<ActorRef>) | undefined;
  stopped(): boolean;
  score(candidate: number, caseId: string): Promise<CaseScore | undefined>;
  save(
    rec: OptimizeRecord,
    events: Omit<OptimizeEvent, 'optimization' | 'seq' | 'at'>[],
    scores?: { candidate: number; caseId: string; score: CaseScore }[],
  ): Promise<void>;
}

/** The instruction the teacher gets. */
export function teacherPrompt(template: string, variant: number): string {
  return (
    'Improve the wording of the text below: make it clearer and more specific, and lose nothing important. ' +
    'Keep every {{placeholder}} exactly as it is. Reply with the improved text only. ' +
    `(Variant ${variant + 1}.)\n\nText:\n${template}`
  );
}

class Stopped extends Error {}

/** Runs (or resumes) the search of `rec` over its train and held-out cases. */
export async function search(rec: OptimizeRecord, split: { train: EvalCase[]; heldout: EvalCase[] }, io: SearchIo): Promise<void> {
  const cfg = rec.config;
  const reserve = () => (cfg.finalists + 1) * split.heldout.length;
  const agent = await io.agent();

  /** Mean score of candidate `k` on `cases` (stored scores reused); undefined when the budget ran out first. */
  const measure = async (k: number, cases: EvalCase[], keep: number): Promise<{ mean: number; passed: number } | undefined> => {
    const c = rec.candidates[k] as OptimizeCandidate;
    let sum = 0;
    let passed = 0;
    for (const ec of cases) {
      let s = await io.score(k, ec.id);
      if (s === undefined) {
        if (io.stopped()) throw new Stopped();
        if (rec.used + 1 > cfg.budget - keep) return undefined;
        const run = await runCaseOn(io.system, agent, io.tenant, ec, `${rec.template}@${c.version as number}`, cfg.case_timeout_ms);
        if (io.stopped()) throw new Stopped(); // this activation ended during the run: its heir runs the case again
        const r = await scoreCase(ec, run, {});
        s = { score: r.score, pass: r.pass, output: r.output };
        rec.used++;
        await io.save(rec, [], [{ candidate: k, caseId: ec.id, score: s }]);
      }
      sum += s.score;
      if (s.pass) passed++;
    }
    return { mean: cases.length === 0 ? 0 : sum / cases.length, passed };
  };

  const onTrain = async (k: number, keep: number): Promise<void> => {
    const c = rec.candidates[k] as OptimizeCandidate;
    if (c.train !== undefined) return;
    const m = await measure(k, split.train, keep);
    if (m === undefined) return;
    c.train = m.mean;
    c.trainPassed = m.passed;
    await io.save(rec, [{ type: 'scored', data: { candidate: k, split: 'train', score: m.mean, passed: m.passed, used: rec.used } }]);
  };

  const add = async (c: Omit<OptimizeCandidate, 'index' | 'version'>): Promise<number> => {
    const stored = await io.library.create(io.tenant, rec.template, {
      ...c.body,
      description: `optimisation ${rec.id}: candidate ${rec.candidates.length} (${c.kind})`,
    });
    const index = rec.candidates.length;
    rec.candidates.push({ ...c, index, version: stored.version });
    await io.save(rec, [{ type: 'candidate', data: { candidate: index, kind: c.kind, version: stored.version } }]);
    return index;
  };

  const affordable = () => rec.used + split.train.length + reserve() <= cfg.budget;
  try {
    await onTrain(0, reserve());
    const base = rec.candidates[0] as OptimizeCandidate;

    // Instruction rewrites by the teacher.
    if (rec.phase === 'baseline') rec.phase = 'rewrites';
    const teacher = io.teacher;
    for (let v = rec.candidates.filter((c) => c.kind === 'rewrite').length; teacher !== undefined && v < cfg.rewrites; v++) {
      if (!affordable()) break;
      const text = await ask(io, await teacher(), teacherPrompt(base.body.template, v), cfg.case_timeout_ms);
      if (text.trim() === '') continue;
      await add({ kind: 'rewrite', from: 0, body: withInstructions(base.body, rec.template, text.trim()) });
    }
    for (const c of rec.candidates) if (c.kind === 'rewrite') await onTrain(c.index, reserve());

    // Few-shot: demonstrations from what some candidate got right, and from people's corrections.
    if (rec.phase === 'rewrites') rec.phase = 'fewshot';
    if (cfg.demos > 0 && !rec.candidates.some((c) => c.kind === 'fewshot')) {
      const boot: Demo[] = [];
      for (const ec of split.train)
        for (const c of rec.candidates) {
          const s = await io.score(c.index, ec.id);
          if (s?.pass === true && s.output !== '') {
            boot.push({ input: ec.turns.at(-1) ?? '', output: s.output, source: 'bootstrap' });
            break;
          }
        }
      const demos = pickDemos(await feedbackDemos(io.system, io.tenant, rec.agent), boot, cfg.demos);
      if (demos.length > 0) {
        const bestRewrite = rec.candidates
          .filter((c) => c.kind === 'rewrite' && c.train !== undefined)
          .sort((a, b) => (b.train as number) - (a.train as number))[0];
        for (const from of [base, ...(bestRewrite === undefined ? [] : [bestRewrite])]) {
          if (!affordable()) break;
          await add({ kind: 'fewshot', from: from.index, body: withDemos(from.body, demos) });
        }
      }
    }
    for (const c of rec.candidates) if (c.kind === 'fewshot') await onTrain(c.index, reserve());

    // The pick, on held-out: the baseline (the "before") and the best on train.
    rec.phase = 'heldout';
    const finalists = rec.candidates
      .filter((c) => c.index !== 0 && c.train !== undefined)
      .sort((a, b) => (b.train as number) - (a.train as number) || a.index - b.index)
      .slice(0, cfg.finalists);
    for (const c of [base, ...finalists]) {
      if (c.heldout !== undefined) continue;
      const m = await measure(c.index, split.heldout, 0);
      if (m === undefined) break;
      c.heldout = m.mean;
      c.heldoutPassed = m.passed;
      await io.save(rec, [
        { type: 'scored', data: { candidate: c.index, split: 'heldout', score: m.mean, passed: m.passed, used: rec.used } },
      ]);
    }
    await finish(rec, io);
  } catch (e) {
    if (e instanceof Stopped) return;
    throw e;
  }
}

/** Saves the held-out winner as a new version labelled `candidate` (with its scores), or says why nothing was saved. */
async function finish(rec: OptimizeRecord, io: SearchIo): Promise<void> {
  const base = rec.candidates[0] as OptimizeCandidate;
  const scored = rec.candidates.filter((c) => c.heldout !== undefined);
  const best = [...scored].sort(
    (a, b) => (b.heldout as number) - (a.heldout as number) || (b.train ?? 0) - (a.train ?? 0) || a.index - b.index,
  )[0];
  rec.phase = 'saving';
  if (best === undefined || best.index === 0 || base.heldout === undefined || (best.heldout as number) <= base.heldout) {
    rec.status = 'completed';
    rec.phase = 'done';
    rec.reason = 'no candidate beat the baseline on the held-out cases: nothing saved';
    await io.save(rec, [{ type: 'completed', data: { reason: rec.reason } }]);
    return;
  }
  const scores = { train: best.train ?? 0, heldout: best.heldout as number, baseline_heldout: base.heldout };
  const saved = await io.library.create(io.tenant, rec.template, {
    ...best.body,
    description:
      `optimisation ${rec.id}: ${best.kind} candidate ${best.index}; train ${scores.train.toFixed(3)}, ` +
      `held-out ${scores.heldout.toFixed(3)} (baseline held-out ${scores.baseline_heldout.toFixed(3)})`,
    labels: ['candidate'],
  });
  rec.winner = { index: best.index, version: saved.version, ...scores };
  rec.status = 'completed';
  rec.phase = 'done';
  rec.reason = `saved ${rec.template}@${saved.version} as candidate`;
  await io.save(rec, [{ type: 'completed', data: { winner: rec.winner } }]);
}

/** One run of `agent` on `text` (its own template): the answer. */
async function ask(io: SearchIo, agent: ActorRef, text: string, timeoutMs: number): Promise<string> {
  const runId = randomUUID();
  const done = waitForRun(io.system, runId, io.tenant, timeoutMs);
  await agent.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: text }] } });
  const r = await done;
  return r.status === 'success' ? (r.output ?? '') : '';
}
