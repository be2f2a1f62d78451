/**
 * The worker pool on the (fast) hashing test embedder: same vectors as on the main thread, a
 * call cut into tasks spread over the workers, a worker that dies fails only its task and is
 * replaced, aborted and closed calls reject, and a spec that cannot load fails the start.
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { HashingTestEmbedder, WorkerPoolEmbedder } from '../../actors/memory/embedders/index.js';
import { ValidationError } from '../../protocols/index.js';

const pools: WorkerPoolEmbedder[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function start(threads: number, batchSize: number): Promise<WorkerPoolEmbedder> {
  const p = await WorkerPoolEmbedder.start({ kind: 'hashing-test', dims: 32 }, { threads, batchSize });
  pools.push(p);
  return p;
}

describe('WorkerPoolEmbedder', () => {
  it('gives the main-thread vectors, in order, for a call cut into many tasks', async () => {
    const pool = await start(2, 3);
    expect([pool.id, pool.dims, pool.threads]).toEqual(['hashing-test/32', 32, 2]);
    const texts = Array.from({ length: 20 }, (_, i) => `text number ${i} about ${i % 3 === 0 ? 'cats' : 'dogs'}`);
    const [got, want] = [await pool.embed(texts), await new HashingTestEmbedder(32).embed(texts)];
    expect(got).toEqual(want);
    expect(await pool.embed([])).toEqual([]);
  });

  it('spreads a call smaller than a batch per worker over the workers', async () => {
    const pool = await start(2, 16);
    const slots = (pool as unknown as { slots: { task: unknown }[] }).slots;
    const texts = ['one chunk', 'two chunks', 'three chunks'];
    const call = pool.embed(texts);
    expect(slots.filter((s) => s.task !== undefined)).toHaveLength(2);
    expect(await call).toEqual(await new HashingTestEmbedder(32).embed(texts));
  });

  it('serves calls in turn: a small call made after a large one waits for one task of it, not for all of it', async () => {
    const pool = await start(1, 1);
    let largeDone = false;
    const large = pool.embed(Array.from({ length: 200 }, (_, i) => `bulk text ${i}`)).then((v) => {
      largeDone = true;
      return v;
    });
    const small = await pool.embed(['one small write']);
    // Served after at most two tasks of the large call (the one running and the one whose turn came first).
    expect(largeDone).toBe(false);
    expect(pool.queued).toBeGreaterThanOrEqual(197);
    expect(small[0]).toEqual((await new HashingTestEmbedder(32).embed(['one small write']))[0]);
    const all = await large;
    expect(all).toEqual(await new HashingTestEmbedder(32).embed(Array.from({ length: 200 }, (_, i) => `bulk text ${i}`)));
  });

  it('fails the task of a worker that dies, replaces the worker and keeps serving', async () => {
    const pool = await start(1, 1000);
    const slot = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0];
    const inFlight = pool.embed(Array.from({ length: 50_000 }, (_, i) => `long text ${i}`));
    await slot?.worker.terminate();
    await expect(inFlight).rejects.toThrow(/embedding worker exited/);
    expect(pool.queued).toBe(0); // the failed call's other tasks are dropped
    await expect.poll(() => pool.threads, { timeout: 15_000 }).toBe(1);
    expect((await pool.embed(['still here']))[0]).toEqual((await new HashingTestEmbedder(32).embed(['still here']))[0]);
  }, 30_000);

  it('rejects aborted and closed calls', async () => {
    const pool = await start(1, 1);
    const ac = new AbortController();
    ac.abort();
    await expect(pool.embed(['x'], ac.signal)).rejects.toThrow();
    // A call aborted while queued is dropped before a worker takes it.
    const ac2 = new AbortController();
    const first = pool.embed(Array.from({ length: 20 }, (_, i) => `t${i}`));
    const second = pool.embed(['queued'], ac2.signal);
    ac2.abort();
    await expect(second).rejects.toThrow();
    expect(await first).toHaveLength(20);
    await pool.close();
    await expect(pool.embed(['x'])).rejects.toThrow(/closed/);
  });

  it("does not keep the process alive once idle (workers are unref'd between tasks)", async () => {
    const entry = new URL('../../actors/memory/embedders/pool.ts', import.meta.url).href;
    const script = `const { WorkerPoolEmbedder } = await import(${JSON.stringify(entry)});
      const p = await WorkerPoolEmbedder.start({ kind: 'hashing-test', dims: 8 }, { threads: 2, batchSize: 2 });
      console.log((await p.embed(['a', 'b', 'c', 'd', 'e'])).length);`;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 20_000 },
        (_e, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(out).toEqual({ code: 0, stdout: '5\n' });
  }, 30_000);

  it('refuses a bad thread count and fails the start when the model cannot load', async () => {
    await expect(WorkerPoolEmbedder.start({ kind: 'hashing-test' }, { threads: 0 })).rejects.toThrow(ValidationError);
    await expect(WorkerPoolEmbedder.start({ kind: 'onnx', modelDir: '/nonexistent/model' }, { threads: 1 })).rejects.toThrow(
      /failed to load: no tokenizer in \/nonexistent\/model/,
    );
  }, 30_000);
});
