/**
 * How `troupe eval` runs one case: as agent runs through a gateway (one run per turn, on one thread), and how it
 * spreads cases over several gateways of one mesh (`--url A,B`): each case goes to the gateway with the fewest
 * cases in flight, so a slow node gets fewer. And how a case's score goes back as feedback on its run, so an
 * experiment the run was assigned by counts it as a reward (docs/trainers.md).
 */
import type { CaseResult, CaseRun, EvalCase } from '../actors/index.js';
import { scrubSecrets } from '../protocols/index.js';
import type { RunFrame, TroupeClient } from '../gateway/client/index.js';

/**
 * One case as agent runs through the gateway `client`: one run per turn, on one thread. `onNode` hears the node the
 * gateway says runs the case's agent.
 */
export async function runCaseVia(client: TroupeClient, c: EvalCase, onNode?: (node: string) => void): Promise<CaseRun> {
  const started = performance.now();
  const toolCalls: { name: string; arguments: unknown }[] = [];
  const handoffs: string[] = [];
  const runIds: string[] = [];
  let steps = 0;
  let cost = 0;
  let threadId: string | undefined;
  let last: { status: CaseRun['status']; output: string; error?: string } = { status: 'success', output: '' };
  for (const turn of c.turns) {
    const conv = await client.start(c.agent, turn, threadId === undefined ? {} : { threadId });
    threadId = conv.threadId;
    runIds.push(conv.runId);
    if (conv.node !== undefined) onNode?.(conv.node);
    let interrupted = false;
    const outcome = await conv.result((f: RunFrame) => {
      if (f.type === 'run.event' && f.event === 'tool_call') {
        const d = f.data as { name?: unknown; arguments?: unknown };
        toolCalls.push({ name: String(d.name), arguments: d.arguments });
      }
      if (f.type === 'run.event' && f.event === 'handoff') handoffs.push(String((f.data as { to?: unknown }).to));
      if (f.type === 'run.event' && f.event === 'message') steps++;
      if (f.type === 'run.completed') cost += Number((f.usage as { cost?: unknown } | undefined)?.cost ?? 0) || 0;
      if (f.type === 'run.interrupted') {
        interrupted = true;
        conv.cancel();
      }
    });
    last =
      outcome.status === 'success'
        ? { status: 'success', output: outcome.output }
        : interrupted
          ? { status: 'interrupted', output: '', error: 'the run asked for a human approval (an eval does not answer it)' }
          : {
              status: outcome.status === 'error' ? 'error' : 'cancelled',
              output: '',
              ...(outcome.status === 'error' ? { error: outcome.error } : {}),
            };
    if (last.status !== 'success') break;
  }
  return { ...last, toolCalls, handoffs, steps, latencyMs: performance.now() - started, costUsd: cost, runIds };
}

/**
 * Spreads cases over `clients` (gateways of one mesh). A case goes to the gateway on the node that runs its agent, once
 * a run of that agent said which node that is (`run.created`'s `node` against the gateway's `welcome`): its runs then
 * cross no node. Otherwise it goes to the gateway with the fewest cases in flight.
 */
export function spreadCases(clients: readonly TroupeClient[]): {
  runCase(c: EvalCase): Promise<CaseRun>;
  /** Cases each client ran, in the order of `clients`. */
  readonly ran: readonly number[];
  /** Cases sent to the gateway on their agent's node. */
  readonly local: () => number;
} {
  if (clients.length === 0) throw new Error('spreadCases needs at least one gateway client');
  const busy = clients.map(() => 0);
  const ran = clients.map(() => 0);
  /** Agent → the indexes of the clients on the node that runs it. */
  const home = new Map<string, number[]>();
  let local = 0;
  const learn = (agent: string) => (node: string) => {
    const at = clients.flatMap((cl, j) => (cl.welcome?.node === node ? [j] : []));
    if (at.length > 0) home.set(agent, at);
  };
  const all = clients.map((_, j) => j);
  return {
    ran,
    local: () => local,
    async runCase(c) {
      const near = home.get(c.agent);
      if (near !== undefined) local++;
      const pool = near ?? all;
      let i = pool[0] as number;
      for (const j of pool) if ((busy[j] as number) < (busy[i] as number)) i = j;
      busy[i] = (busy[i] as number) + 1;
      ran[i] = (ran[i] as number) + 1;
      try {
        return await runCaseVia(clients[i] as TroupeClient, c, clients.length > 1 ? learn(c.agent) : undefined);
      } finally {
        busy[i] = (busy[i] as number) - 1;
      }
    },
  };
}

/** Where and how {@link postCaseFeedback} posts. */
export interface EvalFeedback {
  /** A gateway of the mesh the cases ran on. */
  readonly url: string;
  readonly key?: string;
  /** The feedback key (default `eval`); an experiment counts it when its `key` is this one, or when it has none. */
  readonly feedbackKey: string;
  /** The suite's name, in the feedback's `feedback_source.metadata`. */
  readonly suite: string;
}

/**
 * Posts a case's score as feedback (`feedback_source: {type: "eval"}`) on its last run — the run whose answer the
 * assertions checked. A case whose run was cancelled or stopped for an approval posts nothing (the eval cut it
 * short); a run that failed scores 0.
 */
export async function postCaseFeedback(f: EvalFeedback, r: CaseResult): Promise<void> {
  const runId = r.runIds.at(-1);
  if (runId === undefined || (r.status !== 'success' && r.status !== 'error')) return;
  const body = {
    key: f.feedbackKey,
    score: r.score,
    comment: `${r.pass ? 'passed' : 'failed'} eval case ${r.id}`,
    feedback_source: { type: 'eval', metadata: { suite: f.suite, case: r.id, pass: r.pass } },
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (f.key !== undefined) headers['authorization'] = `Bearer ${f.key}`;
  const res = await fetch(`${f.url}/acp/runs/${encodeURIComponent(runId)}/feedback`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`feedback on run ${runId}: HTTP ${res.status} ${scrubSecrets((await res.text()).slice(0, 300))}`);
}
