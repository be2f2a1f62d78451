/** Fork: a run from an older checkpoint of a thread (`POST /acp/threads/{id}/runs` with `checkpoint: {checkpoint_id}`). */
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { ViewProps } from '../registry.js';

/** Starts a run of the chosen agent from `checkpoint` with a message, waits for its end, then calls `onDone`. */
export function Fork(props: ViewProps & { threadId: string; checkpoint: string; defaultAgent: string; onDone: () => void }) {
  const [agent, setAgent] = useState(props.defaultAgent);
  const [text, setText] = useState('');
  const [note, setNote] = useState<{ text: string; bad: boolean }>();
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setNote({ text: 'Running from this checkpoint…', bad: false });
    const base = `/acp/threads/${encodeURIComponent(props.threadId)}/runs`;
    try {
      const r = await api<{ run_id: string }>(base, {
        assistant_id: agent,
        input: { messages: [{ role: 'user', content: text }] },
        checkpoint: { checkpoint_id: props.checkpoint },
      });
      await api(`${base}/${encodeURIComponent(r.run_id)}/join`);
      setNote({ text: `Run ${r.run_id} finished: its checkpoints branch from ${props.checkpoint}.`, bad: false });
      setText('');
      props.onDone();
    } catch (e) {
      setNote({ text: `Fork failed: ${errorText(e)}`, bad: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="panel"
      aria-labelledby="fork-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy && text.trim() !== '') void run();
      }}
    >
      <h3 id="fork-title">Fork: run from this checkpoint</h3>
      <div class="row">
        <div>
          <label for="fork-agent">Agent</label>
          <select id="fork-agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
            {props.assistants.map((a) => (
              <option key={a.assistant_id} value={a.assistant_id}>
                {a.name ?? a.assistant_id}
              </option>
            ))}
          </select>
        </div>
        <div class="grow">
          <label for="fork-message">Message</label>
          <input id="fork-message" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy || text.trim() === ''}>
          Run from here
        </button>
      </div>
      {note === undefined ? null : (
        <p class={note.bad ? 'error' : 'muted'} role="status" data-testid="fork-note">
          {note.text}
        </p>
      )}
    </form>
  );
}
