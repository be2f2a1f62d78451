/**
 * One blob-store suite for every storage backend (ADR 0043, ADR 0047): round trips of multi-megabyte blobs, content
 * addressing (two puts store one blob), tenant isolation (tenants with characters subjects and names cannot hold),
 * corrupt and truncated bytes found on read, and a property over random bytes and chunk sizes.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, seqKey, sha256Hex, type Storage } from '../../runtime/index.js';

/** A backend under test. */
export interface BlobBackendCase {
  readonly name: string;
  open(): Promise<Storage>;
  /** How many stored copies of blob `id` of `tenant` the backend holds (objects, or metadata entries). */
  copies(storage: Storage, tenant: string, id: string): Promise<number>;
  /** Damages the stored bytes of blob `id`: `truncate` loses a chunk, `flip` replaces a chunk's bytes by others. */
  corrupt(storage: Storage, tenant: string, id: string, how: 'truncate' | 'flip'): Promise<void>;
  /** Property runs (fewer on slow backends). */
  readonly runs?: number;
}

/** Chunked KV blobs (memory, lmdb): one metadata entry per stored blob; damage done to its chunk entries. */
export const kvBlobCase: Pick<BlobBackendCase, 'copies' | 'corrupt'> = {
  copies: async (s, tenant, id) => (await s.bucket('blobs').list([tenant, id, 'm'])).length,
  async corrupt(s, tenant, id, how) {
    const bucket = s.bucket('blobs');
    if (how === 'truncate') {
      await bucket.delete([tenant, id, 'c', seqKey(1)]);
      return;
    }
    const chunk = await bucket.get<Uint8Array>([tenant, id, 'c', seqKey(0)]);
    await bucket.put(
      [tenant, id, 'c', seqKey(0)],
      chunk!.map((b) => b ^ 0xff),
    );
  },
};

/** Tenants whose names a subject, KV key or object name could not carry as they are. */
const ODD_TENANTS = ['acme', 'a.b', 'a/b', 'a b*>', 'ünï😀', '=YQ'];

export function blobContract(c: BlobBackendCase): void {
  describe(`blobs on ${c.name}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await c.open();
    });
    afterAll(async () => {
      await storage.close();
    });

    it('round-trips a multi-megabyte blob in chunks, with its metadata', async () => {
      const blobs = new BlobStore(storage);
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const ref = await blobs.put('acme', bytes, 'application/pdf', { width: 3, height: 4 });
      expect(ref).toEqual({ blob: sha256Hex(bytes), sha256: sha256Hex(bytes), mime: 'application/pdf', size: bytes.length });
      const got = await blobs.get('acme', ref.blob);
      expect(got?.meta).toMatchObject({ size: bytes.length, mime: 'application/pdf', width: 3, height: 4 });
      expect(got?.meta.chunks).toBeGreaterThan(1);
      expect(Buffer.from(got!.bytes).equals(bytes)).toBe(true);
    });

    it('stores bytes once however often they are put', async () => {
      const blobs = new BlobStore(storage);
      const bytes = randomBytes(300_000);
      const id = sha256Hex(bytes);
      const [a, b] = await Promise.all([blobs.put('acme', bytes, 'image/png'), blobs.put('acme', bytes, 'image/png')]);
      await blobs.put('acme', bytes, 'image/png');
      expect(a).toEqual(b);
      expect(await c.copies(storage, 'acme', id)).toBe(1);
      expect(Buffer.from(await blobs.bytesOf('acme', a)).equals(bytes)).toBe(true);
    });

    it('keeps tenants apart, whatever characters their names hold', async () => {
      const blobs = new BlobStore(storage);
      for (const [i, tenant] of ODD_TENANTS.entries()) {
        const bytes = Buffer.from(`blob of ${tenant} ${i}`);
        const ref = await blobs.put(tenant, bytes, 'text/plain');
        expect(Buffer.from(await blobs.bytesOf(tenant, ref)).equals(bytes)).toBe(true);
        for (const other of ODD_TENANTS.filter((t) => t !== tenant)) {
          expect(await blobs.stat(other, ref.blob)).toBeUndefined();
          expect(await blobs.get(other, ref.blob)).toBeUndefined();
          expect(await blobs.delete(other, ref.blob)).toBe(false);
        }
        await expect(blobs.bytesOf('nobody', ref)).rejects.toMatchObject({ code: 'not_found' });
      }
    });

    it('deletes a blob: gone for its tenant, and a second delete finds nothing', async () => {
      const blobs = new BlobStore(storage);
      const ref = await blobs.put('acme', randomBytes(1000), 'image/png');
      expect(await blobs.delete('acme', ref.blob)).toBe(true);
      expect(await blobs.stat('acme', ref.blob)).toBeUndefined();
      expect(await blobs.delete('acme', ref.blob)).toBe(false);
      // Stored again after the delete: whole again.
      const again = await blobs.put('acme', randomBytes(10), 'image/png');
      expect(await blobs.stat('acme', again.blob)).toBeDefined();
    });

    it('prunes a tenant’s blobs stored before a time, except those kept; other tenants’ stay', async () => {
      let now = 1_000;
      const blobs = new BlobStore(storage, { now: () => now });
      const tenant = `prune ${c.name}`;
      const old = await blobs.put(tenant, randomBytes(70_000), 'image/png');
      const kept = await blobs.put(tenant, randomBytes(10), 'image/png');
      const theirs = await blobs.put(`${tenant}.other`, randomBytes(10), 'image/png');
      now = 5_000;
      const fresh = await blobs.put(tenant, randomBytes(10), 'image/png');
      expect(await blobs.prune(tenant, 2_000, new Set([kept.blob]))).toEqual([old.blob]);
      expect(await blobs.stat(tenant, old.blob)).toBeUndefined();
      for (const [t, r] of [
        [tenant, kept],
        [tenant, fresh],
        [`${tenant}.other`, theirs],
      ] as const)
        expect(await blobs.stat(t, r.blob)).toBeDefined();
      expect(await blobs.prune(tenant, 2_000, new Set([kept.blob]))).toEqual([]);
    });

    it('finds truncated and corrupted bytes on read (a typed error, never wrong bytes)', async () => {
      const blobs = new BlobStore(storage, { chunkBytes: 64 * 1024 });
      for (const how of ['truncate', 'flip'] as const) {
        const bytes = randomBytes(200_000);
        const ref = await blobs.put('acme', bytes, 'image/png');
        await c.corrupt(storage, 'acme', ref.blob, how);
        const err = await blobs.get('acme', ref.blob).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, how).toMatchObject({ code: how === 'truncate' ? 'unavailable' : 'internal' });
      }
    });

    it('round-trips random bytes across chunk boundaries (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 5000 }),
          fc.integer({ min: 64, max: 1200 }),
          fc.constantFrom(...ODD_TENANTS),
          async (bytes, chunkBytes, tenant) => {
            const blobs = new BlobStore(storage, { chunkBytes });
            const ref = await blobs.put(tenant, bytes, 'application/octet-stream');
            const got = await blobs.get(tenant, ref.blob);
            expect(got?.meta.size).toBe(bytes.length);
            expect(Buffer.from(got!.bytes).equals(Buffer.from(bytes))).toBe(true);
            if (bytes.length > 0) expect(got?.meta.chunks).toBe(Math.ceil(bytes.length / chunkBytes));
            // Gone again, so bytes generated twice are stored anew with the next run's chunk size.
            expect(await blobs.delete(tenant, ref.blob)).toBe(true);
          },
        ),
        { numRuns: c.runs ?? 60 },
      );
    });
  });
}
