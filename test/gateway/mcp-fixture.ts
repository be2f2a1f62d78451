/**
 * A small mesh behind a plain node:http server for the /mcp and /a2a tests: real actor system,
 * real tool and agent actors (offline model), real routes. Only the principal is simple: the
 * bearer token is the tenant's name (auth itself is tested with the gateway server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { agentBehavior, type AgentDefinition } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { builtinTools, defineTool, spawnTool, type FunctionTool } from '../../actors/tool/index.js';
import { ValidationError, isTroupeError } from '../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { bearerToken, gatewayError, sendError } from '../../gateway/http.js';
import type { AgentInfo, GatewayDeps, HttpRoute, Principal } from '../../gateway/types.js';

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
export const secretTool: FunctionTool<Record<string, never>> = defineTool({ name: 'acme.secret', description: 'Only for acme.', input: z.object({}).strict(), run: () => 'the secret' });

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
        return system.spawn(address, agentBehavior(def), { tenant });
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
      [...agents.values()].map((a) => ({ name: a.name, description: a.instructions, tools: a.tools ?? [], handoffs: a.handoffs ?? [], delegates: a.delegates ?? [], model: a.model })),
    tools: () => [...tools.keys()],
    ensure,
    ready: () => true,
  };
}

/** A running test gateway. */
export interface TestGateway {
  readonly system: ActorSystem;
  readonly deps: GatewayDeps;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Mounts `routes` on a node:http server on a random loopback port; the bearer token names the tenant. */
export async function startTestGateway(makeRoutes: (deps: GatewayDeps) => HttpRoute[], spec: MeshSpec = DEFAULT_MESH): Promise<TestGateway> {
  const system = await createSystem();
  const deps = meshDeps(system, spec);
  const routes = [...makeRoutes(deps)].sort((a, b) => b.prefix.length - a.prefix.length);
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.find((r) => pathname === r.prefix || pathname.startsWith(`${r.prefix}/`));
    const handle = async (): Promise<void> => {
      if (route === undefined) throw gatewayError('not_found', `no route for ${pathname}`);
      const path = pathname.slice(route.prefix.length);
      let principal: Principal = { tenant: 'default', roles: [], subject: 'anonymous' };
      const token = bearerToken(req);
      if (token !== undefined) principal = { tenant: token, roles: ['user'], subject: `key-${token}` };
      else if (route.public?.(path) !== true) throw gatewayError('unauthorized', 'a bearer token is required');
      await route.handle(req, res, principal, path);
    };
    handle().catch((e: unknown) => {
      if (!isTroupeError(e)) console.error('test gateway: unhandled', e);
      sendError(res, e);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    system,
    deps,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await system.shutdown();
    },
  };
}
