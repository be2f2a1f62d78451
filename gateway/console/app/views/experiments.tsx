/**
 * Experiments and evals: each prompt experiment (`GET /experiments`) with its arms (posterior evidence, share of runs,
 * model) and its decisions (`GET /experiments/{id}/events`); eval results as the gateway keeps them — the scores
 * `troupe eval` posts as feedback (key `eval` by default), aggregated per agent, template version and key
 * (`GET /acp/feedback/stats`), so versions can be compared side by side.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { View } from '../registry.js';
import { ErrorLine, Head } from './parts.js';

interface Arm {
  readonly version: number;
  readonly successes: number;
  readonly failures: number;
  readonly rewards: number;
  readonly assigned: number;
  readonly weight: number;
  readonly model?: { name: string; version: number; model: string } | null;
}
interface Experiment {
  readonly id: string;
  readonly agent: string;
  readonly template: string;
  readonly control: number;
  readonly status: string;
  readonly arms: readonly Arm[];
  readonly promoted?: number;
  readonly reason?: string;
  readonly created_at: string;
  readonly updated_at: string;
}
interface ExperimentEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly run_id?: string;
  readonly version?: number;
  readonly data?: Record<string, unknown>;
}
interface Aggregate {
  readonly agent: string;
  readonly template: string;
  readonly key: string;
  readonly count: number;
  readonly scored: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly positive: number;
}

const DECISIONS = new Set(['created', 'promoted', 'rolled_back', 'completed', 'stopped']);
const num = (v: number | null | undefined, digits = 2): string => (v == null ? '—' : v.toFixed(digits));
/** The mean of an arm's Beta(1 + successes, 1 + failures) posterior. */
const posterior = (a: Arm): number => (1 + a.successes) / (2 + a.successes + a.failures);

function ExperimentCard(props: { e: Experiment }) {
  const e = props.e;
  const [events, setEvents] = useState<readonly ExperimentEvent[] | undefined>(undefined);
  const [all, setAll] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<{ events: ExperimentEvent[] }>(`/experiments/${encodeURIComponent(e.id)}/events?after=0`).then(
      (r) => setEvents(r.events),
      (x: unknown) => setError(errorText(x)),
    );
  }, [e.id, e.updated_at]);
  const shown = (events ?? []).filter((v) => all || DECISIONS.has(v.type));
  return (
    <section class="panel" data-testid={`experiment-${e.id}`} aria-labelledby={`exp-${e.id}`}>
      <h3 id={`exp-${e.id}`}>
        <span class="mono">{e.id}</span> <span class="badge">{e.status}</span>
      </h3>
      <p>
        Agent <strong>{e.agent}</strong>, template <span class="mono">{e.template}</span>, control version {e.control}
        {e.promoted === undefined ? '' : `, promoted version ${e.promoted}`}
        {e.reason === undefined ? '' : ` — ${e.reason}`}
      </p>
      <div class="scroll" tabIndex={0}>
        <table data-testid="arms">
          <caption class="sr">Arms of {e.id}</caption>
          <Head cols={['Version', 'Model', 'Runs assigned', 'Rewards', 'Mean reward (posterior)', 'Share of new runs']} />
          <tbody>
            {e.arms.map((a) => (
              <tr key={a.version}>
                <th scope="row">
                  v{a.version}
                  {a.version === e.control ? <span class="badge">control</span> : null}
                </th>
                <td class="mono">{a.model == null ? 'configured' : `${a.model.name}@${a.model.version}`}</td>
                <td>{a.assigned}</td>
                <td>{a.rewards}</td>
                <td>{num(posterior(a), 3)}</td>
                <td>{(a.weight * 100).toFixed(1)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>{all ? 'Events' : 'Decisions'}</h4>
      <ErrorLine text={error} />
      {events === undefined ? null : shown.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <ol class="list" data-testid="decisions">
          {shown.map((v) => (
            <li key={v.seq}>
              <span class="muted">{new Date(v.at).toLocaleString()}</span> <strong>{v.type.replace('_', ' ')}</strong>
              {v.version === undefined ? '' : ` v${v.version}`}
              {typeof v.data?.['reason'] === 'string' ? ` — ${v.data['reason']}` : ''}
              {v.run_id === undefined ? null : (
                <>
                  {' '}
                  <a class="mono" href={`#/timeline/${encodeURIComponent(v.run_id)}`}>
                    run {v.run_id.slice(0, 8)}
                  </a>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      <button type="button" class="secondary" aria-pressed={all} onClick={() => setAll(!all)}>
        {all ? 'Decisions only' : 'Every event'}
      </button>
    </section>
  );
}

function Evals() {
  const [key, setKey] = useState('eval');
  const [stats, setStats] = useState<readonly Aggregate[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<Aggregate[]>('/acp/feedback/stats').then(setStats, (e: unknown) => setError(errorText(e)));
  }, []);
  const keys = [...new Set((stats ?? []).map((s) => s.key))].sort();
  const rows = (stats ?? []).filter((s) => key === '' || s.key === key);
  return (
    <section class="panel" aria-labelledby="evals-h">
      <h2 id="evals-h">Eval results</h2>
      <p class="muted">
        Scores that <span class="mono">troupe eval</span> posted as feedback, per agent and template version (compare versions row by row).
      </p>
      <label for="eval-key">Feedback key</label>
      <select id="eval-key" value={key} onChange={(e) => setKey(e.currentTarget.value)}>
        <option value="">every key</option>
        {[...new Set(['eval', ...keys])].map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <ErrorLine text={error} />
      {stats === undefined ? null : rows.length === 0 ? (
        <p class="muted">No scores under this key.</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table data-testid="eval-results">
            <Head cols={['Agent', 'Template', 'Key', 'Scored', 'Mean', 'Min', 'Max', 'Passed (≥ 0.5)']} />
            <tbody>
              {rows.map((s) => (
                <tr key={`${s.agent}/${s.template}/${s.key}`}>
                  <th scope="row">{s.agent}</th>
                  <td class="mono">{s.template}</td>
                  <td>{s.key}</td>
                  <td>{s.scored}</td>
                  <td>{num(s.mean)}</td>
                  <td>{num(s.min)}</td>
                  <td>{num(s.max)}</td>
                  <td>
                    {s.positive} / {s.scored}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Experiments() {
  const [list, setList] = useState<readonly Experiment[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = (): void => {
    api<{ experiments: Experiment[] }>('/experiments').then(
      (r) => {
        setList(r.experiments);
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(load, []);
  return (
    <>
      <section class="panel" aria-labelledby="exps-h">
        <div class="row">
          <h2 id="exps-h" class="grow">
            Experiments
          </h2>
          <button type="button" class="secondary" onClick={load}>
            Refresh
          </button>
        </div>
        <ErrorLine text={error} />
        {list === undefined ? null : list.length === 0 ? (
          <p class="muted">No experiments.</p>
        ) : (
          <div class="stack" data-testid="experiments">
            {list.map((e) => (
              <ExperimentCard key={e.id} e={e} />
            ))}
          </div>
        )}
      </section>
      <Evals />
    </>
  );
}

export const experimentsView: View = { id: 'experiments', title: 'Experiments & evals', component: Experiments };
