/**
 * Blobs on a cluster (ADR 0047): JetStream's object store, one bucket per storage, `<prefix>_blobs` (its stream
 * `OBJ_<prefix>_blobs`), tenants apart by object name: `<tenant token>/<sha256>`, the tenant written as a subject-safe
 * token (`idToken`: itself when plain `[A-Za-z0-9_-]`, else `=` + base64url), so no tenant's names can reach into
 * another's. The object's metadata carries the MIME type, creation time and image dimensions; size and chunk count are
 * the object store's own. The store writes the chunks before the object's metadata, so a readable object is whole; a
 * read checks the chunk count first (a lost chunk would leave the reader waiting) and the sha256 after.
 */
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { NotFoundError, TroupeError } from '../../protocols/index.js';
import { idToken } from '../jetstream/subjects.js';
import type { BlobBackend, BlobMeta } from './blobs.js';
import type { JetStreamStorage } from './jetstream.js';

/** The object name of blob `id` of `tenant`. */
export function blobObjectName(tenant: string, id: string): string {
  return `${idToken(tenant)}/${id}`;
}

/** One storage's object store bucket, opened (created) once on first use. */
export class ObjectBucket {
  private ready: Promise<ObjectStore> | undefined;
  /** `<prefix>_blobs`. */
  readonly name: string;

  constructor(private readonly owner: JetStreamStorage) {
    this.name = `${owner.prefix}_blobs`;
  }

  /** The object store (created when missing; a failed attempt is tried again next time). */
  open(): Promise<ObjectStore> {
    this.ready ??= new Objm(this.owner.js)
      .create(this.name, { replicas: this.owner.replicas, storage: StorageType.File })
      .catch((e: unknown) => {
        this.ready = undefined;
        throw e;
      });
    return this.ready;
  }

  /** Messages the stream holds for chunk subject of object `nuid`. */
  async chunksStored(nuid: string): Promise<number> {
    const subject = `$O.${this.name}.C.${nuid}`;
    const info = await this.owner.jsm.streams.info(`OBJ_${this.name}`, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }
}

function metaOf(id: string, info: ObjectInfo): BlobMeta | undefined {
  const m = info.metadata ?? {};
  if (info.deleted || typeof m['mime'] !== 'string') return undefined;
  const width = Number(m['width']);
  const height = Number(m['height']);
  return {
    sha256: id,
    mime: m['mime'],
    size: info.size,
    chunks: info.chunks,
    created: Number(m['created'] ?? 0),
    ...(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 ? { width, height } : {}),
  };
}

/** The {@link BlobBackend} of a JetStream storage. */
export class ObjectStoreBlobs implements BlobBackend {
  constructor(
    private readonly owner: JetStreamStorage,
    private readonly bucket: ObjectBucket,
    private readonly chunkBytes: number,
  ) {}

  private run<T>(what: string, op: (os: ObjectStore) => Promise<T>): Promise<T> {
    return this.owner.run(`${what} in object store ${this.bucket.name}`, async () => op(await this.bucket.open()));
  }

  stat(tenant: string, id: string): Promise<BlobMeta | undefined> {
    return this.run('stat', async (os) => {
      const info = await os.info(blobObjectName(tenant, id));
      return info === null ? undefined : metaOf(id, info);
    });
  }

  write(tenant: string, bytes: Uint8Array, base: Omit<BlobMeta, 'chunks'>): Promise<BlobMeta> {
    const metadata: Record<string, string> = { mime: base.mime, created: String(base.created) };
    if (base.width !== undefined && base.height !== undefined)
      Object.assign(metadata, { width: String(base.width), height: String(base.height) });
    return this.run('put', async (os) => {
      const name = blobObjectName(tenant, base.sha256);
      const info = await os.putBlob({ name, metadata, options: { max_chunk_size: this.chunkBytes } }, bytes);
      return { ...base, chunks: info.chunks };
    });
  }

  read(tenant: string, meta: BlobMeta): Promise<Uint8Array> {
    const id = meta.sha256;
    return this.run('get', async (os) => {
      const name = blobObjectName(tenant, id);
      const info = await os.info(name);
      if (info === null || info.deleted) throw new NotFoundError(`blob ${id} not found`);
      const stored = await this.bucket.chunksStored(info.nuid);
      if (stored !== info.chunks) throw new TroupeError('unavailable', `blob ${id}: ${stored} of ${info.chunks} chunks readable`);
      try {
        return (await os.getBlob(name)) ?? new Uint8Array(0);
      } catch (e) {
        if (/digests do not match/.test((e as Error)?.message ?? ''))
          throw new TroupeError('internal', `blob ${id}: stored bytes do not match their sha256`, { cause: e });
        throw e;
      }
    });
  }

  list(tenant: string): Promise<BlobMeta[]> {
    const prefix = `${idToken(tenant)}/`;
    return this.run('list', async (os) => {
      const out: BlobMeta[] = [];
      for (const info of await os.list()) {
        if (!info.name.startsWith(prefix)) continue;
        const meta = metaOf(info.name.slice(prefix.length), info);
        if (meta !== undefined) out.push(meta);
      }
      return out;
    });
  }

  delete(tenant: string, id: string): Promise<boolean> {
    return this.run('delete', async (os) => {
      const name = blobObjectName(tenant, id);
      const info = await os.info(name);
      if (info === null || info.deleted) return false;
      await os.delete(name);
      return true;
    });
  }
}
