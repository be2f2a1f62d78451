/**
 * A workflow outlives SIGKILL of its node on a real mesh (docs/workflows.md, "Durable"): a nats-server and `troupe
 * node --gateway` processes host the example (runs, journal and leases in JetStream), its agents on a local
 * OpenAI-compatible server. The node holding `workflow/support-flow` is killed while `billing` streams on the other
 * node (node ids are picked so the two land apart): that node takes the workflow over and the run comes to its human
 * step from the journal — `classify` not run again, the billing run joined (its model asked once). A third node joins;
 * the owner is killed again while the human step waits: the third node takes over, the run still waits, and a
 * `command: {resume}` through that node's gateway completes it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankHosts, type ActorSystem, type NodeInfo } from '../../runtime/index.js';
import { JetStreamStorage, type JetStreamTransport } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { meshClient } from '../cluster/nodes.js';
import { cleanEnv, http, startCliGateway, until, type CliGateway } from '../gateway/cli-fixture.js';
import { oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { expectRunOnce, routeByAgent, slowly, supportFlowConfig } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-wf-failover-'));
const prefix = `wff${process.pid}`;
let server: NatsServer;
let model: FakeServer;
let client: { system: ActorSystem & { transport: JetStreamTransport } } | undefined;
let storage: JetStreamStorage | undefined;
const nodes = new Map<string, CliGateway>();

beforeAll(async () => {
  server = await NatsServer.start();
  model = await startServer();
  writeFileSync(join(dir, 'troupe.json'), JSON.stringify(supportFlowConfig(model)));
}, 60_000);

afterAll(async () => {
  for (const n of nodes.values()) {
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await n.exited;
  }
  await storage?.close();
  await client?.system.shutdown().catch(() => undefined);
  await model?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `troupe node --gateway` hosting every kind of the config; resolves once its gateway answers. */
async function node(id: string): Promise<CliGateway> {
  const args = ['node', '--nats', server.url, '--prefix', prefix, '--node-id', id, '--config', join(dir, 'troupe.json'), '--gateway'];
  const n = await startCliGateway(args, cleanEnv({ TROUPE_PORT: '0', FAKE_KEY: 'sk-local' }));
  nodes.set(id, n);
  return n;
}

/** Two node ids on which the workflow and the billing agent are placed apart (the workflow's first), placement being a hash. */
function splitIds(): [string, string] {
  const info = (id: string) => ({ id, kinds: ['workflow', 'agent'], draining: false }) as unknown as NodeInfo;
  const top = (ids: string[], kind: string, address: string) => rankHosts(ids.map(info), kind, `default/${address}`)[0]?.id as string;
  for (let i = 0; ; i++) {
    const ids = [`wf${i}a`, `wf${i}b`];
    const wf = top(ids, 'workflow', 'workflow/support-flow');
    const agent = top(ids, 'agent', 'agent/billing');
    if (wf !== agent) return [wf, agent];
  }
}

const TRIAGE = 'This is about your bill. ';
/** The billing answer: streamed over ~12 s, so the workflow's node is killed while it runs. */
const BILLING = `${'checking '.repeat(60)}Your refund of the double charge is on its way. `;

describe('a workflow run outlives SIGKILL of its node', () => {
  it('the next node takes the lease over and finishes the run from the journal, answered through its gateway', async () => {
    const { scripts, calls } = routeByAgent(model);
    scripts.triage.push(sse(oaiText([TRIAGE])));
    scripts.billing.push(slowly(BILLING, 200));
    scripts.tech.push(sse(oaiText(['The tech desk answers. '])));
    const [owner1, other] = splitIds();
    // Side by side (each start is seconds of module loading); placement waits until both host workflows.
    await Promise.all([node(owner1), node(other)]);
    client = await meshClient([server.url], prefix);
    storage = await JetStreamStorage.connect({ servers: [server.url], prefix });
    const cluster = client.system.transport.cluster!;
    const live = (ids: string[]) => ids.every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('workflow')));
    await until('both nodes to host workflows', () => (live([owner1, other]) ? true : undefined));
    const owner = () => cluster.leases().find((l) => l.address === 'workflow/support-flow' && l.tenant === 'default')?.node;

    const gw = nodes.get(other)!.url;
    const threadId = (await http('POST', `${gw}/acp/threads`, {})).json['thread_id'] as string;
    const created = await http('POST', `${gw}/acp/threads/${threadId}/runs`, {
      assistant_id: 'support-flow',
      input: { text: 'I was charged twice on my bill' },
    });
    expect(created.status).toBe(200);
    const runId = created.json['run_id'] as string;
    const status = async (url: string) => (await http('GET', `${url}/acp/threads/${threadId}/runs/${runId}`)).json['status'];

    // Killed while the billing agent streams on the other node (classify is done): that node takes the workflow over.
    await until('the billing model call', () => (calls('billing') === 1 ? true : undefined));
    const lease = (address: string) => cluster.leases().find((l) => l.address === address)?.node;
    expect([lease('workflow/support-flow'), lease('agent/billing')]).toEqual([owner1, other]);
    const [first, heir] = [owner1, other];
    nodes.get(first)!.child.kill('SIGKILL');
    expect(await nodes.get(first)!.exited).toBe(null);
    await until(`the workflow to move to ${heir}`, () => (owner() === heir ? true : undefined), 90_000);
    const heirUrl = nodes.get(heir)!.url;
    await until('the run to wait for a person', async () => ((await status(heirUrl)) === 'interrupted' ? true : undefined), 90_000);
    expect([calls('triage'), calls('billing'), calls('tech')]).toEqual([1, 1, 0]);

    // A third node joins; the owner is killed while the human step waits: the third takes over, the run still waits.
    await node('wf3');
    await until('the third node to host workflows', () => (live(['wf3']) ? true : undefined));
    nodes.get(heir)!.child.kill('SIGKILL');
    expect(await nodes.get(heir)!.exited).toBe(null);
    await until('the workflow to move to wf3', () => (owner() === 'wf3' ? true : undefined), 90_000);
    const third = nodes.get('wf3')!.url;
    expect(await status(third)).toBe('interrupted');
    expect((await http('GET', `${third}/acp/threads/${threadId}/state`)).json['next']).toEqual(['review']);
    const resumed = await until('the resume to be answered', async () => {
      const r = await http('POST', `${third}/acp/threads/${threadId}/runs/wait`, {
        assistant_id: 'support-flow',
        command: { resume: { approve: true } },
      });
      return r.status === 200 ? r.json : undefined;
    });
    const values = resumed as { output?: { answer: string; at: unknown }; steps: Record<string, { output?: unknown }> };
    expect(values.output?.answer).toBe(BILLING);
    expect(values.output?.at).toEqual(values.steps['stamp']?.output);
    expect(await status(third)).toBe('success');
    const joined = await http('GET', `${third}/acp/threads/${threadId}/runs/${runId}/join`);
    expect(joined.json['output']).toEqual(values.output);
    expect([calls('triage'), calls('billing'), calls('tech')]).toEqual([1, 1, 0]);

    // One attempt per step, one run per agent step: the billing run started before the kill was joined.
    await expectRunOnce(storage, runId, { triage: TRIAGE, billing: BILLING });
  }, 400_000);
});
