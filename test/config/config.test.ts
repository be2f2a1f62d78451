import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, ConfigError, envVars, isConfigError, loadConfig, type ConfigIssue } from '../../config/index.js';

let dir = '';
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` (JSON-encoded unless already a string) to a fresh temp file. */
function writeConfig(content: unknown, ext = '.json'): string {
  const file = join(dir, `config-${n++}${ext}`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Runs `fn`, expects a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(isConfigError(e)).toBe(true);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('configSchema.parse({}) is the embedded mode', () => {
    const c = configSchema.parse({});
    expect(c.transport).toEqual({ kind: 'memory' });
    expect(c.node).toEqual({ id: '', host: '', kinds: [] });
    expect(c.mailbox).toEqual({
      capacity: 1024,
      blockTimeoutMs: 5000,
      maxDeliveries: 3,
      handlerTimeoutMs: 30_000,
      dedupWindow: 10_000,
      idleTimeoutMs: 300_000,
    });
    expect(c.ask.defaultTimeoutMs).toBe(5000);
    expect(c.deadLetters.capacity).toBe(10_000);
    expect(c.supervision).toEqual({
      maxRestarts: 3,
      withinMs: 5000,
      backoff: { initialMs: 10, maxMs: 5000, multiplier: 2, jitter: 0.2 },
      root: { backoff: { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 }, quietMs: 60_000, fatalAfter: 5 },
    });
    expect(c.dataDir).toBe('.troupe');
    expect(c.gateway).toMatchObject({ enabled: true, host: '127.0.0.1', port: 7700, auth: { keys: [] } });
    expect(c.log.level).toBe('info');
    // Embedding workers: one per core, at most two (ADR 0039); a single-core machine keeps one.
    expect(c.memory.embedThreads).toBe(Math.min(2, availableParallelism()));
  });

  it('loadConfig with an empty env and no file equals the schema defaults', () => {
    expect(loadConfig({ env: {} })).toEqual(configSchema.parse({}));
  });

  it('parses fresh objects each time', () => {
    const a = configSchema.parse({});
    a.node.kinds.push('x');
    expect(configSchema.parse({}).node.kinds).toEqual([]);
  });
});

describe('precedence: defaults < file < env < overrides', () => {
  it('layers deep-merge and later layers win', () => {
    const file = writeConfig({ mailbox: { capacity: 10, maxDeliveries: 7 }, ask: { defaultTimeoutMs: 100 }, log: { level: 'debug' } });
    const env = { TROUPE_MAILBOX_CAPACITY: '20', TROUPE_LOG_LEVEL: 'warn' };
    const c = loadConfig({ file, env, overrides: { log: { level: 'error' }, node: { id: undefined } } });
    expect(c.mailbox).toMatchObject({ capacity: 20, maxDeliveries: 7, blockTimeoutMs: 5000 });
    expect(c.ask.defaultTimeoutMs).toBe(100);
    expect(c.log.level).toBe('error');
    expect(c.node.id).toBe('');
  });

  it('uses TROUPE_CONFIG when no file option is given; the option wins over it', () => {
    const a = writeConfig({ dataDir: '/from-env-file' });
    const b = writeConfig({ dataDir: '/from-option' });
    expect(loadConfig({ env: { TROUPE_CONFIG: a } }).dataDir).toBe('/from-env-file');
    expect(loadConfig({ file: b, env: { TROUPE_CONFIG: a } }).dataDir).toBe('/from-option');
  });

  it('arrays replace rather than concatenate', () => {
    const file = writeConfig({ node: { kinds: ['a', 'b'] } });
    expect(loadConfig({ file, env: { TROUPE_NODE_KINDS: 'c' } }).node.kinds).toEqual(['c']);
  });

  it('switching transport kind replaces the whole section', () => {
    const file = writeConfig({ transport: { kind: 'jetstream', servers: ['nats://a:4222'], streamReplicas: 3 } });
    expect(loadConfig({ file, env: {}, overrides: { transport: { kind: 'memory' } } }).transport).toEqual({ kind: 'memory' });
    const env = { TROUPE_NATS_URL: 'nats://b:4222' };
    expect(loadConfig({ file, env }).transport).toMatchObject({
      kind: 'jetstream',
      servers: ['nats://b:4222'],
      streamReplicas: 3,
      prefix: 'troupe',
    });
  });
});

describe('environment table', () => {
  const cases: [string, string, (c: ReturnType<typeof loadConfig>) => unknown, unknown][] = [
    ['TROUPE_NODE_ID', 'n1', (c) => c.node.id, 'n1'],
    ['TROUPE_NODE_KINDS', ' chat, tool ,,', (c) => c.node.kinds, ['chat', 'tool']],
    [
      'TROUPE_NATS_URL',
      'nats://a:4222,nats://b:4222',
      (c) => ({
        ...c.transport,
        prefix: undefined,
        leaseTtlMs: undefined,
        heartbeatMs: undefined,
        deadAfterMs: undefined,
        ackWaitMs: undefined,
      }),
      {
        kind: 'jetstream',
        servers: ['nats://a:4222', 'nats://b:4222'],
        prefix: undefined,
        leaseTtlMs: undefined,
        heartbeatMs: undefined,
        deadAfterMs: undefined,
        ackWaitMs: undefined,
      },
    ],
    ['TROUPE_DATA_DIR', '/var/troupe', (c) => c.dataDir, '/var/troupe'],
    ['TROUPE_STORAGE', 'lmdb', (c) => c.storage.kind, 'lmdb'],
    ['TROUPE_MIN_FREE_DISK_BYTES', '1048576', (c) => c.gateway.readiness.minFreeDiskBytes, 1_048_576],
    ['TROUPE_HOST', '0.0.0.0', (c) => c.gateway.host, '0.0.0.0'],
    ['TROUPE_PORT', '8080', (c) => c.gateway.port, 8080],
    ['TROUPE_LOG_LEVEL', 'debug', (c) => c.log.level, 'debug'],
    ['TROUPE_MAILBOX_CAPACITY', '64', (c) => c.mailbox.capacity, 64],
    ['TROUPE_MAX_DELIVERIES', '5', (c) => c.mailbox.maxDeliveries, 5],
    ['TROUPE_IDLE_TIMEOUT_MS', '0', (c) => c.mailbox.idleTimeoutMs, 0],
    ['TROUPE_ASK_TIMEOUT_MS', '250', (c) => c.ask.defaultTimeoutMs, 250],
    ['TROUPE_ENCRYPTION_KEY', 'ab'.repeat(32), (c) => c.memory.encryption.key, 'ab'.repeat(32)],
    [
      'TROUPE_ENCRYPTION_PREVIOUS_KEYS',
      `${'cd'.repeat(32)},${'ef'.repeat(32)}`,
      (c) => c.memory.encryption.previousKeys,
      ['cd'.repeat(32), 'ef'.repeat(32)],
    ],
  ];
  it.each(cases)('%s=%s is mapped', (name, value, get, expected) => {
    expect(get(loadConfig({ env: { [name]: value } }))).toEqual(expected);
  });

  it('TROUPE_NATS_REPLICAS sets transport.streamReplicas (with a NATS URL)', () => {
    const c = loadConfig({ env: { TROUPE_NATS_URL: 'nats://a:4222', TROUPE_NATS_REPLICAS: '3' } });
    expect(c.transport).toMatchObject({ kind: 'jetstream', servers: ['nats://a:4222'], streamReplicas: 3 });
  });

  it('the table covers every documented variable', () => {
    expect(envVars.map((v) => v.name).sort()).toEqual([...cases.map((c) => c[0]), 'TROUPE_NATS_REPLICAS'].sort());
  });

  it('empty values count as unset', () => {
    expect(loadConfig({ env: { TROUPE_PORT: '', TROUPE_NODE_ID: '  ' } })).toEqual(configSchema.parse({}));
  });
});

describe('errors', () => {
  const expectIssue = (e: ConfigError, path: string, source: ConfigIssue['source'], ...inMessage: string[]) => {
    expect(e.issues.some((i) => i.path === path && i.source === source)).toBe(true);
    for (const s of [path, ...inMessage]) expect(e.message).toContain(s);
  };

  it('has name, code, issues and a cause', () => {
    const e = configError(() => loadConfig({ env: {}, overrides: { mailbox: { capacity: 0 } } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.name).toBe('ConfigError');
    expect(e.code).toBe('config_invalid');
    expect(e.cause).toBeDefined();
    expect(isConfigError(new Error('x'))).toBe(false);
  });

  it('wrong type in the file names the path and the file', () => {
    const file = writeConfig({ mailbox: { capacity: 'big' } });
    expectIssue(
      configError(() => loadConfig({ file, env: {} })),
      'mailbox.capacity',
      'file',
      `from file ${file}`,
      'received "big"',
    );
  });

  it('unknown keys are errors (top level and nested)', () => {
    const file = writeConfig({ mailbx: {}, mailbox: { capasity: 1 } });
    const e = configError(() => loadConfig({ file, env: {} }));
    expectIssue(e, 'mailbx', 'file', 'unknown key');
    expectIssue(e, 'mailbox.capasity', 'file');
  });

  it('negative capacity', () => {
    const e = configError(() => loadConfig({ env: {}, overrides: { deadLetters: { capacity: -1 } } }));
    expectIssue(e, 'deadLetters.capacity', 'overrides', 'expected an integer >= 1, received -1 (from overrides)');
  });

  it('env values name the variable', () => {
    const e = configError(() => loadConfig({ env: { TROUPE_MAILBOX_CAPACITY: '0' } }));
    expect(e.message).toContain('mailbox.capacity: expected an integer >= 1, received 0 (from env TROUPE_MAILBOX_CAPACITY)');
    expect(e.issues[0]).toMatchObject({ path: 'mailbox.capacity', source: 'env', origin: 'TROUPE_MAILBOX_CAPACITY' });
  });

  it('non-numeric env values are errors, not NaN; all issues are reported together', () => {
    const e = configError(() => loadConfig({ env: { TROUPE_PORT: 'abc', TROUPE_ASK_TIMEOUT_MS: '1.5', TROUPE_MAX_DELIVERIES: '0x10' } }));
    expectIssue(e, 'gateway.port', 'env', 'received "abc" (from env TROUPE_PORT)');
    expectIssue(e, 'ask.defaultTimeoutMs', 'env', 'received 1.5 (from env TROUPE_ASK_TIMEOUT_MS)');
    expectIssue(e, 'mailbox.maxDeliveries', 'env', 'TROUPE_MAX_DELIVERIES');
    expect(e.issues).toHaveLength(3);
  });

  it('TROUPE_NATS_REPLICAS without a jetstream transport is an error', () => {
    const e = configError(() => loadConfig({ env: { TROUPE_NATS_REPLICAS: '3' } }));
    expectIssue(e, 'transport.streamReplicas', 'env', 'TROUPE_NATS_REPLICAS');
  });

  it('bad transport kind and bad jetstream settings', () => {
    const file = writeConfig({ transport: { kind: 'kafka' } });
    expectIssue(
      configError(() => loadConfig({ file, env: {} })),
      'transport.kind',
      'file',
      '"memory" | "jetstream"',
      'received "kafka"',
    );
    const bad = { transport: { kind: 'jetstream', servers: ['http://x'], streamReplicas: 9, token: 123456 } };
    const e = configError(() => loadConfig({ env: {}, overrides: bad }));
    expectIssue(e, 'transport.servers.0', 'overrides', 'nats://');
    expectIssue(e, 'transport.streamReplicas', 'overrides', 'from 1 to 5');
    expect(e.message).not.toContain('123456');
    expectIssue(
      configError(() => loadConfig({ env: { TROUPE_NATS_URL: 'localhost' } })),
      'transport.servers.0',
      'env',
      'TROUPE_NATS_URL',
    );
  });

  it('cross-field: backoff.maxMs below initialMs', () => {
    const e = configError(() => loadConfig({ env: {}, overrides: { supervision: { backoff: { initialMs: 100, maxMs: 50 } } } }));
    expectIssue(e, 'supervision.backoff.maxMs', 'overrides');
  });

  it('unparsable JSON, missing file, wrong extension and non-object top level name the file', () => {
    const broken = writeConfig('{ "mailbox": ');
    expect(configError(() => loadConfig({ file: broken, env: {} })).message).toMatch(/JSON.*from file .*config-\d+\.json/);
    const missing = join(dir, 'nope.json');
    const e = configError(() => loadConfig({ env: { TROUPE_CONFIG: missing } }));
    expect(e.message).toContain(`from file ${missing}`);
    expect(e.issues[0]?.source).toBe('file');
    expect(configError(() => loadConfig({ file: writeConfig('a: 1', '.yaml'), env: {} })).message).toContain('.json');
    expect(configError(() => loadConfig({ file: writeConfig([1]), env: {} })).message).toContain('JSON object');
  });

  it('non-object overrides are an error', () => {
    expect(configError(() => loadConfig({ env: {}, overrides: 5 })).issues[0]?.source).toBe('overrides');
  });
});

describe('property: valid partial configs round-trip through a file', () => {
  const opt = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { requiredKeys: [] });
  const int = (min: number, max: number) => fc.integer({ min, max });
  const natsUrl = fc.tuple(fc.constantFrom('localhost', 'nats.example.com', '10.0.0.1'), int(1, 65535)).map(([h, p]) => `nats://${h}:${p}`);
  const transport = fc.oneof(
    fc.constant({ kind: 'memory' as const }),
    fc.record(
      {
        kind: fc.constant('jetstream' as const),
        servers: fc.array(natsUrl, { minLength: 1, maxLength: 3 }),
        streamReplicas: int(1, 5),
        name: fc.string({ minLength: 1 }),
        token: fc.string({ minLength: 1 }),
      },
      { requiredKeys: ['kind', 'servers'] },
    ),
  );
  const partial = opt({
    node: opt({ id: fc.string(), host: fc.string(), kinds: fc.array(fc.string({ minLength: 1 })) }),
    transport,
    mailbox: opt({
      capacity: int(1, 1e6),
      blockTimeoutMs: int(0, 1e6),
      maxDeliveries: int(1, 100),
      handlerTimeoutMs: int(1, 1e6),
      dedupWindow: int(0, 1e6),
    }),
    ask: opt({ defaultTimeoutMs: int(1, 1e6) }),
    deadLetters: opt({ capacity: int(1, 1e6) }),
    supervision: opt({
      maxRestarts: int(0, 100),
      withinMs: int(1, 1e6),
      backoff: opt({
        initialMs: int(1, 1000),
        maxMs: int(1000, 60_000),
        multiplier: fc.double({ min: 1, max: 100, noNaN: true }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => Math.abs(x)),
      }),
    }),
    dataDir: fc.string({ minLength: 1 }),
    gateway: opt({ enabled: fc.boolean(), host: fc.string({ minLength: 1 }), port: int(0, 65535) }),
    log: opt({ level: fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'silent') }),
  });

  it('loadConfig returns a valid config containing the given values', () => {
    fc.assert(
      fc.property(partial, (p) => {
        const file = writeConfig(p);
        try {
          const c = loadConfig({ file, env: {} });
          expect(configSchema.safeParse(c).success).toBe(true);
          expect(c).toMatchObject(JSON.parse(JSON.stringify(p)) as object);
        } finally {
          rmSync(file);
        }
      }),
    );
  });
});
