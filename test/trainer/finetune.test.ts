/**
 * Fine-tune jobs and the model registry through the real gateway: an admin exports runs and starts a job that the
 * trainer drives with the real `openai` SDK against a local server speaking OpenAI's fine-tuning wire format (upload,
 * create, poll, events, checkpoints, cancel); progress streams over /ws; on success the model is registered as a
 * version, and switching an agent to it changes the model its next run calls. Non-admins get 403, bad input 4xx,
 * another tenant's job 404.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { datasetsCommand } from '../../cli/datasets.js';
import { finetuneCommand } from '../../cli/finetune.js';
import { OfflineProvider, type ModelProvider } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient } from '../gateway/ws-fixture.js';
import { startFineTuneServer, type FineTuneServer } from '../fixtures/openai-finetune-server.js';
import { tempDir } from '../storage/tmp.js';
import { until } from './fixtures.js';

let gw: CatalogGateway<'admin' | 'ann' | 'globex'>;
let server: FineTuneServer;
/** The model each call of the agent asked for. */
const models: string[] = [];
const offline = new OfflineProvider();
const recording: ModelProvider = {
  name: 'offline',
  stream(request) {
    models.push(request.model);
    return offline.stream(request);
  },
};

beforeAll(async () => {
  server = await startFineTuneServer();
  gw = await startCatalogGateway(
    configSchema.parse({ agents: [{ name: 'helper', description: 'helps', instructions: 'Help.' }] }),
    {
      admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
      ann: { id: 'acme-ann', tenant: 'acme', roles: ['developer'] },
      globex: { id: 'globex-admin', tenant: 'globex', roles: ['admin'] },
    },
    {
      compose: {
        provider: () => ({ provider: recording, model: 'offline' }),
        env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-local', TROUPE_FINETUNE_POLL_MS: '30' },
      },
    },
  );
});

afterAll(async () => {
  await gw?.close();
  await server?.close();
});

async function api(path: string, key: 'admin' | 'ann' | 'globex', body?: unknown, method?: string) {
  const res = await fetch(`${gw.url}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${gw.keys[key].key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, any> };
}

/** A finished run of `helper` with `text` as input and thumbs `score`. */
async function run(text: string, score: number): Promise<string> {
  const thread = await api('/acp/threads', 'admin', {});
  const r = await api(`/acp/threads/${thread.body['thread_id'] as string}/runs/wait`, 'admin', {
    assistant_id: 'helper',
    input: { messages: [{ role: 'user', content: text }] },
  });
  expect(r.status).toBe(200);
  const runs = await api(`/acp/threads/${thread.body['thread_id'] as string}/runs`, 'admin');
  const runId = (runs.body as unknown as { run_id: string }[])[0]?.run_id as string;
  expect((await api(`/acp/runs/${runId}/feedback`, 'admin', { key: 'thumbs', score })).status).toBe(200);
  return runId;
}

const spec = {
  name: 'support-ft',
  base_model: 'gpt-4o-mini-2024-07-18',
  dataset: { format: 'chat', filter: { feedback: { key: 'thumbs', min: 0.5 } } },
};

describe('fine-tune jobs over /finetune', () => {
  it('exports, uploads, creates, polls with progress over /ws, registers the model and switches the agent to it', async () => {
    await run('Please say hello to jane.doe@example.com', 1);
    await run('hello again', 1);
    await run('a bad one', 0);
    const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, { authorization: `Bearer ${gw.keys.admin.key}` });
    ws.send({ type: 'subscribe', topic: 'sys.finetune.>' });
    ws.send({ type: 'ping', id: 'p' });
    await ws.type('pong');

    const created = await api('/finetune/jobs', 'admin', spec);
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    const served = await until(() => [...server.jobs.values()][0], 'the provider job');
    // The uploaded file: the two well-scored runs, redacted, in OpenAI's chat format.
    const file = server.files.get(served.job['training_file'] as string);
    expect(file?.purpose).toBe('fine-tune');
    const lines = (file?.text ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(file?.text).not.toContain('jane.doe@example.com');
    expect(served.job).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', metadata: { troupe_job: id }, method: { type: 'supervised' } });

    server.advance(served.job.id, 'queued');
    server.advance(served.job.id, 'running', 'Step 1/10: training loss=0.91');
    await until(async () => ((await api(`/finetune/jobs/${id}`, 'admin')).body['status'] === 'running' ? true : undefined), 'running');
    server.advance(served.job.id, 'succeeded');
    const done = await until(async () => {
      const j = (await api(`/finetune/jobs/${id}`, 'admin')).body;
      return j['model'] === undefined ? undefined : j;
    }, 'the registered model');
    expect(done).toMatchObject({
      status: 'succeeded',
      provider_job_id: served.job.id,
      model: { name: 'support-ft', version: 1 },
      examples: 2,
    });
    expect((done['events'] as { message: string }[]).map((e) => e.message)).toContain('Step 1/10: training loss=0.91');
    expect(done['checkpoints']).toHaveLength(1);
    // Progress over /ws: the states, the provider's events and the registration, in order.
    const progress = await until(() => {
      const ps = ws.frames.filter((f) => f['type'] === 'message').map((f) => f['payload'] as Record<string, unknown>);
      return ps.some((p) => p['model'] !== undefined) ? ps : undefined;
    }, 'progress frames');
    const states = progress.filter((p) => p['event'] === undefined && p['model'] === undefined).map((p) => p['status']);
    expect(states[0]).toBe('pending');
    expect(states).toEqual(expect.arrayContaining(['uploaded', 'validating_files', 'running', 'succeeded']));
    expect(progress.some((p) => (p['event'] as { message?: string } | undefined)?.message === 'Step 1/10: training loss=0.91')).toBe(true);
    ws.close();

    const registry = await api('/finetune/models', 'admin');
    expect(registry.body['models']).toEqual([
      expect.objectContaining({
        name: 'support-ft',
        version: 1,
        provider: 'openai',
        base_model: 'gpt-4o-mini-2024-07-18',
        model: served.job['fine_tuned_model'],
        job_id: id,
        metrics: expect.objectContaining({ train_loss: 0.25, trained_tokens: 1234 }),
      }),
    ]);
    // The switch: the agent's next run calls the registered model; switched back, its own again.
    const use = await api('/finetune/models/use', 'admin', { agent: 'helper', name: 'support-ft' });
    expect(use.status).toBe(200);
    expect(use.body['use']).toMatchObject({ agent: 'helper', name: 'support-ft', version: 1, model: served.job['fine_tuned_model'] });
    models.length = 0;
    await run('which model?', 1);
    expect(models).toEqual([served.job['fine_tuned_model']]);
    expect((await api('/finetune/models/use', 'admin', { agent: 'helper', name: null })).status).toBe(200);
    models.length = 0;
    await run('and now?', 1);
    expect(models).toEqual(['offline']);
    // One provider job and one upload for the job, however many polls.
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs')).toHaveLength(1);
  });

  it('cancels a job at the provider; a job that ended cannot be cancelled', async () => {
    const created = await api('/finetune/jobs', 'admin', { ...spec, name: 'to-cancel' });
    const id = created.body['id'] as string;
    const served = await until(
      () => [...server.jobs.values()].find((j) => (j.job['metadata'] as Record<string, string>)['troupe_job'] === id),
      'the provider job',
    );
    const cancelled = await api(`/finetune/jobs/${id}/cancel`, 'admin', {});
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(served.job.status).toBe('cancelled');
    expect((await api(`/finetune/jobs/${id}/cancel`, 'admin', {})).status).toBe(400);
    const listed = (await api('/finetune/jobs', 'admin')).body['jobs'] as { id: string; status: string }[];
    expect(listed.find((j) => j.id === id)?.status).toBe('cancelled');
    // A job that ended at the provider before our next poll: whichever sees it first, the answer is 400, not a crash.
    const other = (await api('/finetune/jobs', 'admin', { ...spec, name: 'ends-first' })).body['id'] as string;
    const served2 = await until(
      () => [...server.jobs.values()].find((j) => (j.job['metadata'] as Record<string, string>)['troupe_job'] === other),
      'the second provider job',
    );
    server.advance(served2.job.id, 'failed');
    const refused = await api(`/finetune/jobs/${other}/cancel`, 'admin', {});
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/has ended|provider refused/);
  });

  it('records a job the provider fails, with its error, and registers nothing', async () => {
    const id = (await api('/finetune/jobs', 'admin', { ...spec, name: 'will-fail' })).body['id'] as string;
    const served = await until(
      () => [...server.jobs.values()].find((j) => (j.job['metadata'] as Record<string, string>)['troupe_job'] === id),
      'the provider job',
    );
    server.advance(served.job.id, 'failed', 'Training file has invalid lines');
    const failed = await until(async () => {
      const j = (await api(`/finetune/jobs/${id}`, 'admin')).body;
      return j['status'] === 'failed' ? j : undefined;
    }, 'the failure');
    expect(failed['error']).toBe('invalid_training_file: bad file');
    expect(failed['model']).toBeUndefined();
    const models = (await api('/finetune/models', 'admin')).body['models'] as { name: string }[];
    expect(models.map((m) => m.name)).not.toContain('will-fail');
  });

  it('is for admins only, refuses bad input with 4xx naming the field, and keeps tenants apart', async () => {
    for (const [path, body] of [
      ['/finetune/jobs', spec],
      ['/finetune/jobs', undefined],
      ['/finetune/models', undefined],
      ['/finetune/datasets/export', {}],
    ] as const)
      expect((await api(path, 'ann', body)).status, path).toBe(403);
    const bad = await api('/finetune/jobs', 'admin', { ...spec, base_model: '' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/base_model/);
    expect((await api('/finetune/jobs', 'admin', { ...spec, dataset: { format: 'eval' } })).status).toBe(400);
    expect((await api('/finetune/jobs', 'admin', '{"name":')).status).toBe(400);
    expect((await api('/finetune/models/use', 'admin', { agent: 'nobody', name: 'support-ft' })).status).toBe(404);
    expect((await api('/finetune/models/use', 'admin', { agent: 'helper', name: 'no-such-model' })).status).toBe(404);
    expect((await api('/finetune/jobs/not-a-job', 'admin')).status).toBe(404);
    const mine = (await api('/finetune/jobs', 'admin')).body['jobs'] as { id: string }[];
    expect(mine.length).toBeGreaterThan(0);
    expect((await api(`/finetune/jobs/${mine[0]?.id ?? ''}`, 'globex')).status).toBe(404);
    expect((await api('/finetune/jobs', 'globex')).body['jobs']).toEqual([]);
    expect((await api('/finetune/models', 'globex')).body['models']).toEqual([]);
    const exported = await api('/finetune/datasets/export', 'admin', { format: 'preference', filter: { agent: 'helper' } });
    expect(exported.status).toBe(200);
    expect(exported.body['format']).toBe('preference');
  });
});

describe('troupe datasets / troupe finetune', () => {
  /** Runs a command in this process against the gateway; its exit code and what it printed. */
  async function cli(command: typeof finetuneCommand, key: 'admin' | 'ann', ...args: string[]) {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const code = await command.run([...args, '--url', gw.url, '--key', gw.keys[key].key]).catch((e: Error) => e);
      return { code, out: out.join('\n') };
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }

  it('exports a dataset to a file, lists jobs and models, switches an agent, and reports a refused call', async () => {
    const file = join(tempDir('datasets-cli'), 'train.jsonl');
    expect((await cli(datasetsCommand, 'admin', 'export', '--feedback', 'thumbs', '--min', '0.5', '--out', file)).code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect((JSON.parse(l) as { messages: { role: string }[] }).messages.at(-1)?.role).toBe('assistant');
    expect(readFileSync(file, 'utf8')).not.toContain('jane.doe@example.com');

    const listed = await cli(finetuneCommand, 'admin', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/succeeded\s+support-ft \(gpt-4o-mini-2024-07-18\)\s+→ support-ft@1/);
    expect((await cli(finetuneCommand, 'admin', 'models')).out).toMatch(/^support-ft@1 {2}ft:gpt-4o-mini/);
    expect((await cli(finetuneCommand, 'admin', 'use', 'helper', 'support-ft', '--version', '1')).out).toMatch(
      /agent helper → support-ft@1/,
    );
    expect((await cli(finetuneCommand, 'admin', 'unuse', 'helper')).out).toBe('switched back to the configured model');
    const refused = await cli(finetuneCommand, 'ann', 'models');
    expect(String(refused.code)).toMatch(/HTTP 403 .*finetune:manage/);
    expect(String((await cli(finetuneCommand, 'admin', 'use', 'helper')).code)).toMatch(/use needs a model name/);
  });
});
