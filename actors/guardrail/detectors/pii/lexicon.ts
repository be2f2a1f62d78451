/**
 * Word lists for the name and place rules: first names common in English, German, French and Spanish traffic (joined
 * with compromise's own name lexicon), frequent surnames, cities, and the capitalised words that are never a name
 * (function words, months, weekdays, greetings) in the four languages. All lower-case.
 */
import { LEXICON } from './lexicon-data.js';
import { COUNTRIES, MORE_CITIES, MORE_FIRST_NAMES, MORE_LAST_NAMES, NOT_GIVEN_NAME, WORDLIKE_LAST_NAMES } from './names-data.js';
import { REGIONS, WORDLIKE_PLACES, WORLD_CITIES, WORLD_COUNTRIES } from './places-data.js';

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w.length > 0);
/** Whether `s` has a UTF-16 unit above U+007F (a loop: the name rules ask it of every word they look up). */
const nonAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
};
/** {@link unaccent} of recent words: the name rules look the same words up many times per text. */
const unaccented = new Map<string, string>();
/** `s` without diacritics ("maría" → "maria"), for lookups of names written with or without accents. */
export const unaccent = (s: string): string => {
  if (!nonAscii(s)) return s;
  let u = unaccented.get(s);
  if (u === undefined) {
    if (unaccented.size >= 4096) unaccented.clear();
    unaccented.set(s, (u = s.normalize('NFD').replace(/\p{M}/gu, '')));
  }
  return u;
};
/** A set of the words of `lists`, each also without its diacritics. */
const wordSet = (...lists: readonly (readonly string[])[]): Set<string> => {
  const out = new Set<string>();
  for (const list of lists) for (const w of list) for (const x of [w, unaccent(w)]) out.add(x);
  return out;
};

const FIRST = words(`
james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald steven
paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan
stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean
austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah
randy roy vincent ralph eugene russell bobby mason philip louis liam oliver lucas harry oscar leo charlie alfie archie
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly
emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela
shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria
heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl
hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia denise
amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori jane
chloe mia ava amelia isla ella lily sophie grace ruby poppy freya jessica zoe lucy ellie holly
lukas leon finn jonas elias luis felix maximilian paul ben tim jan niklas moritz julian tobias florian sebastian
stefan andreas markus michael thomas christian matthias martin frank jürgen jurgen uwe klaus dieter wolfgang helmut
günter gunter horst manfred werner gerhard hans peter karl heinz rainer bernd ralf jörg joerg dirk sven kai jens lars
torsten thorsten holger volker olaf detlef heiko ulrich hartmut reinhard friedrich fritz otto hermann ludwig georg
johannes konstantin emil anton theo mats henrik philipp leonie lena laura lea sophie marie hannah emilia mila clara
johanna katharina julia anja sabine petra monika ursula renate karin gabriele birgit heike andrea claudia susanne
stefanie nicole kerstin tanja silke nadine jana svenja annika franziska lisa jennifer melanie sandra christina
daniela ingrid helga gisela brigitte erika elke ute doris margarete hildegard greta ida frieda mathilda charlotte
jean pierre michel philippe alain nicolas christophe françois francois patrick daniel bernard éric eric laurent
frédéric frederic stéphane stephane sébastien sebastien olivier julien pascal thierry david christian jacques
dominique didier vincent guillaume antoine maxime thomas alexandre romain mathieu matthieu benoît benoit arnaud
jérôme jerome yves gilles hugo louis gabriel raphaël raphael arthur jules lucas adam théo theo noé noe mathis
clément clement bastien quentin aurélien aurelien cédric cedric loïc loic yannick marie nathalie isabelle sylvie
catherine françoise francoise martine christine monique valérie valerie sandrine céline celine sophie stéphanie
stephanie véronique veronique nicole chantal sylviane brigitte anne aurélie aurelie émilie emilie julie camille
léa lea manon chloé chloe emma louise alice inès ines jade lina léna lena zoé zoe juliette margaux océane oceane
pauline mathilde élodie elodie hélène helene virginie delphine laetitia agnès agnes géraldine geraldine mireille
josé jose antonio manuel francisco juan david javier daniel carlos jesús jesus alejandro miguel rafael pedro pablo
ángel angel sergio fernando jorge luis alberto álvaro alvaro adrián adrian diego raúl raul enrique ramón ramon
vicente ignacio andrés andres joaquín joaquin santiago mateo hugo martín martin lucía lucia carmen ana isabel
dolores pilar teresa rosa cristina marta elena laura antonia mercedes francisca paula raquel beatriz sofía sofia
valentina alba nuria silvia patricia rocío rocio irene andrea julia sara claudia inés ines noelia lorena natalia
esther eva montserrat consuelo guadalupe ximena camila valeria fernanda gabriela mariana daniela jimena
mohammed mohamed ahmed ali fatima aisha omar yusuf mehmet mustafa ayse elif emre deniz
wei li chen wang zhang liu yang hiroshi yuki kenji akira priya raj rahul anil sunil amit arjun vikram deepak
olga ivan dmitri sergei natasha tatiana anastasia aleksandr piotr katarzyna agnieszka tomasz krzysztof
giulia giuseppe giovanni francesca marco alessandro lorenzo chiara federica matteo luca andrea
`);

const LAST = words(`
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson
thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young
allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
müller mueller schmidt schneider fischer weber meyer meier wagner becker schulz hoffmann schäfer schaefer koch bauer
richter klein wolf schröder schroeder neumann schwarz zimmermann braun krüger krueger hofmann hartmann lange schmitt
werner schmitz krause maier lehmann schmid schulze maier köhler koehler herrmann könig koenig walter mayer huber kaiser
fuchs peters lang scholz möller moeller weiß weiss jung hahn schubert vogel friedrich keller günther guenther frank berger
winkler roth beck lorenz baumann franke albrecht schuster simon ludwig böhm boehm winter kraus martin schumacher krämer
bernard dubois durand leroy moreau laurent lefebvre michel garcía david bertrand roux vincent fournier morel girard
andré andre lefèvre lefevre mercier dupont lambert bonnet françois francois martinez legrand garnier faure rousseau blanc
guerin guérin muller henry roussel nicolas perrin morin mathieu clement clément gauthier dumont lopez fontaine chevalier
robin masson sanchez gerard gérard nguyen boyer denis lemaire duval joly gautier roger roche roy noel noël meyer lucas
meunier jean perez marchand dufour blanchard marie barbier brun dumas brunet schmitt leroux colin fernandez pierre renard
gonzález rodríguez fernández lópez martínez sánchez pérez gómez martín jiménez ruiz hernández díaz moreno muñoz álvarez
romero alonso gutiérrez navarro torres domínguez vázquez ramos gil ramírez serrano blanco molina morales suárez ortega
delgado castro ortiz rubio marín sanz núñez iglesias medina garrido cortés castillo santos lozano guerrero cano prieto
méndez cruz calvo gallego vidal león márquez herrera peña flores cabrera campos vega fuentes carrasco diez caballero
reyes nieto aguilar pascual santana herrero montero lorenzo hidalgo giménez ibáñez ferrer durán
rossi russo ferrari esposito bianchi romano colombo ricci marino greco kowalski nowak wiśniewski ivanov petrov
`);

const CITIES = words(`
berlin hamburg münchen munich köln cologne frankfurt stuttgart düsseldorf dusseldorf leipzig dortmund essen bremen dresden
hannover nürnberg nuremberg duisburg bochum wuppertal bielefeld bonn münster mannheim karlsruhe augsburg wiesbaden
freiburg heidelberg potsdam mainz kiel lübeck rostock erfurt wien vienna graz salzburg linz innsbruck zürich zurich genf
geneva basel bern lausanne luzern paris marseille lyon toulouse nice nantes strasbourg montpellier bordeaux lille rennes
reims toulon grenoble dijon angers nîmes nimes villeurbanne clermont-ferrand avignon brest limoges tours amiens metz
perpignan besançon orléans orleans rouen caen nancy bruxelles brussels liège liege namur anvers antwerp gent ghent
luxembourg madrid barcelona valencia sevilla seville zaragoza málaga malaga murcia palma bilbao alicante córdoba cordoba
valladolid vigo gijón gijon granada vitoria oviedo salamanca cádiz cadiz santander pamplona toledo burgos tarragona
lisboa lisbon porto london manchester birmingham liverpool leeds glasgow edinburgh bristol sheffield cardiff belfast
dublin cork oxford cambridge brighton newcastle nottingham amsterdam rotterdam utrecht eindhoven rome roma milan milano
naples napoli turin torino florence firenze venice venezia bologna prague praha warsaw warszawa krakow kraków budapest
copenhagen stockholm oslo helsinki athens istanbul moscow new york los angeles chicago houston phoenix philadelphia
san antonio diego dallas jose austin jacksonville columbus charlotte indianapolis seattle denver boston detroit
nashville portland memphis louisville baltimore milwaukee albuquerque tucson fresno sacramento atlanta miami oakland
minneapolis tulsa cleveland pittsburgh cincinnati orlando tampa honolulu anchorage toronto montreal montréal vancouver
ottawa calgary quebec québec mexico guadalajara monterrey bogotá bogota medellín medellin lima santiago buenos aires
caracas quito montevideo sydney melbourne brisbane auckland tokyo osaka seoul beijing shanghai singapore mumbai delhi
bangalore dubai cairo lagos nairobi johannesburg springfield
`);

/** Capitalised words that are never part of a person's name. */
const NEVER_NAME = words(`
the a an and or but if then so of in on at to for from by with without about as is are was were be been am i you he she
we they it this that these those my your his her our their its me him us them who what when where why how which there here
hello hi hey dear thanks thank thx regards best kind cheers sincerely yours team all everyone please note ok okay yes no
not also just only still again however therefore meanwhile today tomorrow yesterday tonight now soon later
january february march april may june july august september october november december jan feb mar apr jun jul aug sep
sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
der die das ein eine einen einem einer und oder aber wenn dann so von im am zum zur mit ohne über für ist sind war waren
ich du er sie es wir ihr mein dein sein unser euer hallo liebe lieber sehr geehrte geehrter danke grüße gruß viele herzliche
freundlichen beste bitte ja nein nicht auch noch heute morgen gestern januar februar märz mai juni juli oktober dezember
montag dienstag mittwoch donnerstag freitag samstag sonntag
le la les un une des et ou mais si donc de du au aux avec sans sur pour par est sont était je tu il elle nous vous ils
elles mon ton son notre votre leur bonjour salut cher chère merci cordialement bien amitiés oui non pas aussi encore
aujourd'hui demain hier janvier février mars avril juin juillet août septembre octobre novembre décembre lundi mardi
mercredi jeudi vendredi samedi dimanche
el los las una unos unas y o pero si entonces del al con sin sobre para por es son era yo tú él ella nosotros vosotros
ellos ellas mi tu su nuestro hola querido querida estimado estimada gracias saludos atentamente un abrazo sí también
todavía hoy mañana ayer enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre lunes
martes miércoles jueves viernes sábado domingo
street st avenue ave road rd lane drive blvd boulevard court way place square straße strasse weg platz allee gasse rue
calle avenida plaza paseo inc ltd llc gmbh ag sa sarl corp co company university bank hotel hospital airport station
api json http https sql user admin server client error warning info debug null true false can
president chairman chairwoman minister mayor director secretary ambassador governor senator judge officer captain
präsident präsidentin bürgermeister direktor président présidente directeur directrice maire ministre presidente
director directora alcalde ministro customer customers kunde kunden client clients cliente clientes sir madam madame
damen herren kolleginnen kollegen colleagues collègues compañeros señores señoras departamento department abteilung
service services support équipe equipo accounts payable operations sales marketing billing finance legal hr it admin
engineering dev devops staff management board office
mom mum dad mother father sister brother aunt uncle grandma grandpa granny grandmother grandfather daughter wife
husband cousin niece nephew family folks friends parents kids
mutter vater mama papa mutti vati schwester bruder tante onkel oma opa großmutter großvater sohn tochter ehefrau
ehemann cousine nichte neffe familie eltern freunde kinder meine meinen meinem meiner deine seine ihre unsere
mère père maman sœur soeur frère tante oncle grand-mère grand-père fils fille épouse cousine nièce neveu famille
parents amis enfants mes tes ses nos vos
madre padre mamá papá hermana hermano tía tío abuela abuelo hija esposa esposo marido sobrina sobrino familia
amigos padres hijos mis tus sus
river lake valley island station bridge mountain canyon creek beach harbour harbor airport
fluss tal insel bahnhof hauptbahnhof flughafen brücke fleuve lac vallée île gare aéroport pont
río lago valle isla estación aeropuerto puente
doktor doktorin doctor doctora docteur professor professorin professeur profesor profesora
i'm i’m i've i’ve i'll i’ll i'd i’d it's it’s that's that’s sure yeah yep well alright
guten gute guter tag abend nacht bonne journée buenos buenas días tardes noches
`);

/** The name and word lists taken from compromise's English lexicon. */
export interface LexiconLists {
  readonly first: readonly string[];
  readonly last: readonly string[];
  readonly cities: readonly string[];
  readonly common: readonly string[];
}

/**
 * Sorts compromise's lexicon (word → tag or tags) into first names, surnames, cities and ordinary words (one-word
 * entries only). The lists are kept in lexicon-data.ts, written by test/guardrail/pii-lexicon.test.ts from the
 * installed compromise (which checks they still match it): loading compromise itself cost 1.5 s of CPU per process.
 */
export function lexiconLists(lexicon: Readonly<Record<string, string | readonly string[]>>): LexiconLists {
  const out = { first: [] as string[], last: [] as string[], cities: [] as string[], common: [] as string[] };
  for (const [word, tag] of Object.entries(lexicon)) {
    const tags: readonly string[] = typeof tag === 'string' ? [tag] : tag;
    if (/\s/.test(word)) continue;
    if (tags.some((t) => t === 'FemaleName' || t === 'MaleName' || t === 'FirstName')) out.first.push(word);
    else if (tags.includes('LastName')) out.last.push(word);
    else if (tags.includes('City')) out.cities.push(word);
    else if (!tags.some((t) => /Name|Person|ProperNoun|Place|Region|Country/.test(t))) out.common.push(word);
  }
  return out;
}

/** The stored lists as sets (about 15 ms at import). */
const fromLexicon = ((): { first: Set<string>; last: Set<string>; cities: Set<string>; common: Set<string> } => {
  const set = (chunks: readonly string[]): Set<string> => new Set(chunks.flatMap(words));
  return { first: set(LEXICON.first), last: set(LEXICON.last), cities: set(LEXICON.cities), common: set(LEXICON.common) };
})();
/** Capitalised words that are also ordinary words: a name only with more evidence than the list. */
export const AMBIGUOUS_FIRST = new Set(
  words(`will may june april august mark bill grace hope rose faith joy summer autumn dawn art bob sky river
  max ben pat sue kim ray ivy iris penny holly ruby jade amber crystal angel angela chance sunny dean
  frank jack page bay brook cliff glen rich norm lane reed wade chase hunter carter mason austin jordan
  paris sydney victoria florence georgia virginia carolina dakota israel china india
  christian cat van guy don al eve kay jean roy earl duke baron king prince rock stone miles
  liberty harmony destiny trinity ocean rain star storm wolf bear fox`),
);
/** First names (lower-case). */
export const FIRST_NAMES: ReadonlySet<string> = wordSet(FIRST, [...fromLexicon.first], MORE_FIRST_NAMES.flatMap(words));
/** Surnames (lower-case). */
export const LAST_NAMES: ReadonlySet<string> = wordSet(LAST, [...fromLexicon.last], MORE_LAST_NAMES.flatMap(words));
/** Surnames that are also ordinary words ("Koch", "White", "Blanco"): a name only beside a known given name. */
export const WORDLIKE_LAST: ReadonlySet<string> = wordSet(WORDLIKE_LAST_NAMES.flatMap(words));
/** Capitalised words that begin organisations, roles and places, never a given name ("Firma Müller", "Saint Martin"). */
export const NOT_GIVEN: ReadonlySet<string> = wordSet(NOT_GIVEN_NAME.flatMap(words));
/** Multi-word (and more single-word) city names, lower-case. */
export const MORE_CITY_NAMES: ReadonlySet<string> = wordSet([...MORE_CITIES, ...WORLD_CITIES].flatMap((l) => l.split('|')));
/** Countries (lower-case, in the four languages; multi-word names whole). */
export const COUNTRY_NAMES: ReadonlySet<string> = wordSet([...COUNTRIES, ...WORLD_COUNTRIES].flatMap((l) => l.split('|')));
/** States, provinces, Länder, cantons, régions and comunidades (lower-case; multi-word names whole). */
export const REGION_NAMES: ReadonlySet<string> = wordSet(REGIONS.flatMap((l) => l.split('|')));
/** Places whose names are also ordinary words or given names ("Nice", "Reading", "Victoria", "Chad"). */
export const WORDLIKE_PLACE_NAMES: ReadonlySet<string> = wordSet(WORDLIKE_PLACES.flatMap((l) => l.split('|')));
/** Cities (lower-case, one word; "new york" style names are matched on their last word too). */
export const CITY_NAMES: ReadonlySet<string> = wordSet(CITIES, [...fromLexicon.cities], [...MORE_CITY_NAMES]);
/** Ordinary words of compromise's English lexicon (verbs, nouns, adjectives…): not a given name before a surname. */
export const COMMON_WORDS: ReadonlySet<string> = fromLexicon.common;
/** Capitalised words that never start or continue a name (lower-case). */
export const NOT_NAME: ReadonlySet<string> = new Set(NEVER_NAME);
