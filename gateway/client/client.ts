/**
 * A typed client for `/ws` conversations (docs/gateway-websocket.md): start a run, read its
 * events as an async iterable, answer approvals, cancel. When the connection drops (not for bad
 * credentials) it reconnects with backoff and resumes every unfinished run after the last `seq` it
 * delivered, so a caller sees each event once, in order, across the drop.
 */
import WebSocket from 'ws';
import { isTerminal, type ErrorFrame, type RunFrame, type ServerFrame, type WelcomeFrame } from './frames.js';

/** Options of {@link TroupeClient.connect}. */
export interface ClientOptions {
  /** The gateway: `http://host:port` (then `/ws` is added) or a `ws://…/ws` URL. */
  readonly url: string;
  /** API key or JWT, sent as `Authorization: Bearer` on the upgrade and in resume `hello`s. */
  readonly key?: string;
  /** Reconnection: attempts per drop (default 8) and backoff bounds (default 100 ms … 3 s). */
  readonly reconnect?: { readonly attempts?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number };
}

/** A server `error` frame as an Error (`code` is the frame's). */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a run ended with. */
export type RunOutcome =
  | { readonly status: 'success'; readonly output: string }
  | { readonly status: 'error'; readonly error: string }
  | { readonly status: 'cancelled' };

/** Turns `http(s)://host` or `ws(s)://host/ws` into the `/ws` URL. */
export function wsUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (!u.pathname.endsWith('/ws')) u.pathname = `${u.pathname.replace(/\/$/, '')}/ws`;
  return u.toString();
}

/** One run's frames as an async iterable (ends after the terminal frame). */
export class Conversation implements AsyncIterable<RunFrame> {
  /** Last `seq` delivered; a resume asks for what follows it. */
  lastSeq = 0;
  private readonly queue: (RunFrame | Error)[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  constructor(
    private readonly client: TroupeClient,
    readonly runId: string,
    readonly threadId: string,
    /** The node whose agent activation runs it (run.created's `node`), when the gateway said. */
    readonly node?: string,
  ) {}

  /** True once the terminal frame (or a fatal error) arrived. */
  get done(): boolean {
    return this.finished;
  }

  /** @internal Delivers a frame, dropping any already delivered (a resume replays from `after_seq`). */
  push(f: RunFrame | Error): void {
    if (this.finished) return;
    if (!(f instanceof Error)) {
      if (f.seq <= this.lastSeq) return;
      this.lastSeq = f.seq;
      if (isTerminal(f)) this.finished = true;
    } else this.finished = true;
    this.queue.push(f);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunFrame> {
    for (;;) {
      const f = this.queue.shift();
      if (f === undefined) {
        if (this.finished) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      if (f instanceof Error) throw f;
      yield f;
      if (isTerminal(f)) return;
    }
  }

  /** Reads the run to its end, calling `onFrame` for every frame; resolves with the outcome. */
  async result(onFrame?: (f: RunFrame) => void | Promise<void>): Promise<RunOutcome> {
    for await (const f of this) {
      await onFrame?.(f);
      if (f.type === 'run.completed') return { status: 'success', output: f.output ?? '' };
      if (f.type === 'run.failed') return { status: 'error', error: f.error };
      if (f.type === 'run.cancelled') return { status: 'cancelled' };
    }
    throw new Error(`run ${this.runId} ended without a terminal frame`);
  }

  /** Answers the run's interrupt: approve (optionally with edited arguments) or reject. */
  resume(answer: { approve: true; arguments?: Record<string, unknown> } | { approve: false; reason?: string }): void {
    this.client.send({ type: 'run.resume', id: `resume-${this.runId}-${this.lastSeq}`, run_id: this.runId, resume: answer });
  }

  /** Asks the gateway to cancel the run. */
  cancel(): void {
    this.client.send({ type: 'run.cancel', run_id: this.runId });
  }
}

/** A `/ws` connection to a Troupe gateway that survives drops. */
export class TroupeClient {
  private ws!: WebSocket;
  private readonly runs = new Map<string, Conversation>();
  private readonly starts = new Map<string, { ok: (c: Conversation) => void; fail: (e: Error) => void }>();
  private closing = false;
  private nextId = 0;
  /** The tenant and node of the current connection. */
  welcome: WelcomeFrame | undefined;

  private constructor(private readonly options: ClientOptions) {}

  /** Connects and waits for the server's `welcome`. */
  static async connect(options: ClientOptions): Promise<TroupeClient> {
    const c = new TroupeClient(options);
    await c.open();
    return c;
  }

  /** True while a connection is open (false between a drop and the reconnect). */
  get connected(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Starts a run of `agent` on `input` (a user message or messages), on `threadId` when given. */
  async start(
    agent: string,
    input: string | { role: 'user' | 'system' | 'assistant'; content: string }[],
    options: { threadId?: string } = {},
  ): Promise<Conversation> {
    const id = `start-${++this.nextId}`;
    const messages = typeof input === 'string' ? [{ role: 'user' as const, content: input }] : input;
    const created = new Promise<Conversation>((ok, fail) => this.starts.set(id, { ok, fail }));
    const thread = options.threadId === undefined ? {} : { thread_id: options.threadId };
    this.send({ type: 'run.start', id, agent, input: { messages }, ...thread });
    return created;
  }

  /** Closes the connection; unfinished conversations end with an error. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((r) => (this.ws.readyState === WebSocket.CLOSED ? r() : this.ws.once('close', () => r())));
    this.ws.close(1000);
    await closed;
    this.failAll(new Error('client closed'));
  }

  /** @internal Sends a frame on the current connection. */
  send(frame: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error('not connected to the gateway');
    this.ws.send(JSON.stringify(frame));
  }

  private failAll(e: Error): void {
    for (const s of this.starts.values()) s.fail(e);
    this.starts.clear();
    for (const r of this.runs.values()) r.push(e);
    this.runs.clear();
  }

  private open(): Promise<void> {
    const headers = this.options.key === undefined ? undefined : { authorization: `Bearer ${this.options.key}` };
    const ws = new WebSocket(wsUrl(this.options.url), { ...(headers === undefined ? {} : { headers }) });
    this.ws = ws;
    return new Promise<void>((ok, fail) => {
      let welcomed = false;
      ws.on('message', (data) => {
        let f: ServerFrame;
        try {
          f = JSON.parse(String(data)) as ServerFrame;
        } catch {
          return;
        }
        if (f.type === 'welcome' && !welcomed) {
          welcomed = true;
          this.welcome = f;
          ok();
        }
        this.onFrame(f);
      });
      ws.on('error', (e) => {
        if (!welcomed) fail(e);
      });
      ws.on('unexpected-response', (_req, res) => {
        const code = res.statusCode === 401 ? 'unauthorized' : 'unavailable';
        fail(new GatewayError(code, `gateway refused the connection: HTTP ${res.statusCode ?? '?'}`));
        ws.terminate();
      });
      ws.on('close', (code, reason) => {
        const why = code === 1008 ? 'unauthorized' : 'unavailable';
        if (!welcomed) fail(new GatewayError(why, `connection closed (${code}) ${reason.toString()}`.trim()));
        else void this.onDrop(code);
      });
    });
  }

  private onFrame(f: ServerFrame): void {
    if (f.type === 'run.created') {
      // Registered at once: the run's first events may come in the same tick (one TCP read).
      const start = this.starts.get(f.id);
      if (start === undefined) return;
      this.starts.delete(f.id);
      const conv = new Conversation(this, f.run_id, f.thread_id, f.node);
      this.runs.set(f.run_id, conv);
      start.ok(conv);
    } else if (f.type === 'error') {
      const e = f as ErrorFrame;
      const start = e.id === undefined ? undefined : this.starts.get(e.id);
      if (start !== undefined && e.id !== undefined) {
        this.starts.delete(e.id);
        start.fail(new GatewayError(e.code, e.message));
      }
    } else if (f.type.startsWith('run.')) {
      const run = this.runs.get((f as RunFrame).run_id);
      run?.push(f as RunFrame);
      if (run?.done === true) this.runs.delete(run.runId);
    }
  }

  /** After a drop: reconnect with backoff and resume every unfinished run after its last seq. */
  private async onDrop(code: number): Promise<void> {
    if (this.closing) return;
    if (code === 1008) return this.failAll(new GatewayError('unauthorized', 'the gateway closed the connection: authentication failed'));
    for (const s of this.starts.values()) s.fail(new GatewayError('unavailable', 'connection lost before the run was created'));
    this.starts.clear();
    const { attempts = 8, baseDelayMs = 100, maxDelayMs = 3000 } = this.options.reconnect ?? {};
    for (let i = 0; i < attempts && !this.closing; i++) {
      await new Promise((r) => setTimeout(r, Math.min(maxDelayMs, baseDelayMs * 2 ** i)));
      try {
        await this.open();
      } catch {
        continue;
      }
      for (const r of this.runs.values()) {
        const token = this.options.key === undefined ? {} : { token: this.options.key };
        this.send({ type: 'hello', ...token, resume: { run_id: r.runId, after_seq: r.lastSeq } });
      }
      return;
    }
    this.failAll(new GatewayError('unavailable', `could not reconnect to ${this.options.url}`));
  }
}
