/**
 * The guardrail audit log (`GET /guardrails/audit`, admins and operators): every decision of the tenant's
 * guardrails, filtered by stage, detector, action, agent, run and time, oldest first, a page at a time.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { View } from '../registry.js';
import { ErrorLine, Head, Text } from './parts.js';

interface AuditRecord {
  readonly id: string;
  readonly time: string;
  readonly stage: string;
  readonly detector: string;
  readonly type?: string;
  readonly action: string;
  readonly rule?: string;
  readonly score?: number;
  readonly agent?: string;
  readonly run?: string;
  readonly excerpt?: string;
}

const FILTERS = ['stage', 'detector', 'action', 'agent', 'run', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const EMPTY: Filters = { stage: '', detector: '', action: '', agent: '', run: '', since: '', until: '' };
const PLACEHOLDER: Filters = {
  stage: 'input, output, tool_result…',
  detector: 'pii, secrets…',
  action: 'redact, block…',
  agent: '',
  run: '',
  since: 'ISO time',
  until: 'ISO time',
};

/** The query string of `filters` (empty ones left out) and the page cursor. */
export function auditQuery(filters: Filters, cursor?: string): string {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (filters[k].trim() !== '') q.set(k, filters[k].trim());
  q.set('limit', '100');
  if (cursor !== undefined) q.set('cursor', cursor);
  return q.toString();
}

function Audit() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [records, setRecords] = useState<readonly AuditRecord[] | undefined>(undefined);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = (filters: Filters, cursor?: string): void => {
    api<{ records: AuditRecord[]; next_cursor?: string | null }>(`/guardrails/audit?${auditQuery(filters, cursor)}`).then(
      (r) => {
        setRecords((old) => (cursor === undefined ? r.records : [...(old ?? []), ...r.records]));
        setNext(r.next_cursor ?? undefined);
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(() => load(applied), [applied]);
  return (
    <section class="panel" aria-labelledby="audit-h">
      <h2 id="audit-h">Guardrail audit</h2>
      <form
        class="row"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...draft });
        }}
      >
        {FILTERS.map((k) => (
          <div key={k}>
            <label for={`audit-${k}`}>{k[0]?.toUpperCase() + k.slice(1)}</label>
            <input
              id={`audit-${k}`}
              value={draft[k]}
              placeholder={PLACEHOLDER[k]}
              size={k === 'run' ? 20 : 12}
              onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })}
            />
          </div>
        ))}
        <button type="submit">Filter</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(EMPTY);
            setApplied(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      <ErrorLine text={error} />
      {records === undefined ? (
        error === undefined ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : records.length === 0 ? (
        <p class="muted">No decisions match.</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table data-testid="audit-records">
            <Head cols={['Time', 'Stage', 'Detector', 'Type', 'Action', 'Agent', 'Run', 'Excerpt']} />
            <tbody>
              {records.map((r) => (
                <tr key={r.id} data-action={r.action}>
                  <td>{new Date(r.time).toLocaleString()}</td>
                  <td>{r.stage}</td>
                  <td>{r.detector}</td>
                  <td>{r.type ?? '—'}</td>
                  <td>
                    <span class={`badge ${r.action === 'block' ? 'status-bad' : ''}`}>{r.action}</span>
                  </td>
                  <td>{r.agent ?? '—'}</td>
                  <td class="mono">
                    {r.run === undefined ? '—' : <a href={`#/timeline/${encodeURIComponent(r.run)}`}>{r.run.slice(0, 8)}</a>}
                  </td>
                  <td class="mono">
                    <Text text={r.excerpt ?? ''} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next === undefined ? null : (
        <button type="button" class="secondary" onClick={() => load(applied, next)}>
          More
        </button>
      )}
    </section>
  );
}

export const auditView: View = { id: 'audit', title: 'Guardrails', component: Audit };
