/**
 * A small mesh behind the real gateway server for the /mcp and /a2a tests: real actor system,
 * real tool and agent actors (offline model), real routes, API-key auth (the key of tenant
 * `acme` is `acme`). Deps can keep a tool to some tenants, for the tenant-isolation tests.
 */
import { z } from 'zod';
import { agentBehavior, type AgentDefinition } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { builtinTools, defineTool, spawnTool, type FunctionTool } from '../../actors/tool/index.js';
import { ValidationError, isTroupeError } from '../../protocols/index.js';
import { MemoryTransport, type ActorRef, type ActorSystem, type MemoryHub, type Storage } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { Gateway, gatewayError, hashApiKey, type GatewayOptions } from '../../gateway/index.js';
import type { AgentInfo, GatewayDeps, HttpRoute } from '../../gateway/types.js';

/** A tool that reports progress `steps` times, `delayMs` apart, then answers; `fail` makes an error result. */
export const stepsTool: FunctionTool<{ steps: number; delayMs: number; fail?: boolean | undefined }> = defineTool({
  name: 'test.steps',
  description: 'Counts to `steps`, reporting progress on the way.',
  input: z.object({ steps: z.number().int().min(0).max(100), delayMs: z.number().int().min(0).max(10_000), fail: z.boolean().optional() }),
  timeoutMs: 20_000,
  async run(input, ctx) {
    for (let i = 1; i <= input.steps; i++) {
      await new Promise((r) => setTimeout(r, input.delayMs));
      if (ctx.signal.aborted) throw new Error('aborted');
      ctx.progress({ progress: i, total: input.steps, message: `step ${i}` });
    }
    if (input.fail === true) return { isError: true, content: [{ type: 'text', text: `failed after ${input.steps} steps` }] };
    return `counted to ${input.steps}`;
  },
});

/** A tool only tenant `acme` has. */
export const secretTool: FunctionTool<Record<string, never>> = defineTool({
  name: 'acme.secret',
  description: 'Only for acme.',
  input: z.object({}).strict(),
  run: () => 'the secret',
});

/** What tools and agents the fixture mesh has, and who may reach them. */
export interface MeshSpec {
  readonly tools?: readonly FunctionTool<never>[];
  readonly agents?: readonly Omit<AgentDefinition, 'provider' | 'model'>[];
  /** Tools only these tenants may reach (others get not_found). */
  readonly restricted?: Readonly<Record<string, readonly string[]>>;
}

/** The default mesh: the built-ins, the steps tool, acme's secret, an assistant and a careful agent. */
export const DEFAULT_MESH: MeshSpec = {
  tools: [...builtinTools, stepsTool as FunctionTool<never>, secretTool as FunctionTool<never>],
  agents: [
    { name: 'assistant', instructions: 'You help.', tools: ['clock', 'calculator', 'test.steps'] },
    { name: 'careful', instructions: 'You ask first.', tools: ['calculator'], approvals: ['calculator'] },
    { name: 'triage', instructions: 'You route.', handoffs: ['billing'] },
    { name: 'billing', instructions: 'You bill.' },
  ],
  restricted: { 'acme.secret': ['acme'] },
};

/** Gateway deps over a real actor system: agents and tools are spawned per tenant on first use. */
export function meshDeps(system: ActorSystem, spec: MeshSpec = DEFAULT_MESH): GatewayDeps {
  const provider = new OfflineProvider();
  const tools = new Map((spec.tools ?? []).map((t) => [t.name, t]));
  const agents = new Map((spec.agents ?? []).map((a) => [a.name, { ...a, provider, model: 'offline' } as AgentDefinition]));
  const started = new Map<string, Promise<ActorRef>>();
  const mayUse = (tool: string, tenant: string): boolean => spec.restricted?.[tool]?.includes(tenant) ?? true;
  const ensure = (address: string, tenant: string): Promise<ActorRef> => {
    const key = `${tenant}|${address}`;
    let p = started.get(key);
    if (p !== undefined) return p;
    const [kind, name = ''] = address.split(/\/(.*)/s) as [string, string?];
    if (kind === 'tool') {
      const tool = tools.get(name);
      if (tool === undefined || !mayUse(name, tenant)) return Promise.reject(gatewayError('not_found', `no tool ${name}`));
      p = spawnTool(system, tool, { tenant });
    } else if (kind === 'agent') {
      const def = agents.get(name);
      if (def === undefined) return Promise.reject(gatewayError('not_found', `no agent ${name}`));
      p = (async () => {
        for (const t of def.tools ?? []) await ensure(`tool/${t}`, tenant).catch(() => undefined);
        for (const a of [...(def.handoffs ?? []), ...(def.delegates ?? [])]) if (a !== name) await ensure(`agent/${a}`, tenant);
        // On a mesh the agent may be active on another node already: use it there.
        return system.spawn(address, agentBehavior(def), { tenant }).catch((e: unknown) => {
          if (isTroupeError(e, 'conflict')) return system.ref(address, tenant);
          throw e;
        });
      })();
    } else {
      return Promise.reject(new ValidationError(`not an agent or tool address: ${address}`));
    }
    started.set(key, p);
    p.catch(() => started.delete(key));
    return p;
  };
  return {
    system,
    agents: (): AgentInfo[] =>
      [...agents.values()].map((a) => ({
        name: a.name,
        description: a.instructions,
        tools: a.tools ?? [],
        handoffs: a.handoffs ?? [],
        delegates: a.delegates ?? [],
        model: a.model,
      })),
    tools: () => [...tools.keys()],
    ensure,
    ready: () => true,
  };
}

/** A running test gateway. */
export interface TestGateway {
  readonly system: ActorSystem;
  readonly deps: GatewayDeps;
  readonly gateway: Gateway;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Tenants with an API key each; the key is the tenant's name (subject `key:<tenant>`). */
export const TENANTS = ['acme', 'globex'] as const;

/** The real gateway server on a free loopback port with `routes` mounted and auth on. */
export async function startTestGateway(
  makeRoutes: (deps: GatewayDeps) => HttpRoute[],
  spec: MeshSpec = DEFAULT_MESH,
  options: Partial<Omit<GatewayOptions, 'deps' | 'routes'>> & {
    readonly mesh?: { readonly hub: MemoryHub; readonly storage: Storage };
    /** Builds the node's actor system instead (e.g. on a JetStream transport); `mesh` is then ignored. */
    readonly makeSystem?: () => Promise<ActorSystem>;
  } = {},
): Promise<TestGateway> {
  const { mesh, makeSystem, ...gatewayOptions } = options;
  const system =
    makeSystem !== undefined
      ? await makeSystem()
      : await createSystem({
          warn: () => undefined,
          ...(mesh === undefined ? {} : { transport: new MemoryTransport({ hub: mesh.hub }), storage: mesh.storage }),
        });
  const deps = meshDeps(system, spec);
  const keys = TENANTS.map((t) => ({ id: t, hash: hashApiKey(t), tenant: t, roles: ['user'] as const }));
  const gateway = await Gateway.start({ port: 0, auth: { keys }, ...gatewayOptions, deps, routes: makeRoutes(deps) });
  return {
    system,
    deps,
    gateway,
    url: gateway.url,
    async close() {
      await gateway.close();
      await system.shutdown();
    },
  };
}
