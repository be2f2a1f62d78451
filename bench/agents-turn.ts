/**
 * The agents bench's troupe case (memory storage) in a process of its own, for comparing two trees: warm-up runs, then
 * timed runs in blocks, printing CPU time per run (process.cpuUsage: the whole process, GC threads included), bytes
 * allocated per run (v8.GCProfiler: what each collection freed, plus the heap's growth) and, with `--expose-gc`, bytes
 * retained per run (what memory storage keeps of each run). Run alternately on the trees compared, e.g.
 * `npx tsx --expose-gc bench/agents-turn.ts 3000 3000` (the troupe case is still warming up its JIT well after the
 * bench's 500 warm-up runs: ask for a few thousand).
 */
import v8 from 'node:v8';
import { openCase } from './agents-cases.js';
import { ScriptedProvider, TURNS_PER_RUN } from './peers/scripted.js';

const BLOCK = 250;
const warmup = Number(process.argv[2] ?? 3000);
const timed = Math.max(BLOCK, Math.round(Number(process.argv[3] ?? 3000) / BLOCK) * BLOCK);
const gc = (globalThis as { gc?: () => void }).gc;

const c = await openCase('troupe', new ScriptedProvider());
for (let i = 0; i < warmup; i++) await c.op();
gc?.();
const kept = v8.getHeapStatistics().used_heap_size;
const profiler = new v8.GCProfiler();
profiler.start();
const used = v8.getHeapStatistics().used_heap_size;
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const blocks: number[] = [];
for (let b = 0; b < timed / BLOCK; b++) {
  const at = process.cpuUsage();
  for (let i = 0; i < BLOCK; i++) await c.op();
  const d = process.cpuUsage(at);
  blocks.push((d.user + d.system) / BLOCK);
}
const wall = Number(process.hrtime.bigint() - started) / 1000 / timed;
const spent = process.cpuUsage(cpu);
const grown = v8.getHeapStatistics().used_heap_size - used;
let freed = 0;
let gcUs = 0;
for (const s of profiler.stop().statistics) {
  freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  gcUs += s.cost;
}
gc?.();
const retained = gc === undefined ? undefined : (v8.getHeapStatistics().used_heap_size - kept) / 1024 / timed;
blocks.sort((x, y) => x - y);
const round = (n: number): number => Math.round(n * 10) / 10;
console.log(
  JSON.stringify({
    cpu_us_run: round((spent.user + spent.system) / timed),
    cpu_us_turn: round((spent.user + spent.system) / timed / TURNS_PER_RUN),
    cpu_us_run_block_min: round(blocks[0] as number),
    cpu_us_run_block_q1: round(blocks[Math.floor(blocks.length / 4)] as number),
    wall_us_run: round(wall),
    gc_pause_us_run: round(gcUs / timed),
    kb_allocated_run: round((grown + freed) / 1024 / timed),
    ...(retained === undefined ? {} : { kb_retained_run: Math.round(retained * 100) / 100 }),
  }),
);
await c.close();
