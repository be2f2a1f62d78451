/**
 * The gateway suite. (1) A WebSocket conversation over loopback — `run.start` → `run.completed`
 * on the offline model, memory transport — and its time to the first `token` event, p50/p99,
 * beside a raw `ws` server that answers the same `run.start` with the very frames a real run
 * sent (same count, same bytes, no actors): the difference is the gateway and the mesh.
 * (2) Idle connections one node holds: a gateway in a child process (so client sockets do not
 * count) takes N authenticated WebSocket connections; its memory per connection is measured
 * after a GC. The child is this file, started with TROUPE_BENCH_GATEWAY_CHILD=1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { OfflineProvider } from '../actors/llm/offline.js';
import { composeCatalog } from '../cli/kinds.js';
import { configSchema } from '../config/index.js';
import { Gateway, catalogDeps } from '../gateway/index.js';
import { MeshNode } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { percentile, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

/** Goals of the gateway issue (5) and of the speed issue (19), which tightens time to first token to 3 ms p99. */
export const GOALS = { ttftP99Ms: 5, ttftP99MsSpeed: 3, connections: 10_000, connectionsMemoryBytes: 1024 ** 3 } as const;

const PROMPT = 'hello gateway';
const offline = { provider: new OfflineProvider(), model: 'offline' };
/** One assistant on the offline model, served by the catalog `troupe start` builds. */
const CONFIG = configSchema.parse({
  agents: [{ name: 'assistant', description: 'offline assistant', instructions: 'Answer.' }],
  memory: { store: { index: [] } },
});

async function startGateway(): Promise<{ gateway: Gateway; stop(): Promise<void> }> {
  const system = await createSystem({ warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(CONFIG, mesh, { provider: () => offline });
  await mesh.start();
  const gateway = await Gateway.start({
    port: 0,
    deps: catalogDeps(system, catalog),
    limits: { connections: 50_000, ratePerSec: 1e9, burst: 1e9 },
  });
  return {
    gateway,
    async stop() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** A client on one connection that times `run.start` → first token → terminal frame. */
class Conversation {
  private onFrame: ((f: { type: string; event?: string }) => void) | undefined;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => this.onFrame?.(JSON.parse(String(data)) as { type: string; event?: string }));
  }

  static open(url: string): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = new Conversation(ws);
      c.onFrame = (f) => {
        if (f.type === 'welcome') resolve(c);
      };
      ws.once('error', reject);
    });
  }

  /**
   * One exchange; resolves [ns to first token, ns to the end, frames (when `record`: the frames are written out again
   * only for the recording, not on every timed exchange, whose client would otherwise allocate more than the echo's)].
   */
  exchange(frame: string, record = false): Promise<[number, number, string[]]> {
    return new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      let first = 0;
      const frames: string[] = [];
      this.onFrame = (f) => {
        if (record) frames.push(JSON.stringify(f));
        if (first === 0 && (f.event === 'token' || f.type === 'token')) first = Number(process.hrtime.bigint() - t0);
        if (f.type === 'run.completed' || f.type === 'run.failed' || f.type === 'run.cancelled' || f.type === 'error')
          resolve([first, Number(process.hrtime.bigint() - t0), frames]);
      };
      this.ws.send(frame);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A raw `ws` server answering every frame with a recorded frame sequence. */
async function echoServer(script: readonly string[]): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'welcome', session: 'echo', node: 'echo', tenant: 'default' }));
    ws.on('message', () => {
      for (const f of script) ws.send(f);
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}/ws`, close: () => new Promise((r) => wss.close(() => r())) };
}

interface Stats {
  readonly p50: number;
  readonly p99: number;
}
const stats = (ns: number[]): Stats => {
  const s = Float64Array.from(ns).sort();
  return { p50: percentile(s, 50) / 1e6, p99: percentile(s, 99) / 1e6 };
};

/** GC pauses while the timed conversations ran, and how many of the slowest first tokens waited for one. */
interface GcShare {
  readonly pauses: number;
  readonly p50Ms: number;
  readonly maxMs: number;
  /** Of the first server's conversations at or above its TTFT p99: the share whose wait overlapped a GC pause. */
  readonly tailWithGc: number;
  /** Of all its conversations: the share whose wait overlapped a GC pause. */
  readonly allWithGc: number;
}

/** The GC pauses (`gc` performance entries) that overlap each window `[start, end)` (ms, performance.now()). */
function gcShare(pauses: readonly { start: number; end: number }[], windows: readonly { start: number; end: number }[]): GcShare {
  const sorted = [...pauses].sort((a, b) => a.start - b.start);
  const hit = (w: { start: number; end: number }): boolean => sorted.some((p) => p.start < w.end && p.end > w.start);
  const byWait = [...windows].sort((a, b) => b.end - b.start - (a.end - a.start));
  const tail = byWait.slice(0, Math.max(1, Math.ceil(windows.length / 100)));
  const ms = Float64Array.from(pauses.map((p) => p.end - p.start)).sort();
  return {
    pauses: pauses.length,
    p50Ms: ms.length === 0 ? 0 : percentile(ms, 50),
    maxMs: ms.length === 0 ? 0 : (ms[ms.length - 1] as number),
    tailWithGc: tail.filter(hit).length / tail.length,
    allWithGc: windows.filter(hit).length / Math.max(1, windows.length),
  };
}

/**
 * Times `count` exchanges on each of two servers, alternating, so both see the same machine load; notes the GC pauses
 * of the timed part and whether the first server's slowest first tokens waited for one.
 */
async function measurePair(
  urls: readonly [string, string],
  count: number,
  warmup: number,
  frame: (i: number) => string,
): Promise<[{ ttft: Stats; rtt: Stats }, { ttft: Stats; rtt: Stats }, GcShare]> {
  const conns = await Promise.all(urls.map((u) => Conversation.open(u)));
  const first: number[][] = [[], []];
  const whole: number[][] = [[], []];
  const pauses: { start: number; end: number }[] = [];
  const windows: { start: number; end: number }[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  for (let i = 0; i < warmup + count; i++) {
    if (i === warmup) gc.observe({ entryTypes: ['gc'] });
    for (let k = 0; k < 2; k++) {
      const startedAt = performance.now();
      const [f, w] = await (conns[k] as Conversation).exchange(frame(i));
      if (i >= warmup) {
        first[k]?.push(f);
        whole[k]?.push(w);
        if (k === 0) windows.push({ start: startedAt, end: startedAt + f / 1e6 });
      }
    }
  }
  // Entries of the last turn are delivered before the observer is let go.
  for (const e of gc.takeRecords()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  gc.disconnect();
  for (const c of conns) c.close();
  const out = (k: number) => ({ ttft: stats(first[k] ?? []), rtt: stats(whole[k] ?? []) });
  return [out(0), out(1), gcShare(pauses, windows)];
}

// ---- idle connections (child process) -------------------------------------------------------

interface ChildReport {
  readonly url?: string;
  readonly sessions?: number;
  readonly rss?: number;
  readonly heapUsed?: number;
  readonly external?: number;
}

function ask(child: ChildProcess, msg: string): Promise<ChildReport> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ChildReport));
    child.send(msg);
  });
}

async function childMain(): Promise<void> {
  const { gateway } = await startGateway();
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m) => {
    if (m === 'measure') {
      gc?.();
      gc?.();
      const mem = process.memoryUsage();
      process.send?.({
        sessions: gateway.ws.sessions.size,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        external: mem.external + mem.arrayBuffers,
      });
    } else if (m === 'exit') process.exit(0);
  });
  process.send?.({ url: gateway.url.replace(/^http/, 'ws') + '/ws' });
}

async function idleConnections(
  n: number,
  log: (l: string) => void,
): Promise<{ held: number; perConnBytes: number; rss: number; baseRss: number }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, TROUPE_BENCH_GATEWAY_CHILD: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const { url } = await new Promise<ChildReport>((resolve) => child.once('message', (m) => resolve(m as ChildReport)));
    const base = await ask(child, 'measure');
    const sockets: WebSocket[] = [];
    const batch = 500;
    for (let i = 0; i < n; i += batch) {
      const opened = await Promise.all(
        Array.from(
          { length: Math.min(batch, n - i) },
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(url as string, { perMessageDeflate: false });
              ws.once('message', () => resolve(ws)); // the welcome: the session exists
              ws.once('error', reject);
            }),
        ),
      );
      sockets.push(...opened);
      if ((i / batch) % 4 === 0) log(`${sockets.length} connections open`);
    }
    const held = await ask(child, 'measure');
    for (const s of sockets) s.terminate();
    const heap = (r: ChildReport): number => (r.heapUsed ?? 0) + (r.external ?? 0);
    return {
      held: held.sessions ?? 0,
      perConnBytes: Math.max(heap(held) - heap(base), (held.rss ?? 0) - (base.rss ?? 0)) / n,
      rss: held.rss ?? 0,
      baseRss: base.rss ?? 0,
    };
  } finally {
    child.send('exit');
  }
}

// ---- the suite ----------------------------------------------------------------------------------

async function run(options: BenchOptions): Promise<SuiteResult> {
  const count = options.quick ? 200 : 2_000;
  const warmup = options.quick ? 50 : 300;
  const conns = options.quick ? 1_000 : GOALS.connections;
  const node = await startGateway();
  const url = node.gateway.url.replace(/^http/, 'ws') + '/ws';
  const start = (i: number): string =>
    JSON.stringify({ type: 'run.start', id: `b${i}`, agent: 'assistant', input: { messages: [{ role: 'user', content: PROMPT }] } });
  // The echo answers with exactly the frames one real conversation sent.
  const recorder = await Conversation.open(url);
  const [, , script] = await recorder.exchange(start(0), true);
  recorder.close();
  const echo = await echoServer(script);
  options.log(
    `gateway vs raw ws echo of the same ${script.length} frames: ${count} conversations each, alternating (after ${warmup} warmup)`,
  );
  const [troupe, raw, gcs] = await measurePair([url, echo.url], count, warmup, start);
  await echo.close();
  await node.stop();
  options.log(`idle connections: opening ${conns}`);
  const idle = await idleConnections(conns, options.log);

  const ms = (name: string, value: number) => ({ name, value, unit: 'ms' });
  const figures: Figure[] = [
    { ...ms('ws run round trip p50', troupe.rtt.p50), higherIsBetter: false, baselines: [ms('raw ws echo p50', raw.rtt.p50)] },
    { ...ms('ws run round trip p99', troupe.rtt.p99), higherIsBetter: false, baselines: [ms('raw ws echo p99', raw.rtt.p99)] },
    { ...ms('time to first token p50', troupe.ttft.p50), higherIsBetter: false, baselines: [ms('raw ws echo p50', raw.ttft.p50)] },
    { ...ms('time to first token p99', troupe.ttft.p99), higherIsBetter: false, baselines: [ms('raw ws echo p99', raw.ttft.p99)] },
    { name: 'idle connections held', value: idle.held, unit: 'conns', higherIsBetter: true, baselines: [] },
    { name: 'memory per connection', value: idle.perConnBytes / 1024, unit: 'KiB', higherIsBetter: false, baselines: [] },
  ];
  const projected = idle.baseRss + idle.perConnBytes * GOALS.connections;
  const goals: Goal[] = [
    {
      name: `p99 time to first token < ${GOALS.ttftP99Ms} ms`,
      met: troupe.ttft.p99 < GOALS.ttftP99Ms,
      detail: `${troupe.ttft.p99.toFixed(2)} ms`,
    },
    {
      name: `p99 time to first token ≤ ${GOALS.ttftP99MsSpeed} ms (speed issue, on a quiet machine)`,
      met: troupe.ttft.p99 <= GOALS.ttftP99MsSpeed,
      detail:
        `${troupe.ttft.p99.toFixed(2)} ms (p50 ${troupe.ttft.p50.toFixed(2)} ms; ` +
        `raw ws p50 ${raw.ttft.p50.toFixed(2)}, p99 ${raw.ttft.p99.toFixed(2)} ms)`,
    },
    {
      name: `${GOALS.connections.toLocaleString('en-US')} connections under 1 GB`,
      met: idle.held === conns && (conns === GOALS.connections ? idle.rss : projected) < GOALS.connectionsMemoryBytes,
      detail:
        `${idle.held} held, RSS ${(idle.rss / 2 ** 20).toFixed(0)} MiB (${(idle.baseRss / 2 ** 20).toFixed(0)} MiB before)` +
        (conns === GOALS.connections ? '' : `, projected ${(projected / 2 ** 20).toFixed(0)} MiB for ${GOALS.connections}`),
    },
  ];
  return {
    suite: 'gateway',
    figures,
    goals,
    notes: [
      `one conversation = ${script.length} frames out for one run.start in ("${PROMPT}" on the offline model); ` +
        'client and gateway in one process over loopback; gateway and echo exchanges alternate',
      'memory per connection: the larger of (heap + external) growth after GC and RSS growth, in a gateway child process',
      `GC while the timed conversations ran: ${gcs.pauses} pauses (p50 ${gcs.p50Ms.toFixed(2)} ms, max ${gcs.maxMs.toFixed(2)} ms); ` +
        `${(gcs.tailWithGc * 100).toFixed(0)} % of the gateway's first tokens at or above its p99 waited for one ` +
        `(${(gcs.allWithGc * 100).toFixed(1)} % of all its first tokens)`,
    ],
  };
}

/** The gateway suite. */
export const gatewaySuite: Suite = {
  name: 'gateway',
  description: 'WS conversation round trip and TTFT vs raw ws; idle connections and memory',
  run,
};

if (process.env['TROUPE_BENCH_GATEWAY_CHILD'] === '1') void childMain();
