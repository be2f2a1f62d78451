/**
 * Where the client commands (`chat`, `run`, `threads`, `runs`) talk to: a gateway given with
 * `--url` (and `--key` or TROUPE_API_KEY), or, without one, an embedded node started in this
 * process from the user's config — its data dir, agents and tools — with a gateway on a free
 * loopback port. Both are then used the same way: HTTP (ACP) and `/ws`.
 */
import { loadConfig, type TroupeConfig } from '../config/index.js';
import { MeshNode, openStorage, storageKindFor } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { catalogDeps, startGateway } from '../gateway/index.js';
import { holdDataDir, takeDataDir, type DataDirHolder } from './data-dir.js';
import { composeCatalog } from './kinds.js';

/** A gateway to talk to, and how to let it go. */
export interface Session {
  readonly url: string;
  readonly key?: string;
  /** True when the node runs in this process. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** The flags every client command accepts. */
export const SESSION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  config: { type: 'string' },
} as const;

/** Usage lines for {@link SESSION_OPTIONS}. */
export const SESSION_USAGE = `  --url URL       a running gateway (e.g. http://127.0.0.1:7700); default: an embedded node from your config
  --key KEY       API key or JWT for --url (default: TROUPE_API_KEY)
  --config FILE   the config of the embedded node (default: TROUPE_CONFIG, else the defaults)`;

/** Opens a session: `--url` as given, else an embedded node (warnings to stderr). */
export async function openSession(flags: { url?: string; key?: string; config?: string }): Promise<Session> {
  const key = flags.key ?? process.env['TROUPE_API_KEY'];
  if (flags.url !== undefined) {
    return { url: flags.url.replace(/\/$/, ''), ...(key === undefined ? {} : { key }), embedded: false, close: () => Promise.resolve() };
  }
  const config = loadConfig({ file: flags.config });
  if (storageKindFor(config, { embedded: 'lmdb' }) !== 'lmdb') return embeddedSession(config);
  // One node per data directory (data-dir.ts): a server's gateway is used; another client command's node is waited for.
  let waiting: DataDirHolder | undefined;
  for (;;) {
    const taken = await takeDataDir(config.dataDir, 'cli');
    if ('release' in taken) {
      try {
        return await embeddedSession(config, taken.release);
      } catch (e) {
        taken.release();
        throw e;
      }
    }
    const { holder } = taken;
    if (holder.role !== 'cli' && holder.url !== undefined) {
      const hint = key === undefined ? ' (--key if it asks for one)' : '';
      console.error(`troupe: using the node serving ${config.dataDir} (pid ${holder.pid}) at ${holder.url}${hint}`);
      return { url: holder.url, ...(key === undefined ? {} : { key }), embedded: false, close: () => Promise.resolve() };
    }
    if (waiting?.pid !== holder.pid) {
      const what = holder.role === 'cli' ? 'another troupe command' : 'a node starting';
      console.error(`troupe: ${config.dataDir} is in use by ${what} (pid ${holder.pid}); waiting for it (or pass --url)`);
      waiting = holder;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * An embedded node with a loopback gateway (auth off) over the config's storage, agents and tools. `release`: lets go
 * of the data directory this process took ({@link takeDataDir}); its mark then names the gateway, and goes when the
 * session closes.
 */
export async function embeddedSession(config: TroupeConfig, release?: () => void): Promise<Session> {
  const storage = await openStorage(config, { embedded: 'lmdb' });
  const system = await createSystem({ config, storage, warn: (m) => console.error(`troupe: ${m}`) });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh);
  await mesh.start();
  await catalog.attachMcpServers(system);
  const loopback = { ...config.gateway, host: '127.0.0.1', port: 0, auth: { ...config.gateway.auth, keys: [], jwt: undefined } };
  const gateway = await startGateway(catalogDeps(system, catalog), loopback, { readiness: { dataDir: config.dataDir, intervalMs: 0 } });
  if (release !== undefined) holdDataDir(config.dataDir, gateway.url, 'cli');
  return {
    url: gateway.url,
    embedded: true,
    async close() {
      try {
        await gateway.close();
        mesh.stop();
        await catalog.close();
        await system.shutdown();
      } finally {
        release?.();
      }
    },
  };
}

/** Calls the gateway's LangGraph-compatible HTTP API (`/acp…`); throws with the server's `detail` on a non-2xx answer. */
export async function api<T>(session: Session, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session.key !== undefined) headers['authorization'] = `Bearer ${session.key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${session.url}/acp${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      detail = String((JSON.parse(text) as { detail?: unknown }).detail ?? text);
    } catch {
      // not JSON: the text is the detail
    }
    throw new Error(`${method} ${path}: HTTP ${res.status} ${detail}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}
