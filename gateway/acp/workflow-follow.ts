// Following a workflow run on `/acp` (docs/workflows.md, "Clients"): its journalled events in order from a seq, woken by
// its events on the event bus (each event is journalled before it is published, so the journal has every one).
import { WORKFLOW_STATE, WorkflowJournal, type WorkflowLogEvent } from '../../actors/index.js';
import type { AcpContext } from './session.js';
import type { WorkflowView } from './workflow-view.js';

/** The run's record and its steps, as the workflow actor answers `workflow.state`. */
export async function workflowView(ctx: AcpContext, tenant: string, workflow: string, runId: string): Promise<WorkflowView> {
  const ref = await ctx.deps.ensure(`workflow/${workflow}`, tenant);
  const view = await ref.ask<WorkflowView>(WORKFLOW_STATE, { run_id: runId });
  if (view.status !== 'interrupted') return view;
  const waiting: Record<string, { question: string; value: unknown }> = {};
  for (const e of await new WorkflowJournal(ctx.deps.system.storage).events(tenant, runId))
    if (e.type === 'step.waiting') waiting[String(e['step'])] = { question: String(e['question']), value: e['value'] };
  return { ...view, waiting };
}

/** Follows a workflow run's journal from `afterSeq`, woken by its events on the event bus. */
export class WorkflowFollow {
  private readonly journal: WorkflowJournal;
  private wake: (() => void) | undefined;

  constructor(
    readonly ctx: AcpContext,
    readonly tenant: string,
    readonly workflow: string,
    readonly runId: string,
    public afterSeq: number,
  ) {
    this.journal = new WorkflowJournal(ctx.deps.system.storage);
  }

  /** Calls `each` with the run's events in order until it stops (ends or waits for a person), or `open()` turns false. */
  async run(each: (e: WorkflowLogEvent) => Promise<void> | void, open: () => boolean = () => true): Promise<WorkflowView> {
    const sub = this.ctx.deps.system.subscribe(`workflow.${this.workflow}.>`, () => this.wake?.(), { tenant: this.tenant });
    try {
      for (;;) {
        const woken = new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        for (const e of await this.journal.events(this.tenant, this.runId, this.afterSeq)) {
          this.afterSeq = e.seq;
          await each(e);
        }
        const view = await workflowView(this.ctx, this.tenant, this.workflow, this.runId);
        if (!open() || view.status !== 'running') {
          if ((view.last_seq ?? 0) <= this.afterSeq) return view;
          continue;
        }
        await woken;
      }
    } finally {
      sub.unsubscribe();
    }
  }

  /** The run's state once it ends or waits for a person. */
  untilStopped(): Promise<WorkflowView> {
    return this.run(() => undefined);
  }
}
