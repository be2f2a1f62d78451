/**
 * What the gateway's workflow tests share: a mesh over the real catalog (offline model) with a `gate` tool that waits
 * until its call is aborted (a step run in flight, to cancel), and a TCP proxy that cuts the next streaming connection
 * after a number of bytes (a dropped SSE stream, to reconnect).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_AGENTS, configSchema } from '../../config/index.js';
import type { MemoryHub } from '../../runtime/index.js';
import { MemoryStorage, MemoryTransport, MeshNode, startSystem, type ActorSystem } from '../../runtime/index.js';
import { createSystem, xstateLifecycle } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { defineTool, type Catalog } from '../../actors/index.js';
import { catalogDeps, type GatewayDeps } from '../../gateway/index.js';
import { SUPPORT_FLOW_YAML } from '../workflow/fixtures.js';

/** Calls of a `gate` tool so far, and how many of them were aborted. */
export interface Gate {
  calls: number;
  aborted: number;
}

/**
 * A `gate` tool whose call waits until it is aborted (the step run it belongs to was cancelled), with its own counts:
 * test files share their worker's modules (vitest.config.ts), so counts are made per mesh, never module-wide.
 */
export function gateTool(gate: Gate) {
  return defineTool({
    name: 'gate',
    description: 'waits until aborted',
    input: z.object({}),
    async run(_input, ctx) {
      gate.calls++;
      await new Promise<never>((_r, reject) =>
        ctx.signal.addEventListener('abort', () => {
          gate.aborted++;
          reject(new Error('gate call aborted'));
        }),
      );
      return 'never';
    },
  });
}

/** The example (with a description) and `slow`, whose one agent step calls `gate`, beside the default agents. */
export const GATED_CONFIG = {
  agents: [...DEFAULT_AGENTS, { name: 'worker', instructions: 'Work.', tools: ['gate'] }],
  workflows: [
    { ...(parse(SUPPORT_FLOW_YAML) as object), description: 'Answers a support request.' },
    { name: 'slow', steps: { work: { agent: 'worker', input: '/tool gate {}' } } },
  ],
};

/** `chain`: 25 tool steps one after another, ~50 events while it runs (two frames per completed step on `/acp`). */
export const CHAIN = {
  name: 'chain',
  steps: Object.fromEntries(
    Array.from({ length: 25 }, (_, i) => [`s${i}`, { tool: 'clock', ...(i === 0 ? {} : { needs: [`s${i - 1}`] }) }]),
  ),
};

/** A mesh serving config `raw` (parsed here) with the `gate` tool, started. */
export interface WorkflowMesh {
  readonly system: ActorSystem;
  readonly catalog: Catalog;
  readonly deps: GatewayDeps;
  readonly config: ReturnType<typeof configSchema.parse>;
  /** The counts of this mesh's `gate` tool. */
  readonly gate: Gate;
  close(): Promise<void>;
}

/**
 * Starts a mesh with the real catalog for `raw` (agents, workflows, …) on the offline model: on fresh memory storage,
 * or as node `shared.node` of the mesh of `shared.hub` and `shared.storage`.
 */
export async function workflowMesh(raw: unknown, shared?: { hub: MemoryHub; storage: MemoryStorage; node: string }): Promise<WorkflowMesh> {
  const config = configSchema.parse(raw);
  const system =
    shared === undefined
      ? await createSystem({ config, storage: new MemoryStorage(), warn: () => undefined })
      : await startSystem({
          lifecycle: xstateLifecycle,
          transport: new MemoryTransport({ hub: shared.hub }),
          storage: shared.storage,
          node: shared.node,
          warn: () => undefined,
        });
  const mesh = new MeshNode(system);
  const gate: Gate = { calls: 0, aborted: 0 };
  const catalog = await composeCatalog(config, mesh, {
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
    tools: [gateTool(gate) as never],
  });
  await mesh.start();
  return {
    system,
    catalog,
    config,
    gate,
    deps: catalogDeps(system, catalog),
    async close() {
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** A TCP proxy to a local port that can cut the next streaming (`text/event-stream`) response. */
export interface CuttingProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Cuts the next streaming connection after `bytes` bytes of its response (what came before goes through). */
  cutNext(bytes: number): void;
  /** Connections cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

/** Starts a {@link CuttingProxy} in front of `port` on the loopback. */
export async function cuttingProxy(port: number): Promise<CuttingProxy> {
  let cutAfter = 0;
  let cuts = 0;
  const server = createServer((client: Socket) => {
    const up = connect(port, '127.0.0.1');
    client.pipe(up);
    let streaming = -1;
    up.on('data', (chunk: Buffer) => {
      if (streaming < 0 && cutAfter > 0 && chunk.includes('text/event-stream')) streaming = 0;
      if (streaming >= 0) streaming += chunk.length;
      if (streaming > cutAfter && cutAfter > 0) {
        // Frames may come fast and coalesce: what came before the cut point goes through, then the connection is cut.
        const keep = chunk.subarray(0, Math.max(0, cutAfter - (streaming - chunk.length)));
        cutAfter = 0;
        cuts++;
        up.destroy();
        client.write(keep, () => client.destroy());
        return;
      }
      client.write(chunk);
    });
    up.on('end', () => client.end());
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cutNext(bytes) {
      cutAfter = bytes;
    },
    get cuts() {
      return cuts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
