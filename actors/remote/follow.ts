/**
 * One exchange with a remote A2A agent: send a message (streaming when its card says so, else
 * blocking) or follow a task already started (resubscribe, else poll `GetTask`), turning what
 * comes back into run events — artifact chunks become `token` events — until the task ends or
 * waits for input. Returns where the task stands then.
 */
import { TaskState, type Message, type SendMessageRequest, type StreamResponse, type Task, type TaskStatus } from '@a2a-js/sdk';
import { CancelledError } from '../../protocols/index.js';
import type { Clock } from '../../runtime/index.js';
import { isAgentMessage, partsData, partsText, type RemoteClient } from './client.js';
import type { RemoteHost, RemoteLive } from './host.js';

/** What to do next with the remote task. */
export type Step = { readonly kind: 'send'; readonly message: Message } | { readonly kind: 'follow' };

/** Where the remote task stands after an exchange. */
export type Outcome =
  | { readonly state: 'completed'; readonly output: string }
  | { readonly state: 'failed' | 'canceled'; readonly error: string }
  | { readonly state: 'input'; readonly interrupt: unknown }
  | { readonly state: 'working' };

const END = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);
const PAUSE = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

/** A SendMessage request for `message` (the agent card's default tenant). */
function request(message: Message): SendMessageRequest {
  return { tenant: '', message, configuration: undefined, metadata: undefined };
}

/** Follows the remote side of one run; `onTask` is told the task's id the first time it is seen. */
export class Exchange {
  private readonly chunks = new Map<string, string>();
  private state: TaskState = TaskState.TASK_STATE_SUBMITTED;
  private status: TaskStatus | undefined;
  private answer: string | undefined;
  /** This exchange answers a task that waits for input. */
  private answering = false;

  constructor(
    private readonly remote: RemoteClient,
    private readonly live: RemoteLive,
    private readonly host: RemoteHost,
    private readonly onTask: () => void,
    private readonly clock: Clock,
    private readonly pollMs = 500,
  ) {}

  /** Runs one step to the next stop of the remote task. */
  async run(step: Step): Promise<Outcome> {
    const { client, streaming } = this.remote;
    const signal = this.live.abort.signal;
    const id = this.live.task?.taskId ?? '';
    this.answering = step.kind === 'send' && step.message.taskId !== '';
    if (step.kind === 'send' && streaming) {
      const events = client.sendMessageStream(request(step.message), { signal });
      for await (const ev of events) if (this.absorb(ev)) break;
      return this.outcome();
    }
    if (step.kind === 'follow' && streaming) {
      try {
        for await (const ev of client.resubscribeTask({ tenant: '', id }, { signal })) if (this.absorb(ev)) break;
        if (this.outcome().state !== 'working') return this.outcome();
      } catch (e) {
        if (signal.aborted) throw e;
      }
      // A task that ended meanwhile, a server that cannot resubscribe, or a stream that closed
      // before the task stopped: the task is read with GetTask (polled, never in a tight loop).
    }
    const first =
      step.kind === 'send'
        ? await client.sendMessage(request(step.message), { signal })
        : await client.getTask({ tenant: '', id }, { signal });
    this.absorbResult(first);
    while (this.answer === undefined && !END.has(this.state) && !PAUSE.has(this.state) && this.live.task !== undefined) {
      await this.sleep(signal);
      this.absorbTask(await client.getTask({ tenant: '', id: this.live.task.taskId }, { signal }));
    }
    // A blocking answer arrives whole: it streams as one token, like a model that does not stream.
    const whole = this.output();
    if (whole !== '' && END.has(this.state) && !streaming) this.host.emit('token', { text: whole });
    return this.outcome();
  }

  private outcome(): Outcome {
    if (this.answer !== undefined || this.state === TaskState.TASK_STATE_COMPLETED) return { state: 'completed', output: this.output() };
    const said = partsText(this.status?.message?.parts);
    if (this.state === TaskState.TASK_STATE_CANCELED) {
      return { state: 'canceled', error: said === '' ? 'the remote agent cancelled the task' : said };
    }
    if (this.state === TaskState.TASK_STATE_FAILED || this.state === TaskState.TASK_STATE_REJECTED) {
      const how = this.state === TaskState.TASK_STATE_FAILED ? 'failed' : 'rejected the task';
      return { state: 'failed', error: `remote agent ${how}${said === '' ? '' : `: ${said}`}` };
    }
    if (this.state === TaskState.TASK_STATE_AUTH_REQUIRED) {
      return { state: 'failed', error: `remote agent requires authentication${said === '' ? '' : `: ${said}`}` };
    }
    if (this.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      // A Troupe mesh sends its interrupt as a data part; any other server's question is its text.
      const data = partsData(this.status?.message?.parts) as { interrupt?: unknown } | undefined;
      return { state: 'input', interrupt: data?.interrupt ?? { kind: 'input', question: said } };
    }
    return { state: 'working' };
  }

  private output(): string {
    if (this.answer !== undefined) return this.answer;
    const chunks = [...this.chunks.values()].join('');
    return chunks !== '' ? chunks : partsText(this.status?.message?.parts);
  }

  private absorbResult(r: Task | Message): void {
    if ('status' in r) this.absorbTask(r);
    else this.absorbMessage(r);
  }

  /** Takes one stream event in; true when it ends the exchange. */
  private absorb(ev: StreamResponse): boolean {
    const p = ev.payload;
    if (p === undefined) return false;
    switch (p.$case) {
      case 'task':
        this.absorbTask(p.value);
        // An answer's stream may open with the task as it was: still waiting for that answer.
        return END.has(this.state) || (PAUSE.has(this.state) && !this.answering);
      case 'message':
        this.absorbMessage(p.value);
        return true;
      case 'statusUpdate':
        this.see(p.value.taskId, p.value.contextId);
        if (p.value.status !== undefined) this.setStatus(p.value.status);
        break;
      case 'artifactUpdate': {
        this.see(p.value.taskId, p.value.contextId);
        const a = p.value.artifact;
        if (a !== undefined) this.chunk(a.artifactId, partsText(a.parts), p.value.append);
        break;
      }
    }
    return END.has(this.state) || PAUSE.has(this.state);
  }

  private absorbTask(t: Task): void {
    this.see(t.id, t.contextId);
    if (t.status !== undefined) this.setStatus(t.status);
    // A snapshot (a task answered whole, or one followed again after a restart) brings the artifacts so far, not streamed here.
    for (const a of t.artifacts) {
      const text = partsText(a.parts);
      if (text.length > (this.chunks.get(a.artifactId) ?? '').length) this.chunks.set(a.artifactId, text);
    }
  }

  private absorbMessage(m: Message): void {
    if (m.taskId !== '') this.see(m.taskId, m.contextId);
    if (!isAgentMessage(m)) return;
    this.answer = partsText(m.parts);
    if (this.remote.streaming) this.host.emit('token', { text: this.answer });
  }

  private setStatus(s: TaskStatus): void {
    this.state = s.state;
    this.status = s;
  }

  /** An artifact chunk: appended text streams as a token; a whole artifact repeating the chunks streams only what is new. */
  private chunk(artifactId: string, text: string, append: boolean): void {
    const had = this.chunks.get(artifactId) ?? '';
    let fresh = '';
    if (append) fresh = text;
    else if (text.startsWith(had)) fresh = text.slice(had.length);
    this.chunks.set(artifactId, append ? had + text : text);
    if (fresh !== '' && this.remote.streaming) this.host.emit('token', { text: fresh });
  }

  private see(taskId: string, contextId: string): void {
    if (taskId === '' || this.live.task?.taskId === taskId) return;
    this.live.task = { taskId, contextId };
    this.onTask();
  }

  private sleep(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = this.clock.setTimer(this.pollMs, () => {
        signal.removeEventListener('abort', stop);
        resolve();
      });
      const stop = (): void => {
        this.clock.clearTimer(t);
        reject(signal.reason instanceof Error ? signal.reason : new CancelledError('aborted'));
      };
      signal.addEventListener('abort', stop, { once: true });
    });
  }
}
