/**
 * The detector registry: a name → factory map the guardrail kind builds its detectors from. Built-in detectors are
 * listed once in builtin.ts; config turns each off or passes it options (`guardrails.detectors`); custom ones come from
 * config (custom.ts).
 */
import { ValidationError } from '../../protocols/index.js';
import type { Detector } from './detector.js';

/** Makes a detector from its config options (`guardrails.detectors.<name>`). */
export type DetectorFactory = (options: Readonly<Record<string, unknown>>) => Detector | Promise<Detector>;

/** Detector factories by name. */
export type DetectorRegistry = Readonly<Record<string, DetectorFactory>>;

/** True when `d` has the shape of a {@link Detector} (a module's export is checked with this). */
export function isDetector(d: unknown): d is Detector {
  if (typeof d !== 'object' || d === null) return false;
  const o = d as Record<string, unknown>;
  return (
    typeof o['name'] === 'string' &&
    o['name'] !== '' &&
    Array.isArray(o['types']) &&
    (o['types'] as unknown[]).every((t) => typeof t === 'string') &&
    typeof o['detect'] === 'function' &&
    (o['close'] === undefined || typeof o['close'] === 'function')
  );
}

/**
 * The registered detectors config leaves on, each made with its options: every registered one unless config says
 * `false`; a name config lists that is not registered is an error naming the known ones.
 */
export async function makeRegistered(
  registry: DetectorRegistry,
  config: Readonly<Record<string, false | Readonly<Record<string, unknown>>>>,
): Promise<Detector[]> {
  for (const name of Object.keys(config))
    if (registry[name] === undefined)
      throw new ValidationError(
        `guardrails.detectors names "${name}", which is not a detector here (known: ${Object.keys(registry).join(', ') || 'none'})`,
      );
  const out: Detector[] = [];
  for (const [name, factory] of Object.entries(registry)) {
    const options = config[name];
    if (options === false) continue;
    const d = await factory(options ?? {});
    if (!isDetector(d)) throw new ValidationError(`detector factory "${name}" did not make a detector (name, types, detect)`);
    out.push(d);
  }
  return out;
}
