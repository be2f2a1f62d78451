/**
 * Structured logs (issue 17): a real `troupe start` (auth on, a provider key and an encryption key set) writes JSON
 * lines — every HTTP request with its route, status, duration, tenant, key id and trace id; every run's start and end;
 * every tool call with its arguments (personal data redacted), duration and outcome; every WebSocket session — and
 * none of them holds a secret or the personal data a user sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateApiKey } from '../../gateway/index.js';
import { cleanEnv, startCliGateway, type CliGateway } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-logs-'));
const key = generateApiKey();
const secrets = { openai: `sk-test-${randomBytes(16).toString('hex')}`, enc: randomBytes(32).toString('hex'), api: key.key };
const EMAIL = 'jane.doe@example.com';
const TRACE = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
let cli: CliGateway;

beforeAll(async () => {
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      gateway: { auth: { keys: [{ id: 'ops-key', hash: key.hash, tenant: 'acme', roles: ['user'] }] } },
      agents: [{ name: 'clerk', instructions: 'Work.', tools: ['calculator'], provider: 'offline' }],
    }),
  );
  const env = {
    ...cleanEnv({ TROUPE_PORT: '0', TROUPE_LOG_FORMAT: 'json' }),
    OPENAI_API_KEY: secrets.openai,
    TROUPE_ENCRYPTION_KEY: secrets.enc,
  };
  cli = await startCliGateway(['start', '--quiet', '--config', file], env);
}, 90_000);

afterAll(async () => {
  cli?.child.kill('SIGINT');
  await cli?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** The JSON lines printed so far. */
function lines(): Record<string, unknown>[] {
  return cli
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`no log line for ${what}:\n${cli.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('structured logs of a session', () => {
  it('logs requests, runs, tool calls and sessions as JSON lines, with no secret and no personal data', async () => {
    const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', traceparent: TRACE };
    const input = `/tool calculator {"expression":"6*7","note":"mail ${EMAIL}"}`;
    const res = await fetch(`${cli.url}/acp/runs/wait`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assistant_id: 'clerk', input: { messages: [{ role: 'user', content: input }] } }),
    });
    expect(res.status).toBe(200);
    const refused = await fetch(`${cli.url}/acp/threads`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer nope' },
      body: '{}',
    });
    expect(refused.status).toBe(401);

    const ws = new WebSocket(`${cli.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${key.key}` } });
    await new Promise<void>((ok, fail) => {
      ws.once('message', () => ok()); // the welcome frame
      ws.once('error', fail);
    });
    ws.close(1000);

    const request = await until(
      () => lines().find((l) => l['event'] === 'http.request' && l['route'] === '/acp' && l['status'] === 200),
      'the run request',
    );
    expect(request).toMatchObject({ level: 'info', method: 'POST', tenant: 'acme', key_id: 'key:ops-key', trace_id: TRACE.slice(3, 35) });
    expect(typeof request['duration_ms']).toBe('number');
    expect(typeof request['time']).toBe('string');
    const denied = await until(() => lines().find((l) => l['event'] === 'http.request' && l['status'] === 401), 'the refused request');
    expect(denied['tenant']).toBeUndefined();

    const start = await until(() => lines().find((l) => l['event'] === 'run.start' && l['agent'] === 'clerk'), 'the run start');
    const end = await until(() => lines().find((l) => l['event'] === 'run.end' && l['run_id'] === start['run_id']), 'the run end');
    expect(end).toMatchObject({ tenant: 'acme', status: 'success' });
    const tool = await until(() => lines().find((l) => l['event'] === 'tool.call' && l['tool'] === 'calculator'), 'the tool call');
    expect(tool).toMatchObject({ tenant: 'acme', outcome: expect.stringMatching(/^(ok|error)$/) });
    expect(JSON.stringify(tool['arguments'])).toContain('[REDACTED:EMAIL]');
    expect(typeof tool['duration_ms']).toBe('number');
    await until(() => lines().find((l) => l['event'] === 'ws.session' && l['key_id'] === 'key:ops-key'), 'the WebSocket session');

    const out = cli.output();
    for (const s of [...Object.values(secrets), EMAIL]) expect(out).not.toContain(s);
  }, 60_000);
});
