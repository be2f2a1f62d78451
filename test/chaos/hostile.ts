/**
 * The hostile-client harness (issue: fault isolation): a real `troupe start` process with auth on
 * and three tenants; fast-check generates sequences of malformed and adversarial requests from two
 * hostile tenants at once (deep nesting, unpaired surrogates, prototype keys, wrong types, huge
 * and tiny limits, wrong content types, floods) over /acp, /a2a, /mcp and /ws, while a third tenant
 * keeps making well-formed requests and checks their normal results. Used by the CI property test
 * (small budget) and by `npm run bench -- chaos` (long budget).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { generateApiKey } from '../../gateway/index.js';
import { cleanEnv, startCliGateway, type CliGateway } from '../gateway/cli-fixture.js';

/** A tenant's key. */
export interface TenantKey {
  readonly tenant: string;
  readonly key: string;
}

/** A running node under attack. */
export interface Target {
  readonly gw: CliGateway;
  readonly url: string;
  readonly hostile: readonly TenantKey[];
  readonly good: TenantKey;
  readonly dir: string;
  stop(): Promise<number | null>;
}

/** Starts `troupe start` with auth on (two hostile tenants, one good one) and a small rate limit for floods. */
export async function startTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-chaos-'));
  const tenants = ['hostile-a', 'hostile-b', 'good'].map((tenant) => ({ tenant, ...generateApiKey() }));
  const config = {
    gateway: {
      port: 0,
      auth: { keys: tenants.map((t) => ({ id: t.tenant, hash: t.hash, tenant: t.tenant, roles: ['user'] })) },
      limits: { bodyBytes: 256 * 1024, ratePerSec: 400, burst: 200 },
    },
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const gw = await startCliGateway(['start', '--quiet', '--config', file], cleanEnv({ TROUPE_DATA_DIR: join(dir, 'data') }));
  const keys = tenants.map((t) => ({ tenant: t.tenant, key: t.key }));
  return {
    gw,
    url: gw.url,
    hostile: keys.slice(0, 2),
    good: keys[2] as TenantKey,
    dir,
    async stop() {
      gw.child.kill('SIGINT');
      const code = await Promise.race([gw.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
      if (code === null) gw.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Resident memory of a process (bytes), from /proc. */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

// ---- hostile values ------------------------------------------------------------------------

/** JSON text nested `depth` deep (built as text: JSON.stringify itself overflows on deep values). */
function deepJson(depth: number, leaf: string, array: boolean): string {
  return (array ? '['.repeat(depth) : '{"a":'.repeat(depth)) + leaf + (array ? ']'.repeat(depth) : '}'.repeat(depth));
}

const LONE = ['\\ud800', '\\udfff', '\\ud83d', 'x\\udc00y'];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A JSON text that is hostile in one of many ways (as a string, since some of it is not valid JSON). */
const hostileJson: fc.Arbitrary<string> = fc.oneof(
  fc.record({ d: fc.integer({ min: 33, max: 400 }), arr: fc.boolean() }).map(({ d, arr }) => deepJson(d, '1', arr)),
  fc.constantFrom(...LONE).map((s) => `{"namespace":["n${s}"],"key":"k","value":{"t":"${s}"}}`),
  fc.constantFrom(...LONE).map((s) => `{"namespace":["n"],"key":"k${s}","value":{"a":1}}`),
  fc.constantFrom(...ODD_KEYS).map((k) => `{"namespace":["n"],"key":"k","value":{"${k}":{"polluted":true}}}`),
  fc.constantFrom(...ODD_KEYS).map((k) => `{"metadata":{"${k}":{"x":1}},"limit":10}`),
  fc.constantFrom(...ODD_KEYS).map((k) => `{"filter":{"${k}":1},"limit":5}`),
  fc.constantFrom('{', '[1,', '{"a":}', 'null', '"text"', '42', 'true', '[]', '', '\u0000', '{"a":1}{"b":2}', '\ufeff{}'),
  fc
    .record({ limit: fc.constantFrom(-1, 0, 1e9, 1.5, '10', null, [], {}), offset: fc.constantFrom(-5, 'x', 1e12, null) })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      namespace: fc.constantFrom([], '', [''], ['a.b'], [1], 'ns', null, Array(40).fill('x')),
      key: fc.constantFrom('', 1, null, 'k'.repeat(2000)),
      value: fc.constantFrom(1, 'v', [], null),
    })
    .map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: 400 }).map((kb) => JSON.stringify({ namespace: ['big'], key: 'k', value: { s: 'x'.repeat(kb * 1024) } })),
  fc.constantFrom(
    '{"assistant_id":"assistant","input":{"messages":[{"role":"user","content":1}]}}',
    '{"assistant_id":"nobody","input":{"messages":[]}}',
    '{"assistant_id":["x"]}',
    '{"assistant_id":"assistant","input":{"messages":[{"role":"root","content":"hi"}]}}',
    '{"assistant_id":"assistant","command":{"resume":{"__proto__":1}}}',
  ),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
);

/** A JSON text fragment that is poison wherever it is put: too deep, an unpaired surrogate, a prototype key, a wrong type. */
const poison: fc.Arbitrary<string> = fc.oneof(
  fc.constant(deepJson(10_000, '0', false)),
  fc.record({ d: fc.integer({ min: 33, max: 400 }), arr: fc.boolean() }).map(({ d, arr }) => deepJson(d, '1', arr)),
  fc.constantFrom(...LONE).map((s) => `"${s}"`),
  fc.constantFrom(...LONE).map((s) => `{"${s}":1}`),
  fc.constantFrom(...ODD_KEYS).map((k) => `{"${k}":{"polluted":true}}`),
  fc.constantFrom('1', 'null', '[]', '"x"', '{}', '-1e999', '1e308', 'true'),
);

/** A poison string fragment (a JSON string). */
const poisonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...LONE).map((s) => `"a${s}b"`),
  fc.constantFrom('""', '"x"', '"\\u0000"'),
);

/** One hostile HTTP request. */
export interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string | undefined;
  readonly tenant: number;
}

type Shape = (p: string, t: string) => [method: string, path: string, body: string | undefined];

/** Well-formed requests of every surface with poison put where the actors would see it. */
const SHAPES: readonly Shape[] = [
  (p) => ['PUT', '/acp/store/items', `{"namespace":["n"],"key":"k","value":{"v":${p}}}`],
  (p) => ['PUT', '/acp/store/items', `{"namespace":["n"],"key":"k","value":${p}}`],
  (_p, t) => ['PUT', '/acp/store/items', `{"namespace":["n",${t}],"key":${t},"value":{"a":1}}`],
  (p, t) => ['POST', '/acp/store/items/search', `{"namespace_prefix":["n"],"filter":{"v":${p}},"query":${t},"limit":5}`],
  (p) => ['POST', '/acp/store/items/search', `{"filter":${p}}`],
  (_p, t) => ['POST', '/acp/store/namespaces', `{"prefix":[${t}],"max_depth":3}`],
  (_p, t) => ['DELETE', '/acp/store/items', `{"namespace":[${t}],"key":${t}}`],
  (p) => ['POST', '/acp/threads', `{"metadata":{"m":${p}}}`],
  (p) => ['POST', '/acp/threads', `{"metadata":${p}}`],
  (p) => ['POST', '/acp/threads/search', `{"metadata":{"m":${p}},"values":${p},"limit":10}`],
  (p) => ['POST', '/acp/threads/count', `{"metadata":${p}}`],
  (p) => ['PATCH', '/acp/threads/t-hostile', `{"metadata":{"m":${p}}}`],
  (p, t) => [
    'POST',
    '/acp/runs/wait',
    `{"assistant_id":"assistant","input":{"messages":[{"role":"user","content":${t}}]},"metadata":{"m":${p}}}`,
  ],
  (p) => [
    'POST',
    '/acp/runs/wait',
    `{"assistant_id":"assistant","input":{"messages":[{"role":"user","content":"hi"}]},"config":{"c":${p}}}`,
  ],
  (p) => [
    'POST',
    '/acp/threads/t-hostile/runs/wait',
    `{"assistant_id":"assistant","if_not_exists":"create","input":{"messages":[{"role":"user","content":"hi"}]},"metadata":${p}}`,
  ],
  (p) => ['POST', '/acp/assistants/search', `{"metadata":${p},"limit":10}`],
  (p, t) => [
    'POST',
    '/a2a',
    `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":${t},"role":"ROLE_USER",` +
      `"parts":[{"text":${t}},{"data":${p}}],"metadata":${p}}}}`,
  ],
  (p) => ['POST', '/a2a', `{"jsonrpc":"2.0","id":${p},"method":"GetTask","params":{"id":${p}}}`],
  (p) => ['POST', '/mcp', `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculator","arguments":{"expression":${p}}}}`],
  (p, t) => ['POST', '/mcp', `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":${t},"arguments":${p}}}`],
  () => ['GET', '/acp/store/items?namespace=__proto__.constructor&key=prototype', undefined],
  () => ['GET', '/acp/store/items?namespace=%ED%A0%80&key=%ff', undefined],
  () => ['GET', '/acp/threads/%ED%A0%80', undefined],
  () => ['GET', '/acp/threads/..%2F..%2Fetc', undefined],
  (p) => ['POST', '/acp/store/items/search', p],
];

/** Arbitrary hostile requests from tenant 0 or 1: mostly poisoned well-formed requests, some plain junk. */
export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    shape: fc.integer({ min: 0, max: SHAPES.length - 1 }),
    poison,
    text: poisonText,
    junk: fc.option(hostileJson, { freq: 4 }),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      undefined,
    ),
    tenant: fc.integer({ min: 0, max: 1 }),
  })
  .map(({ shape, poison: p, text, junk, contentType, tenant }) => {
    const [method, path, body] = (SHAPES[shape] as Shape)(p, text);
    return { method, path, contentType, body: body === undefined ? undefined : (junk ?? body), tenant };
  });

/** A hostile WebSocket frame (text). */
export const hostileFrame: fc.Arbitrary<string> = fc.oneof(
  hostileJson,
  fc
    .constantFrom(...LONE)
    .map((s) => `{"type":"run.start","id":"1","agent":"assistant${s}","input":{"messages":[{"role":"user","content":"hi"}]}}`),
  fc.constantFrom(...ODD_KEYS).map((k) => `{"type":"publish","topic":"news","payload":{"${k}":{"x":1}}}`),
  fc.integer({ min: 33, max: 2000 }).map((d) => `{"type":"publish","topic":"news","payload":${deepJson(d, '0', false)}}`),
  fc.constantFrom(
    '{"type":"subscribe","topic":"run.>"}',
    '{"type":"publish","topic":"sys.alarm","payload":1}',
    '{"type":"run.resume","id":"r","run_id":"nope","resume":{"approve":true}}',
    '{"type":"hello","token":"garbage"}',
    '{"type":"run.cancel","run_id":"x"}',
  ),
);

/** What a round of load found wrong. */
export interface Violations {
  /** Hostile requests answered 5xx (or not at all). */
  readonly serverErrors: string[];
  /** Good-tenant requests that did not give their normal result. */
  readonly goodFailures: string[];
}

/** Sends one hostile request; records a 5xx or a dropped connection. */
async function sendHostile(t: Target, r: HostileRequest, v: Violations): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${(t.hostile[r.tenant] as TenantKey).key}` };
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  if (r.path === '/mcp') headers['accept'] = 'application/json, text/event-stream';
  try {
    const res = await fetch(`${t.url}${r.path}`, {
      method: r.method,
      headers,
      ...(r.body === undefined ? {} : { body: r.body }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 500)
      v.serverErrors.push(
        `${r.method} ${r.path} ${r.contentType ?? '-'} ${JSON.stringify(r.body?.slice(0, 120))} -> ${res.status} ${text.slice(0, 200)}`,
      );
  } catch (e) {
    v.serverErrors.push(`${r.method} ${r.path}: no answer: ${(e as Error).message}`);
  }
}

/** Sends hostile frames on one connection of a hostile tenant; the connection must stay usable. */
async function sendFrames(t: Target, tenant: number, frames: readonly string[], v: Violations): Promise<void> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/ws`, {
    headers: { authorization: `Bearer ${(t.hostile[tenant] as TenantKey).key}` },
  });
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as Record<string, unknown>));
  try {
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    for (const f of frames) ws.send(f);
    ws.send('{"type":"ping","id":"last"}');
    const deadline = Date.now() + 10_000;
    while (!got.some((g) => g['type'] === 'pong' && g['id'] === 'last') && Date.now() < deadline && ws.readyState === WebSocket.OPEN)
      await new Promise((r) => setTimeout(r, 10));
    const internal = got.filter((g) => g['type'] === 'error' && g['code'] === 'internal');
    for (const g of internal) v.serverErrors.push(`ws frame -> internal error: ${String(g['message'])}`);
    if (!got.some((g) => g['type'] === 'pong' && g['id'] === 'last'))
      v.serverErrors.push(`ws: no pong after ${frames.length} hostile frames (state ${ws.readyState})`);
  } catch (e) {
    v.serverErrors.push(`ws: ${(e as Error).message}`);
  } finally {
    ws.terminate();
  }
}

/** One round of well-formed work by the good tenant, checking normal results. */
export async function goodRound(t: Target, i: number, v: Violations): Promise<void> {
  const h = { authorization: `Bearer ${t.good.key}`, 'content-type': 'application/json' };
  const fail = (what: string, detail: unknown): void => void v.goodFailures.push(`${what}: ${String(detail).slice(0, 300)}`);
  try {
    const value = { n: i, text: `note ${i} 🎭` };
    const put = await fetch(`${t.url}/acp/store/items`, {
      method: 'PUT',
      headers: h,
      body: JSON.stringify({ namespace: ['good', 'notes'], key: `k${i}`, value }),
    });
    if (put.status !== 204) return fail('store put', `${put.status} ${await put.text()}`);
    const get = await fetch(`${t.url}/acp/store/items?namespace=good.notes&key=k${i}`, { headers: h });
    const item = (await get.json()) as { value?: unknown };
    if (get.status !== 200 || JSON.stringify(item.value) !== JSON.stringify(value))
      return fail('store get', `${get.status} ${JSON.stringify(item)}`);
    const thread = (await (
      await fetch(`${t.url}/acp/threads`, { method: 'POST', headers: h, body: JSON.stringify({ metadata: { round: i } }) })
    ).json()) as { thread_id?: string };
    if (typeof thread.thread_id !== 'string') return fail('thread create', JSON.stringify(thread));
    const run = await fetch(`${t.url}/acp/threads/${thread.thread_id}/runs/wait`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({
        assistant_id: 'assistant',
        input: { messages: [{ role: 'user', content: `/tool calculator {"expression":"${i}*7"}` }] },
      }),
    });
    const values = (await run.json()) as { messages?: { content?: unknown }[] };
    const last = values.messages?.at(-1)?.content;
    if (run.status !== 200 || typeof last !== 'string' || !last.includes(String(i * 7)))
      return fail('run wait', `${run.status} ${JSON.stringify(values).slice(0, 300)}`);
    const found = (await (
      await fetch(`${t.url}/acp/threads/search`, { method: 'POST', headers: h, body: JSON.stringify({ metadata: { round: i } }) })
    ).json()) as { thread_id: string }[];
    if (!Array.isArray(found) || found.length !== 1 || found[0]?.thread_id !== thread.thread_id)
      return fail('thread search', JSON.stringify(found).slice(0, 300));
  } catch (e) {
    fail('good round', (e as Error).message);
  }
}

/** One batch: hostile requests and frames from both hostile tenants at once, with good rounds alongside. */
export async function attack(
  t: Target,
  requests: readonly HostileRequest[],
  frames: readonly string[],
  goodRounds: number,
  v: Violations,
  round: number,
): Promise<void> {
  const hostile = Promise.all([
    ...requests.map((r) => sendHostile(t, r, v)),
    sendFrames(t, 0, frames, v),
    sendFrames(t, 1, frames.slice().reverse(), v),
  ]);
  const good = (async () => {
    for (let i = 0; i < goodRounds; i++) await goodRound(t, round * 1000 + i, v);
  })();
  await Promise.all([hostile, good]);
}

/** A flood: `n` quick requests of one hostile tenant (some get 429; none may get 5xx). */
export async function flood(t: Target, n: number, v: Violations): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      sendHostile(
        t,
        {
          method: 'POST',
          path: '/acp/store/items/search',
          contentType: 'application/json',
          body: JSON.stringify({ limit: 1, offset: i }),
          tenant: i % 2,
        },
        v,
      ),
    ),
  );
}
