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
