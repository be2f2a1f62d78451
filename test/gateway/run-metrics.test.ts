/**
 * Every run counts in `troupe_runs_started_total` / `troupe_runs_finished_total{status}` whatever
 * started it (issue 10): an ACP run and a run started by a topic message, counted by the agent
 * actor in the node's meter (before, only /ws runs counted). /ws itself: ops.test.ts.
 */
import { afterEach, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import { METER } from '../../runtime/index.js';
import { GatewayMetrics } from '../../gateway/index.js';
import { startAcp, type AcpFixture } from './acp-fixture.js';

let fx: AcpFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** The node's metrics as `/metrics` renders them (the route needs an admin key the fixture has not). */
function metrics(f: AcpFixture): Promise<string> {
  return Promise.resolve(new GatewayMetrics(f.system).render());
}

it('counts runs started over /acp and by a direct RUN_CREATE, and their ends by status', async () => {
  fx = await startAcp();
  const before = await metrics(fx);
  expect(before).toMatch(/^troupe_runs_started_total 0$/m);
  const res = await fetch(`${fx.url}/runs/wait`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': fx.keyOf('default') },
    body: JSON.stringify({ assistant_id: 'assistant', input: { messages: [{ role: 'human', content: 'count me' }] } }),
  });
  expect(res.status).toBe(200);
  await res.text();
  // A run started inside the mesh (as a topic message or a delegation does): the same agent, no gateway.
  const ref = await fx.system.spawn(
    'agent/extra',
    (await import('../../actors/agent/index.js')).agentBehavior({
      name: 'extra',
      instructions: 'x',
      provider: new (await import('../../actors/llm/offline.js')).OfflineProvider(),
      model: 'offline',
    }),
  );
  const done = (await import('../../actors/agent/index.js')).waitForRun(fx.system, 'inside-1', 'default', 10_000);
  await ref.tell(RUN_CREATE, { run_id: 'inside-1', input: { messages: [{ role: 'user', content: 'hi' }] } });
  expect((await done).status).toBe('success');
  const deadline = Date.now() + 5_000;
  while (fx.system.meter.get(METER.runsFinished, { status: 'success' }) < 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const text = await metrics(fx);
  expect(text).toContain('# TYPE troupe_runs_started_total counter');
  expect(text).toMatch(/^troupe_runs_started_total 2$/m);
  expect(text).toMatch(/^troupe_runs_finished_total\{status="success"\} 2$/m);
  expect(text).toMatch(/^troupe_ws_runs_started_total 0$/m);
});
