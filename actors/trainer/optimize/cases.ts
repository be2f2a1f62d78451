/**
 * How an optimisation measures a candidate: each eval case runs as real runs of the agent (one per turn, one
 * thread) rendering the candidate's version (`config.prompt = name@version`), inside the mesh; and where its
 * demonstrations come from: feedback on the agent's earlier runs (corrections, and answers scored high).
 */
import { randomUUID } from 'node:crypto';
import { RUN_CREATE, type FeedbackRecord, type RunEvent } from '../../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../../runtime/index.js';
import { RunStore, waitForRun } from '../../agent/index.js';
import type { CaseRun, EvalCase } from '../eval/index.js';
import { FEEDBACK_BUCKET } from '../feedback.js';
import type { Demo } from './candidates.js';

/** Runs `c` on `agent` rendering `prompt` (a `name@version` reference); the case run the assertions read. */
export async function runCaseOn(
  system: ActorSystem,
  agent: ActorRef,
  tenant: string,
  c: EvalCase,
  prompt: string,
  timeoutMs: number,
): Promise<CaseRun> {
  const started = performance.now();
  const toolCalls: { name: string; arguments: unknown }[] = [];
  const handoffs: string[] = [];
  const runIds: string[] = [];
  let steps = 0;
  let threadId: string | undefined;
  let last: { status: CaseRun['status']; output: string; error?: string } = { status: 'success', output: '' };
  const seen = (e: RunEvent): void => {
    const d = e.data as { name?: unknown; arguments?: unknown; to?: unknown } | null;
    if (e.event === 'tool_call') toolCalls.push({ name: String(d?.name), arguments: d?.arguments });
    if (e.event === 'handoff') handoffs.push(String(d?.to));
    if (e.event === 'message') steps++;
  };
  for (const turn of c.turns) {
    const runId = randomUUID();
    runIds.push(runId);
    const done = waitForRun(system, runId, tenant, timeoutMs, seen);
    const created = await agent.ask<{ thread_id: string }>(RUN_CREATE, {
      run_id: runId,
      ...(threadId === undefined ? {} : { thread_id: threadId }),
      input: { messages: [{ role: 'user', content: turn }] },
      config: { prompt },
    });
    threadId = created.thread_id;
    const r = await done;
    last =
      r.status === 'success'
        ? { status: 'success', output: r.output ?? '' }
        : r.status === 'interrupted'
          ? { status: 'interrupted', output: '', error: 'the run asked for a human approval (an optimisation does not answer it)' }
          : { status: r.status === 'error' ? 'error' : 'cancelled', output: '', ...(r.error === undefined ? {} : { error: r.error }) };
    if (last.status !== 'success') break;
  }
  return { ...last, toolCalls, handoffs, steps, latencyMs: performance.now() - started, costUsd: 0, runIds };
}

/** The answer text of a correction (a string, or an object's `output`/`answer`/`content`; else its JSON). */
function correctionText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (typeof c === 'object' && c !== null)
    for (const k of ['output', 'answer', 'content']) {
      const v = (c as Record<string, unknown>)[k];
      if (typeof v === 'string') return v;
    }
  return JSON.stringify(c);
}

/**
 * Demonstrations from feedback on `agent`'s runs (newest first): a correction gives the run's last user message and
 * the correction; a score of at least `minScore` without one gives that message and the run's answer.
 */
export async function feedbackDemos(system: ActorSystem, tenant: string, agent: string, max = 64, minScore = 0.9): Promise<Demo[]> {
  const runs = new RunStore(system.storage);
  const records = (await system.storage.bucket(FEEDBACK_BUCKET).list<FeedbackRecord>([tenant]))
    .map((e) => e.value)
    .filter((f) => f.agent === agent && (f.correction !== undefined || (typeof f.score === 'number' && f.score >= minScore)))
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, max);
  const out: Demo[] = [];
  for (const f of records) {
    // The run's messages: its resume checkpoint while it lives, else its thread's history checkpoint.
    const messages =
      (await runs.getCheckpoint(tenant, f.run_id))?.messages ??
      (await runs.history(tenant, f.thread_id, 100)).find((h) => h.run_id === f.run_id)?.messages;
    const input = messages?.findLast((m) => m.role === 'user')?.content;
    if (typeof input !== 'string' || input === '') continue;
    if (f.correction !== undefined) {
      out.push({ input, output: correctionText(f.correction), source: 'correction' });
      continue;
    }
    const answer = messages?.findLast((m) => m.role === 'assistant')?.content;
    if (typeof answer === 'string' && answer !== '') out.push({ input, output: answer, source: 'feedback' });
  }
  // People's corrections first, then well-scored answers.
  return [...out.filter((d) => d.source === 'correction'), ...out.filter((d) => d.source !== 'correction')];
}
