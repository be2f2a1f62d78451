/**
 * Gateway test fixture: a node (ActorSystem on a MemoryHub, shared MemoryStorage) with agents on
 * the offline model and a gateway on a free port, plus a real `ws` client that queues frames.
 */
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { defineTool, type FunctionTool } from '../../actors/tool/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import type { MemoryStorage } from '../../runtime/index.js';
import { MemoryHub, MemoryTransport, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { Gateway, catalogDeps, type GatewayDeps, type GatewayOptions } from '../../gateway/index.js';
import type { Catalog } from '../../actors/index.js';
import { startSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';

const offline = { provider: new OfflineProvider(), model: 'offline' };

/** An agent config entry on the offline model (the catalog serves it in any tenant). */
export function offlineAgent(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, description: `${name} agent`, instructions: `You are ${name}.`, ...extra };
}

/** A function tool computing `run(args)`, served through the catalog's tool kind. */
export function tool(name: string, run: (args: Record<string, unknown>) => unknown): FunctionTool<never> {
  return defineTool<Record<string, unknown>>({
    name,
    description: `${name} tool`,
    input: z.record(z.string(), z.unknown()),
    run: (args) => {
      const out = run(args);
      return typeof out === 'string' ? out : JSON.stringify(out);
    },
  }) as FunctionTool<never>;
}

/** The agents (config entries) and extra tools every gateway test node has. */
export function testAgents(): { agents: Record<string, unknown>[]; tools: FunctionTool<never>[] } {
  return {
    agents: [
      offlineAgent('assistant', { tools: ['add'] }),
      offlineAgent('triage', { handoffs: ['billing'] }),
      offlineAgent('billing'),
      offlineAgent('careful', { tools: ['add'], approvals: ['add'] }),
    ],
    tools: [tool('add', (a) => Number(a['a']) + Number(a['b']))],
  };
}

/** One node with a gateway. */
export interface TestNode {
  readonly system: ActorSystem;
  readonly gateway: Gateway;
  readonly url: string;
  stop(): Promise<void>;
}

/** The real catalog (cli/kinds.ts) of {@link testAgents} on `system`, the test tools as extra function tools, started. */
export async function testDeps(system: ActorSystem): Promise<{ deps: GatewayDeps; mesh: MeshNode; catalog: Catalog }> {
  const { agents, tools } = testAgents();
  // The long-term store without an embedder.
  const config = configSchema.parse({ agents, memory: { store: { index: [] } } });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => offline, tools });
  await mesh.start();
  return { deps: catalogDeps(system, catalog), mesh, catalog };
}

/** Starts a node on `hub`/`storage` (fresh ones when absent) with a gateway on a free port. */
export async function startNode(
  options: Partial<Omit<GatewayOptions, 'deps'>> & { hub?: MemoryHub; storage?: MemoryStorage; node?: string; plain?: boolean } = {},
): Promise<TestNode> {
  const transport = new MemoryTransport({ hub: options.hub ?? new MemoryHub() });
  const system =
    options.storage === undefined
      ? await createSystem({ transport, node: options.node, warn: () => undefined })
      : await startSystem({ lifecycle: xstateLifecycle, transport, storage: options.storage, node: options.node, warn: () => undefined });
  const { deps, mesh, catalog } = await testDeps(system);
  const gateway = await Gateway.start({ port: 0, ...options, deps });
  return {
    system,
    gateway,
    url: gateway.url.replace(/^http/, 'ws') + '/ws',
    async stop() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** A `ws` client that queues every frame it receives. */
export class WsClient {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: { pred: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }[] = [];
  private cursor = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Record<string, unknown>;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Connects; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, headers: Record<string, string> = {}, options: { maxPayload?: number } = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, ...options });
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, headers: res.headers })),
      );
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (after those already taken by `next`) matching `pred`. */
  next(pred: (f: Record<string, unknown>) => boolean = () => true, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    for (; this.cursor < this.frames.length; this.cursor++) {
      const f = this.frames[this.cursor] as Record<string, unknown>;
      if (pred(f)) {
        this.cursor++;
        return Promise.resolve(f);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          this.cursor = this.frames.length;
          resolve(f);
        },
      });
    });
  }

  /** The next frame of `type`. */
  type(type: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.next((f) => f['type'] === type, timeoutMs);
  }

  /** Every frame of a run until its terminal frame (completed, failed, cancelled; interrupted when `untilInterrupt`). */
  async run(runId: string, untilInterrupt = false, timeoutMs = 10_000): Promise<Record<string, unknown>[]> {
    const end = new Set(['run.completed', 'run.failed', 'run.cancelled', ...(untilInterrupt ? ['run.interrupted'] : [])]);
    await this.next((f) => f['run_id'] === runId && end.has(f['type'] as string), timeoutMs);
    return this.frames.filter((f) => f['run_id'] === runId && f['type'] !== 'run.created');
  }

  close(): void {
    this.ws.close();
  }
}

/** `run.start` for a user message. */
export function startFrame(id: string, agent: string, content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'run.start', id, agent, input: { messages: [{ role: 'user', content }] }, ...extra };
}

/**
 * Cleans up after each test of the calling file: terminates every client the returned `connect`
 * opened and stops the node `current()` names, then `reset()`s it.
 */
export function wsCleanup(
  current: () => TestNode | undefined,
  reset: () => void,
): (n: TestNode, headers?: Record<string, string>) => Promise<WsClient> {
  const clients: WsClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await current()?.stop();
    reset();
  });
  return async (n, headers = {}) => {
    const c = await WsClient.connect(n.url, headers);
    clients.push(c);
    return c;
  };
}
