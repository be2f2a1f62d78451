/**
 * Embedding off the event loop: a pool of worker threads, each holding its own copy of the
 * model. A call is cut into tasks of at most `batchSize` texts (and into one task per worker at
 * least), and idle workers take tasks from the calls waiting in turn (round robin), so a big batch
 * spreads over the pool while a small call made after it waits for at most one task of each call ahead of it, not for the whole batch
 * (one tenant ingesting a large document does not hold another tenant's memory write for the
 * length of the ingestion). A worker that dies fails its task (not the pool) and is replaced.
 */
import { UnavailableError, ValidationError, isTroupeError } from '../../../protocols/index.js';
import { Worker } from 'node:worker_threads';
import type { Embedder } from '../semantic/types.js';
import type { EmbedderSpec } from './spec.js';
import { throwIfAborted } from './vectors.js';
import type { WorkerReply } from './worker.js';

interface Task {
  readonly seq: number;
  /** The `embed` call this task is part of. */
  readonly call: number;
  readonly texts: readonly string[];
  resolve(vs: Float32Array[]): void;
  reject(e: Error): void;
  readonly signal: AbortSignal | undefined;
}

interface Slot {
  readonly worker: Worker;
  task: Task | undefined;
}

/** Options of {@link WorkerPoolEmbedder.start}. */
export interface PoolOptions {
  /** Worker threads (each loads the model). */
  readonly threads: number;
  /** Texts per task. */
  readonly batchSize?: number;
}

function workerUrl(): { url: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { url: new URL('./worker.js', here), eval: false };
  // Running from source (tsx, vitest): register tsx inside the worker, then load the TS entry.
  const entry = new URL('./worker.ts', here).href;
  return { url: `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, eval: true };
}

/** An {@link Embedder} whose model runs in worker threads. */
export class WorkerPoolEmbedder implements Embedder {
  private readonly slots: Slot[] = [];
  /** Tasks waiting, by call, and the calls in the order they are served (a call with tasks left goes to the back). */
  private readonly waiting = new Map<number, Task[]>();
  private readonly turns: number[] = [];
  private seq = 0;
  private calls = 0;
  private closing = false;
  private readonly batchSize: number;

  private constructor(
    readonly id: string,
    readonly dims: number,
    private readonly spec: EmbedderSpec,
    options: PoolOptions,
  ) {
    this.batchSize = options.batchSize ?? 32;
  }

  /** Starts `threads` workers and waits until each has loaded the model; rejects (and stops them) when one fails. */
  static async start(spec: EmbedderSpec, options: PoolOptions): Promise<WorkerPoolEmbedder> {
    if (!Number.isInteger(options.threads) || options.threads < 1)
      throw new ValidationError(`threads must be an integer >= 1, got ${options.threads}`);
    const started = await Promise.allSettled(Array.from({ length: options.threads }, () => spawn(spec)));
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw unavailable(failed.reason);
    }
    const first = workers[0] as { id: string; dims: number };
    const pool = new WorkerPoolEmbedder(first.id, first.dims, spec, options);
    for (const w of workers) pool.adopt(w.worker);
    return pool;
  }

  /** Worker threads running. */
  get threads(): number {
    return this.slots.length;
  }

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closing) return Promise.reject(new UnavailableError(`embedder ${this.id} is closed`));
    try {
      throwIfAborted(signal);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (texts.length === 0) return Promise.resolve([]);
    const call = ++this.calls;
    const tasks: Task[] = [];
    const parts: Promise<Float32Array[]>[] = [];
    // A call smaller than a batch per worker is still spread over the workers: RAG ingestion embeds a document's few
    // chunks per call, which in one task left all but one worker idle.
    const size = Math.min(this.batchSize, Math.ceil(texts.length / Math.max(1, this.slots.length)));
    for (let i = 0; i < texts.length; i += size) {
      const slice = texts.slice(i, i + size);
      parts.push(
        new Promise<Float32Array[]>((resolve, reject) => tasks.push({ seq: ++this.seq, call, texts: slice, resolve, reject, signal })),
      );
    }
    this.waiting.set(call, tasks);
    this.turns.push(call);
    this.pump();
    return Promise.all(parts).then(
      (r) => r.flat(),
      (e: unknown) => {
        // One task failed: the call has failed, so its tasks still queued are dropped, not run.
        for (const t of this.drop(call)) t.resolve([]);
        throw e;
      },
    );
  }

  /** Tasks waiting for a worker (all calls). */
  get queued(): number {
    let n = 0;
    for (const ts of this.waiting.values()) n += ts.length;
    return n;
  }

  /** Removes and returns the waiting tasks of `call` (all calls when undefined). */
  private drop(call?: number): Task[] {
    const out: Task[] = [];
    for (const [c, ts] of this.waiting)
      if (call === undefined || c === call) {
        out.push(...ts);
        this.waiting.delete(c);
      }
    for (let i = this.turns.length - 1; i >= 0; i--) if (!this.waiting.has(this.turns[i] as number)) this.turns.splice(i, 1);
    return out;
  }

  /** The next task to run: the first task of the call whose turn it is (that call then goes to the back). */
  private next(): Task | undefined {
    const call = this.turns.shift();
    if (call === undefined) return undefined;
    const ts = this.waiting.get(call) as Task[];
    const task = ts.shift();
    if (ts.length === 0) this.waiting.delete(call);
    else this.turns.push(call);
    return task;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.drop()) t.reject(new UnavailableError(`embedder ${this.id} closed`));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, task: undefined };
    this.slots.push(slot);
    worker.on('message', (m: WorkerReply) => {
      const task = slot.task;
      if (task === undefined || (m.type !== 'result' && m.type !== 'error') || m.seq !== task.seq) return;
      slot.task = undefined;
      if (m.type === 'error') task.reject(new UnavailableError(`embedding failed: ${m.message}`));
      else task.resolve(Array.from({ length: task.texts.length }, (_, i) => m.data.slice(i * this.dims, (i + 1) * this.dims)));
      this.pump();
    });
    const lost = (why: string): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.task?.reject(new UnavailableError(`embedding worker ${why}`));
      slot.task = undefined;
      if (this.closing) return;
      spawn(this.spec).then(
        (w) => {
          if (this.closing) void w.worker.terminate();
          else this.adopt(w.worker);
          this.pump();
        },
        (e: unknown) => {
          for (const t of this.slots.length === 0 ? this.drop() : []) t.reject(unavailable(e));
        },
      );
    };
    worker.on('error', (e) => lost(`crashed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    worker.unref();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task !== undefined) continue;
      let task = this.next();
      while (task !== undefined && task.signal?.aborted === true) {
        task.reject(task.signal.reason instanceof Error ? task.signal.reason : new DOMException('embedding aborted', 'AbortError'));
        task = this.next();
      }
      if (task === undefined) break;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ seq: task.seq, texts: task.texts });
    }
    for (const slot of this.slots) if (slot.task === undefined) slot.worker.unref();
  }
}

/** Starts one worker and waits for its `ready`. */
function spawn(spec: EmbedderSpec): Promise<{ worker: Worker; id: string; dims: number }> {
  const where = workerUrl();
  const worker = new Worker(where.url, { eval: where.eval, workerData: { spec } });
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => {
      cleanup();
      void worker.terminate();
      reject(e);
    };
    const onMessage = (m: WorkerReply): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve({ worker, id: m.id, dims: m.dims });
      } else if (m.type === 'failed') fail(new UnavailableError(`embedder ${spec.kind} failed to load: ${m.message}`));
    };
    const onError = (e: Error): void => fail(new UnavailableError(`embedding worker crashed while loading: ${e.message}`));
    const onExit = (code: number): void => fail(new UnavailableError(`embedding worker exited with code ${code} while loading`));
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** A worker that could not start, as the `unavailable` error callers get (a TroupeError stays as it is). */
function unavailable(e: unknown): Error {
  return isTroupeError(e) ? e : new UnavailableError(e instanceof Error ? e.message : String(e), { cause: e });
}
