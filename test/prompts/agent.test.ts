/**
 * Agents on templates: the real catalog built from config renders each run's system prompt from the
 * agent's template (variables from config, request metadata and `config.variables`), its persona, and
 * records the template version on the run record and the first `status` event. A label moved on one
 * node is rendered by the next run on another node sharing the storage. A bad template reference or
 * variable refuses the run before it starts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PromptLibrary,
  runReads,
  waitForRun,
  type Catalog,
  type ModelEvent,
  type ModelProvider,
  type ModelRequest,
} from '../../actors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE } from '../../protocols/index.js';
import { MemoryHub, MemoryStorage, MemoryTransport, MeshNode, startSystem, type ActorSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';

/** A model that answers "ok" and keeps every request it got. */
class Recorder implements ModelProvider {
  readonly name = 'recorder';
  readonly requests: ModelRequest[] = [];
  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    this.requests.push(request);
    await Promise.resolve();
    yield { type: 'token', text: 'ok' };
    yield {
      type: 'done',
      message: { role: 'assistant', content: 'ok' },
      usage: { promptTokens: 1, completionTokens: 1 },
      stopReason: 'stop',
    };
  }
}

const config = configSchema.parse({
  prompts: [
    {
      name: 'support',
      versions: [
        {
          template: 'You are the {{company}} support desk. The customer plan is {{plan}}.',
          variables: { company: { type: 'string', required: true }, plan: { type: 'string', default: 'free' } },
          labels: ['production'],
        },
        {
          template: 'v2: {{company}} desk, plan {{plan}}, {{max_refund}} max refund.\n{{persona}}',
          variables: {
            company: { type: 'string', required: true },
            plan: { type: 'string', default: 'free' },
            max_refund: { type: 'number', default: 100 },
          },
          labels: ['candidate'],
        },
      ],
    },
  ],
  personas: [{ name: 'cheerful', tone: 'cheerful', language: 'Spanish' }],
  agents: [
    { name: 'desk', prompt: 'support', variables: { company: 'Acme' }, persona: 'cheerful' },
    { name: 'pinned', prompt: 'support@2', instructions: 'Always cite the policy.', variables: { company: 'Acme' } },
    { name: 'plain', instructions: 'Plain instructions.' },
  ],
  memory: { store: { index: [] } },
});

const hub = new MemoryHub();
const storage = new MemoryStorage();
const nodes: { system: ActorSystem; mesh: MeshNode; catalog: Catalog; model: Recorder }[] = [];

async function node(name: string) {
  const system = await startSystem({
    lifecycle: xstateLifecycle,
    transport: new MemoryTransport({ hub }),
    storage,
    node: name,
    warn: () => undefined,
  });
  const mesh = new MeshNode(system);
  const model = new Recorder();
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: model, model: 'rec' }) });
  await mesh.start();
  const n = { system, mesh, catalog, model };
  nodes.push(n);
  return n;
}

beforeAll(async () => {
  await node('n1');
});
afterEach(() => {
  for (const n of nodes) n.model.requests.length = 0;
});
afterAll(async () => {
  for (const n of nodes.reverse()) {
    n.mesh.stop();
    await n.catalog.close();
    await n.system.shutdown();
  }
});

async function run(n: (typeof nodes)[number], agent: string, extra: Record<string, unknown> = {}, tenant = 'default') {
  const runId = `r${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(n.system, runId, tenant, 10_000);
  const ref = await n.catalog.ensure(`agent/${agent}`, tenant);
  await ref.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: 'hi' }] }, ...extra });
  const result = await done;
  const record = await runReads(n.system.storage).getRun(tenant, runId);
  return { result, record, system: n.model.requests.at(-1)?.messages[0]?.content };
}

describe('agents on prompt templates', () => {
  it('renders the production version with config variables and the persona, and records the version', async () => {
    const n = nodes[0]!;
    const { result, record, system } = await run(n, 'desk');
    expect(result.status).toBe('success');
    expect(system).toBe(
      'You are the Acme support desk. The customer plan is free.\n\nPersona: cheerful.\nTone: cheerful.\nAlways answer in Spanish.',
    );
    expect(record?.prompt).toEqual({ name: 'support', version: 1, label: 'production' });
    const started = result.events.find((e) => e.event === 'status')?.data as { status: string; prompt?: unknown };
    expect(started).toEqual({ status: 'running', prompt: { name: 'support', version: 1, label: 'production' } });
  });

  it('request metadata and config.variables fill variables; config picks the version and persona', async () => {
    const n = nodes[0]!;
    const { record, system } = await run(n, 'desk', {
      metadata: { plan: 'pro' },
      config: { configurable: { prompt: 'support@candidate', variables: { max_refund: 250 }, persona: 'cheerful' } },
    });
    expect(system).toBe('v2: Acme desk, plan pro, 250 max refund.\nPersona: cheerful.\nTone: cheerful.\nAlways answer in Spanish.');
    expect(record?.prompt).toEqual({ name: 'support', version: 2, label: 'candidate' });
  });

  it('a pinned version comes before the instructions; an agent without a template keeps its instructions', async () => {
    const n = nodes[0]!;
    expect((await run(n, 'pinned')).system).toBe('v2: Acme desk, plan free, 100 max refund.\n\nAlways cite the policy.');
    const plain = await run(n, 'plain');
    expect(plain.system).toBe('Plain instructions.');
    expect(plain.record?.prompt).toBeUndefined();
    // A request's metadata may pick the persona too.
    const styled = await run(n, 'plain', { metadata: { persona: 'cheerful' } });
    expect(styled.system).toBe('Plain instructions.\n\nPersona: cheerful.\nTone: cheerful.\nAlways answer in Spanish.');
  });

  it('refuses a run with an unknown template, label or persona, or a mistyped variable, before it starts', async () => {
    const n = nodes[0]!;
    const ref = await n.catalog.ensure('agent/desk', 'default');
    const create = (config: Record<string, unknown>) =>
      ref.ask(RUN_CREATE, { run_id: `bad-${Math.random()}`, input: { messages: [{ role: 'user', content: 'x' }] }, config });
    await expect(create({ prompt: 'nope' })).rejects.toMatchObject({ code: 'not_found', message: 'prompt template nope not found' });
    await expect(create({ prompt: 'support@gold' })).rejects.toThrow(/no version labelled gold/);
    await expect(create({ persona: 'grumpy' })).rejects.toThrow(/persona grumpy not found/);
    await expect(create({ variables: { plan: 3 } })).rejects.toThrow(/variable "plan" must be of type string, got number/);
    await expect(create({ temperature: 7 })).rejects.toMatchObject({ code: 'bad_request' });
    expect(n.model.requests).toHaveLength(0);
  });

  it('a label moved through one node’s library is rendered by the next run on another node', async () => {
    const n2 = await node('n2');
    const lib = new PromptLibrary(nodes[0]!.system.storage, config);
    await lib.setLabel('acme', 'support', 'production', 2);
    const r = await run(n2, 'plain', { config: { prompt: 'support', variables: { company: 'Globex' } } }, 'acme');
    expect(r.record?.prompt).toEqual({ name: 'support', version: 2, label: 'production' });
    expect(r.system).toMatch(/^v2: Globex desk/);
    // Another tenant's production is still config's version 1.
    expect((await run(n2, 'desk')).record?.prompt?.version).toBe(1);
  });
});
