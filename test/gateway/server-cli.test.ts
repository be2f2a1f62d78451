/**
 * `troupe start` serves the gateway: its URL is printed, /healthz answers, a WS conversation runs; `troupe key`.
 * The three cases share nothing (own processes, own data directories) and run side by side: each CLI process is
 * seconds of CPU spent loading, one at a time left a core idle.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/index.js';
import { cleanEnv, runTroupe, startCliGateway } from './cli-fixture.js';
import { startFrame, WsClient } from './ws-fixture.js';

afterAll(() => {
  for (const d of [`/tmp/troupe-cli-${process.pid}`, `/tmp/troupe-cli-${process.pid}-b`]) rmSync(d, { recursive: true, force: true });
});

describe('troupe start with the gateway', () => {
  it.concurrent(
    'prints the gateway URL and serves /healthz and /ws on the embedded default',
    async ({ expect }) => {
      const { child, url, output, exited } = await startCliGateway(
        ['start', '--quiet', '--demo-seconds', '60'],
        cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: `/tmp/troupe-cli-${process.pid}` }),
      );
      try {
        expect(output()).toMatch(/auth OFF \(loopback only\)/);
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ status: 'ok', nats: 'none' });
        const c = await WsClient.connect(`${url.replace(/^http/, 'ws')}/ws`);
        c.send(startFrame('1', 'assistant', '/tool calculator {"expression":"6*7"}'));
        const runId = (await c.type('run.created', 20_000))['run_id'] as string;
        const frames = await c.run(runId, false, 20_000);
        expect(frames.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('42') });
        c.ws.terminate();
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
      expect(output()).toContain('troupe: stopped');
    },
    90_000,
  );

  it.concurrent(
    'refuses to serve a non-loopback address without auth',
    async ({ expect }) => {
      const out = await runTroupe(['start', '--quiet', '--demo-seconds', '1'], {
        TROUPE_HOST: '0.0.0.0',
        TROUPE_PORT: '0',
        TROUPE_DATA_DIR: `/tmp/troupe-cli-${process.pid}-b`,
      });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('refusing to serve 0.0.0.0 without auth');
    },
    90_000,
  );

  it.concurrent(
    'troupe key prints a key and a config entry that holds only its hash',
    async ({ expect }) => {
      const out = await runTroupe(['key', '--tenant', 'acme', '--roles', 'user,agent', '--id', 'ci']);
      expect(out.code, out.stderr).toBe(0);
      const key = /key \(give it to the client; it is not stored\): (\S+)/.exec(out.stdout)?.[1] as string;
      const entry = JSON.parse(/gateway\.auth\.keys entry: (.+)/.exec(out.stdout)?.[1] as string) as {
        id: string;
        hash: string;
        tenant: string;
        roles: ('user' | 'agent')[];
      };
      expect(entry).toMatchObject({ id: 'ci', tenant: 'acme', roles: ['user', 'agent'] });
      expect(JSON.stringify(entry)).not.toContain(key);
      expect(new ApiKeyStore([entry]).verify(key)).toMatchObject({ tenant: 'acme', subject: 'key:ci' });
    },
    60_000,
  );
});
