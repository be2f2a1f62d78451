/**
 * How a run looks as an A2A task (ADR 0010): task id = run id, context id = thread id, run
 * status → task state, the run's output → the `output` artifact and the final agent message.
 * {@link TaskView} folds run events one by one and says which stream events each one makes,
 * so a live stream, a blocking send and a task rebuilt from a stored event log agree.
 */
import type { RunEvent, RunStatus } from '../../protocols/index.js';
import { systemClock, type Clock } from '../../runtime/index.js';
import { isoNow } from '../clock.js';
import type { Artifact, Message, Part, StreamResponse, Task, TaskState } from './types.js';

/** Run status → task state (`interrupted` waits for the user: input-required). */
export const STATE_OF: Readonly<Record<RunStatus, TaskState>> = {
  pending: 'TASK_STATE_SUBMITTED',
  running: 'TASK_STATE_WORKING',
  interrupted: 'TASK_STATE_INPUT_REQUIRED',
  success: 'TASK_STATE_COMPLETED',
  error: 'TASK_STATE_FAILED',
  timeout: 'TASK_STATE_FAILED',
  cancelled: 'TASK_STATE_CANCELED',
};

/** Id of the artifact a task's answer goes to. */
export const OUTPUT_ARTIFACT = 'output';

/**
 * What every task view shares (an agent run's, {@link TaskView}, and a workflow run's): id, context, state, the status
 * message, the history, and how a status update, an agent message and the task itself are made.
 */
export abstract class TaskFold {
  state: TaskState = 'TASK_STATE_SUBMITTED';
  /** The agent (or workflow) the run is on now; cancel and resume go there. */
  agent: string;
  lastSeq = 0;
  protected statusMessage: Message | undefined;
  protected timestamp: string;
  protected readonly history: Message[];

  constructor(
    readonly id: string,
    readonly contextId: string,
    first: Message | undefined,
    agent: string,
    protected readonly clock: Clock = systemClock,
  ) {
    this.timestamp = isoNow(clock);
    this.agent = agent;
    this.history = first === undefined ? [] : [first];
  }

  /** Adds a follow-up message from the user (an answer to input-required). */
  addUserMessage(m: Message): void {
    this.history.push(m);
  }

  /** The parts of the `output` artifact now (undefined: no output yet). */
  protected abstract outputParts(): Part[] | undefined;

  /** The task's metadata. */
  protected abstract metadata(): Record<string, unknown>;

  protected update(state: TaskState, message: Message | undefined, metadata?: Record<string, unknown>): StreamResponse {
    this.state = state;
    this.timestamp = isoNow(this.clock);
    this.statusMessage = message;
    const status = { state, timestamp: this.timestamp, ...(message === undefined ? {} : { message }) };
    return { statusUpdate: { taskId: this.id, contextId: this.contextId, status, ...(metadata === undefined ? {} : { metadata }) } };
  }

  protected artifact(parts: Part[]): Artifact {
    return { artifactId: OUTPUT_ARTIFACT, name: 'output', parts };
  }

  protected agentMessage(parts: Part[]): Message {
    return { messageId: `${this.id}-${this.lastSeq}`, contextId: this.contextId, taskId: this.id, role: 'ROLE_AGENT', parts };
  }

  /** The task now; `historyLength` keeps only the newest messages (0: none). */
  task(historyLength?: number): Task {
    const output = this.outputParts();
    const history = historyLength === undefined ? this.history : historyLength === 0 ? [] : this.history.slice(-historyLength);
    return {
      id: this.id,
      contextId: this.contextId,
      status: {
        state: this.state,
        timestamp: this.timestamp,
        ...(this.statusMessage === undefined ? {} : { message: this.statusMessage }),
      },
      ...(output === undefined ? {} : { artifacts: [this.artifact(output)] }),
      ...(history.length === 0 ? {} : { history: [...history] }),
      metadata: this.metadata(),
    };
  }
}

/** A task built up from its agent run's events. */
export class TaskView extends TaskFold {
  private tokens = '';
  /** Where each token's text starts in {@link tokens}, by seq (a `rewind` cuts the text back to one of them). */
  private tokenStarts: { seq: number; at: number }[] = [];
  private output: string | undefined;
  /** The answer's other formats (docs/adr/0046-output-formats.md): the json value as a data part, the audio as a blob URL. */
  private formatted: Part[] = [];

  /** Folds one event in (old or repeated seqs are ignored); returns the stream events it makes. */
  apply(e: RunEvent): StreamResponse[] {
    if (e.seq <= this.lastSeq) return [];
    this.lastSeq = e.seq;
    this.agent = e.agent;
    const data = (e.data ?? {}) as Record<string, unknown>;
    switch (e.event) {
      case 'token': {
        const text = typeof data['text'] === 'string' ? data['text'] : '';
        if (text === '') return [];
        const append = this.tokens !== '';
        this.tokenStarts.push({ seq: e.seq, at: this.tokens.length });
        this.tokens += text;
        return [
          { artifactUpdate: { taskId: this.id, contextId: this.contextId, artifact: this.artifact([{ text }]), append, lastChunk: false } },
        ];
      }
      case 'tool_call':
      case 'tool_result':
      case 'handoff':
        return [
          this.update('TASK_STATE_WORKING', this.agentMessage([{ data: { event: e.event, ...data } }]), { event: e.event, agent: e.agent }),
        ];
      case 'status':
        return this.status(data);
      case 'rewind': {
        // A resumed run's new reply differs from the text streamed before: the output goes back to before `from_seq`.
        const from = typeof data['from_seq'] === 'number' ? data['from_seq'] : Number.POSITIVE_INFINITY;
        const cut = this.tokenStarts.find((t) => t.seq >= from);
        if (cut === undefined) return [];
        this.tokens = this.tokens.slice(0, cut.at);
        this.tokenStarts = this.tokenStarts.filter((t) => t.seq < from);
        return [
          {
            artifactUpdate: {
              taskId: this.id,
              contextId: this.contextId,
              artifact: this.artifact([{ text: this.tokens }]),
              append: false,
              lastChunk: false,
            },
          },
        ];
      }
      default:
        // `message` repeats what the tokens said; `interrupt` is followed by status interrupted.
        return [];
    }
  }

  private status(data: Record<string, unknown>): StreamResponse[] {
    const status = data['status'] as RunStatus | undefined;
    const state = status === undefined ? undefined : STATE_OF[status];
    if (state === undefined) return [];
    const out: StreamResponse[] = [];
    if (status === 'success') {
      this.output = typeof data['output'] === 'string' ? data['output'] : this.tokens;
      this.formatted = formattedParts(data['outputs']);
      out.push({
        artifactUpdate: {
          taskId: this.id,
          contextId: this.contextId,
          artifact: this.artifact([{ text: this.output }, ...this.formatted]),
          append: false,
          lastChunk: true,
        },
      });
      const answer = this.agentMessage([{ text: this.output }]);
      this.history.push(answer);
      out.push(this.update(state, answer));
    } else if (status === 'interrupted') {
      const interrupt = data['interrupt'];
      out.push(this.update(state, this.agentMessage([{ text: describeInterrupt(interrupt) }, { data: { interrupt } }])));
    } else if (status === 'running') {
      // Running again after an answer starts a new reply; running again after its host died (`resumed`) goes on with
      // the same one: the text already streamed stays (a `rewind` says when it does not).
      if (data['resumed'] === undefined) {
        this.tokens = '';
        this.tokenStarts = [];
      }
      out.push(this.update(state, undefined));
    } else {
      const error = typeof data['error'] === 'string' ? data['error'] : `run ${status}`;
      out.push(this.update(state, this.agentMessage([{ text: error }])));
    }
    return out;
  }

  protected outputParts(): Part[] | undefined {
    const output = this.output ?? (this.tokens === '' ? undefined : this.tokens);
    return output === undefined ? undefined : [{ text: output }, ...this.formatted];
  }

  protected metadata(): Record<string, unknown> {
    return { agent: this.agent };
  }
}

/** The json value (a data part) and the spoken answer (its blob's URL, `audio/wav`) of a run's `outputs`. */
function formattedParts(outputs: unknown): Part[] {
  const o = (outputs ?? {}) as { json?: unknown; audio?: { blob?: unknown; mime?: unknown } };
  const parts: Part[] = [];
  if (o.json !== undefined) parts.push({ data: o.json, mediaType: 'application/json' });
  if (typeof o.audio?.blob === 'string')
    parts.push({
      url: `/blobs/${o.audio.blob}`,
      mediaType: typeof o.audio.mime === 'string' ? o.audio.mime : 'audio/wav',
      filename: 'answer.wav',
    });
  return parts;
}

/** A line a person can answer, for an interrupt (tool approvals name the tool and arguments). */
export function describeInterrupt(interrupt: unknown): string {
  const i = (interrupt ?? {}) as { tool_call?: { name?: unknown; arguments?: unknown }; tool?: unknown; arguments?: unknown };
  const call = i.tool_call ?? { name: i.tool, arguments: i.arguments };
  if (typeof call.name === 'string')
    return `Approve the call of ${call.name} with ${JSON.stringify(call.arguments ?? {})}? Answer yes or no (with a reason).`;
  return `The agent needs your input: ${JSON.stringify(interrupt)}`;
}
