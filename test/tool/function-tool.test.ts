/** Function tools on the real actor system: validation, errors, policies, progress. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  TOOL_CALL,
  TOOL_DESCRIBE,
  defineTool,
  progressTopic,
  spawnTool,
  toolSpec,
  type FunctionTool,
  type ToolCallResult,
  type ToolProgressEvent,
} from '../../actors/tool/index.js';
import { isTroupeError } from '../../protocols/index.js';
import { systemClock, type ActorSystem, type Clock } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function start<I>(
  tool: FunctionTool<I>,
  clock?: Clock,
): Promise<(args: Record<string, unknown>, extra?: { callId?: string; runId?: string }) => Promise<ToolCallResult>> {
  const s = (system ??= await createSystem());
  await spawnTool(s, tool, { backoffMs: 5, ...(clock === undefined ? {} : { clock }) });
  return (args, extra = {}) => s.ref(`tool/${tool.name}`).ask<ToolCallResult>(TOOL_CALL, { name: tool.name, arguments: args, ...extra });
}

const text = (r: ToolCallResult): string => r.content.map((c) => (c.type === 'text' ? String(c.text) : '')).join('');

const greet = defineTool({
  name: 'fs.greet',
  description: 'Greets someone',
  input: z.object({ who: z.string().min(1), times: z.number().int().min(1).default(1) }),
  run: ({ who, times }) => Array.from({ length: times }, () => `hello ${who}`).join(' '),
});

describe('function tools', () => {
  it('answers a string as one text item and an object as JSON text plus structuredContent', async () => {
    const call = await start(greet);
    expect(await call({ who: 'ann', times: 2 })).toEqual({ content: [{ type: 'text', text: 'hello ann hello ann' }] });
    const info = await start(defineTool({ name: 'info', description: 'd', input: z.object({}), run: () => ({ a: 1, b: ['x'] }) }));
    expect(await info({})).toEqual({ content: [{ type: 'text', text: '{"a":1,"b":["x"]}' }], structuredContent: { a: 1, b: ['x'] } });
  });

  it('describes itself with a JSON Schema of its input (no $schema; defaults optional)', async () => {
    await start(greet);
    const spec = await system!.ref('tool/fs.greet').ask(TOOL_DESCRIBE);
    expect(spec).toEqual(toolSpec(greet));
    expect(spec).toMatchObject({ name: 'fs.greet', description: 'Greets someone', parameters: { type: 'object', required: ['who'] } });
    expect(toolSpec(greet).parameters).not.toHaveProperty('$schema');
    expect(() => toolSpec(defineTool({ name: 'bad', description: '', input: z.string() as never, run: () => '' }))).toThrow(
      /object schema/,
    );
    expect(() => defineTool({ ...greet, name: 'no spaces' })).toThrow(/invalid tool name/);
  });

  it('turns invalid arguments into an error result naming the fields, without running the tool', async () => {
    const run = vi.fn(() => 'ran');
    const call = await start(defineTool({ name: 'strict', description: '', input: z.object({ n: z.number(), s: z.string() }), run }));
    const r = await call({ n: 'one' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^invalid arguments for strict: n: .*; s: /);
    expect(r.structuredContent).toEqual({ code: 'bad_request' });
    expect(run).not.toHaveBeenCalled();
    const notObject = await system!.ref('tool/strict').ask<ToolCallResult>(TOOL_CALL, { name: 'strict', arguments: [1, 2] });
    expect(notObject.isError).toBe(true);
    expect(text(notObject)).toMatch(/expected an object/);
    // The actor is still serving.
    expect(await call({ n: 1, s: 'x' })).toEqual({ content: [{ type: 'text', text: 'ran' }] });
  });

  it('refuses message types it does not know with bad_request, without crashing', async () => {
    await start(greet);
    const e: unknown = await system!
      .ref('tool/fs.greet')
      .ask('tool.bogus', {})
      .catch((x: unknown) => x);
    expect(isTroupeError(e, 'bad_request')).toBe(true);
    expect(system!.stateOf(system!.ref('tool/fs.greet'))).not.toBe('failed');
  });

  it('turns a thrown error into an isError text result', async () => {
    const call = await start(
      defineTool({ name: 'boom', description: '', input: z.object({}), run: () => Promise.reject(new Error('disk on fire')) }),
    );
    expect(await call({})).toEqual({ isError: true, content: [{ type: 'text', text: 'disk on fire' }] });
  });

  it('aborts a call that outlives its timeout and answers an error result', async () => {
    let aborted: unknown;
    const call = await start(
      defineTool({
        name: 'slow',
        description: '',
        input: z.object({}),
        timeoutMs: 50,
        run: (_i, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => (aborted = ctx.signal.reason));
            setTimeout(() => resolve('too late'), 2000).unref();
          }),
      }),
    );
    const t0 = Date.now();
    const r = await call({});
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r).toEqual({ isError: true, content: [{ type: 'text', text: 'tool slow timed out after 50 ms' }] });
    expect(aborted).toBeInstanceOf(Error);
  });

  it('stops working at the caller deadline', async () => {
    const signals: AbortSignal[] = [];
    await start(
      defineTool({
        name: 'hang',
        description: '',
        input: z.object({}),
        timeoutMs: 10_000,
        run: (_i, ctx) => (signals.push(ctx.signal), new Promise(() => undefined)),
      }),
    );
    const t0 = Date.now();
    const r: unknown = await system!
      .ref('tool/hang')
      .ask(TOOL_CALL, { name: 'hang', arguments: {} }, { timeoutMs: 80 })
      .catch((x: unknown) => x);
    // The tool's time-out result and the caller's own deadline race; either way the caller hears at the deadline.
    if (!isTroupeError(r, 'deadline_exceeded'))
      expect(r).toEqual({
        isError: true,
        content: [{ type: 'text', text: expect.stringMatching(/^tool hang timed out after \d+ ms$/) as unknown }],
      });
    expect(Date.now() - t0).toBeLessThan(1000);
    await vi.waitFor(() => expect(signals[0]?.aborted).toBe(true));
  });

  it('retries failures of idempotent tools only', async () => {
    let flaky = 0;
    const call = await start(
      defineTool({
        name: 'flaky',
        description: '',
        input: z.object({}),
        idempotent: true,
        retries: 3,
        run: () => (++flaky < 3 ? Promise.reject(new Error(`fail ${flaky}`)) : 'ok'),
      }),
    );
    expect(await call({})).toEqual({ content: [{ type: 'text', text: 'ok' }] });
    expect(flaky).toBe(3);

    let always = 0;
    const call2 = await start(
      defineTool({
        name: 'always',
        description: '',
        input: z.object({}),
        idempotent: true,
        retries: 2,
        run: () => Promise.reject(new Error(`fail ${++always}`)),
      }),
    );
    expect(await call2({})).toEqual({ isError: true, content: [{ type: 'text', text: 'fail 3' }] });
    expect(always).toBe(3);

    let unsafe = 0;
    const call3 = await start(
      defineTool({
        name: 'unsafe',
        description: '',
        input: z.object({}),
        retries: 5,
        run: () => Promise.reject(new Error(`fail ${++unsafe}`)),
      }),
    );
    expect((await call3({})).isError).toBe(true);
    expect(unsafe).toBe(1);

    let invalid = 0;
    const call4 = await start(
      defineTool({ name: 'picky', description: '', input: z.object({ a: z.string() }), idempotent: true, run: () => String(++invalid) }),
    );
    expect((await call4({})).isError).toBe(true);
    expect(invalid).toBe(0);
  });

  it('rate limits with a token bucket and says when to retry', async () => {
    let now = 1_000_000;
    const clock: Clock = { now: () => now, setTimer: systemClock.setTimer, clearTimer: systemClock.clearTimer };
    const call = await start(
      defineTool({ name: 'limited', description: '', input: z.object({}), rateLimit: { perSecond: 2, burst: 2 }, run: () => 'ok' }),
      clock,
    );
    expect((await call({})).isError).toBeUndefined();
    expect((await call({})).isError).toBeUndefined();
    const limited = await call({});
    expect(limited.isError).toBe(true);
    expect(text(limited)).toBe('tool limited is rate limited: retry after 500 ms');
    expect(limited.structuredContent).toEqual({ code: 'rate_limited', retryAfterMs: 500 });
    now += 200;
    expect(text(await call({}))).toBe('tool limited is rate limited: retry after 300 ms');
    now += 300;
    expect(await call({})).toEqual({ content: [{ type: 'text', text: 'ok' }] });
  });

  it('turns a result over maxResultBytes into an error result', async () => {
    const call = await start(
      defineTool({ name: 'big', description: '', input: z.object({ n: z.number() }), maxResultBytes: 100, run: ({ n }) => 'x'.repeat(n) }),
    );
    expect(text(await call({ n: 10 }))).toBe('x'.repeat(10));
    const r = await call({ n: 200 });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^result of big is too large: \d+ bytes > 100 bytes allowed$/);
  });

  it('publishes progress on tool.progress.<callId> (sanitised), and nothing without a call id', async () => {
    const call = await start(
      defineTool({
        name: 'steps',
        description: '',
        input: z.object({ n: z.number() }),
        run: ({ n }, ctx) => {
          for (let i = 1; i <= n; i++) ctx.progress({ progress: i, total: n, message: `step ${i}` });
          return 'done';
        },
      }),
    );
    const callId = 'call/1.a b=c';
    const topic = progressTopic(callId);
    expect(topic).toBe('tool.progress.call=2F1=2Ea=20b=3Dc');
    const seen: unknown[] = [];
    const all: unknown[] = [];
    system!.subscribe(topic, (env) => seen.push(env.payload));
    system!.subscribe('tool.progress.>', (env) => all.push(env.payload));
    expect(text(await call({ n: 3 }, { callId, runId: 'run-1' }))).toBe('done');
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen[2]).toEqual({
      callId,
      runId: 'run-1',
      tool: 'steps',
      progress: 3,
      total: 3,
      message: 'step 3',
    } satisfies ToolProgressEvent);
    await call({ n: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(all).toHaveLength(3);
    expect(progressTopic('x'.repeat(400)).length).toBeLessThanOrEqual(255);
    expect(progressTopic('x'.repeat(400))).not.toBe(progressTopic(`${'x'.repeat(399)}y`));
  });
});
