/**
 * Answering a caller who follows a run: as server-sent events until the run stops
 * ({@link followRun}), or as the final values once it has ({@link answerWhenDone}, which keeps a
 * long wait alive with whitespace, as LangGraph does, so proxies and client timeouts do not cut
 * it). Cancelling a run goes to the agent that hosts it now.
 */
import { ConflictError, RUN_CANCEL, isTroupeError } from '../../protocols/index.js';
import { sendJson } from '../http.js';
import { every, unref, type Repeating } from '../clock.js';
import type { AcpCall, AcpContext, RunSession } from './session.js';
import { SseStream } from './sse.js';

/** A wait answers at once if the run stops within this; otherwise headers go out and whitespace every {@link KEEPALIVE_MS}. */
const QUICK_MS = 1_000;
const KEEPALIVE_MS = 10_000;

/** Cancels run `runId` on the agent hosting it; conflict when it is not running. */
export async function cancelRun(ctx: AcpContext, tenant: string, runId: string, fallbackAgent: string): Promise<void> {
  const run = await ctx.store.getRun(tenant, runId);
  const ref = await ctx.deps.ensure(`agent/${run?.agent ?? fallbackAgent}`, tenant);
  try {
    await ref.ask(RUN_CANCEL, { run_id: runId });
  } catch (e) {
    if (isTroupeError(e, 'bad_request')) throw new ConflictError(`run ${runId} is not running: ${e.message}`);
    throw e;
  }
}

function onDisconnect(ctx: AcpContext, call: AcpCall, session: RunSession, runId: string, cancel: boolean): void {
  const gone = (): void => {
    if (call.res.writableFinished) return;
    session.close();
    if (cancel && !session.translator.ended) {
      cancelRun(ctx, call.principal.tenant, runId, session.translator.ctx.assistantId).catch((e: unknown) =>
        ctx.deps.system.warn(`acp: cancel of run ${runId} on disconnect failed: ${(e as Error).message}`),
      );
    }
  };
  // A client that left while the session was opening (replaying a long log) closed before this
  // listener existed: its session is closed now, or it would stay subscribed to the run forever.
  if (call.res.destroyed) gone();
  else call.res.on('close', gone);
}

/**
 * Streams the session's events as SSE until the run stops or the client leaves. `Location` names
 * the run's join stream relative to the SDK's `apiUrl` (which includes the mount prefix): on a
 * dropped connection the SDKs reconnect there with `Last-Event-ID` and continue where they were.
 */
export async function followRun(
  ctx: AcpContext,
  call: AcpCall,
  session: RunSession,
  runId: string,
  location: string,
  cancelOnDisconnect: boolean,
): Promise<void> {
  const rejoin = `${location.startsWith(ctx.prefix) ? location.slice(ctx.prefix.length) : location}/stream`;
  const stream = new SseStream(call.res, { 'content-location': location, location: rejoin }, ctx.sendBufferBytes, ctx.clock);
  onDisconnect(ctx, call, session, runId, cancelOnDisconnect);
  session.attach((events) => stream.send(events));
  await session.done;
  session.close();
  stream.end();
}

/** Answers with the run's final values (`__interrupt__` / `__error__` included) once it stops. */
export async function answerWhenDone(
  ctx: AcpContext,
  call: AcpCall,
  session: RunSession,
  runId: string,
  location: string,
  cancelOnDisconnect: boolean,
): Promise<void> {
  const res = call.res;
  onDisconnect(ctx, call, session, runId, cancelOnDisconnect);
  let keepalive: Repeating | undefined;
  const quick = ctx.clock.setTimer(QUICK_MS, () => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-location': location });
    res.write('\n');
    keepalive = every(ctx.clock, KEEPALIVE_MS, () => res.write('\n'), { unref: true });
  });
  unref(quick);
  try {
    await session.done;
  } finally {
    ctx.clock.clearTimer(quick);
    keepalive?.stop();
    session.close();
  }
  if (res.destroyed) return;
  const values = session.translator.finalValues();
  const body = session.lost === undefined ? values : { ...values, __error__: { error: 'EventsLost', message: session.lost } };
  if (res.headersSent) res.end(JSON.stringify(body));
  else sendJson(res, 200, body, { 'content-location': location });
}
