/**
 * One guardrail check for a gateway caller: the request validated (empty text 400, past {@link MAX_GUARD_TEXT} 413),
 * asked of a pooled guardrail actor of the caller's tenant (`guardrail/check`, on whichever node hosts the kind),
 * answered as `{action, text?, findings}`. Shared by `POST /guardrails/check` and the `guardrails.check` MCP tool.
 */
import {
  GUARD_CHECK,
  MAX_GUARD_TEXT,
  TooLargeError,
  ValidationError,
  guardCheckRequestSchema,
  formatIssues,
  type GuardCheckResult,
  type GuardVerdict,
} from '../../protocols/index.js';
import type { GatewayDeps, Principal } from '../types.js';

/** The address of the guardrail actors. */
export const GUARDRAIL_ADDRESS = 'guardrail/check';

/** Longest a check may take before the caller gets `deadline_exceeded` (detectors have their own, shorter budget). */
const CHECK_TIMEOUT_MS = 30_000;

/** Checks `body` (a parsed JSON value) for `principal`; throws the gateway's errors for bad input. */
export async function guardrailCheck(deps: GatewayDeps, principal: Principal, body: unknown): Promise<GuardCheckResult> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError('expected a JSON object {"text", "stage"?, "agent"?}');
  const text = (body as { text?: unknown }).text;
  if (typeof text === 'string' && text.length > MAX_GUARD_TEXT)
    throw new TooLargeError(`text of ${text.length} characters exceeds the ${MAX_GUARD_TEXT}-character limit`);
  if (text === '') throw new ValidationError('text is empty: send the text to check');
  const parsed = guardCheckRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(`bad guardrail check: ${formatIssues(parsed.error.issues)}`);
  const ref = await deps.ensure(GUARDRAIL_ADDRESS, principal.tenant);
  const role = principal.roles[0];
  const v = await ref.ask<GuardVerdict>(
    GUARD_CHECK,
    { ...parsed.data, ...(role === undefined ? {} : { role }) },
    { timeoutMs: CHECK_TIMEOUT_MS },
  );
  return { action: v.action, ...(v.text === undefined ? {} : { text: v.text }), findings: v.findings };
}
