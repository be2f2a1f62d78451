/**
 * The policy core every tool actor shares (function tools and MCP tools alike): it turns a
 * TOOL_CALL into an MCP-shaped result under the tool's {@link ToolPolicy} — rate limit,
 * argument check, per-attempt timeout (an AbortSignal the tool sees), retries for idempotent
 * tools only, result size limit, progress events and, for tools idempotent by key, recorded results
 * (results.ts). Media a tool answers inline (MCP image/audio items) is stored as a blob of the calling tenant and
 * answered as a reference (media.ts). Nothing a tool does crashes the actor: every failure becomes an `isError: true` result.
 */
import { z } from 'zod';
import { DEFAULT_TENANT, DeadlineExceededError, ValidationError, backoffDelay, scrubSecrets } from '../../protocols/index.js';
import {
  BlobStore,
  DEFAULT_MEDIA_POLICY,
  type ActorContext,
  type Behavior,
  type Clock,
  type MediaPolicy,
  type Storage,
} from '../../runtime/index.js';
import type { ToolSpec } from '../llm/types.js';
import { storeResultMedia } from './media.js';
import { DEFAULT_RESULT_TTL_MS, ToolResults } from './results.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallResult, type ToolContext, type ToolPolicy, type ToolProgress } from './types.js';

/** Timeout of one attempt when the policy sets none (below the default 30 s handler timeout). */
export const DEFAULT_TOOL_TIMEOUT_MS = 25_000;
/** Retries of an idempotent tool whose policy sets none. */
export const DEFAULT_IDEMPOTENT_RETRIES = 2;
/** Tool names: what MCP allows, so `tool/<name>` is always a valid address. */
export const TOOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const PROGRESS_PREFIX = 'tool.progress.';
const CANCEL_PREFIX = 'tool.cancel.';
const TOKEN_CHAR = /[A-Za-z0-9_:@+-]/;

/**
 * The topic progress of call `callId` is published on: `tool.progress.<token>`, where the
 * token is the call id with every character outside `[A-Za-z0-9_:@+-]` written as `=XX`
 * (its UTF-16 code in hex, `=` itself included), so distinct ids give distinct topics.
 */
export function progressTopic(callId: string): string {
  return callTopic(PROGRESS_PREFIX, callId);
}

/**
 * The topic that cancels call `callId` (`tool.cancel.<token>`, token as in {@link progressTopic}):
 * whatever is published there aborts the call's signal on whichever node runs it.
 */
export function cancelTopic(callId: string): string {
  return callTopic(CANCEL_PREFIX, callId);
}

function callTopic(prefix: string, callId: string): string {
  let token = '';
  for (const ch of callId) {
    if (TOKEN_CHAR.test(ch)) token += ch;
    else for (let i = 0; i < ch.length; i++) token += `=${ch.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  const room = 255 - prefix.length;
  if (token.length > room) token = `${token.slice(0, room - 17)}+${fnv1a64(callId)}`;
  return prefix + token;
}

function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** Payload of a progress event on {@link progressTopic}. */
export interface ToolProgressEvent extends ToolProgress {
  readonly callId: string;
  readonly runId?: string;
  /** The tool's name. */
  readonly tool: string;
}

/** An error result; `code` (and details) also go to `structuredContent` for programs. */
export function errorResult(text: string, code?: string, details: Record<string, unknown> = {}): ToolCallResult {
  const base = { isError: true, content: [{ type: 'text' as const, text }] };
  return code === undefined ? base : { ...base, structuredContent: { code, ...details } };
}

/**
 * An error result with the secrets the process knows scrubbed from its text (a failing tool, or an
 * MCP server, may quote a key); other results are returned as they are.
 */
export function scrubErrorResult(result: ToolCallResult): ToolCallResult {
  if (result.isError !== true) return result;
  return {
    ...result,
    content: result.content.map((c) => (c.type === 'text' && typeof c.text === 'string' ? { ...c, text: scrubSecrets(c.text) } : c)),
  };
}

/** What a tool kind plugs into the runner. */
export interface ToolImpl<I> {
  readonly name: string;
  describe(): ToolSpec;
  /** Checks the arguments; a message naming the bad fields when they do not fit. */
  parse(args: Record<string, unknown>): { ok: true; input: I } | { ok: false; message: string };
  /**
   * Runs one attempt, which `ctx.signal` aborts after `attempt.timeoutMs`. Throwing (or timing
   * out) fails the attempt; a returned result, even an error result, is final.
   */
  execute(input: I, ctx: ToolContext, attempt: { readonly timeoutMs: number; readonly number: number }): Promise<ToolCallResult>;
}

/** Options of a tool actor. */
export interface ToolActorOptions {
  /** Time source for the rate limit, timeouts and backoff (default: the system's clock). */
  readonly clock?: Clock;
  /** First retry delay; doubled per retry, capped at 1 s (default 50 ms). */
  readonly backoffMs?: number;
  /**
   * Where media the tool answers inline is kept (media.ts): default a blob store on the system's storage under the
   * default media policy; `false` leaves results as the tool gave them.
   */
  readonly media?: false | { readonly blobs?: BlobStore; readonly policy?: MediaPolicy };
}

/** A token bucket (per actor, that is per node). */
export class TokenBucket {
  private tokens: number;
  private at: number;
  readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    burst: number | undefined,
    now: number,
  ) {
    this.capacity = Math.max(1, burst ?? Math.ceil(perSecond));
    this.tokens = this.capacity;
    this.at = now;
  }

  /** Takes one token; otherwise returns the milliseconds until one is available. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
      this.at = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)) };
  }
}

const callPayload = z.object({
  name: z.string().optional(),
  arguments: z.unknown().optional(),
  runId: z.string().optional(),
  callId: z.string().optional(),
  idempotencyKey: z.string().min(1).max(512).optional(),
  /** The calling tenant of a call forwarded to the default tenant's actor (the tool kind's MCP forwarders set it). */
  tenant: z.string().min(1).max(256).optional(),
});

interface RunnerState {
  readonly bucket: TokenBucket | undefined;
  /** Recorded results, when the tool is idempotent by key. */
  readonly results: ToolResults | undefined;
  /** Calls running now by idempotency key: a second call with the key shares the first one's answer. */
  readonly running: Map<string, Promise<ToolCallResult>>;
  /** Where inline media of results goes (undefined: passed through). */
  readonly media: { readonly blobs: BlobStore; readonly policy: MediaPolicy } | undefined;
}

/** A tool's answer, and whether the tool itself gave it (only those are recorded: not timeouts, cancellations, limits). */
interface Outcome {
  readonly result: ToolCallResult;
  readonly fromTool: boolean;
}

/** One attempt ran out of time; also the reason a tool's signal aborts with (a `deadline_exceeded`). */
class AttemptTimeout extends DeadlineExceededError {}

/**
 * A Behavior for a pool actor at `tool/<name>`: TOOL_CALL → {@link ToolCallResult},
 * TOOL_DESCRIBE → ToolSpec. Other message types are refused with `bad_request`.
 */
export function toolActor<I>(impl: ToolImpl<I>, policy: ToolPolicy, options: ToolActorOptions = {}): Behavior<RunnerState> {
  const rate = policy.rateLimit;
  if (rate !== undefined && !(rate.perSecond > 0)) throw new ValidationError(`tool ${impl.name}: rateLimit.perSecond must be > 0`);
  return {
    schemas: { [TOOL_CALL]: z.unknown(), [TOOL_DESCRIBE]: z.unknown() },
    init: (ctx) => ({
      bucket: rate === undefined ? undefined : new TokenBucket(rate.perSecond, rate.burst, (options.clock ?? ctx.system.clock).now()),
      results: policy.idempotentByKey === true ? new ToolResults(ctx.system.storage) : undefined,
      running: new Map(),
      media: mediaOf(options, ctx.system.storage),
    }),
    receive(message, ctx) {
      if (message.type === TOOL_DESCRIBE) return impl.describe();
      const clock = options.clock ?? ctx.system.clock;
      const start = clock.now();
      return keyed(impl, policy, options, message.payload, ctx)
        .then(scrubErrorResult)
        .then((result) => {
          logCall(ctx, impl.name, message.payload, result, start, clock.now());
          return result;
        });
    },
  };
}

function mediaOf(options: ToolActorOptions, storage: Storage): RunnerState['media'] {
  if (options.media === false) return undefined;
  const policy = options.media?.policy ?? DEFAULT_MEDIA_POLICY;
  return { blobs: options.media?.blobs ?? new BlobStore(storage, { maxBytes: policy.maxBlobBytes }), policy };
}

/** One line per tool call: what was asked (arguments go through the log's content redaction), how long, how it ended. */
function logCall(ctx: ActorContext<RunnerState>, tool: string, payload: unknown, result: ToolCallResult, start: number, end: number): void {
  const log = ctx.system.log;
  if (!log.isLevelEnabled('info')) return;
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as { arguments?: unknown; runId?: unknown; callId?: unknown };
  const failed = result.isError === true;
  const code = (result.structuredContent as { code?: unknown } | undefined)?.code;
  log.info(
    {
      event: 'tool.call',
      tool,
      tenant: ctx.self.tenant,
      ...(typeof p.runId === 'string' ? { run_id: p.runId } : {}),
      ...(typeof p.callId === 'string' ? { call_id: p.callId } : {}),
      arguments: p.arguments,
      at: new Date(start).toISOString(),
      duration_ms: end - start,
      outcome: failed ? 'error' : 'ok',
      ...(failed && typeof code === 'string' ? { code } : {}),
    },
    `tool ${tool} ${failed ? 'failed' : 'answered'} in ${end - start} ms`,
  );
}

/**
 * A call of a tool idempotent by key: answered from its recorded result when there is one; otherwise run, and the
 * tool's own result recorded before it is answered. A record that cannot be written fails the call (an error
 * result), since answering it would break the promise that the key runs once.
 */
async function keyed<I>(
  impl: ToolImpl<I>,
  policy: ToolPolicy,
  options: ToolActorOptions,
  payload: unknown,
  ctx: ActorContext<RunnerState>,
): Promise<ToolCallResult> {
  const { results, running } = ctx.state;
  const parsed = callPayload.safeParse(payload);
  const key = parsed.success ? parsed.data.idempotencyKey : undefined;
  if (results === undefined || key === undefined) return (await call(impl, policy, options, payload, ctx)).result;
  const shared = running.get(key);
  if (shared !== undefined) return shared;
  const clock = options.clock ?? ctx.system.clock;
  const tenant = ctx.self.tenant;
  const once = (async (): Promise<ToolCallResult> => {
    try {
      const recorded = await results.get(tenant, key, clock.now());
      if (recorded !== undefined) return recorded;
    } catch (e) {
      return errorResult(`tool ${impl.name}: recorded results unreadable: ${errorText(e)}`, 'unavailable');
    }
    const out = await call(impl, policy, options, payload, ctx);
    if (!out.fromTool) return out.result;
    const result = scrubErrorResult(out.result);
    try {
      await results.put(tenant, key, impl.name, result, clock.now(), policy.resultTtlMs ?? DEFAULT_RESULT_TTL_MS);
    } catch (e) {
      return errorResult(`tool ${impl.name}: result not recorded: ${errorText(e)}`, 'unavailable');
    }
    return result;
  })();
  running.set(key, once);
  try {
    return await once;
  } finally {
    running.delete(key);
  }
}

async function call<I>(
  impl: ToolImpl<I>,
  policy: ToolPolicy,
  options: ToolActorOptions,
  payload: unknown,
  ctx: ActorContext<RunnerState>,
): Promise<Outcome> {
  const fail = (result: ToolCallResult): Outcome => ({ result, fromTool: false });
  const clock = options.clock ?? ctx.system.clock;
  const parsed = callPayload.safeParse(payload);
  if (!parsed.success)
    return fail(errorResult(`invalid tool call: expected {name, arguments, runId?, callId?, idempotencyKey?}`, 'bad_request'));
  const { runId, callId, idempotencyKey } = parsed.data;
  // Only the default tenant's actors serve other tenants (forwarded by the tool kind), so only they take a caller's tenant.
  const caller = ctx.self.tenant === DEFAULT_TENANT ? (parsed.data.tenant ?? DEFAULT_TENANT) : ctx.self.tenant;
  const media = ctx.state.media;
  const keep = (r: ToolCallResult): Promise<ToolCallResult> =>
    media === undefined ? Promise.resolve(r) : storeResultMedia(r, caller, media.blobs, media.policy);
  const args = parsed.data.arguments ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return fail(errorResult(`invalid arguments for ${impl.name}: expected an object`, 'bad_request'));

  const taken = ctx.state.bucket?.take(clock.now());
  if (taken !== undefined && !taken.ok) {
    return fail(
      errorResult(`tool ${impl.name} is rate limited: retry after ${taken.retryAfterMs} ms`, 'rate_limited', {
        retryAfterMs: taken.retryAfterMs,
      }),
    );
  }
  const input = impl.parse(args as Record<string, unknown>);
  if (!input.ok) return fail(errorResult(`invalid arguments for ${impl.name}: ${input.message}`, 'bad_request'));

  const progress = (p: ToolProgress): void => {
    if (callId === undefined || callId === '') return;
    const event: ToolProgressEvent = { ...p, callId, ...(runId === undefined ? {} : { runId }), tool: impl.name };
    ctx
      .publish(progressTopic(callId), event)
      .then(undefined, (e: unknown) => ctx.system.warn(`tool ${impl.name}: progress not published: ${(e as Error).message}`));
  };
  // Work past the caller's deadline is wasted; without one, stay inside the handler timeout.
  const start = clock.now();
  const end = ctx.message?.deadline ?? start + Math.max(1000, ctx.system.defaults.handlerTimeoutMs - 1000);
  const retries = policy.idempotent === true ? Math.max(0, Math.floor(policy.retries ?? DEFAULT_IDEMPOTENT_RETRIES)) : 0;
  const backoff = options.backoffMs ?? 50;

  // A call with an id can be cancelled from anywhere in the mesh (an agent run cancelled, an MCP
  // client's notifications/cancelled): the subscription works outside the mailbox, which is busy.
  const cancel = new AbortController();
  const signal = AbortSignal.any([ctx.signal, cancel.signal]);
  const sub =
    callId === undefined || callId === ''
      ? undefined
      : ctx.system.subscribe(cancelTopic(callId), () => cancel.abort(new Error(`tool ${impl.name}: call ${callId} cancelled`)), {
          tenant: ctx.self.tenant,
        });
  try {
    return await attempts(
      impl,
      input.input,
      { runId, callId, idempotencyKey, progress, tenant: ctx.self.tenant, keep },
      { retries, backoff, end, timeoutMs: policy.timeoutMs, maxResultBytes: policy.maxResultBytes },
      clock,
      signal,
    );
  } finally {
    sub?.unsubscribe();
  }
}

/** What every attempt of one call shares. */
interface CallBase {
  readonly runId: string | undefined;
  readonly callId: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly progress: (p: ToolProgress) => void;
  readonly tenant: string;
  /** Stores the result's inline media as blobs of the caller (the result as the caller gets it). */
  readonly keep: (result: ToolCallResult) => Promise<ToolCallResult>;
}

async function attempts<I>(
  impl: ToolImpl<I>,
  input: I,
  base: CallBase,
  plan: {
    readonly retries: number;
    readonly backoff: number;
    readonly end: number;
    readonly timeoutMs: number | undefined;
    readonly maxResultBytes: number | undefined;
  },
  clock: Clock,
  signal: AbortSignal,
): Promise<Outcome> {
  const { retries, backoff, end } = plan;
  let failure = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      const delay = backoffDelay(attempt, { initialMs: backoff, maxMs: 1000 });
      if (clock.now() + delay >= end || signal.aborted) break;
      await sleep(clock, delay);
    }
    const timeoutMs = Math.min(plan.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, end - clock.now());
    if (timeoutMs <= 0) {
      failure ||= `tool ${impl.name} ran out of time before its deadline`;
      break;
    }
    try {
      const result = await base.keep(await attemptOnce(impl, input, base, { timeoutMs, number: attempt + 1 }, clock, signal));
      const limited = limitSize(impl.name, result, plan.maxResultBytes);
      return { result: limited, fromTool: limited === result };
    } catch (e) {
      failure = e instanceof AttemptTimeout ? e.message : errorText(e);
      if (signal.aborted) break;
    }
  }
  return { result: { isError: true, content: [{ type: 'text', text: failure }] }, fromTool: false };
}

async function attemptOnce<I>(
  impl: ToolImpl<I>,
  input: I,
  base: CallBase,
  limits: { readonly timeoutMs: number; readonly number: number },
  clock: Clock,
  actorSignal: AbortSignal,
): Promise<ToolCallResult> {
  const { timeoutMs } = limits;
  const ac = new AbortController();
  const onActorAbort = (): void => ac.abort(actorSignal.reason);
  if (actorSignal.aborted) onActorAbort();
  else actorSignal.addEventListener('abort', onActorAbort, { once: true });
  let timer: ReturnType<Clock['setTimer']> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = clock.setTimer(timeoutMs, () => {
      const e = new AttemptTimeout(`tool ${impl.name} timed out after ${timeoutMs} ms`);
      ac.abort(e);
      reject(e);
    });
  });
  const toolCtx: ToolContext = {
    signal: ac.signal,
    progress: base.progress,
    tenant: base.tenant,
    ...(base.runId === undefined ? {} : { runId: base.runId }),
    ...(base.callId === undefined ? {} : { callId: base.callId }),
    ...(base.idempotencyKey === undefined ? {} : { idempotencyKey: base.idempotencyKey }),
  };
  try {
    return await Promise.race([Promise.resolve().then(() => impl.execute(input, toolCtx, limits)), timedOut]);
  } finally {
    if (timer !== undefined) clock.clearTimer(timer);
    actorSignal.removeEventListener('abort', onActorAbort);
  }
}

function limitSize(name: string, result: ToolCallResult, max: number | undefined): ToolCallResult {
  if (max === undefined) return result;
  const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
  if (bytes <= max) return result;
  return errorResult(`result of ${name} is too large: ${bytes} bytes > ${max} bytes allowed`, 'too_large', { bytes, maxResultBytes: max });
}

/** The message of a thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return typeof e === 'string' ? e : `non-error thrown: ${safeJson(e) ?? String(e)}`;
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
