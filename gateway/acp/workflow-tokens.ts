/**
 * The tokens of a workflow run's agent steps as LangGraph `messages` events (docs/workflows.md, "Clients"). An agent
 * step's run id is `<workflow run>.<step>.<visit>.<attempt>` (actors/workflow/executor.ts), so one subscription to
 * `run.<workflow run>.>` hears every agent step of the run, from before its first step starts.
 */
import { runTopic, type RunEvent } from '../../protocols/index.js';
import type { Subscription } from '../../runtime/index.js';
import type { AcpContext } from './session.js';
import type { SseEvent } from './translate.js';

/** What a token event is shown with: the run, and the step as the LangGraph node. */
export interface TokenContext {
  readonly tenant: string;
  readonly workflow: string;
  readonly runId: string;
  readonly threadId: string;
}

/** The step an agent step run belongs to (`<run>.<step>.<visit>.<attempt>`), or undefined for another id. */
export function stepOfAgentRun(workflowRunId: string, agentRunId: string): string | undefined {
  if (!agentRunId.startsWith(`${workflowRunId}.`)) return undefined;
  const parts = agentRunId.slice(workflowRunId.length + 1).split('.');
  return parts.length >= 3 ? parts.slice(0, -2).join('.') : undefined;
}

/** The `messages` (messages-tuple) event of one token of an agent step. */
export function tokenEvent(c: TokenContext, e: RunEvent): SseEvent | undefined {
  if (e.event !== 'token') return undefined;
  const step = stepOfAgentRun(c.runId, e.run_id);
  if (step === undefined) return undefined;
  const text = String((e.data as { text?: unknown } | undefined)?.text ?? '');
  const chunk = { type: 'AIMessageChunk', id: e.run_id, content: text, name: null, tool_calls: [], tool_call_chunks: [] };
  const meta = {
    run_id: c.runId,
    thread_id: c.threadId,
    assistant_id: c.workflow,
    graph_id: c.workflow,
    agent: e.agent,
    langgraph_node: step,
  };
  return { event: 'messages', data: [chunk, meta] };
}

/** Sends each agent-step token of the run to `send` until unsubscribed. */
export function followTokens(ctx: AcpContext, c: TokenContext, send: (e: SseEvent) => void): Subscription {
  return ctx.deps.system.subscribe(
    `${runTopic(c.runId)}.>`,
    (env) => {
      const ev = tokenEvent(c, env.payload as RunEvent);
      if (ev !== undefined) send(ev);
    },
    { tenant: c.tenant },
  );
}

/** Tokens heard before the stream is open are kept, then sent in order once it attaches. */
export class TokenFeed {
  private readonly queued: SseEvent[] = [];
  private send: ((e: SseEvent) => void) | undefined;
  private readonly sub: Subscription;

  constructor(ctx: AcpContext, c: TokenContext) {
    this.sub = followTokens(ctx, c, (e) => (this.send === undefined ? this.queued.push(e) : this.send(e)));
  }

  /** Sends what was kept, then every token as it comes. */
  attach(send: (e: SseEvent) => void): void {
    for (const e of this.queued.splice(0)) send(e);
    this.send = send;
  }

  /** Stops listening. */
  close(): void {
    this.sub.unsubscribe();
  }
}
