/**
 * Feedback on runs from every surface (docs/trainers.md): `POST /acp/runs/{run_id}/feedback` (and `GET` to list
 * it), `GET /acp/feedback/stats`, the `/ws` frame `feedback` and A2A message metadata all come through here, to the
 * caller's tenant's feedback owner (`trainer/feedback`). An unknown run — or another tenant's — is not_found.
 */
import { randomUUID } from 'node:crypto';
import {
  FEEDBACK_ADD,
  FEEDBACK_ADDRESS,
  FEEDBACK_LIST,
  FEEDBACK_STATS,
  ValidationError,
  feedbackInputSchema,
  type FeedbackAggregate,
  type FeedbackInput,
  type FeedbackRecord,
} from '../../protocols/index.js';
import { requirePermission } from '../auth/index.js';
import type { GatewayDeps, Principal } from '../types.js';

/** Parses a client's feedback body; the first problem, named by field, as a ValidationError. */
export function parseFeedback(body: unknown): FeedbackInput {
  const r = feedbackInputSchema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  throw new ValidationError(`invalid feedback: ${path}${issue?.message ?? 'bad value'}`);
}

/** Records `input` on run `runId` for `principal`; the stored record. */
export async function addFeedback(deps: GatewayDeps, principal: Principal, runId: string, input: FeedbackInput): Promise<FeedbackRecord> {
  if (input.run_id !== undefined && input.run_id !== runId)
    throw new ValidationError(`invalid feedback: run_id ${JSON.stringify(input.run_id)} is not the run ${JSON.stringify(runId)}`);
  requirePermission(principal, 'feedback:write', 'feedback');
  const owner = await deps.ensure(FEEDBACK_ADDRESS, principal.tenant);
  return owner.ask<FeedbackRecord>(FEEDBACK_ADD, { id: input.id ?? randomUUID(), run_id: runId, user: principal.subject, feedback: input });
}

/** The feedback on run `runId` of `principal`'s tenant. */
export async function listFeedback(deps: GatewayDeps, principal: Principal, runId: string): Promise<FeedbackRecord[]> {
  requirePermission(principal, 'feedback:read', 'reading feedback');
  return (await deps.ensure(FEEDBACK_ADDRESS, principal.tenant)).ask<FeedbackRecord[]>(FEEDBACK_LIST, { run_id: runId });
}

/** Aggregates per agent, template version and key of `principal`'s tenant (optionally one agent's). */
export async function feedbackStats(deps: GatewayDeps, principal: Principal, agent?: string): Promise<FeedbackAggregate[]> {
  requirePermission(principal, 'feedback:read', 'feedback statistics');
  return (await deps.ensure(FEEDBACK_ADDRESS, principal.tenant)).ask<FeedbackAggregate[]>(
    FEEDBACK_STATS,
    agent === undefined ? {} : { agent },
  );
}
