/**
 * The `profile.update` tool: an agent records what it learnt about the run's user (a preference, their style, a
 * fact). The user is the run's (metadata `user`, stamped by the gateway from the caller), read from the run's record,
 * never from the model's arguments: a model cannot edit another user's profile.
 */
import type { z } from 'zod';
import { profilePatchSchema, ValidationError } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { RunStore } from '../agent/store.js';
import type { FunctionTool } from '../tool/types.js';
import type { ProfileStore } from './profiles.js';

/** Name of the tool. */
export const PROFILE_TOOL = 'profile.update';

/** The tool over `profiles`; the run's user is read from its record in `system.storage`. */
export function profileUpdateTool(system: ActorSystem, profiles: ProfileStore): FunctionTool<z.infer<typeof profilePatchSchema>> {
  return {
    name: PROFILE_TOOL,
    description:
      'Remember something about the user you are talking to for later conversations: set or clear preferences (null clears), ' +
      'replace their communication style, add or remove facts.',
    input: profilePatchSchema,
    async run(patch, ctx) {
      const tenant = ctx.tenant;
      const runId = ctx.runId;
      if (tenant === undefined || runId === undefined) throw new ValidationError('profile.update is called by an agent run');
      const record = await new RunStore(system.storage).getRun(tenant, runId);
      const user = record?.metadata?.['user'];
      if (typeof user !== 'string' || user === '')
        throw new ValidationError('this run has no user (metadata "user"): no profile to update');
      const p = await profiles.patch(tenant, user, patch);
      return { updated: user, preferences: Object.keys(p.preferences).length, facts: p.facts.length };
    },
  };
}
