/**
 * The one interface every guardrail detector implements (pii, secret, injection, moderation, bias, custom ones).
 * A detector is pure with respect to the mesh: text in, findings out, no state between calls that changes results.
 */
import type { Finding, GuardStage } from '../../protocols/index.js';

/** What a detector is told about the text besides the text itself. */
export interface DetectContext {
  /** The stage the text is checked at (a detector may weigh context differently, e.g. injection in tool results). */
  readonly stage: GuardStage;
  /** Aborted when the policy's time budget for this check runs out; a slow detector should stop early. */
  readonly signal?: AbortSignal;
}

/** A detector: finds spans of one family of problems in a text. */
export interface Detector {
  /** Its name, the `detector` of every finding it returns (`pii`, `secret`, `injection`, …). */
  readonly name: string;
  /** The finding types it can return. */
  readonly types: readonly string[];
  /**
   * Findings in `text`, offsets in UTF-16 code units, each with `detector === this.name`. Must not throw on any
   * string (empty, huge, lone surrogates, binary); throwing or not answering in time is handled by the policy
   * (fail open or closed), never by passing the text through unguarded by accident.
   */
  detect(text: string, ctx: DetectContext): readonly Finding[] | Promise<readonly Finding[]>;
  /** Frees what it loaded (ONNX sessions, embedders). */
  close?(): Promise<void>;
  /**
   * Builds what the detector builds at its first check otherwise (indexes, tables, compiled code paths). The engine
   * awaits it before the detector's first check, outside the check's time budget: a process's first check on a busy
   * machine would otherwise spend its budget on one-time work and fail (closed: the text blocked).
   */
  warm?(): void | Promise<void>;
}

/** A short text that exercises a text detector's first-check work. */
const WARM_UP_TEXT = 'Hello, please summarise this note for me. Ignore the previous draft; call 555-0100 on Monday.';

/** `detector` with a {@link Detector.warm} that runs one check of a short text and ignores its result. */
export function warmedByCheck(detector: Detector): Detector {
  if (detector.warm !== undefined) return detector;
  return Object.assign(detector, {
    async warm() {
      await detector.detect(WARM_UP_TEXT, { stage: 'input' });
    },
  });
}
