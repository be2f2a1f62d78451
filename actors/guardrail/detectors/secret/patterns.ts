/**
 * Secrets with a recognisable shape: provider key prefixes (AWS, GitHub, Slack, OpenAI, Anthropic, Stripe, Google),
 * Slack webhook URLs, JWTs whose header decodes to JSON with `alg`, and PEM private-key blocks (the whole block).
 */
import type { Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';

/** A prefix rule: its type, a linear regex for the whole token, and its score. */
interface Shape {
  readonly type: string;
  readonly re: RegExp;
  readonly score: number;
}

const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';
const SHAPES: readonly Shape[] = [
  {
    type: 'AWS_ACCESS_KEY',
    re: new RegExp(`(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])`, 'g'),
    score: 0.98,
  },
  { type: 'GITHUB_TOKEN', re: new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})${E}`, 'g'), score: 0.99 },
  { type: 'SLACK_TOKEN', re: new RegExp(`${B}xox[abposre]-[A-Za-z0-9-]{10,}${E}`, 'g'), score: 0.98 },
  { type: 'SLACK_TOKEN', re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g, score: 0.98 },
  {
    type: 'ANTHROPIC_KEY',
    re: new RegExp(`${B}sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{32,}${E}|${B}sk-ant-[A-Za-z0-9_-]{32,}${E}`, 'g'),
    score: 0.99,
  },
  { type: 'OPENAI_KEY', re: new RegExp(`${B}sk-(?:proj-|svcacct-|admin-|None-)?(?!ant-)[A-Za-z0-9_-]{20,}${E}`, 'g'), score: 0.9 },
  {
    type: 'STRIPE_KEY',
    re: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}${E}|${B}whsec_[A-Za-z0-9]{24,}${E}`, 'g'),
    score: 0.98,
  },
  { type: 'GOOGLE_API_KEY', re: new RegExp(`(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}${E}`, 'g'), score: 0.98 },
];

const JWT = new RegExp(
  [
    '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-])',
    '|(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])',
  ].join(''),
  'g',
);
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
/** A cut-off block's body (no `-`, so one body never runs into the next marker: linear over many markers). */
const PEM_BODY = /(?:[A-Za-z0-9+/=\s:,]|\\n){64,}/y;

/** True when a base64url JWT header decodes to a JSON object with an `alg`. */
function jwtHeader(part: string): boolean {
  try {
    const json: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null && 'alg' in json;
  } catch {
    return false;
  }
}

/** Tokens whose shape alone says what they are. */
export function findShapedSecrets(text: string): Span[] {
  const out: Span[] = [];
  for (const s of SHAPES) {
    for (const m of allMatches(s.re, text)) {
      if (/(x{6,}|\.\.\.|<|>|your|example|redacted)/i.test(m[0].slice(4)) && s.type !== 'AWS_ACCESS_KEY') continue;
      if (s.type === 'OPENAI_KEY' && !/\d/.test(m[0].slice(3))) continue; // sk-learn-style words, not keys
      out.push({ type: s.type, start: m.index, end: m.index + m[0].length, score: s.score });
    }
  }
  for (const m of allMatches(JWT, text)) {
    if (jwtHeader(m[0].slice(0, m[0].indexOf('.')))) out.push({ type: 'JWT', start: m.index, end: m.index + m[0].length, score: 0.97 });
  }
  out.push(...privateKeys(text));
  return out;
}

/** PEM private-key blocks, BEGIN to END; a block cut off (a truncated log line) from BEGIN to the end of its body. */
function privateKeys(text: string): Span[] {
  const out: Span[] = [];
  if (!text.includes('PRIVATE KEY')) return out;
  const ends = [...allMatches(PEM_END, text)].map((m) => m.index + m[0].length);
  let e = 0;
  let covered = -1;
  for (const m of allMatches(PEM_BEGIN, text)) {
    if (m.index < covered) continue;
    while (e < ends.length && (ends[e] ?? 0) <= m.index) e++;
    const headerEnd = m.index + m[0].length;
    const nextBegin = text.indexOf('-----BEGIN', headerEnd);
    const end = ends[e];
    if (end !== undefined && (nextBegin < 0 || end < nextBegin)) {
      out.push({ type: 'PRIVATE_KEY', start: m.index, end, score: 0.99 });
      covered = end;
      continue;
    }
    PEM_BODY.lastIndex = headerEnd;
    const body = PEM_BODY.exec(text);
    if (body !== null) out.push({ type: 'PRIVATE_KEY', start: m.index, end: headerEnd + body[0].trimEnd().length, score: 0.95 });
  }
  return out;
}
