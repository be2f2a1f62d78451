/** One nats-server per test file and in-process JetStream nodes that are shut down after each test. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type ActorSystem } from '../../runtime/index.js';
import { JetStreamTransport, type JetStreamTransportOptions } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';

/** Registers the hooks; `node()` makes a JetStream node on the file's server. */
export function meshFixture(): {
  server: () => NatsServer;
  node: (prefix: string, id: string, options?: Partial<JetStreamTransportOptions>) => Promise<ActorSystem>;
  forget: (s: ActorSystem) => void;
} {
  let server: NatsServer | undefined;
  let systems: ActorSystem[] = [];
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const s of systems.reverse()) await s.shutdown().catch(() => undefined);
    systems = [];
  });
  const get = (): NatsServer => {
    if (server === undefined) throw new Error('nats-server not started');
    return server;
  };
  return {
    server: get,
    async node(prefix, id, options = {}) {
      const s = await createSystem({ node: id, transport: new JetStreamTransport({ servers: get().url, prefix, ...options }) });
      systems.push(s);
      return s;
    },
    forget(s) {
      systems = systems.filter((x) => x !== s);
    },
  };
}
