/**
 * Threads over `/acp`: list and search, a thread's checkpoint history, the state at any checkpoint (time travel),
 * and fork: a new run from an earlier checkpoint (`POST /threads/{id}/runs` with `checkpoint: {checkpoint_id}`).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { View, ViewProps } from '../registry.js';
import { Fork } from './fork.js';
import { ErrorLine, Json, Text, ToolCall } from './parts.js';

interface LgMessage {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly name?: string;
  readonly tool_calls?: readonly { id?: string; name: string; args?: Record<string, unknown> }[];
}
interface Thread {
  readonly thread_id: string;
  readonly status?: string;
  readonly updated_at?: string;
  readonly metadata?: Record<string, unknown>;
  readonly values?: { messages?: readonly LgMessage[] } | null;
}
interface ThreadState {
  readonly values?: { messages?: readonly LgMessage[] } | null;
  readonly next?: readonly string[];
  readonly checkpoint?: { checkpoint_id?: string } | null;
  readonly parent_checkpoint?: { checkpoint_id?: string } | null;
  readonly metadata?: Record<string, unknown> | null;
  readonly created_at?: string | null;
}

const messagesOf = (v: { values?: { messages?: readonly LgMessage[] } | null }): readonly LgMessage[] => v.values?.messages ?? [];
const textOf = (c: unknown): string =>
  typeof c === 'string'
    ? c
    : Array.isArray(c)
      ? c.map((p) => (typeof p === 'string' ? p : String((p as { text?: unknown }).text ?? ''))).join('')
      : '';
const idOf = (s: ThreadState): string => s.checkpoint?.checkpoint_id ?? '';
const when = (t: string | null | undefined): string => (t == null ? '' : new Date(t).toLocaleString());

function Messages(props: { messages: readonly LgMessage[] }) {
  if (props.messages.length === 0) return <p class="muted">No messages at this checkpoint.</p>;
  return (
    <div class="transcript" data-testid="state-messages">
      {props.messages.map((m, i) => {
        const kind = m.type ?? m.role ?? '';
        if (kind === 'tool')
          return (
            <div key={i} class="event">
              <strong>Tool result{m.name === undefined ? '' : `: ${m.name}`}</strong>
              <pre class="mono">
                <Text text={textOf(m.content)} />
              </pre>
            </div>
          );
        const human = kind === 'human' || kind === 'user';
        return (
          <div key={i}>
            {textOf(m.content) === '' ? null : (
              <div class={`msg ${human ? 'user' : 'assistant'}`}>
                <span class="who">{human ? 'User' : (m.name ?? 'Assistant')}</span>
                <Text text={textOf(m.content)} />
              </div>
            )}
            {(m.tool_calls ?? []).map((c, j) => (
              <ToolCall key={j} name={c.name} args={c.args ?? {}} />
            ))}
          </div>
        );
      })}
    </div>
  );
}

function ThreadList(props: { selected: string }) {
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const [threads, setThreads] = useState<readonly Thread[]>();
  const [error, setError] = useState<string>();
  const search = (): void => {
    const eq = /^\s*([^=\s]+)\s*=\s*(.+?)\s*$/.exec(query);
    api<Thread[]>('/acp/threads/search', {
      limit: 100,
      sort_by: 'updated_at',
      sort_order: 'desc',
      ...(status === '' ? {} : { status }),
      ...(eq === null ? {} : { metadata: { [eq[1] as string]: eq[2] } }),
    }).then(
      (list) => {
        const q = eq === null ? query.trim().toLowerCase() : '';
        setThreads(
          q === ''
            ? list
            : list.filter((t) => t.thread_id.includes(q) || messagesOf(t).some((m) => textOf(m.content).toLowerCase().includes(q))),
        );
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(search, [status]);
  return (
    <section class="panel" aria-labelledby="threads-title">
      <h2 id="threads-title">Threads</h2>
      <form
        class="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <div class="grow">
          <label for="thread-query">Search</label>
          <input
            id="thread-query"
            placeholder="text, thread id or key=value"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for="thread-status">Status</label>
          <select id="thread-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            <option value="idle">idle</option>
            <option value="busy">busy</option>
            <option value="interrupted">interrupted</option>
            <option value="error">error</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ErrorLine text={error} />
      {threads === undefined ? (
        <p class="muted">Loading…</p>
      ) : threads.length === 0 ? (
        <p class="muted">No threads.</p>
      ) : (
        <ul class="list" data-testid="thread-list">
          {threads.map((t) => (
            <li key={t.thread_id}>
              <button
                type="button"
                aria-pressed={t.thread_id === props.selected}
                onClick={() => (location.hash = `#/threads/${encodeURIComponent(t.thread_id)}`)}
              >
                <span class="mono">{t.thread_id}</span>
                <span class="badge">{t.status}</span>
                <br />
                <span class="muted">
                  {messagesOf(t).length} messages · {when(t.updated_at)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ThreadDetail(props: ViewProps & { threadId: string }) {
  const [history, setHistory] = useState<readonly ThreadState[]>();
  const [selected, setSelected] = useState<string>();
  const [state, setState] = useState<ThreadState>();
  const [error, setError] = useState<string>();
  const base = `/acp/threads/${encodeURIComponent(props.threadId)}`;
  const loadHistory = (select?: 'newest'): void => {
    api<ThreadState[]>(`${base}/history`, { limit: 200 }).then(
      (h) => {
        setHistory(h);
        setError(undefined);
        if (select === 'newest' || selected === undefined) setSelected(h[0] === undefined ? undefined : idOf(h[0]));
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(() => {
    setSelected(undefined);
    setState(undefined);
    loadHistory('newest');
  }, [props.threadId]);
  useEffect(() => {
    if (selected === undefined) return;
    api<ThreadState>(`${base}/state/${encodeURIComponent(selected)}`).then(
      (s) => setState(s),
      (e: unknown) => setError(errorText(e)),
    );
  }, [selected, props.threadId]);
  const meta = history?.[0]?.metadata ?? {};
  const agentHint = [meta['graph_id'], meta['assistant_id'], meta['agent']].find((v) => typeof v === 'string') as string | undefined;
  const defaultAgent = agentHint ?? props.assistants[0]?.assistant_id ?? '';
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">
        Thread <span class="mono">{props.threadId}</span>
      </h2>
      <ErrorLine text={error} />
      <div class="cols">
        <div>
          <h3>Checkpoints (newest first)</h3>
          {history === undefined ? (
            <p class="muted">Loading…</p>
          ) : (
            <ol class="list" data-testid="history">
              {history.map((h, i) => (
                <li key={idOf(h)}>
                  <button type="button" aria-pressed={idOf(h) === selected} onClick={() => setSelected(idOf(h))}>
                    <span class="mono">{idOf(h).slice(0, 18)}</span>
                    {i === 0 ? <span class="badge">latest</span> : null}
                    <br />
                    <span class="muted">
                      {messagesOf(h).length} messages · {when(h.created_at)}
                      {h.parent_checkpoint?.checkpoint_id == null ? '' : ` · from ${h.parent_checkpoint.checkpoint_id.slice(0, 8)}`}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h3>State at the checkpoint</h3>
          {state === undefined ? (
            <p class="muted">Pick a checkpoint.</p>
          ) : (
            <div data-testid="state" data-checkpoint={idOf(state)}>
              <p class="muted">
                Checkpoint <span class="mono">{idOf(state)}</span>
                {state.parent_checkpoint?.checkpoint_id == null ? null : (
                  <>
                    {' '}
                    · parent <span class="mono">{state.parent_checkpoint.checkpoint_id}</span>
                  </>
                )}
                {typeof state.metadata?.['run_id'] === 'string' ? (
                  <>
                    {' '}
                    · <a href={`#/timeline/${encodeURIComponent(state.metadata['run_id'])}`}>timeline of its run</a>
                  </>
                ) : null}
              </p>
              <Messages messages={messagesOf(state)} />
              {state.next !== undefined && state.next.length > 0 ? <Json value={{ next: state.next }} label="next" /> : null}
              {selected === undefined ? null : (
                <Fork {...props} checkpoint={selected} defaultAgent={defaultAgent} onDone={() => loadHistory('newest')} />
              )}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

function Threads(props: ViewProps) {
  return (
    <div class="cols">
      <ThreadList selected={props.param} />
      {props.param === '' ? (
        <section class="panel">
          <p class="muted">Pick a thread to see its checkpoints.</p>
        </section>
      ) : (
        <ThreadDetail {...props} threadId={props.param} />
      )}
    </div>
  );
}

/** The threads view (`#/threads`, `#/threads/<thread id>`). */
export const threadsView: View = { id: 'threads', title: 'Threads', component: Threads };
