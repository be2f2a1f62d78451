/**
 * The guardrail audit log: every decision, appended to the node's storage (bucket `guard-audit`; JetStream KV — a
 * JetStream stream — on a cluster, so every node appends to and reads the same log), readable per tenant with filters
 * and paging. Append-only by construction: records get fresh time-ordered keys and this class has no update or delete.
 * Records never hold the checked text: a hash of the span and an excerpt with findings replaced by their type.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError, type GuardAuditPage, type GuardAuditQuery, type GuardAuditRecord } from '../../protocols/index.js';
import { seqKey, type KvBucket, type Storage } from '../../runtime/index.js';

/** Where decisions go. */
export interface AuditSink {
  append(records: readonly GuardAuditRecord[]): Promise<void>;
}

/** The storage bucket of the audit log. */
export const AUDIT_BUCKET = 'guard-audit';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Record ids sort by time, then by a per-process counter; a random part keeps ids from two nodes apart. */
let counter = 0;
const origin = randomBytes(4).toString('hex');

/** A new record id for time `ms` (sortable). */
export function auditId(ms: number): string {
  counter = (counter + 1) % 1e8;
  return `${seqKey(ms)}.${String(counter).padStart(8, '0')}.${origin}`;
}

function encodeCursor(day: string, id: string): string {
  return Buffer.from(`${day}/${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { day: string; id: string } {
  const [day, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('/');
  if (day === undefined || id === undefined || !DAY.test(day) || id === '')
    throw new ValidationError('cursor is not one this log gave out');
  return { day, id };
}

/** The append-only audit log over a storage bucket. */
export class AuditLog implements AuditSink {
  private readonly bucket: KvBucket;
  /** Days this process already indexed (per tenant). */
  private readonly indexed = new Set<string>();

  constructor(storage: Storage) {
    this.bucket = storage.bucket(AUDIT_BUCKET);
  }

  /** Appends records (each keyed under its tenant, its day and its id). */
  async append(records: readonly GuardAuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const entries = records.flatMap((r) => {
      const day = r.time.slice(0, 10);
      const mark = `${r.tenant}\u0000${day}`;
      const index = this.indexed.has(mark) ? [] : [{ key: [r.tenant, 'days', day], value: true }];
      this.indexed.add(mark);
      return [...index, { key: [r.tenant, 'd', day, r.id], value: r }];
    });
    await this.bucket.putMany(entries);
  }

  /** One page of `tenant`'s records matching `q`, oldest first. */
  async query(tenant: string, q: GuardAuditQuery): Promise<GuardAuditPage> {
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const since = q.since === undefined ? undefined : new Date(q.since).toISOString();
    const until = q.until === undefined ? undefined : new Date(q.until).toISOString();
    const days = (await this.bucket.list<boolean>([tenant, 'days']))
      .map((e) => e.key[2] as string)
      .filter((d) => (since === undefined || d >= since.slice(0, 10)) && (until === undefined || d <= until.slice(0, 10)))
      .filter((d) => after === undefined || d >= after.day)
      .sort();
    const out: GuardAuditRecord[] = [];
    for (const day of days) {
      for (const { value: r } of await this.bucket.list<GuardAuditRecord>([tenant, 'd', day])) {
        if (after !== undefined && (day < after.day || (day === after.day && r.id <= after.id))) continue;
        if (since !== undefined && r.time < since) continue;
        if (until !== undefined && r.time > until) continue;
        if (q.stage !== undefined && r.stage !== q.stage) continue;
        if (q.detector !== undefined && r.detector !== q.detector) continue;
        if (q.action !== undefined && r.action !== q.action) continue;
        if (q.agent !== undefined && r.agent !== q.agent) continue;
        if (q.run !== undefined && r.run !== q.run) continue;
        if (out.length === q.limit) {
          const last = out[out.length - 1] as GuardAuditRecord;
          return { records: out, next_cursor: encodeCursor(last.time.slice(0, 10), last.id) };
        }
        out.push(r);
      }
    }
    return { records: out };
  }
}
