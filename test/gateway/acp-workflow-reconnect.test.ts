/**
 * A workflow run's `/acp` stream whose connection drops mid-run (docs/workflows.md, "Clients"): both LangGraph SDK
 * lines reconnect to the `Location` the stream named, with `Last-Event-ID`, and the frames they yield add up to the
 * whole stream — every frame once, in order. A join stream with `Last-Event-ID` `n` or `n.i` goes on right after
 * that frame. A TCP proxy between the SDK and the gateway cuts the first streaming connection (mid-frame).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AGENTS } from '../../config/index.js';
import { Gateway, acpRoute, generateApiKey } from '../../gateway/index.js';
import { Client } from '@langchain/langgraph-sdk';
import { LINES, collect, type AnyClient, type Ev } from './acp-fixture.js';
import { CHAIN, cuttingProxy, workflowMesh, type CuttingProxy, type WorkflowMesh } from './workflow-fixture.js';

const MODES = ['custom', 'updates'] as const;

let fx: WorkflowMesh;
let gateway: Gateway;
let key: string;
let url: string;
let proxy: CuttingProxy;
let proxyUrl: string;

beforeAll(async () => {
  fx = await workflowMesh({ agents: DEFAULT_AGENTS, workflows: [CHAIN] });
  const user = generateApiKey();
  key = user.key;
  gateway = await Gateway.start({
    deps: fx.deps,
    routes: [acpRoute(fx.deps)],
    port: 0,
    auth: { keys: [{ id: 'u', hash: user.hash, tenant: 'acme', roles: ['user'] }] },
    limits: { ratePerSec: 10_000, burst: 10_000 },
    warn: () => undefined,
  });
  url = `http://127.0.0.1:${gateway.port}/acp`;
  proxy = await cuttingProxy(gateway.port);
  proxyUrl = `${proxy.url}/acp`;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await gateway?.close();
  await fx?.close();
});

/** The SSE frames of a raw join stream (`id` and `event` of each). */
async function rawJoin(threadId: string, runId: string, lastEventId?: string): Promise<{ id?: string; event: string }[]> {
  const query = MODES.map((m) => `stream_mode=${m}`).join('&');
  const res = await fetch(`${url}/threads/${threadId}/runs/${runId}/stream?${query}`, {
    headers: { 'x-api-key': key, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
  });
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n\n')
    .filter((b) => b.includes('event: '))
    .map((b) => {
      const id = /^id: (.*)$/m.exec(b)?.[1];
      return { event: /^event: (.*)$/m.exec(b)?.[1] ?? '', ...(id === undefined ? {} : { id }) };
    });
}

describe.each(LINES)('a workflow run stream with LangGraph SDK %s', (_line, Ctor) => {
  it('reconnects a dropped stream and gets every frame exactly once', async () => {
    const c = new Ctor({ apiUrl: proxyUrl, apiKey: key }) as AnyClient;
    const t = await c.threads.create();
    const before = proxy.cuts;
    proxy.cutNext(3_000);
    const events = await collect(c.runs.stream(t.thread_id, 'chain', { input: {}, streamMode: [...MODES] }));
    expect(proxy.cuts).toBe(before + 1);
    expect(events.filter((e) => e.event === 'metadata')).toHaveLength(1);
    const runId = (events[0]?.data as { run_id: string }).run_id;
    const clean = await collect(c.runs.joinStream(t.thread_id, runId, { streamMode: [...MODES] }));
    const numbered = (list: Ev[]) => list.filter((e) => e.id !== undefined);
    expect(numbered(events).map((e) => e.id)).toEqual(numbered(clean).map((e) => e.id));
    expect(numbered(events)).toEqual(numbered(clean));
    expect(new Set(numbered(events).map((e) => e.id)).size).toBe(numbered(events).length);
    const types = events.filter((e) => e.event === 'custom').map((e) => (e.data as { type: string }).type);
    expect(types.filter((x) => x === 'step.completed')).toHaveLength(25);
    expect(types.at(-1)).toBe('workflow.completed');
  }, 30_000);
});

describe('a workflow run join stream with Last-Event-ID', () => {
  it('goes on right after the frame named, n or n.i, and sends no metadata again', async () => {
    const c = new Client({ apiUrl: url, apiKey: key });
    const t = await c.threads.create();
    const run = await c.runs.wait(t.thread_id, 'chain', { input: {} });
    expect(run).toBeDefined();
    const state = await c.threads.getState(t.thread_id);
    const runId = (state.metadata as { run_id: string }).run_id;
    const whole = await rawJoin(t.thread_id, runId);
    expect(whole[0]?.event).toBe('metadata');
    const ids = whole.flatMap((f) => (f.id === undefined ? [] : [f.id]));
    expect(ids.filter((i) => i.includes('.')).length).toBeGreaterThan(0);
    for (const at of [ids.find((i) => i.endsWith('.1')) as string, String(Number.parseInt(ids.find((i) => i.endsWith('.1')) as string))]) {
      const rest = await rawJoin(t.thread_id, runId, at);
      expect(rest.some((f) => f.event === 'metadata')).toBe(false);
      expect(rest.flatMap((f) => (f.id === undefined ? [] : [f.id]))).toEqual(ids.slice(ids.indexOf(at) + 1));
    }
  }, 30_000);
});
