/** Tokens and cost per agent, model and day (`GET /usage`), for a range of UTC days and optional agent/model filters. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { View } from '../registry.js';
import { ErrorLine, Head } from './parts.js';

interface Row {
  readonly day: string;
  readonly agent: string;
  readonly model: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly runs: number;
  readonly cost: number | null;
}
interface Usage {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly rows: readonly Row[];
  readonly total: Omit<Row, 'day' | 'agent' | 'model'>;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const money = (v: number | null): string => (v === null ? '—' : v.toPrecision(3));
const num = (v: number): string => v.toLocaleString();

/** Sums of `rows` grouped by `key`. */
function group(rows: readonly Row[], key: 'agent' | 'model' | 'day'): [string, { tokens: number; runs: number; cost: number | null }][] {
  const m = new Map<string, { tokens: number; runs: number; cost: number | null }>();
  for (const r of rows) {
    const g = m.get(r[key]) ?? { tokens: 0, runs: 0, cost: 0 };
    m.set(r[key], {
      tokens: g.tokens + r.input_tokens + r.output_tokens,
      runs: g.runs + r.runs,
      cost: g.cost === null || r.cost === null ? null : g.cost + r.cost,
    });
  }
  return [...m.entries()].sort((a, b) => b[1].tokens - a[1].tokens);
}

function UsageView() {
  const [form, setForm] = useState({ from: day(-6), to: day(0), agent: '', model: '' });
  const [query, setQuery] = useState(form);
  const [usage, setUsage] = useState<Usage | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v.trim() !== '') q.set(k, v.trim());
    api<Usage>(`/usage?${q.toString()}`).then(
      (u) => {
        setUsage(u);
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, [query]);
  const field = (k: keyof typeof form, label: string, placeholder = '') => (
    <div>
      <label for={`usage-${k}`}>{label}</label>
      <input
        id={`usage-${k}`}
        placeholder={placeholder}
        size={12}
        value={form[k]}
        onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })}
      />
    </div>
  );
  return (
    <section class="panel" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...form });
        }}
      >
        {field('from', 'From (UTC day)', 'YYYY-MM-DD')}
        {field('to', 'To (UTC day)', 'YYYY-MM-DD')}
        {field('agent', 'Agent')}
        {field('model', 'Model')}
        <button type="submit">Show</button>
      </form>
      <ErrorLine text={error} />
      {usage === undefined ? null : (
        <>
          <p data-testid="usage-total">
            Tenant <strong>{usage.tenant}</strong>, {usage.from} to {usage.to}: <strong>{num(usage.total.runs)}</strong> runs,{' '}
            <strong>{num(usage.total.input_tokens)}</strong> input tokens, <strong>{num(usage.total.output_tokens)}</strong> output tokens,
            cost <strong>{money(usage.total.cost)}</strong>
          </p>
          <div class="cols">
            {(['agent', 'model', 'day'] as const).map((k) => (
              <div key={k}>
                <h3>Per {k}</h3>
                <table data-testid={`usage-by-${k}`}>
                  <thead>
                    <tr>
                      <th scope="col">{k[0]?.toUpperCase() + k.slice(1)}</th>
                      <th scope="col">Tokens</th>
                      <th scope="col">Runs</th>
                      <th scope="col">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {group(usage.rows, k).map(([name, g]) => (
                      <tr key={name}>
                        <th scope="row" class="mono">
                          {name}
                        </th>
                        <td>{num(g.tokens)}</td>
                        <td>{num(g.runs)}</td>
                        <td>{money(g.cost)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </div>
          <h3>Every row</h3>
          <div class="scroll" tabIndex={0}>
            <table data-testid="usage-rows">
              <Head cols={['Day', 'Agent', 'Model', 'Input', 'Output', 'Runs', 'Cost']} />
              <tbody>
                {usage.rows.map((r) => (
                  <tr key={`${r.day}/${r.agent}/${r.model}`}>
                    <td>{r.day}</td>
                    <td>{r.agent}</td>
                    <td class="mono">{r.model}</td>
                    <td>{num(r.input_tokens)}</td>
                    <td>{num(r.output_tokens)}</td>
                    <td>{num(r.runs)}</td>
                    <td>{money(r.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export const usageView: View = { id: 'usage', title: 'Usage', component: UsageView };
