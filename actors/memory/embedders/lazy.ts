/**
 * An embedder that starts on its first call: a node that may never embed (a `troupe node` hosting
 * only counters, a gateway that nobody asks to search) does not load a model or start workers at
 * start-up. Only for kinds whose identity and vector length are known before loading (USE-lite).
 */
import { UnavailableError } from '../../../protocols/index.js';
import type { Embedder } from '../semantic/types.js';

/** Wraps `start` so it runs once, on the first `embed`; `close` before that starts nothing. */
export class LazyEmbedder implements Embedder {
  private started: Promise<Embedder> | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    readonly dims: number,
    private readonly start: () => Promise<Embedder>,
  ) {}

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) throw new UnavailableError(`embedder ${this.id} is closed`);
    this.started ??= this.start().catch((e: unknown) => {
      this.started = undefined; // a failed start (e.g. a worker that could not load) is tried again next time
      throw e;
    });
    return (await this.started).embed(texts, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.started;
    this.started = undefined;
    if (s !== undefined) await (await s.catch(() => undefined))?.close();
  }
}
