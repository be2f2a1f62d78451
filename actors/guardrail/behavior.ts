/**
 * The guardrail actor (`guardrail/check`, pooled, stateless): answers `guardrail.check` with the verdict of the
 * caller's tenant policy — every finding, every decision, the text as the policy leaves it — and records the
 * decisions in the audit log (unless the caller records them itself).
 */
import { GUARD_CHECK, guardActorRequestSchema, type GuardVerdict } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import type { GuardEngine } from './engine.js';

/** The id guardrail actors live at: `guardrail/check`. */
export const GUARDRAIL_ID = 'check';

/** The behavior of a guardrail actor over `engine`. */
export function guardrailBehavior(engine: GuardEngine): Behavior<undefined> {
  return {
    schemas: { [GUARD_CHECK]: guardActorRequestSchema },
    async receive(msg, ctx): Promise<GuardVerdict | undefined> {
      if (msg.type !== GUARD_CHECK) return undefined;
      const r = guardActorRequestSchema.parse(msg.payload);
      return engine.check(
        {
          text: r.text,
          stage: r.stage,
          tenant: ctx.self.tenant,
          ...(r.agent === undefined ? {} : { agent: r.agent }),
          ...(r.role === undefined ? {} : { role: r.role }),
          ...(r.run === undefined ? {} : { run: r.run }),
          ...(r.metadata === undefined ? {} : { metadata: r.metadata }),
        },
        { audit: r.noAudit !== true },
      );
    },
  };
}
