/**
 * A fine-tune job on a real nats-server mesh of two nodes (in this process, each with its own catalog): the node
 * holding the job leaves mid-job; the other node — which nobody asks anything — sees it go, activates the job, and
 * polls the same provider job to the end: one provider job, one registered model version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINETUNE_BUCKET, FINETUNE_START, OfflineProvider, jobAddress, type JobRecord, type ModelVersion } from '../../actors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { startFineTuneServer, type FineTuneServer } from '../fixtures/openai-finetune-server.js';
import { NatsServer } from '../nats/server.js';
import { until as waitFor } from './fixtures.js';

let nats: NatsServer;
let provider: FineTuneServer;
beforeAll(async () => {
  [nats, provider] = await Promise.all([NatsServer.start(), startFineTuneServer()]);
}, 30_000);
afterAll(async () => {
  await provider?.close();
  await nats?.stop();
});

interface Node {
  readonly id: string;
  readonly system: ActorSystem;
  readonly catalog: Awaited<ReturnType<typeof composeCatalog>>;
  stop(): Promise<void>;
}

/** A node of the mesh `prefix` hosting the trainer kind, started as `troupe node` starts one. */
async function node(id: string, prefix: string): Promise<Node> {
  const config = configSchema.parse({
    agents: [{ name: 'helper', description: 'helps', instructions: 'Help.' }],
    node: { id },
    transport: { kind: 'jetstream', servers: [nats.url], prefix, heartbeatMs: 200, deadAfterMs: 1_000, leaseTtlMs: 1_000 },
    storage: { kind: 'jetstream' },
  });
  const system = await createSystem({ config, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, {
    hosts: ['trainer'],
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
    env: { OPENAI_BASE_URL: provider.baseURL, OPENAI_API_KEY: 'sk-local', TROUPE_FINETUNE_POLL_MS: '50' },
  });
  await mesh.start();
  await catalog.start();
  return {
    id,
    system,
    catalog,
    async stop() {
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** A mesh and a node loss take longer than one process: 20 s. */
const until = <T>(check: () => Promise<T | undefined>, what: string): Promise<T> => waitFor(check, what, 20_000);

describe('a fine-tune job on a NATS mesh', () => {
  it('goes on on the other node when the node holding it leaves mid-job', async () => {
    const prefix = `ft${process.pid}`;
    const a = await node('fa', prefix);
    const b = await node('fb', prefix);
    const nodes = [a, b];
    try {
      const at = new Date().toISOString();
      const s = a.system.storage;
      await s.bucket('runs').put(['default', 'run', 'r1'], {
        ...{ run_id: 'r1', thread_id: 't1', assistant_id: 'helper', agent: 'helper', status: 'success', created_at: at, updated_at: at },
        ...{ metadata: {}, multitask_strategy: 'reject', last_seq: 1 },
      });
      await s.bucket('threads').put(['default', 'h', 't1', '1'], {
        ...{ checkpoint_id: 'c1', thread_id: 't1', run_id: 'r1', step: 1, created_at: at, next: [], interrupts: [], metadata: {} },
        messages: [
          { role: 'user', content: 'What is 2+2?' },
          { role: 'assistant', content: '4' },
        ],
      });
      const spec = { name: 'mesh-ft', base_model: 'gpt-4o-mini-2024-07-18', dataset: { format: 'chat' } };
      await (await a.catalog.ensure(jobAddress('job-n'), 'default')).ask(FINETUNE_START, { spec }, { timeoutMs: 20_000 });
      const record = (): Promise<JobRecord | undefined> =>
        b.system.storage.bucket(FINETUNE_BUCKET).get<JobRecord>(['default', 'job', 'job-n']);
      const first = await until(async () => {
        const r = await record();
        return r?.provider_job_id !== undefined && r.polls >= 1 ? r : undefined;
      }, 'the first poll');
      const cluster = a.system.transport.cluster;
      const owner = cluster?.leases().find((l) => l.address === jobAddress('job-n'))?.node;
      expect(['fa', 'fb']).toContain(owner);
      const [gone, heir] = owner === 'fa' ? [a, b] : [b, a];
      await gone.stop();
      nodes.splice(nodes.indexOf(gone), 1);
      provider.advance(first.provider_job_id as string, 'running', 'Step 5/10');
      provider.advance(first.provider_job_id as string, 'succeeded');
      // Nobody asks the job anything from here on: the heir resumes it when it sees the node go.
      const done = await until(async () => {
        const r = await heir.system.storage.bucket(FINETUNE_BUCKET).get<JobRecord>(['default', 'job', 'job-n']);
        return r?.model === undefined ? undefined : r;
      }, 'the job to finish on the other node');
      expect(done).toMatchObject({ status: 'succeeded', provider_job_id: first.provider_job_id, model: { name: 'mesh-ft', version: 1 } });
      expect(heir.system.transport.cluster?.leases().find((l) => l.address === jobAddress('job-n'))?.node).toBe(heir.id);
      expect(provider.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs')).toHaveLength(1);
      const versions = await heir.system.storage.bucket('models').list<ModelVersion>(['default', 'model', 'mesh-ft']);
      expect(versions.map((v) => v.value.version)).toEqual([1]);
    } finally {
      for (const n of nodes) await n.stop().catch(() => undefined);
    }
  }, 60_000);
});
