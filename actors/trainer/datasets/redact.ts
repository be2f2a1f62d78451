/**
 * Personal data and secrets out of exported datasets: every text an export writes passes the guardrails' built-in
 * `pii` and `secret` detectors (actors/guardrail) and each finding is replaced by its label (`[REDACTED:EMAIL]`),
 * so a training file or an eval suite carries no address, card number or API key a run once saw.
 */
import { TroupeError } from '../../../protocols/index.js';
import { BUILTIN_DETECTORS, applySpans, type Detector } from '../../guardrail/index.js';

/** Replaces the personal data and secrets of a text with labels. */
export type Redact = (text: string) => Promise<string>;

/** A redactor over the built-in `pii` and `secret` detectors (default options). */
export async function datasetRedactor(): Promise<Redact> {
  const detectors: Detector[] = [];
  for (const name of ['pii', 'secret']) {
    const make = BUILTIN_DETECTORS[name];
    if (make === undefined) throw new TroupeError('internal', `the guardrails have no ${name} detector`);
    detectors.push(await make({}));
  }
  return async (text) => {
    if (text === '') return text;
    const spans = [];
    for (const d of detectors)
      for (const f of await d.detect(text, { stage: 'output' }))
        spans.push({ start: f.start, end: f.end, type: f.type, action: 'redact' as const });
    return spans.length === 0 ? text : applySpans(text, spans);
  };
}
