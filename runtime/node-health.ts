/** A node's health: its alarms, whether it gave up (fatal), and the readiness report made of them. */
import type { LifecycleState } from '../protocols/index.js';
import { AlarmBoard, type Alarm, type AlarmEvent } from './alarms.js';
import type { Clock } from './clock.js';

/** What `health()` answers: ready, or why not. */
export interface HealthReport {
  ready: boolean;
  reason?: string;
  alarms: Alarm[];
}

/** The alarms and the fatal flag of one node. */
export class NodeHealth {
  /** Conditions operators must know about; while any is active the node is not ready. */
  readonly alarms = new AlarmBoard();
  private fatalReason: string | undefined;

  /** Every alarm raised or cleared becomes a warning and is handed to `announce` (the `sys.alarm` event). */
  constructor(
    private readonly clock: Clock,
    private readonly onFatal: (reason: string) => void,
    warn: (message: string) => void,
    announce: (event: AlarmEvent) => void,
  ) {
    this.alarms.onChange((e) => {
      const a = e.alarm;
      warn(e.type === 'raised' ? `ALARM ${a.key}: ${a.message}` : `alarm cleared: ${a.key}`);
      announce(e);
    });
  }

  /** Raises (or updates) an alarm (see {@link AlarmBoard}). */
  raise(alarm: { key: string; message: string; tenant?: string; address?: string }): Alarm {
    return this.alarms.raise(alarm, this.clock.now());
  }

  /** Marks the node unable to recover: an alarm, not ready, and `onFatal` once. */
  fatal(reason: string): void {
    if (this.fatalReason !== undefined) return;
    this.fatalReason = reason;
    this.raise({ key: 'node:fatal', message: reason });
    this.onFatal(reason);
  }

  /**
   * Ready while the node runs, its root supervisor is up, no alarm is active and it has not given up.
   * `root`: the root supervisor's lifecycle state, `gone` when it no longer lives here, undefined when there is none.
   */
  report(stopped: boolean, root: LifecycleState | 'gone' | undefined): HealthReport {
    const alarms = this.alarms.list();
    if (stopped) return { ready: false, reason: 'stopped', alarms };
    if (this.fatalReason !== undefined) return { ready: false, reason: `cannot recover: ${this.fatalReason}`, alarms };
    if (root !== undefined && root !== 'ready' && root !== 'busy') return { ready: false, reason: `root supervisor is ${root}`, alarms };
    if (alarms.length > 0) return { ready: false, reason: alarms.map((a) => a.key).join(', '), alarms };
    return { ready: true, alarms };
  }
}
