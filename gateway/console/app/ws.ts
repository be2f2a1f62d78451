/**
 * The page's one WebSocket to `/ws` (docs/gateway-websocket.md): authenticates with `hello {token}`, and after a
 * dropped connection reconnects with backoff and resumes every followed run from the last seq its listener processed.
 */
import { sessionToken } from './api.js';

/** A frame the server sent. */
export type Frame = Record<string, unknown> & { type: string };

/** Follows one run: the last seq it processed, and where its frames go. */
export interface RunFollower {
  lastSeq(): number;
  onFrame(frame: Frame): void;
  /** A `hello` asking for the events after `lastSeq()` went out (a run's live-only frames sent meanwhile are lost). */
  resumed?(): void;
}

type State = 'connecting' | 'open' | 'closed';

/** The connection; `onState` hears `connecting`/`open`/`closed`, `onFrame` every frame no follower took. */
export class Socket {
  private ws: WebSocket | undefined;
  private readonly runs = new Map<string, RunFollower>();
  private readonly queue: string[] = [];
  private ready = false;
  /** The current connection's hellos went out (a run followed later needs its own). */
  private greeted = false;
  private stopped = false;
  private attempt = 0;
  private listeners = new Set<(f: Frame) => void>();
  state: State = 'connecting';

  constructor(private readonly onState: (s: State) => void = () => undefined) {
    this.open();
  }

  /** Hears every frame (until the returned function is called). */
  listen(fn: (f: Frame) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sends a frame now, or once the connection is authenticated. */
  send(frame: Record<string, unknown>): void {
    const text = JSON.stringify(frame);
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }

  /** Delivers run `runId`'s frames to `f`; with `resume`, asks for the events after `f.lastSeq()` (a run started elsewhere or earlier). */
  follow(runId: string, f: RunFollower, resume: boolean): void {
    this.runs.set(runId, f);
    // Before the connection opened, its first hellos will name this run.
    if (resume && this.greeted) this.resume(runId, f, (t) => this.send(t));
  }

  private resume(runId: string, f: RunFollower, send: (frame: Record<string, unknown>) => void): void {
    send(this.hello(runId, f.lastSeq()));
    f.resumed?.();
  }

  /** Stops following `runId` (its later frames go to the listeners). */
  unfollow(runId: string): void {
    this.runs.delete(runId);
  }

  /** Closes for good. */
  close(): void {
    this.stopped = true;
    this.ws?.close();
  }

  /** Drops the connection as a network failure would (it reconnects and resumes). */
  drop(): void {
    this.ws?.close(4000, 'dropped by the console');
  }

  private hello(runId?: string, afterSeq?: number): Record<string, unknown> {
    const token = sessionToken();
    return {
      type: 'hello',
      ...(token === undefined ? {} : { token }),
      ...(runId === undefined ? {} : { resume: { run_id: runId, after_seq: afterSeq ?? 0 } }),
    };
  }

  private setState(s: State): void {
    this.state = s;
    this.onState(s);
  }

  private open(): void {
    this.ready = false;
    this.greeted = false;
    this.setState('connecting');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      // The first hello authenticates; each later one resumes one followed run after its last processed seq.
      const runs = [...this.runs];
      this.greeted = true;
      if (runs.length === 0) ws.send(JSON.stringify(this.hello()));
      for (const [id, f] of runs) this.resume(id, f, (t) => ws.send(JSON.stringify(t)));
    };
    ws.onmessage = (m: MessageEvent<string>) => {
      let frame: Frame;
      try {
        frame = JSON.parse(m.data) as Frame;
      } catch {
        return;
      }
      if (frame.type === 'welcome' && !this.ready) {
        this.ready = true;
        this.attempt = 0;
        this.setState('open');
        for (const t of this.queue.splice(0)) ws.send(t);
      }
      if (frame.type === 'error' && frame['run_id'] === undefined) {
        // A refused resume (`hello` carries no id) names its run in the message only.
        const message = String(frame['message'] ?? '');
        const named = [...this.runs.keys()].find((id) => message.includes(id));
        if (named !== undefined) frame = { ...frame, run_id: named };
      }
      const runId = frame['run_id'];
      const follower = typeof runId === 'string' ? this.runs.get(runId) : undefined;
      if (follower !== undefined) follower.onFrame(frame);
      for (const l of this.listeners) l(frame);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ready = false;
      if (this.stopped || e.code === 1008) {
        this.setState('closed');
        return;
      }
      this.setState('connecting');
      const delay = Math.min(5_000, 250 * 2 ** this.attempt++);
      setTimeout(() => this.open(), delay);
    };
  }
}
