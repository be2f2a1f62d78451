// How the workflow actor runs its triggers (docs/workflows.md, "Triggers"): its topic subscriptions and schedule driver
// (those of the triggers naming the activation's tenant), and a topic message turned into a run or a logged, announced
// refusal.
import { scrubbedMessage, type Envelope } from '../../protocols/index.js';
import type { ActorContext } from '../../runtime/index.js';
import type { WorkflowDefinition } from '../../config/index.js';
import { ScheduleDriver, WORKFLOW_TICK, topicRunId } from './triggers.js';
import { workflowTopic } from './types.js';

/** What starts a run: its id, the input (read only when the run is new), metadata and the starter's trace. */
export interface RunStart {
  readonly runId: string;
  readonly threadId?: string;
  input(): unknown;
  readonly metadata: Record<string, unknown>;
  readonly traceparent?: string;
}

/** Starts run `a.runId`, or answers the existing one; rejects when the input is refused. */
export type StartRun = (a: RunStart) => Promise<unknown>;

/** The tenants a workflow's schedule and topic triggers run in (its activations there run them). */
export function triggerTenants(def: WorkflowDefinition): string[] {
  return [...new Set(def.triggers.flatMap((t) => ('schedule' in t || 'topic' in t ? t.tenants : [])))];
}

/**
 * Subscribes the workflow's topic triggers for the activation's tenant (on that tenant's topic: a publish in another
 * tenant starts nothing) and starts its schedule driver (returned when a schedule runs for that tenant).
 */
export function startTriggers(def: WorkflowDefinition, ctx: ActorContext<unknown>, start: StartRun): ScheduleDriver | undefined {
  const tenant = ctx.self.tenant;
  for (const t of def.triggers) if ('topic' in t && t.tenants.includes(tenant)) ctx.subscribe(t.topic);
  const poke = () => void ctx.system.tell(ctx.self, WORKFLOW_TICK, {}).catch(() => undefined);
  const driver = new ScheduleDriver({
    def,
    storage: ctx.system.storage,
    tenant,
    epoch: ctx.epoch,
    clock: ctx.system.clock,
    start: (runId, input, metadata) => start({ runId, input: () => input, metadata }),
    poke,
    warn: (m) => ctx.system.warn(m),
  });
  if (!driver.active) return undefined;
  poke();
  return driver;
}

/** Starts the run of a topic message (id from its envelope id); a refused payload is logged and announced. */
export async function topicMessage(def: WorkflowDefinition, msg: Envelope, ctx: ActorContext<unknown>, start: StartRun): Promise<unknown> {
  const topic = msg.to.replace(/^topic\//, '');
  const runId = topicRunId(def.name, msg.id);
  try {
    return await start({
      runId,
      input: () => msg.payload,
      metadata: { trigger: 'topic', topic, envelope_id: msg.id },
      ...(msg.traceparent === undefined ? {} : { traceparent: msg.traceparent }),
    });
  } catch (e) {
    const error = scrubbedMessage(e);
    ctx.system.warn(`workflow ${def.name}: topic message ${msg.id} on ${topic} refused: ${error}`);
    await ctx.system
      .publish(
        workflowTopic(def.name, 'trigger.refused'),
        { workflow: def.name, topic, envelope_id: msg.id, run_id: runId, error },
        {
          tenant: ctx.self.tenant,
        },
      )
      .catch(() => undefined);
    return undefined;
  }
}
