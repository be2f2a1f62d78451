/**
 * Guardrail contracts: what a detector finds, the stages a guard runs at, the actions a policy takes, and the
 * `POST /guardrails/check` request and answer (also the `guardrails.check` MCP tool and the audit records).
 * No I/O here; the detectors and the policy engine live in actors/guardrail/.
 */
import { z } from 'zod';

/** Where a guard runs: the user's input before the model sees it, a tool call's arguments, a tool's result, the output stream. */
export const GUARD_STAGES = ['input', 'tool_call', 'tool', 'output'] as const;
export const guardStageSchema = z.enum(GUARD_STAGES);
/** A guard stage. */
export type GuardStage = z.infer<typeof guardStageSchema>;

/** What a policy does with a finding, from least to most severe (a rule set's action is the most severe that matched). */
export const GUARD_ACTIONS = ['allow', 'mask', 'redact', 'review', 'block'] as const;
export const guardActionSchema = z.enum(GUARD_ACTIONS);
/** A policy action. */
export type GuardAction = z.infer<typeof guardActionSchema>;

/**
 * One thing a detector found: `[start, end)` are UTF-16 offsets into the text it was given; `score` is 0..1 confidence.
 * `type` is the detector's own vocabulary (pii: EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, PERSON, LOCATION,
 * DATE_OF_BIRTH; secret: AWS_ACCESS_KEY, GITHUB_TOKEN, …; injection: INJECTION, JAILBREAK, PROMPT_EXTRACTION; …).
 */
export const findingSchema = z.object({
  detector: z.string().min(1),
  type: z.string().min(1),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
});
/** One detector finding. */
export type Finding = Readonly<z.infer<typeof findingSchema>>;

/** Largest text `POST /guardrails/check` takes (characters); larger is `413 too_large`. */
export const MAX_GUARD_TEXT = 1_000_000;

/** `POST /guardrails/check` body (and the `guardrails.check` MCP tool's arguments). */
export const guardCheckRequestSchema = z.object({
  text: z.string().min(1).max(MAX_GUARD_TEXT),
  stage: guardStageSchema.default('input'),
  agent: z.string().min(1).max(200).optional(),
});
/** A guardrail check request. */
export type GuardCheckRequest = z.infer<typeof guardCheckRequestSchema>;

/** The answer: the stage policy's action, the text as the policy leaves it (when it changes it), and every finding. */
export const guardCheckResultSchema = z.object({
  action: guardActionSchema,
  text: z.string().optional(),
  findings: z.array(findingSchema),
});
/** A guardrail check answer. */
export type GuardCheckResult = z.infer<typeof guardCheckResultSchema>;

/** Message a guardrail actor (`guardrail/<id>`) answers with a {@link GuardVerdict}: check `text` at `stage`. */
export const GUARD_CHECK = 'guardrail.check';

/** What an agent (or the gateway) asks a guardrail actor: the check request plus who is asking, for the policy and the audit. */
export const guardActorRequestSchema = guardCheckRequestSchema.extend({
  /** The caller's role as policies see it (`role` in CEL): `user` by default. */
  role: z.string().min(1).max(100).optional(),
  run: z.string().min(1).max(200).optional(),
  /** Run metadata (`metadata` in CEL). */
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Only find and decide: the caller records the decisions itself (an agent that may still change the text). */
  noAudit: z.boolean().optional(),
});
/** A check asked of a guardrail actor. */
export type GuardActorRequest = z.infer<typeof guardActorRequestSchema>;

/** One decision a policy took on one finding: the rule that matched (`default`: the stage default, `error`: a detector failed). */
export const guardDecisionSchema = z.object({
  detector: z.string(),
  type: z.string(),
  action: guardActionSchema,
  rule: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
});
/** A policy decision on one finding. */
export type GuardDecision = z.infer<typeof guardDecisionSchema>;

/** A check's whole answer as actors pass it: the public result plus every decision (the audit's input). */
export const guardVerdictSchema = guardCheckResultSchema.extend({ decisions: z.array(guardDecisionSchema) });
/** A guardrail verdict. */
export type GuardVerdict = z.infer<typeof guardVerdictSchema>;

/**
 * One audit record: a guardrail decision, never the checked text — only a SHA-256 of the finding's span (`hash`) and
 * an excerpt with the span replaced by its type (`excerpt`, e.g. `…mail me at [EMAIL] today…`).
 */
export const guardAuditRecordSchema = z.object({
  id: z.string(),
  time: z.string(),
  tenant: z.string(),
  stage: guardStageSchema,
  detector: z.string(),
  type: z.string(),
  action: guardActionSchema,
  rule: z.string(),
  score: z.number(),
  agent: z.string().optional(),
  run: z.string().optional(),
  hash: z.string().optional(),
  excerpt: z.string().optional(),
});
/** An audit record. */
export type GuardAuditRecord = z.infer<typeof guardAuditRecordSchema>;

/** Largest page `GET /guardrails/audit` answers. */
export const MAX_AUDIT_PAGE = 1000;

/** `GET /guardrails/audit` query: filters (all optional), `since`/`until` ISO times, a page size and an opaque cursor. */
export const guardAuditQuerySchema = z.object({
  stage: guardStageSchema.optional(),
  detector: z.string().min(1).max(200).optional(),
  action: guardActionSchema.optional(),
  agent: z.string().min(1).max(200).optional(),
  run: z.string().min(1).max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  cursor: z.string().min(1).max(500).optional(),
});
/** An audit query. */
export type GuardAuditQuery = z.infer<typeof guardAuditQuerySchema>;

/** One page of audit records, oldest first; `next_cursor` while more may follow. */
export interface GuardAuditPage {
  readonly records: readonly GuardAuditRecord[];
  readonly next_cursor?: string;
}

/** Counter name (runtime Meter) of guardrail decisions, labels `stage`, `detector`, `action`; `/metrics` shows it. */
export const GUARD_DECISIONS_METER = 'guardrail_decisions';
