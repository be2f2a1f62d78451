/**
 * Where experiments live: the storage bucket `experiments`, keyed by tenant first. `[tenant, 'exp', id]` the record
 * (written only by the experiment's actor, fenced by its lease epoch), `[tenant, 'reward', id, feedback_id]` each
 * reward (the truth the posteriors are rebuilt from), `[tenant, 'event', id, seq]` the event log.
 */
import type { ExperimentEvent, ExperimentRecord } from '../../../protocols/index.js';
import { seqKey, type KvBucket, type Storage, type StorageKey } from '../../../runtime/index.js';

/** The bucket experiments are stored in. */
export const EXPERIMENTS_BUCKET = 'experiments';

/** Key of experiment `id`'s record. */
export const recordKey = (tenant: string, id: string): StorageKey => [tenant, 'exp', id];
/** Key of a reward. */
export const rewardKey = (tenant: string, id: string, feedbackId: string): StorageKey => [tenant, 'reward', id, feedbackId];
/** Key of event `seq`. */
export const eventKey = (tenant: string, id: string, seq: number): StorageKey => [tenant, 'event', id, seqKey(seq)];

/** A stored record and the lease epoch of the activation that wrote it. */
export type StoredExperiment = ExperimentRecord & { readonly epoch?: number };

/** Read access to a tenant's experiments (the gateway's and the nodes' read model). */
export class ExperimentStore {
  readonly bucket: KvBucket;

  constructor(storage: Storage) {
    this.bucket = storage.bucket(EXPERIMENTS_BUCKET);
  }

  /** Every experiment of `tenant`, by id. */
  async list(tenant: string): Promise<ExperimentRecord[]> {
    return (await this.bucket.list<StoredExperiment>([tenant, 'exp'])).map((e) => shown(e.value));
  }

  /** Experiment `id`, or undefined. */
  async get(tenant: string, id: string): Promise<ExperimentRecord | undefined> {
    const v = await this.bucket.get<StoredExperiment>(recordKey(tenant, id));
    return v === undefined ? undefined : shown(v);
  }

  /** Events of experiment `id` after `after` (at most `limit`). */
  async events(tenant: string, id: string, after = 0, limit = 1000): Promise<ExperimentEvent[]> {
    const all = await this.bucket.list<ExperimentEvent>([tenant, 'event', id]);
    return all
      .map((e) => e.value)
      .filter((e) => e.seq > after)
      .slice(0, limit);
  }
}

/** A record without its storage-only fields. */
export function shown(v: StoredExperiment): ExperimentRecord {
  const { epoch: _epoch, ...rest } = v;
  return rest;
}
