/**
 * What a `/ws` client receives (docs/gateway-websocket.md), as types: the server
 * frames, the events of one run, and an interrupt asking for approval.
 */
import type { ErrorFrame } from '../ws/frames.js';

/** `welcome`: the connection is authenticated. */
export interface WelcomeFrame {
  readonly type: 'welcome';
  readonly session: string;
  readonly node: string;
  readonly tenant: string;
}

/** `run.created`: the answer to `run.start` (always before the run's first event). */
export interface RunCreatedFrame {
  readonly type: 'run.created';
  readonly id: string;
  readonly run_id: string;
  readonly thread_id: string;
  /** The node whose agent activation runs it, when the gateway knows (compare the `welcome` frame's `node`). */
  readonly node?: string;
}

/** One event of a run: `token` (`data.text`), `message`, `tool_call`, `tool_result`, `handoff`, `status`… */
export interface RunEventFrame {
  readonly type: 'run.event';
  readonly run_id: string;
  readonly seq: number;
  readonly event: string;
  readonly data: unknown;
}

/** The run ended with an answer. */
export interface RunCompletedFrame {
  readonly type: 'run.completed';
  readonly run_id: string;
  readonly seq: number;
  readonly output: string | null;
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
}

/** The run failed (error or timeout). */
export interface RunFailedFrame {
  readonly type: 'run.failed';
  readonly run_id: string;
  readonly seq: number;
  readonly error: string;
}

/** The run was cancelled. */
export interface RunCancelledFrame {
  readonly type: 'run.cancelled';
  readonly run_id: string;
  readonly seq: number;
}

/** What an approval interrupt carries: the tool call waiting for a human. */
export interface ApprovalInterrupt {
  readonly kind: 'approval';
  readonly tool_call: { readonly id: string; readonly name: string; readonly arguments: Record<string, unknown> };
}

/** The run waits for an answer (`Conversation.resume`). */
export interface RunInterruptedFrame {
  readonly type: 'run.interrupted';
  readonly run_id: string;
  readonly seq: number;
  readonly interrupt: ApprovalInterrupt | null;
}

/** A message published on a subscribed topic. */
export interface TopicMessageFrame {
  readonly type: 'message';
  readonly topic: string;
  readonly from: string;
  readonly payload: unknown;
}

/** Frames of one run, in `seq` order. */
export type RunFrame = RunEventFrame | RunCompletedFrame | RunFailedFrame | RunCancelledFrame | RunInterruptedFrame;

/** Every frame the server sends. */
export type ServerFrame =
  WelcomeFrame | RunCreatedFrame | RunFrame | TopicMessageFrame | ErrorFrame | { readonly type: 'pong'; readonly id?: string };

export type { ErrorFrame };

/** True for the frames that end a run. */
export function isTerminal(f: RunFrame): f is RunCompletedFrame | RunFailedFrame | RunCancelledFrame {
  return f.type === 'run.completed' || f.type === 'run.failed' || f.type === 'run.cancelled';
}
