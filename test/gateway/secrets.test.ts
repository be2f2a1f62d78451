/**
 * No secret leaves (issue 10): a real `troupe start` with every kind of secret set — provider keys,
 * an agent's own key, the JWT secret, encryption keys, an MCP server's upstream key, a gateway API
 * key — behind a fake OpenAI server whose errors echo the presented key and an MCP tool that fails
 * quoting its key. Every response (/acp, /acp SSE, /ws, /a2a, /mcp, a refused request), every line
 * the process printed, and `troupe config` are searched for each secret and its other spellings.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey, signJwt } from '../../gateway/index.js';
import { echoKeyError, startServer, type FakeServer } from '../llm/fake-servers.js';
import { ROOT, cleanEnv, startCliGateway, troupeArgv, type CliGateway } from './cli-fixture.js';
import { startFrame, WsClient } from './ws-fixture.js';

const hex = (n: number): string => randomBytes(n).toString('hex');
const gatewayKey = generateApiKey();
const encKey = randomBytes(32);
const prevKey = randomBytes(32);
const S = {
  openai: `sk-test-${hex(16)}`,
  agentKey: `agent-key-${hex(16)}`,
  anthropic: `sk-ant-test-${hex(16)}`,
  jwtSecret: `jwt-secret-${hex(16)}`,
  vault: `vault-key-${hex(16)}`,
  natsToken: `nats-token-${hex(12)}`,
  natsPass: `nats-pass-${hex(12)}`,
  gatewayKey: gatewayKey.key,
  encHex: encKey.toString('hex'),
  prevB64: prevKey.toString('base64'),
};
const claims = { sub: 'u1', tenant: 'default', roles: ['user', 'agent'], exp: Math.floor(Date.now() / 1000) + 3600 };
const jwt = signJwt(claims, { hs256Secret: S.jwtSecret });
/** Every secret and the other spellings it could leak in. */
const FORBIDDEN = [
  ...Object.values(S),
  jwt,
  encKey.toString('base64'),
  encKey.toString('base64url'),
  S.encHex.toUpperCase(),
  prevKey.toString('hex'),
  prevKey.toString('base64url'),
  encodeURIComponent(S.prevB64),
];

const dir = mkdtempSync(join(tmpdir(), 'troupe-secrets-'));
const seen: { what: string; text: string }[] = [];
const record = (what: string, text: string): string => {
  seen.push({ what, text });
  return text;
};
let fake: FakeServer;
let cli: CliGateway;
let env: NodeJS.ProcessEnv;
let configFile: string;

function config(extra: Record<string, unknown> = {}): string {
  const file = join(dir, `config-${seen.length}-${Object.keys(extra).length}.json`);
  const agent = (name: string, more: Record<string, unknown> = {}) => ({ name, instructions: `Be ${name}.`, provider: 'openai', ...more });
  const key = { id: 'k1', hash: gatewayKey.hash, tenant: 'default', roles: ['user', 'agent', 'admin'] };
  const leaky = { command: process.execPath, args: ['--import', 'tsx', 'test/gateway/fixtures/leaky-mcp-server.ts'], cwd: ROOT };
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      gateway: { auth: { keys: [key], jwt: { hs256Secret: S.jwtSecret } } },
      // `troupe start` talks to assistant and triage (→ billing) once at startup; `keyed` has its own provider key.
      agents: [
        agent('assistant', { tools: ['calculator'] }),
        agent('triage', { handoffs: ['billing'] }),
        agent('billing'),
        agent('keyed', { apiKeyEnv: 'AGENT_KEY' }),
      ],
      mcpServers: [{ name: 'vault', ...leaky, env: { VAULT_API_KEY: S.vault } }],
      ...extra,
    }),
  );
  return file;
}

beforeAll(async () => {
  fake = await startServer();
  fake.script(echoKeyError(401));
  env = {
    ...cleanEnv({ TROUPE_PORT: '0' }),
    OPENAI_API_KEY: S.openai,
    OPENAI_BASE_URL: `${fake.url}/v1`,
    ANTHROPIC_API_KEY: S.anthropic,
    AGENT_KEY: S.agentKey,
    TROUPE_ENCRYPTION_KEY: S.encHex,
    TROUPE_ENCRYPTION_PREVIOUS_KEYS: S.prevB64,
  };
  configFile = config();
  cli = await startCliGateway(['start', '--config', configFile, '--demo', '--demo-seconds', '120'], env);
}, 90_000);

afterAll(async () => {
  cli?.child.kill('SIGINT');
  await cli?.exited;
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** POSTs `body` as JSON (with `token` as the bearer credential, if any) and records the whole response. */
async function post(what: string, path: string, token: string | undefined, body: unknown): Promise<string> {
  const headers = token === undefined ? { 'content-type': 'application/json' } : auth(token);
  return respond(what, await fetch(`${cli.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }));
}

async function respond(what: string, res: Response): Promise<string> {
  return record(what, `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
}

/** POST with a declared body that is cut off mid-way (the client goes away). */
function abortedPost(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': '4096' } });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write('{"assistant_id": "assis');
    setTimeout(() => req.destroy(), 200);
  });
}

async function untilPrinted(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(cli.output())) {
    if (Date.now() > end) throw new Error(`not printed within ${timeoutMs} ms: ${pattern}\n${cli.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('no secret leaves a troupe process', () => {
  it('scrubs every response and log line of a session, and the messages still say what failed', async () => {
    const { url } = cli;
    const input = { messages: [{ role: 'user', content: 'hello' }] };
    // /acp: a run that waits, and a streamed run on the agent with its own key.
    const waited = await post('acp wait', '/acp/runs/wait', S.gatewayKey, { assistant_id: 'assistant', input });
    const streamed = await post('acp stream', '/acp/runs/stream', jwt, { assistant_id: 'keyed', input });
    // /ws with a JWT.
    const ws = await WsClient.connect(`${url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${jwt}` });
    ws.send(startFrame('1', 'assistant', 'hello'));
    const runId = (await ws.type('run.created', 20_000))['run_id'] as string;
    const frames = await ws.run(runId, false, 20_000);
    ws.send({ type: 'run.start', id: '2', agent: 'nobody', input });
    await ws.next((f) => f['type'] === 'error' && f['id'] === '2');
    ws.ws.terminate();
    record('ws', JSON.stringify(ws.frames));
    // /a2a
    const message = { messageId: `m-${hex(4)}`, role: 'ROLE_USER', parts: [{ text: 'hello' }], metadata: { agent: 'billing' } };
    const a2a = await post('a2a', '/a2a', S.gatewayKey, { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message } });
    // /mcp: a tool that fails quoting its upstream key and the caller's own key.
    const mcp = new Client({ name: 'secrets-test', version: '1' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: auth(S.gatewayKey) } }));
    const tools = record('mcp list', JSON.stringify(await mcp.listTools()));
    const leak = record('mcp leak', JSON.stringify(await mcp.callTool({ name: 'vault.leak', arguments: { text: S.gatewayKey } })));
    await mcp.close();
    // A body cut off mid-way, with credentials in the query string; a wrong key; credentials in a query only.
    const query = `api_key=${encodeURIComponent(S.gatewayKey)}&token=${encodeURIComponent(S.jwtSecret)}`;
    await abortedPost(`${url}/acp/runs/wait?${query}`, auth(S.gatewayKey));
    const wrongKey = `trp_${randomBytes(32).toString('base64url')}`;
    FORBIDDEN.push(wrongKey);
    const refused = await post('wrong key', `/acp/runs/wait?api_key=${wrongKey}`, wrongKey, {});
    await post('query only', `/acp/assistants/search?${query}`, undefined, {});
    await untilPrinted(/gateway: POST \/acp\/runs\/wait[?:]/);
    // `troupe config` with every secret field set.
    const nats = { kind: 'jetstream', servers: ['nats://127.0.0.1:4222'], token: S.natsToken, user: 'troupe', pass: S.natsPass };
    const args = troupeArgv(['config', '--config', config({ transport: nats })]);
    const shown = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    record('troupe config', `${shown.stdout}\n${shown.stderr}`);
    expect(shown.status, shown.stderr).toBe(0);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    const log = record('troupe start output', cli.output());

    // Nothing anywhere holds a secret, in any spelling.
    for (const { what, text } of seen) {
      for (const secret of FORBIDDEN) expect(text.includes(secret), `${what} shows a secret (${secret.slice(0, 12)}…)`).toBe(false);
    }
    // The failures still say what went wrong.
    expect(waited).toMatch(/HTTP 401: (401 )?Incorrect API key provided: \[redacted\]/);
    expect(streamed).toMatch(/HTTP 401: (401 )?Incorrect API key provided: \[redacted\]/);
    expect(frames.at(-1)).toMatchObject({ type: 'run.failed', error: expect.stringMatching(/HTTP 401.*\[redacted\]/) });
    expect(a2a).toMatch(/401/);
    expect(tools).toContain('vault.leak');
    expect(leak).toMatch(/vault refused \[redacted\] \(401 unauthorized\) with key \[redacted\]/);
    expect(leak).toContain('"isError":true');
    expect(refused).toMatch(/^401 .*invalid API key/);
    expect(log).toMatch(/gateway: POST \/acp\/runs\/wait: /);
    expect(log).not.toMatch(/api_key=|token=/);
    expect(log).toMatch(/status .*HTTP 401: (401 )?Incorrect API key provided: \[redacted\]/);
    type Printed = { transport: object; gateway: { auth: { jwt: object; keys: { hash: string }[] } }; memory: { encryption: object } };
    const printed = JSON.parse(shown.stdout) as Printed;
    expect(printed.transport).toMatchObject({ token: '***', pass: '***', user: 'troupe' });
    expect(printed.gateway.auth.jwt).toMatchObject({ hs256Secret: '***' });
    expect(printed.gateway.auth.keys[0]?.hash).toBe(gatewayKey.hash);
    expect(printed.memory.encryption).toMatchObject({ key: '***', previousKeys: ['***'] });
    // The fake provider did see the keys (so the test could fail): the default key and the agent's own.
    const presented = fake.requests.map((r) => r.headers.authorization);
    expect(presented).toEqual(expect.arrayContaining([`Bearer ${S.openai}`, `Bearer ${S.agentKey}`]));
  }, 120_000);
});
