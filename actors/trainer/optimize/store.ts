/** Read access to a tenant's optimisations (the gateway's read model): records and events in `optimizations`. */
import type { OptimizeEvent, OptimizeRecord } from '../../../protocols/index.js';
import type { KvBucket, Storage } from '../../../runtime/index.js';
import { OPTIMIZATIONS_BUCKET } from './job.js';

const shown = (v: OptimizeRecord & { epoch?: number }): OptimizeRecord => {
  const { epoch: _epoch, ...rest } = v;
  return rest;
};

/** Optimisations of a tenant, as stored by their actors. */
export class OptimizationStore {
  private readonly bucket: KvBucket;

  constructor(storage: Storage) {
    this.bucket = storage.bucket(OPTIMIZATIONS_BUCKET);
  }

  /** Every optimisation of `tenant`. */
  async list(tenant: string): Promise<OptimizeRecord[]> {
    return (await this.bucket.list<OptimizeRecord>([tenant, 'opt'])).map((e) => shown(e.value));
  }

  /** Optimisation `id`, or undefined. */
  async get(tenant: string, id: string): Promise<OptimizeRecord | undefined> {
    const v = await this.bucket.get<OptimizeRecord>([tenant, 'opt', id]);
    return v === undefined ? undefined : shown(v);
  }

  /** Events of `id` after `after`. */
  async events(tenant: string, id: string, after = 0): Promise<OptimizeEvent[]> {
    return (await this.bucket.list<OptimizeEvent>([tenant, 'event', id])).map((e) => e.value).filter((e) => e.seq > after);
  }
}
