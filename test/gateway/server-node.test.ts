/** `troupe node --gateway` on a real nats-server: the gateway serves a conversation, health follows the drain. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../nats/server.js';
import { startFrame, WsClient } from './ws-fixture.js';

const ROOT = resolve(import.meta.dirname, '../..');
let server: NatsServer | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('troupe node --gateway', () => {
  it('serves /healthz (nats connected) and a WS conversation on a mesh node, then drains', async () => {
    server = await NatsServer.start();
    const env: NodeJS.ProcessEnv = { ...process.env, TROUPE_PORT: '0' };
    for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'TROUPE_CONFIG']) delete env[k];
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'node', '--nats', server.url, '--prefix', `gw${process.pid}`, '--node-id', 'gw-node', '--gateway'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /troupe: gateway on (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
          if (m !== null) ok(m[1] as string);
        });
        void exited.then(() => fail(new Error(`troupe node exited:\n${out}`)));
      });
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', node: 'gw-node', nats: 'connected' });
      const c = await WsClient.connect(`${url.replace(/^http/, 'ws')}/ws`);
      expect(await c.type('welcome')).toMatchObject({ node: 'gw-node' });
      c.send(startFrame('1', 'assistant', 'hello mesh'));
      const runId = (await c.type('run.created', 20_000))['run_id'] as string;
      const frames = await c.run(runId, false, 20_000);
      expect(frames.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('hello mesh') });
      expect(frames.map((f) => f['seq'])).toEqual(frames.map((_, i) => i + 1));
      c.ws.terminate();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('drained');
  }, 120_000);
});
