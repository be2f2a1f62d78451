/**
 * `troupe eval --url A,B` spreads a suite's cases over gateways of one mesh (cli/eval-case.ts): two real gateways
 * over one catalog, the eval runner with its concurrency limit, every case run, both gateways used, never more cases
 * in flight than the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCases, parseSuite, runCases, type EvalCase } from '../../actors/index.js';
import { spreadCases } from '../../cli/eval-case.js';
import { configSchema } from '../../config/index.js';
import { Gateway, allRoutes, catalogDeps } from '../../gateway/index.js';
import { TroupeClient } from '../../gateway/client/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';

const config = configSchema.parse({
  agents: [
    { name: 'a1', description: 'one', instructions: 'Answer.', provider: 'offline' },
    { name: 'a2', description: 'two', instructions: 'Answer.', provider: 'offline' },
  ],
});

let gw: CatalogGateway<'admin'>;
let second: Gateway;

beforeAll(async () => {
  gw = await startCatalogGateway(config, { admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] } });
  const deps = catalogDeps(gw.system, gw.catalog);
  second = await Gateway.start({ deps, routes: allRoutes(deps), port: 0, auth: { keys: [] }, warn: () => undefined });
});

afterAll(async () => {
  await second?.close();
  await gw?.close();
});

describe('eval spread over gateways', () => {
  it('runs every case, on both gateways, within the concurrency limit', async () => {
    const tests = Array.from(
      { length: 6 },
      (_, i) => `  - vars: {input: "question ${i}"}\n    assert: [{type: latency, threshold: 60000}]`,
    );
    const suite = parseSuite(`providers: [a1, a2]\ntests:\n${tests.join('\n')}\n`);
    const cases: EvalCase[] = expandCases(suite);
    expect(cases).toHaveLength(12);
    const clients = [
      await TroupeClient.connect({ url: gw.url, key: gw.keys.admin.key }),
      await TroupeClient.connect({ url: `http://127.0.0.1:${second.port}` }),
    ];
    try {
      const spread = spreadCases(clients);
      let inFlight = 0;
      let most = 0;
      const result = await runCases('spread', cases, {
        concurrency: 3,
        async runCase(c) {
          most = Math.max(most, ++inFlight);
          try {
            return await spread.runCase(c);
          } finally {
            inFlight--;
          }
        },
      });
      expect(result.failed, JSON.stringify(result.cases.filter((c) => !c.pass))).toBe(0);
      expect(result.cases.every((c) => c.runIds.length === 1 && c.output.length > 0)).toBe(true);
      expect(most).toBe(3);
      expect(spread.ran.reduce((a, b) => a + b, 0)).toBe(12);
      expect(Math.min(...spread.ran)).toBeGreaterThanOrEqual(4);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('needs at least one gateway', () => {
    expect(() => spreadCases([])).toThrow(/at least one/);
  });
});
