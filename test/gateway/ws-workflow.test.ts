/**
 * Workflows on `/ws` with a real `ws` client against a real gateway and catalog (offline model): `run.start` with a
 * workflow's name runs it, its events and its agent steps' tokens stream as run frames after `run.created`, the human
 * step is `run.interrupted` answered with `run.resume` (also from another connection), and `run.cancel` cancels it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../config/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { Gateway, catalogDeps } from '../../gateway/index.js';
import { SUPPORT_FLOW_TO_REVIEW, SUPPORT_FLOW_YAML } from '../workflow/fixtures.js';
import { WsClient, startFrame } from './ws-fixture.js';

let system: ActorSystem;
let catalog: Catalog;
let gateway: Gateway;
let url: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  const config = configSchema.parse({ workflows: [parse(SUPPORT_FLOW_YAML) as unknown] });
  system = await createSystem({ config, storage: new MemoryStorage(), warn: () => undefined });
  const mesh = new MeshNode(system);
  catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  gateway = await Gateway.start({ deps: catalogDeps(system, catalog), port: 0, warn: () => undefined });
  url = gateway.url.replace(/^http/, 'ws') + '/ws';
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await gateway?.close();
  await catalog?.close();
  await system?.shutdown();
});

async function connect(): Promise<WsClient> {
  const c = await WsClient.connect(url);
  clients.push(c);
  await c.type('welcome');
  return c;
}

describe('workflows on /ws', () => {
  it('runs the example: events after run.created, tokens, the human step as an interrupt answered by run.resume', async () => {
    const c = await connect();
    c.send(startFrame('w1', 'support-flow', 'my bill is wrong'));
    const created = await c.type('run.created', 20_000);
    expect(created).toMatchObject({ id: 'w1', workflow: 'support-flow' });
    const runId = created['run_id'] as string;
    const first = await c.run(runId, true, 20_000);
    const interrupt = first.at(-1) as { type: string; interrupt: { step: string; question: string } };
    expect(interrupt.type).toBe('run.interrupted');
    expect(interrupt.interrupt).toMatchObject({ step: 'review', question: 'Send this answer?' });
    expect(c.frames.findIndex((f) => f['type'] === 'run.created')).toBeLessThan(
      c.frames.findIndex((f) => f['run_id'] === runId && f['type'] !== 'run.created'),
    );
    const events = first.filter((f) => f['type'] === 'run.event' && f['event'] !== 'token').map((f) => f['event']);
    // The waiting step comes as run.interrupted, not as a run.event.
    expect(events).toEqual(SUPPORT_FLOW_TO_REVIEW.slice(0, -1));
    const billing = first.find((f) => f['event'] === 'step.completed' && (f['data'] as { step: string }).step === 'billing');
    const tokens = first
      .filter((f) => f['event'] === 'token' && String(f['agent_run_id']).startsWith(`${runId}.billing.`))
      .map((f) => (f['data'] as { text: string }).text)
      .join('');
    expect(tokens).toBe((billing?.['data'] as { output: string }).output);

    // Answered from another connection (the run is found in the journal), the first still hears the end.
    const other = await connect();
    other.send({ type: 'run.resume', id: 'a1', run_id: runId, resume: { approve: true } });
    const done = await c.next((f) => f['run_id'] === runId && f['type'] === 'run.completed', 20_000);
    expect((done['output'] as { answer: string }).answer).toBe((billing?.['data'] as { output: string }).output);
    expect(other.frames.filter((f) => f['type'] === 'error')).toEqual([]);
  });

  it('cancels a waiting run with run.cancel, and refuses input that does not match the schema', async () => {
    const c = await connect();
    c.send(startFrame('w2', 'support-flow', 'the app crashes'));
    const runId = (await c.type('run.created', 20_000))['run_id'] as string;
    await c.run(runId, true, 20_000);
    c.send({ type: 'run.cancel', run_id: runId });
    await c.next((f) => f['run_id'] === runId && f['type'] === 'run.cancelled', 20_000);

    c.send({
      type: 'run.start',
      id: 'w3',
      agent: 'support-flow',
      input: { messages: [{ role: 'user', content: 'x' }] },
      config: { input: { text: 5 } },
    });
    const err = await c.next((f) => f['type'] === 'error' && f['id'] === 'w3', 20_000);
    expect(err).toMatchObject({ code: 'bad_request' });
    expect(String(err['message'])).toContain('input.text: expected a string');
  });
});
