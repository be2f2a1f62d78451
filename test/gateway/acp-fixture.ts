/**
 * A mesh with agents on the offline model behind the real gateway server with the ACP route, for
 * the LangGraph SDK tests: one API key per tenant, sent by the SDK as `x-api-key`.
 */
import { expect } from 'vitest';
import { Client as Client2 } from '@langchain/langgraph-sdk';
import { Client as Client1 } from 'langgraph-sdk-v1';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { Gateway, catalogDeps, generateApiKey } from '../../gateway/index.js';
import { MemoryTransport, MeshNode, startSystem, type ActorSystem, type MemoryHub, type MemoryStorage } from '../../runtime/index.js';
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

const offline = { provider: new OfflineProvider(), model: 'offline' };
const slow = { provider: new SlowProvider(40), model: 'offline' };
/** The agents of every ACP test node (config entries, served by the real catalog), on the offline model. */
const CONFIG = configSchema.parse({
  agents: [
    { name: 'assistant', description: 'assistant agent', instructions: 'You help.', tools: ['calculator', 'clock'] },
    { name: 'careful', description: 'careful agent', instructions: 'Ask first.', tools: ['calculator'], approvals: ['calculator'] },
    { name: 'triage', description: 'triage agent', instructions: 'Route.', handoffs: ['billing'] },
    { name: 'billing', description: 'billing agent', instructions: 'Bills.' },
    { name: 'slow', description: 'slow agent', instructions: 'Slowly.', tools: ['calculator'] },
    { name: 'brief', description: 'brief agent', instructions: 'One model call only.', tools: ['calculator'], maxTurns: 1 },
  ],
  // The long-term store without semantic search (no embedder to load).
  memory: { store: { index: [] } },
});

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
 * the ACP route on a random loopback port, over the catalog `troupe start` builds: the
 * long-term store actor is activated per tenant like the agents.
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
  // The real catalog (cli/kinds.ts): agents, tools and the long-term store, activated per tenant on first use.
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(CONFIG, mesh, { provider: (agent) => (agent === 'slow' ? slow : offline) });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
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
      mesh.stop();
      await catalog.close();
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
