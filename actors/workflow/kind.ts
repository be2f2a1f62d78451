// The `workflow` kind (docs/workflows.md): each workflow config names is the stateful actor `workflow/<name>`, per
// tenant. On a node hosting it, the workflows with runs that had not ended are activated once the mesh runs and after
// a node leaves (recovery.ts), so their runs continue without waiting for a client to come back; so are those with
// schedule or topic triggers, in each tenant their triggers name.
import type { Behavior, TimerHandle } from '../../runtime/index.js';
import { scrubbedMessage } from '../../protocols/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { workflowBehavior } from './behavior.js';
import { WorkflowRecovery } from './recovery.js';
import { triggerTenants } from './trigger-run.js';

/** How often a node hosting the kind activates the workflows with schedule or topic triggers again (ms). */
const TRIGGER_SWEEP_MS = 10_000;

/** Workflows from config `workflows`. */
export const workflowKind: KindDescriptor = {
  name: 'workflow',
  serves: 'workflow',
  stateful: true,
  build(services: KindServices): BuiltKind {
    const defs = new Map(services.config.workflows.map((w) => [w.name, w]));
    const triggered = [...defs.values()].flatMap((def) => triggerTenants(def).map((tenant) => ({ def, tenant })));
    let sweep: TimerHandle | undefined;
    const recovery = new WorkflowRecovery({
      system: services.system,
      workflows: new Set(defs.keys()),
      resolve: (address, tenant) => services.resolve(address, tenant),
    });
    let closed = false;
    // Workflows with schedule or topic triggers run them in their activation of each tenant the triggers name. Those
    // are activated here at start and looked for again every TRIGGER_SWEEP_MS, so a node that stopped without handing
    // one over (no lease left to take over) does not leave the triggers unrun while other nodes host the kind.
    const activateTriggered = async () => {
      for (const { def, tenant } of triggered)
        await services.resolve(`workflow/${def.name}`, tenant).catch((e: unknown) => {
          if (!closed) services.system.warn(`workflow ${def.name} (${tenant}): cannot activate its triggers: ${scrubbedMessage(e)}`);
        });
    };
    const again = () => {
      if (closed || triggered.length === 0) return;
      sweep = services.system.clock.setTimer(TRIGGER_SWEEP_MS, () => void activateTriggered().finally(again));
    };
    return {
      ids: () => [...defs.keys()],
      behavior: (id) => {
        const def = defs.get(id);
        if (def === undefined) throw new Error(`no workflow "${id}"`);
        return workflowBehavior({ def, resolve: (address, tenant) => services.resolve(address, tenant) }) as Behavior<unknown>;
      },
      async start() {
        await activateTriggered();
        again();
        recovery.start();
      },
      close() {
        closed = true;
        if (sweep !== undefined) services.system.clock.clearTimer(sweep);
        return recovery.close();
      },
    };
  },
};
