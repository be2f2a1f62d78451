/**
 * PHONE: candidates are digit groups with phone separators (a linear regex); libphonenumber-js decides whether a
 * candidate is a number of some country (international with `+`/`00`, or national for the countries our traffic
 * comes from). A bare digit run counts only next to a phone word; order, invoice and tracking numbers, dates, IPs,
 * prices and versions never do. findPhoneNumbersInText is not used on the whole text: run for several default
 * countries it costs ~6 ms per KB, while candidates are few.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { after, before, type Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';
import { mayHoldTable, tableCells } from './table.js';
import { versionContext } from './version.js';

// After a colon only in a `tel:` link; groups apart by one separator or " - ", the area code also by " / " ("030 / 901 820 0").
const CANDIDATE = new RegExp(
  '(?<![\\p{L}\\p{N}_+@/.#-])(?<!(?<![Tt][Ee][Ll]):)(?<!\\d,)(?:\\+\\s?|00)?(?:\\(\\d{1,5}\\)\\s?)?\\d+(?: \\/ \\d+)?' +
    '(?:(?:[ .\\-/]|\\s?\\(\\d{1,4}\\)\\s?| - )\\d+)*',
  'gu',
);

/** National formats tried, in order, for numbers without a country prefix. */
const COUNTRIES: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'ES', 'AT', 'CH', 'IT', 'NL', 'BE', 'MX', 'CA', 'IE'];

/** Words right before a number that make it a phone number. */
const PHONE_WORD = new RegExp(
  [
    '(phone|tel\\b|tel\\.|tél|telef|teléf|telf|mobile|mobil|móvil|',
    'movil|cell|call|ring|fax|whatsapp|sms|text me|handy|rufnummer|',
    'durchwahl|festnetz|anruf|appel|portable|numéro|número|numero|',
    'llam|contact|hotline|dial|reach me|erreichbar|joignable|📞|',
    '☎)',
  ].join(''),
);
/** Words right before a number that make it anything but a phone number. */
const OTHER_NUMBER = new RegExp(
  [
    '(order|bestell|auftrag|commande|pedido|invoice|rechnung|factur|',
    'tracking|sendung|suivi|seguimiento|ticket|\\bcase|issue|\\bref\\b|',
    '\\bref\\.|réf|referen|kunden-?nr|kundennummer|customer (id|no)|',
    'account|konto|compte|cuenta|iban|isbn|\\bean\\b|\\bsku|serial|dossier|expediente|aktenzeichen|vorgang|',
    'imei|\\bid\\b|\\bnr\\.?|\\bno\\.|n°|nº|#|\\bplz|\\bzip|postcode|transaction|',
    '\\btxn|\\bbuild|version|\\bport\\b|\\bpid\\b|\\buid\\b|user ?id|\\bsn\\b|',
    '\\blot\\b|\\bbatch|\\bvin\\b|montant|betrag|importe|amount|total)[^\\n\\d]{0,12}$',
  ].join(''),
);
const OTHER_NUMBER_WORD = new RegExp(OTHER_NUMBER.source.replace(/\[\^\\n\\d\]\{0,12\}\$$/, ''), 'g');
const PHONE_WORD_G = new RegExp(PHONE_WORD.source, 'g');
/** The country and check digits of an IBAN (and perhaps its first group) right before a number. */
const IBAN_HEAD = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}[ \u00a0-]?(?:[A-Z0-9]{4}[ \u00a0-]?)?$/u;
const DATE_SHAPE = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(\s|$)/;

/** Index of the last match of the global `re` in `s`, or -1. */
function lastMatch(s: string, re: RegExp): number {
  let at = -1;
  for (const m of allMatches(re, s)) at = m.index;
  return at;
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Verdicts of {@link isNumber} for recent candidates (a text repeats its numbers; parsing tries many countries). */
const verdicts = new Map<string, boolean>();

function isNumber(raw: string, international: boolean, lenient: boolean): boolean {
  const key = `${lenient ? 1 : 0}${raw}`;
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const verdict = parseNumber(raw, international, lenient);
  if (verdicts.size >= 4096) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

function parseNumber(raw: string, international: boolean, lenient: boolean): boolean {
  // `0049 30 …`: the international call prefix most of Europe dials, read as `+49 30 …`.
  const number = raw.startsWith('00') ? `+${raw.slice(2)}` : raw;
  const tryOne = (country?: CountryCode): boolean => {
    const p = parsePhoneNumberFromString(number, country === undefined ? undefined : { defaultCountry: country });
    if (p === undefined) return false;
    return p.isValid() || (lenient && p.isPossible());
  };
  if (international) return tryOne();
  return COUNTRIES.some((c) => tryOne(c));
}

/** Versions and OIDs: dots only, a one-digit group after the first ("4.0.30319.42000", "1.2.840.113549", "10.0.19045"). */
const DOTTED_VERSION = /^\d{1,3}\.\d\.\d+(?:\.\d+)*$|^\d{1,3}(?:\.\d+)*\.\d\.\d+$/;
/** A year, a dash and a long serial: a file or case number ("2026-0007731", "2019/004471"), not a phone's groups. */
const YEAR_ID = /^(?:19|20)\d\d[-/]\d{5,}$/;
/** The ISBN word earlier on the line, then only ISBN-like groups and words. */
const ISBN_BEFORE = /isbn(?:-1[03])?[^\n]{0,80}$/;

/**
 * Number shapes that are no phone's without a phone word: a version or an OID (or a dotted number where versions
 * stand), an ISBN (its check character `X` after it, or hyphenated groups after the word), a year-prefixed file number.
 */
function notPhone(text: string, raw: string, start: number, ctx: string): boolean {
  if (/^[\d.]+$/.test(raw) && (DOTTED_VERSION.test(raw) || versionContext(text, start, start + raw.length))) return true;
  const next = text.slice(start + raw.length, start + raw.length + 3);
  if (/^-[Xx](?![\p{L}\p{N}])/u.test(next)) return true; // ISBN-10 with its check character
  if (/^[\d-]+$/.test(raw) && raw.split('-').length >= 3 && ISBN_BEFORE.test(ctx)) return true;
  return !raw.startsWith('+') && YEAR_ID.test(raw);
}

/** A column that holds phone numbers ("phone", "mobile", "Telefon", "teléfono", "tel_no"…). */
const PHONE_HEADER = new RegExp(
  [
    '^(?:(?:home|work|mobile|cell|business|private|contact|primary)?[ _-]?',
    '(?:phone|tel|telephone|mobile|cell|handy|telefon|tel[ée]fono|t[ée]l[ée]phone|portable|m[óo]vil|celular|rufnummer|fax)',
    '(?:[ _-]?(?:number|num|no|nr|nummer|#))?|phone_?number|n[úu]mero[ _-]de[ _-]tel[ée]fono|num[ée]ro[ _-]de[ _-]t[ée]l[ée]phone)$',
  ].join(''),
  'i',
);
/** A whole cell in a phone's characters. */
const PHONE_CELL = /^\+?[\d ()./-]{7,24}$/;
/**
 * A count with thousands separators before what it counts ("1.248.771 Dateien", "2,304,118 rows"): no phone's.
 */
const COUNTED = new RegExp(
  [
    '^\\s?(?:files?|dateien|fichiers|archivos|ficheros|rows?|zeilen|lignes|filas|items?|eintr[äa]ge|entr[ée]es|elementos|',
    'bytes?|octets|users?|benutzer|utilisateurs|usuarios|records?|datens[äa]tze|registros|enregistrements|objects?|objekte|',
    'objets|objetos|messages?|nachrichten|mensajes|packets?|pakete|paquets|requests?|anfragen|requ[êe]tes|solicitudes|',
    'lines?|events?|ereignisse|[ée]v[ée]nements|eventos|downloads?|views?|aufrufe|vues|visitas|clicks?|klicks|clics)(?![\\p{L}])',
  ].join(''),
  'iu',
);
/** An airline e-ticket number: a three-digit carrier code and ten digits ("057-2145637891") after a ticket word. */
const E_TICKET = /^\d{3}[- ]?\d{10}$/;
const TICKET_WORD = /(?:ticket|billet|billete|flugschein|ticketnummer|etkt|tkt)[^\n\d]{0,30}$/i;

/** Phone numbers in international and national formats. */
export function findPhones(text: string): Span[] {
  const out: Span[] = [];
  // A column headed "phone": its possible numbers (a number a directory lists need not be assigned yet).
  if (mayHoldTable(text))
    for (const c of tableCells(text, PHONE_HEADER)) {
      const raw = text.slice(c.start, c.end);
      const digits = digitCount(raw);
      if (!PHONE_CELL.test(raw) || digits < 7 || digits > 15 || DATE_SHAPE.test(raw)) continue;
      if (isNumber(raw, raw.startsWith('+') || raw.startsWith('00'), true))
        out.push({ type: 'PHONE', start: c.start, end: c.end, score: 0.95 });
    }
  for (const m of allMatches(CANDIDATE, text)) {
    let raw = m[0].replace(/[ .\-/]+$/, '');
    const start = m.index;
    if (digitCount(raw) < 7) continue;
    const ctx = before(text, start, 40);
    // The nearer of a phone word and an other-number word decides ("Tel. 030 1234567, Bestellnummer 1234567890").
    const phoneAt = lastMatch(ctx, PHONE_WORD_G);
    const otherAt = lastMatch(ctx, OTHER_NUMBER_WORD);
    const phoneWord = phoneAt >= 0 && phoneAt > otherAt;
    // An explicit international prefix (`+44 …`) is a phone's, never an order or id number's: the word does not veto it.
    if (!phoneWord && !raw.startsWith('+') && OTHER_NUMBER.test(ctx.slice(-25))) continue;
    if (/[$€£¥]\s?$/.test(ctx) || /^\s?(€|\$|eur|usd|chf|gbp|£|%|kg|km|ms|mb|gb|kb)/.test(after(text, start + raw.length, 5))) continue;
    // The groups of an IBAN-shaped number ("ES00 2100 0418 …", whether or not its checksum holds) are not a phone's.
    if (!phoneWord && IBAN_HEAD.test(text.slice(Math.max(0, start - 10), start))) continue;
    if (DATE_SHAPE.test(raw) || /^\d{1,3}(\.\d{1,3}){3}$/.test(raw) || /^\d{3}-\d{2}-\d{4}$/.test(raw)) continue;
    if (/^(?:(?:19|20)\d\d[ ./-]+)+(?:19|20)\d\d$/.test(raw)) continue; // years: "2024 / 2025", "2019 2020 2021"
    if (/^\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}$/.test(raw)) continue; // card-shaped
    if (!phoneWord && /[ .-]\d$/.test(raw)) continue; // a one-digit last group is a check digit (ISBN-10, ids), not a phone
    if (!phoneWord && notPhone(text, raw, start, ctx)) continue;
    if (!phoneWord && /^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$/.test(raw) && COUNTED.test(after(text, start + raw.length, 30))) continue;
    if (E_TICKET.test(raw) && TICKET_WORD.test(ctx)) continue;
    const international = raw.startsWith('+') || raw.startsWith('00');
    const separated = /[ .\-/()]/.test(raw);
    if (!international && !separated && !phoneWord) continue;
    // Trailing groups that are not part of the number ("0171 2345678 2 times") are dropped until it parses.
    let found = false;
    for (let guard = 0; guard < 4 && digitCount(raw) >= 7; guard++) {
      if (digitCount(raw) <= 15 && isNumber(raw, international, phoneWord)) {
        found = true;
        break;
      }
      const cut = raw.search(/(?:[ .\-/]|\s?\(\d{1,4}\)\s?| - )\d+$/);
      if (cut <= 0) break;
      raw = raw.slice(0, cut);
    }
    if (!found) continue;
    out.push({ type: 'PHONE', start, end: start + raw.length, score: international || phoneWord ? 0.95 : 0.85 });
  }
  return out;
}
