// Which values of a configuration (and of the environment it was read with) are secrets: the
// CLI registers them with the scrubber (protocols/secrets.ts) and `troupe config` prints them as
// "***". A field is secret by its name (token, pass, hs256Secret, apiKey, encryption key, an MCP
// server's Authorization header or *_API_KEY / *_TOKEN env, …); gateway API key hashes are not
// (a SHA-256 of a 256-bit key neither authenticates nor can be reversed), nor public keys.
import type { TroupeConfig } from './schema.js';

/** What `troupe config` prints in place of a secret. */
export const SECRET_PLACEHOLDER = '***';

/** Field names that hold secrets (string values, or lists of them). */
const SECRET_NAME =
  /(secret|passw(or)?d|^pass$|passphrase|token|api[_-]?key|^key$|previouskeys|private[_-]?key|credential|authorization|cookie)/i;

/** Environment variables that hold secrets whatever the config says. */
export const SECRET_ENV_VARS: readonly string[] = [
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'TROUPE_ENCRYPTION_KEY',
  'TROUPE_ENCRYPTION_PREVIOUS_KEYS',
];

/** True when a config field of this name holds a secret. */
export function isSecretField(name: string): boolean {
  // `apiKeyEnv` and the like name an environment variable; they hold no secret.
  return SECRET_NAME.test(name) && !/public|Env$/i.test(name);
}

function secretValue(v: unknown): v is string | readonly string[] {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

/** Walks `value`, calling `found` for each secret string; returns a copy with each replaced by `replace`. */
function walk(value: unknown, found: (s: string) => void, replace: string, field = ''): unknown {
  if (field !== '' && isSecretField(field) && secretValue(value)) {
    for (const s of typeof value === 'string' ? [value] : value) found(s);
    return typeof value === 'string' ? replace : value.map(() => replace);
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, found, replace));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, found, replace, k);
    return out;
  }
  return value;
}

/** A copy of `config` (any JSON-like value) with every secret field printed as {@link SECRET_PLACEHOLDER}. */
export function redactConfig<T>(config: T): T {
  return walk(config, () => undefined, SECRET_PLACEHOLDER) as T;
}

/**
 * Every secret value the process knows from `config` and `env`: secret fields of the config,
 * provider keys (OPENAI_API_KEY, ANTHROPIC_API_KEY and each agent's `apiKeyEnv`) and the
 * encryption keys (TROUPE_ENCRYPTION_KEY, TROUPE_ENCRYPTION_PREVIOUS_KEYS).
 */
export function configSecrets(config: TroupeConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  walk(
    config,
    (s) => {
      out.add(s);
      const credential = /^(Bearer|Basic|Token)\s+(\S+)\s*$/i.exec(s)?.[2]; // an Authorization header: the credential alone too
      if (credential !== undefined) out.add(credential);
    },
    SECRET_PLACEHOLDER,
  );
  const names = new Set([...SECRET_ENV_VARS, ...config.agents.flatMap((a) => (a.apiKeyEnv === undefined ? [] : [a.apiKeyEnv]))]);
  for (const n of names) {
    const v = env[n];
    if (v === undefined || v === '') continue;
    for (const part of n === 'TROUPE_ENCRYPTION_PREVIOUS_KEYS' ? v.split(',') : [v]) if (part.trim() !== '') out.add(part.trim());
  }
  return [...out];
}
