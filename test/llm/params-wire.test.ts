/**
 * Model parameters from an agent's config and from a request's `config` reach the wire: agents built by
 * the real catalog from config, on the real `openai` and `@anthropic-ai/sdk` clients, against local
 * servers speaking each vendor's format; the request bodies the servers received are checked. Also the
 * `provider: "auto"` model (it used to report the agent's model and send the default one) and a
 * per-agent fallback chain (a failing OpenAI server → a working Anthropic one).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@langchain/langgraph-sdk';
import { waitForRun, type Catalog } from '../../actors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE } from '../../protocols/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { Gateway, catalogDeps, generateApiKey } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { antText, jsonError, oaiText, sse, startServer, type FakeServer } from './fake-servers.js';

let oai: FakeServer;
let ant: FakeServer;
let broken: FakeServer;
let system: ActorSystem;
let catalog: Catalog;
let mesh: MeshNode;
let gateway: Gateway;
const key = generateApiKey();

const PARAMS = { temperature: 0.3, top_p: 0.9, max_tokens: 123, frequency_penalty: 0.5, presence_penalty: -0.5, stop: ['END'], seed: 7 };

beforeAll(async () => {
  [oai, ant, broken] = await Promise.all([startServer(), startServer(), startServer()]);
  const config = configSchema.parse({
    agents: [
      { name: 'oai', instructions: 'Be brief.', provider: 'openai', model: 'gpt-test', baseUrl: `${oai.url}/v1`, params: PARAMS },
      { name: 'ant', instructions: 'Be brief.', provider: 'anthropic', model: 'claude-test', baseUrl: ant.url, params: PARAMS },
      { name: 'auto', instructions: 'Be brief.', provider: 'auto', model: 'my-own-model', temperature: 0.2 },
      {
        name: 'chain',
        instructions: 'Be brief.',
        provider: 'openai',
        model: 'gpt-broken',
        baseUrl: `${broken.url}/v1`,
        fallback: [{ provider: 'anthropic', model: 'claude-backup', baseUrl: ant.url }, { provider: 'offline' }],
      },
    ],
    prompts: [{ name: 'brief', template: 'Answer in one line.' }],
    memory: { store: { index: [] } },
  });
  const env = { OPENAI_BASE_URL: `${oai.url}/v1`, TROUPE_MODEL: 'the-default-model', OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' };
  system = await createSystem({ warn: () => undefined });
  mesh = new MeshNode(system);
  catalog = await composeCatalog(config, mesh, { env });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
  gateway = await Gateway.start({
    deps,
    routes: [acpRoute(deps)],
    port: 0,
    auth: { keys: [{ id: 'k', hash: key.hash, tenant: 'default', roles: ['user'] }] },
    warn: () => undefined,
  });
});
afterAll(async () => {
  await gateway.close();
  mesh.stop();
  await catalog.close();
  await system.shutdown();
  await Promise.all([oai.close(), ant.close(), broken.close()]);
});
afterEach(() => {
  oai.reset();
  ant.reset();
  broken.reset();
});

async function run(agent: string, config?: Record<string, unknown>) {
  const runId = `r${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(system, runId, 'default', 15_000);
  const ref = await catalog.ensure(`agent/${agent}`, 'default');
  await ref.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: 'hi' }] }, ...(config ? { config } : {}) });
  return done;
}

describe('model parameters on the wire', () => {
  it('OpenAI: every parameter of the agent config is in the request body', async () => {
    oai.script(sse(oaiText(['ok'])));
    const r = await run('oai');
    expect(r.status).toBe('success');
    const body = oai.requests[0]!.body;
    expect(body).toMatchObject({ model: 'gpt-test', ...PARAMS });
  });

  it('OpenAI: a request config (as /ws sends it) overrides the agent field by field', async () => {
    oai.script(sse(oaiText(['ok'])));
    const r = await run('oai', { temperature: 1.5, seed: 99, stop: 'STOP' });
    expect(r.status).toBe('success');
    expect(oai.requests[0]!.body).toMatchObject({ temperature: 1.5, seed: 99, stop: ['STOP'], top_p: 0.9, max_tokens: 123 });
  });

  it('Anthropic: temperature, top_p, max_tokens and stop_sequences are sent; penalties and seed are dropped', async () => {
    ant.script(sse(antText(['ok'])));
    const r = await run('ant', { configurable: { top_p: 0.5 } });
    expect(r.status).toBe('success');
    const body = ant.requests[0]!.body;
    expect(body).toMatchObject({ model: 'claude-test', temperature: 0.3, top_p: 0.5, max_tokens: 123, stop_sequences: ['END'] });
    for (const dropped of ['frequency_penalty', 'presence_penalty', 'seed', 'stop']) expect(body).not.toHaveProperty(dropped);
  });

  it('ACP: config.configurable reaches the wire; a bad value is a 4xx naming the field', async () => {
    const client = new Client({ apiUrl: `${gateway.url}/acp`, apiKey: key.key });
    oai.script(sse(oaiText(['fine'])));
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, 'oai', {
      input: { messages: [{ role: 'user', content: 'hi' }] },
      config: { configurable: { presence_penalty: 1.25, max_tokens: 64, prompt: 'brief' } },
    });
    expect(oai.requests[0]!.body).toMatchObject({ presence_penalty: 1.25, max_tokens: 64, temperature: 0.3 });
    const sent = (oai.requests[0]!.body as { messages: { role: string; content: string }[] }).messages[0];
    expect(sent).toEqual({ role: 'system', content: 'Answer in one line.\n\nBe brief.' });
    const [listed] = await client.runs.list(thread.thread_id);
    expect((listed as unknown as { kwargs?: unknown } | undefined)?.kwargs).toMatchObject({
      prompt: { name: 'brief', version: 1, label: 'production' },
    });
    const res = await fetch(`${gateway.url}/acp/runs/wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({
        assistant_id: 'oai',
        input: { messages: [{ role: 'user', content: 'x' }] },
        config: { configurable: { temperature: 'hot' } },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('temperature');
    const unknown = await fetch(`${gateway.url}/acp/runs/wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({ assistant_id: 'oai', input: { messages: [{ role: 'user', content: 'x' }] }, config: { prompt: 'nope@3' } }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('prompt template nope not found');
    expect(oai.requests).toHaveLength(1);
  });
});

describe('provider selection', () => {
  it('auto with an agent model sends that model (not the default) and reports it', async () => {
    oai.script(sse(oaiText(['ok'])));
    const r = await run('auto');
    expect(r.status).toBe('success');
    expect(oai.requests[0]!.body).toMatchObject({ model: 'my-own-model', temperature: 0.2 });
    expect(catalog.agents().find((a) => a.name === 'auto')?.model).toBe('my-own-model');
  });

  it('a fallback chain moves from a failing OpenAI server to Anthropic with its own model', async () => {
    broken.script(jsonError(401, { error: { message: 'bad key', type: 'invalid_request_error' } }));
    ant.script(sse(antText(['from ', 'claude'])));
    const r = await run('chain');
    expect(r.status).toBe('success');
    expect(r.output).toBe('from claude');
    expect(broken.requests[0]!.body).toMatchObject({ model: 'gpt-broken' });
    expect(ant.requests[0]!.body).toMatchObject({ model: 'claude-backup' });
  });

  it('the chain ends on the offline model when both servers fail', async () => {
    broken.script(jsonError(401, { error: { message: 'bad key', type: 'invalid_request_error' } }));
    ant.script(jsonError(401, { type: 'error', error: { type: 'authentication_error', message: 'bad key' } }));
    const r = await run('chain');
    expect(r.status).toBe('success');
    expect(r.output).toContain('offline model');
    expect(ant.requests).toHaveLength(1);
  });
});
