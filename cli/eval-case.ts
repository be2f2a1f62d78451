/**
 * How `troupe eval` runs one case: as agent runs through a gateway (one run per turn, on one thread), and how it
 * spreads cases over several gateways of one mesh (`--url A,B`): each case goes to the gateway with the fewest
 * cases in flight, so a slow node gets fewer.
 */
import type { CaseRun, EvalCase } from '../actors/index.js';
import type { RunFrame, TroupeClient } from '../gateway/client/index.js';

/** One case as agent runs through the gateway `client`: one run per turn, on one thread. */
export async function runCaseVia(client: TroupeClient, c: EvalCase): Promise<CaseRun> {
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

/** Spreads cases over `clients` (gateways of one mesh): each case goes to the one with the fewest cases in flight. */
export function spreadCases(clients: readonly TroupeClient[]): {
  runCase(c: EvalCase): Promise<CaseRun>;
  /** Cases each client ran, in the order of `clients`. */
  readonly ran: readonly number[];
} {
  if (clients.length === 0) throw new Error('spreadCases needs at least one gateway client');
  const busy = clients.map(() => 0);
  const ran = clients.map(() => 0);
  return {
    ran,
    async runCase(c) {
      let i = 0;
      for (let j = 1; j < busy.length; j++) if ((busy[j] as number) < (busy[i] as number)) i = j;
      busy[i] = (busy[i] as number) + 1;
      ran[i] = (ran[i] as number) + 1;
      try {
        return await runCaseVia(clients[i] as TroupeClient, c);
      } finally {
        busy[i] = (busy[i] as number) - 1;
      }
    },
  };
}
