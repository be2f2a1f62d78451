/**
 * Chat with any agent or workflow over `/ws`: tokens as they stream, tool calls and results, delegations and handoffs
 * inline, interrupts answered in place. The conversation is kept in sessionStorage with the last seq it applied, so a
 * reload (or a dropped connection) resumes the run after that seq: no token lost, none twice.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { View, ViewProps } from '../registry.js';
import type { Frame, RunFollower, Socket } from '../ws.js';
import { Interrupt } from './interrupt.js';
import { ErrorLine, Text, ToolCall } from './parts.js';
import { answerInterrupt, applyFrame, resumed, type ChatState, type Item } from './transcript.js';

const CHAT_KEY = 'troupe.console.chat';

function load(fallbackAgent: string): ChatState {
  try {
    const s = JSON.parse(sessionStorage.getItem(CHAT_KEY) ?? 'null') as ChatState | null;
    if (s !== null && typeof s.agent === 'string' && Array.isArray(s.items)) return s;
  } catch {
    // A damaged entry starts a new conversation.
  }
  return { agent: fallbackAgent, items: [] };
}

let requests = 0;

function Entry(props: { item: Item; active: boolean; onAnswer: (resume: unknown, answer: string) => void }) {
  const it = props.item;
  switch (it.k) {
    case 'user':
      return (
        <div class="msg user">
          <span class="who">You</span>
          <Text text={it.text} />
        </div>
      );
    case 'assistant':
      return (
        <div class="msg assistant" data-testid="assistant" data-done={String(it.done)}>
          <span class="who">{it.agent}</span>
          <Text text={it.parts.join('')} />
          {it.partial === true ? (
            <p class="muted" data-testid="partial">
              Part of this reply streamed while the page was away; the whole reply shows when its step ends.
            </p>
          ) : null}
        </div>
      );
    case 'tool':
      return <ToolCall name={it.name} args={it.args} result={it.result} />;
    case 'handoff':
      return (
        <div class="event" data-kind="handoff">
          <strong>Handoff</strong> from {it.from} to {it.to}
        </div>
      );
    case 'step':
      return (
        <div class="event" data-kind="step">
          <strong>Step {it.step}</strong> {it.event}
          {it.detail === '' ? null : (
            <>
              : <Text text={it.detail} />
            </>
          )}
        </div>
      );
    case 'interrupt':
      return <Interrupt item={it} active={props.active} onAnswer={props.onAnswer} />;
    case 'end':
      return (
        <p class={it.status === 'completed' ? 'status-ok' : 'status-bad'} role="status" data-testid="run-end">
          Run {it.status}
          {it.text === '' ? '' : ` — ${it.text}`}
          {it.runId === undefined ? null : (
            <>
              {' · '}
              <a href={`#/timeline/${encodeURIComponent(it.runId)}`} data-testid="run-timeline-link">
                timeline
              </a>
            </>
          )}
        </p>
      );
    case 'error':
      return (
        <p class="error" role="alert">
          {it.text}
        </p>
      );
  }
}

/**
 * The conversation of this tab, outside any component: it keeps following its run while another view is shown (the
 * page's one connection streams on), and it is saved to sessionStorage after every frame for a reload.
 */
class ChatStore {
  private current: ChatState | undefined;
  private readonly views = new Set<() => void>();
  private socket: Socket | undefined;

  get state(): ChatState {
    this.current ??= load('');
    return this.current;
  }

  set(next: ChatState): void {
    if (next === this.current) return;
    this.current = next;
    sessionStorage.setItem(CHAT_KEY, JSON.stringify(next));
    for (const v of this.views) v();
  }

  /** Re-renders `view` on every change until the returned function is called. */
  watch(view: () => void): () => void {
    this.views.add(view);
    return () => this.views.delete(view);
  }

  /** Binds to the page's socket (once): a run in progress after a reload continues after the last seq applied. */
  attach(socket: Socket): void {
    if (this.socket === socket) return;
    this.socket = socket;
    const run = this.state.run;
    if (run !== undefined) socket.follow(run.id, this.follower, true);
  }

  /** Starts a new conversation with `agent` (a run in progress goes on; this tab stops following it). */
  reset(agent: string): void {
    const run = this.state.run;
    if (run !== undefined) this.socket?.unfollow(run.id);
    this.set({ agent, items: [] });
  }

  /** Follows a run this tab just started (its frames stream on the connection that started it). */
  started(runId: string, threadId: string, workflow: boolean): void {
    this.set({ ...this.state, threadId, run: { id: runId, seq: 0, agent: this.state.agent, ...(workflow ? { workflow } : {}) } });
    this.socket?.follow(runId, this.follower, false);
  }

  readonly follower: RunFollower = {
    lastSeq: () => this.state.run?.seq ?? 0,
    onFrame: (f: Frame) => {
      const before = this.state.run;
      this.set(applyFrame(this.state, f));
      if (before !== undefined && this.state.run === undefined) this.socket?.unfollow(before.id);
    },
    resumed: () => this.set(resumed(this.state)),
  };
}

const store = new ChatStore();

function Chat(props: ViewProps) {
  const [, setTick] = useState(0);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string>();
  const end = useRef<HTMLDivElement>(null);
  store.attach(props.socket);
  useEffect(() => store.watch(() => setTick((n) => n + 1)), []);
  useEffect(() => end.current?.scrollIntoView({ block: 'nearest' }));
  const set = (next: ChatState): void => store.set(next);
  if (store.state.agent === '' && props.assistants[0] !== undefined) set({ ...store.state, agent: props.assistants[0].assistant_id });

  const s = store.state;
  const busy = s.run !== undefined;
  const send = (): void => {
    const text = draft.trim();
    if (text === '' || busy || s.agent === '') return;
    const id = `console-${Date.now()}-${++requests}`;
    setError(undefined);
    const stop = props.socket.listen((f) => {
      if (f['id'] !== id) return;
      stop();
      if (f.type === 'run.created') {
        store.started(String(f['run_id']), String(f['thread_id']), f['workflow'] !== undefined);
      } else if (f.type === 'error') setError(`${String(f['code'])}: ${String(f['message'])}`);
    });
    set({ ...s, items: [...s.items, { k: 'user', text }] });
    setDraft('');
    props.socket.send({
      type: 'run.start',
      id,
      agent: s.agent,
      input: { messages: [{ role: 'user', content: text }] },
      ...(s.threadId === undefined ? {} : { thread_id: s.threadId }),
    });
  };
  const answer = (resume: unknown, text: string): void => {
    const run = store.state.run;
    if (run === undefined) return;
    set(answerInterrupt(store.state, run.id, text));
    props.socket.send({ type: 'run.resume', id: `console-resume-${++requests}`, run_id: run.id, resume });
  };

  return (
    <section class="panel" aria-labelledby="chat-title">
      <div class="row">
        <h2 id="chat-title" class="grow">
          Chat
        </h2>
        <div>
          <label for="agent">Agent or workflow</label>
          <select id="agent" value={s.agent} disabled={busy} onChange={(e) => set({ agent: e.currentTarget.value, items: [] })}>
            {props.assistants.map((a) => (
              <option key={a.assistant_id} value={a.assistant_id}>
                {a.name ?? a.assistant_id}
                {a.metadata?.['kind'] === 'workflow' ? ' (workflow)' : ''}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="secondary" onClick={() => store.reset(s.agent)}>
          New conversation
        </button>
      </div>
      <p class="muted">
        {s.threadId === undefined ? (
          'A new thread starts with the first message.'
        ) : (
          <>
            Thread{' '}
            <a href={`#/threads/${s.threadId}`} class="mono">
              {s.threadId}
            </a>
          </>
        )}
        {busy ? (
          <span class="badge">
            run {s.run?.id} · seq {s.run?.seq}
          </span>
        ) : null}
      </p>
      <div class="transcript" data-testid="transcript" aria-label="Conversation">
        {s.items.length === 0 ? <p class="muted">No messages yet.</p> : null}
        {s.items.map((it, i) => (
          <Entry key={i} item={it} active={busy} onAnswer={answer} />
        ))}
        <div ref={end} />
      </div>
      <ErrorLine text={error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label for="message">Message</label>
        <textarea
          id="message"
          rows={3}
          value={draft}
          placeholder="Enter sends, Shift+Enter starts a new line"
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <div class="row">
          <button type="submit" disabled={busy || draft.trim() === ''}>
            Send
          </button>
          {busy ? (
            <button type="button" class="danger" onClick={() => props.socket.send({ type: 'run.cancel', run_id: s.run?.id })}>
              Cancel run
            </button>
          ) : null}
          {s.run === undefined ? null : (
            <a href={`#/timeline/${encodeURIComponent(s.run.id)}`} data-testid="live-timeline-link">
              Timeline of this run
            </a>
          )}
        </div>
      </form>
    </section>
  );
}

/** The chat view (`#/chat`). */
export const chatView: View = { id: 'chat', title: 'Chat', component: Chat };
