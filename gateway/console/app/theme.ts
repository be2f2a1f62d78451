/** Light and dark: the system's preference unless the user picked one (kept in localStorage: not a secret). */
const THEME_KEY = 'troupe.console.theme';

/** The theme in force: the user's choice, else the system's. */
export function currentTheme(): 'light' | 'dark' {
  const chosen = document.documentElement.dataset['theme'];
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Applies the stored choice (call once at start). */
export function applyStoredTheme(): void {
  const t = localStorage.getItem(THEME_KEY);
  if (t === 'light' || t === 'dark') document.documentElement.dataset['theme'] = t;
}

/** Switches to the other theme and remembers the choice. */
export function toggleTheme(): 'light' | 'dark' {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset['theme'] = next;
  localStorage.setItem(THEME_KEY, next);
  return next;
}
