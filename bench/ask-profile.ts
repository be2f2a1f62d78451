/**
 * Sequential asks over a real nats-server, Troupe or raw nats.js (the jetstream suite's pairs), for profiling one side:
 * `tsx bench/ask-profile.ts troupe|raw [asks] [rounds]` warms up (WARMUP asks, default half of `asks`), then prints
 * asks/s, CPU and GC pause µs per ask of each round. Instructions per ask, repeatable on a loaded machine:
 *
 *   CALLGRIND=1 WARMUP=6000 valgrind --tool=callgrind --separate-threads=yes --instr-atstart=no \
 *     node --perf-basic-prof --import tsx bench/ask-profile.ts troupe 4000 1
 *
 * switches instrumentation on for the measured rounds only (callgrind_control); the main thread's total (the `-01`
 * file) divided by asks × rounds is the figure. --perf-basic-prof's /tmp/perf-<pid>.map names the JIT's functions.
 */
import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { NatsServer } from '../test/nats/server.js';
import { systemClock, type Clock } from '../runtime/index.js';
import { lanes, rawPair, troupePair, type Pair } from './jetstream.bench.js';

const [side = 'troupe', asksArg = '5000', roundsArg = '3'] = process.argv.slice(2);
const asks = Number(asksArg);
const rounds = Number(roundsArg);
const callgrind = process.env['CALLGRIND'] === '1';
const collect = (on: boolean): void => void execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)]);

/**
 * Under valgrind everything runs ~50x slower: the transport's timeouts are lengthened and the runtime's clock runs 50x
 * slower, so what depends on time between asks (a cell going IDLE after 10 ms of quiet, timers) happens as often per
 * ask as it does at full speed.
 */
const SLOWDOWN = 50;
const epoch = Date.now();
const slowClock: Clock = {
  now: () => epoch + Math.floor((Date.now() - epoch) / SLOWDOWN),
  setTimer: (ms, fn) => systemClock.setTimer(ms * SLOWDOWN, fn),
  clearTimer: (h) => systemClock.clearTimer(h),
};
const SLOW = {
  transport: { leaseTtlMs: 600_000, heartbeatMs: 60_000, deadAfterMs: 600_000, requestTimeoutMs: 60_000, ackWaitMs: 600_000 },
  clock: slowClock,
};

const server = await NatsServer.start();
let pair: Pair | undefined;
try {
  pair = side === 'raw' ? await rawPair([server.url]) : await troupePair([server.url], undefined, callgrind ? SLOW : {});
  const p = pair;
  await lanes(Number(process.env['WARMUP'] ?? Math.max(200, Math.ceil(asks / 2))), 1, p.ask);
  if (callgrind) collect(true);
  for (let r = 0; r < rounds; r++) {
    const gc = { n: 0, ms: 0 };
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gc.n++;
        gc.ms += e.duration;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const heap0 = getHeapStatistics();
    const cpu0 = process.cpuUsage();
    const ns = await lanes(asks, 1, p.ask);
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setImmediate(r));
    obs.disconnect();
    const rate = asks / (ns / 1e9);
    const perAsk = (x: number): string => (x / asks).toFixed(1);
    const heapMb = ((getHeapStatistics().used_heap_size - heap0.used_heap_size) / 1e6).toFixed(1);
    console.log(
      `${side} round ${r + 1}: ${Math.round(rate)} asks/s, CPU ${perAsk(cpu.user + cpu.system)} µs/ask, ` +
        `GC ${gc.n} pauses ${perAsk(gc.ms * 1000)} µs/ask (heap ${heapMb} MB)`,
    );
  }
  if (callgrind) collect(false);
} finally {
  await pair?.close();
  await server.stop();
}
