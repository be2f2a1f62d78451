/**
 * Eval throughput on the offline model (issue 15): a suite's cases run by the eval runner (`runCases`, the runner
 * `troupe eval` uses, with its concurrency limit) through gateways of a real JetStream mesh — one `troupe node
 * --gateway` process alone, then two on another mesh of the same nats-server, the cases spread over both gateways
 * (`spreadCases`, what `troupe eval --url A,B` does). Prints cases/s for each, the ratio, where the agents'
 * activations landed and how many cases each gateway took.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandCases, parseSuite, runCases, type EvalCase } from '../actors/index.js';
import { spreadCases } from '../cli/eval-case.js';
import { TroupeClient } from '../gateway/client/index.js';
import { NodeProcess, meshClient } from '../test/cluster/nodes.js';
import { NatsServer } from '../test/nats/server.js';
import type { BenchOptions, Figure, Goal } from './harness.js';

/** Agents of the suite: `agent/<name>` is one stateful activation per tenant, placed by rank over the hosts. */
const AGENTS = 8;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** CPU seconds a process used so far (Linux /proc; 0 where it cannot be read). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs `fn` and says how many CPU seconds each named process used during it, beside the wall time. */
async function withCpu<T>(pids: Record<string, number | undefined>, fn: () => Promise<T>): Promise<{ value: T; cpu: string }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  const t0 = performance.now();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const used = Object.entries(pids).map(([k, p]) => `${k} ${(cpuSeconds(p) - (before[k] as number)).toFixed(1)}`);
  return { value, cpu: `${wall.toFixed(1)} s wall × ${availableParallelism()} cores; CPU s: ${used.join(', ')}` };
}

function suiteCases(tests: number): EvalCase[] {
  const yaml = [
    'description: eval throughput',
    'prompts: ["{{q}}"]',
    `providers: [${Array.from({ length: AGENTS }, (_, i) => `a${i}`).join(', ')}]`,
    'tests:',
    ...Array.from(
      { length: tests },
      (_, i) => `  - vars: {q: "question ${i}: what is the refund window?"}\n    assert: [{type: latency, threshold: 60000}]`,
    ),
  ].join('\n');
  return expandCases(parseSuite(yaml, 'bench.yaml'), 'bench.yaml');
}

async function throughputOf(clients: TroupeClient[], cases: EvalCase[], concurrency: number, runs: number) {
  let best = 0;
  let ran: readonly number[] = [];
  let local = 0;
  for (let r = 0; r < runs; r++) {
    const spread = spreadCases(clients);
    const started = performance.now();
    const result = await runCases('bench', cases, { concurrency, runCase: (c) => spread.runCase(c) });
    const rate = cases.length / ((performance.now() - started) / 1000);
    if (result.failed > 0) throw new Error(`${result.failed} cases failed: ${result.cases.find((c) => !c.pass)?.error ?? 'an assertion'}`);
    if (rate > best) [best, ran, local] = [rate, [...spread.ran], spread.local()];
  }
  return { rate: best, ran, local };
}

/** Figure: eval cases per second on two nodes of one mesh, beside one node; goal ratio ≥ 1.7. */
export async function evalThroughputFigures(o: BenchOptions): Promise<{ figures: Figure[]; goals: Goal[]; notes: string[] }> {
  const server = await NatsServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-eval-'));
  const config = join(dir, 'troupe.json');
  writeFileSync(
    config,
    JSON.stringify({
      agents: Array.from({ length: AGENTS }, (_, i) => ({ name: `a${i}`, instructions: 'Answer briefly.', provider: 'offline' })),
    }),
  );
  const nodes: NodeProcess[] = [];
  const clients: TroupeClient[] = [];
  const tag = `be${process.pid}`;
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    const start = (id: string, prefix: string, port: number) =>
      NodeProcess.start(id, [server.url], prefix, ['--kinds', 'agent,thread', '--config', config, '--gateway'], {
        TROUPE_HOST: '127.0.0.1',
        TROUPE_PORT: String(port),
        TROUPE_LOG_LEVEL: 'warn',
      });
    o.log('trainer: starting one node (mesh 1) and two nodes (mesh 2) on one nats-server');
    nodes.push(
      ...(await Promise.all([
        start('solo', `${tag}a`, ports[0] as number),
        start('n1', `${tag}b`, ports[1] as number),
        start('n2', `${tag}b`, ports[2] as number),
      ])),
    );
    const url = (p: number) => `http://127.0.0.1:${p}`;
    for (const p of ports) clients.push(await TroupeClient.connect({ url: url(p) }));
    const { system, placement } = await meshClient([server.url], `${tag}b`);
    const cluster = system.transport.cluster!;
    try {
      const deadline = Date.now() + 60_000;
      while (!['n1', 'n2'].every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('agent')))) {
        if (Date.now() > deadline) throw new Error('the two nodes did not see each other');
        await new Promise((r) => setTimeout(r, 100));
      }
      void placement;
      const tests = o.quick ? 2 : 12;
      const cases = suiteCases(tests);
      const concurrency = 16;
      const runs = o.runs ?? (o.quick ? 1 : 3);
      const solo = [clients[0] as TroupeClient];
      const pair = [clients[1] as TroupeClient, clients[2] as TroupeClient];
      o.log('trainer: eval warmup (activates the agents)');
      await throughputOf(solo, suiteCases(1), concurrency, 1);
      await throughputOf(pair, suiteCases(1), concurrency, 1);
      o.log(`trainer: eval throughput, one node (${cases.length} cases, concurrency ${concurrency})`);
      const pids = { nats: server.pid, bench: process.pid };
      const soloPids = { ...pids, solo: nodes[0]?.pid };
      const pairPids = { ...pids, n1: nodes[1]?.pid, n2: nodes[2]?.pid };
      const { value: one, cpu: oneCpu } = await withCpu(soloPids, () => throughputOf(solo, cases, concurrency, runs));
      o.log(`trainer: eval throughput, two nodes (${cases.length} cases, concurrency ${concurrency})`);
      const { value: two, cpu: twoCpu } = await withCpu(pairPids, () => throughputOf(pair, cases, concurrency, runs));
      const where = new Map<string, number>();
      for (const l of cluster.leases()) if (l.address.startsWith('agent/')) where.set(l.node, (where.get(l.node) ?? 0) + 1);
      const ratio = two.rate / one.rate;
      return {
        figures: [
          {
            name: 'eval cases/s, two nodes of one mesh',
            value: two.rate,
            unit: 'cases/s',
            higherIsBetter: true,
            baselines: [{ name: 'eval cases/s, one node', value: one.rate, unit: 'cases/s' }],
          },
        ],
        goals: [{ name: 'eval throughput on two nodes ≥ 1.7× one node', met: ratio >= 1.7, detail: `${ratio.toFixed(2)}×` }],
        notes: [
          `eval: ${cases.length} cases (${tests} tests × ${AGENTS} agents, offline model), concurrency ${concurrency}, best of ${runs}`,
          `eval: one node: ${oneCpu}`,
          `eval: two nodes: ${twoCpu}`,
          `eval: agents' activations on the two-node mesh: ${[...where].map(([n, k]) => `${n} ${k}`).join(', ')}`,
          `eval: cases per gateway on two nodes: ${two.ran.join(' / ')}; sent to their agent's node: ${two.local}`,
        ],
      };
    } finally {
      await system.shutdown();
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
