/**
 * Schedule triggers (docs/workflows.md, "Triggers"): the tick arithmetic over croner, the scheduler in simulated
 * time (one run per tick, the catch-up rule after downtime, a fenced older activation), and the workflow actor on a
 * real host whose storage a second host takes over: one run per tick across both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema, type WorkflowDefinition } from '../../config/index.js';
import {
  MemoryHub,
  MemoryStorage,
  MemoryTransport,
  MeshNode,
  SimulatedClock,
  flushMicrotasks,
  startSystem,
  type ActorSystem,
} from '../../runtime/index.js';
import { createSystem, xstateLifecycle } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { ScheduleDriver, WorkflowJournal, latestTick, nextTick, scheduleRunId } from '../../actors/workflow/index.js';
import { eventually } from '../transport/contract.js';

const T0 = Date.parse('2026-01-01T00:02:00Z');
const at = (iso: string) => Date.parse(`2026-01-01T${iso}Z`);
const def = (schedule = '*/5 * * * *'): WorkflowDefinition =>
  configSchema.parse({ workflows: [{ name: 'nightly', steps: { a: { tool: 'clock' } }, triggers: [{ schedule }] }] }).workflows[0]!;

describe('schedule ticks', () => {
  it('finds the latest tick in (after, now] and the next one', () => {
    expect(latestTick('*/5 * * * *', at('00:00:00'), at('00:12:00'))).toBe(at('00:10:00'));
    expect(latestTick('*/5 * * * *', at('00:00:00'), at('00:10:00'))).toBe(at('00:10:00'));
    expect(latestTick('*/5 * * * *', at('00:10:00'), at('00:14:59'))).toBeUndefined();
    expect(nextTick('*/5 * * * *', at('00:10:00'))).toBe(at('00:15:00'));
    expect(nextTick('0 3 * * *', at('00:10:00'))).toBe(at('03:00:00'));
  });
});

function driver(storage: MemoryStorage, clock: SimulatedClock, epoch: number, fired: string[], runs: Set<string>) {
  const d: ScheduleDriver = new ScheduleDriver({
    def: def(),
    storage,
    tenant: 'default',
    epoch,
    clock,
    start: (runId) => {
      fired.push(runId);
      runs.add(runId); // the journal: a run id seen before is the same run
      return Promise.resolve();
    },
    poke: () => void d.tick(),
    warn: () => undefined,
  });
  return d;
}

async function advance(clock: SimulatedClock, ms: number) {
  for (let i = 0; i < ms / 60_000; i++) {
    await clock.advance(60_000);
    await flushMicrotasks();
  }
}

describe('schedule driver (simulated time)', () => {
  it('fires once per tick, nothing from before its first activation', async () => {
    const [storage, clock, fired, runs] = [new MemoryStorage(), new SimulatedClock(T0), [] as string[], new Set<string>()];
    const d = driver(storage, clock, 1, fired, runs);
    await d.tick();
    expect(fired).toEqual([]);
    await advance(clock, 18 * 60_000); // 00:20
    expect(fired).toEqual(['05:00', '10:00', '15:00', '20:00'].map((t) => scheduleRunId('nightly', 0, at(`00:${t}`))));
    d.stop();
  });

  it('after downtime fires the latest missed tick once (the catch-up rule), then each tick', async () => {
    const [storage, clock, fired, runs] = [new MemoryStorage(), new SimulatedClock(T0), [] as string[], new Set<string>()];
    const a = driver(storage, clock, 1, fired, runs);
    await a.tick();
    await advance(clock, 4 * 60_000); // 00:06: fired 00:05
    a.stop();
    await advance(clock, 60 * 60_000); // 01:06: the cluster is down, nothing fires
    expect(fired).toEqual([scheduleRunId('nightly', 0, at('00:05:00'))]);
    const b = driver(storage, clock, 2, fired, runs);
    await b.tick();
    expect(fired.slice(1)).toEqual([scheduleRunId('nightly', 0, at('01:05:00'))]);
    await advance(clock, 5 * 60_000);
    expect(fired.slice(2)).toEqual([scheduleRunId('nightly', 0, at('01:10:00'))]);
    b.stop();
  });

  it('an older activation still running is fenced: one run per tick though both fire', async () => {
    const [storage, clock, fired, runs] = [new MemoryStorage(), new SimulatedClock(T0), [] as string[], new Set<string>()];
    const old = driver(storage, clock, 1, fired, runs);
    await old.tick();
    const now = driver(storage, clock, 2, fired, runs);
    await now.tick();
    await advance(clock, 13 * 60_000); // 00:15
    expect([...runs]).toEqual(['05:00', '10:00', '15:00'].map((t) => scheduleRunId('nightly', 0, at(`00:${t}`))));
    // The old one fired at most the first tick (its mark write was refused, so it stopped).
    expect(fired.length).toBeLessThanOrEqual(runs.size + 1);
    now.stop();
    old.stop();
  });
});

describe('schedule trigger on the mesh', () => {
  const hosts: { system: ActorSystem; catalog: Catalog }[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) {
      await h.catalog.close();
      await h.system.shutdown();
    }
  });
  async function host(storage: MemoryStorage, clock: SimulatedClock) {
    const config = configSchema.parse({ workflows: [def('* * * * *')] });
    const system = await createSystem({ config, storage, clock, warn: () => undefined });
    const mesh = new MeshNode(system);
    const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
    await mesh.start();
    await catalog.start();
    const h = { system, catalog };
    hosts.push(h);
    return h;
  }
  const runIds = async (storage: MemoryStorage) =>
    (await storage.bucket('workflows').list<{ run_id: string; status: string }>(['default']))
      .filter((e) => e.key[2] === 'run')
      .map((e) => e.value);

  it('starts one run per tick; a second host on the same storage after the first stops fires the missed tick once', async () => {
    const storage = new MemoryStorage();
    const clock = new SimulatedClock(T0 + 30_000); // 00:02:30
    const a = await host(storage, clock);
    await eventually(async () => (await storage.bucket('workflow-schedule').get(['default', 'nightly', '0'])) !== undefined, 10_000);
    await clock.advance(30_000); // 00:03
    await eventually(async () => (await runIds(storage)).length === 1, 10_000, 'the 00:03 run');
    await clock.advance(60_000); // 00:04
    await eventually(async () => (await runIds(storage)).length === 2, 10_000, 'the 00:04 run');
    hosts.splice(0);
    await a.catalog.close();
    await a.system.shutdown();
    await clock.advance(10 * 60_000); // 00:14: no host runs
    await host(storage, clock);
    await eventually(async () => (await runIds(storage)).length === 3, 10_000, 'the catch-up run');
    const ids = (await runIds(storage)).map((r) => r.run_id).sort();
    expect(ids).toEqual(['00:03:00', '00:04:00', '00:14:00'].map((t) => scheduleRunId('nightly', 0, at(t))).sort());
    await eventually(async () => (await runIds(storage)).every((r) => r.status === 'success'), 10_000, 'the runs to end');
    const rec = await new WorkflowJournal(storage).getRun('default', scheduleRunId('nightly', 0, at('00:14:00')));
    expect(rec?.metadata).toMatchObject({ trigger: 'schedule', tick: '2026-01-01T00:14:00.000Z' });
  });
});

describe('schedule trigger per tenant, two hosts of one mesh', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  it('fires once per tick in each tenant it names, on whichever host holds that tenant’s activation', async () => {
    const [hub, storage, clock] = [new MemoryHub(), new MemoryStorage(), new SimulatedClock(T0 + 30_000)]; // 00:02:30
    const config = configSchema.parse({
      workflows: [{ name: 'nightly', steps: { a: { tool: 'clock' } }, triggers: [{ schedule: '* * * * *', tenants: ['acme', 'globex'] }] }],
    });
    const systems: ActorSystem[] = [];
    for (const node of ['node-a', 'node-b']) {
      const system = await startSystem({
        lifecycle: xstateLifecycle,
        transport: new MemoryTransport({ hub }),
        storage,
        node,
        clock,
        warn: () => undefined,
      });
      const mesh = new MeshNode(system);
      const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
      await mesh.start();
      await catalog.start();
      systems.push(system);
      stops.push(async () => {
        await catalog.close();
        mesh.stop();
        await system.shutdown();
      });
    }
    const marks = storage.bucket('workflow-schedule');
    await eventually(
      async () => (await marks.get(['acme', 'nightly', '0'])) !== undefined && (await marks.get(['globex', 'nightly', '0'])) !== undefined,
      10_000,
      'both tenants’ schedules to start',
    );
    const runs = async (tenant: string) =>
      (await storage.bucket('workflows').list<{ run_id: string }>([tenant])).filter((e) => e.key[2] === 'run').map((e) => e.value.run_id);
    await clock.advance(30_000); // 00:03
    await eventually(async () => (await runs('acme')).length === 1 && (await runs('globex')).length === 1, 10_000, 'the 00:03 runs');
    await clock.advance(60_000); // 00:04
    await eventually(async () => (await runs('acme')).length === 2 && (await runs('globex')).length === 2, 10_000, 'the 00:04 runs');
    const ticks = ['00:03:00', '00:04:00'].map((t) => scheduleRunId('nightly', 0, at(t))).sort();
    expect((await runs('acme')).sort()).toEqual(ticks);
    expect((await runs('globex')).sort()).toEqual(ticks);
    // One activation per tenant in the mesh runs its schedule, on one host or the other.
    for (const tenant of ['acme', 'globex'])
      expect(systems.filter((s) => s.actors(tenant).some((r) => r.address === 'workflow/nightly'))).toHaveLength(1);
    // The default tenant is not named: no schedule runs there.
    expect(await marks.get(['default', 'nightly', '0'])).toBeUndefined();
    expect(await runs('default')).toEqual([]);
  });
});
