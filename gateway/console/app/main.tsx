/** The console's entry: sign in when the gateway asks for credentials, then the shell. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText, listAssistants, setSessionToken, type Assistant } from './api.js';
import { Shell } from './shell.js';
import { SignIn } from './signin.js';
import { applyStoredTheme } from './theme.js';

type Boot =
  { kind: 'loading' } | { kind: 'signin'; error?: string } | { kind: 'ready'; assistants: Assistant[] } | { kind: 'failed'; error: string };

function App() {
  const [boot, setBoot] = useState<Boot>({ kind: 'loading' });
  const load = (token?: string): void => {
    listAssistants(token).then(
      (assistants) => {
        if (token !== undefined) setSessionToken(token);
        setBoot({ kind: 'ready', assistants });
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) {
          setBoot({ kind: 'signin', ...(token === undefined ? {} : { error: 'That key or token was not accepted.' }) });
          if (token === undefined) setSessionToken(undefined);
        } else setBoot({ kind: 'failed', error: errorText(e) });
      },
    );
  };
  useEffect(() => load(), []);
  if (boot.kind === 'loading') return <p class="muted">Loading…</p>;
  if (boot.kind === 'signin') return <SignIn error={boot.error} onSubmit={(t) => load(t)} />;
  if (boot.kind === 'failed')
    return (
      <p class="error" role="alert">
        The gateway did not answer: {boot.error}
      </p>
    );
  return (
    <Shell
      assistants={boot.assistants}
      onSignOut={() => {
        setSessionToken(undefined);
        location.reload();
      }}
    />
  );
}

applyStoredTheme();
const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
