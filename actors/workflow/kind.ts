// The `workflow` kind (docs/workflows.md): each workflow config names is the stateful actor `workflow/<name>`, per
// tenant. On a node hosting it, the workflows with runs that had not ended are activated once the mesh runs, so
// their runs continue without waiting for a client to come back; so are those with schedule or topic triggers.
import type { Behavior } from '../../runtime/index.js';
import { DEFAULT_TENANT, scrubbedMessage } from '../../protocols/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { workflowBehavior } from './behavior.js';
import { WorkflowJournal } from './journal.js';

/** Workflows from config `workflows`. */
export const workflowKind: KindDescriptor = {
  name: 'workflow',
  serves: 'workflow',
  stateful: true,
  build(services: KindServices): BuiltKind {
    const defs = new Map(services.config.workflows.map((w) => [w.name, w]));
    return {
      ids: () => [...defs.keys()],
      behavior: (id) => {
        const def = defs.get(id);
        if (def === undefined) throw new Error(`no workflow "${id}"`);
        return workflowBehavior({ def, resolve: (address, tenant) => services.resolve(address, tenant) }) as Behavior<unknown>;
      },
      async start() {
        // Workflows with schedule or topic triggers run them in their default-tenant activation: activated here.
        for (const def of defs.values())
          if (def.triggers.some((t) => 'schedule' in t || 'topic' in t))
            await services.resolve(`workflow/${def.name}`, DEFAULT_TENANT).catch((e: unknown) => {
              services.system.warn(`workflow ${def.name}: cannot activate its triggers: ${scrubbedMessage(e)}`);
            });
        const journal = new WorkflowJournal(services.system.storage);
        for (const { tenant, workflow } of await journal.activeWorkflows()) {
          if (!defs.has(workflow)) continue;
          await services.resolve(`workflow/${workflow}`, tenant).catch((e: unknown) => {
            services.system.warn(`workflow ${workflow} (${tenant}): cannot re-activate: ${scrubbedMessage(e)}`);
          });
        }
      },
    };
  },
};
