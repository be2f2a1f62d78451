/**
 * The `secret` detector: provider API keys and tokens by their shape (AWS, GitHub, Slack, OpenAI, Anthropic, Stripe,
 * Google), JWTs, PEM private-key blocks, and passwords or other secrets by their context (credential keys,
 * `Authorization` headers, connection strings) when the value is not a placeholder and random enough.
 */
import type { Finding } from '../../../../protocols/index.js';
import type { Detector } from '../../detector.js';
import { resolveOverlaps, toFindings, type Span } from '../text/pii-spans.js';
import { findContextSecrets } from './credential.js';
import { findShapedSecrets } from './patterns.js';

/** Every type the secret detector returns. */
export const SECRET_TYPES = [
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'GITHUB_TOKEN',
  'SLACK_TOKEN',
  'OPENAI_KEY',
  'ANTHROPIC_KEY',
  'STRIPE_KEY',
  'GOOGLE_API_KEY',
  'JWT',
  'PRIVATE_KEY',
  'PASSWORD',
  'GENERIC_SECRET',
] as const;
/** A secret finding type. */
export type SecretType = (typeof SECRET_TYPES)[number];

/** Options of {@link secretDetector}. */
export interface SecretOptions {
  /** The types to look for (default: all of {@link SECRET_TYPES}). */
  readonly types?: readonly SecretType[];
}

/** Finds credentials in a text; pure, synchronous and safe on any string. */
export function secretDetector(options: SecretOptions = {}): Detector {
  const types = new Set<string>(options.types ?? SECRET_TYPES);
  return {
    name: 'secret',
    types: [...types],
    detect(text: string): readonly Finding[] {
      // Synchronous: no deadline can pass while it runs, so it never reads `ctx.signal` (reading it makes the check's
      // AbortController, a few µs and a KiB per check on the first token's path).
      const spans: Span[] = findShapedSecrets(text);
      for (const s of findContextSecrets(text)) spans.push(s);
      if (spans.length === 0) return [];
      return toFindings('secret', resolveOverlaps(spans.filter((s) => types.has(s.type))));
    },
  };
}
