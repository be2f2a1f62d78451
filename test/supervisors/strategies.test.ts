/**
 * Supervision semantics in simulated time: strategies, restart types, restart intensity and
 * escalation, backoff. Redelivery, poison messages, timeouts and init failures are in
 * redelivery.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Behavior } from '../../runtime/index.js';
import {
  backoffDelay,
  subtreeAlarmKey,
  supervisor,
  tenantSupervisorAddress,
  type BackoffOptions,
  type Strategy,
} from '../../supervisors/index.js';
import { newLog, restartGaps, seeded, shutdownHarness, spawnTree, startHarness, worker, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await shutdownHarness(h);
  h = undefined;
});

const noJitter = { initialMs: 10, maxMs: 1_000, multiplier: 2, jitter: 0 };
const ABC = { a: {}, b: {}, c: {} };

/** Addresses that started a new incarnation after `since` (ms), in START order. */
function restartedSince(hh: Harness, since: number): string[] {
  return hh.events
    .filter((e) => e.event === 'START' && e.at >= since && e.address.startsWith('worker/') && e.from === 'restarting')
    .map((e) => e.address);
}

describe('strategies', () => {
  const cases: [Strategy, string, string[]][] = [
    ['one-for-one', 'b', ['worker/b']],
    ['one-for-all', 'b', ['worker/a', 'worker/b', 'worker/c']],
    ['rest-for-one', 'b', ['worker/b', 'worker/c']],
    ['rest-for-one', 'a', ['worker/a', 'worker/b', 'worker/c']],
    ['rest-for-one', 'c', ['worker/c']],
  ];
  it.each(cases)('%s: a crash of %s restarts %j, in start order', async (strategy, crash, expected) => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(h, 'supervisor/app', { strategy, maxRestarts: 5, withinMs: 1_000, backoff: noJitter }, ABC);
    const t = h.clock.now();
    await refs[crash]?.tell('work.flaky', 1, { id: 'crash' });
    await h.clock.advance(100);
    expect(restartedSince(h, t)).toEqual(expected);
    const children = h.system.childrenOf(h.system.ref('supervisor/app'));
    expect(children.map((c) => c.ref.address)).toEqual(['worker/a', 'worker/b', 'worker/c']);
    for (const c of children) {
      expect(c.incarnation, c.ref.address).toBe(expected.includes(c.ref.address) ? 2 : 1);
      expect(c.state).toBe('ready');
    }
    // Siblings that were not restarted saw no RESTART at all.
    for (const name of ['a', 'b', 'c']) if (!expected.includes(`worker/${name}`)) expect(h.of(`worker/${name}`, 'RESTART')).toEqual([]);
    expect(logs[crash]?.handled).toEqual(['crash']);
    expect(h.escalations).toEqual([]);
  });

  it('one-for-all terminates (does not restart) temporary siblings', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(
      h,
      'supervisor/app',
      { strategy: 'one-for-all', backoff: noJitter },
      { a: {}, b: { restart: 'temporary' }, c: { restart: 'transient' } },
    );
    await refs.a?.tell('work.flaky', 1);
    await h.clock.advance(100);
    expect(h.of('worker/b').map((e) => e.to)).toEqual(['starting', 'ready', 'terminated']);
    expect(h.of('worker/c', 'START').map((e) => e.incarnation)).toEqual([1, 2]);
    expect(h.system.childrenOf(h.system.ref('supervisor/app')).map((c) => c.ref.address)).toEqual(['worker/a', 'worker/c']);
  });
});

describe('restart types', () => {
  it('after a crash: permanent and transient restart, temporary is terminated', async () => {
    h = await startHarness();
    const types = { p: { restart: 'permanent' }, t: { restart: 'transient' }, x: { restart: 'temporary' } } as const;
    const { refs, logs } = await spawnTree(h, 'supervisor/app', { backoff: noJitter }, types);
    for (const name of ['p', 't', 'x']) await refs[name]?.tell('work.flaky', name, { id: `crash-${name}` });
    await h.clock.advance(100);
    expect(h.of('worker/p', 'START').map((e) => e.incarnation)).toEqual([1, 2]);
    expect(h.of('worker/t', 'START').map((e) => e.incarnation)).toEqual([1, 2]);
    expect(h.of('worker/x').map((e) => e.to)).toEqual(['starting', 'ready', 'busy', 'failed', 'terminated']);
    expect([logs.p?.handled, logs.t?.handled, logs.x?.handled]).toEqual([['crash-p'], ['crash-t'], []]);
    const dead = await h.system.deadLetters.list({ to: 'worker/x' });
    expect(dead.map((d) => [d.envelope.id, d.reason])).toEqual([['crash-x', 'actor_stopped']]);
    await expect(refs.x?.tell('work.ok')).rejects.toMatchObject({ code: 'no_recipient' });
  });

  it('after ctx.exit(): permanent is started again, transient and temporary are not', async () => {
    h = await startHarness();
    const types = { p: { restart: 'permanent' }, t: { restart: 'transient' }, x: { restart: 'temporary' } } as const;
    const { refs, logs } = await spawnTree(h, 'supervisor/app', { backoff: noJitter }, types);
    for (const name of ['p', 't', 'x']) await refs[name]?.tell('work.exit', name, { id: `exit-${name}` });
    await h.clock.advance(100);
    for (const name of ['p', 't', 'x']) {
      expect(
        h
          .of(`worker/${name}`)
          .slice(0, 5)
          .map((e) => e.to),
      ).toEqual(['starting', 'ready', 'busy', 'stopping', 'stopped']);
      expect(logs[name]?.handled).toEqual([`exit-${name}`]);
    }
    // The permanent child is started again in place (same cell, next incarnation), after the backoff.
    expect(h.of('worker/p', 'START').map((e) => [e.from, e.incarnation])).toEqual([
      ['created', 1],
      ['created', 2],
    ]);
    expect(restartGaps(h, 'worker/p')).toEqual([10]);
    expect(h.of('worker/t', 'START')).toHaveLength(1);
    expect(h.of('worker/x', 'START')).toHaveLength(1);
    expect(h.system.childrenOf(h.system.ref('supervisor/app')).map((c) => c.ref.address)).toEqual(['worker/p']);
    await expect(refs.p?.ask('work.ok', 42)).resolves.toBe(42);
    await expect(refs.t?.tell('work.ok')).rejects.toMatchObject({ code: 'no_recipient' });
    expect(h.escalations).toEqual([]);
  });
});

describe('restart intensity', () => {
  it('N crashes within T are restarted; the N+1th escalates to the parent supervisor', async () => {
    h = await startHarness();
    const log = newLog();
    const inner = supervisor({
      maxRestarts: 2,
      withinMs: 1_000,
      backoff: noJitter,
      children: [{ address: 'worker/w', behavior: worker(log) }],
    });
    await h.system.spawn(
      'supervisor/outer',
      supervisor({ maxRestarts: 10, withinMs: 1_000, backoff: noJitter, children: [{ address: 'supervisor/inner', behavior: inner }] }),
    );
    const w = h.system.ref('worker/w');
    for (let i = 1; i <= 2; i++) {
      await w.tell('work.flaky', i, { id: `f${i}` });
      await h.clock.advance(50);
    }
    expect(h.of('worker/w', 'START').map((e) => e.incarnation)).toEqual([1, 2, 3]);
    expect(h.of('supervisor/inner', 'FAIL')).toEqual([]);

    await w.tell('work.flaky', 3, { id: 'f3' });
    await h.clock.advance(50);
    // The inner supervisor ended its child and failed; the outer one restarted it, which
    // started a fresh worker.
    const wEvents = h.of('worker/w').map((e) => `${e.incarnation}:${e.to}`);
    expect(wEvents.slice(-5)).toEqual(['3:busy', '3:failed', '3:terminated', '1:starting', '1:ready']);
    const innerFail = h.of('supervisor/inner', 'FAIL');
    expect(innerFail).toHaveLength(1);
    expect(innerFail[0]?.error?.message).toMatch(/restart intensity exceeded \(2 restarts within 1000 ms\)/);
    expect(innerFail[0]?.error?.details).toMatchObject({ escalated: true, child: 'worker/w' });
    expect(h.of('supervisor/inner', 'START').map((e) => e.incarnation)).toEqual([1, 2]);
    expect(h.of('supervisor/outer', 'FAIL')).toEqual([]);
    expect(h.escalations).toEqual([]);
    // f3 stayed in the terminated worker's mailbox: a dead letter, not lost.
    expect((await h.system.deadLetters.list()).map((d) => [d.envelope.id, d.reason])).toEqual([['f3', 'actor_stopped']]);
    expect(log.handled).toEqual(['f1', 'f2']);
  });

  it('crashes spread wider than the window never escalate', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(h, 'supervisor/app', { maxRestarts: 2, withinMs: 100, backoff: noJitter }, { a: {} });
    for (let i = 0; i < 6; i++) {
      await refs.a?.tell('work.flaky', i);
      await h.clock.advance(i % 2 === 0 ? 20 : 120);
    }
    expect(h.of('worker/a', 'START').map((e) => e.incarnation)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.of('supervisor/app', 'FAIL')).toEqual([]);
  });

  const rootBackoffTitle =
    'a failure past a tenant supervisor reaches the root, which never dies: ' +
    'it restarts that subtree alone after a backoff, under an alarm';
  it(rootBackoffTitle, async () => {
    h = await startHarness({ rootMaxRestarts: 1 });
    const log = newLog();
    const w = await h.system.spawn('worker/solo', worker(log));
    const other = await h.system.spawn('worker/other', worker(newLog()), { tenant: 'acme' });
    const root = h.system.guardian?.address ?? '';
    const tenantSup = tenantSupervisorAddress(h.system.node);
    // worker/solo lives under the default tenant's supervisor, not under the root.
    expect(h.system.childrenOf(h.system.ref(tenantSup)).map((c) => c.ref.address)).toEqual(['worker/solo']);
    expect(
      h.system
        .childrenOf(h.system.ref(root))
        .map((c) => `${c.ref.tenant}:${c.ref.address}`)
        .sort(),
    ).toEqual([`acme:${tenantSup}`, `default:${tenantSup}`]);
    await w.tell('work.flaky', 1);
    await h.clock.advance(50);
    expect(h.system.health().ready).toBe(true);
    await w.tell('work.flaky', 2, { id: 'last' });
    await h.clock.advance(50);
    // The default tenant's supervisor escalated; the root raised an alarm and holds the subtree back.
    expect(h.of(tenantSup, 'FAIL').map((e) => e.tenant)).toEqual(['default']);
    expect(h.of(root, 'FAIL')).toEqual([]);
    expect(h.escalations).toEqual([]);
    const health = h.system.health();
    expect(health.ready).toBe(false);
    expect(health.alarms.map((a) => a.key)).toEqual([subtreeAlarmKey('default', tenantSup)]);
    expect(health.alarms[0]?.message).toMatch(/restart intensity exceeded/);
    // Meanwhile the tenant's new activations are refused, the other tenant is untouched.
    await expect(h.system.spawn('worker/late', worker(newLog()))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(other.ask('work.ok', 7)).resolves.toBe(7);
    await h.clock.advance(2_000); // past the escalation backoff (500 ms ± 20 %)
    expect(
      h
        .of(tenantSup, 'START')
        .filter((e) => e.tenant === 'default')
        .map((e) => e.incarnation),
    ).toEqual([1, 2]);
    expect(h.system.health()).toMatchObject({ ready: true, alarms: [] });
    const again = await h.system.spawn('worker/solo2', worker(newLog()));
    await expect(again.ask('work.ok', 3)).resolves.toBe(3);
    expect(h.system.stats.escalations).toBe(0);
  });
});

describe('backoff', () => {
  it('grows exponentially up to maxMs (no jitter): time from FAIL to the next START', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(
      h,
      'supervisor/app',
      { maxRestarts: 100, withinMs: 60_000, backoff: { initialMs: 10, multiplier: 2, maxMs: 100, jitter: 0 } },
      { a: {} },
    );
    for (let i = 0; i < 7; i++) await refs.a?.tell('work.flaky', i);
    await h.clock.advance(2_000);
    expect(restartGaps(h, 'worker/a')).toEqual([10, 20, 40, 80, 100, 100, 100]);
  });

  it('with jitter every delay is the seeded draw, within ±jitter of the base and never above maxMs', async () => {
    h = await startHarness();
    const o: BackoffOptions = { initialMs: 20, multiplier: 3, maxMs: 1_000, jitter: 0.5 };
    const { refs } = await spawnTree(
      h,
      'supervisor/app',
      { maxRestarts: 100, withinMs: 600_000, backoff: o, random: seeded(7) },
      { a: {} },
    );
    for (let i = 0; i < 8; i++) await refs.a?.tell('work.flaky', i);
    await h.clock.advance(20_000);
    const gaps = restartGaps(h, 'worker/a');
    const replay = seeded(7);
    expect(gaps).toEqual(gaps.map((_g, i) => backoffDelay(i + 1, o, replay)));
    expect(gaps).toHaveLength(8);
    gaps.forEach((g, i) => {
      const base = Math.min(o.maxMs, o.initialMs * o.multiplier ** i);
      expect(g).toBeGreaterThanOrEqual(Math.floor(base * (1 - o.jitter)));
      expect(g).toBeLessThanOrEqual(Math.min(o.maxMs, Math.ceil(base * (1 + o.jitter))));
    });
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  it('the restart count behind the backoff resets when old restarts leave the window', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(h, 'supervisor/app', { maxRestarts: 10, withinMs: 500, backoff: noJitter }, { a: {} });
    for (let i = 0; i < 3; i++) await refs.a?.tell('work.flaky', i);
    await h.clock.advance(1_000);
    await refs.a?.tell('work.flaky', 'later');
    await h.clock.advance(100);
    expect(restartGaps(h, 'worker/a')).toEqual([10, 20, 40, 10]);
  });
});

describe('regressions (bugs found and fixed)', () => {
  // Was a bug (fixed): a sys.child.failed report still queued when a supervisor escalates survives its
  // restart (ActorCell keeps sysQueue) and is applied to the *fresh* child with the same
  // address: here the new incarnation escalates again at once, terminating two healthy
  // children. Two simultaneous crashes => two escalations (expected one).
  it('a failure report queued before an escalation is not applied to the next incarnation', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(h, 'supervisor/app', { maxRestarts: 0, backoff: noJitter }, { a: {}, b: {} });
    await Promise.all([refs.a?.tell('work.flaky', 1), refs.b?.tell('work.flaky', 2)]);
    await h.clock.advance(500);
    const secondStart = h.of('supervisor/app', 'START')[1]?.at ?? Infinity;
    const later = h.events.filter(
      (e) => e.address.startsWith('worker/') && e.at >= secondStart && (e.to === 'terminated' || e.to === 'restarting'),
    );
    expect(later).toEqual([]);
    expect(h.of('supervisor/app', 'FAIL')).toHaveLength(1);
  });

  // Regression: a second restart decision while one is pending must not be cut short by the
  // older timer. b's own failure report arrives after one-for-all already restarts it, so (as in
  // OTP) it is stale and ignored: two restarts in the window, with 100 ms and 200 ms backoff.
  it('a restart decided while an earlier restart is pending waits its own backoff', async () => {
    h = await startHarness();
    const backoff = { initialMs: 100, multiplier: 2, maxMs: 10_000, jitter: 0 };
    const { refs } = await spawnTree(
      h,
      'supervisor/app',
      { strategy: 'one-for-all', maxRestarts: 10, withinMs: 10_000, backoff },
      { a: {}, b: {} },
    );
    await Promise.all([refs.a?.tell('work.flaky', 1), refs.b?.tell('work.flaky', 2)]); // t=0: restart #1 (100 ms); b's report is stale
    await h.clock.advance(150);
    await refs.a?.tell('work.flaky', 3); // t=150: restart #2 (200 ms)
    await h.clock.advance(1_000);
    expect(restartGaps(h, 'worker/a')).toEqual([100, 200]);
  });

  // Was a bug (fixed): a child restarted while its async init is still running (one-for-all sibling): the
  // machine has no starting --RESTART--> edge, so RESTART and the next START are dropped;
  // two inits of one cell run concurrently, STARTED is reported for an incarnation that never
  // had a START, and the older init's result is overwritten by the newer one mid-run.
  it('restarting a child during its async init records RESTART/START and never overlaps inits', async () => {
    h = await startHarness();
    const log: string[] = [];
    let running = 0;
    let overlapped = false;
    const slow: Behavior<number> = {
      async init(ctx) {
        if (++running > 1) overlapped = true;
        log.push(`begin ${ctx.incarnation}`);
        if (ctx.incarnation > 1) await new Promise<void>((r) => ctx.system.clock.setTimer(50, r));
        running--;
        return ctx.incarnation;
      },
      receive: (_m, ctx) => ctx.state,
    };
    const a = newLog();
    const children = [
      { address: 'worker/a', behavior: worker(a) },
      { address: 'worker/b', behavior: slow },
    ];
    await h.system.spawn('supervisor/app', supervisor({ strategy: 'one-for-all', backoff: { ...noJitter, multiplier: 1 }, children }));
    await h.system.ref('worker/a').tell('work.flaky', 1); // t=0: restart a and b; b's init runs t=10..60
    await h.clock.advance(20);
    await h.system.ref('worker/a').tell('work.flaky', 2); // t=20: restart both again while b is starting
    await h.clock.advance(200);
    const starts = h.of('worker/b', 'START').map((e) => e.incarnation);
    for (const e of h.of('worker/b', 'STARTED'))
      expect(starts, `incarnation ${e.incarnation} STARTED without START`).toContain(e.incarnation);
    expect(h.of('worker/b', 'RESTART')).toHaveLength(2);
    expect(overlapped).toBe(false);
  });

  // Was a bug (fixed) (semantics): a permanent child started again after ctx.exit() is re-spawned at the end
  // of the children list, so it loses its start position. Under rest-for-one its later crash no
  // longer restarts the children that were started after it (expected per OTP: a, b, c).
  it('a permanent child restarted after a normal exit keeps its place for rest-for-one', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(h, 'supervisor/app', { strategy: 'rest-for-one', backoff: noJitter }, ABC);
    await refs.a?.tell('work.exit');
    await h.clock.advance(100);
    const t = h.clock.now();
    await refs.a?.tell('work.flaky', 1);
    await h.clock.advance(100);
    expect(restartedSince(h, t)).toEqual(['worker/a', 'worker/b', 'worker/c']); // actual: ['worker/a']
    expect(h.system.childrenOf(h.system.ref('supervisor/app')).map((c) => c.ref.address)).toEqual(['worker/a', 'worker/b', 'worker/c']);
  });

  // Was a bug (fixed): restartChild() of a child that exited normally schedules a respawn timer that is not
  // cancelled when the supervisor escalates. Here it fires during the supervisor's own restart
  // backoff (t=5), spawning worker/a under the restarting supervisor, whose next init then fails
  // with "worker/a is already active": one escalation becomes two supervisor failures.
  it('a pending respawn of an exited child is cancelled when its supervisor escalates', async () => {
    h = await startHarness();
    const backoff = { initialMs: 5, maxMs: 100, multiplier: 1, jitter: 0 };
    const { refs } = await spawnTree(h, 'supervisor/app', { maxRestarts: 1, backoff }, { a: {}, b: {} });
    await refs.a?.tell('work.exit'); // t=0: restart #1, respawn of a due at t=5
    await h.clock.advance(1);
    await refs.b?.tell('work.flaky'); // t=1: intensity exceeded -> escalate; the root restarts app at t=11
    await h.clock.advance(200);
    expect(h.of('supervisor/app', 'FAIL').map((e) => e.error?.message)).toEqual([expect.stringMatching(/restart intensity exceeded/)]);
  });
});
