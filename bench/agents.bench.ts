/**
 * The agents suite: runtime overhead per agent turn on a scripted model (no delays), so every
 * microsecond measured is runtime, not model. One run = 2 turns: the model calls tool `add`,
 * then gives a final answer. Troupe (agent actor + `tool/add` actor on `createSystem()`, memory
 * transport, runs driven by `waitForRun` + `acp.run.create`) beside two baselines measured in
 * the same process: the scripted model and the tool function called directly in a loop, and a
 * LangGraph.js StateGraph (agent node → ToolNode, `toolsCondition` edge) on the same model. Then the logging and
 * tracing cost of the same turn (bench/observability.ts).
 */
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import { agentBehavior, waitForRun } from '../actors/agent/index.js';
import type { ChatMessage, ModelEvent, ModelProvider, ModelRequest, ToolCall } from '../actors/llm/types.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../actors/tool/types.js';
import { RUN_CREATE } from '../protocols/index.js';
import type { ActorSystem, Behavior } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { logLineCost, observabilityCost } from './observability.js';
import { latency, type BenchOptions, type Figure, type Goal, type Latency, type Suite, type SuiteResult } from './harness.js';

/** Goals of the agents issue. */
export const GOALS = { overheadUsPerTurn: 200, vsLangGraph: 3 } as const;

/** Model calls per run: tool call, then final answer. */
const TURNS_PER_RUN = 2;

interface Sizes {
  readonly runs: number;
  readonly warmup: number;
  readonly rounds: number;
}

function sizes(options: BenchOptions): Sizes {
  const s = options.quick ? { runs: 200, warmup: 50, rounds: 1 } : { runs: 2_000, warmup: 500, rounds: 3 };
  return { ...s, rounds: options.runs ?? s.rounds };
}

// ---- the scripted model ----------------------------------------------------------------------

const ANSWER_TOKENS = ['The', ' sum', ' is', ' '];
const CALL_TOKENS = ['Let', ' me', ' add.'];

/**
 * Deterministic and delay-free: when the conversation ends with a tool result it streams a
 * final answer quoting it; otherwise it streams a few tokens and calls `add` with {a, b}.
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  private seq = 0;

  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') {
      for (const text of ANSWER_TOKENS) yield { type: 'token', text };
      yield { type: 'token', text: last.content };
      const content = `${ANSWER_TOKENS.join('')}${last.content}`;
      yield {
        type: 'done',
        message: { role: 'assistant', content },
        usage: { promptTokens: request.messages.length, completionTokens: 5 },
        stopReason: 'stop',
      };
      return;
    }
    for (const text of CALL_TOKENS) yield { type: 'token', text };
    const call: ToolCall = { id: `call_${++this.seq}`, name: 'add', arguments: { a: 2, b: 3 } };
    yield { type: 'tool_call', call };
    yield {
      type: 'done',
      message: { role: 'assistant', content: CALL_TOKENS.join(''), toolCalls: [call] },
      usage: { promptTokens: request.messages.length, completionTokens: 3 },
      stopReason: 'tool_calls',
    };
  }
}

function add(args: Record<string, unknown>): number {
  return Number(args['a']) + Number(args['b']);
}

/** Consumes one streamed call the way a host does (tokens counted, the `done` message kept). */
async function complete(provider: ModelProvider, request: ModelRequest, onToken: (t: string) => void): Promise<ChatMessage> {
  let reply: ChatMessage | undefined;
  for await (const ev of provider.stream(request)) {
    if (ev.type === 'token') onToken(ev.text);
    else if (ev.type === 'done') reply = ev.message;
  }
  if (reply === undefined) throw new Error('scripted model ended without a reply');
  return reply;
}

const SPEC = {
  name: 'add',
  description: 'Adds two numbers.',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};
const INSTRUCTIONS = 'You add numbers with the add tool.';
const QUESTION = 'What is 2 + 3?';

function check(output: string | undefined, who: string): void {
  if (output !== 'The sum is 5') throw new Error(`${who}: unexpected answer ${JSON.stringify(output)}`);
}

// ---- troupe ---------------------------------------------------------------------------------

/** The trivial tool actor (same shape as the one in test/agent). */
const addTool: Behavior<undefined> = {
  receive(msg) {
    if (msg.type === TOOL_DESCRIBE) return SPEC;
    if (msg.type !== TOOL_CALL) return undefined;
    return { content: [{ type: 'text', text: String(add((msg.payload as ToolCallRequest).arguments)) }] };
  },
};

async function troupeMesh(provider: ModelProvider): Promise<{ system: ActorSystem; run: () => Promise<void> }> {
  const system = await createSystem();
  await system.spawn('tool/add', addTool, { pool: true });
  await system.spawn(
    'agent/adder',
    agentBehavior({ name: 'adder', instructions: INSTRUCTIONS, provider, model: 'scripted', tools: ['add'] }),
  );
  const agent = system.ref('agent/adder');
  let seq = 0;
  const run = async (): Promise<void> => {
    const runId = `bench-${++seq}`;
    const done = waitForRun(system, runId, 'default', 10_000);
    await agent.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: QUESTION }] } });
    const result = await done;
    if (result.status !== 'success') throw new Error(`troupe run ${runId}: ${result.status} ${result.error ?? ''}`);
    check(result.output, 'troupe');
  };
  return { system, run };
}

// ---- baseline A: direct loop -----------------------------------------------------------------

function directRunner(provider: ModelProvider): () => Promise<void> {
  let tokens = 0;
  const onToken = (): void => void tokens++;
  return async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: QUESTION }];
    for (;;) {
      const reply = await complete(
        provider,
        { model: 'scripted', messages: [{ role: 'system', content: INSTRUCTIONS }, ...messages], tools: [SPEC] },
        onToken,
      );
      messages.push(reply);
      const calls = reply.toolCalls ?? [];
      if (calls.length === 0) return check(reply.content, 'direct');
      const results = await Promise.all(calls.map(async (c) => String(add(c.arguments))));
      for (const [i, c] of calls.entries()) messages.push({ role: 'tool', name: c.name, toolCallId: c.id, content: results[i] as string });
    }
  };
}

// ---- baseline B: LangGraph.js ----------------------------------------------------------------

function toChat(m: BaseMessage): ChatMessage {
  const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
  switch (m.getType()) {
    case 'system':
      return { role: 'system', content };
    case 'ai': {
      const calls = (m as AIMessage).tool_calls ?? [];
      return calls.length === 0
        ? { role: 'assistant', content }
        : { role: 'assistant', content, toolCalls: calls.map((c) => ({ id: c.id ?? '', name: c.name, arguments: c.args })) };
    }
    case 'tool':
      return { role: 'tool', content, toolCallId: (m as unknown as { tool_call_id: string }).tool_call_id, name: m.name };
    default:
      return { role: 'user', content };
  }
}

/** The scripted provider as a LangChain chat model (what ChatOpenAI & co. are to a real API). */
class ScriptedChatModel extends BaseChatModel {
  constructor(private readonly provider: ModelProvider) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    let tokens = 0;
    const reply = await complete(this.provider, { model: 'scripted', messages: messages.map(toChat), tools: [SPEC] }, () => void tokens++);
    const message = new AIMessage({
      content: reply.content,
      tool_calls: (reply.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, args: c.arguments, type: 'tool_call' as const })),
    });
    return { generations: [{ text: reply.content, message }] };
  }
}

function langGraphRunner(provider: ModelProvider): () => Promise<void> {
  const model = new ScriptedChatModel(provider);
  const addLc = tool(async ({ a, b }: { a: number; b: number }) => String(a + b), {
    name: 'add',
    description: SPEC.description,
    schema: z.object({ a: z.number(), b: z.number() }),
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke([{ role: 'system', content: INSTRUCTIONS }, ...state.messages])] }))
    .addNode('tools', new ToolNode([addLc]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  return async () => {
    const out = await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] });
    const last = out.messages[out.messages.length - 1];
    check(typeof last?.content === 'string' ? last.content : undefined, 'langgraph');
  };
}

// ---- the suite -------------------------------------------------------------------------------

interface CaseResult {
  readonly best: Latency;
  readonly rates: number[];
}

function turnsPerSec(l: Latency): number {
  return l.opsPerSec * TURNS_PER_RUN;
}

export const agentsSuite: Suite = {
  name: 'agents',
  description: 'runtime overhead per agent turn (scripted model, memory transport) vs a direct loop and LangGraph.js',
  async run(options: BenchOptions): Promise<SuiteResult> {
    const s = sizes(options);
    const provider = new ScriptedProvider();
    const troupe = await troupeMesh(provider);
    const cases: { name: 'troupe' | 'direct' | 'langgraph'; op: () => Promise<void> }[] = [
      { name: 'troupe', op: troupe.run },
      { name: 'direct', op: directRunner(provider) },
      { name: 'langgraph', op: langGraphRunner(provider) },
    ];
    const results = new Map<string, CaseResult>();
    try {
      for (const c of cases) {
        options.log(`warmup ${c.name} (${s.warmup} runs)`);
        await latency({ count: s.warmup, warmup: 0, op: c.op });
      }
      // Interleaved rounds: each case sees the same machine load; best round kept per case.
      for (let r = 0; r < s.rounds; r++) {
        for (const c of cases) {
          const l = await latency({ count: s.runs, warmup: 0, op: c.op });
          options.log(
            `round ${r + 1}/${s.rounds} ${c.name}: ${Math.round(turnsPerSec(l))} turns/s, ` +
              `run p50 ${l.p50Us.toFixed(1)} µs p99 ${l.p99Us.toFixed(1)} µs`,
          );
          const prev = results.get(c.name);
          const rates = [...(prev?.rates ?? []), turnsPerSec(l)];
          results.set(c.name, { best: prev === undefined || l.opsPerSec > prev.best.opsPerSec ? l : prev.best, rates });
        }
      }
    } finally {
      await troupe.system.shutdown();
    }
    const get = (n: string): Latency => (results.get(n) as CaseResult).best;
    const t = get('troupe');
    const d = get('direct');
    const g = get('langgraph');
    const turnUs = (l: Latency): number => 1e6 / turnsPerSec(l);
    const overheadUs = turnUs(t) - turnUs(d);
    const vsLg = turnsPerSec(t) / turnsPerSec(g);
    const figures: Figure[] = [
      {
        name: 'troupe turns/s',
        value: turnsPerSec(t),
        unit: 'turns/s',
        higherIsBetter: true,
        baselines: [
          { name: 'direct', value: turnsPerSec(d), unit: 'turns/s' },
          { name: 'langgraph', value: turnsPerSec(g), unit: 'turns/s' },
        ],
      },
      ...(['p50Us', 'p99Us'] as const).map((q) => ({
        name: `troupe turn ${q.slice(0, 3)} (run/2)`,
        value: t[q] / TURNS_PER_RUN,
        unit: 'µs',
        higherIsBetter: false,
        baselines: [
          { name: 'direct', value: d[q] / TURNS_PER_RUN, unit: 'µs' },
          { name: 'langgraph', value: g[q] / TURNS_PER_RUN, unit: 'µs' },
        ],
      })),
      { name: 'troupe overhead/turn', value: overheadUs, unit: 'µs', higherIsBetter: false, baselines: [] },
    ];
    const goals: Goal[] = [
      {
        name: `runtime cost < ${GOALS.overheadUsPerTurn} µs per turn (memory transport)`,
        met: overheadUs < GOALS.overheadUsPerTurn,
        detail:
          `${overheadUs.toFixed(1)} µs = troupe ${turnUs(t).toFixed(1)} µs/turn ` +
          `- direct ${turnUs(d).toFixed(1)} µs/turn (best of ${s.rounds})`,
      },
      {
        name: `troupe >= ${GOALS.vsLangGraph}x LangGraph.js turns/s`,
        met: vsLg >= GOALS.vsLangGraph,
        detail: `${vsLg.toFixed(2)}x (troupe ${Math.round(turnsPerSec(t))} vs langgraph ${Math.round(turnsPerSec(g))} turns/s)`,
      },
    ];
    options.log('logging and tracing cost (silent logs / info logs / tracing on)');
    const obs = await observabilityCost(
      options,
      s,
      { provider, tool: addTool, question: QUESTION, check: (o) => check(o, 'observability') },
      TURNS_PER_RUN,
    );
    figures.push(...obs.figures, await logLineCost());
    goals.push(...obs.goals);
    const rounds = (n: string): string =>
      (results.get(n) as CaseResult).rates.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ');
    return {
      suite: 'agents',
      figures,
      goals,
      notes: [
        `${s.runs} sequential runs of ${TURNS_PER_RUN} turns per case per round, ${s.warmup} warmup runs; ` +
          `turns/s is the best of ${s.rounds} interleaved rounds`,
        `turns/s per round: troupe ${rounds('troupe')}; direct ${rounds('direct')}; langgraph ${rounds('langgraph')}`,
        'troupe publishes every token/message/tool event on run.<id> and keeps thread history; ' +
          'langgraph uses graph.invoke (no streaming, no checkpointer)',
        ...obs.notes,
      ],
    };
  },
};
