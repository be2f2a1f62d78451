/**
 * Content part schemas and the codec under hostile values (fast-check): the schema never throws (it accepts or
 * refuses), what it accepts survives the codec unchanged, and wire content keeps strings as strings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chatMessageSchema,
  codec,
  contentPartSchema,
  fromWireContent,
  inlineSize,
  textOfParts,
  toWireContent,
  wireContentSchema,
  type ContentPart,
} from '../../protocols/index.js';
import { BlobStore, MemoryStorage, inspectMedia } from '../../runtime/index.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const mime = fc.constantFrom('image/png', 'image/jpeg', 'audio/wav', 'application/pdf', 'text/plain');
const part: fc.Arbitrary<ContentPart> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text: fc.string() }),
  fc
    .record({ type: fc.constantFrom('image' as const, 'audio' as const, 'file' as const), mime, bytes: fc.uint8Array({ maxLength: 64 }) })
    .map(({ type, mime: m, bytes }) => ({ type, mime: m, data: Buffer.from(bytes).toString('base64') })),
  fc
    .record({ type: fc.constantFrom('image' as const, 'audio' as const, 'file' as const), mime, id: hex64, size: fc.nat() })
    .map(({ type, mime: m, id, size }) => ({ type, mime: m, blob: id, size, sha256: id })),
);

describe('content parts', () => {
  it('the schema accepts or refuses anything without throwing', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withMap: true, withSet: true, withBigInt: true }), (v) => {
        expect(() => contentPartSchema.safeParse(v)).not.toThrow();
        expect(() => wireContentSchema.safeParse(v)).not.toThrow();
      }),
    );
  });

  it('hostile media parts are refused: both data and blob, neither, a blob with another sha256, bad base64', () => {
    fc.assert(
      fc.property(hex64, hex64, fc.string(), (a, b, junk) => {
        expect(contentPartSchema.safeParse({ type: 'image', mime: 'image/png', data: 'AAAA', blob: a, size: 1, sha256: a }).success).toBe(
          false,
        );
        expect(contentPartSchema.safeParse({ type: 'image', mime: 'image/png' }).success).toBe(false);
        if (a !== b)
          expect(contentPartSchema.safeParse({ type: 'image', mime: 'image/png', blob: a, size: 1, sha256: b }).success).toBe(false);
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(junk) || junk.length % 4 !== 0)
          expect(contentPartSchema.safeParse({ type: 'file', mime: 'text/plain', data: junk }).success).toBe(false);
      }),
    );
  });

  it('accepted messages round-trip through the codec; strings stay strings on the wire', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), fc.string(), (parts, s) => {
        const body = fromWireContent(parts);
        const m = chatMessageSchema.parse({ role: 'user', ...body });
        expect(codec.decodeValue(codec.encodeValue(m))).toEqual(m);
        expect(m.content).toBe(textOfParts(parts));
        expect(toWireContent(m)).toEqual(m.parts === undefined ? m.content : parts);
        expect(toWireContent(fromWireContent(s))).toBe(s);
        for (const p of parts)
          if (p.type !== 'text' && p.data !== undefined) expect(inlineSize(p.data)).toBe(Buffer.from(p.data, 'base64').length);
      }),
    );
  });

  it('random bytes declared as an image are refused with a typed 4xx error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('image/png', 'image/jpeg', 'audio/wav', 'text/plain'),
        async (bytes, m) => {
          try {
            await inspectMedia(bytes, m);
          } catch (e) {
            expect(['unsupported_media_type', 'unprocessable', 'too_large']).toContain((e as { code?: string }).code);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the blob store returns what was put, per tenant, in chunks', async () => {
    const store = new BlobStore(new MemoryStorage(), { chunkBytes: 7 });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (bytes) => {
        const ref = await store.put('t1', bytes, 'application/octet-stream');
        expect((await store.get('t1', ref.blob))?.bytes).toEqual(bytes);
        expect(await store.get('t2', ref.blob)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });
});
