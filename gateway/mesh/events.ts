/**
 * The mesh view's event log (docs/gateway-operations.md, “Mesh view”): the changes a console shows as they happen —
 * nodes joining, serving, draining, leaving, dying; actors activated, passivated, restarted, terminated; dead letters —
 * each with an id `<epoch>-<seq>` so a client that reconnects with `Last-Event-ID` gets what it missed. The last
 * {@link MeshEventLog.capacity} events are kept; an id of another epoch (this gateway restarted) or one evicted already
 * cannot be resumed from, and the client is told to read the snapshot again.
 */
import { randomBytes } from 'node:crypto';

/** What changed. */
export const MESH_EVENT_TYPES = [
  'node.joined',
  'node.serving',
  'node.draining',
  'node.updated',
  'node.left',
  'node.dead',
  'actor.activated',
  'actor.passivated',
  'actor.restarted',
  'actor.terminated',
  'deadletter',
] as const;
/** One kind of change. */
export type MeshEventType = (typeof MESH_EVENT_TYPES)[number];

/** One change as the stream carries it. */
export interface MeshEvent {
  readonly id: string;
  readonly type: MeshEventType;
  /** When it happened (epoch ms, the reporting node's clock). */
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The events kept for resuming, and who listens for new ones. */
export class MeshEventLog {
  private readonly epoch = randomBytes(4).toString('hex');
  private readonly kept: MeshEvent[] = [];
  private seq = 0;
  private readonly listeners = new Set<(e: MeshEvent) => void>();

  constructor(readonly capacity = 1_000) {}

  /** The id of the newest event (undefined before the first). */
  get lastId(): string | undefined {
    return this.seq === 0 ? undefined : `${this.epoch}-${this.seq}`;
  }

  /** Records a change and hands it to every listener at once. */
  push(type: MeshEventType, at: number, data: Record<string, unknown>): MeshEvent {
    const e: MeshEvent = { id: `${this.epoch}-${++this.seq}`, type, at, data };
    this.kept.push(e);
    if (this.kept.length > this.capacity) this.kept.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Calls `fn` with every event from now on; returns the unsubscribe function. */
  listen(fn: (e: MeshEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The events after `lastId`, or undefined when they cannot be told (another epoch, evicted, malformed). */
  since(lastId: string): MeshEvent[] | undefined {
    const m = /^([0-9a-f]{8})-([0-9]{1,15})$/.exec(lastId);
    if (m === null || m[1] !== this.epoch) return undefined;
    const after = Number(m[2]);
    if (after > this.seq) return undefined;
    const first = this.kept[0];
    if (after === this.seq) return [];
    if (first === undefined || Number(first.id.split('-')[1]) > after + 1) return undefined;
    return this.kept.filter((e) => Number(e.id.split('-')[1]) > after);
  }
}
