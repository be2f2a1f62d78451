/**
 * PERSON: names found by their context in English, German, French and Spanish: honorifics, self-introductions,
 * greetings, e-mail signatures, name fields (JSON keys, `Name:` lines, mail headers), and a first-name gazetteer
 * (our lists joined with compromise's lexicon) for "First Last" pairs and lone first names. Each rule reads the name
 * itself with {@link readName}, which never crosses a line and stops at words that are never names.
 */
import {
  AMBIGUOUS_FIRST,
  CITY_NAMES,
  COMMON_WORDS,
  FIRST_NAMES,
  LAST_NAMES,
  NOT_GIVEN,
  NOT_NAME,
  unaccent,
  WORDLIKE_LAST,
} from './lexicon.js';
import { CAPITAL_AHEAD, cue, cueMatches, lowered, scan, scanOf } from './cue.js';
import { tableCells } from './table.js';
import { lineStart, type Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';

const TOKEN = /\p{Lu}[\p{Ll}\p{M}]*(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:['’-]\p{L}[\p{Ll}\p{M}]*)*/uy;
const PARTICLE = /(?:von|van|der|den|de|del|della|di|da|du|dos|das|la|le|y|zu|ten|ter|bin|al|el|mac|st\.)(?= )/y;
const STREET_WORD =
  /^(street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|way|place|square|straße|strasse|str|weg|platz|allee|gasse)$/;

/** A lower-case word (sticky): a listed name typed without its capital. */
const LOWER_WORD = /\p{Ll}+/uy;
/** A string that begins with a capital (tested on single characters: regex literals in the loops below made one object per pass). */
const UPPER_FIRST = /^\p{Lu}/u;
const APOSTROPHE_NAME = /^\p{Lu}['’]/u;
const INITIAL_GOES_ON = /^\. \p{Lu}/u;

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
      LOWER_WORD.lastIndex = i;
      const l = LOWER_WORD.exec(text);
      if (l !== null && FIRST_NAMES.has(l[0])) m = l;
    }
    if (m === null) break;
    const w = m[0];
    const lw = w.toLowerCase();
    if (NOT_NAME.has(lw) || STREET_WORD.test(lw)) break;
    if (w.length > 1 && w === w.toUpperCase() && !APOSTROPHE_NAME.test(w)) break; // ACRONYMS
    // One capital letter is a name's initial only with its period ("J. Smith"); else a code ("W-9", "WK 12", "MARTIN").
    if (w.length === 1 && text[i + 1] !== '.') break;
    words.push(w);
    end = i + w.length;
    // An initial's period belongs to the name, which goes on after it ("J. R. Hartley").
    if (w.length === 1 && INITIAL_GOES_ON.test(text.slice(end, end + 3))) end++;
    i = end;
    if (text[i] !== ' ') break;
    i++;
    let j = i; // "van der", "de la", "von und zu": up to three particles before the next capitalised word
    for (let k = 0; k < 3; k++) {
      PARTICLE.lastIndex = j;
      const p = PARTICLE.exec(text);
      if (p === null) break;
      j += p[0].length + 1;
    }
    if (j > i && UPPER_FIRST.test(text[j] ?? '')) i = j;
    if (lowerOk && words.length === 1) {
      LOWER_WORD.lastIndex = i;
      const l = LOWER_WORD.exec(text);
      if (l !== null && LAST_NAMES.has(l[0])) {
        words.push(l[0]);
        end = i + l[0].length;
        break;
      }
    }
  }
  return words.length === 0 ? undefined : { end, words };
}

/** Whether `set` holds `w`, lower-cased, as written or without its accents. */
const has = (set: ReadonlySet<string>, w: string): boolean => {
  const l = w.toLowerCase();
  return set.has(l) || set.has(unaccent(l));
};
const isFirst = (w: string | undefined): boolean => w !== undefined && has(FIRST_NAMES, w);
const isKnown = (w: string): boolean => has(FIRST_NAMES, w) || has(LAST_NAMES, w);
const clearFirst = (w: string | undefined): boolean => isFirst(w) && !AMBIGUOUS_FIRST.has((w ?? '').toLowerCase());
/** A capitalised word that may be an unlisted given name: not a function word, common noun, role or city. */
const givenLike = (w: string): boolean => {
  const l = w.toLowerCase();
  return w.length > 1 && !NOT_NAME.has(l) && !NOT_GIVEN.has(l) && !COMMON_WORDS.has(l) && !CITY_NAMES.has(l) && !STREET_WORD.test(l);
};
/** A surname that is not also an ordinary word ("Sharma", not "White" or "Koch"). */
const plainLast = (w: string): boolean => has(LAST_NAMES, w) && !has(WORDLIKE_LAST, w) && !COMMON_WORDS.has(w.toLowerCase());
/** Two or more words that read as an unlisted name: the first could be a given name, none is a common word or city. */
const nameLike = (words: readonly string[]): boolean =>
  words.length > 1 && givenLike(words[0] ?? '') && words.every((w) => isKnown(w) || givenLike(w.split(/['’-]/).at(-1) ?? w));

// One look-behind for both branches (`(?<!…)(?:A|M\. )`, as `(?<!…)A|(?<!…)M\. `), so it runs as a Scan.
const HONORIFIC = scanOf(
  [
    '(?<![\\p{L}\\p{N}])(?:(?:(?:Frau|Herr|Herrn|Madame|Monsieur|Señora|',
    'Señor|Mrs|Mr|Ms)\\.?\\s(?=(?:Dr|Prof|Dra|Doktor|Professor)\\b))?(?:Mr|',
    'Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Herr|Herrn|Frau|Hr|Fr|Mme|',
    'Mlle|Monsieur|Madame|Mademoiselle|Me|Sr|Sra|Srta|Dra|Señor|',
    'Señora|Señorita|Don|Doña|Dña|Dott|Mister|Professor|Doktor|',
    'Docteur|Doctor|Doctora|Familie|Famille|Familia|famille|familia|señor|señora|señorita|monsieur|madame|mademoiselle)' +
      '(?:\\.|(?= ))\\s?|M\\. )',
  ].join(''),
  'gu',
);
const INTRO_STRONG = cue(
  [
    "(?:my name is|my name's|name is|call me|ich heiße|ich heisse|",
    "mein name ist|mein name lautet|je m'appelle|je m’appelle|mon nom est|",
    'me llamo|mi nombre es|me llaman|signed|gezeichnet|signé|firmado)\\s*[:,]?\\s+',
  ].join(''),
);
// One look-behind, not a `\b` per alternative: under the `iu` flags V8 runs `\b` with Unicode case folding at every
// position, which made this the detector's costliest regex (≈ 0.25 ms per KB).
const INTRO_WEAK = cue("(?<![a-z0-9_])(?:i am|i'm|i’m|this is|ich bin|hier ist|je suis|c'est|soy|yo soy|habla|speaking with|contact)\\s+");
const GREETING_STRONG = cue(
  [
    '(?:dear|liebe|lieber|sehr geehrte|sehr geehrter|hallo liebe|',
    'cher|chère|estimado|estimada|querido|querida|attn:?|attention:?|',
    'z\\.? ?hd\\.?)\\s+',
  ].join(''),
);
const GREETING_WEAK = cue(
  [
    '(?:^|[\\s>"\'(])(?:hi|hello|hey|hallo|moin|servus|bonjour|bonsoir|',
    'salut|coucou|hola|buenas|buenos días|thanks|thank you|danke|',
    'merci|gracias|cc|ping|@)[,:]?\\s+@?',
  ].join(''),
);
const CLOSING = cue(
  [
    '(?:best regards|kind regards|warm regards|regards|best wishes|',
    'best|cheers|thanks|many thanks|thank you|sincerely|yours truly|',
    'yours|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|',
    'viele grüße|beste grüße|liebe grüße|herzliche grüße|lg|mfg|',
    'gruß|grüße|cordialement|bien cordialement|bien à vous|salutations|',
    'amitiés|bisous|à bientôt|saludos|saludos cordiales|un saludo|',
    'atentamente|un abrazo|cordiales saludos|--|—)[,.!]?[ \\t]*\\r?\\n[ \\t]*',
  ].join(''),
);
const PERSON_KEY = new RegExp(
  [
    '(?:full_?name|first_?name|last_?name|given_?name|family_?name|',
    'surname|customer_?name|customer|client_?name|contact_?name|',
    'contact|author|owner|recipient|sender|patient|employee|passenger|',
    'guest|cardholder|card_?holder|account_?holder|holder|nombre|',
    'apellidos?|nom|prénom|prenom|vorname|nachname|kunde|kundin|',
    'ansprechpartner(?:in)?|empfänger|absender|titular|cliente|',
    'destinatario|remitente|pasajero|passager|passagier|gast|huésped|',
    'paciente|patientin|mitarbeiter|empleado|employé|display_?name|',
    'signed_?by|assignee|assigned_?to|reporter|requester|user_?name_?full|',
    'full name|nom complet|nombre completo|manager|beneficiary|',
    'empfaenger|interlocuteur|interlocutrice|contacto|responsable|',
    'zugewiesen an|affectée? à|asignad[oa] a)',
  ].join(''),
).source;
const JSON_PERSON = cue(`["']${PERSON_KEY}["']\\s*:\\s*["']`);
/** Keys whose value may be a name or a word ("driver": "Chrome"): a name only when listed and the whole value. */
const JSON_NAME = cue(
  [
    `["'](?:name|username_display|applicant|candidate|tenant|landlord|buyer|seller|driver|physician|doctor|student|`,
    `member|spouse|emergency_?contact|next_?of_?kin|witness|beneficiario|inquilino|arrendador|comprador|vendedor|`,
    `conductor|médico|alumno|mieter|vermieter|käufer|verkäufer|fahrer|arzt|ärztin|locataire|propriétaire|acheteur|`,
    `vendeur|conducteur|médecin|étudiant|étudiante)["']\\s*:\\s*["']`,
  ].join(''),
);
/** Short name-part keys ("first", "last"): a name when the value is one whole capitalised name. */
const JSON_PART = cue(`["'](?:first|last|given|family|middle|apellido1|apellido2|primer_apellido|segundo_apellido)["']\\s*:\\s*["']`);
const LINE_PERSON = cue(`(?:^|[\\s,;({"'])(?:${PERSON_KEY}|from|von|de|to|an|à|para|name|namen)["']?\\s*[:=]\\s*["']?`);
/** A capital at the start of a word (behind a cheap range check, see cue.ts). */
const CAPITAL = `${CAPITAL_AHEAD}\\p{Lu}`;
/** A capitalised word (all of its lower-case letters and marks), not inside a word, an address, a path or a handle. */
const CAPITAL_WORD = scanOf(`(?<![\\p{L}\\p{N}_@./#-])${CAPITAL}[\\p{Ll}\\p{M}]+`, 'gu');
/** A second part of a hyphenated name ("-Marie") before a space. */
const HYPHEN_PART = /-\p{Lu}[\p{Ll}\p{M}]+(?= )/uy;
/** What ends a lone word: punctuation, a line end (the `$` of a multi-line pattern) or the text's end. */
const LONE_END = /^[,.!?;:)\]"'\n\r\u2028\u2029]?$/;

/** A capitalised word found by {@link capitalWords}. */
interface Word {
  readonly index: number;
  readonly word: string;
}

/**
 * From one scan of capitalised words, the matches of two patterns: `pairs`, those of
 * `(?<![\p{L}\p{N}_@./#-])\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}[\p{Ll}\p{M}]+)?(?= )` (a word, maybe hyphenated, before a
 * space), and `lone`, those of `(?<![\p{L}\p{N}_@./#-])\p{Lu}[\p{Ll}\p{M}]+(?=[,.!?;:)\]"']|$|\n)` with the `m` flag
 * (a word before punctuation or a line end). Both begin with the whole word (their look-aheads fail inside it), so
 * the character after it decides.
 */
function capitalWords(text: string): { pairs: Word[]; lone: Word[] } {
  const pairs: Word[] = [];
  const lone: Word[] = [];
  for (const m of scan(CAPITAL_WORD, text)) {
    const end = m.index + m[0].length;
    const next = text.charAt(end);
    if (next === ' ') pairs.push({ index: m.index, word: m[0] });
    else if (next === '-') {
      HYPHEN_PART.lastIndex = end;
      const part = HYPHEN_PART.exec(text);
      if (part !== null) pairs.push({ index: m.index, word: m[0] + part[0] });
    }
    if (LONE_END.test(next)) lone.push({ index: m.index, word: m[0] });
  }
  return { pairs, lone };
}

/** A capitalised word opening a line, then a comma and the line's end or the words a message to someone begins with. */
const VOCATIVE = new RegExp(
  "(?:^|\\n)[ \\t]*(\\p{Lu}[\\p{Ll}\\p{M}]+),(?=[ \\t]*(?:\\r?\\n|$)|[ \\t]+(?:I|I'm|I’m|I've|I’ve|we|we're|you|your|thanks|thank|" +
    'please|just|quick|hope|sorry|can|could|would|ich|wir|du|danke|bitte|kannst|könntest|je|nous|vous|tu|merci|' +
    "pouvez|peux|yo|te|gracias|puedes|podrías)(?![\\p{L}])|[ \\t]+(?:j['’]|¿))",
  'gu',
);

/** Who receives at a door or in care of ("klingeln bei Hoffmann", "c/o", "chez"): a listed or name-like name follows. */
const DOORBELL = cue('(?<![\\p{L}])(?:klingeln bei|klingel:?|bei familie|c/o|chez|care of|a la atención de|a/a)\\s+');

/** Initials before a surname ("J. R. Hartley", "A. Novak"). */
const INITIALS = scanOf(/(?<![\p{L}\p{N}.])(?:\p{Lu}\.[ \t]?){1,3}(?=\p{Lu}[\p{Ll}\p{M}])/u.source, 'gu');

/** Words after which the names of people follow, listed ("cc: A B, C D", "assigned to A B", "Ansprechpartner: …"). */
const CUE = cue(
  [
    '(?<![\\p{L}])(?:cc|bcc|attendees|participants|teilnehmer(?:innen)?|participantes|ping|ask|loop in|looping in|forward (?:this |it )?to',
    'assigned to|assignee|owner|contact(?: person)?|point of contact|ansprechpartner(?:in)?|zugewiesen an|zuständig(?: ist)?',
    'weiterleiten an|in cc|interlocut(?:eur|rice)|affectée? à|transférer (?:ça |cela )?à|remplace|contacto|asignad[oa] a',
    'reenvía(?: esto)? a|reenviar a|sustituye a|reemplaza a|replaces|ersetzt|vertritt)(?![\\p{L}])\\s*:?\\s*(?:to\\s+|a\\s+|à\\s+)?@?',
  ].join('|'),
);
/** Table columns that hold names. */
const TABLE_PERSON = new RegExp(`^(?:${PERSON_KEY}|name|namen|nombre|nom|full name|assigned to)$`, 'iu');
const LIST_GLUE = /(?:,[ \t]*|[ \t]+(?:and|und|et|y|e|or|oder|ou|o|&)[ \t]+|[ \t]*[,;][ \t]*(?:and|und|et|y)[ \t]+)/y;

/** A list of names after a cue: every name that is listed or reads as a name, up to the first that does not. */
function pushList(out: Span[], text: string, at: number): void {
  for (let n = 0; n < 8; n++) {
    const name = readName(text, at, 4);
    if (name === undefined) return;
    const ok = (name.words.length > 1 && (nameLike(name.words) || name.words.some(plainLast))) || clearFirst(name.words[0]);
    if (!ok) return;
    push(out, at, name, 0.85);
    LIST_GLUE.lastIndex = name.end;
    const glue = LIST_GLUE.exec(text);
    if (glue === null) return;
    at = name.end + glue[0].length;
  }
}

const MAILBOX = /<[^\s<>@]{1,64}@[^\s<>@]{1,255}>/g;
/** A word of a mailbox's display name. */
const WORD_G = /[^\s"]+/g;
/** A quoted "Last, First" display name right before a mailbox. */
const LAST_FIRST = /"(\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+)?), (\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+)?)" *$/u;
/** The display name before `<address>` in mail headers and quoted-reply lines ("schrieb Anna Kowalska <a@b.pl>:"). */
function mailboxNames(text: string, out: Span[]): void {
  for (const m of allMatches(MAILBOX, text)) {
    const quoted = LAST_FIRST.exec(text.slice(Math.max(0, m.index - 80), m.index));
    if (quoted !== null && [quoted[1], quoted[2]].some((p) => (p ?? '').split(' ').some(isKnown))) {
      // One name, not two: "Müller, Thomas" <t.mueller@…>. Scored above the names read from its parts.
      const start = m.index - quoted[0].length + 1;
      out.push({ type: 'PERSON', start, end: start + (quoted[1] ?? '').length + 2 + (quoted[2] ?? '').length, score: 0.95 });
      continue;
    }
    let end = m.index;
    while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '"')) end--;
    const from = Math.max(0, end - 80);
    const words = allMatches(WORD_G, text.slice(from, end)).slice(-4);
    // Keep the longest tail of capitalised words that reads as a name.
    for (let k = 0; k < words.length; k++) {
      const first = words[k];
      if (first === undefined) continue;
      const name = readName(text, from + first.index, 4);
      if (name === undefined || name.end !== end) continue;
      if (nameLike(name.words) || name.words.some(isKnown)) push(out, from + first.index, name, 0.88);
      break;
    }
  }
}

/** A list's glue at the end of a text (what the names before a found name end with). */
const GLUE_END = /(?:,[ \t]*|[ \t]+(?:and|und|et|y|&)[ \t]+)$/;

/** Names joined to a found name ("Xiaoming Chen and Nomvula Dlamini", "Anna Nowak, Tom Hughes"). */
function coordinated(text: string, out: Span[]): void {
  const found = out.filter((s) => s.type === 'PERSON');
  for (const s of found) {
    LIST_GLUE.lastIndex = s.end;
    const glue = LIST_GLUE.exec(text);
    if (glue !== null) {
      const name = readName(text, s.end + glue[0].length, 4);
      if (name !== undefined && nameLike(name.words)) push(out, s.end + glue[0].length, name, 0.8);
    }
    const preceding = text.slice(Math.max(0, s.start - 60), s.start);
    // The glue first (a cheap test): the names before it are tried at every capital of the window.
    const left = GLUE_END.test(preceding)
      ? /(\p{Lu}[\p{Ll}\p{M}]+(?:[-\s]\p{Lu}[\p{Ll}\p{M}'’-]+){1,2})(?:,[ \t]*|[ \t]+(?:and|und|et|y|&)[ \t]+)$/u.exec(preceding)
      : null;
    if (left?.[1] !== undefined) {
      const at = s.start - left[0].length;
      const name = readName(text, at, 3);
      // A listed given name or surname among them: "Vielen Dank, Anna Weber" and "Meine Mutter, Helga Braun" list no one.
      if (name !== undefined && name.end === at + left[1].length && nameLike(name.words) && name.words.some(isKnown))
        push(out, at, name, 0.8);
    }
  }
}

/** Whether span `s` is (part of) a multi-word city name with the word before or after it ("San Francisco"). */
function inCityName(text: string, s: Span): boolean {
  const value = text.slice(s.start, s.end);
  // Each needs a space next to the span (checked before the text around it is cut out and read).
  const prev = text[s.start - 1] === ' ' ? /(\p{Lu}[\p{L}.]*) $/u.exec(text.slice(Math.max(0, s.start - 24), s.start))?.[1] : undefined;
  const next = text[s.end] === ' ' ? /^ (\p{Lu}[\p{L}]*)/u.exec(text.slice(s.end, s.end + 24))?.[1] : undefined;
  return (prev !== undefined && has(CITY_NAMES, `${prev} ${value}`)) || (next !== undefined && has(CITY_NAMES, `${value} ${next}`));
}

/** Whether the label `m` begins its line and prose follows the words read after it (`end`): a transcript's turn. */
function speakerTurn(text: string, m: RegExpExecArray, end: number): boolean {
  const keyAt = m.index + (/^[\s,;({"']/u.test(m[0]) ? 1 : 0);
  const line = lineStart(text, keyAt, 8);
  if ((line > 0 && text[line - 1] !== '\n') || !/^[ \t>*-]*$/.test(text.slice(line, keyAt))) return false;
  const rest = text.slice(end, end + 40);
  // Words after the label's value, or a sentence's end ("Customer: Perfect!"), not a field's end.
  return /^[^\n]{0,4}\p{Ll}{2}/u.test(rest) || /^[ \t]*[.!?…]/u.test(rest);
}

/**
 * A friend or relative named after the word for them ("mein Kumpel Tobi", "my buddy Sam", "mon pote Karim", "mi
 * hermano Iker"): a possessive, the relationship noun, then a given name.
 */
const RELATION = cue(
  [
    '(?<![\\p{L}])(?:my|our|his|her|mein|meine|meinem|meinen|meiner|unser|unsere|unserem|sein|seine|ihr|ihre|dein|deine|',
    'mon|ma|notre|son|sa|ton|ta|mi|mis|nuestro|nuestra|su|tu)[ \\t]+(?:(?:best|old|good|beste|bester|besten|alter|alten|',
    'guter|vieux|vieil|meilleur|meilleure|mejor|viejo|gran)[ \\t]+)?(?:kumpel|freund|freundin|kumpane|bruder|schwester|cousin|',
    'cousine|kollege|kollegin|mitbewohner|mitbewohnerin|nachbar|nachbarin|buddy|friend|mate|pal|bro|brother|sister|',
    'roommate|flatmate|housemate|colleague|coworker|co-worker|neighbour|neighbor|pote|copain|copine|ami|amie|frère|',
    'frere|sœur|soeur|collègue|coloc|voisin|voisine|amigo|amiga|colega|hermano|hermana|primo|prima|compañero|compañera|',
    'compa|vecino|vecina)[ \\t]+',
  ].join(''),
);
/** A German {@link RELATION}. */
const GERMAN_RELATION =
  /(?:mein|unser|sein|ihr|dein)\p{L}*[ \t]+(?:\p{L}+[ \t]+)?(?:kumpel|freund|kumpan|bruder|schwester|kolleg|mitbewohn|nachbar)/u;
/** A lookup of a contact or user by name in a tool call (`contacts.lookup("Grace")`, `find_user(name='Ana Ruiz')`). */
const LOOKUP_CALL = cue(
  [
    '(?<![\\p{L}])(?:contacts?|people|persons?|users?|employees?|members?|customers?|clients?|patients?|directory|crm|',
    'address_?book)[._]?(?:lookup|find|search|get|get_?by_?name|query|find_?by_?name|search_?by_?name)?(?:[._]?',
    '(?:lookup|find|search|get|get_?by_?name|query|find_?by_?name|search_?by_?name))\\([ \\t]*(?:name[ \\t]*[=:][ \\t]*)?["\']',
  ].join(''),
);
/** Device kinds that host names are made of. */
const DEVICE = 'iPhone|iPad|iMac|MacBook|MBP|Mac|Galaxy|Pixel|Android|Laptop|PC|Desktop|Tablet';
/**
 * A device's host name with its owner's name after it ("iPhone-de-Manon", "iPad-von-Jonas", "Galaxy-di-Marco"): the
 * hyphens first (a literal V8 scans for fast), then the device before them.
 */
const OF_OWNER = /-(?:de|von|van|di|da|du|of)-(\p{Lu}\p{Ll}+)(?![\p{L}\p{N}])/gu;
const DEVICE_END = new RegExp(`(?<![\\p{L}\\p{N}])(?:${DEVICE})(?:-Pro|-Air|-Mini)?$`, 'u');
/** The owner's name before a device's host name ("Johns-MacBook-Pro", "Annas-iPhone", "Lukas-iPad"): device first. */
const HYPHEN_DEVICE = new RegExp(`-(?:${DEVICE})(?![\\p{L}])`, 'g');
const OWNER_END = /(?<![\p{L}\p{N}_.-])(\p{Lu}\p{Ll}+)(?:'s|’s)?$/u;

/** Names of friends and relatives, of contacts looked up in a tool call, and of the owners of devices. */
function closeNames(text: string, lower: string | null, out: Span[]): void {
  for (const m of cueMatches(RELATION, text, lower)) {
    const at = m.index + m[0].length;
    const name = readName(text, at, 2);
    const w = name?.words[0] ?? '';
    // German capitalises its nouns ("mein Bruder Zeit hat"): an unlisted word there needs a nickname's ending (Tobi, Flo).
    const unlistedOk = givenLike(w) && (!GERMAN_RELATION.test(m[0]) || /(?:[iyo]|ie)$/.test(w));
    if (name !== undefined && (isFirst(w) || unlistedOk)) push(out, at, name, 0.8);
  }
  if (text.includes('(')) {
    for (const m of cueMatches(LOOKUP_CALL, text, lower)) {
      const at = m.index + m[0].length;
      const name = readName(text, at, 4, true);
      if (name !== undefined && text[name.end] === m[0].at(-1)) push(out, at, name, 0.85);
    }
  }
  if (!text.includes('-')) return;
  for (const m of allMatches(OF_OWNER, text)) {
    const w = m[1] ?? '';
    const end = m.index + m[0].length;
    if (DEVICE_END.test(text.slice(Math.max(0, m.index - 16), m.index)) && (isFirst(w) || givenLike(w)))
      out.push({ type: 'PERSON', start: end - w.length, end, score: 0.8 });
  }
  for (const m of allMatches(HYPHEN_DEVICE, text)) {
    const head = text.slice(Math.max(0, m.index - 30), m.index);
    const o = OWNER_END.exec(head);
    const w = o?.[1] ?? '';
    if (o === null) continue;
    // "Johns-MacBook": the owner is John; a name that ends in s stays whole ("Lukas-iPad").
    const owner = w.endsWith('s') && isFirst(w.slice(0, -1)) && !isFirst(w) ? w.slice(0, -1) : w;
    const start = m.index - head.length + o.index;
    if (isFirst(owner)) out.push({ type: 'PERSON', start, end: start + owner.length, score: 0.8 });
  }
}

/**
 * The value of a store, brand or company field (`"tienda": "Zara Gran Vía"`), which names no person. Not `firma`: a
 * signature in Spanish.
 */
const BUSINESS_VALUE = new RegExp(
  [
    '(?<![\\p{L}])["\']?(?:store|shop|merchant|retailer|brand|vendor|company|business|tienda|comercio|marca|empresa|magasin|boutique|',
    'enseigne|marque|entreprise|soci[ée]t[ée]|gesch[äa]ft|laden|marke|h[äa]ndler|restaurant|hotel)(?:_?name)?',
    '["\']?[ \\t]*[:=][ \\t]*["\']?$',
  ].join(''),
  'iu',
);

function push(out: Span[], start: number, name: Name | undefined, score: number): void {
  if (name !== undefined) out.push({ type: 'PERSON', start, end: name.end, score });
}

/** Person names in context. */
export function findPersons(text: string, lower: string | null = lowered(text)): Span[] {
  const out: Span[] = [];
  for (const m of scan(HONORIFIC, text)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name === undefined) continue;
    const h = m[0].trim().toLowerCase();
    if ((h === 'don' || h === 'me' || h === 'fr' || h === 'sr') && !m[0].endsWith('.') && !isKnown(name.words[0] ?? '')) continue;
    push(out, m.index, name, 0.9);
  }
  for (const m of cueMatches(INTRO_STRONG, text, lower))
    push(out, m.index + m[0].length, readName(text, m.index + m[0].length, 4, true), 0.92);
  for (const m of cueMatches(INTRO_WEAK, text, lower)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name !== undefined && clearFirst(name.words[0])) push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of cueMatches(GREETING_STRONG, text, lower)) {
    if (/\p{L}/u.test(text[m.index - 1] ?? '')) continue; // "Wasserkocher" is no "cher"
    const at = m.index + m[0].length;
    const name = readName(text, at, 3);
    // One capital letter is an initial or a model code ("WK 12"), not a name.
    if (name !== undefined && name.end - at > 1) push(out, at, name, 0.85);
  }
  for (const m of cueMatches(GREETING_WEAK, text, lower)) {
    const at = m.index + m[0].length;
    const name = readName(text, at, 3);
    if (name !== undefined && (isFirst(name.words[0]) || (name.words.length > 1 && isKnown(name.words[1] ?? ''))))
      push(out, at, name, 0.85);
    // An unlisted word addressed on its own ("Hola Begoña,", "Hi Siobhan!"): a name when it could be a given name.
    else if (
      name?.words.length === 1 &&
      /^[,!:]?[ \t]*(?:\r?\n|$)|^[,!]/.test(text.slice(name.end, name.end + 3)) &&
      givenLike(name.words[0] ?? '')
    )
      push(out, at, name, 0.75);
  }
  for (const m of cueMatches(CLOSING, text, lower)) {
    const at = m.index + m[0].length;
    const name = readName(text, at, 4);
    if (name === undefined) continue;
    const rest = text.slice(name.end, name.end + 2);
    const lineEnds = rest === '' || /^[\r\n,|(<]/.test(rest) || /^ [(<|–-]/.test(rest);
    if (lineEnds && (name.words.length > 1 || isKnown(name.words[0] ?? ''))) push(out, at, name, 0.9);
    // A lone unlisted word signing off on its own line ("Saludos,\nMontse").
    else if (name.words.length === 1 && /^[ \t]*(?:\r?\n|$)/.test(text.slice(name.end, name.end + 2)) && givenLike(name.words[0] ?? ''))
      push(out, at, name, 0.75);
  }
  for (const m of cueMatches(JSON_PERSON, text, lower))
    push(out, m.index + m[0].length, readName(text, m.index + m[0].length, 5, true), 0.9);
  for (const m of cueMatches(JSON_NAME, text, lower)) {
    const name = readName(text, m.index + m[0].length, 4, true);
    if (name !== undefined && name.words.some(isKnown) && text[name.end] === m[0].at(-1)) push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of cueMatches(JSON_PART, text, lower)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name !== undefined && name.end - m.index - m[0].length > 1 && text[name.end] === m[0].at(-1))
      push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of cueMatches(LINE_PERSON, text, lower)) {
    const at = m.index + m[0].length;
    const key = m[0].toLowerCase();
    const name = readName(text, at, 4, false);
    if (name === undefined) continue;
    if (/^[(.[]/.test(text[name.end] ?? '')) continue; // code: `Cliente(`, `User.name`
    const generic = /(from|von|de|to|an|à|para|name|namen)\s*[:=]/.test(key) && !/(first|last|full|customer|contact)/.test(key);
    // A quoted key's value is a name only when it is the whole value ("name": "Hudson Street Backpack" is not).
    if (/^["']/.test(m[0]) && !/["']/.test(text[name.end] ?? '')) continue;
    // A speaker's turn ("Customer: Sure, it's …", "Kundin: Guten Tag, hier …"): the words after the label are what
    // they say, a name only when it reads as one.
    if (!generic && speakerTurn(text, m, name.end) && !name.words.some(isKnown) && !nameLike(name.words)) continue;
    if (!generic || name.words.some(isKnown) || nameLike(name.words)) push(out, at, name, 0.85);
  }
  const capitals = capitalWords(text);
  for (const m of capitals.pairs) {
    const w = m.word;
    const nextCap = UPPER_FIRST.test(text[m.index + w.length + 1] ?? '');
    const byFirst = clearFirst(w) || (isFirst(w) && nextCap);
    if (!byFirst && !(nextCap && givenLike(w))) continue;
    const name = readName(text, m.index, 4);
    if (name === undefined || name.words[0] !== w) continue;
    // Without a listed given name, a plain surname must follow ("Priyanka Sharma"); "Madison Avenue" is no name.
    if (!byFirst && !name.words.slice(1).some(plainLast)) continue;
    // One word before a capitalised word that is no name: a compound proper noun ("Madison Avenue", "Victoria Station").
    if (name.words.length === 1 && (!clearFirst(w) || nextCap)) continue;
    const last = name.words.at(-1) ?? '';
    if (name.words.length > 1 && has(CITY_NAMES, last) && !has(LAST_NAMES, last)) continue;
    out.push({ type: 'PERSON', start: m.index, end: name.end, score: name.words.length > 1 ? 0.85 : 0.7 });
  }
  // Lone first names right before punctuation or a line end ("Thanks, Anna!", "ask Lukas.") are caught by the gazetteer too.
  for (const m of capitals.lone) {
    if (clearFirst(m.word)) out.push({ type: 'PERSON', start: m.index, end: m.index + m.word.length, score: 0.7 });
  }
  // A given name that opens a line and addresses its reader ("Ben, I moved out …", "Grace,⏎"), listed words too.
  for (const m of allMatches(VOCATIVE, text)) {
    const at = m.index + m[0].lastIndexOf(m[1] ?? '');
    // "Mira, te explico" is Spanish for "look, …".
    if (isFirst(m[1]) && !/^mir[ae]$/i.test(m[1] ?? '') && !NOT_NAME.has((m[1] ?? '').toLowerCase()))
      out.push({ type: 'PERSON', start: at, end: at + (m[1] ?? '').length, score: 0.75 });
  }
  for (const m of cueMatches(CUE, text, lower)) pushList(out, text, m.index + m[0].length);
  for (const m of cueMatches(DOORBELL, text, lower)) {
    const name = readName(text, m.index + m[0].length, 3);
    if (name !== undefined && (name.words.some(isKnown) || nameLike(name.words))) push(out, m.index + m[0].length, name, 0.85);
  }
  for (const m of scan(INITIALS, text)) {
    const name = readName(text, m.index + m[0].length, 2);
    const w = name?.words[0] ?? '';
    // One initial needs a listed surname ("A. Novak", not "A. Introduction"); two or more, a word that could be one.
    const several = m[0].split('.').length > 2;
    if (name !== undefined && (plainLast(w) || (several && givenLike(w) && !isFirst(w)))) push(out, m.index, name, 0.8);
  }
  mailboxNames(text, out);
  for (const c of tableCells(text, TABLE_PERSON)) {
    const name = readName(text, c.start, 4, true);
    if (name === undefined || name.end !== c.end) continue;
    if (!/^(name|namen?|nombre|nom)$/.test(c.header) || name.words.some(isKnown)) push(out, c.start, name, 0.85);
  }
  closeNames(text, lower, out);
  coordinated(text, out);
  return out.filter((s) => !inCityName(text, s) && !BUSINESS_VALUE.test(text.slice(Math.max(0, s.start - 40), s.start)));
  return out;
}
