/**
 * Alarms: conditions an operator must know about (a subtree restarting after repeated failures,
 * a node that gave up). While any alarm is active the node reports itself not ready; every raise
 * and clear is also a `sys.alarm` event and a warning (ADR 0015).
 */

/** Topic (in the default tenant) on which alarms are announced. */
export const ALARM_TOPIC = 'sys.alarm';

/** An active condition. */
export interface Alarm {
  /** Identifies the condition; raising the same key again updates it. */
  readonly key: string;
  readonly message: string;
  /** Tenant and address of the actor the alarm is about, when it is about one. */
  readonly tenant?: string;
  readonly address?: string;
  /** Epoch ms of the first raise of this key (kept across updates). */
  readonly since: number;
  /** Times this key was raised since it was last clear. */
  readonly count: number;
}

/** What listeners hear. */
export interface AlarmEvent {
  readonly type: 'raised' | 'cleared';
  readonly alarm: Alarm;
}

/** The active alarms of one node. */
export class AlarmBoard {
  private readonly active = new Map<string, Alarm>();
  private readonly listeners = new Set<(e: AlarmEvent) => void>();
  /** Alarms raised since start (for metrics). */
  raisedTotal = 0;

  /** Raises (or updates) an alarm. */
  raise(a: { key: string; message: string; tenant?: string; address?: string }, now: number): Alarm {
    const old = this.active.get(a.key);
    const alarm: Alarm = { ...a, since: old?.since ?? now, count: (old?.count ?? 0) + 1 };
    this.active.set(a.key, alarm);
    this.raisedTotal++;
    this.emit({ type: 'raised', alarm });
    return alarm;
  }

  /** Clears an alarm; false when it was not active. */
  clear(key: string): boolean {
    const alarm = this.active.get(key);
    if (alarm === undefined) return false;
    this.active.delete(key);
    this.emit({ type: 'cleared', alarm });
    return true;
  }

  /** True while `key` is active. */
  has(key: string): boolean {
    return this.active.has(key);
  }

  /** Active alarms, oldest first. */
  list(): Alarm[] {
    return [...this.active.values()];
  }

  /** Calls `fn` on every raise and clear; returns the unsubscribe function. */
  onChange(fn: (e: AlarmEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: AlarmEvent): void {
    for (const fn of this.listeners) fn(e);
  }
}
