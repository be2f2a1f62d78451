// loadConfig: defaults < JSON file < environment (fixed table below) < programmatic overrides.
// Plain objects deep-merge; arrays and scalars replace; an object whose `kind` differs replaces too.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { configSchema, type TroupeConfig } from './schema.js';
import { ConfigError, describeZodIssue, type ConfigIssue, type ConfigSource } from './errors.js';

/** Where `loadConfig` reads from; `env` defaults to `process.env`, `file` to `env.TROUPE_CONFIG`. */
export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: unknown;
}

/** How an environment string is read: verbatim, comma list, number, comma list of NATS URLs, log level. */
export type EnvVarParse = 'string' | 'list' | 'number' | 'urls' | 'level';

/**
 * The fixed table of environment overrides (empty values count as unset).
 * `TROUPE_NATS_URL` also switches the transport to `{ kind: 'jetstream' }`.
 */
export const envVars: readonly { name: string; path: string; parse: EnvVarParse }[] = [
  { name: 'TROUPE_NODE_ID', path: 'node.id', parse: 'string' },
  { name: 'TROUPE_NODE_KINDS', path: 'node.kinds', parse: 'list' },
  { name: 'TROUPE_NATS_URL', path: 'transport.servers', parse: 'urls' },
  { name: 'TROUPE_NATS_REPLICAS', path: 'transport.streamReplicas', parse: 'number' },
  { name: 'TROUPE_DATA_DIR', path: 'dataDir', parse: 'string' },
  { name: 'TROUPE_STORAGE', path: 'storage.kind', parse: 'string' },
  { name: 'TROUPE_HOST', path: 'gateway.host', parse: 'string' },
  { name: 'TROUPE_PORT', path: 'gateway.port', parse: 'number' },
  { name: 'TROUPE_MIN_FREE_DISK_BYTES', path: 'gateway.readiness.minFreeDiskBytes', parse: 'number' },
  { name: 'TROUPE_LOG_LEVEL', path: 'log.level', parse: 'level' },
  { name: 'TROUPE_MAILBOX_CAPACITY', path: 'mailbox.capacity', parse: 'number' },
  { name: 'TROUPE_MAX_DELIVERIES', path: 'mailbox.maxDeliveries', parse: 'number' },
  { name: 'TROUPE_IDLE_TIMEOUT_MS', path: 'mailbox.idleTimeoutMs', parse: 'number' },
  { name: 'TROUPE_ASK_TIMEOUT_MS', path: 'ask.defaultTimeoutMs', parse: 'number' },
  { name: 'TROUPE_ENCRYPTION_KEY', path: 'memory.encryption.key', parse: 'string' },
  { name: 'TROUPE_ENCRYPTION_PREVIOUS_KEYS', path: 'memory.encryption.previousKeys', parse: 'list' },
];

type Obj = Record<string, unknown>;
type Layer = { source: ConfigSource; data: Obj; origin?: string };

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isPlainObject(v: unknown): v is Obj {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets a key as an own property (so `__proto__` stays data and is reported as an unknown key). */
function put(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deep-merges `over` onto `base`: objects merge, anything else (arrays included) replaces. */
function deepMerge(base: Obj, over: Obj): Obj {
  if ('kind' in base && 'kind' in over && base.kind !== over.kind) return deepMerge({}, over);
  const out: Obj = {};
  for (const [k, v] of Object.entries(base)) put(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    put(out, k, isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : isPlainObject(v) ? deepMerge({}, v) : v);
  }
  return out;
}

function setPath(target: Obj, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    cur = isPlainObject(next) ? next : (cur[k] = {});
  }
  cur[keys[keys.length - 1] ?? ''] = value;
}

/** Reads the JSON config file into a layer, or returns the issue explaining why it cannot. */
function readFileLayer(file: string): { data: Obj } | { issue: ConfigIssue; cause: unknown } {
  const origin = resolve(file);
  const fail = (message: string, cause?: unknown) => ({ issue: { path: '', message, source: 'file' as const, origin }, cause });
  if (extname(origin).toLowerCase() !== '.json') return fail('expected a .json config file');
  let raw: string;
  try {
    raw = readFileSync(origin, 'utf8');
  } catch (e) {
    return fail(`cannot read config file: ${(e as Error).message}`, e);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    return fail(`cannot parse config file as JSON: ${(e as Error).message}`, e);
  }
  if (!isPlainObject(data))
    return fail(`expected a JSON object at the top level, received ${Array.isArray(data) ? 'an array' : String(data)}`);
  return { data };
}

/** Builds the env layer from the fixed table; unparsable numbers become issues, not NaN. */
function readEnvLayer(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Obj {
  const data: Obj = {};
  for (const { name, path, parse } of envVars) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const items = () =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (parse === 'number') {
      if (NUMERIC.test(raw)) setPath(data, path, Number(raw));
      else issues.push({ path, message: `expected a number, received ${JSON.stringify(raw)}`, source: 'env', origin: name });
    } else if (parse === 'urls') {
      setPath(data, 'transport.kind', 'jetstream');
      setPath(data, path, items());
    } else setPath(data, path, parse === 'list' ? items() : parse === 'level' ? raw.toLowerCase() : raw);
  }
  return data;
}

/** How far `path` reaches into `data`: `path.length` if the layer supplies that value. */
function reach(data: unknown, path: readonly string[]): number {
  let cur = data;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] ?? '';
    if ((!isPlainObject(cur) && !Array.isArray(cur)) || !Object.hasOwn(cur, key)) return i;
    cur = (cur as Obj)[key];
  }
  return path.length;
}

/** Attributes an issue at `dotted` to the highest-precedence layer that supplied (most of) its path. */
function attribute(dotted: string, layers: Layer[]): Pick<ConfigIssue, 'source' | 'origin'> {
  const path = dotted === '' ? [] : dotted.split('.');
  let best: Layer | undefined;
  let bestReach = 0;
  for (const layer of layers) {
    const r = reach(layer.data, path);
    if (r > 0 && r >= bestReach) [best, bestReach] = [layer, r];
  }
  if (!best) return { source: 'default' };
  if (best.source !== 'env') return best.origin ? { source: best.source, origin: best.origin } : { source: best.source };
  const hit = envVars.find((v) => dotted === v.path || dotted.startsWith(`${v.path}.`) || v.path.startsWith(`${dotted}.`));
  return { source: 'env', origin: hit?.name ?? (dotted.startsWith('transport') ? 'TROUPE_NATS_URL' : 'environment') };
}

/** TROUPE_NATS_REPLICAS only means something for JetStream: report it (and drop it) otherwise. */
function checkReplicasEnv(merged: Obj, envData: Obj, issues: ConfigIssue[]): void {
  const t = merged.transport;
  if (!isPlainObject(t) || t.kind === 'jetstream' || !isPlainObject(envData.transport)) return;
  if (!Object.hasOwn(envData.transport, 'streamReplicas')) return;
  const { streamReplicas: _dropped, ...rest } = t;
  if (Object.keys(rest).length === 0) delete merged.transport;
  else merged.transport = rest;
  const message = 'only valid with the jetstream transport (set TROUPE_NATS_URL or transport.kind "jetstream")';
  issues.push({ path: 'transport.streamReplicas', message, source: 'env', origin: 'TROUPE_NATS_REPLICAS' });
}

/** Loads, merges and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): TroupeConfig {
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  let cause: unknown;
  const layers: Layer[] = [];

  const file = options.file ?? (env.TROUPE_CONFIG?.trim() || undefined);
  if (file !== undefined) {
    const r = readFileLayer(file);
    if ('issue' in r) {
      issues.push(r.issue);
      cause = r.cause;
    } else layers.push({ source: 'file', data: r.data, origin: resolve(file) });
  }
  const envData = readEnvLayer(env, issues);
  layers.push({ source: 'env', data: envData });
  if (isPlainObject(options.overrides)) layers.push({ source: 'overrides', data: options.overrides });
  else if (options.overrides !== undefined) {
    issues.push({ path: '', message: 'expected overrides to be a plain object', source: 'overrides' });
  }
  if (issues.some((i) => i.source === 'file')) throw new ConfigError(issues, { cause });

  const merged = layers.reduce<Obj>((acc, l) => deepMerge(acc, l.data), {});
  checkReplicasEnv(merged, envData, issues);
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (result.success && issues.length === 0) return result.data;
  if (!result.success) {
    for (const zi of result.error.issues) {
      for (const d of describeZodIssue(zi)) issues.push({ ...d, ...attribute(d.path, layers) });
    }
  }
  throw new ConfigError(issues, { cause: result.success ? undefined : result.error });
}
