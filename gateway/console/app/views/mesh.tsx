/**
 * The mesh map (`GET /mesh`, live from `GET /mesh/events`): every node with its kinds and state, the actors on it
 * with mailbox depth and restarts, its dead letters; lifecycle transitions as they happen. Admins also see the stored
 * dead letters (`/deadletters`), can inspect one and redrive it; others do not get the controls.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../api.js';
import type { View } from '../registry.js';
import { readEvents, type SseEvent } from '../sse.js';
import { ErrorLine, Head, Json } from './parts.js';

interface Actor {
  readonly address: string;
  readonly kind: string;
  readonly name: string;
  readonly tenant: string;
  readonly state?: string;
  readonly mailbox?: number;
  readonly restarts?: number;
}
interface MeshNodeView {
  readonly id: string;
  readonly host?: string;
  readonly kinds: readonly string[];
  readonly gateway: string | null;
  readonly state: string;
  readonly actors: readonly Actor[] | null;
  readonly mailbox?: number;
  readonly restarts?: number;
  readonly dead_letters: number | null;
  readonly error?: string;
}
interface Snapshot {
  readonly node: string;
  readonly event_id: string | null;
  readonly nodes: readonly MeshNodeView[];
}
interface Letter {
  readonly id: string;
  readonly reason: string;
  readonly node: string;
  readonly recorded_at: string;
  readonly deliveries: number;
  readonly error?: unknown;
  readonly envelope: { readonly to: string; readonly tenant: string; readonly type: string; readonly payload?: unknown };
  readonly redriven?: unknown;
}
/** One line of the transition log. */
interface Change {
  readonly key: string;
  readonly at: string;
  readonly text: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The snapshot after one event (pure: the map is redrawn from it). */
export function applyMeshEvent(nodes: readonly MeshNodeView[], e: SseEvent): readonly MeshNodeView[] {
  const d = e.data;
  const node = str(d['node']);
  if (e.type.startsWith('node.')) {
    if (e.type === 'node.left') return nodes.filter((n) => n.id !== node);
    const state = str(d['state']) || e.type.slice(5);
    const kinds = Array.isArray(d['kinds']) ? (d['kinds'] as string[]) : undefined;
    const gateway = typeof d['gateway'] === 'string' ? d['gateway'] : null;
    const known = nodes.find((n) => n.id === node);
    const next: MeshNodeView =
      known === undefined
        ? { id: node, host: str(d['host']), kinds: kinds ?? [], gateway, state, actors: [], dead_letters: 0 }
        : {
            ...known,
            state,
            kinds: kinds ?? known.kinds,
            gateway: gateway ?? known.gateway,
            ...(state === 'dead' ? { actors: null } : {}),
          };
    return known === undefined ? [...nodes, next].sort((a, b) => a.id.localeCompare(b.id)) : nodes.map((n) => (n.id === node ? next : n));
  }
  const change = (f: (n: MeshNodeView) => MeshNodeView): readonly MeshNodeView[] => nodes.map((n) => (n.id === node ? f(n) : n));
  const address = str(d['address']);
  const tenant = str(d['tenant']);
  const same = (a: Actor): boolean => a.address === address && a.tenant === tenant;
  switch (e.type) {
    case 'actor.activated':
      return change((n) => ({
        ...n,
        actors: [
          ...(n.actors ?? []).filter((a) => !same(a)),
          { address, tenant, kind: str(d['kind']), name: str(d['name']), state: 'ready', mailbox: 0, restarts: 0 },
        ],
      }));
    case 'actor.passivated':
    case 'actor.terminated':
      return change((n) => ({ ...n, actors: (n.actors ?? []).filter((a) => !same(a)) }));
    case 'actor.restarted':
      return change((n) => ({
        ...n,
        restarts: (n.restarts ?? 0) + 1,
        actors: (n.actors ?? []).map((a) => (same(a) ? { ...a, restarts: (a.restarts ?? 0) + 1 } : a)),
      }));
    case 'deadletter':
      return change((n) => ({ ...n, dead_letters: (n.dead_letters ?? 0) + 1 }));
    default:
      return nodes;
  }
}

function describe(e: SseEvent): string {
  const d = e.data;
  if (e.type.startsWith('node.')) return `node ${str(d['node'])} ${e.type.slice(5)}`;
  if (e.type === 'deadletter') return `dead letter to ${str(d['address'])} (${str(d['reason'])}) on ${str(d['node'])}`;
  return `${str(d['address'])} ${e.type.slice(6)} on ${str(d['node'])}${d['error'] === undefined ? '' : `: ${str(d['error'])}`}`;
}

function stateClass(state: string): string {
  return state === 'serving' ? 'status-ok' : state === 'dead' ? 'status-bad' : 'status-warn';
}

function NodeCard(props: { node: MeshNodeView }) {
  const n = props.node;
  return (
    <section class="panel node" data-testid={`node-${n.id}`} data-state={n.state} aria-labelledby={`node-h-${n.id}`}>
      <h3 id={`node-h-${n.id}`} class="node-title">
        <span class="mono">{n.id}</span>{' '}
        <span class={`badge ${stateClass(n.state)}`} data-testid="node-state">
          {n.state}
        </span>
      </h3>
      <dl class="facts">
        <dt>Kinds</dt>
        <dd>{n.kinds.length === 0 ? 'none' : n.kinds.join(', ')}</dd>
        {n.gateway === null ? null : (
          <>
            <dt>Gateway</dt>
            <dd class="mono">{n.gateway}</dd>
          </>
        )}
        <dt>Mailbox</dt>
        <dd>{n.mailbox ?? 0}</dd>
        <dt>Restarts</dt>
        <dd>{n.restarts ?? 0}</dd>
        <dt>Dead letters</dt>
        <dd data-testid="node-dead-letters">{n.dead_letters ?? '—'}</dd>
      </dl>
      {n.actors === null ? (
        <p class="muted">
          {n.state === 'dead' ? 'Dead: its actors are unknown.' : (n.error ?? 'Actors unknown (the node did not answer).')}
        </p>
      ) : n.actors.length === 0 ? (
        <p class="muted">No actors active.</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table>
            <caption class="sr">Actors on {n.id}</caption>
            <Head cols={['Actor', 'Tenant', 'Mailbox', 'Restarts']} />
            <tbody>
              {n.actors.map((a) => (
                <tr key={`${a.tenant}/${a.address}`} data-address={a.address}>
                  <td class="mono">{a.address}</td>
                  <td>{a.tenant}</td>
                  <td>{a.mailbox ?? 0}</td>
                  <td>{a.restarts ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The stored dead letters, for admins: inspect one, redrive it. */
function DeadLetters(props: { version: number }) {
  const [letters, setLetters] = useState<readonly Letter[] | undefined>(undefined);
  const [allowed, setAllowed] = useState(true);
  const [open, setOpen] = useState<Letter | undefined>(undefined);
  const [note, setNote] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = (): void => {
    api<{ items: Letter[] }>('/deadletters?limit=1000').then(
      (r) => {
        setLetters(r.items.slice(-50).reverse());
        setError(undefined);
      },
      (e: unknown) => {
        if (e instanceof ApiError && (e.status === 403 || e.status === 401)) setAllowed(false);
        else setError(errorText(e));
      },
    );
  };
  useEffect(load, [props.version]);
  if (!allowed) return null;
  const inspect = (id: string): void => {
    api<Letter>(`/deadletters/${encodeURIComponent(id)}`).then(setOpen, (e: unknown) => setError(errorText(e)));
  };
  const redrive = (id: string): void => {
    setNote(undefined);
    api<{ status: string }>(`/deadletters/${encodeURIComponent(id)}/redrive`, {}, 'POST').then(
      (r) => {
        setNote(`Letter ${id}: ${r.status.replace('_', ' ')}.`);
        load();
        if (open?.id === id) inspect(id);
      },
      (e: unknown) => setError(`Redrive of ${id} failed: ${errorText(e)}`),
    );
  };
  return (
    <section class="panel" aria-labelledby="dl-h" data-testid="dead-letters">
      <h2 id="dl-h">Dead letters</h2>
      <ErrorLine text={error} />
      {note === undefined ? null : (
        <p role="status" data-testid="redrive-note">
          {note}
        </p>
      )}
      {letters === undefined ? (
        <p class="muted">Loading…</p>
      ) : letters.length === 0 ? (
        <p class="muted">None stored.</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table>
            <Head cols={['Id', 'To', 'Reason', 'Node', 'When', 'Actions']} />
            <tbody>
              {letters.map((l) => (
                <tr key={l.id} data-letter={l.id}>
                  <td class="mono">{l.id}</td>
                  <td class="mono">
                    {l.envelope.to} <span class="muted">({l.envelope.tenant})</span>
                  </td>
                  <td>{l.reason}</td>
                  <td class="mono">{l.node}</td>
                  <td>{new Date(l.recorded_at).toLocaleTimeString()}</td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => inspect(l.id)} aria-label={`Inspect dead letter ${l.id}`}>
                      Inspect
                    </button>
                    {l.redriven === undefined ? (
                      <button type="button" onClick={() => redrive(l.id)} aria-label={`Redrive dead letter ${l.id}`}>
                        Redrive
                      </button>
                    ) : (
                      <span class="badge status-ok">redriven</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open === undefined ? null : (
        <div data-testid="letter">
          <h3>
            Letter <span class="mono">{open.id}</span>
          </h3>
          <Json value={open} label={`dead letter ${open.id}`} />
          <button type="button" class="secondary" onClick={() => setOpen(undefined)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}

function MeshMap() {
  const [nodes, setNodes] = useState<readonly MeshNodeView[] | undefined>(undefined);
  const [changes, setChanges] = useState<readonly Change[]>([]);
  const [live, setLive] = useState<string>('connecting…');
  const [error, setError] = useState<string | undefined>(undefined);
  const [letters, setLetters] = useState(0);
  const nodesRef = useRef<readonly MeshNodeView[]>([]);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    const set = (n: readonly MeshNodeView[]): void => {
      nodesRef.current = n;
      setNodes(n);
    };
    let from: string | undefined;
    const snapshot = (): Promise<boolean> =>
      api<Snapshot>('/mesh').then(
        (s) => {
          from = s.event_id ?? undefined;
          if (!gone) set(s.nodes);
          return true;
        },
        (e: unknown) => {
          setError(e instanceof ApiError && e.status === 403 ? 'The mesh map is for admins (mesh:read).' : errorText(e));
          return false;
        },
      );
    void snapshot().then((ok) => {
      if (gone || !ok) return;
      stop = readEvents(
        '/mesh/events',
        (e) => {
          if (e.type === 'ready') return;
          if (e.type === 'reset') {
            void snapshot();
            return;
          }
          set(applyMeshEvent(nodesRef.current, e));
          if (e.type === 'deadletter') setLetters((n) => n + 1);
          const at = str(e.data['at']) || new Date().toISOString();
          setChanges((c) => [{ key: e.id ?? `${at}-${c.length}`, at, text: describe(e) }, ...c].slice(0, 100));
        },
        (s, detail) => setLive(s === 'open' ? 'live' : `reconnecting${detail === undefined ? '' : ` (${detail})`}`),
        from,
      );
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, []);
  return (
    <>
      <section class="panel" aria-labelledby="mesh-h">
        <div class="row">
          <h2 id="mesh-h" class="grow">
            Mesh
          </h2>
          {error === undefined ? (
            <span class="muted" role="status" data-testid="mesh-live">
              {live}
            </span>
          ) : null}
        </div>
        <ErrorLine text={error} />
        {nodes === undefined ? (
          error === undefined ? (
            <p class="muted">Loading…</p>
          ) : null
        ) : (
          <div class="nodes" data-testid="mesh-nodes">
            {nodes.map((n) => (
              <NodeCard key={n.id} node={n} />
            ))}
          </div>
        )}
      </section>
      {error === undefined ? (
        <div class="cols">
          <section class="panel" aria-labelledby="changes-h">
            <h2 id="changes-h">Transitions</h2>
            {changes.length === 0 ? (
              <p class="muted">None since the page opened.</p>
            ) : (
              <ol class="list changes" data-testid="mesh-changes" aria-live="polite">
                {changes.map((c) => (
                  <li key={c.key}>
                    <span class="muted mono">{new Date(c.at).toLocaleTimeString()}</span> {c.text}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <DeadLetters version={letters} />
        </div>
      ) : null}
    </>
  );
}

export const meshView: View = { id: 'mesh', title: 'Mesh', component: MeshMap };
