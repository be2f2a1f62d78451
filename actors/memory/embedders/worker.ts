/**
 * Entry of an embedding worker thread: builds the embedder of `workerData.spec`, reports
 * `ready` (or `failed`), then answers `{ seq, texts }` tasks with the vectors packed in one
 * transferred Float32Array.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Embedder } from '../semantic/types.js';
import { createLocalEmbedder, type EmbedderSpec } from './spec.js';

/** A task from the pool. */
export interface WorkerTask {
  readonly seq: number;
  readonly texts: readonly string[];
}

/** A worker's messages to the pool. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly id: string; readonly dims: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly seq: number; readonly data: Float32Array }
  | { readonly type: 'error'; readonly seq: number; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('embedders/worker.ts runs only as a worker thread');
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let embedder: Embedder;
try {
  embedder = await createLocalEmbedder((workerData as { spec: EmbedderSpec }).spec);
  post({ type: 'ready', id: embedder.id, dims: embedder.dims });
  port.on('message', (task: WorkerTask) => {
    embedder.embed(task.texts).then(
      (vs) => {
        const data = new Float32Array(vs.length * embedder.dims);
        vs.forEach((v, i) => data.set(v, i * embedder.dims));
        post({ type: 'result', seq: task.seq, data }, [data.buffer]);
      },
      (e: unknown) => post({ type: 'error', seq: task.seq, message: e instanceof Error ? e.message : String(e) }),
    );
  });
} catch (e) {
  post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
}
