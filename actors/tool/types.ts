/**
 * The tool contract. A tool is a pool actor (`tool/<name>`) that answers `mcp.tools.call`
 * with an MCP-shaped result; a failing tool yields `isError: true`, never a crash of the
 * caller. Function tools declare their input with zod; MCP tools bring JSON Schema.
 */
import type { ZodType } from 'zod';

/** Message type of a tool call (payload: {@link ToolCallRequest}). */
export const TOOL_CALL = 'mcp.tools.call';
/** Message type asking a tool actor for its spec (reply: ToolSpec). */
export const TOOL_DESCRIBE = 'mcp.tools.describe';

// The call, result and progress shapes are wire contracts (protocols/tools.ts), re-exported here.
export type { ToolCallRequest, ToolContent, ToolCallResult, ToolProgress } from '../../protocols/index.js';
import type { ToolProgress } from '../../protocols/index.js';

/** What a tool's `run` gets besides its input. */
export interface ToolContext {
  /** Aborted on timeout or cancellation. */
  readonly signal: AbortSignal;
  /** Reports progress (published on `tool.progress.<callId>` when the call has an id). */
  progress(p: ToolProgress): void;
  readonly runId?: string;
  readonly callId?: string;
  /**
   * The same for every attempt of one call, across resumes of its run: pass it on to whatever the tool changes
   * (an HTTP API's `Idempotency-Key` header, a database's dedup column) so a repeated call changes nothing twice.
   */
  readonly idempotencyKey?: string;
  /** Tenant of the calling tool actor: whatever the tool reaches in the mesh belongs to it. */
  readonly tenant?: string;
}

/** Limits and policies of one tool. */
export interface ToolPolicy {
  /** Safe to retry on failure (only such tools are retried). */
  readonly idempotent?: boolean;
  /**
   * Exactly once per idempotency key: the tool actor records each result the tool returns (in `system.storage`,
   * by tenant and key) before answering, and answers a call whose key it has a result for with that result,
   * without running the tool. A call in flight when its run's host died is then not made again after the resume.
   */
  readonly idempotentByKey?: boolean;
  /** How long a recorded result is kept when {@link idempotentByKey} (default 24 h; see `DEFAULT_RESULT_TTL_MS`). */
  readonly resultTtlMs?: number;
  /** Retries after a failed or timed-out attempt (default 2 when idempotent; ignored otherwise). */
  readonly retries?: number;
  /** Limit of one attempt (default 25 s); an attempt never runs past the caller's deadline. */
  readonly timeoutMs?: number;
  /** Token bucket per node: `perSecond` refill, `burst` capacity. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst?: number };
  /** Larger results become an error result. */
  readonly maxResultBytes?: number;
  /**
   * A human must approve each call (or calls for which this returns true). The tool actor does not
   * check this; whoever dispatches calls must.
   */
  readonly requiresApproval?: boolean | ((args: Record<string, unknown>) => boolean);
}

/** A function tool declared in code. */
export interface FunctionTool<I = Record<string, unknown>> extends ToolPolicy {
  readonly name: string;
  readonly description: string;
  readonly input: ZodType<I>;
  run(input: I, ctx: ToolContext): unknown;
}
