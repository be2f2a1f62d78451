/**
 * A mesh with agents on the offline model behind the ACP route on a real HTTP server, for the
 * LangGraph SDK tests. The test server takes the tenant from an `x-tenant` header (auth is the
 * gateway server's job and tested there); everything else is the real route.
 */
import { createServer, type Server } from 'node:http';
import { expect } from 'vitest';
import { Client as Client2 } from '@langchain/langgraph-sdk';
import { Client as Client1 } from 'langgraph-sdk-v1';
import type { AddressInfo } from 'node:net';
import { agentBehavior, type AgentDefinition } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { builtinTools, spawnTool } from '../../actors/tool/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { sendError } from '../../gateway/http.js';
import type { AgentInfo, GatewayDeps, Principal } from '../../gateway/types.js';
import { isTroupeError, STORE_ADDRESS } from '../../protocols/index.js';
import { storeBehavior } from '../../actors/memory/store/index.js';
import type { ActorRef, ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

/** The offline model, `delayMs` per token (aborts promptly when the run is cancelled). */
export class SlowProvider implements ModelProvider {
  readonly name = 'slow';
  private readonly inner = new OfflineProvider();
  constructor(private readonly delayMs: number) {}
  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    for await (const ev of this.inner.stream(request)) {
      if (ev.type === 'token') {
        await new Promise((r) => setTimeout(r, this.delayMs));
        if (request.signal?.aborted === true) throw new Error('aborted');
      }
      yield ev;
    }
  }
}

const offline = new OfflineProvider();
const DEFS: AgentDefinition[] = [
  { name: 'assistant', instructions: 'You help.', provider: offline, model: 'offline', tools: ['calculator', 'clock'] },
  { name: 'careful', instructions: 'Ask first.', provider: offline, model: 'offline', tools: ['calculator'], approvals: ['calculator'] },
  { name: 'triage', instructions: 'Route.', provider: offline, model: 'offline', handoffs: ['billing'] },
  { name: 'billing', instructions: 'Bills.', provider: offline, model: 'offline' },
  { name: 'slow', instructions: 'Slowly.', provider: new SlowProvider(40), model: 'offline', tools: ['calculator'] },
];

function info(d: AgentDefinition): AgentInfo {
  return { name: d.name, description: `${d.name} agent`, tools: d.tools ?? [], handoffs: d.handoffs ?? [], delegates: d.delegates ?? [], model: d.model };
}

/** Deps that activate agents (and the built-in tools) per tenant on first use. */
function testDeps(system: ActorSystem): GatewayDeps {
  const started = new Map<string, Promise<ActorRef>>();
  const spawnOnce = (address: string, tenant: string, make: () => Promise<ActorRef>): Promise<ActorRef> => {
    const key = `${tenant}\u0000${address}`;
    let p = started.get(key);
    if (p === undefined) {
      p = make().catch((e: unknown) => {
        if (isTroupeError(e, 'conflict')) return system.ref(address, tenant);
        throw e;
      });
      started.set(key, p);
    }
    return p;
  };
  return {
    system,
    agents: () => DEFS.map(info),
    tools: () => builtinTools.map((t) => t.name),
    ready: () => true,
    async ensure(address, tenant) {
      if (address === STORE_ADDRESS) return spawnOnce(address, tenant, () => system.spawn(address, storeBehavior(), { tenant }));
      const name = address.slice('agent/'.length);
      const def = DEFS.find((d) => d.name === name);
      if (!address.startsWith('agent/') || def === undefined) throw new Error(`unknown ${address}`);
      for (const t of builtinTools) await spawnOnce(`tool/${t.name}`, tenant, () => spawnTool(system, t, { tenant }));
      for (const other of DEFS) await spawnOnce(`agent/${other.name}`, tenant, () => system.spawn(`agent/${other.name}`, agentBehavior(other), { tenant }));
      return system.ref(address, tenant);
    },
  };
}

/** A running ACP server. */
export interface AcpFixture {
  /** `http://127.0.0.1:<port>/acp` */
  readonly url: string;
  readonly system: ActorSystem;
  close(): Promise<void>;
}

/** Starts a mesh and the ACP route on a random loopback port. */
export async function startAcp(): Promise<AcpFixture> {
  const system = await createSystem();
  const route = acpRoute(testDeps(system));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const tenant = req.headers['x-tenant'];
    const principal: Principal = { tenant: typeof tenant === 'string' ? tenant : 'default', roles: ['user'], subject: 'test' };
    if (!url.startsWith(route.prefix)) {
      res.writeHead(404).end();
      return;
    }
    route.handle(req, res, principal, url.slice(route.prefix.length)).catch((e: unknown) => sendError(res, e));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/acp`,
    system,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await system.shutdown();
    },
  };
}

/** The surface both SDK lines share, as the tests use it. */
export type AnyClient = Client2;
/** Either SDK line's Client constructor. */
export type Ctor = new (config: { apiUrl: string; defaultHeaders?: Record<string, string> }) => unknown;
/** Both SDK lines, for describe.each. */
export const LINES: [string, Ctor][] = [
  ['2.x', Client2 as unknown as Ctor],
  ['1.x', Client1 as unknown as Ctor],
];

/** A LangGraph message dict as the tests read it. */
export interface Msg {
  type: string;
  content: string;
  id: string;
  tool_calls?: { name: string; args: Record<string, unknown>; id: string }[];
  tool_call_id?: string;
}
/** Thread values (with an interrupt when the run waits). */
export type Values = { messages: Msg[]; __interrupt__?: { id: string; value: { kind: string; tool_call: { id: string; name: string; arguments: Record<string, unknown> } } }[] };
/** One SSE event as the SDKs yield it. */
export interface Ev {
  event: string;
  data: unknown;
  id?: string;
}

/** Every event of an SDK stream. */
export async function collect(stream: AsyncIterable<unknown>): Promise<Ev[]> {
  const out: Ev[] = [];
  for await (const e of stream) out.push(e as Ev);
  return out;
}

/** Expects `p` to fail with an SDK HTTP error of `status` whose body is `{detail}` containing `text`. */
export async function httpError(p: Promise<unknown>, status: number, text?: string): Promise<void> {
  const e = (await p.then(
    () => undefined,
    (x: unknown) => x,
  )) as { status?: number; message?: string } | undefined;
  expect(e, 'the request should have failed').toBeDefined();
  expect(e?.status).toBe(status);
  const body = JSON.parse((e?.message ?? '').replace(/^HTTP \d+: /, '')) as { detail?: string };
  expect(typeof body.detail).toBe('string');
  if (text !== undefined) expect(body.detail).toContain(text);
}

/** A run input of one human message. */
export const human = (content: string): { messages: { type: string; content: string }[] } => ({ messages: [{ type: 'human', content }] });

