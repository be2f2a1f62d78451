/**
 * The pii types with a checkable structure: EMAIL, CREDIT_CARD (Luhn and issuer prefix), IBAN (mod-97 via ibantools),
 * US_SSN (valid area, group and serial) and IP_ADDRESS (v4 and v6, validated by node:net). Each rule is a linear
 * regex for candidates plus a validator, and each rejects the look-alikes the guard must not fire on (versions,
 * order numbers, UUIDs, hashes, prices). Their leading look-behinds are checked in code ({@link scanOf}, cue.ts).
 */
import { isIP } from 'node:net';
import { electronicFormatIBAN, validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import { after, before, type Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';
import { scan, scanOf } from './cue.js';
import { mayHoldTable, tableCells } from './table.js';
import { addressContext, versionContext } from './version.js';

/** An e-mail address, sticky: tried only from the start of the local part before each `@`. */
const EMAIL_AT = /[\p{L}\p{N}._%+'-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}])/uy;
const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;

/** E-mail addresses (not `user@host` without a dotted domain, not code decorators). */
export function findEmails(text: string): Span[] {
  const out: Span[] = [];
  // Anchored at each `@` (a regex over the whole text tries up to 64 local-part characters at every position).
  let covered = 0;
  for (let sign = text.indexOf('@'); sign >= 0; sign = text.indexOf('@', sign + 1)) {
    if (sign < covered) continue;
    let from = sign;
    while (from > Math.max(covered, sign - 64) && LOCAL_CHAR.test(text[from - 1] ?? '')) from--;
    EMAIL_AT.lastIndex = from;
    const m = EMAIL_AT.exec(text);
    if (m === null) continue;
    covered = from + m[0].length;
    let start = from;
    let value = m[0];
    while (value.length > 0 && /^[._'-]/.test(value)) {
      value = value.slice(1);
      start++;
    }
    const at = value.indexOf('@');
    if (at < 1) continue;
    out.push({ type: 'EMAIL', start, end: start + value.length, score: 0.99 });
  }
  return out;
}

/** Luhn checksum over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the card networks in use (Visa, Mastercard, Amex, Discover, JCB, Diners, Maestro, UnionPay). */
function cardIssuer(d: string): boolean {
  const n = d.length;
  if (/^4/.test(d)) return n === 13 || n === 16 || n === 19;
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(d)) return n === 16;
  if (/^3[47]/.test(d)) return n === 15;
  if (/^(6011|64[4-9]|65)/.test(d)) return n >= 16 && n <= 19;
  if (/^35(2[89]|[3-8]\d)/.test(d)) return n >= 16 && n <= 19;
  if (/^3(0[0-5]|[689])/.test(d)) return n >= 14 && n <= 19;
  if (/^(5[06-9]|6\d)/.test(d)) return n >= 12 && n <= 19;
  return false;
}

// After a comma too: a CSV field ("TX-1,12.00,5530…"); a thousands group after a comma has three digits, not 12–19.
const CARD = scanOf(/(?<![\p{L}\p{N}_.-])\d(?:[ -]?\d){11,18}(?![\p{L}\p{N}_]|[.,]\d|-\d)/u.source, 'gu');
const NOT_CARD_CONTEXT = new RegExp(
  [
    '(order|bestell|commande|pedido|invoice|rechnung|factura|facture|',
    'tracking|sendung|suivi|seguimiento|ticket|isbn|ean|imei|serial|',
    '#)[^\\n]{0,12}$',
  ].join(''),
);

/** Words that call the number after them a card. */
const CARD_WORD = /(card|carte|karte|tarjeta|visa|mastercard|amex|jcb|diners|discover|maestro|unionpay)[^\n\d]{0,24}$/;

/**
 * Payment card numbers: 12–19 digits, single spaces or dashes between groups, Luhn-valid, a real issuer prefix (or
 * printed 4-4-4-4 after a card word).
 */
export function findCards(text: string): Span[] {
  const out: Span[] = [];
  for (const m of scan(CARD, text)) {
    const raw = m[0];
    const digits = raw.replace(/[ -]/g, '');
    if (!luhn(digits)) continue;
    const seps = raw.match(/[ -]/g)?.length ?? 0;
    // A number no network issues is still a card where it is printed as one and called one ("JCB 3526-8226-…").
    const named = seps === 3 && /^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$/.test(raw) && CARD_WORD.test(before(text, m.index, 40));
    if (!cardIssuer(digits) && !named) continue;
    // Printed groupings: 4-4-4-4(-3) of most networks, 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-1..4 (13–16 digits).
    if (seps > 0 && !/^\d{4}([ -])(?:\d{6}\1\d{4,5}|\d{4}(?:\1\d{4}){0,2}(?:\1\d{1,4})?)$/.test(raw)) continue;
    if (seps === 0 && NOT_CARD_CONTEXT.test(before(text, m.index, 30))) continue;
    out.push({ type: 'CREDIT_CARD', start: m.index, end: m.index + raw.length, score: 0.95 });
  }
  if (mayHoldTable(text)) cardColumns(text, out);
  return out;
}

/** Columns that hold card numbers ("card_number", "cc", "PAN", "Kreditkarte", "numéro de carte", "tarjeta"). */
const CARD_HEADER = new RegExp(
  [
    '^(?:(?:credit|debit|payment)?[ _-]?(?:card|cc|pan)(?:[ _-]?(?:number|num|no|nr|#))?|',
    '(?:num(?:é|e)ro[ _-]?(?:de[ _-]?)?)?carte(?:[ _-]?(?:bancaire|de[ _-]?cr(?:é|e)dit))?|',
    '(?:kredit)?karten?(?:[ _-]?(?:nummer|nr))?|',
    '(?:n(?:ú|u)mero[ _-]?(?:de[ _-]?)?)?tarjeta(?:[ _-]?(?:de[ _-]?)?(?:cr(?:é|e)dito|d(?:é|e)bito))?)$',
  ].join(''),
  'iu',
);
const CARD_CELL = /^\d(?:[ -]?\d){12,18}$/;

/**
 * The cells of a card column (CSV, TSV, `|` tables): a Luhn-valid 13–19-digit value is a card whatever its issuer
 * prefix and whatever follows its cell (the scan above leaves out a number followed by `,1`, a thousands group).
 */
function cardColumns(text: string, out: Span[]): void {
  const found = new Set(out.map((s) => s.start));
  for (const c of tableCells(text, CARD_HEADER)) {
    const quoted = /^(["']).*\1$/.test(text.slice(c.start, c.end)) ? 1 : 0; // a quoted cell: the number inside
    const start = c.start + quoted;
    const end = c.end - quoted;
    const value = text.slice(start, end);
    if (!CARD_CELL.test(value) || !luhn(value.replace(/[ -]/g, ''))) continue;
    if (!found.has(start)) out.push({ type: 'CREDIT_CARD', start, end, score: 0.95 });
  }
}

// Lower-case too (`iban=de89…`, typed by hand): mod-97 with the country's length still has to hold.
// Printed groups are split by a space, a no-break space or (typed by hand) a hyphen.
const IBAN = /(?<![\p{L}\p{N}])(?:[A-Z]{2}\d{2}(?:[ \u00a0-]?[A-Z0-9]){11,30}|[a-z]{2}\d{2}[a-z0-9]{11,30})(?![\p{L}\p{N}])/gu;

/**
 * Whether `iban` (electronic format) is an IBAN: the country's length and BBAN format, and mod-97. A national check
 * digit inside the BBAN that does not hold (ibantools checks it for BE, ES, FR, NO, PT, SI and a few more) lowers the
 * score instead of rejecting it: mod-97 is what defines an IBAN, and a mistyped or made-up account with a right IBAN
 * checksum is still a bank account number to a reader.
 */
function ibanScore(iban: string): number {
  const { valid, errorCodes } = validateIBAN(iban);
  if (valid) return 0.99;
  return errorCodes.length === 1 && errorCodes[0] === ValidationErrorsIBAN.WrongAccountBankBranchChecksum ? 0.9 : 0;
}

/** IBANs, electronic or printed in groups of four, mod-97-valid with the country's length. */
export function findIbans(text: string): Span[] {
  const out: Span[] = [];
  for (const m of allMatches(IBAN, text)) {
    let raw = m[0];
    // A printed IBAN may run into a following capitalised word ("DE89 3704 … 00 BIC"); shrink until it is valid.
    for (;;) {
      const score = ibanScore(electronicFormatIBAN(raw.toUpperCase().replace(/[\u00a0-]/g, ' ')) ?? '');
      if (score > 0) {
        out.push({ type: 'IBAN', start: m.index, end: m.index + raw.length, score });
        break;
      }
      const cut = Math.max(raw.lastIndexOf(' '), raw.lastIndexOf('\u00a0'), raw.lastIndexOf('-'));
      if (cut < 8) break;
      raw = raw.slice(0, cut);
    }
  }
  return out;
}

const SSN = scanOf(/(?<![\p{L}\p{N}-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\p{N}]|-\d)/u.source, 'gu');
const SSN_CONTEXT = /(ssn|social security|soc\.? sec|sozialversicherung|seguro social|sécurité sociale|tax id|taxpayer)[^\n]{0,25}$/;

/** A column that holds social security numbers. */
const SSN_HEADER = /^(?:ssn|us[ _-]?ssn|social[ _-]?security(?:[ _-]?(?:number|no|nr|#))?|soc\.? ?sec\.?(?: ?no\.?)?)$/i;
/** A whole cell in one of the SSN shapes. */
const SSN_CELL = /^(\d{3})([- ]?)(\d{2})\2(\d{4})$/;

/** Whether an SSN's area (not 000, 666, 9xx), group (not 00) and serial (not 0000) can be issued. */
function ssnParts(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** US social security numbers with a valid area (not 000, 666, 9xx), group (not 00) and serial (not 0000). */
export function findSsns(text: string): Span[] {
  const out: Span[] = [];
  for (const m of scan(SSN, text)) {
    const [raw, area = '', sep = '', group = '', serial = ''] = m;
    if (!ssnParts(area, group, serial)) continue;
    const ctx = SSN_CONTEXT.test(before(text, m.index, 40));
    if (sep !== '-' && !ctx) continue;
    if (sep === '-' && !ctx && /(order|ticket|case|ref|#|nr|no\.)[^\n]{0,6}$/.test(before(text, m.index, 12))) continue;
    out.push({ type: 'US_SSN', start: m.index, end: m.index + raw.length, score: ctx ? 0.97 : 0.85 });
  }
  // A column headed "ssn" / "social security": its valid numbers in any of the three shapes ("198 55 7032", "665441390").
  if (mayHoldTable(text) && /ssn|social|soc\.? sec/i.test(text))
    for (const c of tableCells(text, SSN_HEADER)) {
      const m = SSN_CELL.exec(text.slice(c.start, c.end));
      if (m === null || !ssnParts(m[1] ?? '', m[3] ?? '', m[4] ?? '')) continue;
      if (!out.some((s) => s.start === c.start)) out.push({ type: 'US_SSN', start: c.start, end: c.end, score: 0.97 });
    }
  return out;
}

const IPV4 = scanOf(/(?<![\p{L}\p{N}_.-])(?:\d{1,3}\.){3}\d{1,3}(?![\p{N}_]|\.\d|-\d)/u.source, 'gu');
/** An IPv6 candidate, sticky: tried only just before the colons {@link COLON_PAIR} finds (see {@link ipv6Candidates}). */
const IPV6_AT = /(?<![\p{L}\p{N}_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\p{L}\p{N}_:])/uy;
/** A colon followed by at most four hex digits and another colon. */
const COLON_PAIR = /:(?=[0-9A-Fa-f]{0,4}:)/g;

/**
 * The matches of IPV6_AT as a global scan of the whole text would find them, tried only where one can start: a
 * candidate's first colon is at most four characters after its start and is followed by a second within four hex
 * digits, so every start lies in `[c - 4, c]` of a colon `c` of {@link COLON_PAIR}. Those starts are tried in order,
 * each once, from the end of the last match on. A scan of the whole text (V8 tries the hex groups at every letter
 * a–f) cost ~25 µs per KB wherever a clock time ("11:04:55") let it run.
 */
function ipv6Candidates(text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let next = 0;
  for (const c of allMatches(COLON_PAIR, text)) {
    for (let s = Math.max(next, c.index - 4); s <= c.index; s++) {
      next = s + 1;
      IPV6_AT.lastIndex = s;
      const m = IPV6_AT.exec(text);
      if (m === null) continue;
      out.push(m);
      next = s + m[0].length;
      break;
    }
  }
  return out;
}
const VERSION_CONTEXT =
  /(?:\bv|version|versión|\bver\.?|release|build|firmware|\brev\.?|package|npm|pip|@|==|>=|<=|~|\^)["']?[ \t]*[:=]?[ \t]*["']?$/;

/** IPv4 and IPv6 addresses (a port, `/prefix` or brackets stay outside the span); not in version context. */
export function findIps(text: string): Span[] {
  const out: Span[] = [];
  const v4: RegExpExecArray[] = [];
  /**
   * Dotted numbers found in a version's context, and their major.minor: the same number elsewhere in the text is that
   * version too, and so is a sibling of the same line near it ("a known issue in 6.4.12.0. Roll back to 6.4.11.3"),
   * unless words of an address come right before it.
   */
  let versions: Map<string, number> | undefined;
  const line = (v: string): string => v.slice(0, v.indexOf('.', v.indexOf('.') + 1) + 1);
  const sibling = (m: RegExpExecArray): boolean => Math.abs((versions?.get(line(m[0])) ?? -1e9) - m.index) < 400;
  for (const m of scan(IPV4, text)) {
    if (isIP(m[0]) !== 4) continue;
    if (VERSION_CONTEXT.test(before(text, m.index, 16)) || versionContext(text, m.index, m.index + m[0].length)) {
      (versions ??= new Map()).set(m[0], m.index).set(line(m[0]), m.index);
      continue;
    }
    v4.push(m);
  }
  for (const m of v4)
    if (versions === undefined || !(versions.has(m[0]) || sibling(m)) || addressContext(text, m.index))
      out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.95 });
  for (const m of ipv6Candidates(text)) {
    const raw = m[0];
    // Clock times first: most candidates are, and node's isIP costs microseconds on each.
    if (/^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){2}$/i.test(raw)) continue; // 12:30:45 clock times
    if (isIP(raw) !== 6 || !/[0-9a-fA-F]{2}|::[0-9a-fA-F]|\d/.test(raw) || raw.replace(/[^0-9a-fA-F]/g, '').length < 2) continue;
    out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + raw.length, score: 0.95 });
  }
  return out;
}

/** True when `after` the span a unit shows it is an amount (`1.299,00 €`, `4111 USD`). */
export function followedByAmount(text: string, end: number): boolean {
  return /^\s?(€|\$|eur|usd|chf|gbp|£)/.test(after(text, end, 5));
}
