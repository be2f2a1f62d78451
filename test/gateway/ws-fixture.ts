/**
 * Gateway test fixture: a node (ActorSystem on a MemoryHub, shared MemoryStorage) with agents on
 * the offline model and a gateway on a free port, plus a real `ws` client that queues frames.
 */
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { agentBehavior, type AgentDefinition } from '../../actors/agent/index.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../../actors/tool/types.js';
import type { MemoryStorage } from '../../runtime/index.js';
import { MemoryHub, MemoryTransport, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { Gateway, localDeps, type AgentFactory, type GatewayOptions, type ToolFactory } from '../../gateway/index.js';
import { startSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';

const provider = new OfflineProvider();

/** An agent on the offline model, activatable in any tenant. */
export function offlineAgent(name: string, extra: Partial<AgentDefinition> = {}): AgentFactory {
  const def: AgentDefinition = { name, instructions: `You are ${name}.`, provider, model: 'offline', ...extra };
  return {
    info: {
      name,
      description: `${name} agent`,
      tools: def.tools ?? [],
      handoffs: def.handoffs ?? [],
      delegates: def.delegates ?? [],
      model: 'offline',
    },
    behavior: () => agentBehavior(def) as Behavior<unknown>,
  };
}

/** A tool actor computing `run(args)`. */
export function tool(name: string, run: (args: Record<string, unknown>) => unknown): ToolFactory {
  const behavior: Behavior<undefined> = {
    async receive(msg) {
      if (msg.type === TOOL_DESCRIBE) return { name, description: `${name} tool`, parameters: { type: 'object' } };
      if (msg.type !== TOOL_CALL) return undefined;
      const out = await run((msg.payload as ToolCallRequest).arguments);
      return { content: [{ type: 'text', text: typeof out === 'string' ? out : JSON.stringify(out) }] };
    },
  };
  return { name, behavior: () => behavior as Behavior<unknown> };
}

/** The agents every gateway test node has. */
export function testAgents(): { agents: AgentFactory[]; tools: ToolFactory[] } {
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

/** Starts a node on `hub`/`storage` (fresh ones when absent) with a gateway on a free port. */
export async function startNode(
  options: Partial<Omit<GatewayOptions, 'deps'>> & { hub?: MemoryHub; storage?: MemoryStorage; node?: string; plain?: boolean } = {},
): Promise<TestNode> {
  const transport = new MemoryTransport({ hub: options.hub ?? new MemoryHub() });
  const system =
    options.storage === undefined
      ? await createSystem({ transport, node: options.node, warn: () => undefined })
      : await startSystem({ lifecycle: xstateLifecycle, transport, storage: options.storage, node: options.node, warn: () => undefined });
  const { agents, tools } = testAgents();
  const deps = localDeps(system, { agents, tools });
  // Tools are pools in each tenant that uses them; start them for the tenants the tests use.
  for (const tenant of ['default', 'acme', 'globex'])
    for (const t of tools) await system.spawn(`tool/${t.name}`, t.behavior(tenant), { tenant, pool: true });
  const gateway = await Gateway.start({ port: 0, ...options, deps });
  return {
    system,
    gateway,
    url: gateway.url.replace(/^http/, 'ws') + '/ws',
    async stop() {
      await gateway.close();
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
