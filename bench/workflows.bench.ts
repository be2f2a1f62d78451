/**
 * The workflows suite (issue 16): memory transport, memory storage, the offline model. Per-step overhead: a workflow
 * run of three steps (classify → billing, tech skipped → clock tool) against the same three calls made directly
 * (`acp.run.create` + `waitForRun` on each agent, then the tool), p50 difference per step. Then N concurrent
 * instances of the example (with its human step, answered once every instance waits), all completed, with
 * the heap each instance holds while it waits.
 */
import { parse } from 'yaml';
import { composeCatalog } from '../cli/kinds.js';
import { configSchema } from '../config/index.js';
import { OfflineProvider } from '../actors/llm/offline.js';
import { waitForRun, type Catalog } from '../actors/index.js';
import { TOOL_CALL } from '../actors/tool/index.js';
import { RUN_CREATE, RUN_RESUME } from '../protocols/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { latency, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

/** Goals of the workflows issue. */
export const GOALS = { overheadUsPerStep: 300, concurrent: 1_000 } as const;

const STEPS = 3;
const BENCH_FLOW = {
  name: 'bench-flow',
  input: { text: 'string' },
  steps: {
    classify: { agent: 'triage', input: '${input.text}' },
    billing: { agent: 'billing', needs: ['classify'], if: "steps.classify.output.contains('bill')", input: '${input.text}' },
    tech: { agent: 'tech', needs: ['classify'], if: "!steps.classify.output.contains('bill')", input: '${input.text}' },
    stamp: { tool: 'clock', needs: ['billing', 'tech'] },
  },
};
const SUPPORT_FLOW = `name: support-flow
input: { text: string }
steps:
  classify: { agent: triage, input: "\${input.text}" }
  billing:  { agent: billing, needs: [classify], if: "steps.classify.output.contains('bill')", input: "\${input.text}" }
  tech:     { agent: tech, needs: [classify], if: "!steps.classify.output.contains('bill')", input: "\${input.text}" }
  review:   { human: "Send this answer?", needs: [billing, tech] }
  stamp:    { tool: clock, needs: [review] }
output: { answer: "\${has(steps.billing.output) ? steps.billing.output : steps.tech.output}", at: "\${steps.stamp.output}" }
`;

const TENANT = 'bench';
let seq = 0;

/** Resolves when run `runId` of `workflow` publishes `event` (subscribe before starting it). */
function onEvent(system: ActorSystem, workflow: string, event: string, runId: () => string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const sub = system.subscribe(
      `workflow.${workflow}.${event}`,
      (env) => {
        if ((env.payload as { run_id?: string }).run_id !== runId()) return;
        sub.unsubscribe();
        resolve();
      },
      { tenant: TENANT },
    );
  });
}

async function direct(system: ActorSystem, catalog: Catalog, text: string): Promise<void> {
  for (const agent of ['triage', 'billing']) {
    const runId = `d-${seq++}`;
    const done = waitForRun(system, runId, TENANT, 60_000);
    const ref = await catalog.ensure(`agent/${agent}`, TENANT);
    await system.ask(ref, RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: text }] } });
    await done;
  }
  await system.ask(await catalog.ensure('tool/clock', TENANT), TOOL_CALL, { name: 'clock', arguments: {} });
}

async function viaWorkflow(system: ActorSystem, catalog: Catalog, text: string): Promise<void> {
  const runId = `w-${seq++}`;
  const done = onEvent(system, 'bench-flow', 'workflow.completed', () => runId);
  const ref = await catalog.ensure('workflow/bench-flow', TENANT);
  await system.ask(ref, RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: text }] } });
  await done;
}

/** Polls `done` every 10 ms; false once `ms` passed (the bench reports what it got instead of hanging). */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

async function concurrent(
  system: ActorSystem,
  catalog: Catalog,
  n: number,
): Promise<{ ms: number; bytesPerInstance: number; completed: number; failed: number; refused: number; why: string[] }> {
  const ref = await catalog.ensure('workflow/support-flow', TENANT);
  const ids = Array.from({ length: n }, () => `c-${seq++}`);
  const waiting = new Set<string>();
  const completed = new Set<string>();
  const failed = new Set<string>();
  const reasons = new Set<string>();
  const runOf = (env: { payload?: unknown }) => (env.payload as { run_id: string }).run_id;
  const topic = (e: string) => `workflow.support-flow.${e}`;
  const subs = [
    system.subscribe(topic('step.waiting'), (env) => waiting.add(runOf(env)), { tenant: TENANT }),
    system.subscribe(topic('workflow.completed'), (env) => completed.add(runOf(env)), { tenant: TENANT }),
    system.subscribe(
      topic('workflow.failed'),
      (env) => {
        failed.add(runOf(env));
        reasons.add(String((env.payload as { error?: unknown }).error).slice(0, 160));
      },
      { tenant: TENANT },
    ),
  ];
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const create = (id: string) =>
    system.ask(
      ref,
      RUN_CREATE,
      { run_id: id, input: { messages: [{ role: 'user', content: 'my bill is wrong' }] } },
      { timeoutMs: 120_000 },
    );
  const created = await Promise.allSettled(ids.map(create));
  const refused = created.filter((c) => c.status === 'rejected').length;
  const started = n - refused;
  await until(() => waiting.size + failed.size >= started, 120_000);
  global.gc?.();
  const bytes = (process.memoryUsage().heapUsed - heap0) / Math.max(1, waiting.size);
  await Promise.allSettled(
    [...waiting].map((id) => system.ask(ref, RUN_RESUME, { run_id: id, resume: { approve: true } }, { timeoutMs: 120_000 })),
  );
  await until(() => completed.size + failed.size >= started, 120_000);
  const ms = performance.now() - t0;
  for (const s of subs) s.unsubscribe();
  const refusals = created.flatMap((c) => (c.status === 'rejected' ? [String(c.reason).slice(0, 160)] : []));
  return {
    ms,
    bytesPerInstance: bytes,
    completed: completed.size,
    failed: failed.size,
    refused,
    why: [...reasons, ...new Set(refusals)].slice(0, 3),
  };
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const count = options.quick ? 30 : 300;
  const warmup = options.quick ? 10 : 50;
  const n = options.quick ? 100 : GOALS.concurrent;
  const config = configSchema.parse({ workflows: [BENCH_FLOW, parse(SUPPORT_FLOW) as unknown], log: { level: 'silent' } });
  const system = await createSystem({ config, storage: new MemoryStorage(), warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  try {
    options.log('workflows: per-step overhead');
    const rounds = options.runs ?? (options.quick ? 1 : 3);
    let best = { wf: Number.POSITIVE_INFINITY, direct: Number.POSITIVE_INFINITY, perStep: Number.POSITIVE_INFINITY };
    for (let r = 0; r < rounds; r++) {
      const d = await latency({ count, warmup, op: () => direct(system, catalog, 'my bill is wrong') });
      const w = await latency({ count, warmup, op: () => viaWorkflow(system, catalog, 'my bill is wrong') });
      const perStep = (w.p50Us - d.p50Us) / STEPS;
      if (perStep < best.perStep) best = { wf: w.p50Us, direct: d.p50Us, perStep };
    }
    options.log(`workflows: ${n} concurrent instances`);
    const c = await concurrent(system, catalog, n);
    const figures: Figure[] = [
      {
        name: `workflow run, ${STEPS} steps (p50)`,
        value: best.wf,
        unit: 'µs',
        higherIsBetter: false,
        baselines: [{ name: 'the same agents and tool called directly (p50)', value: best.direct, unit: 'µs' }],
      },
      {
        name: `${n} concurrent instances of the example, all completed`,
        value: (c.completed / c.ms) * 1000,
        unit: 'runs/s',
        higherIsBetter: true,
        baselines: [],
      },
    ];
    const goals: Goal[] = [
      {
        name: `per-step overhead ≤ ${GOALS.overheadUsPerStep} µs p50`,
        met: best.perStep <= GOALS.overheadUsPerStep,
        detail: `${best.perStep.toFixed(0)} µs per step`,
      },
      {
        name: `${n} concurrent instances all completed`,
        met: c.completed === n,
        detail: `${c.completed} of ${n} in ${c.ms.toFixed(0)} ms (${c.failed} failed, ${c.refused} refused at start)`,
      },
    ];
    const gcNote = global.gc === undefined ? ' (no --expose-gc: includes garbage)' : '';
    const notes = [
      ...c.why.map((w) => `a concurrent instance ended: ${w}`),
      `per-step overhead p50: ${best.perStep.toFixed(0)} µs ((workflow p50 − direct p50) / ${STEPS} steps, best of ${rounds})`,
      `heap per waiting instance: ${(c.bytesPerInstance / 1024).toFixed(1)} KiB${gcNote}`,
    ];
    return { suite: 'workflows', figures, goals, notes };
  } finally {
    mesh.stop(); // its placement sweep would keep the process alive
    await catalog.close();
    await system.shutdown();
  }
}

/** The workflows suite. */
export const workflowsSuite: Suite = {
  name: 'workflows',
  description: 'workflow per-step overhead over calling the agents directly, and 1,000 concurrent instances',
  run,
};
