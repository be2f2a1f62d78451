/**
 * One run as a timeline across agents and nodes (`GET /runs/{run_id}/timeline`): model calls, tool calls,
 * delegations, handoffs, interrupts and guardrail actions, each with its duration, tokens and cost; the trace id.
 * Opened as `#/timeline/<run id>` (from the chat and the threads views) or by typing a run id.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { View, ViewProps } from '../registry.js';
import { ErrorLine, Json } from './parts.js';

interface Tokens {
  readonly input: number;
  readonly output: number;
}
interface Span {
  readonly id: string;
  readonly parent_id: string | null;
  readonly kind: string;
  readonly name: string;
  readonly run_id: string;
  readonly agent: string;
  readonly node: string | null;
  readonly start: string | null;
  readonly end: string | null;
  readonly duration_ms: number | null;
  readonly tokens?: Tokens;
  readonly cost?: number | null;
  readonly status?: string;
  readonly detail?: Record<string, unknown>;
}
interface Timeline {
  readonly run_id: string;
  readonly thread_id?: string | null;
  readonly agent: string;
  readonly status: string;
  readonly trace_id: string | null;
  readonly start: string | null;
  readonly end: string | null;
  readonly duration_ms: number | null;
  readonly tokens: Tokens;
  readonly cost: number | null;
  readonly nodes: readonly (string | null)[];
  readonly agents: readonly string[];
  readonly spans: readonly Span[];
}

const ms = (v: number | null | undefined): string => (v == null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
const money = (v: number | null | undefined): string => (v == null ? '—' : v.toPrecision(3));
const tokens = (t: Tokens | undefined): string => (t === undefined ? '—' : `${t.input} in · ${t.output} out`);

/** Depth of each span under its parents (the list comes parent first). */
function depths(spans: readonly Span[]): Map<string, number> {
  const d = new Map<string, number>();
  for (const s of spans) d.set(s.id, s.parent_id === null ? 0 : (d.get(s.parent_id) ?? -1) + 1);
  return d;
}

/** The span's bar on the run's time axis (an SVG: the CSP allows no inline style). */
function Bar(props: { span: Span; t0: number; total: number }) {
  const s = props.span;
  const start = s.start === null ? props.t0 : Date.parse(s.start);
  const end = s.end === null ? (s.duration_ms === null ? start : start + s.duration_ms) : Date.parse(s.end);
  const x = props.total <= 0 ? 0 : ((start - props.t0) / props.total) * 1000;
  const w = props.total <= 0 ? 1000 : Math.max(4, ((end - start) / props.total) * 1000);
  return (
    <svg class="bar" viewBox="0 0 1000 12" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect class={`bar-${s.kind}`} x={Math.min(x, 996)} y="1" width={Math.min(w, 1000 - Math.min(x, 996))} height="10" rx="2" />
    </svg>
  );
}

function TimelineTable(props: { t: Timeline }) {
  const t = props.t;
  const d = depths(t.spans);
  const t0 = t.start === null ? 0 : Date.parse(t.start);
  const last = Math.max(t0, ...t.spans.map((s) => (s.end === null ? 0 : Date.parse(s.end))));
  const total = (t.duration_ms ?? last - t0) || 1;
  const [open, setOpen] = useState<string | undefined>(undefined);
  return (
    <div class="scroll" tabIndex={0}>
      <table class="timeline" data-testid="spans">
        <caption class="sr">Spans of run {t.run_id}</caption>
        <thead>
          <tr>
            <th scope="col">Span</th>
            <th scope="col">Agent</th>
            <th scope="col">Node</th>
            <th scope="col">Duration</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col" class="bar-col">
              Time
            </th>
          </tr>
        </thead>
        <tbody>
          {t.spans.map((s) => (
            <>
              <tr key={s.id} data-kind={s.kind} data-span={s.id}>
                <th scope="row" class={`depth-${Math.min(d.get(s.id) ?? 0, 5)}`}>
                  <button
                    type="button"
                    class="linkish"
                    aria-expanded={open === s.id}
                    onClick={() => setOpen(open === s.id ? undefined : s.id)}
                  >
                    <span class={`kind kind-${s.kind}`}>{s.kind}</span> {s.name}
                  </button>
                  {s.status === undefined ? null : <span class={`badge ${s.status === 'error' ? 'status-bad' : ''}`}>{s.status}</span>}
                </th>
                <td>{s.agent}</td>
                <td class="mono">{s.node ?? '—'}</td>
                <td>{ms(s.duration_ms)}</td>
                <td>{tokens(s.tokens)}</td>
                <td>{money(s.cost)}</td>
                <td class="bar-col">
                  <Bar span={s} t0={t0} total={total} />
                </td>
              </tr>
              {open === s.id ? (
                <tr key={`${s.id}-detail`}>
                  <td colSpan={7}>
                    <Json value={s} label={`span ${s.name}`} />
                  </td>
                </tr>
              ) : null}
            </>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunTimeline(props: ViewProps) {
  const [runId, setRunId] = useState(props.param);
  const [t, setT] = useState<Timeline | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    setRunId(props.param);
    setT(undefined);
    setError(undefined);
    if (props.param === '') return;
    let gone = false;
    api<Timeline>(`/runs/${encodeURIComponent(props.param)}/timeline`).then(
      (r) => {
        if (!gone) setT(r);
      },
      (e: unknown) => {
        if (!gone) setError(errorText(e));
      },
    );
    return () => {
      gone = true;
    };
  }, [props.param]);
  return (
    <section class="panel" aria-labelledby="tl-h">
      <h2 id="tl-h">Run timeline</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = `#/timeline/${encodeURIComponent(runId.trim())}`;
        }}
      >
        <div class="grow">
          <label for="tl-run">Run id</label>
          <input id="tl-run" class="mono wide" value={runId} onInput={(e) => setRunId(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={runId.trim() === ''}>
          Show
        </button>
      </form>
      <ErrorLine text={error} />
      {t === undefined ? (
        props.param === '' || error !== undefined ? null : (
          <p class="muted">Loading…</p>
        )
      ) : (
        <>
          <dl class="facts" data-testid="run-summary">
            <dt>Agent</dt>
            <dd>{t.agents.join(' → ') || t.agent}</dd>
            <dt>Status</dt>
            <dd>{t.status}</dd>
            <dt>Duration</dt>
            <dd>{ms(t.duration_ms)}</dd>
            <dt>Tokens</dt>
            <dd>{tokens(t.tokens)}</dd>
            <dt>Cost</dt>
            <dd>{money(t.cost)}</dd>
            <dt>Nodes</dt>
            <dd class="mono">{t.nodes.map((n) => n ?? '—').join(', ') || '—'}</dd>
            <dt>Trace id</dt>
            <dd class="mono" data-testid="trace-id">
              {t.trace_id ?? 'none (the run was started outside any trace)'}
            </dd>
            {t.thread_id == null ? null : (
              <>
                <dt>Thread</dt>
                <dd>
                  <a class="mono" href={`#/threads/${encodeURIComponent(t.thread_id)}`}>
                    {t.thread_id}
                  </a>
                </dd>
              </>
            )}
          </dl>
          <TimelineTable t={t} />
        </>
      )}
    </section>
  );
}

export const timelineView: View = { id: 'timeline', title: 'Timeline', component: RunTimeline };
