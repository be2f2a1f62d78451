/**
 * Errors that leave the kernel (runtime/) and the leaf actor folders (actors/tool, actors/llm,
 * actors/memory) for a caller in another folder are TroupeErrors with a stable code, so callers
 * decide by `code`, never by message text.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, isTroupeError, type ErrorCode, type TroupeError } from '../../protocols/index.js';
import { MemoryStorage, systemClock } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { asTroupeError } from '../../runtime/jetstream/errors.js';
import { CalculatorError, assertToolName, evaluateExpression, toToolResult, toolSpec } from '../../actors/tool/index.js';
import { fallbackChain } from '../../actors/llm/index.js';
import {
  EncryptionKeyError,
  HnswIndex,
  IndexFormatError,
  WorkerPoolEmbedder,
  bytesToVector,
  chunkBlocks,
  parseEncryptionKey,
} from '../../actors/memory/index.js';
import { LazyEmbedder } from '../../actors/memory/embedders/lazy.js';

/** What `fn` threw or rejected with. */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

async function expectCode(fn: () => unknown, code: ErrorCode): Promise<TroupeError> {
  const e = await caught(fn);
  expect(isTroupeError(e, code), `${String(e)} should carry ${code}`).toBe(true);
  return e as TroupeError;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('kernel errors carry codes', () => {
  it('a JetStream transport that cannot reach NATS fails to start with unavailable, the NATS error as cause', async () => {
    const transport = new JetStreamTransport({ servers: `nats://127.0.0.1:${await closedPort()}` });
    const e = await expectCode(() => transport.start({ node: 'n1', clock: systemClock, onReply: () => undefined }), 'unavailable');
    expect(e.cause).toBeInstanceOf(Error);
    expect(isTroupeError(e.cause)).toBe(false);
  });

  it('asTroupeError keeps a TroupeError and makes anything else NATS throws unavailable', () => {
    const conflict = new ConflictError('taken');
    expect(asTroupeError(conflict, 'bind')).toBe(conflict);
    const wrapped = asTroupeError(new Error('503 no responders'), 'bind worker/a');
    expect(isTroupeError(wrapped, 'unavailable')).toBe(true);
    expect(wrapped.message).toBe('bind worker/a: 503 no responders');
  });

  it('storage refuses malformed bucket names, keys and limits with bad_request', async () => {
    const storage = new MemoryStorage();
    await expectCode(() => storage.bucket('Not.A.Bucket'), 'bad_request');
    const b = storage.bucket('ok');
    await expectCode(() => b.put([''], 1), 'bad_request');
    await expectCode(() => b.get([] as string[]), 'bad_request');
    await storage.close();
  });
});

describe('leaf actor folders throw coded errors across their boundary', () => {
  it('actors/tool: bad names and schemas are bad_request, an unencodable result encode_error', async () => {
    await expectCode(() => assertToolName('no spaces allowed'), 'bad_request');
    await expectCode(() => toolSpec({ name: 'x', description: 'x', input: z.string(), run: () => '' }), 'bad_request');
    await expectCode(() => toToolResult(() => 1), 'encode_error');
    const calc = await expectCode(() => evaluateExpression('1/0'), 'bad_request');
    expect(calc).toBeInstanceOf(CalculatorError);
  });

  it('actors/llm: a fallback chain of no provider is bad_request', async () => {
    await expectCode(() => fallbackChain([]), 'bad_request');
  });

  it('actors/memory: bad options are bad_request, unreadable bytes decode_error, a closed embedder unavailable', async () => {
    await expectCode(() => HnswIndex.create(0), 'bad_request');
    await expectCode(() => chunkBlocks([], { maxChars: 10 }), 'bad_request');
    await expectCode(() => WorkerPoolEmbedder.start({ kind: 'hashing-test' }, { threads: 0 }), 'bad_request');
    expect(await expectCode(() => parseEncryptionKey('short'), 'bad_request')).toBeInstanceOf(EncryptionKeyError);
    expect(await expectCode(() => HnswIndex.deserialize(new Uint8Array(4)), 'decode_error')).toBeInstanceOf(IndexFormatError);
    await expectCode(() => bytesToVector(new Uint8Array(3)), 'decode_error');
    const lazy = new LazyEmbedder('lazy', 4, () => Promise.reject(new Error('never started')));
    await lazy.close();
    await expectCode(() => lazy.embed(['a']), 'unavailable');
  });
});
