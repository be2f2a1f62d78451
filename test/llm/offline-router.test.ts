/**
 * The offline model decides by meaning (USE-lite, loaded once for the file): handoffs, delegation
 * and tool calls chosen from descriptions with paraphrases, not the descriptions' own words; a
 * threshold leaves unrelated messages alone; recalled passages answer when nothing routes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  OfflineProvider,
  RECALLED_CONTEXT_HEADING,
  SemanticRouter,
  extractExpression,
  fillArguments,
  type ChatMessage,
  type ModelEvent,
  type ToolSpec,
} from '../../actors/llm/index.js';
import { UseLiteEmbedder } from '../../actors/memory/index.js';
import { calculatorTool, clockTool, toolSpec } from '../../actors/tool/index.js';
import { DEFAULT_AGENTS } from '../../config/index.js';

const router = new SemanticRouter(new UseLiteEmbedder());
const provider = new OfflineProvider({ router });
beforeAll(async () => {
  await router.route('warm up', [{ name: 'x', description: 'load the model once', parameters: {} }]);
}, 60_000);

const describeOf = (name: string): string => DEFAULT_AGENTS.find((a) => a.name === name)?.description ?? '';
const transfer = (a: string): ToolSpec => ({
  name: `transfer_to_${a}`,
  description: `Hand the conversation to agent ${a}: ${describeOf(a)}`,
  parameters: { type: 'object', properties: {} },
});
const ask = (a: string): ToolSpec => ({
  name: `ask_${a}`,
  description: `Ask agent ${a} a question and get its answer: ${describeOf(a)}`,
  parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
});
const tools = { calculator: toolSpec(calculatorTool), clock: toolSpec(clockTool) };

async function reply(messages: ChatMessage[], offered: ToolSpec[]): Promise<Extract<ModelEvent, { type: 'done' }>['message']> {
  let done: ChatMessage | undefined;
  for await (const e of provider.stream({ model: 'offline', messages, tools: offered })) if (e.type === 'done') done = e.message;
  return done as ChatMessage;
}
const user = (content: string): ChatMessage[] => [
  { role: 'system', content: 'Route the user.' },
  { role: 'user', content },
];

describe('the offline model routes by meaning', () => {
  it.each([
    ['I was charged twice on my invoice, please help with billing', 'billing'],
    ['my card got billed two times this month', 'billing'],
    ['can I get my money back for last month?', 'billing'],
    ['the app crashes every time I open it', 'tech'],
    ['I cannot log in, the page says error 500', 'tech'],
  ])('hands "%s" to %s', async (text, agent) => {
    const m = await reply(user(text), [transfer('billing'), transfer('tech')]);
    expect(m.toolCalls?.map((c) => c.name)).toEqual([`transfer_to_${agent}`]);
    expect(m.content).toBe('');
  });

  it('delegates with the message as the question', async () => {
    const text = 'why was my subscription renewed at a higher price?';
    const m = await reply(user(text), [ask('billing'), ask('tech')]);
    expect(m.toolCalls).toEqual([expect.objectContaining({ name: 'ask_billing', arguments: { question: text } })]);
  });

  it('calls the calculator with the expression read from the message', async () => {
    const m = await reply(user('what is 2*(3+4)^2?'), [tools.clock, tools.calculator]);
    expect(m.toolCalls).toEqual([expect.objectContaining({ name: 'calculator', arguments: { expression: '2*(3+4)^2' } })]);
  });

  it('calls the clock for the time', async () => {
    const m = await reply(user('what time is it right now?'), [tools.clock, tools.calculator]);
    expect(m.toolCalls?.map((c) => c.name)).toEqual(['clock']);
  });

  it.each(['tell me a joke about cats', 'what is the capital of France?', 'hello there'])(
    'routes nothing for "%s" and says it is offline',
    async (text) => {
      const m = await reply(user(text), [transfer('billing'), transfer('tech'), tools.clock, tools.calculator]);
      expect(m.toolCalls).toBeUndefined();
      expect(m.content).toContain('offline model');
      expect(m.content).toContain(text);
    },
  );

  it('skips a matching tool whose required arguments the message does not give', async () => {
    const m = await reply(user('please compute something for me with the calculator'), [tools.calculator]);
    expect(m.toolCalls).toBeUndefined();
  });

  it('still honours the slash commands first', async () => {
    const m = await reply(user('/handoff tech'), [transfer('billing'), transfer('tech')]);
    expect(m.toolCalls?.map((c) => c.name)).toEqual(['transfer_to_tech']);
  });

  it('after a handoff the specialist answers instead of passing it on', async () => {
    const messages: ChatMessage[] = [
      ...user('I was charged twice on my invoice'),
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'transfer_to_billing', arguments: {} }] },
      { role: 'tool', name: 'transfer_to_billing', toolCallId: 'c1', content: 'transferred to billing' },
    ];
    const m = await reply(messages, [transfer('tech'), transfer('billing')]);
    expect(m.toolCalls).toBeUndefined();
    expect(m.content).toContain('charged twice');
  });

  it('answers from recalled passages when nothing routes', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer from the handbook.' },
      {
        role: 'system',
        content: [
          RECALLED_CONTEXT_HEADING,
          '[1] (handbook#3) Staff get 25 days of paid leave a year.',
          '[2] (handbook#9) The office opens at 8.',
        ].join('\n'),
      },
      { role: 'user', content: 'how many vacation days do I have?' },
    ];
    const m = await reply(messages, [tools.calculator]);
    expect(m.toolCalls).toBeUndefined();
    expect(m.content).toContain('(handbook#3)');
    expect(m.content).toContain('25 days of paid leave');
  });
});

describe('arguments read from the message', () => {
  it('finds the arithmetic in a sentence', () => {
    expect(extractExpression('what is 2*(3+4)^2?')).toBe('2*(3+4)^2');
    expect(extractExpression('compute sqrt(16) + 1 please')).toBe('sqrt(16) + 1');
    expect(extractExpression('error 500 on login')).toBeUndefined();
    expect(fillArguments(tools.calculator, 'no numbers here')).toBeUndefined();
  });

  it('any expression embedded in prose is found whole', () => {
    const num = fc.integer({ min: 0, max: 999 }).map(String);
    const expr = fc.tuple(num, fc.constantFrom('+', '-', '*', '/', '^'), num).map(([a, op, b]) => `${a}${op}${b}`);
    fc.assert(
      fc.property(expr, fc.constantFrom('what is ', 'please work out ', 'I need '), (e, lead) => extractExpression(`${lead}${e}?`) === e),
    );
  });
});
