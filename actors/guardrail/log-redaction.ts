/**
 * Personal data out of log lines (issue 17): what users and models wrote (tool arguments, inputs) is logged with each
 * PII finding of the built-in detector replaced by its label, `[REDACTED:EMAIL]`. The node's logger is given this
 * function when it is composed (runtime/log.ts `redactText`); long texts are cut first, so a log line costs at most
 * one detector pass over {@link LOG_TEXT_CHARS} characters.
 */
import { piiDetector } from './detectors/pii/index.js';
import { applySpans } from './transform.js';

/**
 * This module's URL, for the process logger's own thread (runtime/log-worker.ts), which loads it to redact log lines
 * off the caller's thread.
 */
export const LOG_REDACTION_MODULE = import.meta.url;

/** Characters of one logged text that are kept (and scanned). */
export const LOG_TEXT_CHARS = 2_000;

const pii = piiDetector();

/** `text` (cut to {@link LOG_TEXT_CHARS}) with its personal data replaced by labels. */
export function redactPersonalData(text: string): string {
  const cut = text.length > LOG_TEXT_CHARS ? text.slice(0, LOG_TEXT_CHARS) : text;
  const findings = pii.detect(cut, { stage: 'tool' }) as readonly { type: string; start: number; end: number }[];
  const redacted = applySpans(
    cut,
    findings.map((f) => ({ start: f.start, end: f.end, type: f.type, action: 'redact' as const })),
  );
  return cut === text ? redacted : `${redacted}… [${text.length - LOG_TEXT_CHARS} more chars]`;
}
