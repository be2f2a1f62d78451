// Schedule and topic triggers of a workflow (docs/workflows.md, "Triggers"; ADR 0031, amendment). Both are run by
// the workflow's own stateful actor in each tenant the trigger names (default: the default tenant) — one activation
// per tenant in the mesh, moved by the lease on failover — so a tick or a message starts its run once: the run id is
// derived from the tick or the envelope id, and a run id seen before answers the existing run. Catch-up rule: ticks
// missed while no activation ran are not all replayed; the latest missed tick fires once.
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { scrubbedMessage } from '../../protocols/index.js';
import type { Clock, KvBucket, Storage, TimerHandle } from '../../runtime/index.js';
import type { WorkflowDefinition } from '../../config/index.js';

/** The message the scheduler sends its own actor when a tick may be due (handled in turn with the actor's others). */
export const WORKFLOW_TICK = 'workflow.tick';

const crons = new Map<string, Cron>();
function cron(expr: string): Cron {
  let c = crons.get(expr);
  if (c === undefined) {
    c = new Cron(expr, { paused: true, timezone: 'UTC' });
    crons.set(expr, c);
  }
  return c;
}

/** The latest tick of `expr` in (`after`, `now`] (epoch ms), or undefined when none fell in it. */
export function latestTick(expr: string, after: number, now: number): number | undefined {
  const [t] = cron(expr).previousRuns(1, new Date(now + 1));
  return t !== undefined && t.getTime() > after ? t.getTime() : undefined;
}

/** The first tick of `expr` after `now` (epoch ms), or undefined when it never fires again. */
export function nextTick(expr: string, now: number): number | undefined {
  return cron(expr).nextRun(new Date(now))?.getTime();
}

const readable = (id: string) => (id.length <= 128 ? id : `wf-${createHash('sha256').update(id).digest('hex').slice(0, 40)}`);

/** The run id of trigger `index`'s tick at `tick` (epoch ms): the same on every node and after any failover. */
export function scheduleRunId(workflow: string, index: number, tick: number): string {
  return readable(`sched-${workflow}-${index}-${new Date(tick).toISOString()}`);
}

/** The run id a topic message starts: derived from its envelope id, so a redelivery answers the same run. */
export function topicRunId(workflow: string, envelopeId: string): string {
  return readable(`topic-${workflow}-${envelopeId}`);
}

/** Where a schedule stands: the last tick fired (or the first activation's time), by the activation of `epoch`. */
interface ScheduleMark {
  readonly tick: number;
  readonly epoch: number;
  readonly expr: string;
}

/** What the scheduler of one activation needs. */
export interface ScheduleDriverOptions {
  readonly def: WorkflowDefinition;
  readonly storage: Storage;
  readonly tenant: string;
  readonly epoch: number;
  readonly clock: Clock;
  /** Starts (or answers the existing) run `runId`; rejects when the input is refused. */
  start(runId: string, input: unknown, metadata: Record<string, unknown>): Promise<unknown>;
  /** Asks for `tick()` to run in the actor's turn (the timer's callback). */
  poke(): void;
  warn(message: string): void;
}

/** Fires the schedule triggers of one activation: marks in bucket `workflow-schedule` under [tenant, workflow, index]. */
export class ScheduleDriver {
  private readonly marks: KvBucket;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly schedules: { index: number; expr: string }[];

  constructor(private readonly o: ScheduleDriverOptions) {
    this.marks = o.storage.bucket('workflow-schedule');
    // Only the schedules that run for this activation's tenant (a trigger names its tenants; default the default one).
    this.schedules = o.def.triggers.flatMap((t, index) =>
      'schedule' in t && t.tenants.includes(o.tenant) ? [{ index, expr: t.schedule }] : [],
    );
  }

  /** True when the workflow has a schedule trigger. */
  get active(): boolean {
    return this.schedules.length > 0;
  }

  /**
   * Fires each schedule's latest due tick (at most one per schedule), records it, and sets the timer for the next
   * tick. A first activation (no mark, or the expression changed) records now and fires nothing from the past.
   */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const { def, tenant, epoch, clock } = this.o;
    for (const { index, expr } of this.schedules) {
      const key = [tenant, def.name, String(index)];
      const mark = await this.marks.get<ScheduleMark>(key);
      const now = clock.now();
      const due = mark === undefined || mark.expr !== expr ? undefined : latestTick(expr, mark.tick, now);
      if (due !== undefined) {
        const at = new Date(due).toISOString();
        // Started before the mark is written: a crash between them fires the same tick again, with the same run id.
        await this.o
          .start(scheduleRunId(def.name, index, due), {}, { trigger: 'schedule', schedule: expr, tick: at })
          .catch((e: unknown) => this.o.warn(`workflow ${def.name}: schedule tick ${at} refused: ${scrubbedMessage(e)}`));
      } else if (mark !== undefined && mark.expr === expr) continue;
      const value: ScheduleMark = { tick: due ?? now, epoch, expr };
      if (!(await this.marks.putFenced(key, epoch, [{ key, value }]))) {
        this.o.warn(`workflow ${def.name}: its schedule was taken over by a newer activation`);
        this.stop();
        return;
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const next = Math.min(...this.schedules.map((s) => nextTick(s.expr, now) ?? Infinity));
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (!Number.isFinite(next)) return;
    // Long waits are cut in hours so a clock that jumps (or drifts) is read again.
    this.timer = this.o.clock.setTimer(Math.min(next - now, 3_600_000), () => {
      this.timer = undefined;
      this.o.poke();
    });
  }

  /** Stops firing (the activation ends). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
