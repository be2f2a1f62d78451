// Recovery of workflow runs that did not wait for traffic (docs/workflows.md, "Durable"), as agents' runs are recovered
// (ADR 0007, actors/agent/recovery.ts): on a node hosting the kind, the workflows with runs that had not ended are
// activated — through the catalog's ensure, so on a mesh each lands on its placed node — when the mesh starts and
// again whenever a node leaves or is declared dead (a node stopped without a handover deletes its leases, so no
// takeover follows). An activation restores its runs (behavior.ts). A pass that could not reach one is tried again.
import { backoffDelay, scrubbedMessage } from '../../protocols/index.js';
import type { ActorSystem, TimerHandle } from '../../runtime/index.js';
import { WorkflowJournal } from './journal.js';

/** What a recovery needs. */
export interface WorkflowRecoveryOptions {
  readonly system: ActorSystem;
  /** The workflows config names (runs of others are left alone). */
  readonly workflows: ReadonlySet<string>;
  /** Finds or activates `workflow/<name>` in a tenant (the catalog's ensure). */
  resolve(address: string, tenant: string): Promise<unknown>;
}

/**
 * Delay of the pass after a node left (the placement sweep goes first); pauses before the retries of a pass that could
 * not reach a workflow (1 s doubling to 5 s: one failed on a NATS election is retried once it is likely over, not 5 s
 * later), and most retries in a row.
 */
const AFTER_NODE_GONE_MS = 1_000;
const RETRY = { initialMs: 1_000, maxMs: 5_000 } as const;
const MAX_RETRIES = 8;

/** Activates the workflows with unfinished runs at start and after a node leaves; see the file comment. */
export class WorkflowRecovery {
  private timer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private retries = 0;
  private closed = false;

  constructor(private readonly o: WorkflowRecoveryOptions) {}

  start(): void {
    this.schedule(0);
    this.unwatch = this.o.system.transport.cluster?.membership.onChange((e) => {
      if (e.type === 'dead' || e.type === 'leave') this.schedule(AFTER_NODE_GONE_MS);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    if (this.timer !== undefined) this.o.system.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer !== undefined) return;
    // A random delay, so the nodes of a mesh do not all make their pass together.
    this.timer = this.o.system.clock.setTimer(delayMs + Math.floor(Math.random() * 250), () => {
      this.timer = undefined;
      if (this.running !== undefined) {
        this.again = true;
        return;
      }
      this.running = this.pass().finally(() => (this.running = undefined));
    });
  }

  private async pass(): Promise<void> {
    let failed = 0;
    try {
      for (const { tenant, workflow } of await new WorkflowJournal(this.o.system.storage).activeWorkflows()) {
        if (this.closed) return;
        if (!this.o.workflows.has(workflow)) continue;
        await this.o.resolve(`workflow/${workflow}`, tenant).catch((e: unknown) => {
          failed++;
          if (!this.closed) this.o.system.warn(`workflow ${workflow} (${tenant}): cannot re-activate: ${scrubbedMessage(e)}`);
        });
      }
    } catch (e) {
      failed++;
      if (!this.closed) this.o.system.warn(`workflow recovery: cannot list unfinished runs: ${scrubbedMessage(e)}`);
    }
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else if (failed > 0 && this.retries < MAX_RETRIES) {
      this.schedule(backoffDelay(++this.retries, RETRY));
    } else if (failed === 0) this.retries = 0;
  }
}
