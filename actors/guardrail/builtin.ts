/**
 * The built-in detectors, by the name config uses (`guardrails.detectors.<name>`): adding one is ONE line here.
 * Every detector listed runs unless config turns it off; config's custom regex/keyword and module detectors
 * (custom.ts) come on top.
 */
import { resolve } from 'node:path';
import { ValidationError } from '../../protocols/index.js';
import { warmedByCheck } from './detector.js';
import type { DetectorRegistry } from './registry.js';
import { piiDetector, type PiiOptions } from './detectors/pii/index.js';
import { secretDetector, type SecretOptions } from './detectors/secret/index.js';
import { injectionDetector, type InjectionOptions } from './detectors/injection/index.js';
import { biasDetector, moderationDetector } from './detectors/moderation/index.js';
import { onnxClassifier } from './detectors/classifier/index.js';

/**
 * A layered detector's config options with its `classifier` (config: `{"modelDir" | "modelPath", "labels"?, …}`,
 * paths relative to the working directory) made into a loaded ONNX classifier: a missing or broken model fails
 * startup naming the detector, not the first check.
 */
async function withClassifier(detector: string, options: Readonly<Record<string, unknown>>): Promise<InjectionOptions> {
  const c = options['classifier'];
  if (c === undefined) return options as InjectionOptions;
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw new ValidationError(`guardrails.detectors.${detector}.classifier must be an object ({"modelDir": …} or {"modelPath": …})`);
  const o = c as Record<string, unknown>;
  const path = (k: string): Record<string, string> => (typeof o[k] === 'string' ? { [k]: resolve(o[k] as string) } : {});
  const classifier = onnxClassifier({ ...o, ...path('modelDir'), ...path('modelPath'), ...path('tokenizerDir') });
  try {
    await classifier.load();
  } catch (e) {
    throw new ValidationError(`guardrails.detectors.${detector}.classifier: ${(e as Error).message}`);
  }
  return { ...(options as InjectionOptions), classifier };
}

/**
 * Built-in detector factories (pii, secret, injection, moderation, bias; the latter three take an ONNX classifier).
 * Each is warmed by one check of a short text before its first real one (detector.ts, `warm`).
 */
export const BUILTIN_DETECTORS: DetectorRegistry = {
  pii: (options) => warmedByCheck(piiDetector(options as PiiOptions)),
  secret: (options) => warmedByCheck(secretDetector(options as SecretOptions)),
  injection: async (options) => warmedByCheck(injectionDetector(await withClassifier('injection', options))),
  moderation: async (options) => warmedByCheck(moderationDetector(await withClassifier('moderation', options))),
  bias: async (options) => warmedByCheck(biasDetector(await withClassifier('bias', options))),
};
