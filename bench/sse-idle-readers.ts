/**
 * Issue 10: SSE readers that never read. 200 clients join one long ACP run's event stream and
 * never read; each is cut off once it leaves `sendBufferBytes` unread, and when the clients
 * leave the process's heap returns near its baseline. Run: `node --expose-gc --import tsx
 * bench/sse-idle-readers.ts [clients] [sendBufferBytes]`; prints JSON (heap and RSS in MB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStorage } from '../runtime/lmdb/index.js';
import { OfflineProvider } from '../actors/llm/offline.js';
import { composeCatalog } from '../cli/kinds.js';
import { configSchema } from '../config/index.js';
import { Gateway, acpRoute, catalogDeps } from '../gateway/index.js';
import { MeshNode } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';

/** Heap and RSS in MB after a full collection (when `--expose-gc`). */
export async function memory(): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}

/** Runs the scenario; resolves with memory at baseline, at peak (readers stuck), and after they left. */
export async function idleReaders(clients = 200, sendBufferBytes = 4 * 1024 * 1024, words = 60_000): Promise<Record<string, number>> {
  // lmdb, the embedded default: the run's log lives on disk, so the heap shows only what readers hold.
  const dir = mkdtempSync(join(tmpdir(), 'troupe-sse-'));
  const system = await createSystem({ warn: () => undefined, storage: new LmdbStorage(dir) });
  // One agent on the offline model, served by the catalog `troupe start` builds.
  const config = configSchema.parse({
    agents: [{ name: 'echo', description: 'echo', instructions: 'Echo.' }],
    memory: { store: { index: [] } },
    // What is measured is the gateway's send bound, not the guardrails (their stream cost is in the guardrails bench).
    guardrails: { enabled: false },
  });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
  const gateway = await Gateway.start({
    port: 0,
    deps,
    routes: [acpRoute(deps, { sendBufferBytes })],
    limits: { ratePerSec: 1e9, burst: 1e9, connections: 50_000, connectionsPerKey: 50_000 },
  });
  const base = `${gateway.url}/acp`;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> =>
    (await (
      await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    ).json()) as Record<string, unknown>;
  // Warm up (one small run streamed to the end), then the baseline.
  const warm = (await post('/threads', {}))['thread_id'] as string;
  await (
    await fetch(`${base}/threads/${warm}/runs/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        assistant_id: 'echo',
        input: { messages: [{ role: 'user', content: 'hi' }] },
        stream_mode: ['messages-tuple'],
      }),
    })
  ).text();
  const before = await memory();
  const thread = (await post('/threads', {}))['thread_id'] as string;
  const text = Array.from({ length: words }, (_, i) => `w${i}`.padEnd(15, 'x')).join(' ');
  const run = (
    await post(`/threads/${thread}/runs`, {
      assistant_id: 'echo',
      input: { messages: [{ role: 'user', content: text }] },
      stream_mode: ['messages-tuple', 'values'],
    })
  )['run_id'] as string;
  const { port } = new URL(gateway.url);
  const sockets: Socket[] = [];
  let cut = 0;
  for (let i = 0; i < clients; i++) {
    const s = connect(Number(port), '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => cut++);
    s.write(`GET /acp/threads/${thread}/runs/${run}/stream?stream_mode=messages-tuple&stream_mode=values HTTP/1.1\r\nhost: x\r\n\r\n`);
    s.pause(); // never reads
    sockets.push(s);
  }
  // Until the run ended (its record says so) and the readers had time to fall behind.
  for (let i = 0; i < 600; i++) {
    const r = (await fetch(`${base}/threads/${thread}/runs/${run}`)
      .then((x) => x.json())
      .catch(() => ({ status: 'running' }))) as { status: string };
    if (r.status !== 'running' && r.status !== 'pending') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  await new Promise((res) => setTimeout(res, 2000));
  const peak = await memory();
  for (const s of sockets) s.destroy();
  await new Promise((res) => setTimeout(res, 1000));
  const after = await memory();
  await new Promise((res) => setTimeout(res, 8000));
  const later = await memory();
  await gateway.close();
  mesh.stop();
  await catalog.close();
  await system.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return {
    clients,
    cutBeforeLeaving: cut,
    baseHeap: before.heap,
    peakHeap: peak.heap,
    afterHeap: after.heap,
    laterHeap: later.heap,
    baseRss: before.rss,
    peakRss: peak.rss,
    afterRss: after.rss,
    laterRss: later.rss,
  };
}

if (process.argv[1]?.endsWith('sse-idle-readers.ts')) {
  const [clients, buffer] = process.argv.slice(2).map(Number);
  console.log(
    JSON.stringify(await idleReaders(clients || 200, buffer || undefined), (_, v: unknown) =>
      typeof v === 'number' ? Math.round(v * 10) / 10 : v,
    ),
  );
}
