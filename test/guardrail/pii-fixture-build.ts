/**
 * Builds test/fixtures/guardrails/{pii,secret,pii-blind,secret-blind,pii-fresh,pii-fresh-blind,pii-fresh2,pii-holdout7,
 * pii-holdout8,pii-holdout9,pii-holdout10,pii-holdout11,pii-holdout12,pii-holdout13,pii-holdout14,pii-dev23}.jsonl from
 * the hand-written `*.marked.txt` beside them, so no offset is ever counted by hand. A marked line is
 * `lang|format|text`, where `[[TYPE:value]]` marks an entity, `⏎` is a newline, and `{{gen:KIND}}` is a fake
 * credential made by a seeded generator (so no real-looking key is committed twice by hand).
 * Run: `npx tsx test/guardrail/pii-fixture-build.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/guardrails');

let seed = 0x2545f491;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
function chars(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rand(alphabet.length)];
  return s;
}
const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = AN + '+/';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const URL = AN + '-_';
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

const GEN: Record<string, () => string> = {
  akia: () => 'AKIA' + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
  asia: () => 'ASIA' + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
  awssecret: () => chars(B64, 40),
  ghp: () => 'ghp_' + chars(AN, 36),
  gho: () => 'gho_' + chars(AN, 36),
  ghs: () => 'ghs_' + chars(AN, 36),
  ghu: () => 'ghu_' + chars(AN, 36),
  ghr: () => 'ghr_' + chars(AN, 36),
  pat: () => 'github_pat_' + chars(AN, 22) + '_' + chars(AN, 59),
  xoxb: () => `xoxb-${chars('0123456789', 12)}-${chars('0123456789', 13)}-${chars(AN, 24)}`,
  xoxp: () => `xoxp-${chars('0123456789', 11)}-${chars('0123456789', 11)}-${chars('0123456789', 12)}-${chars('abcdef0123456789', 32)}`,
  slackhook: () => `https://hooks.slack.com/services/T${chars(UPPER_DIGITS, 8)}/B${chars(UPPER_DIGITS, 10)}/${chars(AN, 24)}`,
  openai: () => 'sk-' + chars(AN, 48),
  openaiproj: () => 'sk-proj-' + chars(URL, 20) + chars(AN, 60),
  anthropic: () => 'sk-ant-api03-' + chars(URL, 93) + 'AA',
  stripe: () => 'sk_live_' + chars(AN, 24),
  stripetest: () => 'sk_test_' + chars(AN, 24),
  rk: () => 'rk_live_' + chars(AN, 24),
  google: () => 'AIza' + chars(URL, 35),
  jwt: () =>
    `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.` +
    `${b64url(JSON.stringify({ sub: String(rand(1e6)), name: 'x', iat: 1700000000 + rand(1e6) }))}.${chars(URL, 43)}`,
  jwtrs: () =>
    `${b64url(JSON.stringify({ alg: 'RS256', kid: chars(AN, 8) }))}.` +
    `${b64url(JSON.stringify({ iss: 'auth', exp: 1800000000 }))}.${chars(URL, 86)}`,
  pem: () => `-----BEGIN PRIVATE KEY-----⏎${chars(B64, 64)}⏎${chars(B64, 64)}⏎${chars(B64, 40)}==⏎-----END PRIVATE KEY-----`,
  pemrsa: () => `-----BEGIN RSA PRIVATE KEY-----⏎${chars(B64, 64)}⏎${chars(B64, 64)}⏎${chars(B64, 28)}⏎-----END RSA PRIVATE KEY-----`,
  pemec: () => `-----BEGIN EC PRIVATE KEY-----⏎${chars(B64, 64)}⏎${chars(B64, 56)}⏎-----END EC PRIVATE KEY-----`,
  hex40: () => chars('0123456789abcdef', 40),
  hex64: () => chars('0123456789abcdef', 64),
  hex32: () => chars('0123456789abcdef', 32),
  uuid: () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`,
  rand32: () => chars(AN, 32),
  rand24: () => chars(AN + '!#%&*+', 24),
  pw: () => chars(AN, 5) + chars('!#$%&*?@', 1) + chars(AN, 5),
  b64img: () => 'data:image/png;base64,iVBORw0KGgo' + chars(B64, 120),
};

interface Entity {
  type: string;
  start: number;
  end: number;
}

/** One marked line to its fixture object. */
export function unmark(line: string): { text: string; entities: Entity[]; lang: string; format: string } {
  const [lang = '', format = '', ...rest] = line.split('|');
  let src = rest.join('|').replace(/\{\{gen:(\w+)\}\}/g, (_, k: string) => {
    const g = GEN[k];
    if (g === undefined) throw new Error(`unknown generator ${k}`);
    return g();
  });
  src = src.replace(/⏎/g, '\n');
  const entities: Entity[] = [];
  let text = '';
  const re = /\[\[([A-Z_]+):([\s\S]*?)\]\]/g;
  let last = 0;
  for (const m of src.matchAll(re)) {
    text += src.slice(last, m.index);
    const value = m[2] ?? '';
    entities.push({ type: m[1] ?? '', start: text.length, end: text.length + value.length });
    text += value;
    last = m.index + m[0].length;
  }
  text += src.slice(last);
  if (text.includes('[[') || text.includes(']]')) throw new Error(`unbalanced marker: ${line}`);
  return { text, entities, lang, format };
}

for (const name of [
  'pii',
  'secret',
  'pii-blind',
  'secret-blind',
  'pii-fresh',
  'pii-fresh-blind',
  'pii-fresh2',
  'pii-holdout7',
  'pii-holdout8',
  'pii-holdout9',
  'pii-holdout10',
  'pii-holdout11',
  'pii-holdout12',
  'pii-holdout13',
  'pii-holdout14',
  'pii-dev23',
]) {
  const lines = readFileSync(join(DIR, `${name}.marked.txt`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('//'));
  writeFileSync(join(DIR, `${name}.jsonl`), lines.map((l) => JSON.stringify(unmark(l))).join('\n') + '\n');
  console.log(name, lines.length);
}
