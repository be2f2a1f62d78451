/** The frame around every view: skip link, navigation from the view registry, connection state, theme toggle. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Assistant } from './api.js';
import { sessionToken } from './api.js';
import { VIEWS } from './registry.js';
import { currentTheme, toggleTheme } from './theme.js';
import { Socket } from './ws.js';

function route(): { id: string; param: string } {
  const [id = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { id: VIEWS.some((v) => v.id === id) ? id : (VIEWS[0]?.id ?? ''), param: rest.map(decodeURIComponent).join('/') };
}

export function Shell(props: { assistants: readonly Assistant[]; onSignOut: () => void }) {
  const [where, setWhere] = useState(route);
  const [conn, setConn] = useState<string>('connecting');
  const [theme, setTheme] = useState(currentTheme);
  const socket = useMemo(() => new Socket((s) => setConn(s)), []);
  useEffect(() => {
    const on = (): void => setWhere(route());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const view = VIEWS.find((v) => v.id === where.id) ?? VIEWS[0];
  useEffect(() => {
    document.title = `${view?.title ?? ''} · Troupe console`;
  }, [view]);
  if (view === undefined) return null;
  const View = view.component;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <h1>Troupe</h1>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={v.id === view.id ? 'page' : undefined}>
                  {v.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="spacer" />
        <span class="muted" role="status" data-testid="connection">
          {conn === 'open' ? 'connected' : conn === 'connecting' ? 'connecting…' : 'disconnected'}
        </span>
        <button
          type="button"
          class="secondary"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => setTheme(toggleTheme())}
        >
          {theme === 'dark' ? 'Light' : 'Dark'} theme
        </button>
        {sessionToken() === undefined ? null : (
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <View assistants={props.assistants} socket={socket} param={where.param} />
      </main>
    </div>
  );
}
