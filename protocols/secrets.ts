/**
 * The process-wide registry of secrets (provider keys, JWT secrets, encryption keys, presented
 * API keys) and the scrubber every outbound path calls: error bodies and frames, run events,
 * tool and provider errors, log lines. A registered secret — or one of its other spellings
 * (URL- or JSON-escaped; hex ⇄ base64 for key material) — becomes `[redacted]`. Credential
 * shapes are redacted even when unregistered: `Bearer <token>`, JWTs, `trp_` gateway keys and
 * `sk-…` provider keys. Pure: no I/O.
 */

/** What a secret is replaced with. */
export const REDACTED_MARK = '[redacted]';

/** Values shorter than this are not registered (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 8;

/** How many presented credentials are remembered (oldest forgotten first); configured secrets are kept. */
export const MAX_PRESENTED_SECRETS = 512;

/** Credential shapes redacted whether or not they are registered. */
const SHAPES: readonly RegExp[] = [
  /\b([Bb]earer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{16,}/g,
  /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  /\btrp_[A-Za-z0-9_-]{20,}/g,
  /\bsk-[A-Za-z0-9_-]{20,}/g,
];

/** Told of every secret registered (see {@link watchSecrets}). */
export type SecretListener = (value: string, kind: 'configured' | 'presented') => void;
const listeners = new Set<SecretListener>();

/**
 * Calls `listener` with every secret registered so far and with each one registered later, so another registry (the
 * log's own thread, runtime/log-worker.ts) can mirror this one; returns a function that stops it.
 */
export function watchSecrets(listener: SecretListener): () => void {
  for (const s of configured) listener(s, 'configured');
  for (const s of presented) listener(s, 'presented');
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const configured = new Set<string>();
const presented = new Set<string>();
let index: Map<string, string[]> | undefined;
/** The first two characters of every registered secret, as `c0 * 65536 + c1`: skips most positions without a lookup. */
let heads = new Set<number>();
let dirty = false;

/** Other spellings a secret may take in text: URL- and JSON-escaped; for key material, hex ⇄ base64. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const t = value.trim();
  if (t.length >= MIN_SECRET_LENGTH) forms.add(t);
  try {
    forms.add(encodeURIComponent(t));
  } catch {
    // a lone surrogate: no URL form
  }
  forms.add(JSON.stringify(t).slice(1, -1));
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    const strip = (s: string): string => s.replace(/=+$/, '');
    if (strip(b.toString('base64')) === strip(t) || b.toString('base64url') === strip(t)) bytes = b;
  }
  if (bytes !== undefined && bytes.length >= 16) {
    const b64 = bytes.toString('base64');
    const hex = bytes.toString('hex');
    for (const f of [hex, hex.toUpperCase(), b64, b64.replace(/=+$/, ''), bytes.toString('base64url')]) forms.add(f);
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * Registers a secret the process knows (from config or the environment) so every scrubbed text
 * hides it; `undefined`, empty and short values are ignored. Returns true when it was registered.
 */
export function registerSecret(value: string | undefined | null): boolean {
  if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return false;
  for (const f of secretForms(value)) {
    if (configured.has(f)) continue;
    configured.add(f);
    presented.delete(f);
    dirty = true;
  }
  for (const l of listeners) l(value, 'configured');
  return true;
}

/**
 * Registers a credential a caller presented (a gateway API key or token, once it authenticated):
 * remembered among the newest {@link MAX_PRESENTED_SECRETS}, so a tool or model echoing it cannot leak it.
 */
export function registerPresentedSecret(value: string): void {
  const t = value.trim();
  if (t.length < MIN_SECRET_LENGTH || configured.has(t)) return;
  for (const l of listeners) l(t, 'presented');
  if (presented.has(t)) {
    presented.delete(t); // refresh its place: the newest stay
    presented.add(t);
    return;
  }
  presented.add(t);
  if (presented.size > MAX_PRESENTED_SECRETS) presented.delete(presented.values().next().value as string);
  dirty = true;
}

/** How many secret spellings are registered (configured and presented). */
export function secretCount(): number {
  return configured.size + presented.size;
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  configured.clear();
  presented.clear();
  index = undefined;
  dirty = false;
}

/** Secrets by their first {@link MIN_SECRET_LENGTH} characters (longest first): every occurrence starts with one such window. */
function registered(): Map<string, string[]> | undefined {
  if (dirty) {
    index = new Map();
    heads = new Set();
    for (const s of [...configured, ...presented].sort((a, b) => b.length - a.length)) {
      heads.add(s.charCodeAt(0) * 65536 + s.charCodeAt(1));
      const key = s.slice(0, MIN_SECRET_LENGTH);
      const list = index.get(key);
      if (list === undefined) index.set(key, [s]);
      else list.push(s);
    }
    if (index.size === 0) index = undefined;
    dirty = false;
  }
  return index;
}

/**
 * `text` with every character covered by an occurrence of a registered secret replaced; runs of
 * overlapping or adjacent occurrences become one mark, so no part of any secret shows.
 */
function replaceRegistered(text: string, byPrefix: Map<string, string[]>): string {
  let out = '';
  let from = 0;
  let start = -1;
  let end = -1;
  for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i++) {
    if (!heads.has(text.charCodeAt(i) * 65536 + text.charCodeAt(i + 1))) continue;
    const list = byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH));
    const hit = list?.find((s) => text.startsWith(s, i));
    if (hit === undefined) continue;
    if (start >= 0 && i <= end) {
      end = Math.max(end, i + hit.length);
      continue;
    }
    if (start >= 0) {
      out += text.slice(from, start) + REDACTED_MARK;
      from = end;
    }
    start = i;
    end = i + hit.length;
  }
  if (start < 0) return text;
  return out + text.slice(from, start) + REDACTED_MARK + text.slice(end);
}

/** `text` with every registered secret and every credential shape replaced by {@link REDACTED_MARK}. */
export function scrubSecrets(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  const byPrefix = registered();
  let out = byPrefix === undefined ? text : replaceRegistered(text, byPrefix);
  for (const shape of SHAPES) {
    // An Authorization scheme stays (it says what was there); the credential goes.
    out = out.replace(shape, (_m: string, scheme?: unknown) => (typeof scheme === 'string' ? `${scheme} ${REDACTED_MARK}` : REDACTED_MARK));
  }
  return out;
}

/** A string of any thrown value, scrubbed: the message of an Error, else its string form. */
export function scrubbedMessage(e: unknown): string {
  if (e instanceof Error) return scrubSecrets(e.message);
  return scrubSecrets(typeof e === 'string' ? e : String(e));
}
