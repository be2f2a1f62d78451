/**
 * Experiments whose arms name registered model versions (docs/trainers.md, ADR 0033): the arms' models checked
 * against the registry at creation, and the agent's switch written through `trainer/models` on promotion and rollback.
 */
import { NotFoundError, ValidationError, type ExperimentArm, type ExperimentCreate } from '../../../protocols/index.js';
import { MODELS_ADDRESS, MODELS_USE, type ModelRegistry, type UseModel } from '../finetune/index.js';
import type { ExperimentDeps } from './actor.js';

/** Arms that name models switch the agent's model when promoted or rolled back (one writer: `trainer/models`). */
export async function switchModel(
  deps: Pick<ExperimentDeps, 'resolve'>,
  tenant: string,
  agent: string,
  to: { name: string; version: number } | null,
): Promise<void> {
  const registry = await deps.resolve(MODELS_ADDRESS, tenant);
  const use: UseModel = to === null ? { agent, name: null } : { agent, name: to.name, version: to.version };
  await registry.ask(MODELS_USE, use, { timeoutMs: 15_000 });
}

/** The arms' models of a create: one per version, each registered (404 naming the first that is not). */
export async function armModels(
  registry: ModelRegistry,
  tenant: string,
  p: ExperimentCreate,
): Promise<(NonNullable<ExperimentArm['model']> | null)[] | undefined> {
  if (p.models === undefined) return undefined;
  if (p.models.length !== p.versions.length)
    throw new ValidationError(`models: one per version (${p.versions.length}), null for the agent's configured model`);
  const out: (NonNullable<ExperimentArm['model']> | null)[] = [];
  for (const ref of p.models) {
    if (ref === null) {
      out.push(null);
      continue;
    }
    const [name, at] = ref.split('@') as [string, string | undefined];
    const v = await registry.version(tenant, name, at === undefined ? undefined : Number(at));
    if (v === undefined) throw new NotFoundError(`no model ${ref} in the registry`);
    out.push({ name: v.name, version: v.version, model: v.model });
  }
  return out;
}
