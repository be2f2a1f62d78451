/**
 * vCards (`BEGIN:VCARD` … `END:VCARD`, in contact exports and tool output): the formatted name (`FN:`) is a PERSON,
 * a `TEL` a PHONE, an `ADR` one LOCATION over its `;`-joined parts, a `BDAY` a DATE_OF_BIRTH. Linear: one scan of the
 * property lines, and only when the text holds a vCard.
 */
import type { Span } from '../text/pii-spans.js';

/** A property line: an optional group (`item1.`), the name, its parameters (`;TYPE=CELL`), then the value. */
const PROPERTY = /^(?:[\w-]{1,20}\.)?(FN|TEL|ADR|BDAY)(?:;[^\n:]{0,80})?:([^\r\n]*)/gim;
/** A formatted name: letters, apostrophes, hyphens, dots and spaces, at most six words. */
const NAME = /^\p{L}[\p{L}\p{M}'’.-]*(?: \p{L}[\p{L}\p{M}'’.-]*){0,5}$/u;
/** A phone value: digits and the separators phones are written with. */
const PHONE = /^(?:tel:)?\+?[\d ()./-]{7,24}$/i;
/** A birthday: `1963-04-08`, `19630408` or `--0408` (year omitted). */
const BDAY = /^(?:(?:19|20)\d\d-?|--)(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?:T[\d:]+Z?)?$/;

/** Whether `text` may hold a vCard. */
const VCARD = /BEGIN:VCARD/i;

/** PERSON, PHONE, LOCATION and DATE_OF_BIRTH values of vCard property lines. */
export function findVcards(text: string): Span[] {
  if (!VCARD.test(text)) return [];
  const out: Span[] = [];
  for (const m of text.matchAll(PROPERTY)) {
    const name = (m[1] ?? '').toUpperCase();
    const raw = m[2] ?? '';
    const valueStart = m.index + m[0].length - raw.length;
    // The value without the empty parts around it (ADR starts with its PO box and extended address, mostly empty).
    const lead = /^[;\s]*/.exec(raw)?.[0].length ?? 0;
    const value = raw.slice(lead).replace(/[;\s]+$/, '');
    if (value === '') continue;
    const start = valueStart + lead;
    const end = start + value.length;
    const digits = value.replace(/\D/g, '').length;
    if (name === 'FN' && NAME.test(value)) out.push({ type: 'PERSON', start, end, score: 0.95 });
    else if (name === 'TEL' && PHONE.test(value) && digits >= 7 && digits <= 15) {
      const at = value.toLowerCase().startsWith('tel:') ? 4 : 0;
      out.push({ type: 'PHONE', start: start + at, end, score: 0.95 });
    } else if (name === 'ADR' && /\p{L}/u.test(value)) out.push({ type: 'LOCATION', start, end, score: 0.95 });
    else if (name === 'BDAY' && BDAY.test(value)) out.push({ type: 'DATE_OF_BIRTH', start, end, score: 0.95 });
  }
  return out;
}
