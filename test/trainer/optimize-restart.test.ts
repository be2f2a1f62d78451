/**
 * An optimisation is a durable job: its actor is stopped in the middle of a case run (as a restart or a failover
 * would); activated again, it goes on from its stored candidates and case scores — it ends `completed`, within its
 * budget, and runs no already-scored case again (the model calls are the stored scores plus the one cut short).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { OPTIMIZE_CREATE, OPTIMIZE_GET, optimizeCreateMessageSchema, type OptimizeRecord } from '../../protocols/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { eventually } from '../transport/contract.js';
import { replying, systemPrompt } from './fixtures.js';

let calls = 0;
let gate: Promise<void> | undefined;
let reached: (() => void) | undefined;

/** Answers `shout:` tasks right only with an example; the fifth call waits until the test opens the gate. */
const student = replying(async (request) => {
  calls++;
  if (gate !== undefined && calls === 5) {
    reached?.();
    await gate;
  }
  const system = systemPrompt(request);
  const task = String(request.messages.findLast((m) => m.role === 'user')?.content ?? '');
  return system.includes('Input: shout:') ? `${task.split(': ')[1]?.toUpperCase() ?? ''}!` : 'no idea';
});

const WORDS = ['apple', 'river', 'stone', 'cloud', 'ember', 'maple', 'delta', 'frost'];
const suite = JSON.stringify({
  prompts: ['{{task}}'],
  providers: ['student'],
  tests: WORDS.map((w) => ({ vars: { task: `shout: ${w}` }, assert: [{ type: 'equals', value: `${w.toUpperCase()}!` }] })),
});

let gw: CatalogGateway<'admin'>;

beforeAll(async () => {
  gw = await startCatalogGateway(
    configSchema.parse({
      prompts: [{ name: 'solver', template: 'Answer.' }],
      agents: [{ name: 'student', instructions: 'Be exact.', prompt: 'solver@production' }],
    }),
    { admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] } },
    { compose: { provider: () => ({ provider: student, model: 'scripted' }) } },
  );
});

afterAll(() => gw?.close());

describe('optimisation restart', () => {
  it('goes on after its actor stopped mid-case, running no scored case twice', async () => {
    let open: () => void = () => undefined;
    gate = new Promise<void>((r) => (open = r));
    const atGate = new Promise<void>((r) => (reached = r));
    const address = 'trainer/opt-dur';
    const first = await gw.catalog.ensure(address, 'acme');
    const create = optimizeCreateMessageSchema.parse({ id: 'dur', agent: 'student', suite, budget: 60, demos: 0 });
    await first.ask<OptimizeRecord>(OPTIMIZE_CREATE, create);
    await atGate; // the fifth case run is in flight
    const before = await first.ask<OptimizeRecord>(OPTIMIZE_GET, {});
    expect(before.used).toBe(4);
    await gw.system.stop(first);
    open();
    gate = undefined;
    const again = await gw.catalog.ensure(address, 'acme');
    await eventually(async () => (await again.ask<OptimizeRecord>(OPTIMIZE_GET, {})).status !== 'running', 30_000, 'the job to end');
    const rec = await again.ask<OptimizeRecord>(OPTIMIZE_GET, {});
    expect(rec.status, rec.error).toBe('completed');
    expect(rec.used).toBeLessThanOrEqual(60);
    expect(rec.candidates[0]!.train).toBeDefined();
    expect(rec.candidates[0]!.heldout).toBeDefined();
    // Every stored score cost one model call, plus the call cut short by the stop.
    expect(calls).toBe(rec.used + 1);
  });
});
