/** Choosing the backend: the config section, the `auto` rule, createSystem and the `troupe start` CLI. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../config/index.js';
import { isTroupeError } from '../../protocols/index.js';
import { MemoryStorage, openStorage, storageKindFor, type StorageConfig } from '../../runtime/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { troupeArgv } from '../gateway/cli-fixture.js';
import { tempDir } from './tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const js = { kind: 'jetstream', servers: ['nats://127.0.0.1:1'], prefix: 'troupe' } as const;
const cfg = (
  kind: 'auto' | 'memory' | 'lmdb' | 'jetstream',
  transport: StorageConfig['transport'] = { kind: 'memory' },
): StorageConfig => ({ dataDir: '.troupe', storage: { kind }, transport });

describe('storage config', () => {
  it('defaults to auto with a 5 s JetStream bound; TROUPE_STORAGE sets the kind; a bad kind is refused', () => {
    expect(configSchema.parse({}).storage).toEqual({ kind: 'auto', timeoutMs: 5000 });
    expect(loadConfig({ env: { TROUPE_STORAGE: 'lmdb', TROUPE_DATA_DIR: '/var/troupe' } })).toMatchObject({
      storage: { kind: 'lmdb' },
      dataDir: '/var/troupe',
    });
    expect(() => loadConfig({ env: { TROUPE_STORAGE: 'redis' } })).toThrow(
      /storage\.kind.*TROUPE_STORAGE|TROUPE_STORAGE[\s\S]*storage\.kind/,
    );
    expect(() => configSchema.parse({ storage: { kind: 'lmdb', dir: 'x' } })).toThrow();
  });

  it('auto means jetstream on the jetstream transport, else what the caller calls embedded (memory by default)', () => {
    expect(storageKindFor(cfg('auto', js))).toBe('jetstream');
    expect(storageKindFor(cfg('auto', js), { embedded: 'lmdb' })).toBe('jetstream');
    expect(storageKindFor(cfg('auto'))).toBe('memory');
    expect(storageKindFor(cfg('auto'), { embedded: 'lmdb' })).toBe('lmdb');
    expect(storageKindFor({ dataDir: 'x', transport: { kind: 'memory' } })).toBe('memory');
    for (const k of ['memory', 'lmdb', 'jetstream'] as const) {
      expect(storageKindFor(cfg(k), { embedded: 'lmdb' })).toBe(k);
      expect(storageKindFor(cfg(k, js))).toBe(k);
    }
  });
});

describe('openStorage', () => {
  it('opens memory, or lmdb in <dataDir>/storage.lmdb', async () => {
    expect(await openStorage(cfg('memory'))).toBeInstanceOf(MemoryStorage);
    const dir = join(tempDir('open'), 'nested', 'data');
    const s = await openStorage({ ...cfg('lmdb'), dataDir: dir });
    expect(s).toBeInstanceOf(LmdbStorage);
    expect(existsSync(join(dir, 'storage.lmdb'))).toBe(true);
    await s.close();
  });

  it('refuses jetstream storage without the jetstream transport, and fails (bounded) when NATS is unreachable', async () => {
    await expect(openStorage(cfg('jetstream'))).rejects.toThrow(/needs the jetstream transport/);
    const t0 = Date.now();
    await expect(openStorage(cfg('auto', js))).rejects.toThrow(/cannot connect to nats:\/\/127.0.0.1:1/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('createSystem storage', () => {
  it('keeps memory storage by default, so library and test systems write no data directory', async () => {
    const system = await createSystem();
    try {
      expect(system.storage.kind).toBe('memory');
    } finally {
      await system.shutdown();
    }
  });

  it('opens lmdb from config, closes it on shutdown, and the data is there for the next system', async () => {
    const dataDir = tempDir('system');
    const config = configSchema.parse({ dataDir, storage: { kind: 'lmdb' } });
    const a = await createSystem({ config });
    expect(a.storage.kind).toBe('lmdb');
    await a.storage.bucket('runs').put(['r1'], { step: 3, at: new Date(7) });
    const bucket = a.storage.bucket('runs');
    await a.shutdown();
    const closed = await bucket.get(['r1']).catch((e: unknown) => e);
    expect(isTroupeError(closed, 'system_stopped')).toBe(true);
    const b = await createSystem({ config });
    try {
      expect(await b.storage.bucket('runs').get(['r1'])).toEqual({ step: 3, at: new Date(7) });
    } finally {
      await b.shutdown();
    }
  });

  it('uses options.storage over config', async () => {
    const storage = new MemoryStorage();
    await storage.bucket('x').put(['k'], 1);
    const system = await createSystem({ config: configSchema.parse({ storage: { kind: 'lmdb' } }), storage });
    try {
      expect(system.storage).toBe(storage);
    } finally {
      await system.shutdown();
    }
  });
});

describe('troupe start', () => {
  it('persists to lmdb in the data directory by default', () => {
    const dataDir = tempDir('cli');
    const env: NodeJS.ProcessEnv = { ...process.env, TROUPE_DATA_DIR: dataDir, TROUPE_STORAGE: '', TROUPE_PORT: '0' }; // a free port
    for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'TROUPE_NATS_URL', 'TROUPE_CONFIG']) delete env[k];
    const out = spawnSync(process.execPath, troupeArgv(['start', '--demo-seconds', '1', '--quiet']), {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(`storage lmdb in ${dataDir}`);
    expect(existsSync(join(dataDir, 'storage.lmdb'))).toBe(true);
  }, 70_000);
});
