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
}
