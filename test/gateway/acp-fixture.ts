/**
 * A mesh with agents on the offline model behind the real gateway server with the ACP route, for
 * the LangGraph SDK tests: one API key per tenant, sent by the SDK as `x-api-key`.
 */
import { expect } from 'vitest';
import { Client as Client2 } from '@langchain/langgraph-sdk';
import { Client as Client1 } from 'langgraph-sdk-v1';
import { agentBehavior, type AgentDefinition } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { builtinTools, toolBehavior } from '../../actors/tool/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { Gateway, generateApiKey, localDeps, type AgentFactory, type ToolFactory } from '../../gateway/index.js';
import type { AgentInfo, GatewayDeps } from '../../gateway/types.js';
import { isTroupeError, STORE_ADDRESS } from '../../protocols/index.js';
import { storeBehavior } from '../../actors/memory/store/index.js';
import { MemoryTransport, startSystem, type ActorSystem, type Behavior, type MemoryHub, type MemoryStorage } from '../../runtime/index.js';
import { createSystem, xstateLifecycle } from '../../supervisors/index.js';

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
  { name: 'brief', instructions: 'One model call only.', provider: offline, model: 'offline', tools: ['calculator'], maxTurns: 1 },
];

function info(d: AgentDefinition): AgentInfo {
  return {
    name: d.name,
    description: `${d.name} agent`,
    tools: d.tools ?? [],
    handoffs: d.handoffs ?? [],
    delegates: d.delegates ?? [],
    model: d.model,
  };
}

/** Agents (and the built-in tools) as gateway factories, activated per tenant on first use. */
function agentFactories(): AgentFactory[] {
  return DEFS.map((d) => ({ info: info(d), behavior: () => agentBehavior(d) as Behavior<unknown> }));
}

function toolFactories(): ToolFactory[] {
  return builtinTools.map((t) => ({ name: t.name, behavior: () => toolBehavior(t) as Behavior<unknown> }));
}

/** The tenants the tests use; each has an API key (`keyOf`). */
export const TENANTS = [
  'default',
  'acme',
  'globex',
  'store-2x',
  'store-1x',
  'store-2x-a',
  'store-1x-a',
  'store-2x-b',
  'store-1x-b',
] as const;

/** A running gateway with the ACP route. */
export interface AcpFixture {
  /** `http://127.0.0.1:<port>/acp` */
  readonly url: string;
  readonly system: ActorSystem;
  /** The API key of `tenant` (one of {@link TENANTS}). */
  keyOf(tenant: string): string;
  /** Every tenant's key (pass to a second node of the same mesh). */
  readonly keys: ReadonlyMap<string, { key: string; hash: string }>;
  close(): Promise<void>;
}

/**
 * Starts a mesh and the real gateway server (API keys per tenant, generous rate limits) with
 * the ACP route on a random loopback port. The long-term store actor is activated per tenant
 * like the agents.
 */
export async function startAcp(
  options: {
    mesh?: { hub: MemoryHub; storage: MemoryStorage };
    node?: string;
    keys?: ReadonlyMap<string, { key: string; hash: string }>;
  } = {},
): Promise<AcpFixture> {
  const system =
    options.mesh === undefined
      ? await createSystem({ warn: () => undefined })
      : await startSystem({
          lifecycle: xstateLifecycle,
          transport: new MemoryTransport({ hub: options.mesh.hub }),
          storage: options.mesh.storage,
          node: options.node,
          warn: () => undefined,
        });
  const local = localDeps(system, { agents: agentFactories(), tools: toolFactories() });
  const deps: GatewayDeps = {
    ...local,
    ensure: (address, tenant) =>
      address === STORE_ADDRESS
        ? system.spawn(address, storeBehavior(), { tenant }).catch((e: unknown) => {
            if (isTroupeError(e, 'conflict')) return system.ref(address, tenant);
            throw e;
          })
        : local.ensure(address, tenant),
  };
  const keys = options.keys ?? new Map(TENANTS.map((t) => [t, generateApiKey()]));
  const gateway = await Gateway.start({
    deps,
    routes: [acpRoute(deps)],
    port: 0,
    auth: { keys: [...keys].map(([tenant, k]) => ({ id: `key-${tenant}`, hash: k.hash, tenant, roles: ['user'] as const })) },
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
  return {
    url: `${gateway.url}/acp`,
    system,
    keys,
    keyOf(tenant) {
      const k = keys.get(tenant);
      if (k === undefined) throw new Error(`no key for tenant ${tenant}`);
      return k.key;
    },
    async close() {
      await gateway.close();
      await system.shutdown();
    },
  };
}

/** The surface both SDK lines share, as the tests use it. */
export type AnyClient = Client2;
/** Either SDK line's Client constructor. */
export type Ctor = new (config: { apiUrl: string; apiKey?: string | null; defaultHeaders?: Record<string, string> }) => unknown;
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
export type Values = {
  messages: Msg[];
  __interrupt__?: { id: string; value: { kind: string; tool_call: { id: string; name: string; arguments: Record<string, unknown> } } }[];
};
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
