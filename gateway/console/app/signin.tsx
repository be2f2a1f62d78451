/** The sign-in page: an API key or a JWT, checked against the gateway before it is kept for the session. */
import { useState } from 'preact/hooks';

export function SignIn(props: { error?: string | undefined; onSubmit: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <form
        class="panel"
        aria-labelledby="signin-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim() !== '') props.onSubmit(token.trim());
        }}
      >
        <h1 id="signin-title">Sign in to the Troupe console</h1>
        <p class="muted">
          This gateway asks for credentials. Paste an API key or a JWT; it is kept in this tab's session only and sent to this gateway
          alone.
        </p>
        <label for="token">API key or JWT</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        {props.error === undefined ? null : (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
    </main>
  );
}
