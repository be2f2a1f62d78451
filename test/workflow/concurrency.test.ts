/**
 * Many concurrent runs of the issue's example on one node (docs/workflows.md, "Speed"): every run starts its agent
 * steps at once, so the agents' mailboxes hold hundreds of `acp.run.create` asks. Each run must complete with its
 * own branch's answer and its own clock stamp — none may fail because its step start waited in a queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../config/index.js';
import { DeadlineExceededError, RUN_CREATE, RUN_RESUME } from '../../protocols/index.js';
import { MemoryStorage, MeshNode, systemClock, type ActorRef, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { WORKFLOW_STATE, type StepRecord } from '../../actors/workflow/index.js';
import { STARTS_IN_FLIGHT, admitStepRun, throughGate } from '../../actors/workflow/step-start.js';
import { eventually } from '../transport/contract.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

const N = 200;
const TENANT = 'acme';

let host: { system: ActorSystem; catalog: Catalog; mesh: MeshNode } | undefined;
afterEach(async () => {
  if (host === undefined) return;
  host.mesh.stop();
  await host.catalog.close();
  await host.system.shutdown();
  host = undefined;
});

type State = { status: string; output?: { answer?: unknown; at?: unknown }; error?: string; steps: Record<string, StepRecord> };

describe('concurrent workflow runs', () => {
  it(`completes ${N} concurrent runs of the example, each with its own branch's answer`, async () => {
    // The default ask deadline (5 s) stays: it is the deadline of each tool step's call (the `stamp` step's clock), and a
    // tool call is not asked again once it passed (a late reply may mean the tool ran; actors/workflow/step-start.ts).
    // Cut to 1 s, it failed a run whenever a loaded machine held the 8 calls in flight past it. The agents' creates
    // (their own 30 s deadline, asked again after it) queue behind each other as before: N runs ask at once.
    const config = configSchema.parse({ workflows: [parse(SUPPORT_FLOW_YAML) as unknown] });
    const system = await createSystem({ config, storage: new MemoryStorage(), warn: () => undefined });
    const mesh = new MeshNode(system);
    const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
    await mesh.start();
    host = { system, catalog, mesh };
    const ref = await catalog.ensure('workflow/support-flow', TENANT);
    const waiting = new Set<string>();
    const ended = new Map<string, string>();
    const runOf = (p: unknown) => (p as { run_id: string }).run_id;
    system.subscribe('workflow.support-flow.step.waiting', (env) => waiting.add(runOf(env.payload)), { tenant: TENANT });
    for (const end of ['completed', 'failed', 'cancelled'])
      system.subscribe(
        `workflow.support-flow.workflow.${end}`,
        (env) => {
          const e = env.payload as { error?: string; step?: string };
          ended.set(runOf(env.payload), end === 'completed' ? end : `${end} at ${e.step ?? '?'}: ${e.error ?? ''}`);
        },
        { tenant: TENANT },
      );

    // Half the runs are about a bill (billing answers, tech is skipped), half not (the other way round).
    const text = (i: number) => (i % 2 === 0 ? `my bill ${i} is wrong` : `my screen ${i} is blank`);
    const ids = Array.from({ length: N }, (_, i) => `run-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        ref.ask(RUN_CREATE, { run_id: id, input: { messages: [{ role: 'user', content: text(i) }] } }, { timeoutMs: 60_000 }),
      ),
    );
    await eventually(() => waiting.size + ended.size >= N, 90_000, `${N} runs waiting for their review`);
    expect([...ended.entries()].filter(([, e]) => e !== 'completed').slice(0, 5)).toEqual([]);
    await Promise.all(ids.map((id) => ref.ask(RUN_RESUME, { run_id: id, resume: { approve: true } }, { timeoutMs: 60_000 })));
    await eventually(() => ended.size >= N, 90_000, `${N} runs ended`);
    expect([...ended.entries()].filter(([, e]) => e !== 'completed').slice(0, 5)).toEqual([]);

    for (const [i, id] of ids.entries()) {
      const st = await ref.ask<State>(WORKFLOW_STATE, { run_id: id });
      const [ran, skipped] = i % 2 === 0 ? ['billing', 'tech'] : ['tech', 'billing'];
      expect({ id, status: st.status, ran: st.steps[ran]?.status, skipped: st.steps[skipped]?.status }).toEqual({
        id,
        status: 'success',
        ran: 'completed',
        skipped: 'skipped',
      });
      const answer = st.steps[ran]?.output;
      expect(typeof answer === 'string' && answer.length > 0).toBe(true);
      expect(st.output?.answer).toBe(answer);
      expect(st.output?.at).toEqual(st.steps.stamp?.output);
      expect(st.steps.review?.output).toEqual({ decision: 'approve' });
    }
  }, 240_000);

  it(`lets ${STARTS_IN_FLIGHT} step asks per target be in flight on a node, the rest in order; a cancelled one leaves`, async () => {
    const system = { clock: systemClock } as unknown as ActorSystem;
    let inFlight = 0;
    let most = 0;
    const began: number[] = [];
    const finish: (() => void)[] = [];
    const call = (i: number, signal: AbortSignal) =>
      throughGate(system, 'acme/agent/triage', signal, async () => {
        began.push(i);
        most = Math.max(most, ++inFlight);
        await new Promise<void>((r) => finish.push(r));
        inFlight--;
        return i;
      });
    const cancel = new AbortController();
    const calls = Array.from({ length: 20 }, (_, i) => call(i, i === 12 ? cancel.signal : new AbortController().signal));
    // Another target is not held up by this one's queue.
    const other = throughGate(system, 'acme/tool/clock', new AbortController().signal, () => Promise.resolve('other'));
    await expect(other).resolves.toBe('other');
    await eventually(() => began.length === STARTS_IN_FLIGHT, 5_000, 'the first calls to begin');
    cancel.abort(new Error('step cancelled'));
    await expect(calls[12]).rejects.toThrow('step cancelled');
    while (began.length < 19) {
      const n = began.length;
      finish.shift()?.();
      await eventually(() => began.length > n || began.length === 19, 5_000, 'the next call to begin');
    }
    for (const f of finish.splice(0)) f();
    await eventually(() => inFlight === 0, 5_000, 'every call to end');
    expect(await Promise.all(calls.filter((_, i) => i !== 12))).toEqual([...Array(20).keys()].filter((i) => i !== 12));
    expect(most).toBe(STARTS_IN_FLIGHT);
    expect(began).toEqual([...Array(20).keys()].filter((i) => i !== 12));
  });

  it("asks an agent's create again when its deadline passed, and gives up at the step's end or on another error", async () => {
    const system = { clock: systemClock } as unknown as ActorSystem;
    const agent = { tenant: 'acme', address: 'agent/triage' } as ActorRef;
    const live = new AbortController().signal;
    let asked = 0;
    const late = () => {
      asked++;
      return asked < 3 ? Promise.reject(new DeadlineExceededError('deadline of acp.run.create passed')) : Promise.resolve('created');
    };
    await expect(admitStepRun(system, agent, live, Date.now() + 60_000, late)).resolves.toBe('created');
    expect(asked).toBe(3);
    // A create that never gets in: asked again (after 100, 200, 400 ms…) until the step's end, and not after it.
    const askedAt: number[] = [];
    const giveUpAt = Date.now() + 1_000;
    const never = () => {
      askedAt.push(Date.now());
      return Promise.reject(new DeadlineExceededError('deadline of acp.run.create passed'));
    };
    await expect(admitStepRun(system, agent, live, giveUpAt, never)).rejects.toThrow('deadline of acp.run.create');
    expect(askedAt.length).toBeGreaterThan(1);
    expect(askedAt.every((t) => t <= giveUpAt)).toBe(true);
    await expect(admitStepRun(system, agent, live, Date.now() + 60_000, () => Promise.reject(new Error('no such agent')))).rejects.toThrow(
      'no such agent',
    );
  });
});
