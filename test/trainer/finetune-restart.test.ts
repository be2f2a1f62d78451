/**
 * A fine-tune job survives its host: the embedded runtime (lmdb in a data directory) is shut down mid-job and started
 * again on the same directory; the job actor comes back by itself (the kind resumes unfinished jobs when the mesh
 * starts), polls the same provider job id — no second upload, no second job — and registers the model. A job whose
 * host died after the provider created the job but before the id was recorded finds it by its metadata.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINETUNE_BUCKET, FINETUNE_START, OfflineProvider, jobAddress, type JobRecord, type ModelVersion } from '../../actors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { MeshNode, openStorage, type ActorRef, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { startFineTuneServer, type FineTuneServer } from '../fixtures/openai-finetune-server.js';
import { tempDir } from '../storage/tmp.js';
import { until } from './fixtures.js';

let server: FineTuneServer;
beforeAll(async () => {
  server = await startFineTuneServer();
});
afterAll(() => server?.close());

const config = configSchema.parse({ agents: [{ name: 'helper', description: 'helps', instructions: 'Help.' }] });

/** The embedded runtime on `dir`: lmdb storage, the real catalog, the mesh started. */
async function boot(
  dir: string,
  env: Record<string, string> = { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-local', TROUPE_FINETUNE_POLL_MS: '30' },
): Promise<{ system: ActorSystem; stop(): Promise<void>; ensure: (a: string) => Promise<ActorRef> }> {
  const storage = await openStorage({ dataDir: dir, storage: { kind: 'lmdb' }, transport: { kind: 'memory' } });
  const system = await createSystem({ storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, {
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
    env,
  });
  await mesh.start();
  await catalog.start(); // what `troupe start` / `troupe node` do once the mesh runs
  return {
    system,
    ensure: (address: string) => catalog.ensure(address, 'acme'),
    async stop() {
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** A finished, well-scored run in `system`'s storage (what the job exports). */
async function seedRun(system: ActorSystem, id: string): Promise<void> {
  const at = new Date().toISOString();
  await system.storage.bucket('runs').put(['acme', 'run', id], {
    run_id: id,
    thread_id: `th-${id}`,
    assistant_id: 'helper',
    agent: 'helper',
    status: 'success',
    created_at: at,
    updated_at: at,
    metadata: {},
    multitask_strategy: 'reject',
    last_seq: 1,
  });
  await system.storage.bucket('threads').put(['acme', 'h', `th-${id}`, '1'], {
    checkpoint_id: `cp-${id}`,
    thread_id: `th-${id}`,
    run_id: id,
    step: 1,
    created_at: at,
    messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
    ],
    next: [],
    interrupts: [],
    metadata: {},
  });
  await system.storage.bucket('feedback').put(['acme', id, 'f1'], { id: 'f1', run_id: id, key: 'thumbs', score: 1, created_at: at });
}

const record = (system: ActorSystem, id: string): Promise<JobRecord | undefined> =>
  system.storage.bucket(FINETUNE_BUCKET).get<JobRecord>(['acme', 'job', id]);

const spec = {
  name: 'math-ft',
  base_model: 'gpt-4o-mini-2024-07-18',
  provider: 'openai',
  dataset: { format: 'chat', filter: { agent: 'helper' } },
};
const creates = (): number => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs').length;
const uploads = (): number => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/files').length;

describe('a fine-tune job across a restart of its host', () => {
  it('is refused, and nothing recorded, when no fine-tuning provider is configured', async () => {
    const node = await boot(tempDir('finetune'), {});
    try {
      const ref = await node.ensure(jobAddress('job-x'));
      await expect(ref.ask(FINETUNE_START, { spec })).rejects.toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(/OPENAI_API_KEY/),
      });
      expect(await record(node.system, 'job-x')).toBeUndefined();
    } finally {
      await node.stop();
    }
  });

  it('resumes polling the same provider job after the runtime restarts on its data directory', async () => {
    const dir = tempDir('finetune');
    const first = await boot(dir);
    await seedRun(first.system, 'r1');
    const ref = await first.ensure(jobAddress('job-a'));
    await ref.ask(FINETUNE_START, { spec });
    const running = await until(async () => {
      const r = await record(first.system, 'job-a');
      return r?.provider_job_id !== undefined && r.polls >= 1 ? r : undefined;
    }, 'the first poll');
    const providerJob = running.provider_job_id as string;
    server.advance(providerJob, 'running', 'Step 3/10');
    await until(async () => ((await record(first.system, 'job-a'))?.status === 'running' ? true : undefined), 'running recorded');
    const [createdBefore, uploadedBefore] = [creates(), uploads()];
    await first.stop();

    // While the host is down the provider finishes; the restarted runtime finds out without being asked.
    server.advance(providerJob, 'succeeded');
    const second = await boot(dir);
    try {
      const done = await until(async () => {
        const r = await record(second.system, 'job-a');
        return r?.model === undefined ? undefined : r;
      }, 'the job to finish after the restart');
      expect(done).toMatchObject({ status: 'succeeded', provider_job_id: providerJob, model: { name: 'math-ft', version: 1 } });
      expect(done.polls).toBeGreaterThan(running.polls);
      expect([creates(), uploads()]).toEqual([createdBefore, uploadedBefore]);
      expect(createdBefore).toBe(1);
      const versions = await second.system.storage.bucket('models').list<ModelVersion>(['acme', 'model', 'math-ft']);
      expect(versions.map((v) => [v.value.version, v.value.job_id, v.value.provider_job_id])).toEqual([[1, 'job-a', providerJob]]);
      expect(await second.system.storage.bucket(FINETUNE_BUCKET).list(['~active'])).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('an activation older than the one that last wrote the job is refused and drives nothing', async () => {
    const node = await boot(tempDir('finetune'));
    try {
      // A newer activation (elsewhere, later) wrote job-f: this node's activation has a lower epoch.
      await node.system.storage.bucket(FINETUNE_BUCKET).put(['acme', 'fence', 'job-f'], { epoch: Number.MAX_SAFE_INTEGER });
      const before = [creates(), uploads()];
      const ref = await node.ensure(jobAddress('job-f'));
      await expect(ref.ask(FINETUNE_START, { spec })).rejects.toMatchObject({ code: 'conflict' });
      expect(await record(node.system, 'job-f')).toBeUndefined();
      expect([creates(), uploads()]).toEqual(before);
    } finally {
      await node.stop();
    }
  });

  it('finds the provider job a crashed host created but did not record, instead of creating a second', async () => {
    const dir = tempDir('finetune');
    // The provider has a job tagged with our id (created just before the crash) ...
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-local' });
    const file = await client.files.create({ file: await OpenAI.toFile(Buffer.from('{}\n'), 'x.jsonl'), purpose: 'fine-tune' });
    const orphan = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: file.id,
      metadata: { troupe_job: 'job-b' },
    });
    // ... and the record says only that the file was uploaded.
    const first = await boot(dir);
    const at = new Date().toISOString();
    const uploaded: JobRecord = {
      id: 'job-b',
      tenant: 'acme',
      spec: spec as never,
      status: 'uploaded',
      created_at: at,
      updated_at: at,
      file_id: file.id,
      events: [],
      checkpoints: [],
      polls: 0,
    };
    await first.system.storage.bucket(FINETUNE_BUCKET).putMany([
      { key: ['acme', 'job', 'job-b'], value: uploaded },
      { key: ['~active', 'acme', 'job-b'], value: at },
    ]);
    await first.stop();
    const before = creates();
    const second = await boot(dir);
    try {
      const r = await until(async () => {
        const x = await record(second.system, 'job-b');
        return x?.provider_job_id === undefined ? undefined : x;
      }, 'the job found');
      expect(r.provider_job_id).toBe(orphan.id);
      expect(creates()).toBe(before);
    } finally {
      await second.stop();
    }
  });
});
