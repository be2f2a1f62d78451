/** Small pieces the views share: text with guardrail redactions marked, a tool call with its result, JSON. */
import type { Args } from './transcript.js';

/** What guardrails leave in text: `[REDACTED:TYPE]` (redact) and `****1234` (mask), docs/guardrails.md. */
const REDACTION = /(\[REDACTED:[A-Z0-9_]+\]|\*{4}[^\s*]{0,4})/;

/** `text` with every guardrail redaction shown as such. */
export function Text(props: { text: string }) {
  const pieces = props.text.split(REDACTION);
  return (
    <>
      {pieces.map((p, i) =>
        i % 2 === 1 ? (
          <mark key={i} class="redacted" title="Redacted by a guardrail">
            <span class="sr">redacted by a guardrail: </span>
            {p}
          </mark>
        ) : (
          p
        ),
      )}
    </>
  );
}

/** A JSON value, pretty-printed. */
export function Json(props: { value: unknown; label?: string }) {
  return (
    <pre class="mono" aria-label={props.label}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

/** A tool call (or a delegation, `ask_<agent>`) and its result when it has one. */
export function ToolCall(props: {
  name: string;
  args: Args;
  result?: { content: string; isError: boolean; quarantined?: readonly string[] | undefined } | undefined;
}) {
  const delegate = props.name.startsWith('ask_') ? props.name.slice(4) : undefined;
  const r = props.result;
  return (
    <div class="event" data-kind={delegate === undefined ? 'tool' : 'delegation'}>
      <strong>{delegate === undefined ? `Tool call: ${props.name}` : `Delegated to ${delegate}`}</strong>
      <Json value={delegate === undefined ? props.args : props.args['question']} label="arguments" />
      {r === undefined ? (
        <span class="muted">waiting for the result…</span>
      ) : (
        <div data-testid="tool-result">
          <strong class={r.isError ? 'status-bad' : 'status-ok'}>
            {delegate === undefined ? (r.isError ? 'Error' : 'Result') : `${delegate} answered`}
          </strong>
          {r.quarantined === undefined || r.quarantined.length === 0 ? null : (
            <span class="badge redacted">withheld by a guardrail: {r.quarantined.join(', ')}</span>
          )}
          <pre class="mono">
            <Text text={r.content} />
          </pre>
        </div>
      )}
    </div>
  );
}

/** An error message, announced to screen readers; nothing when there is none. */
export function ErrorLine(props: { text: string | undefined }) {
  return props.text === undefined ? null : (
    <p class="error" role="alert">
      {props.text}
    </p>
  );
}

/** A table's header row: one column header per name. */
export function Head(props: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.cols.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
