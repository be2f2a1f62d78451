/**
 * Secrets known by where they stand rather than by their shape: the value of a credential key (`password=`,
 * `"api_key": "…"`, `token:`, `Authorization: Bearer …`, `secret=`), a password said in a sentence in any of our four
 * languages, the password of a connection string, and an AWS secret access key next to its name. The finding spans
 * the value only. Placeholders (`<your-key>`, `xxxx`, `changeme`, `***`, `${VAR}`) and low-entropy tokens are not secrets.
 */
import { before, shannonEntropy, type Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';

const KEY = new RegExp(
  [
    '(?:aws_?secret_?access_?key|secret_?access_?key|client_?secret|',
    'api[_-]?secret|app_?secret|consumer_?secret|secret_?key|private_?key|',
    'api[_-]?key|apikey|x-api-key|access[_-]?key|access[_-]?token|',
    'refresh[_-]?token|auth[_-]?token|id[_-]?token|session[_-]?token|',
    'bearer[_-]?token|token|secret|passwd|password|passwort|kennwort|',
    'contraseña|contrasena|mot_?de_?passe|motdepasse|mdp|clave|',
    'pwd|pass|passphrase|credentials?|auth|webhook_?secret|signing_?key|',
    'cl[eé]_?api|api_?cl[eé]|cl[eé]_?secr[eè]te|schl(?:ü|ue)ssel|',
    'encryption_?key|master_?key|db_?pass(?:word)?)',
  ].join(''),
).source;
/** `key = value`, `key: value`, `"key": "value"`, `KEY=value`, `--key value` (the key may carry a prefix such as `DB_`). */
const ASSIGN = new RegExp(
  `(?<![A-Za-z0-9])([A-Za-z0-9_.-]{0,24}?${KEY}[A-Za-z0-9_]{0,12})(["']?)\\s*(?:[:=]|:=|=>|\\s(?=["']))\\s*(?:\\w+\\()?(["'\`]?)`,
  'giu',
);
const FLAG = new RegExp(`(?<![\\w-])--?(?:${KEY})[ =](["']?)`, 'giu');
const AUTH_HEADER = /authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|apikey|digest)\s+|\bbearer\s+(?=[A-Za-z0-9._~+/=-]{20,})/giu;
const SENTENCE = new RegExp(
  [
    '(?:password|passcode|passwort|kennwort|mot de passe|contraseña|',
    'clave|pin|token|api key|secret)(?:[ \\t]+[\\p{L}\\d_-]{1,20}){0,4}?\\s*(?:is|',
    'was|:|ist|lautet|war|est|était|es|era|sería|=)\\s*["\'“„«]?\\s*',
  ].join(''),
  'giu',
);
const CONNECTION = /\b[a-z][a-z0-9+.-]{1,20}:\/\/([^:/\s@"'<>]{1,64}):([^@\s/"'<>]{1,128})@[^\s/"'<>:]+/giu;
/** `curl -u user:password`, `--user user:password`. */
const BASIC_USER = /(?:\s-u|--user)[ =]["']?[^\s:"']{1,64}:([^\s"'@]{1,128})/g;
/** The shape of an AWS secret access key (40 base64 characters). */
const AWS_SECRET_SHAPE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/**
 * An unquoted value, at most 1,024 characters: without a bound every credential key of a text with no delimiter after
 * it (`password=AKIA…password=AKIA…`, 4 KB) read the whole rest of the text, each key again — quadratic (27 ms for 4 KB).
 */
const VALUE_UNQUOTED = /[^\s"'`,;)}\]<>]{1,1024}/y;
const PLACEHOLDER = new RegExp(
  [
    '^(?:<[^>]*>|\\$\\{.*|\\{\\{[^}]*\\}\\}|\\$[A-Z_][A-Z0-9_]*|%[sd]|',
    '%\\([a-z_]+\\)s|\\*+|x+|X+|\\.+|-+|_+|#+|•+|null|none|nil|undefined|',
    'true|false|empty|changeme|change_?me|password|passwort|secret|',
    'token|redacted|\\[redacted\\]|hidden|masked|example|test|dummy|',
    'sample|placeholder|todo|tbd|n\\/a|required|optional|string|',
    'str|env|process\\.env.*|os\\.environ.*|getenv.*|your[-_ ].*|',
    'my[-_ ].*|<.*|.*\\.\\.\\..*|.*xxxx.*)$',
  ].join(''),
  'i',
);

/** The type a key names: a password, an AWS secret key, or another secret. */
function typeOf(key: string, value: string): string {
  const k = key.toLowerCase();
  if (/aws|secret_?access/.test(k) && /^[A-Za-z0-9/+]{40}$/.test(value)) return 'AWS_SECRET_KEY';
  if (/pass|pwd|kennwort|contrase|mdp|mot/.test(k) || (/clave/.test(k) && !/secret|api|token/.test(k))) return 'PASSWORD';
  return 'GENERIC_SECRET';
}

/** Whether `value` is a real secret for a key of `type`: not a placeholder, and random enough. */
function secretLike(value: string, type: string): boolean {
  if (value.length < 6 || value.length > 4096 || PLACEHOLDER.test(value)) return false;
  if (/^(https?:|file:|\/|\.\/)/.test(value) && type !== 'PASSWORD') return false;
  if (type === 'PASSWORD') return (value.length >= 6 && shannonEntropy(value) >= 2.2 && !/^[a-z]+$/.test(value)) || value.length >= 12;
  if (/^\d+$/.test(value) || /^[a-z]+(?:[_-][a-z]+)*$/.test(value)) return false; // numbers, plain identifiers
  return value.length >= 12 && shannonEntropy(value) >= 3.0;
}

/** An unquoted value that is code (`req.headers.x`, `getToken()`), not a literal. */
function isCode(value: string): boolean {
  return /[()]/.test(value) || /^[A-Za-z_$][\w$]*(?:\??\.[\w$]+)+\??\.?$/.test(value);
}

function readValue(text: string, at: number, quote: string): string {
  if (quote !== '') {
    const end = text.indexOf(quote, at);
    if (end < 0 || end - at > 4096) return '';
    const v = text.slice(at, end);
    return v.includes('\n') ? '' : v;
  }
  VALUE_UNQUOTED.lastIndex = at;
  return VALUE_UNQUOTED.exec(text)?.[0].replace(/[.:]+$/, '') ?? '';
}

/** Secrets in credential context. */
export function findContextSecrets(text: string): Span[] {
  const out: Span[] = [];
  const add = (type: string, at: number, value: string, score: number): void => {
    if (secretLike(value, type)) out.push({ type, start: at, end: at + value.length, score });
  };
  // A key that stands inside the value read for an earlier key is part of that value (one token with no delimiter),
  // not a credential of its own: skipping it keeps the pass linear (`password=AKIA…` repeated read the rest of the
  // text once per key).
  let valueEnd = 0;
  for (const m of allMatches(ASSIGN, text)) {
    if (m.index < valueEnd) continue;
    const key = m[1] ?? '';
    if (/(?:_?(?:id|name|type|url|uri|file|path|len|length|count|expir\w*|ttl|endpoint|field|header|format)|_?at)$/i.test(key)) continue;
    const at = m.index + m[0].length;
    const value = readValue(text, at, m[3] ?? '');
    valueEnd = at + value.length;
    if (m[3] === '' && isCode(value)) continue;
    add(typeOf(key, value), at, value, 0.85);
  }
  valueEnd = 0;
  for (const m of allMatches(FLAG, text)) {
    if (m.index < valueEnd) continue;
    const at = m.index + m[0].length;
    const key = m[0];
    const value = readValue(text, at, m[1] ?? '');
    valueEnd = at + value.length;
    add(typeOf(key, value), at, value, 0.85);
  }
  for (const m of allMatches(AUTH_HEADER, text)) {
    const at = m.index + m[0].length;
    const value = readValue(text, at, '');
    if (value.length >= 16 && shannonEntropy(value) >= 3.0 && !PLACEHOLDER.test(value))
      out.push({ type: 'GENERIC_SECRET', start: at, end: at + value.length, score: 0.88 });
  }
  valueEnd = 0;
  for (const m of allMatches(SENTENCE, text)) {
    if (m.index < valueEnd) continue; // inside the value of the previous one (as for the keys above)
    const at = m.index + m[0].length;
    const value = readValue(text, at, '').replace(/[»”"'.,;:]+$/, '');
    valueEnd = at + value.length;
    if (isCode(value) || value.startsWith('//')) continue; // "password at https://…": a URL, not a value
    const type = /pass|kennwort|contrase|clave|mot de|pin/i.test(m[0]) ? 'PASSWORD' : 'GENERIC_SECRET';
    if (/[\d\W_]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value))) add(type, at, value, 0.8);
  }
  for (const m of allMatches(CONNECTION, text)) {
    const password = m[2] ?? '';
    const at = m.index + m[0].indexOf(':', m[0].indexOf('://') + 3) + 1;
    if (password.length >= 3 && !PLACEHOLDER.test(password))
      out.push({ type: 'PASSWORD', start: at, end: at + password.length, score: 0.9 });
  }
  for (const m of allMatches(BASIC_USER, text)) {
    const password = m[1] ?? '';
    const at = m.index + m[0].length - password.length;
    if (!PLACEHOLDER.test(password) && password.length >= 4)
      out.push({ type: 'PASSWORD', start: at, end: at + password.length, score: 0.88 });
  }
  // An AWS secret access key near its name, whatever the syntax between.
  for (const m of allMatches(AWS_SECRET_SHAPE, text)) {
    const v = m[0];
    if (!/[A-Z]/.test(v) || !/[a-z]/.test(v) || !/\d/.test(v) || shannonEntropy(v) < 4) continue;
    if (/aws|secret.?access|secretaccesskey/i.test(before(text, m.index, 80)))
      out.push({ type: 'AWS_SECRET_KEY', start: m.index, end: m.index + 40, score: 0.9 });
  }
  return out;
}
