/**
 * A diagnostic, not a test: how an agent serves again after a fault, with a timeline. Three NATS servers, three
 * `troupe node` processes hosting one agent (offline model, calculator tool); a client starts a run every 250 ms (`EVERY_MS`); then
 * `MODE=node` (default) SIGKILLs the node holding the agent, `MODE=leader` the NATS server leading the mailbox stream.
 * Prints every run (sent, acknowledged, ended, relative to the kill), each stream's new leader, and the nodes'
 * warnings and run starts. `WATCH_MS` (default 20 000) is how long it watches. Run: `npx tsx test/chaos/failover-probe.ts`.
 * The workflow lane (`FLOWS=0` turns it off): the chaos run's workflow (two agent steps, a tool step) started every
 * second on the same tenant; for each run, when it was sent, answered and ended, and for each agent step when its
 * agent run was created and last written (its end) — the gaps show where a run's seconds went after the fault.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_CREATE } from '../../protocols/index.js';
import { JetStreamStorage, MeshNames } from '../../runtime/jetstream/index.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { RunStore, waitForRun, type RunRecord } from '../../actors/agent/index.js';
import { WorkflowJournal } from '../../actors/workflow/index.js';
import { chaosWorkflow } from './mesh-workflow.js';
import { startCluster, waitForJetStreamCluster } from '../nats/server.js';
import { NodeProcess, meshClient } from '../cluster/nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const cfg = join(dir, 'troupe.json');
writeFileSync(
  cfg,
  JSON.stringify({
    agents: [{ name: 'clerk', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] }],
    workflows: process.env['FLOWS'] === '0' ? [] : [chaosWorkflow],
    guardrails: { enabled: false },
  }),
);
const servers = await startCluster(3);
const urls = servers.map((s) => s.url);
await waitForJetStreamCluster(urls);
const prefix = 'probe' + process.pid;
const env = { TROUPE_LOG_LEVEL: process.env['LVL'] ?? 'info', TROUPE_LOG_FORMAT: 'json' };
const nodes = new Map<string, NodeProcess>();
nodes.set('m1', await NodeProcess.start('m1', urls, prefix, ['--config', cfg], env));
nodes.set('m2', await NodeProcess.start('m2', urls, prefix, ['--config', cfg], env));
nodes.set('m3', await NodeProcess.start('m3', urls, prefix, ['--config', cfg], env));
const { system, placement } = await meshClient(urls, prefix);
const storage = await JetStreamStorage.connect({ servers: urls, prefix });
const store = new RunStore(storage);
const tenant = 'p0';
await placement.activate('agent/clerk', tenant);
const flows = process.env['FLOWS'] !== '0';
if (flows) await placement.activate(`workflow/${chaosWorkflow.name}`, tenant);
const journal = new WorkflowJournal(storage);
type Flow = { id: string; sent: number; acked?: number; ended?: number; err?: string };
const flowRuns: Flow[] = [];
let fi = 0;
const flow = async (): Promise<void> => {
  const f: Flow = { id: `wf${fi++}`, sent: Date.now() };
  flowRuns.push(f);
  try {
    await system
      .ref(`workflow/${chaosWorkflow.name}`, tenant)
      .ask(
        RUN_CREATE,
        { run_id: f.id, input: { messages: [{ role: 'user', content: 'go' }] }, config: { input: { a: '6', b: '7' } } },
        { timeoutMs: 15_000 },
      );
    f.acked = Date.now();
    for (const end = Date.now() + 40_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const rec = await journal.getRun(tenant, f.id).catch(() => undefined);
      if (rec !== undefined && ['success', 'error', 'cancelled'].includes(rec.status)) {
        f.ended = Date.now();
        if (rec.status !== 'success') f.err = `${rec.status}: ${rec.error ?? ''}`.slice(0, 80);
        return;
      }
    }
    f.err = 'not ended in 40 s';
  } catch (e) {
    f.err = (e as Error).message.slice(0, 80);
  }
};
if (flows) await flow();
let i = 0;
const results: { sent: number; acked?: number; ended?: number; err?: string }[] = [];
const one = async (): Promise<void> => {
  const runId = `r${i++}`;
  const r: { sent: number; acked?: number; ended?: number; err?: string } = { sent: Date.now() };
  results.push(r);
  const ended = waitForRun(system, runId, tenant, 30_000, undefined, undefined, store);
  ended.catch(() => undefined);
  try {
    await system
      .ref('agent/clerk', tenant)
      .ask(
        RUN_CREATE,
        { run_id: runId, input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"6*7"}' }] } },
        { timeoutMs: 15_000 },
      );
    r.acked = Date.now();
    await ended;
    r.ended = Date.now();
  } catch (e) {
    r.err = (e as Error).message.slice(0, 80);
  }
};
for (let k = 0; k < 3; k++) await one();
const holder = system.transport.cluster!.leases().find((l) => l.tenant === tenant && l.address === 'agent/clerk')?.node as string;
console.log('holder', holder);
let stop = false;
const loop = (async () => {
  const inflight: Promise<void>[] = [];
  while (!stop) {
    inflight.push(one());
    await new Promise((r) => setTimeout(r, Number(process.env['EVERY_MS'] ?? 250)));
  }
  await Promise.all(inflight);
})();
const flowLoop = (async () => {
  const inflight: Promise<void>[] = [];
  while (flows && !stop) {
    inflight.push(flow());
    await new Promise((r) => setTimeout(r, Number(process.env['FLOW_EVERY_MS'] ?? 1_000)));
  }
  await Promise.all(inflight);
})();
await new Promise((r) => setTimeout(r, 2_000));
const names = new MeshNames(prefix);
const jsm = await jetstreamManager(system.transport.connection, { timeout: 1_000 });
const streams = [
  names.mailboxStream,
  names.topicStream,
  `KV_${names.directoryBucket}`,
  `KV_${names.nodesBucket}`,
  `KV_${names.stateBucket}`,
  `KV_${prefix}_runs`,
  `KV_${prefix}_threads`,
];
const leaderOf = async (s: string): Promise<string | undefined> =>
  (await jsm.streams.info(s).catch(() => undefined))?.cluster?.leader || undefined;
const mode = process.env['MODE'] ?? 'node';
const victimServer = mode === 'leader' ? await leaderOf(names.mailboxStream) : undefined;
const before = new Map<string, string | undefined>();
for (const st of streams) before.set(st, await leaderOf(st));
console.log('leaders before', JSON.stringify([...before]));
const T = Date.now();
const marks: string[] = [];
for (const [id, n] of nodes)
  if (mode === 'leader' || id !== holder)
    n.onOutput((c) => {
      for (const l of c.split('\n'))
        if (l.trim() && (!/"level":"info"/.test(l) || /run.start|run.resume/.test(l)))
          marks.push(`${id} +${Date.now() - T} ${l.slice(0, Number(process.env['LINE_CHARS'] ?? 200))}`);
    });
if (mode === 'leader') await servers.find((x) => x.name === victimServer)!.kill('SIGKILL');
else await nodes.get(holder)!.signal('SIGKILL');
console.log('killed', mode === 'leader' ? victimServer : holder, 'at', T);
const elected = new Map<string, number>();
void (async () => {
  while (elected.size < streams.length && Date.now() - T < 30_000) {
    for (const st of streams)
      if (!elected.has(st)) {
        const l = await leaderOf(st);
        if (l !== undefined && (mode !== 'leader' || l !== victimServer)) elected.set(st, Date.now() - T);
      }
    await new Promise((r) => setTimeout(r, 100));
  }
})();
await new Promise((r) => setTimeout(r, Number(process.env['WATCH_MS'] ?? 20_000)));
stop = true;
await loop;
await flowLoop;
const rel = (t: number | undefined): string => (t === undefined ? '-' : `+${t - T}`);
for (const r of results.filter((x) => x.sent >= T - 3_000))
  console.log(`sent ${rel(r.sent)} acked ${rel(r.acked)} ended ${rel(r.ended)} ${r.err ?? ''}`);
const firstOk = results
  .filter((x) => x.sent >= T && x.ended !== undefined)
  .map((x) => x.ended! - T)
  .sort((a, b) => a - b)[0];
console.log('first run sent after the kill that ended: +', firstOk);
console.log('elected', JSON.stringify([...elected]));
for (const m of marks.filter((x) => !/run.start|run.resume/.test(x)).slice(0, 80)) console.log(m);
for (const m of marks.filter((x) => /run.resume/.test(x)).slice(0, 20)) console.log(m);
// Each workflow run: sent, answered, ended; each step's agent run: created and last written (its end), all after the kill.
const at = (iso: string | undefined): string => (iso === undefined ? '-' : `+${Date.parse(iso) - T}`);
for (const f of flowRuns.filter((x) => x.sent >= T - 3_000)) {
  const steps: string[] = [];
  for (const { key, entry } of (await journal.steps(tenant, f.id).catch(() => [])).sort((a, b) =>
    `${a.key.step}.${a.key.attempt}`.localeCompare(`${b.key.step}.${b.key.attempt}`),
  )) {
    const rec = entry.agent_run === undefined ? undefined : await storage.bucket('runs').get<RunRecord>([tenant, 'run', entry.agent_run]);
    steps.push(
      `${key.step}.${key.attempt} ${entry.state}` +
        (rec === undefined ? '' : ` [${at(rec.created_at)}..${at(rec.updated_at)} ${rec.status}]`),
    );
  }
  console.log(`flow ${f.id} sent ${rel(f.sent)} acked ${rel(f.acked)} ended ${rel(f.ended)} ${f.err ?? ''} | ${steps.join('; ')}`);
}
for (const n of nodes.values()) await n.signal('SIGKILL');
await storage.close();
await system.shutdown();
for (const s of servers) await s.stop();
process.exit(0);
