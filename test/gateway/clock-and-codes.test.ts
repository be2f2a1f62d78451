/**
 * The gateway on a simulated clock (gateway/clock.ts): the WS hello timeout and the ping heartbeat
 * fire when the clock is advanced, not before, whatever real time passes. Plus the error codes
 * that replaced HTTP statuses in error details (405, 415, 422, 426 with the same bodies as before),
 * and records read from storage checked against their protocols schemas before a client sees them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { acpRoute } from '../../gateway/acp/index.js';
import { CLOSE, Gateway, generateApiKey, gatewayError, statusOf, unprocessableError } from '../../gateway/index.js';
import { TroupeError } from '../../protocols/index.js';
import { SimulatedClock, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { testDeps, WsClient } from './ws-fixture.js';

const { key: KEY, hash: HASH } = generateApiKey();

interface Node {
  readonly system: ActorSystem;
  readonly gateway: Gateway;
  readonly clock: SimulatedClock;
  readonly ws: string;
}

let node: Node | undefined;
afterEach(async () => {
  await node?.gateway.close();
  await node?.system.shutdown();
  node = undefined;
});

async function start(auth: boolean): Promise<Node> {
  const system = await createSystem({ warn: () => undefined });
  const clock = new SimulatedClock();
  const deps = { ...(await testDeps(system)).deps, clock };
  const gateway = await Gateway.start({
    deps,
    routes: [acpRoute(deps)],
    port: 0,
    ...(auth ? { auth: { keys: [{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user' as const] }] } } : {}),
    warn: () => undefined,
  });
  node = { system, gateway, clock, ws: `${gateway.url.replace(/^http/, 'ws')}/ws` };
  return node;
}

const realDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('gateway time is the injected clock', () => {
  it('a connection without credentials is closed when the simulated hello timeout passes, not before', async () => {
    const n = await start(true);
    const c = await WsClient.connect(n.ws);
    let closed = false;
    void c.closed.then(() => (closed = true));
    await realDelay(300);
    await n.clock.advance(9_000);
    await realDelay(100);
    expect(closed).toBe(false);
    await n.clock.advance(1_000);
    const how = await c.closed;
    expect(how.code).toBe(CLOSE.POLICY);
    expect(how.reason).toContain('no hello');
  });

  it('a hello in time cancels the timer: advancing past it later closes nothing', async () => {
    const n = await start(true);
    const c = await WsClient.connect(n.ws);
    c.send({ type: 'hello', token: KEY });
    expect(await c.type('welcome')).toMatchObject({ tenant: 'acme' });
    // Well past the 10 s hello timeout, short of the 30 s heartbeat.
    await n.clock.advance(20_000);
    await realDelay(100);
    c.send({ type: 'ping', id: 'p' });
    expect(await c.type('pong')).toMatchObject({ id: 'p' });
  });

  it('the ping heartbeat beats on the simulated clock', async () => {
    const n = await start(false);
    const c = await WsClient.connect(n.ws);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    await c.type('welcome');
    await realDelay(200);
    expect(pings).toBe(0);
    await n.clock.advance(30_000);
    await realDelay(100);
    expect(pings).toBe(1);
    await n.clock.advance(30_000);
    await realDelay(100);
    expect(pings).toBe(2);
    c.close();
    await c.closed;
  });
});

describe('error codes, not statuses in details', () => {
  it('maps the refinements of bad_request to their statuses in one table (details carry no status)', () => {
    expect(statusOf(new TroupeError('unprocessable', 'x'))).toBe(422);
    expect(statusOf(new TroupeError('method_not_allowed', 'x'))).toBe(405);
    expect(statusOf(new TroupeError('unsupported_media_type', 'x'))).toBe(415);
    expect(statusOf(new TroupeError('upgrade_required', 'x'))).toBe(426);
    expect(unprocessableError('x')).toMatchObject({ code: 'unprocessable', details: undefined });
    // A status smuggled in details no longer changes anything.
    expect(statusOf(gatewayError('bad_request', 'x', { status: 422 }))).toBe(400);
  });

  it('answers 405, 415, 422 and 426 with the same {detail, code: "bad_request"} bodies as before', async () => {
    const n = await start(false);
    const url = n.gateway.url;
    const cases: [string, RequestInit, number, string][] = [
      [
        '/acp/threads',
        { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } },
        405,
        'PUT is not allowed on /threads',
      ],
      ['/acp/assistants', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, 405, 'cannot be created'],
      [
        '/acp/threads/t1/state',
        { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
        405,
        'threads change by runs',
      ],
      ['/acp/threads', { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } }, 415, 'request bodies must be JSON'],
      ['/acp/threads', { method: 'POST', body: '{"metadata": 5}', headers: { 'content-type': 'application/json' } }, 422, 'metadata'],
      ['/ws', {}, 426, 'Upgrade: websocket'],
    ];
    for (const [path, init, status, detail] of cases) {
      const res = await fetch(`${url}${path}`, init);
      expect(res.status, path).toBe(status);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), path).toEqual(['code', 'detail']);
      expect(body['code'], path).toBe('bad_request');
      expect(body['detail'], path).toContain(detail);
    }
  });
});

describe('records from storage are checked before a client sees them', () => {
  it('a valid thread is served; one that lost its shape is a 500 naming the field, never a half answer', async () => {
    const n = await start(false);
    const url = `${n.gateway.url}/acp`;
    const made = await fetch(`${url}/threads`, {
      method: 'POST',
      body: '{"thread_id": "good1"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(made.status).toBe(200);
    expect(((await (await fetch(`${url}/threads/good1`)).json()) as { thread_id: string }).thread_id).toBe('good1');

    const threads = n.system.storage.bucket('threads');
    const good = await threads.get<Record<string, unknown>>(['default', 't', 'good1']);
    await threads.put(['default', 't', 'bad1'], { ...good, thread_id: 'bad1', status: 'sleeping', checkpoints: -1 });
    const res = await fetch(`${url}/threads/bad1`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { detail: string; code: string };
    expect(body.code).toBe('internal');
    expect(body.detail).toContain('thread bad1 does not have its shape');
    expect(body.detail).toContain('status');
    expect(body.detail).toContain('checkpoints');
  });
});
