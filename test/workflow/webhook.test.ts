/**
 * `POST /hooks/<name>` over a real gateway and catalog (offline model): the gateway's auth and rate limits, the body
 * as the run input checked against the workflow's input fields, the run id in the answer, idempotent retries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, workflowWebhooks } from '../../config/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { WORKFLOW_STATE, WorkflowJournal } from '../../actors/workflow/index.js';
import { Gateway, catalogDeps, generateApiKey, hooksRoute } from '../../gateway/index.js';
import { eventually } from '../transport/contract.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

let closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closing.reverse()) await c();
  closing = [];
});

async function serve(limits = { ratePerSec: 1_000, burst: 1_000 }) {
  const wf = { ...(parse(SUPPORT_FLOW_YAML) as object), triggers: [{ webhook: 'support' }] };
  const config = configSchema.parse({ workflows: [wf] });
  const system: ActorSystem = await createSystem({ config, storage: new MemoryStorage(), warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog: Catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
  const user = generateApiKey();
  const viewer = generateApiKey();
  const globex = generateApiKey();
  const gateway = await Gateway.start({
    deps,
    routes: [hooksRoute(deps, workflowWebhooks(config.workflows))],
    port: 0,
    auth: {
      keys: [
        { id: 'u', hash: user.hash, tenant: 'acme', roles: ['user'] },
        { id: 'v', hash: viewer.hash, tenant: 'acme', roles: ['viewer'] },
        { id: 'g', hash: globex.hash, tenant: 'globex', roles: ['user'] },
      ],
    },
    limits,
    warn: () => undefined,
  });
  closing.push(async () => {
    await gateway.close();
    await catalog.close();
    await system.shutdown();
  });
  const url = `http://127.0.0.1:${gateway.port}`;
  const post = (path: string, body: string, key = user.key, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  return { catalog, system, post, viewerKey: viewer.key, globexKey: globex.key };
}

describe('POST /hooks/<name>', () => {
  it('starts a run with the body as input and answers its id', async () => {
    const { catalog, post } = await serve();
    const res = await post('/hooks/support', JSON.stringify({ text: 'my bill is wrong' }));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { run_id: string; workflow: string };
    expect(body.workflow).toBe('support-flow');
    const ref = await catalog.ensure('workflow/support-flow', 'acme');
    await eventually(
      async () => (await ref.ask<{ status: string }>(WORKFLOW_STATE, { run_id: body.run_id })).status === 'interrupted',
      20_000,
    );
    const st = await ref.ask<{ input: unknown; metadata: Record<string, unknown> }>(WORKFLOW_STATE, { run_id: body.run_id });
    expect(st.input).toEqual({ text: 'my bill is wrong' });
    expect(st.metadata).toMatchObject({ webhook: 'support', tenant: 'acme' });
    expect(st.metadata.caller).toContain('u');
  });

  it('refuses a body that does not match the input, bad JSON, unknown hooks, wrong methods and callers without runs:create', async () => {
    const { post, viewerKey } = await serve();
    const missing = await post('/hooks/support', '{}');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { detail: string }).detail).toContain('input.text is required');
    const wrong = await post('/hooks/support', '{"text": 5}');
    expect(((await wrong.json()) as { detail: string }).detail).toContain('input.text: expected a string');
    expect((await post('/hooks/support', '{"text": ')).status).toBe(400);
    expect((await post('/hooks/support', '[1]')).status).toBe(400);
    expect((await post('/hooks/nope', '{}')).status).toBe(404);
    expect((await post('/hooks/support', '{"text":"x"}', 'trp_wrong')).status).toBe(401);
    expect((await post('/hooks/support', '{"text":"x"}', viewerKey)).status).toBe(403);
  });

  it('an idempotency-key names the run: a retried delivery answers the same run', async () => {
    const { post } = await serve();
    const a = (await (await post('/hooks/support', '{"text":"hi"}', undefined, { 'idempotency-key': 'd-1' })).json()) as { run_id: string };
    const b = (await (await post('/hooks/support', '{"text":"hi"}', undefined, { 'idempotency-key': 'd-1' })).json()) as { run_id: string };
    expect(a.run_id).toBe('hook-support-d-1');
    expect(b.run_id).toBe(a.run_id);
  });

  it("applies the gateway's rate limit", async () => {
    const { post } = await serve({ ratePerSec: 0.001, burst: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/hooks/support', '{"text":"x"}')).status);
    expect(statuses).toEqual([202, 202, 429]);
  });
});

describe('POST /hooks/<name> per tenant', () => {
  it("runs in the authenticated caller's tenant: each tenant's delivery is its own run, unseen by the other", async () => {
    const { system, post, globexKey } = await serve();
    const key = { 'idempotency-key': 'order-7' };
    const acme = (await (await post('/hooks/support', JSON.stringify({ text: 'acme bill' }), undefined, key)).json()) as { run_id: string };
    const globex = (await (await post('/hooks/support', JSON.stringify({ text: 'globex bill' }), globexKey, key)).json()) as {
      run_id: string;
    };
    // The same idempotency key names the same run id, but in each caller's tenant: two runs, not one.
    expect(globex.run_id).toBe(acme.run_id);
    const journal = new WorkflowJournal(system.storage);
    await eventually(
      async () =>
        (await journal.getRun('acme', acme.run_id))?.status === 'interrupted' &&
        (await journal.getRun('globex', globex.run_id))?.status === 'interrupted',
      20_000,
      'both runs at their human step',
    );
    expect((await journal.getRun('acme', acme.run_id))?.input).toEqual({ text: 'acme bill' });
    expect((await journal.getRun('globex', globex.run_id))?.input).toEqual({ text: 'globex bill' });
    expect((await journal.getRun('globex', globex.run_id))?.metadata).toMatchObject({ tenant: 'globex', webhook: 'support' });
    expect(await journal.getRun('default', acme.run_id)).toBeUndefined();
  });
});
