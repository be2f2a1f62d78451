/**
 * An experiment whose arms name registered model versions, through the real gateway and catalog: runs given an arm
 * call its model (the model answers with the model id it was called with) and record it (`prompt.model`); feedback
 * promotes the fine-tuned arm, which switches the agent to that model in the registry (runs after the experiment keep
 * it); when it gets worse, the rollback switches the agent back to its configured model. Bad arms are 400/404.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { experimentsCommand } from '../../cli/experiments.js';
import { MODELS_REGISTER } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { experimentCreateSchema, type ExperimentEvent, type ExperimentRecord } from '../../protocols/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { eventually } from '../transport/contract.js';
import { GREET, replying, systemPrompt } from './fixtures.js';

/** Answers with the run's system prompt and the model id it was called with. */
const echoModel = replying((r) => `${systemPrompt(r)} MODEL=${r.model}`);

const config = configSchema.parse({ prompts: GREET.prompts, agents: [GREET.helper] });

let gw: CatalogGateway<'admin'>;

beforeAll(async () => {
  gw = await startCatalogGateway(
    config,
    { admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] } },
    {
      compose: { provider: () => ({ provider: echoModel, model: 'base-model' }) },
    },
  );
  const registry = await gw.mesh.activate('trainer/models', 'acme');
  const register = { provider: 'openai', base_model: 'base-model', job_id: 'j1', provider_job_id: 'ftjob-1', metrics: {} };
  await registry.ask(MODELS_REGISTER, { ...register, name: 'support-ft', model: 'ft:base-model:acme:v1' });
});

afterAll(() => gw?.close());

async function call(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${gw.keys.admin.key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** One run of `helper`: its id, the model its answer says it called, and its record's `prompt`. */
async function run(): Promise<{ run_id: string; model: string; prompt: Record<string, unknown> | undefined }> {
  const tid = (await call('/acp/threads', {})).body['thread_id'] as string;
  const r = await call(`/acp/threads/${tid}/runs/wait`, { assistant_id: 'helper', input: { messages: [{ role: 'user', content: 'hi' }] } });
  expect(r.status).toBe(200);
  const reply = (r.body['messages'] as { content: string }[]).at(-1)?.content ?? '';
  const model = /MODEL=(\S+)/.exec(reply)?.[1] ?? '';
  const listed = (await call(`/acp/threads/${tid}/runs`)).body as unknown as {
    run_id: string;
    kwargs?: { prompt?: Record<string, unknown> };
  }[];
  const record = { run_id: listed[0]?.run_id, prompt: listed[0]?.kwargs?.prompt };
  // The arm's template version and model go together: version 2 is the fine-tuned arm.
  if (record.prompt?.['experiment'] !== undefined) expect(model === 'ft:base-model:acme:v1').toBe(record.prompt['version'] === 2);
  return { run_id: record.run_id as string, model, prompt: record.prompt };
}

const get = async (id: string) => (await call(`/experiments/${id}`)).body as unknown as ExperimentRecord;
const uses = async () => ((await call('/finetune/models')).body['uses'] as { agent: string; name: string; version: number }[]) ?? [];

describe('experiments over registered models', () => {
  it('the create schema answers any models value with a result; what it accepts is null or name[@version] (property)', () => {
    const ref = /^[A-Za-z0-9_.-]{1,64}(@[1-9][0-9]{0,8})?$/;
    fc.assert(
      fc.property(
        fc.oneof(fc.anything({ withObjectString: true, withNullPrototype: true }), fc.array(fc.oneof(fc.string(), fc.constant(null)))),
        (models) => {
          const r = experimentCreateSchema.safeParse({ agent: 'helper', versions: [1, 2], models });
          expect(typeof r.success).toBe('boolean');
          if (r.success) for (const m of r.data.models ?? []) expect(m === null || ref.test(m)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(experimentCreateSchema.safeParse({ agent: 'a', versions: [1, 2], models: ['x@0', null] }).success).toBe(false);
    expect(experimentCreateSchema.safeParse({ agent: 'a', versions: [1, 2], models: [null, 'support-ft@12'] }).success).toBe(true);
  });

  it('refuses arms that do not fit or are not registered', async () => {
    const mismatch = await call('/experiments', { agent: 'helper', versions: [1, 2], models: [null] });
    expect(mismatch.status).toBe(400);
    expect(JSON.stringify(mismatch.body)).toMatch(/one per version/);
    const missing = await call('/experiments', { agent: 'helper', versions: [1, 2], models: [null, 'nope@3'] });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toMatch(/no model nope@3/);
    expect((await call('/experiments', { agent: 'helper', versions: [1, 2], models: [null, 'bad name'] })).status).toBe(400);
  });

  it('runs call their arm’s model; feedback promotes (the model switch) and a rollback switches back', async () => {
    expect((await run()).model).toBe('base-model');
    const made = await call('/experiments', {
      id: 'ft',
      agent: 'helper',
      versions: [1, 2],
      models: [null, 'support-ft'],
      key: 'quality',
      min_samples: 4,
      rollback_min_samples: 4,
      monitor_samples: 500,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((made.body as unknown as ExperimentRecord).arms.map((a) => a.model)).toEqual([
      null,
      { name: 'support-ft', version: 1, model: 'ft:base-model:acme:v1' },
    ]);
    const seen = new Set<string>();
    let runs = 0;
    while ((await get('ft')).status === 'running') {
      expect(++runs, 'promoted within 80 runs').toBeLessThan(80);
      const r = await run();
      seen.add(r.model);
      // The run's record names the experiment and the model it called.
      expect(r.prompt).toMatchObject({ experiment: 'ft', model: r.model === 'base-model' ? null : r.model });
      const f = await call(`/acp/runs/${r.run_id}/feedback`, { key: 'quality', score: r.model === 'base-model' ? 0.3 : 1 });
      expect(f.status).toBe(200);
      await eventually(async () => (await get('ft')).arms.reduce((s, a) => s + a.rewards, 0) === runs, 10_000, 'the reward');
    }
    expect(seen).toEqual(new Set(['base-model', 'ft:base-model:acme:v1']));
    expect(await get('ft')).toMatchObject({ status: 'monitoring', promoted: 2, switched_from: null });
    // Promotion is the model switch: the registry names it, and every run now calls the fine-tuned model.
    expect(await uses()).toEqual([expect.objectContaining({ agent: 'helper', name: 'support-ft', version: 1 })]);
    const events = (await call('/experiments/ft/events')).body['events'] as ExperimentEvent[];
    expect(events.find((e) => e.type === 'promoted')?.data).toMatchObject({ model: { name: 'support-ft', version: 1 } });

    let after = 0;
    while ((await get('ft')).status === 'monitoring') {
      expect(++after, 'rolled back within 40 runs').toBeLessThan(40);
      const r = await run();
      expect(r.model).toBe('ft:base-model:acme:v1');
      await call(`/acp/runs/${r.run_id}/feedback`, { key: 'quality', score: 0 });
      await eventually(
        async () => {
          const e = await get('ft');
          return e.status !== 'monitoring' || e.after.rewards === after;
        },
        10_000,
        'the reward',
      );
    }
    expect((await get('ft')).status).toBe('rolled_back');
    // Switched back: no override in the registry, and the next run calls the configured model again.
    expect(await uses()).toEqual([]);
    const next = await run();
    expect(next.model).toBe('base-model');
    expect(next.prompt?.['experiment']).toBeUndefined();
  });

  it('the CLI creates one with --models (- for the configured model)', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const args = ['--url', gw.url, '--key', gw.keys.admin.key];
      expect(
        await experimentsCommand.run([
          'create',
          '--agent',
          'helper',
          '--versions',
          '1,2',
          '--models=-,support-ft@1',
          '--id',
          'cli',
          ...args,
        ]),
      ).toBe(0);
      expect((await get('cli')).arms.map((a) => a.model?.model ?? a.model)).toEqual([null, 'ft:base-model:acme:v1']);
      expect(await experimentsCommand.run(['stop', 'cli', ...args])).toBe(0);
    } finally {
      log.mockRestore();
    }
  });
});
