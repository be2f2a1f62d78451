/**
 * OpenAI embeddings (or any server speaking `/v1/embeddings`) through the official `openai`
 * SDK. Network-bound, so it runs on the calling thread; batches of `batchSize` inputs per request.
 */
import { UnavailableError, ValidationError } from '../../../protocols/index.js';
import OpenAI from 'openai';
import { registerSecret } from '../../../protocols/index.js';
import type { Embedder } from '../semantic/types.js';
import { inBatches, normalize, throwIfAborted } from './vectors.js';

/** Settings of the OpenAI embedder. */
export interface OpenAIEmbedderOptions {
  readonly model: string;
  /** Vector length: asked of the server (`dimensions`) for the text-embedding-3 models, checked on every reply. */
  readonly dims: number;
  /** Send `dimensions` in requests (only text-embedding-3 models accept it). Default: true unless the model is ada-002. */
  readonly sendDimensions?: boolean;
  readonly apiKey?: string;
  readonly baseURL?: string;
  readonly batchSize?: number;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
}

/** Embeddings from the OpenAI API. */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'];
    if (apiKey === undefined || apiKey === '')
      throw new ValidationError('OpenAI embedder: no API key (set memory.embedder.apiKey or OPENAI_API_KEY)');
    registerSecret(apiKey); // an error echoing it is scrubbed (protocols/secrets.ts)
    this.id = `openai/${options.model}`;
    this.dims = options.dims;
    this.client = new OpenAI({
      apiKey,
      ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    throwIfAborted(signal);
    const sendDims = this.options.sendDimensions ?? !this.options.model.includes('ada-002');
    return await inBatches(
      texts,
      this.options.batchSize ?? 256,
      async (batch) => {
        const res = await this.client.embeddings.create(
          {
            model: this.options.model,
            input: batch.map((t) => (t === '' ? ' ' : t)),
            encoding_format: 'float',
            ...(sendDims ? { dimensions: this.dims } : {}),
          },
          signal === undefined ? {} : { signal },
        );
        if (res.data.length !== batch.length)
          throw new UnavailableError(`OpenAI embeddings: ${res.data.length} vectors for ${batch.length} inputs`);
        return [...res.data]
          .sort((a, b) => a.index - b.index)
          .map((d) => {
            if (d.embedding.length !== this.dims)
              throw new UnavailableError(`OpenAI embeddings: got ${d.embedding.length} dims, configured ${this.dims}`);
            return normalize(Float32Array.from(d.embedding));
          });
      },
      signal,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
