/**
 * A run stream whose connection drops mid-run: both SDK lines reconnect to the `Location` the
 * stream named, with `Last-Event-ID`, and the frames they yield add up to the whole stream —
 * every frame once, in order — because joins replay the run's log after that frame. A TCP proxy
 * between the SDK and the gateway cuts the first streaming connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, human, LINES, startAcp, type AcpFixture, type AnyClient, type Values } from './acp-fixture.js';
import { cuttingProxy, type CuttingProxy } from './workflow-fixture.js';

let fx: AcpFixture;
let proxy: CuttingProxy;
let proxyUrl: string;

beforeAll(async () => {
  fx = await startAcp();
  const upstream = new URL(fx.url);
  proxy = await cuttingProxy(Number(upstream.port));
  proxyUrl = `${proxy.url}${upstream.pathname}`;
});
afterAll(async () => {
  await proxy.close();
  await fx.close();
});

describe.each(LINES)('LangGraph SDK %s', (_line, Ctor) => {
  it('reconnects a dropped run stream and gets every frame exactly once', async () => {
    const c = new Ctor({ apiUrl: proxyUrl, apiKey: fx.keyOf('default') }) as AnyClient;
    const t = await c.threads.create();
    const words = Array.from({ length: 30 }, (_, i) => `r${i}`).join(' ');
    const before = proxy.cuts;
    proxy.cutNext(3_000);
    const events = await collect(c.runs.stream(t.thread_id, 'slow', { input: human(words), streamMode: ['values', 'messages-tuple'] }));
    expect(proxy.cuts).toBe(before + 1);
    expect(events.filter((e) => e.event === 'metadata').length).toBe(1);
    const runId = (events[0]?.data as { run_id: string }).run_id;
    const clean = await collect(c.runs.joinStream(t.thread_id, runId, { streamMode: ['values', 'messages-tuple'] }));
    expect(events.map((e) => e.id)).toEqual(clean.map((e) => e.id));
    expect(events).toEqual(clean);
    const last = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(last.messages.at(-1)?.content).toContain('r29');
  }, 20_000);
});
