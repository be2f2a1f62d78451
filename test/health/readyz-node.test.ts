/**
 * `/readyz` on `troupe node --gateway` (a real nats-server, JetStream storage): ready with NATS connected and the
 * storage probe answered by JetStream; not ready — NATS and storage failing — while the server is gone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../nats/server.js';
import { cleanEnv, startCliGateway } from '../gateway/cli-fixture.js';
import { eventually } from '../transport/contract.js';

let server: NatsServer | undefined;
afterAll(async () => {
  await server?.stop();
});

type Checks = Record<string, { ok: boolean; detail: string }>;
const readyz = async (url: string): Promise<{ status: number; checks: Checks }> => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Checks }).checks };
};

describe('/readyz on troupe node --gateway', () => {
  it('is ready on a connected mesh node, and not ready (nats, storage) while its server is gone', async () => {
    server = await NatsServer.start();
    const { child, url, exited } = await startCliGateway(
      ['node', '--nats', server.url, '--prefix', `rz${process.pid}`, '--node-id', 'rz-node', '--gateway'],
      cleanEnv({ TROUPE_PORT: '0' }),
    );
    try {
      const up = await readyz(url);
      expect(up.status).toBe(200);
      expect(up.checks['nats']).toEqual({ ok: true, detail: 'connected' });
      expect(up.checks['storage']).toEqual({ ok: true, detail: 'jetstream storage read and write' });
      await server.kill();
      await eventually(async () => (await readyz(url)).status === 503, 20_000, 'not ready');
      await eventually(async () => (await readyz(url)).checks['storage']?.ok === false, 20_000, 'storage failing');
      const down = await readyz(url);
      expect(down.checks['nats']).toEqual({ ok: false, detail: 'NATS disconnected' });
      expect(down.checks['drain']?.ok).toBe(true);
      await server.launch();
      await eventually(async () => (await readyz(url)).status === 200, 30_000, 'ready again');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});
