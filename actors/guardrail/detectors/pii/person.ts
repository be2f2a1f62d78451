/**
 * PERSON: names found by their context in English, German, French and Spanish: honorifics, self-introductions,
 * greetings, e-mail signatures, name fields (JSON keys, `Name:` lines, mail headers), and a first-name gazetteer
 * (our lists joined with compromise's lexicon) for "First Last" pairs and lone first names. Each rule reads the name
 * itself with {@link readName}, which never crosses a line and stops at words that are never names.
 */
import { AMBIGUOUS_FIRST, CITY_NAMES, FIRST_NAMES, LAST_NAMES, NOT_NAME } from './lexicon.js';
import type { Span } from '../text/pii-spans.js';

const TOKEN = /\p{Lu}[\p{Ll}\p{M}]*(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:['’-]\p{L}[\p{Ll}\p{M}]*)*/uy;
const PARTICLE = /(?:von|van|der|den|de|del|della|di|da|du|dos|das|la|le|y|zu|ten|ter|bin|al|el|mac|st\.)(?= )/y;
const STREET_WORD =
  /^(street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|way|place|square|straße|strasse|str|weg|platz|allee|gasse)$/;

/** A name read at `pos`: its end and its words. */
interface Name {
  readonly end: number;
  readonly words: readonly string[];
}

/** Reads up to `max` capitalised name words from `pos` (single spaces between, particles allowed inside). */
export function readName(text: string, pos: number, max = 4, lowerOk = false): Name | undefined {
  const words: string[] = [];
  let end = pos;
  let i = pos;
  while (words.length < max) {
    TOKEN.lastIndex = i;
    let m = TOKEN.exec(text);
    if (m === null && lowerOk && words.length === 0) {
      const lower = /\p{Ll}+/uy;
      lower.lastIndex = i;
      const l = lower.exec(text);
      if (l !== null && FIRST_NAMES.has(l[0])) m = l;
    }
    if (m === null) break;
    const w = m[0];
    const lw = w.toLowerCase();
    if (NOT_NAME.has(lw) || STREET_WORD.test(lw)) break;
    if (w.length > 1 && w === w.toUpperCase() && !/^\p{Lu}['’]/u.test(w)) break; // ACRONYMS
    words.push(w);
    end = i + w.length;
    i = end;
    if (text[i] !== ' ') break;
    i++;
    PARTICLE.lastIndex = i;
    const p = PARTICLE.exec(text);
    if (p !== null && /\p{Lu}/u.test(text[i + p[0].length + 1] ?? '')) i += p[0].length + 1;
    if (lowerOk && words.length === 1) {
      const lower = /\p{Ll}+/uy;
      lower.lastIndex = i;
      const l = lower.exec(text);
      if (l !== null && LAST_NAMES.has(l[0])) {
        words.push(l[0]);
        end = i + l[0].length;
        break;
      }
    }
  }
  return words.length === 0 ? undefined : { end, words };
}

const isFirst = (w: string | undefined): boolean => w !== undefined && FIRST_NAMES.has(w.toLowerCase());
const isKnown = (w: string): boolean => FIRST_NAMES.has(w.toLowerCase()) || LAST_NAMES.has(w.toLowerCase());
const clearFirst = (w: string | undefined): boolean => isFirst(w) && !AMBIGUOUS_FIRST.has((w ?? '').toLowerCase());

const HONORIFIC =
  /(?<![\p{L}\p{N}])(?:(?:Frau|Herr|Herrn|Madame|Monsieur|Señora|Señor|Mrs|Mr|Ms)\.?\s(?=(?:Dr|Prof|Dra|Doktor|Professor)\b))?(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Herr|Herrn|Frau|Hr|Fr|Mme|Mlle|Monsieur|Madame|Mademoiselle|Me|Sr|Sra|Srta|Dra|Señor|Señora|Señorita|Don|Doña|Dña|Dott|Mister|Professor|Doktor|Docteur|Doctor|Doctora)(?:\.|(?= ))\s?|(?<![\p{L}\p{N}])M\. /gu;
const INTRO_STRONG =
  /(?:my name is|my name's|name is|call me|ich heiße|ich heisse|mein name ist|mein name lautet|je m'appelle|je m’appelle|mon nom est|me llamo|mi nombre es|me llaman|signed|gezeichnet|signé|firmado)\s*[:,]?\s+/giu;
const INTRO_WEAK =
  /(?:\bi am|\bi'm|\bi’m|\bthis is|\bich bin|\bhier ist|\bje suis|\bc'est|\bsoy|\byo soy|\bhabla|\bspeaking with|\bcontact)\s+/giu;
const GREETING_STRONG =
  /(?:dear|liebe|lieber|sehr geehrte|sehr geehrter|hallo liebe|cher|chère|estimado|estimada|querido|querida|attn:?|attention:?|z\.? ?hd\.?)\s+/giu;
const GREETING_WEAK =
  /(?:^|[\s>"'(])(?:hi|hello|hey|hallo|moin|servus|bonjour|bonsoir|salut|coucou|hola|buenas|buenos días|thanks|thank you|danke|merci|gracias|cc|ping|@)[,:]?\s+/giu;
const CLOSING =
  /(?:best regards|kind regards|warm regards|regards|best wishes|best|cheers|thanks|many thanks|thank you|sincerely|yours truly|yours|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|beste grüße|liebe grüße|herzliche grüße|lg|mfg|gruß|grüße|cordialement|bien cordialement|bien à vous|salutations|amitiés|bisous|à bientôt|saludos|saludos cordiales|un saludo|atentamente|un abrazo|cordiales saludos|--|—)[,.!]?[ \t]*\r?\n[ \t]*/giu;
const PERSON_KEY =
  /(?:full_?name|first_?name|last_?name|given_?name|family_?name|surname|customer_?name|customer|client_?name|contact_?name|contact|author|owner|recipient|sender|patient|employee|passenger|guest|cardholder|card_?holder|account_?holder|holder|nombre|apellidos?|nom|prénom|prenom|vorname|nachname|kunde|kundin|ansprechpartner(?:in)?|empfänger|absender|titular|cliente|destinatario|remitente|pasajero|passager|passagier|gast|huésped|paciente|patientin|mitarbeiter|empleado|employé|display_?name|signed_?by|assignee|reporter|requester|user_?name_?full)/
    .source;
const JSON_PERSON = new RegExp(`["'](?:${PERSON_KEY})["']\\s*:\\s*["']`, 'giu');
const JSON_NAME = /["'](?:name|username_display)["']\s*:\s*["']/giu;
const LINE_PERSON = new RegExp(`(?:^|[\\s,;({])(?:${PERSON_KEY}|from|von|de|to|an|à|para|name|namen)\\s*[:=]\\s*`, 'giu');
const CAPITAL_PAIR = /(?<![\p{L}\p{N}_@./#-])\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}[\p{Ll}\p{M}]+)?(?= )/gu;

function push(out: Span[], start: number, name: Name | undefined, score: number): void {
  if (name !== undefined) out.push({ type: 'PERSON', start, end: name.end, score });
}

/** Person names in context. */
export function findPersons(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(HONORIFIC)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name === undefined) continue;
    const h = m[0].trim().toLowerCase();
    if ((h === 'don' || h === 'me' || h === 'fr' || h === 'sr') && !m[0].endsWith('.') && !isKnown(name.words[0] ?? '')) continue;
    push(out, m.index, name, 0.9);
  }
  for (const m of text.matchAll(INTRO_STRONG)) push(out, m.index + m[0].length, readName(text, m.index + m[0].length, 4, true), 0.92);
  for (const m of text.matchAll(INTRO_WEAK)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name !== undefined && clearFirst(name.words[0])) push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of text.matchAll(GREETING_STRONG)) {
    const at = m.index + m[0].length;
    HONORIFIC.lastIndex = 0;
    push(out, at, readName(text, at, 3), 0.85);
  }
  for (const m of text.matchAll(GREETING_WEAK)) {
    const at = m.index + m[0].length;
    const name = readName(text, at, 3);
    if (name !== undefined && (isFirst(name.words[0]) || (name.words.length > 1 && isKnown(name.words[1] ?? ''))))
      push(out, at, name, 0.85);
  }
  for (const m of text.matchAll(CLOSING)) {
    const at = m.index + m[0].length;
    const name = readName(text, at, 4);
    if (name === undefined) continue;
    const rest = text.slice(name.end, name.end + 2);
    const lineEnds = rest === '' || /^[\r\n,|(<]/.test(rest) || /^ [(<|–-]/.test(rest);
    if (lineEnds && (name.words.length > 1 || isKnown(name.words[0] ?? ''))) push(out, at, name, 0.9);
  }
  for (const m of text.matchAll(JSON_PERSON)) push(out, m.index + m[0].length, readName(text, m.index + m[0].length, 5, true), 0.9);
  for (const m of text.matchAll(JSON_NAME)) {
    const name = readName(text, m.index + m[0].length, 4, true);
    if (name !== undefined && name.words.some(isKnown) && text[name.end] === m[0].at(-1)) push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of text.matchAll(LINE_PERSON)) {
    const at = m.index + m[0].length;
    const key = m[0].toLowerCase();
    const name = readName(text, at, 4, false);
    if (name === undefined) continue;
    if (/^[(.[]/.test(text[name.end] ?? '')) continue; // code: `Cliente(`, `User.name`
    const generic = /(from|von|de|to|an|à|para|name|namen)\s*[:=]/.test(key) && !/(first|last|full|customer|contact)/.test(key);
    if (!generic || name.words.some(isKnown)) push(out, at, name, 0.85);
  }
  for (const m of text.matchAll(CAPITAL_PAIR)) {
    const w = m[0];
    if (!clearFirst(w) && !(isFirst(w) && /^\p{Lu}/u.test(text[m.index + w.length + 1] ?? ''))) continue;
    const name = readName(text, m.index, 4);
    if (name === undefined || name.words[0] !== w) continue;
    const last = name.words.at(-1) ?? '';
    if (name.words.length > 1 && CITY_NAMES.has(last.toLowerCase()) && !LAST_NAMES.has(last.toLowerCase())) continue;
    out.push({ type: 'PERSON', start: m.index, end: name.end, score: name.words.length > 1 ? 0.85 : 0.7 });
  }
  // Lone first names right before punctuation or a line end ("Thanks, Anna!", "ask Lukas.") are caught by the gazetteer too.
  const LONE = /(?<![\p{L}\p{N}_@./#-])\p{Lu}[\p{Ll}\p{M}]+(?=[,.!?;:)\]"']|$|\n)/gmu;
  for (const m of text.matchAll(LONE)) {
    if (clearFirst(m[0])) out.push({ type: 'PERSON', start: m.index, end: m.index + m[0].length, score: 0.7 });
  }
  return out;
}
