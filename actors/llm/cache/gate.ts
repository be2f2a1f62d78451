/**
 * The semantic cache's gate: two prompts whose embeddings are close may still ask opposite things ("cancel my order"
 * / "don't cancel my order", "enable 2FA" / "disable 2FA", "refund 100" / "refund 200", "weather in Paris" / "weather
 * in London"). Sentence embeddings place such pairs closer than most paraphrases, so similarity alone cannot tell
 * them apart; this gate refuses a hit unless both prompts agree on polarity (negations), take the same side of every
 * opposite pair and mutually exclusive group, and name the same numbers and entities. It errs on the side of a miss.
 */

/** Words that negate what follows (contractions are split into `not` first). */
const NEGATIONS = new Set(['not', 'no', 'never', 'nothing', 'none', 'nobody', 'nowhere', 'neither', 'nor', 'without', 'cannot']);

/**
 * Groups of words of which a prompt means one: a prompt using one member and another using a different one (and not
 * also the first) ask different things. Pairs of opposites, and wider exclusive sets (days, directions, languages).
 */
const GROUPS: readonly (readonly string[])[] = [
  ['enable', 'disable'],
  ['enabled', 'disabled'],
  ['activate', 'deactivate'],
  ['upgrade', 'downgrade'],
  ['add', 'remove', 'delete'],
  ['create', 'delete'],
  ['on', 'off'],
  ['up', 'down'],
  ['in', 'out'],
  ['into', 'from'],
  ['increase', 'decrease', 'reduce', 'lower'],
  ['raise', 'lower'],
  ['higher', 'lower'],
  ['more', 'less', 'fewer'],
  ['most', 'least'],
  ['max', 'min'],
  ['maximum', 'minimum'],
  ['subscribe', 'unsubscribe'],
  ['lock', 'unlock'],
  ['login', 'logout'],
  ['accept', 'decline', 'reject', 'refuse'],
  ['approve', 'reject', 'deny'],
  ['allow', 'block', 'deny', 'forbid', 'disallow'],
  ['show', 'hide'],
  ['visible', 'hidden'],
  ['public', 'private'],
  ['start', 'stop', 'end', 'finish'],
  ['pause', 'resume', 'unpause'],
  ['keep', 'cancel', 'remove', 'delete'],
  ['confirm', 'cancel'],
  ['renew', 'cancel'],
  ['book', 'cancel'],
  ['open', 'close', 'closed', 'shut'],
  ['import', 'export'],
  ['upload', 'download'],
  ['buy', 'sell'],
  ['send', 'receive'],
  ['deposit', 'withdraw'],
  ['credit', 'debit'],
  ['connect', 'disconnect'],
  ['follow', 'unfollow'],
  ['mute', 'unmute'],
  ['encrypt', 'decrypt'],
  ['expand', 'collapse'],
  ['maximize', 'minimize'],
  ['include', 'exclude', 'omit'],
  ['with', 'without'],
  ['join', 'leave'],
  ['win', 'lose'],
  ['pass', 'fail'],
  ['success', 'failure'],
  ['true', 'false'],
  ['yes', 'no'],
  ['right', 'wrong'],
  ['correct', 'incorrect'],
  ['valid', 'invalid'],
  ['safe', 'unsafe', 'dangerous'],
  ['good', 'bad'],
  ['best', 'worst'],
  ['better', 'worse'],
  ['cheapest', 'priciest'],
  ['cheap', 'expensive'],
  ['cheapest', 'expensive', 'priciest'],
  ['fast', 'slow'],
  ['hot', 'cold'],
  ['new', 'old', 'used'],
  ['first', 'last'],
  ['early', 'late'],
  ['before', 'after'],
  ['above', 'below'],
  ['over', 'under'],
  ['inside', 'outside'],
  ['incoming', 'outgoing'],
  ['inbound', 'outbound'],
  ['arrival', 'departure'],
  ['arrive', 'depart', 'leave'],
  ['advantages', 'disadvantages'],
  ['pros', 'cons'],
  ['like', 'dislike'],
  ['love', 'hate'],
  ['agree', 'disagree'],
  ['always', 'never', 'sometimes'],
  ['all', 'none', 'some'],
  ['everyone', 'nobody', 'someone'],
  ['happy', 'unhappy', 'sad'],
  ['positive', 'negative'],
  ['left', 'right'],
  ['north', 'south', 'east', 'west'],
  ['today', 'tomorrow', 'yesterday', 'tonight'],
  ['morning', 'afternoon', 'evening', 'night'],
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  ['daily', 'weekly', 'monthly', 'yearly', 'annual', 'annually'],
  ['day', 'week', 'month', 'year'],
  ['small', 'medium', 'large'],
  ['basic', 'pro', 'premium', 'enterprise', 'free'],
  ['usd', 'eur', 'gbp', 'jpy', 'chf', 'cad', 'aud'],
  ['dollars', 'euros', 'pounds', 'yen'],
  ['english', 'french', 'german', 'spanish', 'italian', 'japanese', 'chinese', 'portuguese', 'russian', 'arabic', 'dutch'],
  ['windows', 'linux', 'mac', 'macos', 'android', 'ios', 'iphone'],
  ['red', 'green', 'blue', 'yellow', 'black', 'white'],
  ['he', 'she'],
  ['his', 'her'],
];

/** Prefixes that flip a word's meaning (`lock`/`unlock`, `agree`/`disagree`, `legal`/`illegal`). */
const FLIPS = ['un', 'dis', 'de', 'in', 'im', 'il', 'ir', 'non', 'anti', 'mis'];

/** Number words, as digits. */
const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0',
  one: '1',
  once: '1',
  single: '1',
  two: '2',
  twice: '2',
  both: '2',
  pair: '2',
  couple: '2',
  three: '3',
  thrice: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  dozen: '12',
  twenty: '20',
  thirty: '30',
  forty: '40',
  fifty: '50',
  hundred: '100',
  thousand: '1000',
  million: '1000000',
  half: '0.5',
  quarter: '0.25',
};

/** Capitalised words that start questions and requests: not entities. */
const COMMON_CAPITALS = new Set([
  'i',
  'a',
  'an',
  'the',
  'what',
  'whats',
  'how',
  'why',
  'when',
  'where',
  'which',
  'who',
  'whom',
  'whose',
  'can',
  'could',
  'would',
  'should',
  'will',
  'is',
  'are',
  'am',
  'do',
  'does',
  'did',
  'please',
  'tell',
  'give',
  'show',
  'find',
  'help',
  'my',
  'our',
  'your',
  'hi',
  'hello',
  'hey',
  'thanks',
  'ok',
  'okay',
  'any',
  'there',
  'it',
  'this',
  'that',
  'we',
  'you',
  'me',
]);

/** What the gate compares of one prompt. */
export interface PromptTraits {
  /** Lower-case word tokens, contractions split (`don't` → `do`, `not`). */
  readonly words: readonly string[];
  /** Odd when the prompt negates (an odd count of negations). */
  readonly negations: number;
  /** Numbers (digits and number words, normalised), sorted. */
  readonly numbers: readonly string[];
  /** Entities: capitalised words past common openers, words with digits, e-mails and handles (lower-cased). */
  readonly entities: readonly string[];
}

function words(text: string): string[] {
  const out: string[] = [];
  const spaced = text
    .replace(/[’`]/g, "'")
    .replace(/\bcan't\b/gi, 'can not')
    .replace(/\bwon't\b/gi, 'will not')
    .replace(/\bshan't\b/gi, 'shall not')
    .replace(/n't\b/gi, ' not')
    .replace(/\blog ?in\b/gi, 'login')
    .replace(/\bsign ?in\b/gi, 'login')
    .replace(/\blog ?out\b/gi, 'logout')
    .replace(/\bsign ?out\b/gi, 'logout');
  for (const m of spaced.matchAll(/[\p{L}\p{N}][\p{L}\p{N}@._+-]*/gu)) out.push(m[0].replace(/[._-]+$/, ''));
  return out;
}

/** The traits of `text` the gate compares (cheap: a tokenizer pass, no model). */
export function promptTraits(text: string): PromptTraits {
  const raw = words(text);
  const lower = raw.map((w) => w.toLowerCase());
  let negations = 0;
  const numbers: string[] = [];
  const entities: string[] = [];
  raw.forEach((w, i) => {
    const l = lower[i] as string;
    if (NEGATIONS.has(l)) negations++;
    const digits = l.match(/\d+(?:[.,]\d+)?/g);
    if (digits !== null) for (const d of digits) numbers.push(d.replace(/,/g, '').replace(/^0+(?=\d)/, ''));
    else if (NUMBER_WORDS[l] !== undefined) numbers.push(NUMBER_WORDS[l]);
    if (/\d/.test(l) || l.includes('@')) entities.push(l);
    else if (/^\p{Lu}/u.test(w) && !COMMON_CAPITALS.has(l)) entities.push(l);
  });
  return { words: lower, negations, numbers: numbers.sort(), entities: [...new Set(entities)].sort() };
}

/** True when the two word sets take different members of one exclusive group. */
function sidesDiffer(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const group of GROUPS) {
    const inA = group.filter((w) => a.has(w));
    const inB = group.filter((w) => b.has(w));
    if (inA.length === 0 || inB.length === 0) continue;
    if (inA.some((w) => !b.has(w)) || inB.some((w) => !a.has(w))) return true;
  }
  return false;
}

/** True when one prompt has a word the other has with a flipping prefix (`lock` / `unlock`). */
function prefixFlip(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const flipped = (x: ReadonlySet<string>, y: ReadonlySet<string>): boolean => {
    for (const w of x) {
      if (w.length < 4) continue;
      for (const p of FLIPS) if (y.has(p + w) && !x.has(p + w)) return true;
    }
    return false;
  };
  return flipped(a, b) || flipped(b, a);
}

/** Function words ignored when comparing what two prompts are about. */
const STOP = new Set([
  ...COMMON_CAPITALS,
  'to',
  'of',
  'for',
  'on',
  'at',
  'by',
  'and',
  'or',
  'be',
  'so',
  'if',
  'as',
  'some',
  'get',
  'have',
  'has',
  'want',
  'need',
  'like',
  'about',
  'just',
  'now',
  'up',
]);

/**
 * A minimal pair: both prompts say the same words in the same order but one content word (`how do I make pancakes`
 * / `how do I make waffles`). A paraphrase rarely changes exactly one word and keeps the rest; a different object,
 * place or product does.
 */
function swapsOneWord(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  let differ = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (STOP.has(a[i] as string) && STOP.has(b[i] as string)) continue;
    differ++;
  }
  return differ === 1;
}

/** Why two prompts must not share an answer, or undefined when the gate lets a similar pair through. */
export function gateReason(a: PromptTraits, b: PromptTraits): 'negation' | 'opposite' | 'number' | 'entity' | undefined {
  if (a.negations % 2 !== b.negations % 2) return 'negation';
  const wa = new Set(a.words);
  const wb = new Set(b.words);
  if (sidesDiffer(wa, wb) || prefixFlip(wa, wb)) return 'opposite';
  if (a.numbers.join(' ') !== b.numbers.join(' ')) return 'number';
  // Every entity of one prompt appears (in any case) in the other.
  if (a.entities.some((e) => !wb.has(e)) || b.entities.some((e) => !wa.has(e))) return 'entity';
  if (swapsOneWord(a.words, b.words)) return 'entity';
  return undefined;
}

/** True when a hit between prompts with these traits may be served. */
export function sameIntent(a: PromptTraits, b: PromptTraits): boolean {
  return gateReason(a, b) === undefined;
}
