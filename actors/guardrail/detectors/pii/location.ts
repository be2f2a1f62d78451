/**
 * LOCATION: street addresses (number + street + suffix in English; street + number in German and Spanish; number +
 * rue/avenue… in French), each with an optional flat, postcode and city carried into the span, plus known cities
 * after a postcode or a place preposition ("wohne in Köln", "vivo en Sevilla"). Cities mentioned without such
 * context are left alone (they are rarely personal data).
 */
import {
  AMBIGUOUS_FIRST,
  CITY_NAMES,
  COMMON_WORDS,
  COUNTRY_NAMES,
  FIRST_NAMES,
  LAST_NAMES,
  NOT_NAME,
  REGION_NAMES,
  unaccent,
  WORDLIKE_PLACE_NAMES,
} from './lexicon.js';
import { CAPITAL_AHEAD, cue, cueMatches, hasCue, lowered, scan, scanOf, type Cue } from './cue.js';
import { tableCells } from './table.js';
import { before, lineStart, type Span } from '../text/pii-spans.js';
import { allMatches } from '../matches.js';

/** `[Ww]ord` alternations: the keyword's first letter in either case, the rest as written (no `i` flag: `\p{Lu}` stays upper). */
const ci = (words: string): string =>
  words
    .split('|')
    .map((w) => {
      const c = w[0] ?? '';
      const rest = w.slice(1).replace(/[.]/g, '\\.');
      return c.toLowerCase() !== c.toUpperCase() ? `[${c.toUpperCase()}${c.toLowerCase()}]${rest}` : c + rest;
    })
    .join('|');

const CAP = `\\p{Lu}[\\p{L}\\p{M}'’.-]*`;
const WORD = `\\p{Lu}[\\p{Ll}\\p{M}][\\p{L}\\p{M}'’-]*`;
/** Postcodes before a city: DE/FR/ES/IT 5 digits, AT/CH/BE/LU 4, PT 4-3, PL 2-3, NL 4 + 2 letters, `D-12345`. */
const POSTCODE = `(?:\\d{4}-\\d{3}|\\d{2}-\\d{3}|\\d{4}[ \\t]?[A-Z]{2}|\\d{4,5}|[A-Z]{1,2}-\\d{4,5})`;
const CITY_TAIL = `(?:,?[ \\t]*${POSTCODE}[ \\t]+${WORD}(?:[ \\t](?:am|an der|im|sur|de|del|en)?[ \\t]?${WORD}){0,2})`;
const US_TAIL = `(?:,[ \\t]*${WORD}(?:[ \\t]${WORD}){0,2}(?:,?[ \\t]+[A-Z]{2}(?![\\p{L}\\p{N}])(?:[ \\t]+\\d{5}(?:-\\d{4})?)?)?)`;
const UK_POST = `(?:,?[ \\t]+[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]?\\d[A-Z]{2})`;
const FLAT = `(?:,?[ \\t]*(?:${ci('apt|apartment|suite|ste|unit|flat|floor|fl')}|#)\\.?[ \\t]*[\\w-]{1,6})`;

const EN_SUFFIX =
  'Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|Square|Sq|Parkway|Pkwy|' +
  'Highway|Hwy|Circle|Cir|Crescent|Row|Gardens|Mews|Grove|Hill';
const EN = scanOf(
  `(?<![\\p{L}\\p{N}.,/-])\\d{1,5}[A-Za-z]?(?:-\\d{1,5})?,?[ \\t]+(?:[NSEW]\\.?[ \\t]+)?` +
    `(?:(?:${CAP}|\\d{1,3}(?:st|nd|rd|th))[ \\t]+){1,4}` +
    `(?:${EN_SUFFIX})\\b\\.?(?:[ \\t]+(?:NW|NE|SW|SE|N|S|E|W)\\b)?${FLAT}?${US_TAIL}?${UK_POST}?`,
  'gu',
);

const DE_SUFFIX =
  'straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|kai|berg|graben|hof|park|' +
  'straat|laan|gracht|plein|kade|singel|dijk|steeg|dreef|gasse|vej|gade|gatan|vägen|veien|gata';
/**
 * What a German street and its number cannot lack at a capital: its word (the street word glued on or one more word
 * after it) and a digit after spaces. Checked before the street words are tried at every letter of each capitalised
 * word (`\p{Lu}[\p{L}-]*` backtracks through them), which made this the costliest scan of texts with a street.
 */
const DE_AHEAD = "(?=[\\p{L}\\p{M}'’.-]*(?:[ \\t][\\p{L}.]+)?[ \\t]*\\d)";
const DE = scanOf(
  `(?<![\\p{L}\\p{N}-])${CAPITAL_AHEAD}${DE_AHEAD}(?:\\p{Lu}[\\p{L}-]*(?:${DE_SUFFIX})|` +
    `${CAP}[ \\t-](?:Straße|Strasse|Str\\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Markt|Graben|Berg|Hof|Kai))` +
    `[ \\t]*\\d{1,4}[ \\t]?[a-zA-Z]?(?:[-/]\\d{1,4})?(?![\\p{N}.:])${CITY_TAIL}?`,
  'gu',
);

/**
 * Street word first, number after, as Italian, Portuguese, Polish, Belgian and Swiss addresses write it ("Via Roma 45",
 * "Rua Augusta 100", "ul. Marszałkowska 10/12", "Rue du Marché 3", "Avenue Louise 54"), capitalised only.
 */
const FIRST_KIND =
  'Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Rua|Avenida|Travessa|Praça|Alameda|Estrada|Rue|Avenue|Boulevard|' +
  'Chaussée|Place|Quai|Chemin|Route|Ulica|ul\\.|Aleja|al\\.|Plac|Calle|Paseo|Carrer|Passeig|Rambla|Avinguda';
const PARTS_FIRST = `(?:di|da|de|del|della|dei|degli|delle|do|dos|das|du|des|de la|de l'|de l’|d'|d’|la|le|les|dels|de les)`;
const STREET_FIRST = scanOf(
  `(?<![\\p{L}\\p{N}])(?:${FIRST_KIND})[ \\t]+(?:${PARTS_FIRST}[ \\t]?)?${CAP}(?:[ \\t](?:${PARTS_FIRST}[ \\t]?)?${CAP}){0,3}` +
    `,?[ \\t]+\\d{1,4}[a-zA-Z]?(?:[-/]\\d{1,4})?(?![\\p{N}.:%])(?=[ \\t]*(?:[,;\\n"'|)]|$))${CITY_TAIL}?`,
  'gu',
);
const FIRST_HINT = new RegExp(`(?:${FIRST_KIND}) `);
/** {@link FIRST_HINT} lower-cased, looked up in the cues' one pass first (a text without it cannot hold the hint). */
const FIRST_GATE = cue(`(?:${FIRST_KIND.toLowerCase()}) `);

const FR_KIND = ci(
  'rue|avenue|av.|boulevard|bd|chemin|place|allée|allee|impasse|quai|route|cours|square|passage|voie|rond-point|esplanade',
);
const PARTS_FR = `(?:de la|de l'|de l’|du|des|de|d'|d’|l'|l’|la|le|les|aux|au|sur|en)`;
const FR = scanOf(
  `(?<![\\p{L}\\p{N}.,/-])\\d{1,4}(?:[ \\t]?(?:bis|ter|[A-D]))?,?[ \\t]+(?:${FR_KIND})[ \\t]+(?:${PARTS_FR}[ \\t]?)?${CAP}` +
    `(?:[ \\t](?:${PARTS_FR}[ \\t]?)?${CAP}){0,4}${CITY_TAIL}?(?:[ \\t]+(?:Cedex|CEDEX)(?:[ \\t]\\d{1,2})?)?`,
  'gu',
);

const ES_WORDS = 'calle|c/|avenida|avda.|av.|plaza|pza.|paseo|pº|camino|carrera|ronda|travesía|carretera|glorieta|rambla|callejón|vía';
const ES_KIND = ci(ES_WORDS);
const PARTS_ES = `(?:de la|de las|de los|del|de|y|la|el|los|las)`;
const ES = scanOf(
  `(?<![\\p{L}\\p{N}])(?:${ES_KIND})[ \\t]*(?:${PARTS_ES}[ \\t])?${CAP}(?:[ \\t](?:${PARTS_ES}[ \\t])?${CAP}){0,4},?[ \\t]*` +
    `(?:[Nn](?:º|°|o\\.|úm\\.)[ \\t]*)?\\d{1,4}(?:[ \\t]?[A-Za-z](?![\\p{L}]))?` +
    `(?:,?[ \\t]*\\d{1,2}(?![\\d])[º°ª]?(?:[ \\t]?[A-Za-z](?![\\p{L}]))?)?${CITY_TAIL}?`,
  'gu',
);

/**
 * What a German or Spanish address cannot lack, looked up before its pattern runs: those patterns begin with a
 * capitalised word or a street word, so V8 tries them at every position, and most texts have no address at all.
 */
const DE_HINT = cue(`(?:${DE_SUFFIX.toLowerCase()})[ \\t]*\\d`);
const ES_HINT = cue(`(?:${ES_WORDS.replace(/\./g, '\\.')})`);

/** Verbs of moving and travelling: a place after them is personal only when a person does it (`TRAVEL`). */
const TRAVEL_VERBS =
  'moving|relocating|relocated|relocate|travelling|traveling|flying|visiting|ziehe|zieht|ziehen|umziehen|' +
  'déménage|déménagé|déménager|voyage|me mudo|nos mudamos|mudarse|viajo|viajamos|se muda|se mudan|se mudó|se mudará';
const POSTCODE_CITY = scanOf(/(?<![\p{L}\p{N}.,:/-])(?:[A-Z]{1,2}-)?\d{5}[ \t]+(\p{Lu}[\p{L}-]+(?:[ \t]\p{Lu}[\p{L}-]+)?)/u.source, 'gu');
const PLACE_PREP = cue(
  [
    '(?:live|living|lives|lived|based|located|moved|reside|resident|',
    "residing|born|raised|grew up|staying|come|comes|coming|i'm(?= from)|i’m(?= from)|",
    'i am(?= from)|wohne|wohnt|lebe|lebt|ansässig|wohnhaft|geboren|',
    'aufgewachsen|umgezogen|komme|kommt|habite|habitons|vis|vit|',
    'réside|domicilié|domiciliée|né|née|viens|vient|vivo|vive|resido|',
    'radicado|radicada|vivimos|vivons|leben|wohnen|nací|nació|nacido|',
    'nacida|soy|vengo|mudé|originally|ursprünglich|originaire|originario|originaria|oriundo|oriunda|',
    `${TRAVEL_VERBS}|`,
    "(?:is|are|am|was|were|'s|’s|'m|’m)(?= from))(?![\\p{L}])",
  ].join(''),
);
const PREP_CITY = new RegExp(
  "(?:^|\\s)(?:in|at|near|to|from|im|aus|nach|à|au|aux|du|des|en|de|d'|d’|desde|a|cerca de|près de)" +
    '(?:\\s+(?:the|der|die|dem|den|la|le|les|el|los|las))?\\s+' +
    '(\\p{Lu}[\\p{L}-]+(?:[ \\t](?:de |del |de la |de los |de las |am |an der |sur |sous |upon |on |la |el )?\\p{Lu}[\\p{L}-]+){0,2})',
  'gu',
);

const CITY_PHRASE = `(\\p{Lu}[\\p{L}'’.-]+(?:[ \\t](?:am |an der |de |del |de la |sur |im |upon |on )?\\p{Lu}[\\p{L}'’.-]+){0,2})`;
/** A known city after a place preposition anywhere ("flying from Boston to Seattle", "Büro in Zürich", "à Lyon"). */
const ANY_PREP_CITY = scanOf(
  `(?<![\\p{L}])(in|im|near|nahe|aus|nach|from|to|via|à|au|près de|sur|en|de|depuis|desde|hasta|cerca de)[ \\t]+` +
    `(?:(?:the|der|die|dem|den|le|la|l'|l’|el)[ \\t]+)?${CITY_PHRASE}`,
  'gu',
);
/** Prepositions that name a place, whatever follows ("in Florence"), unlike "to Jordan" or "from Austin" (people too). */
const PLACE_ONLY_PREP = /^(in|im|near|nahe|aus|nach|à|au|en|près de|cerca de)$/;
/** Fields and columns that hold a city or place. */
const PLACE_KEY =
  'city|town|ort|stadt|wohnort|geburtsort|standort|sitz|wohnsitz|wohnhaft|ville|lieu(?: de naissance)?|domicile|residence|' +
  'ciudad|localidad|municipio|residencia|domicilio|poblaci[oó]n|' +
  'lugar(?:[ _]de[ _]nacimiento)?|place[ _]of[ _]birth|lieu[ _]de[ _]naissance|' +
  'birthplace|location|hometown|home_?town|city_?name|ubicaci[oó]n|localizaci[oó]n|emplacement|sede';
/** Values of a place field that name no place ("location": "Remote"). */
const NO_PLACE = new RegExp(
  '^(?:remote|hybrid|online|home|homeoffice|home office|office|hq|headquarters|n/a|na|none|null|unknown|tbd|tba|various|' +
    'other|anywhere|worldwide|global|mobile|remoto|teletrabajo|télétravail|teletravail|distanciel|desconocido|inconnu|' +
    'unbekannt|keine|aucun|ninguno|default|true|false)$',
  'iu',
);
/**
 * Values of a place field that name a room or a business, not a place ("ort": "Aula", "lieu": "Cabinet médical des
 * Arcades", "location": "Conference Room B"): a venue word first.
 */
const VENUE = new RegExp(
  '^(?:aula|saal|raum|zimmer|b[üu]ro|praxis|kanzlei|turnhalle|sporthalle|mensa|kantine|klinik|gasthaus|gasthof|' +
    'room|meeting|conference|office|clinic|hotel|restaurant|caf[ée]|bar|pub|gym|studio|lobby|auditorium|hall|' +
    'cabinet|salle|bureau|clinique|h[ôo]tel|brasserie|boutique|magasin|atelier|' +
    'sala|oficina|cl[íi]nica|consultorio|despacho|tienda|gimnasio|biblioteca|library|bibliothek|biblioth[èe]que)' +
    '(?![\\p{L}])',
  'iu',
);
/** Fields that name a bare value in prose or tool output, without a colon ("Wohnort Gelsenkirchen"). */
const BARE_KEY =
  /^(?:wohnort|geburtsort|standort|wohnsitz|wohnhaft|lieu de naissance|lugar de nacimiento|place of birth|birthplace|hometown|domicilio)$/u;
/** The value of a city field: a word with a case (any case, as the field names it), up to three more words. */
const KEY_CITY_VALUE = /[\p{Lu}\p{Ll}\p{Lt}][\p{L}'’.-]*(?:[ \t-]\p{L}[\p{L}'’.-]*){0,3}/uy;
const TABLE_PLACE = new RegExp(`^(?:${PLACE_KEY})$`, 'iu');
/** Fields and columns that hold a country or region: a place when the value is one the gazetteer knows. */
const GEO_KEY =
  'country|country_?name|country_?of_?residence|land|pays|pa[ií]s|nation|state|region|province|provincia|' +
  'bundesland|kanton|canton|r[ée]gion|departamento|d[ée]partement|comunidad|estado|residence_?country|' +
  // where a person travels or works, in expense forms and staff directories ("Ziel: Wien", "site": "Brest")
  'destination|reiseziel|zielort|ziel|d[ée]placement|viaje|destino|site';
/**
 * A place field (group 1), a country or region field (group 2), maybe prefixed (`billing_city`, `CONTACT_CITY`), then
 * `:`/`=` (group 3) or a space. One scan for both.
 */
const KEY_PLACE = cue(`(?<![\\p{L}])(?:(${PLACE_KEY})|(${GEO_KEY}))["']?(?:([ \\t]*[:=])[ \\t]*["']?|[ \\t]+)`);
const TABLE_GEO = new RegExp(`^(?:${GEO_KEY})$`, 'iu');
/** A place name: a capitalised word or words ("Ghana", "Nordrhein-Westfalen", "Castilla-La Mancha", "New South Wales"). */
const PLACE_WORDS =
  /\p{Lu}[\p{L}\p{M}'’.-]*(?:[ \t](?:de |del |de la |la |of |the |y |and |am |im |sur |upon )?\p{Lu}[\p{L}\p{M}'’.-]*){0,3}/uy;
/** Who can come from somewhere: a pronoun or a relative right before "is from" (a capitalised name is checked apart). */
const PERSON_SUBJECT = new RegExp(
  '(?:^|[^\\p{L}])(?:he|she|i|we|they|you|who|husband|wife|partner|mother|father|mom|mum|dad|sister|brother|son|' +
    'daughter|friend|boyfriend|girlfriend|parents|family|colleague|boss|neighbou?r)\\s*$',
  'u',
);
const personSubject = (before: string): boolean => {
  if (PERSON_SUBJECT.test(before.toLowerCase())) return true;
  const w = /(\p{Lu}\p{Ll}+)\s*$/u.exec(before)?.[1]?.toLowerCase();
  return w !== undefined && !NOT_NAME.has(w) && !COMMON_WORDS.has(w) && !COUNTRY_NAMES.has(w);
};
const TRAVEL = new RegExp(`^(?:${TRAVEL_VERBS})$`);
const TRAVELLER = new RegExp(
  "(?:^|[^\\p{L}])(?:i|i'm|i’m|we|we're|we’re|he|he's|she|she's|they|they're|my|our|his|her|their|ich|wir|er|sie|" +
    "je|j'|nous|il|elle|on|yo|me|nos|nosotros|ella|él)(?:[^\\p{L}]|$)",
  'u',
);
/** Whether the words before a moving or travelling verb name a person doing it: a pronoun, or a given name ("Diego Fernández se muda"). */
function traveller(before: string, verb: string): boolean {
  if (TRAVELLER.test(`${before}${verb}`.toLowerCase())) return true;
  const given = /(\p{Lu}\p{Ll}+)(?:[ \t]+\p{Lu}[\p{L}'’-]+)?[ \t]*$/u.exec(before)?.[1];
  return given !== undefined && known(FIRST_NAMES, given);
}
/** What may follow a place whose name is also a word. */
const WORD_PLACE_END = new RegExp(
  '^(?:[ \\t]*(?:[,.;:!?)\\]]|\\r?\\n|$)|[ \\t]+(?:today|now|this|last|next|for|with|since|where|when|until|' +
    'tomorrow|yesterday|heute|jetzt|seit|morgen|depuis|demain|hoy|desde|mañana)(?![\\p{L}]))',
  'u',
);
/** US state and Canadian province codes after a city ("Austin, TX", "Berkeley, CA", "Halifax, NS"). */
const STATE_CODE = new RegExp(
  '^(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]|' +
    'AB|BC|MB|NB|NL|NS|ON|PE|QC|SK)(?![\\p{L}\\p{N}])',
  'u',
);
const COMMA_PLACE = /,[ \t]+(?=\p{Lu})/gu; // a comma without a space parts CSV cells ("Tulsa,Oklahoma")
/** Words that end a place (a sentence, a field, a list). */
const PLACE_END = /^(?:[ \t]*(?:[,;:|)\]"'.!?]|\r?\n|$|[ \t][—–-][ \t]|[ \t]\())/u;
/** Verbs of living and birth: after them a capitalised place behind a preposition is a place even when unlisted. */
const DWELL = new RegExp(
  '^(?:live|lives|lived|living|reside|resides|residing|resident|born|raised|grew up|moved|wohne|wohnt|wohnen|lebe|lebt|' +
    'leben|wohnhaft|ansässig|geboren|aufgewachsen|umgezogen|habite|habitons|vis|vit|vivons|réside|domicilié|domiciliée|' +
    'né|née|vivo|vive|vivimos|resido|radicado|radicada|nací|nació|nacido|nacida|mudé)$',
);
const CAPITALISED = /^\p{Lu}[\p{L}'’.-]*(?:[ \t-]\p{L}[\p{L}'’.-]*){0,3}$/u;

function cityEnd(text: string, start: number, phrase: string, exact = false, countries = false): number | undefined {
  const words = phrase.split(/[ \t]/);
  for (let n = words.length; n > 0; n--) {
    // a sentence may end after the first words ("en Madrid. Su móvil …")
    const name = words
      .slice(0, n)
      .join(' ')
      .replace(/[.'’-]+$/, '');
    if (countries && COUNTRY_NAMES.has(name.toLowerCase())) return start + name.length;
    const lastWord = !exact && n > 1 && CITY_NAMES.has((words[n - 1] ?? '').toLowerCase());
    // a district after its city's name is the city too ("Hamburg-Altona", "Berlin-Mitte"; not "Berlin-based")
    const district = /^[^-]+-\p{Lu}/u.test(name) && CITY_NAMES.has(name.slice(0, name.indexOf('-')).toLowerCase());
    if (CITY_NAMES.has(name.toLowerCase()) || lastWord || district) return start + name.length;
  }
  return undefined;
}

const known = (set: ReadonlySet<string>, name: string): boolean => {
  const l = name.toLowerCase();
  return set.has(l) || set.has(unaccent(l));
};

/** The end of the longest known place (`sets`) that the words at `start` begin with, or undefined. */
function placeEnd(text: string, start: number, sets: readonly ReadonlySet<string>[]): number | undefined {
  PLACE_WORDS.lastIndex = start;
  const words = (PLACE_WORDS.exec(text)?.[0] ?? '').split(/[ \t]/);
  for (let n = words.length; n > 0; n--) {
    const name = words
      .slice(0, n)
      .join(' ')
      .replace(/[.'’-]+$/, '');
    if (sets.some((set) => known(set, name))) return start + name.length;
  }
  return undefined;
}

/** The start of a known city that ends at `end` (up to three words back), or undefined. */
function cityStartBefore(text: string, end: number): number | undefined {
  const back = /(?:\p{Lu}[\p{L}\p{M}'’.-]*(?:[ \t](?:de |del |de la |am |sur |upon |an der )?)?){1,3}$/u.exec(
    text.slice(Math.max(0, end - 48), end),
  );
  if (back === null) return undefined;
  const from = end - back[0].length;
  // The longest tail of those words that names a city ("San Antonio", not "Office San Antonio").
  for (let at = from; at < end;) {
    const name = text.slice(at, end);
    if (known(CITY_NAMES, name)) return at;
    const sp = text.slice(at, end).search(/[ \t]/);
    if (sp < 0) break;
    at += sp + 1;
  }
  return undefined;
}

/**
 * "City, Region" and "City, Country" as one place: a LOCATION that ends before ", Nevada" grows over it, and a known
 * city followed by a known region or country is one wherever it stands ("office Las Vegas, Nevada").
 */
function withRegions(text: string, out: Span[]): void {
  if (text.indexOf(',') < 0) return;
  for (const m of allMatches(COMMA_PLACE, text)) {
    const at = m.index + m[0].length;
    const code = STATE_CODE.exec(text.slice(at, at + 3))?.[0];
    const end = code !== undefined ? at + code.length : placeEnd(text, at, [REGION_NAMES, COUNTRY_NAMES]);
    // ", Georgia Miller" names a person; ", Georgia" or ", Georgia and" a place.
    if (end === undefined || /^[ \t]\p{Lu}/u.test(text.slice(end, end + 2))) continue;
    const grown = out.findIndex((s) => s.type === 'LOCATION' && s.end === m.index);
    if (grown >= 0) {
      const s = out[grown] as Span;
      out[grown] = { ...s, end };
      continue;
    }
    const start = cityStartBefore(text, m.index);
    if (start !== undefined) out.push({ type: 'LOCATION', start, end, score: 0.75 });
  }
  // "à Québec, au Canada", "in Lyon, in France", "en Bruselas, en Bélgica": the country named after the city, apart.
  for (const m of allMatches(COMMA_PREP_PLACE, text)) {
    if (!out.some((s) => s.type === 'LOCATION' && s.end === m.index)) continue;
    const at = m.index + m[0].length;
    const end = placeEnd(text, at, [COUNTRY_NAMES, REGION_NAMES]);
    if (end !== undefined) out.push({ type: 'LOCATION', start: at, end, score: 0.7 });
  }
}
const COMMA_PREP_PLACE =
  /,[ \t]*(?:in|im|en|au|aux|à|in der|en el|en la|dans le|dans la)[ \t]+(?:(?:the|le|la|el|der|die)[ \t]+)?(?=\p{Lu})/gu;

/**
 * A known city standing on its own after a name, the way a signature or a contact line gives it ("Claudia Wenzel,
 * Hannover, Tel. …", "Bernard Petit, Strasbourg — tél.", "Anna Weber (Köln)", "Luis Mora – Sevilla"); not a city
 * that is also a word or a given name.
 */
const SIGN_CITY = /(?:,|[ \t]?\(|[ \t][—–|·-])[ \t]*(\p{Lu}[\p{L}\p{M}'’.-]+(?:[ \t]\p{Lu}[\p{L}\p{M}'’.-]+)?)/gu;

/**
 * Whether the line before `at` is a contact record whose fields `sep` parts ("Evan Hartley — evan@… — +44 20 … —
 * Manchester"): two fields or more before, one an e-mail address or a phone-like number.
 */
const PHONE_FIELD = /^(?!\d{4}-\d\d-\d\d$|\d{1,2}[./]\d{1,2}[./]\d{2,4}$)\+?(?:\d[ ()./-]?){7,15}$/;
function recordLine(text: string, at: number, sep: string): boolean {
  const row = text.slice(lineStart(text, at, 240), at);
  const fields = sep === ',' ? row.split(',') : row.split(` ${sep} `);
  return fields.length >= 3 && fields.some((f) => f.includes('@') || PHONE_FIELD.test(f.trim()));
}
function signatureCities(text: string, out: Span[]): void {
  for (const m of allMatches(SIGN_CITY, text)) {
    const phrase = m[1] ?? '';
    const at = m.index + m[0].length - phrase.length;
    let end: number | undefined;
    for (const name of [phrase, phrase.split(/[ \t]/)[0] ?? ''].map((p) => p.replace(/[.'’-]+$/, ''))) {
      if (known(CITY_NAMES, name) && !known(WORDLIKE_PLACE_NAMES, name) && !known(FIRST_NAMES, name)) {
        end = at + name.length;
        break;
      }
    }
    if (end === undefined || !PLACE_END.test(text.slice(end, end + 4))) continue;
    const sep = m[0].trim()[0] ?? '';
    if (/[,—–|·-]/.test(sep) && recordLine(text, m.index, sep)) {
      out.push({ type: 'LOCATION', start: at, end, score: 0.6 });
      continue;
    }
    if (sep === '|' || sep === '·') continue;
    // The words before the comma name someone or something ("Claudia Wenzel,"), not a list of cities being compared.
    const who = /(\p{Lu}[\p{Ll}\p{M}]+)[ \t]+(\p{Lu}[\p{Ll}\p{M}'’-]+)$/u.exec(text.slice(Math.max(0, m.index - 40), m.index));
    if (who === null) continue;
    // After a bracket or a dash the words must be someone's name ("Anna Weber (Köln)", not "Release Notes (Berlin)").
    if (!m[0].startsWith(',') && ![who[1], who[2]].some((w) => known(FIRST_NAMES, w ?? '') || known(LAST_NAMES, w ?? ''))) continue;
    out.push({ type: 'LOCATION', start: at, end, score: 0.6 });
  }
}

/**
 * After a verb of living or birth ("she lives in Esch-sur-Alzette", "nacida … en Cuenca"), an unlisted capitalised
 * place: one or two words (hyphens inside), none a function word, month or ordinary English word, the clause ending there.
 */
function unlistedPlace(text: string, at: number, phrase: string, verb: string): number | undefined {
  const v = verb.toLowerCase();
  if (!DWELL.test(v)) return undefined;
  const words = phrase.split(/[ \t]/).slice(0, 5);
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    const last = words[n - 1] ?? '';
    if (!/^\p{Lu}/u.test(last) || !givenPlace(name)) continue;
    // German capitalises every noun ("lebt in Armut"): an unlisted German place needs a place's shape.
    if (GERMAN_DWELL.test(v) && !(n > 1 || last.includes('-') || PLACE_SUFFIX.test(last.toLowerCase()))) continue;
    const end = at + name.length;
    if (CLAUSE_END.test(text.slice(end, end + 14))) return end;
  }
  return undefined;
}
/** What may follow a place that ends its clause ("…, ", "now", "since 2019", "aufgewachsen"). */
const CLAUSE_END = new RegExp(
  '^(?:[ \\t]*(?:[,;:|)\\]"\'.!?]|\\r?\\n|$)|[ \\t]+(?:now|today|since|with|and|und|et|y|avec|con|mit|seit|depuis|desde|' +
    'ahora|jetzt|maintenant|aufgewachsen|geboren|gelebt|gewohnt)(?![\\p{L}]))',
  'u',
);
/** German verbs that end a clause after the place: "bin aber in Polen aufgewachsen", "ist in Bad Tölz geboren". */
const VERB_LAST = cue(
  '(?<=[ \\t])(?:aufgewachsen|geboren|gelebt|gewohnt|wohnhaft|ansässig|groß geworden|zu hause|zuhause|daheim)(?![\\p{L}])',
);
/**
 * Words that may name an unlisted place: capitalised ones are no function word, month, ordinary English word or
 * acronym; a place prefix may lead ("Bad Kreuznach", "Saint-Dié"); particles between ("Villanueva de la Serena").
 */
const givenPlace = (phrase: string): boolean =>
  phrase.split(/[ \t]/).every((w, i, all) => {
    const l = w.toLowerCase();
    if (!/^\p{Lu}/u.test(w)) return i > 0;
    if (i === 0 && all.length > 1 && PLACE_PREFIX.has(l)) return true;
    return !NOT_NAME.has(l) && !COMMON_WORDS.has(l) && !(w.length > 3 && w === w.toUpperCase());
  });
const GERMAN_DWELL = /^(?:wohne|wohnt|wohnen|lebe|lebt|leben|wohnhaft|ansässig|geboren|aufgewachsen|umgezogen)$/;
/** First words of place names ("Bad Kreuznach", "Sankt Augustin", "San Vicente", "Port Talbot"). */
const PLACE_PREFIX = new Set(
  [
    'bad sankt st. st neu alt groß gross klein hohen ober unter nieder markt san santa santo saint sainte',
    'new port fort mount lake north south east west upper lower great little',
  ]
    .join(' ')
    .split(' '),
);
/** Endings of German, Dutch and Scandinavian place names. */
const PLACE_SUFFIX = new RegExp(
  '(?:burg|berg|dorf|hausen|heim|stadt|stedt|feld|furt|hofen|ingen|ungen|bach|brück|brücken|hagen|rode|leben|born|beck|' +
    'büttel|kirchen|weiler|werder|walde|hafen|münde|ow|itz|au)$',
);

/** Fields that hold a whole postal address: the value up to the end of its field is one place. */
const ADDRESS_KEY = cue(
  [
    '(?<![\\p{L}_.-])(?:address|home_?address|street_?address|billing_?address|shipping_?address|mailing_?address|',
    'postal_?address|adresse|adresse postale|anschrift|lieferadresse|rechnungsadresse|postanschrift|wohnadresse|',
    "dirección|direccion|direccion_postal|domicilio|indirizzo|endereço|morada|adres)(?:[ _](?:de |d'|du |of |for |für )?",
    '(?:entrega|envío|envio|facturación|facturacion|livraison|facturation|correspondance|domicile|lieferung|rechnung|',
    'delivery|billing|shipping|residence))?["\']?[ \\t]*[:=][ \\t]*(["\']?)',
  ].join(''),
);
/** An address value: letters, digits and the punctuation of addresses, on one line, up to a quote or field end. */
const ADDRESS_VALUE = /[\p{L}\p{N}][\p{L}\p{M}\p{N} .,'’/#ºª°-]{4,118}/uy;

const ADDRESS_CLAUSE =
  /,[ \t]*(?!(?:izq|dcha|dcho|piso|planta|puerta|esc|bajo|apt|apartment|flat|suite|unit|floor|étage|bis|ter|cedex)\b)\p{Ll}{3,}/u;

function addressFields(text: string, lower: string | null, out: Span[]): void {
  for (const m of cueMatches(ADDRESS_KEY, text, lower)) {
    const at = m.index + m[0].length;
    ADDRESS_VALUE.lastIndex = at;
    let value = ADDRESS_VALUE.exec(text)?.[0] ?? '';
    // The address ends where a clause in words begins (", bitte klingeln bei …"), not at a floor or door ("3º izq.").
    const clause = ADDRESS_CLAUSE.exec(value);
    if (clause !== null) value = value.slice(0, clause.index);
    value = value.replace(/[\s.,'’-]+$/, '');
    // A street number or postcode and a capitalised word of three letters: not "address: see below", not "0x3f…".
    if (!/\d/.test(value) || !/\p{Lu}\p{Ll}{2}/u.test(value) || /^0x/i.test(value)) continue;
    out.push({ type: 'LOCATION', start: at, end: at + value.length, score: 0.92 });
  }
}

/** Street addresses and cities in personal context. */
export function findLocations(text: string, lower: string | null = lowered(text)): Span[] {
  const out: Span[] = [];
  const skip = (hint: Cue): boolean => !hasCue(hint, text, lower);
  const first = hasCue(FIRST_GATE, text, lower) && FIRST_HINT.test(text) ? STREET_FIRST : undefined;
  for (const re of [EN, skip(DE_HINT) ? undefined : DE, FR, skip(ES_HINT) ? undefined : ES, first]) {
    if (re === undefined) continue;
    for (const m of scan(re, text)) {
      const raw = m[0].replace(/[\s,.]+$/, (t) =>
        t.startsWith('.') && /(St|Ave|Rd|Dr|Blvd|Str)$/.test(m[0].slice(0, -t.length)) ? '.' : '',
      );
      out.push({ type: 'LOCATION', start: m.index, end: m.index + raw.length, score: 0.9 });
    }
  }
  for (const m of scan(POSTCODE_CITY, text)) {
    const phrase = m[1] ?? '';
    const at = m.index + m[0].length - phrase.length;
    const end = cityEnd(text, at, phrase);
    if (end !== undefined) out.push({ type: 'LOCATION', start: m.index, end, score: 0.8 });
  }
  // After a verb of living, coming or birth, the first known city behind a place preposition in the same clause.
  for (const m of cueMatches(PLACE_PREP, text, lower)) {
    const from = m.index + m[0].length;
    // Moving and travelling are a person's when a person does it ("I'm moving to Portugal", not "the shipment is moving").
    if (TRAVEL.test(m[0].toLowerCase()) && !traveller(text.slice(Math.max(0, m.index - 60), m.index), m[0])) continue;
    // "is from": a person's origin when a person is the subject ("my husband is from Kenya", "Anna's from Lyon").
    if (/^(?:is|are|am|was|were|'s|’s|'m|’m)$/.test(m[0].toLowerCase()) && !personSubject(text.slice(Math.max(0, m.index - 24), m.index)))
      continue;
    const window = text.slice(from, from + 48).split(/[.!?\n](?!\d)/)[0] ?? '';
    for (const c of allMatches(PREP_CITY, window)) {
      const phrase = c[1] ?? '';
      const at = from + c.index + c[0].length - phrase.length;
      // Where someone lives, comes from or was born, a country is as personal as a city ("vivo en España").
      const gap = window.slice(0, c.index);
      const prep = /\S+/.exec(c[0])?.[0] ?? '';
      const end =
        cityEnd(text, at, phrase, false, true) ??
        (/^(?:in|à|en)$/.test(prep) && !/\p{Ll}{4}/u.test(gap) ? unlistedPlace(text, at, phrase, m[0]) : undefined);
      if (end !== undefined) {
        out.push({ type: 'LOCATION', start: at, end, score: 0.7 });
        break;
      }
    }
  }
  // German puts the verb last: "bin aber in Polen aufgewachsen", "ist in Bad Tölz geboren".
  for (const m of cueMatches(VERB_LAST, text, lower)) {
    const head = /(?:^|[ \t])(?:in|im|aus)[ \t]+(\p{Lu}[\p{L}-]+(?:[ \t]\p{Lu}[\p{L}-]+)?)[ \t]+$/u.exec(
      text.slice(Math.max(0, m.index - 40), m.index),
    );
    const phrase = head?.[1];
    if (head === null || phrase === undefined) continue;
    const at = m.index - head[0].length + head[0].lastIndexOf(phrase);
    const end = cityEnd(text, at, phrase, true, true);
    const unlisted = end === undefined && (phrase.includes(' ') || PLACE_SUFFIX.test(phrase.toLowerCase())) && givenPlace(phrase);
    if (end !== undefined || unlisted) out.push({ type: 'LOCATION', start: at, end: end ?? at + phrase.length, score: 0.7 });
  }
  for (const m of scan(ANY_PREP_CITY, text)) {
    const phrase = (m[2] ?? '').replace(/[.'’-]+$/, '');
    if (
      m[1] === 'de' &&
      /(?:gare|rue|avenue|boulevard|place|pont|porte|calle|plaza|puerta|estación|paseo)\s+$/i.test(before(text, m.index, 12))
    )
      continue; // "gare de Lyon", "Calle de Sevilla": a station or street named after a city
    const at = m.index + m[0].length - (m[2] ?? '').length;
    const end = cityEnd(text, at, phrase, true);
    if (end === undefined) continue;
    const city = text.slice(at, end).toLowerCase();
    const personToo = FIRST_NAMES.has(city) || AMBIGUOUS_FIRST.has(city) || known(WORDLIKE_PLACE_NAMES, city);
    if (personToo && !PLACE_ONLY_PREP.test((m[1] ?? '').toLowerCase())) continue;
    // "in Mobile and Desktop", "in Reading mode": a place that is also a word ends its clause to be one.
    if (known(WORDLIKE_PLACE_NAMES, city) && !WORD_PLACE_END.test(text.slice(end, end + 12))) continue;
    out.push({ type: 'LOCATION', start: at, end, score: 0.65 });
  }
  // A city field: any capitalised value ("ville": "Lyon", "Lieu de naissance : Toulon"), and table columns named so.
  const GEO = [COUNTRY_NAMES, REGION_NAMES, CITY_NAMES];
  for (const m of cueMatches(KEY_PLACE, text, lower)) {
    const at = m.index + m[0].length;
    if (m[3] === undefined) {
      // "Wohnort Gelsenkirchen": a known place only, after a field that is never an ordinary word.
      const end = BARE_KEY.test((m[1] ?? '').toLowerCase()) && /\p{Lu}/u.test(text[at] ?? '') ? placeEnd(text, at, GEO) : undefined;
      if (end !== undefined) out.push({ type: 'LOCATION', start: at, end, score: 0.75 });
    } else if (m[1] !== undefined) {
      // A prefixed field ("weather_location") names a place only with a capitalised value.
      if (text[m.index - 1] === '_' && !/\p{Lu}/u.test(text[at] ?? '')) continue;
      KEY_CITY_VALUE.lastIndex = at;
      const value = (KEY_CITY_VALUE.exec(text)?.[0] ?? '').replace(/[\s.,'’-]+$/, '');
      if (value.length > 1 && !NO_PLACE.test(value) && !VENUE.test(value))
        out.push({ type: 'LOCATION', start: at, end: at + value.length, score: 0.75 });
    } else {
      // A country or region field: the value when the gazetteer knows it ("country": "China").
      const end = placeEnd(text, at, GEO);
      if (end !== undefined && PLACE_END.test(text.slice(end, end + 4))) out.push({ type: 'LOCATION', start: at, end, score: 0.75 });
    }
  }
  for (const c of tableCells(text, TABLE_PLACE)) {
    const value = text.slice(c.start, c.end);
    if (CAPITALISED.test(value) && !NO_PLACE.test(value) && !VENUE.test(value))
      out.push({ type: 'LOCATION', start: c.start, end: c.end, score: 0.75 });
  }
  for (const c of tableCells(text, TABLE_GEO)) {
    if (placeEnd(text, c.start, GEO) === c.end) out.push({ type: 'LOCATION', start: c.start, end: c.end, score: 0.75 });
  }
  addressFields(text, lower, out);
  routes(text, lower, out);
  welcomes(text, lower, out);
  signatureCities(text, out);
  withRegions(text, out);
  return withUnits(text, out);
}

/** A floor, door or flat: "5º", "izq.", "2e étage", "3. OG", "Apt 4B", "Flat 3", "Whg. 12", "puerta 2", "#5". */
const UNIT =
  '(?:\\d{1,3}[º°ª](?:[ \\t]?[A-Za-z](?![\\p{L}]))?|' +
  '\\d{1,2}(?:e|er|ère|ème|è|\\.)?[ \\t]?(?:étage|etage|og|stock|obergeschoss|piso|planta|floor)|' +
  '(?:izq(?:uierda|da)?|izda|dcha|dcho|derecha|centro|ctro|bajo|ático|atico|entresuelo|pral|principal|' +
  'rechts|links|re|li|mitte|hinterhaus|vorderhaus|seitenflügel|gartenhaus)\\.?|' +
  '(?:apt|apartment|appt|app|appartement|suite|ste|unit|flat|floor|fl|piso|planta|puerta|pta|esc|escalera|bât|bâtiment|bat|' +
  'étage|etage|whg|wohnung|stock|og|eg|dg|porte|door|room|zimmer|bte|boîte|bus|bloque|portal)' +
  '\\.?[ \\t]*(?:n[º°o]\\.?[ \\t]*)?[\\dA-Z]{1,4}[A-Za-z]?|' +
  '#[ \\t]?\\d{1,4}[A-Za-z]?)(?![\\p{L}\\p{N}])';
/** Only units between a street and the postcode and city that follow it. */
const UNIT_GAP = new RegExp(`^(?:[ \\t]*,?[ \\t]*${UNIT})+[ \\t]*,?[ \\t]*$`, 'iu');
/** A flat before a street address ("Flat 3, 27 Albion Street", "Apt 4B, 55 Oak Avenue"). */
const UNIT_BEFORE = /(?:^|[^\p{L}])((?:flat|apt|apartment|suite|unit|appartement|app|whg|wohnung)\.?[ \t]*\d{1,4}[A-Za-z]?,[ \t]*)$/iu;

/**
 * A street address and the postcode and city after it, parted by floor and door ("Avenida de Madrid 44, 5º izq., 50004
 * Zaragoza", "12 rue X, 2e étage, 75011 Paris"), are one place; so is a flat named before the street.
 */
function withUnits(text: string, out: Span[]): Span[] {
  const places = out.filter((s) => s.type === 'LOCATION').sort((a, b) => a.start - b.start);
  if (places.length === 0) return out;
  const drop = new Set<Span>();
  const grown = new Map<Span, Span>();
  for (let i = 0; i < places.length; i++) {
    const s = places[i] as Span;
    if (s.score < 0.9 || drop.has(s)) continue;
    let merged = s;
    const flat = UNIT_BEFORE.exec(text.slice(Math.max(0, s.start - 24), s.start))?.[1];
    if (flat !== undefined) merged = { ...merged, start: s.start - flat.length };
    for (let j = i + 1; j < places.length; j++) {
      const next = places[j] as Span;
      if (next.start < merged.end) continue;
      if (next.start - merged.end > 40 || !UNIT_GAP.test(text.slice(merged.end, next.start))) break;
      if (!/^\d|^[A-Z]{1,2}-\d/.test(text.slice(next.start, next.start + 3))) break; // a postcode begins what follows
      merged = { ...merged, end: next.end };
      drop.add(next);
    }
    if (merged !== s) grown.set(s, merged);
  }
  if (grown.size === 0 && drop.size === 0) return out;
  return out.filter((s) => !drop.has(s)).map((s) => grown.get(s) ?? s);
}

/**
 * Routes: "von München nach Lissabon", "von Bonn in die …" (a known city after `von`, which is also a name's particle,
 * only on its way somewhere), and "de Madrid a Lisboa", "desde Sevilla para Bilbao" (`a` and `para` name a place only
 * after such a start).
 */
const ROUTE_FROM = scanOf(`(?<![\\p{L}])([Vv]on|[Dd]e|[Dd]esde|[Dd]a)[ \\t]+${CITY_PHRASE}`, 'gu');
const ROUTE_ON =
  /^[ \t]+(?:nach|bis|in|ins|zu|zum|zur|über|ueber|via|weg|aufs?|hierher|hergezogen|umgezogen|gezogen|geflogen|gefahren)(?![\p{L}])/u;
const ROUTE_TO = new RegExp(`^[ \\t]+(?:a|al|para|hasta)[ \\t]+${CITY_PHRASE}`, 'u');

/** What a route needs: a start word, then a capital ({@link ROUTE_GATE}, lower-cased, is looked up first). */
const ROUTE_HINT = /(?:[Vv]on|[Dd]e|[Dd]esde|[Dd]a) \p{Lu}/u;
const ROUTE_GATE = cue('(?:von|de|desde|da) ');

function routes(text: string, lower: string | null, out: Span[]): void {
  if (!hasCue(ROUTE_GATE, text, lower) || !ROUTE_HINT.test(text)) return;
  for (const m of scan(ROUTE_FROM, text)) {
    const phrase = (m[2] ?? '').replace(/[.'’-]+$/, '');
    const at = m.index + m[0].length - (m[2] ?? '').length;
    const end = cityEnd(text, at, phrase, true);
    if (end === undefined) continue;
    if ((m[1] ?? '').toLowerCase() === 'von') {
      if (!ROUTE_ON.test(text.slice(end, end + 14))) continue;
      // "Ursula von Bonn": the word before is a name.
      const prev = /(\p{Lu}\p{Ll}+)[ \t]+$/u.exec(text.slice(Math.max(0, m.index - 24), m.index))?.[1];
      if (prev !== undefined && (known(FIRST_NAMES, prev) || known(LAST_NAMES, prev))) continue;
      out.push({ type: 'LOCATION', start: at, end, score: 0.65 });
      continue;
    }
    const to = ROUTE_TO.exec(text.slice(end, end + 60));
    const next = to?.[1]?.replace(/[.'’-]+$/, '');
    if (to === null || next === undefined) continue;
    const from = end + to[0].length - (to[1] ?? '').length;
    const last = cityEnd(text, from, next, true);
    if (last !== undefined) out.push({ type: 'LOCATION', start: from, end: last, score: 0.65 });
  }
}

/**
 * "We look forward to welcoming you to South Lake Tahoe", "Willkommen in Bad Tölz": a known place, or an unlisted
 * one that begins with a place's first word ("South", "Bad", "San", "Port"), ending its clause.
 */
const WELCOME = cue(
  '(?<![\\p{L}])(?:welcome|welcomes|welcomed|welcoming)(?:[ \\t]+(?:you|u|all|everyone|guests))?[ \\t]+(?:to|in)[ \\t]+|' +
    '(?<![\\p{L}])(?:willkommen|bienvenue|bienvenido|bienvenida|bienvenidos|bienvenidas)[ \\t]+(?:in|im|à|au|a|al|en)[ \\t]+',
);
const WELCOME_PREFIX = new Set([
  'bad',
  'sankt',
  'st.',
  'san',
  'santa',
  'santo',
  'saint',
  'sainte',
  'port',
  'fort',
  'mount',
  'lake',
  'north',
  'south',
  'east',
  'west',
]);

function welcomes(text: string, lower: string | null, out: Span[]): void {
  for (const m of cueMatches(WELCOME, text, lower)) {
    const at = m.index + m[0].length;
    if (!/\p{Lu}/u.test(text[at] ?? '')) continue;
    let end = placeEnd(text, at, [CITY_NAMES, REGION_NAMES, COUNTRY_NAMES]);
    // "San" of "San Luis Obispo" is listed as the first word of other cities: the whole name is wanted.
    if (end !== undefined && WELCOME_PREFIX.has(text.slice(at, end).toLowerCase())) end = undefined;
    if (end === undefined) {
      PLACE_WORDS.lastIndex = at;
      const words = (PLACE_WORDS.exec(text)?.[0] ?? '').replace(/[.'’-]+$/, '').split(/[ \t]/);
      const last = (words.at(-1) ?? '').toLowerCase();
      // Capitalised words, no acronym, the last no ordinary word ("Welcome to North Star Support" names a shop).
      const ok =
        words.length > 1 &&
        WELCOME_PREFIX.has((words[0] ?? '').toLowerCase()) &&
        words.every((w) => /^\p{Lu}\p{Ll}/u.test(w)) &&
        !COMMON_WORDS.has(last) &&
        !NOT_NAME.has(last);
      if (ok) end = at + words.join(' ').length;
    }
    if (end !== undefined && PLACE_END.test(text.slice(end, end + 4))) out.push({ type: 'LOCATION', start: at, end, score: 0.75 });
  }
}
