/** An interrupt answered in place: approve, edit the arguments (or a workflow step's value) and approve, or reject. */
import { useState } from 'preact/hooks';
import { ErrorLine, Json } from './parts.js';
import { approvalOf, type Args, type Item } from './transcript.js';

/** The heading of an interrupt that is not a tool approval: a workflow's human step asks its `question`. */
function questionOf(value: unknown): string {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { step?: unknown; question?: unknown };
  if (typeof v.question !== 'string') return 'The run waits for an answer';
  return typeof v.step === 'string' ? `Step ${v.step} asks: ${v.question}` : v.question;
}

/** The interrupt `item`; `onAnswer` gets the `run.resume` value and how the transcript records the answer. */
export function Interrupt(props: {
  item: Extract<Item, { k: 'interrupt' }>;
  onAnswer: (resume: unknown, answer: string) => void;
  active: boolean;
}) {
  const approval = approvalOf(props.item.value);
  const [editing, setEditing] = useState(false);
  const [args, setArgs] = useState(() => JSON.stringify(approval?.args ?? {}, null, 2));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const answered = props.item.answer;
  return (
    <div class="event interrupt" role="group" aria-label="Interrupt">
      <strong>{approval === undefined ? questionOf(props.item.value) : `Approve the call to ${approval.name}?`}</strong>
      <Json value={approval === undefined ? props.item.value : approval.args} label="arguments" />
      {answered !== undefined ? (
        <p class="muted">Answered: {answered}</p>
      ) : !props.active ? null : (
        <div>
          {editing ? (
            <>
              <label for="edit-args">Arguments (JSON)</label>
              <textarea id="edit-args" rows={4} value={args} onInput={(e) => setArgs(e.currentTarget.value)} />
            </>
          ) : null}
          <ErrorLine text={error} />
          <div class="row">
            <button
              type="button"
              onClick={() => {
                if (!editing) return props.onAnswer({ approve: true }, 'approved');
                let parsed: Args;
                try {
                  parsed = JSON.parse(args) as Args;
                  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
                } catch {
                  return setError('The arguments must be a JSON object.');
                }
                props.onAnswer({ approve: true, arguments: parsed }, `approved with ${JSON.stringify(parsed)}`);
              }}
            >
              {editing ? 'Approve with these arguments' : 'Approve'}
            </button>
            {editing ? null : (
              <button type="button" class="secondary" onClick={() => setEditing(true)}>
                Edit arguments
              </button>
            )}
            <label class="sr" for="reject-reason">
              Reason for rejecting
            </label>
            <input id="reject-reason" placeholder="reason (optional)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            <button
              type="button"
              class="danger"
              onClick={() =>
                props.onAnswer({ approve: false, reason: reason || 'rejected in the console' }, `rejected${reason ? `: ${reason}` : ''}`)
              }
            >
              Reject
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
