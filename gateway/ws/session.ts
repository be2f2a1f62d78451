/**
 * One WebSocket connection (docs/gateway-websocket.md): authenticates (`Authorization` header on the
 * upgrade or a `hello` frame), validates every frame (a bad one gets an `error` frame and the
 * connection stays open), starts, resumes and cancels runs, relays topics of its tenant, and
 * sends through a bounded buffer — a client that cannot keep up is closed with 4008.
 */
import { traced } from '../trace.js';
import { withRunUser } from '../profiles/identity.js';
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import {
  formatIssues,
  inspectWireValue,
  isTroupeError,
  RUN_CANCEL,
  RUN_CREATE,
  RUN_RESUME,
  scrubSecrets,
  type ErrorCode,
} from '../../protocols/index.js';
import { assertPattern, assertTopic, type Subscription, type TimerHandle } from '../../runtime/index.js';
import { assertVisible, requirePermission, THREAD_OWNER, withThreadOwner, type Permission } from '../auth/index.js';
import { bucketKey, gatewayError } from '../http.js';
import { addFeedback, parseFeedback } from '../feedback/index.js';
import { admitMessages } from '../blobs/index.js';
import type { Principal } from '../types.js';
import type { WsContext } from './context.js';
import {
  CLIENT_TYPES,
  CLOSE,
  clientFrame,
  frameCode,
  frameId,
  type ClientFrame,
  type ErrorFrame,
  type HelloFrame,
  type RunStartFrame,
} from './frames.js';
import { Outbox } from './outbox.js';
import { RunStream, type RunSink } from './run-stream.js';
import { WorkflowWsRun, type WorkflowSink } from './workflow-run.js';
import { WorkflowJournal, type WorkflowRunRecord } from '../../actors/index.js';

/** The permission each frame needs (gateway/auth/permissions.ts); `hello`, `unsubscribe` and `ping` need none. */
export const FRAME_PERMISSIONS: Readonly<Partial<Record<ClientFrame['type'], Permission>>> = {
  'run.start': 'runs:create',
  'run.resume': 'runs:create',
  'run.cancel': 'runs:create',
  subscribe: 'topics:subscribe',
  publish: 'topics:publish',
  feedback: 'feedback:write',
};

/** Topic prefixes clients may not publish on: run events and system notices are the mesh's to write. */
const RESERVED_PUBLISH = /^(run|sys)\./;

/** One client connection. */
export class Session implements RunSink {
  readonly id = randomUUID();
  principal: Principal | undefined;
  /** Set on every inbound frame and pong; the heartbeat drops a session that stays silent. */
  alive = true;
  private readonly out: Outbox;
  private finished = false;
  private readonly subs = new Map<string, Subscription>();
  private readonly runs = new Map<string, RunStream>();
  /** Workflow runs started on this connection, by run id (workflow-run.ts). */
  private readonly flows = new Map<string, WorkflowWsRun>();
  private helloTimer: TimerHandle | undefined;
  private readonly openedAt: number;
  private frames = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: WsContext,
    principal: Principal | undefined,
    /** The connection-limit slot this session holds. */
    private slot: string,
    private readonly onEnd: (s: Session) => void,
    /** The upgrade request's valid `traceparent` header: the runs this session starts continue its trace. */
    private readonly traceparent?: string,
  ) {
    this.out = new Outbox(ws, ctx.limits, ctx.metrics, () => this.stopAll(), ctx.clock);
    this.openedAt = ctx.clock.now();
    ws.on('message', (data, isBinary) => {
      this.frames++;
      this.onMessage(data, isBinary);
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', (code: number) => this.cleanup(code));
    ws.on('error', (e) => {
      // ws closes the socket itself (1009 for an oversized frame); count it, 'close' follows.
      const code = (e as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? CLOSE.TOO_BIG : CLOSE.INTERNAL;
      this.ctx.metrics.wsCloses.inc({ code: String(code) });
    });
    this.principal = principal;
    if (principal !== undefined) this.welcome();
    else
      this.helloTimer = ctx.clock.setTimer(ctx.limits.helloTimeoutMs, () =>
        this.close(CLOSE.POLICY, 'no hello with valid credentials in time'),
      );
  }

  /** The tenant everything this session touches is scoped to. */
  private get tenant(): string {
    return (this.principal as Principal).tenant;
  }

  /** Most bytes ever queued for this client (stays under the send-buffer limit plus one frame). */
  get peakBufferedBytes(): number {
    return this.out.peakBufferedBytes;
  }

  /** Sends a frame through the bounded buffer; false when the session is gone or just closed as slow. */
  send(frame: object): boolean {
    return this.out.send(frame);
  }

  /** Sends a ws ping (heartbeat). */
  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Closes with `code`; the socket is destroyed if the close handshake does not finish in time. */
  close(code: number, reason: string): void {
    this.out.close(code, reason);
  }

  /** Drops the connection without a close handshake (dead peer). */
  terminate(): void {
    this.ctx.metrics.wsCloses.inc({ code: 'heartbeat' });
    this.ws.terminate();
  }

  // ---- RunSink ------------------------------------------------------------------------------

  ended(stream: RunStream, status: string | undefined): void {
    this.runs.delete(stream.runId);
    if (status !== undefined) this.ctx.metrics.runsEnded.inc({ status });
    if (stream.startedAt !== undefined) this.ctx.metrics.runDuration.observe((performance.now() - stream.startedAt) / 1000);
  }

  warn(message: string): void {
    this.ctx.warn(message);
  }

  // ---- inbound ------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (this.out.closing) return;
    this.ctx.metrics.framesIn.inc();
    const wait = this.ctx.rate.take(this.rateKey());
    if (wait > 0) {
      this.ctx.metrics.rateLimited.inc();
      this.sendError(undefined, 'rate_limited', `rate limit exceeded; retry in ${wait} ms`, wait);
      return;
    }
    if (isBinary) return this.sendError(undefined, 'bad_request', 'binary frames are not accepted: send JSON text frames');
    let raw: unknown;
    try {
      // A text frame arrives as one Buffer (ws's default binaryType): read in place, not copied first.
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      return this.sendError(undefined, 'bad_request', `malformed JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return this.sendError(undefined, 'bad_request', 'a frame is a JSON object with a "type"');
    const id = frameId(raw);
    const problem = inspectWireValue(raw);
    if (problem !== undefined) return this.sendError(id, 'bad_request', `frame rejected: ${problem.message}`);
    const type = (raw as { type?: unknown }).type;
    if (typeof type !== 'string' || !CLIENT_TYPES.has(type))
      return this.sendError(
        id,
        'bad_request',
        `unknown frame type ${JSON.stringify(type)?.slice(0, 64)}; expected one of ${[...CLIENT_TYPES].join(', ')}`,
      );
    const parsed = clientFrame.safeParse(raw);
    if (!parsed.success) return this.sendError(id, 'bad_request', `invalid ${type} frame: ${formatIssues(parsed.error.issues)}`);
    if (this.principal === undefined && type !== 'hello')
      return this.sendError(id, 'unauthorized', 'send {"type":"hello","token":"…"} first');
    this.dispatch(parsed.data).catch((e: unknown) => this.fail(id, e));
  }

  private rateKey(): string {
    // With auth off every caller is the same anonymous principal: limit per connection instead.
    const p = this.principal;
    return p === undefined || p.subject === 'anonymous' ? `session:${this.id}` : bucketKey(p);
  }

  private async dispatch(f: ClientFrame): Promise<void> {
    const needed = FRAME_PERMISSIONS[f.type];
    if (needed !== undefined) requirePermission(this.principal as Principal, needed, `${f.type} frame`);
    switch (f.type) {
      case 'hello':
        return this.hello(f);
      case 'run.start':
        return this.startRun(f);
      case 'run.resume':
        return this.askRun(f.run_id, RUN_RESUME, { run_id: f.run_id, resume: f.resume });
      case 'run.cancel':
        return this.askRun(f.run_id, RUN_CANCEL, { run_id: f.run_id });
      case 'subscribe':
        return this.subscribe(f.topic);
      case 'unsubscribe':
        this.subs.get(f.topic)?.unsubscribe();
        this.subs.delete(f.topic);
        return;
      case 'publish':
        assertTopic(f.topic);
        if (RESERVED_PUBLISH.test(f.topic))
          throw gatewayError('forbidden', `topics run.* and sys.* are written by the mesh, not by clients`);
        await this.ctx.deps.system.publish(f.topic, f.payload, { tenant: this.tenant, from: `client/${this.id}` });
        return;
      case 'feedback': {
        const { type: _type, id, run_id: runId, ...body } = f;
        const feedback = await addFeedback(this.ctx.deps, this.principal as Principal, runId, parseFeedback(body));
        this.send({ type: 'feedback.recorded', id, feedback });
        return;
      }
      case 'ping':
        this.send(f.id === undefined ? { type: 'pong' } : { type: 'pong', id: f.id });
        return;
    }
  }

  private welcome(): void {
    this.send({ type: 'welcome', session: this.id, node: this.ctx.deps.system.node, tenant: this.tenant });
  }

  private async hello(f: HelloFrame): Promise<void> {
    if (this.principal === undefined) {
      let p: Principal;
      try {
        p = await this.ctx.auth.authenticate(f.token);
      } catch (e) {
        this.fail(undefined, e);
        this.close(CLOSE.POLICY, 'unauthorized');
        return;
      }
      const key = p.subject === 'anonymous' ? this.slot : bucketKey(p);
      if (this.ctx.connections.transfer(this.slot, key) !== undefined) {
        this.sendError(undefined, 'rate_limited', 'too many connections for this key');
        this.close(CLOSE.POLICY, 'connection limit');
        return;
      }
      this.slot = key;
      if (this.helloTimer !== undefined) this.ctx.clock.clearTimer(this.helloTimer);
      this.principal = p;
      this.welcome();
    } else {
      if (f.token !== undefined && this.ctx.auth.enabled && (await this.ctx.auth.authenticate(f.token)).tenant !== this.tenant)
        throw gatewayError('forbidden', 'a connection stays in the tenant it authenticated as');
      this.welcome();
    }
    if (f.resume !== undefined) await this.resume(f.resume.run_id, f.resume.after_seq);
  }

  private reserve(): void {
    if (this.subs.size + this.runs.size + this.flows.size >= this.ctx.limits.subscriptionsPerConnection)
      throw gatewayError('rate_limited', `at most ${this.ctx.limits.subscriptionsPerConnection} subscriptions and runs per connection`);
  }

  private async resume(runId: string, afterSeq: number): Promise<void> {
    if (this.runs.has(runId) || this.flows.has(runId))
      throw gatewayError('conflict', `run ${runId} is already streaming on this connection`);
    const flow = await new WorkflowJournal(this.ctx.deps.system.storage).getRun(this.tenant, runId);
    if (flow !== undefined) return this.resumeWorkflow(flow, afterSeq);
    assertVisible(this.principal as Principal, await this.ctx.store?.getRun(this.tenant, runId), 'user', `run ${runId}`);
    this.reserve();
    const stream = new RunStream(runId, this.tenant, '', afterSeq, this.ctx.deps.system, this.ctx.store, this, this.ctx.clock);
    this.runs.set(runId, stream);
    let known = false;
    try {
      known = await stream.resume();
    } finally {
      if (!known) {
        stream.stop();
        this.runs.delete(runId);
      }
    }
    if (!known) throw gatewayError('not_found', `run ${runId} not found`);
  }

  /** Where a workflow run's frames go: this connection; an ended run is forgotten. */
  private flowSink(): WorkflowSink {
    return { send: (frame: object) => this.send(frame), ended: (runId: string) => this.flows.delete(runId) };
  }

  /** Resume of a workflow run: its events after `afterSeq` from the journal, then live (workflow-run.ts). */
  private resumeWorkflow(r: WorkflowRunRecord, afterSeq: number): void {
    assertVisible(this.principal as Principal, r, 'user', `run ${r.run_id}`);
    this.reserve();
    // Ended, and the client has seen its end already: nothing more will come.
    if (r.status !== 'running' && r.status !== 'interrupted' && afterSeq >= (r.last_seq ?? 0)) return;
    const run = new WorkflowWsRun(r.workflow, r.run_id, this.tenant, this.ctx.deps.system, this.flowSink(), afterSeq);
    this.flows.set(r.run_id, run);
    run.release();
  }

  private async startRun(f: RunStartFrame): Promise<void> {
    this.reserve();
    const tenant = this.tenant;
    if (this.ctx.deps.workflows?.().includes(f.agent) === true) return this.startWorkflow(f);
    if (!this.ctx.deps.agents().some((a) => a.name === f.agent)) throw gatewayError('not_found', `agent ${f.agent} not found`);
    const principal = this.principal as Principal;
    if (f.thread_id !== undefined && this.ctx.store !== undefined) {
      const thread = await this.ctx.store.getThread(tenant, f.thread_id);
      if (thread === undefined) throw gatewayError('not_found', `thread ${f.thread_id} not found`);
      assertVisible(principal, thread, THREAD_OWNER, `thread ${f.thread_id}`);
    }
    const threadId = f.thread_id ?? (await this.ownThread(f.agent));
    const runId = randomUUID();
    const stream = new RunStream(runId, tenant, f.agent, 0, this.ctx.deps.system, this.ctx.store, this, this.ctx.clock);
    stream.startedAt = performance.now();
    stream.firstToken = (ms) => this.ctx.metrics.firstEvent.observe(ms / 1000);
    this.runs.set(runId, stream);
    try {
      const ref = await this.ctx.deps.ensure(`agent/${f.agent}`, tenant);
      await this.ctx.deps.admit?.(tenant); // a tenant past its budget starts no run
      const user = withRunUser(undefined, this.principal);
      // Media parts are checked and stored as the tenant's blobs here, as on /acp and /a2a: the mesh sees references only.
      const messages = await admitMessages(this.ctx.deps, tenant, f.input.messages);
      const payload = {
        run_id: runId,
        input: { ...f.input, messages },
        ...(threadId === undefined ? {} : { thread_id: threadId }),
        ...(f.config === undefined ? {} : { config: f.config }),
        // The run's user is the caller (profiles and business rules read it).
        ...(user === undefined ? {} : { metadata: user }),
      };
      const created = await ref.ask<{ run_id: string; thread_id: string }>(
        RUN_CREATE,
        payload,
        traced({ timeoutMs: this.ctx.limits.askTimeoutMs }, this.traceparent),
      );
      if (this.runs.get(runId) !== stream) return; // the connection ended meanwhile
      this.ctx.metrics.runsStarted.inc();
      // Where the run executes: the node holding the agent's lease (a client of several gateways can go there next time).
      const cluster = this.ctx.deps.system.transport.cluster;
      const lease = cluster?.leases().find((l) => l.tenant === tenant && l.address === `agent/${f.agent}`);
      const node = cluster === undefined ? this.ctx.deps.system.node : lease?.node;
      this.send({ type: 'run.created', id: f.id, run_id: runId, thread_id: created.thread_id, ...(node === undefined ? {} : { node }) });
      stream.start();
    } catch (e) {
      stream.stop();
      this.runs.delete(runId);
      throw isTroupeError(e, 'no_recipient') ? gatewayError('not_found', `agent ${f.agent} not found`) : e;
    }
  }

  /** `run.start` naming a workflow: a run of `workflow/<name>`, its events streamed as an agent run's (workflow-run.ts). */
  private async startWorkflow(f: RunStartFrame): Promise<void> {
    const ref = await this.ctx.deps.ensure(`workflow/${f.agent}`, this.tenant);
    await this.ctx.deps.admit?.(this.tenant);
    const user = withRunUser(undefined, this.principal);
    const payload = {
      input: f.input,
      ...(f.thread_id === undefined ? {} : { thread_id: f.thread_id }),
      ...(f.config === undefined ? {} : { config: f.config }),
      ...(user === undefined ? {} : { metadata: user }),
    };
    const options = traced({ timeoutMs: this.ctx.limits.askTimeoutMs }, this.traceparent);
    const { run, thread_id } = await WorkflowWsRun.start(
      this.ctx.deps.system,
      ref,
      this.tenant,
      f.agent,
      payload,
      this.flowSink(),
      options,
    );
    this.flows.set(run.runId, run);
    this.send({ type: 'run.created', id: f.id, run_id: run.runId, thread_id, workflow: f.agent });
    run.release();
  }

  /** The workflow of a run this connection did not start (visible to the caller), if it is a workflow run. */
  private async workflowOf(runId: string): Promise<string | undefined> {
    const r = await new WorkflowJournal(this.ctx.deps.system.storage).getRun(this.tenant, runId);
    if (r !== undefined) assertVisible(this.principal as Principal, r, 'user', `run ${runId}`);
    return r?.workflow;
  }

  /** A new thread for a run, stamped with its creator while auth is on; with auth off the agent makes it. */
  private async ownThread(agent: string): Promise<string | undefined> {
    const owner = withThreadOwner({ graph_id: agent, assistant_id: agent }, this.principal as Principal);
    if (this.ctx.threads === undefined || owner[THREAD_OWNER] === undefined) return undefined;
    return (await this.ctx.threads.create(this.tenant, { thread_id: randomUUID(), metadata: owner })).thread_id;
  }

  /**
   * Resume or cancel: sent to the agent running the run now; an unknown run (or another tenant's, or another user's
   * without `threads:read:tenant`) is not_found.
   */
  private async askRun(runId: string, type: string, payload: unknown): Promise<void> {
    const flow = this.flows.get(runId)?.workflow ?? (await this.workflowOf(runId));
    if (flow !== undefined) {
      await (await this.ctx.deps.ensure(`workflow/${flow}`, this.tenant)).ask(type, payload, { timeoutMs: this.ctx.limits.askTimeoutMs });
      return;
    }
    const streaming = this.runs.get(runId)?.agent;
    const record = streaming ? undefined : await this.ctx.store?.getRun(this.tenant, runId);
    if (record !== undefined) assertVisible(this.principal as Principal, record, 'user', `run ${runId}`);
    const agent = streaming || record?.agent;
    if (agent === undefined || agent === '') throw gatewayError('not_found', `run ${runId} not found`);
    const ref = await this.ctx.deps.ensure(`agent/${agent}`, this.tenant);
    await ref.ask(type, payload, { timeoutMs: this.ctx.limits.askTimeoutMs });
  }

  private subscribe(topic: string): void {
    assertPattern(topic);
    if (this.subs.has(topic)) return;
    this.reserve();
    const sub = this.ctx.deps.system.subscribe(
      topic,
      (env) => this.send({ type: 'message', topic: env.to.slice('topic/'.length), from: env.from, payload: env.payload }),
      { tenant: this.tenant },
    );
    this.subs.set(topic, sub);
  }

  // ---- errors and the end -------------------------------------------------------------------

  private fail(id: string | undefined, e: unknown): void {
    if (isTroupeError(e)) {
      const retry = e.details?.['retryAfterMs'];
      this.sendError(id, frameCode(e.code), e.message, typeof retry === 'number' ? retry : undefined);
      return;
    }
    this.ctx.warn(`ws session ${this.id}: ${(e as Error)?.stack ?? String(e)}`);
    this.sendError(id, 'internal', 'internal error');
  }

  private sendError(id: string | undefined, code: ErrorCode, message: string, retryAfterMs?: number): void {
    const frame: ErrorFrame = {
      type: 'error',
      ...(id === undefined ? {} : { id }),
      code: frameCode(code),
      message: scrubSecrets(message),
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    };
    this.ctx.metrics.wsErrors.inc({ code: frame.code });
    this.send(frame);
  }

  private stopAll(): void {
    for (const s of this.subs.values()) s.unsubscribe();
    this.subs.clear();
    for (const r of this.runs.values()) r.stop();
    this.runs.clear();
    for (const r of [...this.flows.values()]) r.stop();
  }

  private cleanup(code?: number): void {
    if (this.finished) return;
    this.finished = true;
    const p = this.principal;
    this.ctx.deps.system.log.info(
      {
        event: 'ws.session',
        session: this.id,
        ...(p === undefined ? {} : { tenant: p.tenant, key_id: p.subject }),
        frames_in: this.frames,
        close_code: code,
        duration_ms: this.ctx.clock.now() - this.openedAt,
        ...(this.traceparent === undefined ? {} : { trace_id: this.traceparent.slice(3, 35) }),
      },
      `websocket session ended (${code ?? 'no code'})`,
    );
    this.out.ended();
    if (this.helloTimer !== undefined) this.ctx.clock.clearTimer(this.helloTimer);
    this.stopAll();
    this.ctx.connections.release(this.slot);
    this.onEnd(this);
  }
}
