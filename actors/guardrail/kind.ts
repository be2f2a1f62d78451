/**
 * The `guardrail` kind: pooled, stateless guardrail actors (`guardrail/check`) on every node hosting the kind, which
 * the gateway (`POST /guardrails/check`, the `guardrails.check` MCP tool) and agents (input and tool-result checks)
 * ask; and, contributed to every local agent, the run guard (run-guard.ts) that checks the output stream and tool
 * calls in process with the same policy. The engine — detectors from builtin.ts and config's custom ones, the
 * compiled policy, the audit log — is made once per catalog, when kinds contribute, so a bad detector module or
 * rule fails startup.
 */
import type { GuardrailsConfig } from '../../config/index.js';
import { GUARD_CHECK, type GuardVerdict } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { AGENT_HOOKS } from '../agent/index.js';
import { STORE_PII } from '../memory/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { AuditLog } from './audit.js';
import { GUARDRAIL_ID, guardrailBehavior } from './behavior.js';
import { BUILTIN_DETECTORS } from './builtin.js';
import { customDetectors } from './custom.js';
import { GuardEngine } from './engine.js';
import { GuardPolicy } from './policy.js';
import { makeRegistered, type DetectorRegistry } from './registry.js';
import { runGuard } from './run-guard.js';
import type { Detector } from './detector.js';

/** The engine of each catalog (made when kinds contribute, closed with the kind). */
const engines = new WeakMap<KindServices, GuardEngine>();

/** Makes the guard engine config's `guardrails` section describes over `registry` (default the built-ins). */
export function makeGuardEngine(services: KindServices, registry: DetectorRegistry = BUILTIN_DETECTORS): Promise<GuardEngine> {
  return guardEngineFor(services, services.config.guardrails, { registry });
}

/**
 * Makes the guard engine a guardrails section `g` describes (config's, or a blueprint's policy) over `registry`
 * (default the built-ins), on the node's storage, meter, log and clock; `warn` names where a warning comes from.
 */
export async function guardEngineFor(
  services: KindServices,
  g: GuardrailsConfig,
  o: { readonly registry?: DetectorRegistry; readonly warn?: (message: string) => string } = {},
): Promise<GuardEngine> {
  const detectors = g.enabled
    ? [...(await makeRegistered(o.registry ?? BUILTIN_DETECTORS, g.detectors)), ...(await customDetectors(g.custom))]
    : [];
  const { system } = services;
  const warn = o.warn ?? ((m: string) => m);
  return new GuardEngine(detectors, new GuardPolicy(g), {
    ...(g.audit.enabled ? { audit: new AuditLog(system.storage) } : {}),
    meter: system.meter,
    log: system.log,
    excerptChars: g.audit.excerptChars,
    now: () => system.clock.now(),
    warn: (m) => system.warn(warn(m)),
  });
}

/** True when the (synchronous) detector finds something in `text`; an asynchronous one counts as finding (seal rather than leak). */
function scanSync(d: Detector, text: string): boolean {
  try {
    const r = d.detect(text, { stage: 'tool' });
    return Array.isArray(r) ? r.length > 0 : true;
  } catch {
    return true;
  }
}

/** The guardrail kind (detectors from `registry`, default builtin.ts). */
export function guardrailKindWith(registry: DetectorRegistry = BUILTIN_DETECTORS): KindDescriptor {
  return {
    name: 'guardrail',
    serves: 'guardrail',
    stateful: false,
    // Agents ask the guardrail actors for their input and tool-result checks: a node hosting agents hosts them too.
    hostedWith: ['agent'],
    async contribute(services: KindServices) {
      const engine = await makeGuardEngine(services, registry);
      engines.set(services, engine);
      const g = services.config.guardrails;
      // Personal data in long-term store values is sealed at rest (when the store has an encryption key).
      const pii = engine.detectors.find((d) => d.name === 'pii');
      if (pii !== undefined) services.contributions.add(STORE_PII, (text) => scanSync(pii, text));
      // Nothing to check with: agents run unguarded, at no cost (the HTTP check still answers).
      if (engine.detectors.length === 0) return;
      services.contributions.add(AGENT_HOOKS, {
        guard: (info) =>
          runGuard(
            {
              engine,
              stream: g.stream,
              warn: (m) => services.system.warn(m),
              ...(g.viaActor
                ? {
                    remote: async (request, timeoutMs) =>
                      (await services.resolve(`guardrail/${GUARDRAIL_ID}`, info.tenant)).ask<GuardVerdict>(
                        GUARD_CHECK,
                        { ...request, noAudit: false },
                        { timeoutMs },
                      ),
                  }
                : {}),
            },
            info,
          ),
      });
    },
    build(services: KindServices): BuiltKind {
      const engine = engines.get(services);
      if (engine === undefined) throw new Error('guardrail kind built before it contributed');
      const behavior = guardrailBehavior(engine) as Behavior<unknown>;
      return { ids: () => [GUARDRAIL_ID], behavior: () => behavior, close: () => engine.close() };
    },
  };
}

/** The guardrail kind over the built-in detectors (cli/kinds.ts). */
export const guardrailKind: KindDescriptor = guardrailKindWith();
