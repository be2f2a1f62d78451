/**
 * The built-in detectors, by the name config uses (`guardrails.detectors.<name>`): adding one is ONE line here.
 * Every detector listed runs unless config turns it off; config's custom regex/keyword and module detectors
 * (custom.ts) come on top.
 */
import type { DetectorRegistry } from './registry.js';

/** Built-in detector factories (pii, secret, injection, moderation, bias, the ONNX classifier slot). */
export const BUILTIN_DETECTORS: DetectorRegistry = {
  // e.g. pii: (options) => piiDetector(options),
};
