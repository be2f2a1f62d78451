/**
 * The model override agents read per run: a wrapper around an agent's model provider that, at a run's first model
 * call, reads whether the tenant switched the agent to a registered model (registry.ts) and then sends every call of
 * that run to that model id on the agent's own provider. A run keeps the model it started with; the next run reads
 * the switch again, so an admin's switch (or an experiment's) takes effect from the next run, on every node.
 */
import type { Storage } from '../../../runtime/index.js';
import type { ModelProvider } from '../../llm/index.js';
import { ModelRegistry } from './registry.js';

/** Runs whose model is remembered (the oldest is forgotten first; a forgotten run reads the switch again). */
const REMEMBERED_RUNS = 4096;

/**
 * Wraps agents' providers so each run uses the model its tenant switched the agent to, if any — or, first, the model
 * an experiment's arm gave the run (`assigned`: a model id, null for the agent's configured model, undefined for none).
 */
export function modelOverride(
  storage: Storage,
  assigned: (tenant: string, runId: string) => string | null | undefined = () => undefined,
): (provider: ModelProvider, agent: string) => ModelProvider {
  const registry = new ModelRegistry(storage);
  const runs = new Map<string, string | null>();
  const modelOf = async (tenant: string, agent: string, runId: string | undefined): Promise<string | null> => {
    const key = runId === undefined ? undefined : `${tenant}\u0000${runId}`;
    const known = key === undefined ? undefined : runs.get(key);
    if (known !== undefined) return known;
    const arm = runId === undefined ? undefined : assigned(tenant, runId);
    if (arm !== undefined) return arm;
    const use = await registry.use(tenant, agent);
    const model = use?.model ?? null;
    if (key !== undefined) {
      if (runs.size >= REMEMBERED_RUNS) runs.delete(runs.keys().next().value as string);
      runs.set(key, model);
    }
    return model;
  };
  return (provider, agent) => ({
    name: provider.name,
    async *stream(request) {
      const scope = request.scope;
      const model = scope === undefined ? null : await modelOf(scope.tenant, scope.agent ?? agent, scope.runId);
      yield* provider.stream(model === null ? request : { ...request, model });
    },
  });
}
