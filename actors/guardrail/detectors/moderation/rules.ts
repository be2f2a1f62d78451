/**
 * Moderation and bias lexicons and context rules (English, German, French, Spanish) over normalised text (lower
 * case, no accents, homoglyphs and leetspeak folded). Rules look for the harmful *act* — a threat at someone, an
 * insult at "you", a slur or a dehumanising claim about a group, first-person self-harm intent, explicit sexual
 * content, a generalisation about a group — not for alarming words, which news, medicine, education and fiction
 * use freely; context rules damp those genres, and benign idioms ("kill the process", "sex: F") are blanked.
 */
import { context, gated, phrase, rule, type ContextRule, type Mentions, type Rule } from '../text/rules.js';

const HAR = 'HARASSMENT';
const HATE = 'HATE';
const SH = 'SELF_HARM';
const VIO = 'VIOLENCE';
const SEX = 'SEXUAL';
const ST = 'STEREOTYPE';

/** Adjectives naming groups, used with people/men/women (`chinese people`, `gay men`). */
const GROUP_ADJ =
  'black|white|asian|african|arab|latino|hispanic|mexican|jewish|muslim|christian|catholic|hindu|gay|lesbian|trans|transgender|disabled|' +
  'autistic|poor|fat|old|young|german|french|italian|spanish|american|british|english|irish|polish|russian|chinese|japanese|indian|' +
  'turkish|greek|romanian|nigerian|brazilian|dutch|swiss';

/** Groups people are attacked or stereotyped as (plural forms; the four languages, articles optional in FR/ES). */
export const GROUPS =
  `((${GROUP_ADJ}) (people|men|women|guys|girls|folks|kids)|women|men|girls|boys|females|males|wives|husbands|mothers|the elderly|` +
  'boomers|millennials|teenagers|blacks|whites|asians|africans|arabs|latinos|hispanics|mexicans|immigrants|migrants|refugees|' +
  'foreigners|jews|muslims|christians|catholics|hindus|atheists|gays|lesbians|homosexuals|the disabled|blondes|germans|french|' +
  'the french|italians|spaniards|americans|british|english|irish|scots|poles|russians|chinese|japanese|indians|turks|greeks|' +
  'romanians|gypsies|roma|nigerians|brazilians|canadians|swiss|dutch|' +
  'frauen|manner|madchen|alte|auslander|fluchtlinge|migranten|juden|muslime|christen|schwule|lesben|behinderte|' +
  'deutsche|turken|araber|afrikaner|italiener|polen|russen|chinesen|rumanen|zigeuner|griechen|amerikaner|franzosen|' +
  '[les|des|aux|ces] (femmes|hommes|filles|vieux|immigres|etrangers|migrants|refugies|juifs|musulmans|arabes|noirs|blancs|asiatiques|' +
  'africains|homosexuels|gays|handicapes|roms|gitans|allemands|francais|italiens|espagnols|americains|anglais|belges|suisses|chinois|' +
  'polonais)|[los|las|a los|a las|esos|esas] (mujeres|hombres|chicas|viejos|inmigrantes|extranjeros|migrantes|refugiados|judios|' +
  'musulmanes|arabes|negros|blancos|asiaticos|africanos|homosexuales|gitanos|discapacitados|alemanes|franceses|italianos|espanoles|' +
  'americanos|mexicanos|argentinos|chinos|ingleses))';

/** Slurs (normalised spelling); any use is hate, whatever the sentence. */
const SLURS =
  '(nigger*|nigga*|kike*|spic|spics|wetback*|chink*|gook*|raghead*|towelhead*|sand nigger*|paki|pakis|faggot*|fag|fags|dyke|dykes|' +
  'tranny|trannies|retard|retards|coon|coons|porch monkey*|beaner*|kanake*|kanacke*|neger|schlitzauge*|kameltreiber|schwuchtel*|' +
  'bougnoule*|bicot*|youpin*|negre|negres|pd|pede|pedes|tarlouze*|sudaca*|maricon*|marica|panchito*|moro de mierda|negrata*)';

const DEHUMANISE_WORDS =
  'animals|vermin|rats|cockroaches|parasites|subhuman|sub human|untermenschen|a disease|a plague|a cancer|scum|filth|savages|' +
  'tiere|ungeziefer|ratten|parasiten|abschaum|dreck|des animaux|de la vermine|des rats|des parasites|des cafards|une maladie|' +
  'animales|alimanas|ratas|parasitos|escoria|basura|cucarachas|una plaga';
const DEHUMANISE = `(${DEHUMANISE_WORDS})`;

const INSULT =
  '(stupid|dumb|worthless|pathetic|useless|disgusting|ugly|fat pig|idiot|moron|imbecile|loser|retard|piece of shit|piece of garbage|' +
  'waste of space|waste of oxygen|bitch|slut|whore|cunt|asshole|dumbass|freak)';

/** Second person, as subject or object (the insult or threat is aimed at the reader). */
const YOU = '(you|you re|youre|ur|u|yourself|du|dich|dir|sie sind|tu|t es|toi|te|vous|eres|tu eres|usted|es usted|sos|te)';
/** Insults in the four languages (nouns and adjectives). */
const INSULTS =
  '(idiot*|moron*|imbecile*|imbecil|loser*|dumbass|asshole*|bitch|slut|whore|cunt|jerk|creep|clown|brainless|worthless|useless|' +
  'pathetic|stupid|dumb|dimwit|halfwit|numbskull|cretin*|incompetent|waste of space|waste of oxygen|trash|garbage|scum|freak|' +
  'vollidiot*|depp|trottel|versager|arschloch|wichser|penner|dummkopf|missgeburt|erbarmlich*|blod*|inkompetent*|nichtsnutz|lappen|' +
  'spast|schlampe|abschaum|abruti*|connard|connasse|debile|minable|salope|bouffon|naze|pauvre type|idiota|estupid*|inutil|pendej*|' +
  'gilipollas|subnormal|fracasad*|asqueros*|cabron|payaso|retrasad*|halfwit|nitwit|dimwit|vollpfosten|hohlkopf|pfeife|' +
  'rat|ratte|rata|sale rat|sac a merde|tocard|blaireau|imbecil*|tarado|zoquete|mamon)';
/** Words between "you" and an insult (`du bist so ein erbärmlicher …`, `t'es vraiment qu'un …`). */
const FILLER =
  '(?:are|r|re|bist|sind|es|etes|eres|just|a|an|such|so|ein|eine|einer|eines|un|une|una|vraiment|echt|qu|total|totally|really|' +
  'fucking|complete|absolute|little|big|gros|grosse|pauvre|muy|tan|nothing|but|the|most|der|die|das|el|la|le|la)';
/** First-person (or "let's") intent to act. */
const INTEND =
  '(i m going to|i am going to|i m gonna|i ll|i will|gonna|we should|we will|let s|ich werde|ich will|wir sollten|wir werden|' +
  'lasst uns|je vais|on va|il faut|voy a|vamos a|hay que)';
const HARM_VERB =
  '(beat|stab|kill|shoot|burn|hurt|strangle|choke|smash|punch|break|zusammenschlagen|verprugeln|umbringen|toten|abstechen|' +
  'erschiessen|schlagen|anzunden|quemar|matar|apunalar|golpear|pegar|tuer|frapper|poignarder|bruler|cogner|tabasser)';
const VICTIM =
  '(you|him|her|them|everyone|dich|ihn|sie|euch|te|le|la|lo|los|les|vous|os|su casa|sa maison|sein haus|his house|' +
  '(your|his|her|their|ta|sa|tu|su|dein|deine|seine) ' +
  '(legs|arms|face|neck|skull|teeth|jaw|jambes|gueule|tete|cara|piernas|beine|fresse|kiefer))';

/** The weighted rules. */
export const MODERATION_RULES: readonly Rule[] = [
  // Proximity rules (the lexicons above combined a few words apart): paraphrases of insults and threats.
  gated(
    INSULTS,
    rule(
      HAR,
      0.7,
      new RegExp(
        `(?<![a-z0-9])${YOU.replace(/ /g, '[^a-z0-9]{1,3}')}(?:[^a-z0-9]{1,3}${FILLER}){0,4}` +
          `(?:[^a-z0-9]{1,3}(?!(?:not|nicht|pas|no|nie|never|kein[a-z]{0,2}|jamais|nunca)(?![a-z]))[a-z]{3,15})?` +
          `[^a-z0-9]{1,3}` +
          `${INSULTS.replace(/\*/g, '[a-z]{0,6}')}(?![a-z0-9])`,
        'u',
      ),
    ),
  ),
  rule(HAR, 0.6, `${INSULTS} [,] (just like|like|wie|comme|como) ${YOU}`),
  gated(
    `(${HARM_VERB}|until|till|bis|jusqu a ce qu|hasta que|inside|dentro|interieur|drin|stech*|casser|paliza|cara)`,
    rule(
      VIO,
      0.75,
      `${INTEND} [find you|catch you|get you|wait for you|come to your house|come over|come find you|visit you]
      [after work|after school|tonight|tomorrow] [and] ${HARM_VERB} ${VICTIM}`,
      `${INTEND} ${VICTIM} ${HARM_VERB}`,
      `${INTEND} (${HARM_VERB}) ${VICTIM} (until|till|bis|jusqu a ce qu|hasta que)`,
      `(until|till|bis|jusqu a ce qu|hasta que) (you|he|she|they|er|sie|du|il|elle|tu) (bleed*|blutet|blutest|saigne*|sangre*|
      can t walk|cannot walk|stop breathing|nicht mehr laufen)`,
      `(with|con|avec|mit) (him|her|them|el|ella|ellos|lui|elle|eux|ihm|ihr|ihnen) (inside|dentro|a l interieur|drin)`,
      `(stech|steche|schlag|schlage|bring|bringe|mach|mache) (ich|wir) (dich|ihn|sie|euch) (ab|tot|um|kalt|zusammen|fertig)`,
      `${INTEND} (lui|leur|te|vous) (casser la gueule|defoncer la gueule|peter la gueule|regler son compte)`,
      `(te|le|les|os) (voy a|vamos a) (dar una paliza|partir la cara|romper la cara|reventar a golpes)`,
    ),
  ),
  rule(
    VIO,
    0.75,
    `(te|le|les|os) (parto|rompo|reviento|partire|rompere) (la cara|la boca|la crisma|las piernas|los dientes|el cuello)`,
    `(schlag|schlage|hau|haue) (ich|wir) (dir|ihm|ihr|euch|ihnen) (den schadel|die fresse|die zahne|die nase) ein`,
  ),
  rule(
    SH,
    0.6,
    `(pills|tablets|tabletten|pastillas|cachets|medicaments|pilules) [already|schon|deja|ya] (counted|saved up|stockpiled|collected|
      gezahlt|gesammelt|gehortet|comptes|accumules|contado|guardado|juntado)`,
    `(ne plus me reveiller|never wake up again|not wake up again|nicht mehr aufwachen|no volver a despertar|no despertar nunca mas)`,
    `(written|wrote|writing|geschrieben|ecrit|escrito) (the|my|a|meinen|den|ma|une|mi|la) (note|suicide note|goodbye letter|
      abschiedsbrief|lettre d adieu|carta de despedida)`,
    `(picked|chose|found) (the|a) (bridge|spot|rope)`,
  ),
  rule(
    SH,
    0.85,
    `(cut|slit|slice) my wrists`,
    `(cortarme|abrirme) las venas`,
    `(m ouvrir|me couper|me taillader) les veines`,
    `mir die pulsadern (aufschneiden|aufzuschneiden)`,
  ),
  rule(
    SEX,
    0.4,
    `(had|have|having|make|making|made|habe|hatten|avoir|faire l amour|tener|tuvieron) (sex|sexo|love) (on|in|with|auf|mit|sur|avec|
      en|con)`,
  ),
  rule(SEX, 0.45, `(talk dirty|dirty talk|parle moi salement|hablame sucio|sprich schmutzig)`),
  rule(SEX, 0.35, `(moan*|undress*|naked|nude|nackt*|stohn*|gemi*|gimi*|desnud*|se deshabill*|entkleid*|zog sich aus)`),
  rule(
    SEX,
    0.45,
    `(photos|pics|pictures|bilder|fotos) (of you|of yourself|von dir|de toi|de vous|de ti|tuyas|tuya|suyas) [all|ganz|toute|toda|
      completely] (naked|nude|nackt|nue|nues|desnud*)`,
  ),
  rule(
    SEX,
    0.45,
    `(envie de coucher avec|want to sleep with|will mit dir schlafen|quiero acostarme con) (you|toi|dir|contigo)`,
    `(envie de|want to|will dich|quiero) (coucher avec|sleep with|bumsen|acostarme con) (toi|you|contigo)`,
  ),
  // Harassment: insults and abuse at the reader.
  rule(
    HAR,
    0.8,
    `(you are|you re|ur|youre|u r) [such|so|a|an|the|just|really|fucking|such a|a fucking|nothing but a|the most] [stupid|ugly|fat|
      pathetic|worthless|little|dumb] ${INSULT}`,
    `(go to hell|burn in hell|rot in hell|drop dead)`,
    `(you|u) [stupid|ugly|fat|pathetic|worthless|little|dumb|fucking|absolute|complete|total|utter] (idiot|moron|imbecile|loser|retard|
      bitch|slut|whore|cunt|asshole|
      dumbass|piece of shit)`,
    `(fuck|screw|f) (you|off|yourself)`,
    `(shut up|shut the fuck up|stfu) [,] [you]`,
    `(nobody|no one|noone) (likes|loves|wants|cares about|will miss) you`,
    `(kill yourself|kys|go die|go kill yourself|drink bleach|hang yourself|neck yourself|the world would be better without you|
      do everyone a favor and die)`,
    `(everyone|everybody) (hates|laughs at) you`,
    `you (should|deserve to) (be ashamed|die|rot|suffer)`,
    `(du bist|bist du) [so] [ein|eine|echt|total|einfach] [dumme|dummer|hassliche|fette|kleine] (dumm|idiot|versager|wertlos|hasslich|
      arschloch|hure|schlampe|missgeburt|vollidiot|opfer|behindert|nichts wert|erbarmlich)`,
    `(halt die fresse|halt's maul|halts maul|fick dich|verpiss dich|bring dich um|geh sterben|stirb|niemand mag dich|du hurensohn|
      hurensohn)`,
    `du (vollidiot|idiot|arschloch|depp|trottel|wichser|missgeburt|versager|spast|penner|dummkopf)`,
    `(pauvre|espece de|sale) (con|conne|connard|connasse|idiot|idiote|debile|abruti|abrutie|merde)`,
    `you (pathetic|worthless|disgusting|stupid|dumb|little|fat|ugly) (creep|loser|idiot|moron|freak|bitch|slut|whore|cunt|pig|rat|trash)`,
    `(you re|you are|ur) the (dumbest|stupidest|ugliest|worst|most pathetic|most useless) (person|human|idiot|loser)`,
    `(t es|tu es|t est|vous etes|espece de|sale|pauvre) [un|une|vraiment|qu un|qu une|trop|vraiment un|une vraie|un vrai|un gros|
      une grosse] (con|conne|connard|connasse|debile|idiot|idiote|nul|nulle|abruti|abrutie|salope|pute|merde|minable|rate|ratee|cretin|
      cretine)`,
    `(ta gueule|ferme ta gueule|va te faire foutre|va te faire enculer|nique ta mere|va crever|personne ne t aime|tue toi|suicide toi)`,
    `(eres|sos|es usted) [un|una|muy|tan|una puta|un puto|un maldito] (idiota|estupido|estupida|inutil|imbecil|basura|pendejo|pendeja|
      gilipollas|tonto|tonta|puta|mierda|subnormal|fracasado|fracasada|asqueroso|asquerosa|retrasado)`,
    `(everyone|everybody|tout le monde|todos|alle|jeder) (hates you|despises you|laughs at you|te meprise|te deteste|se moque de toi|
      se rient de ti|te odian|hasst dich|lacht uber dich|verachtet dich)`,
    `(callate|cierra la boca|vete a la mierda|que te jodan|jodete|hijo de puta|nadie te quiere|matate|muerete|ojala te mueras)`,
  ),
  // Hate: slurs, dehumanisation, calls to harm or exclude a group.
  rule(HATE, 0.85, SLURS),
  gated(
    `(${DEHUMANISE_WORDS}|killed|exterminated|gassed|deported|shot|hanged|wiped out|eradicated|removed|sterilized|locked up|
      (should|must|need to|ought to|deserve to) [all] (die|burn|hang|rot)|deserve)`,
    rule(
      HATE,
      0.85,
      `[all] [the|these|those] ${GROUPS} (are|r|sind|son|sont) [all|nothing but|just|like|alle|nur|tous|toutes|que des|todos|todas|unos|
      unas|solo] ${DEHUMANISE}`,
      `${GROUPS} (should|must|need to|deserve to|ought to) (be|all be) [all] (killed|exterminated|gassed|deported|shot|hanged|wiped out|
        eradicated|removed|sterilized|locked up)`,
      `${GROUPS} (should|must|need to|deserve to|ought to) [all] (die|burn|hang|rot)`,
      `${GROUPS} (don t|do not|dont) deserve (to live|rights|to exist|to be here)`,
      `${GROUPS} (are|sind|sont|son) [all] (thieves|criminals|liars|rapists|diebe|kriminelle|voleurs|criminels|ladrones|criminales) (and|
        und|et|y) ${DEHUMANISE}`,
    ),
  ),
  rule(
    HATE,
    0.75,
    `${GROUPS} (are|r|sind|sont|son) [all|alle|tous|toutes|todos|todas] (too|zu|trop|demasiado|demasiada|demasiados|demasiadas)
      (stupid|dumb|dumm|blod|bete|betes|con|cons|idiot|idiots|tonto|tonta|tontos|tontas|estupidos|estupidas) (to|um|pour|para)`,
  ),
  rule(
    HATE,
    0.85,
    `(kill|exterminate|gas|eradicate|wipe out|get rid of|deport|hang|shoot|burn|lynch|ban) (all|every|the|these) [the|of the|
      of these] [fucking|damn|filthy|dirty] ${GROUPS}`,

    `(i hate|we hate|hate all|death to|down with|i despise) [all|the|these] ${GROUPS}`,
    `(filthy|dirty|stinking|disgusting) ${GROUPS}`,
    `go back to (your|their) (own) (country|jungle|desert|shithole)`,
    `(alle|die) ${GROUPS} (vergasen|ausrotten|abschieben|erschiessen|toten|aufhangen)`,
    `(ich hasse|tod den|tod allen|raus mit den) [alle|die] ${GROUPS}`,
    `(tuer|exterminer|gazer|deporter|bruler|virer) (tous|toutes) les ${GROUPS}`,
    `(je hais|mort|a mort|dehors) [tous|toutes] ${GROUPS}`,
    `(matar|exterminar|gasear|deportar|quemar|echar) a (todos|todas) (los|las) ${GROUPS}`,
    `(odio|muerte|fuera) [a] [todos|todas] ${GROUPS}`,
    `(hay que|deberiamos|debemos) (matar|exterminar|echar|deportar) a [todos] ${GROUPS}`,
    `(man sollte|wir sollten|wir mussen) [alle|die] ${GROUPS} (toten|vergasen|ausrotten|umbringen|abschieben)`,
    `(il faut|on devrait|on doit) (tuer|exterminer|virer|deporter) [tous|toutes] ${GROUPS}`,
  ),
  // Self-harm: first-person intent, plans, means.
  rule(
    SH,
    0.85,
    `i (want|wanna|need|m going|am going|m gonna|am gonna|plan|intend|decided|ve decided|have decided) to (die|kill myself|end my life|
      end it all|end it|commit suicide|hurt myself|cut myself|take my own life|overdose|not wake up|disappear forever)`,
    `(thinking|thought|thinking seriously) (about|of) (killing myself|ending my life|ending it all|cutting myself|taking my life)`,
    `i (m|am|ve been|have been|keep|was|can t stop) [always|constantly|seriously|really] (thinking|thought) (about|of) (suicide|dying|
      death)`,
    `i (don t|do not|dont) want to (live|be alive|exist|wake up) [anymore|any more]`,
    `(i|i ve|i have|i keep|been) (cut|cutting|burn|burning|hurting|starving) myself`,
    `(there s|there is|i have|i see) no (reason|point) (to live|in living|to go on|in going on)`,
    `(better off dead|wish i (was|were) dead|wish i could die|want to disappear forever|can t go on|cant go on anymore|my suicide note|
      goodbye forever)`,
    `how (many|much) (pills|tablets|paracetamol|ibuprofen|sleeping pills|insulin) [would it take|will it take|does it take] (to|would|
      will) [not] (die|kill me|overdose|end it|wake up)`,
    `(painless|quickest|easiest|best) (way|method|ways|methods) to (die|kill myself|commit suicide|end my life)`,
    `(ways|methods|way|method) to (kill yourself|kill oneself|commit suicide|suicide) [painlessly|without pain]`,
    `(metodos|metodo|formas|forma|maneras|manera) (para|de) (suicidarse|suicidarte|matarse|matarte|quitarse la vida|quitarte la vida)`,
    `(methodes|methode|moyens|moyen|facons|facon) (pour|de) se (suicider|tuer|donner la mort)`,
    `(methoden|methode|wege|weg|moglichkeiten) [um] sich (umzubringen|das leben zu nehmen|zu toten|selbst zu toten)`,
    `(ich will|ich mochte|ich werde) (nicht mehr leben|sterben|mich umbringen|mir das leben nehmen|mich ritzen|aufhoren zu leben|
      mich toten)`,
    `(ich ritze mich|ich denke an selbstmord|ich denke daruber nach mich umzubringen|mein leben beenden|suizid begehen|
      keinen sinn mehr zu leben)`,
    `(je veux|j ai envie de|je vais|je voudrais) (mourir|me suicider|en finir|mettre fin a mes jours|mettre fin a ma vie|me tuer|
      me faire du mal|disparaitre pour toujours)`,
    `(je me scarifie|je me mutile|je pense au suicide|plus aucune raison de vivre|je n ai plus envie de vivre|en finir avec (la|ma) vie)`,
    `(quiero|voy a|tengo ganas de|quisiera) (morir|morirme|suicidarme|matarme|quitarme la vida|acabar con mi vida|hacerme dano|
      desaparecer para siempre)`,
    `(me corto|pienso en suicidarme|pienso en el suicidio|no tengo razones para vivir|ya no quiero vivir|no quiero seguir viviendo)`,
  ),
  // Violence: threats at someone, incitement, attack plans.
  rule(
    VIO,
    0.85,
    `i (will|ll|m going to|am going to|m gonna|am gonna|gonna|want to|swear i ll|swear i will|could) (beat the (crap|shit|hell) out of|
      kill|murder|stab|shoot|strangle|choke|beat|beat up|hurt|slaughter|behead|burn|break) (you|your|him|her|them|u)`,
    `(you re|you are|your|ur) (dead|a dead man|going to die|gonna die|next)`,
    `(i|we) (know|found out|found) where you (live|work|sleep)`,
    `(watch your back|you ll regret this|you will regret this|i ll make you pay|i will make you pay|i ll find you|i will find you)`,
    `(bomb|blow up|shoot up|attack|burn down|torch) (the|a|your|that|this) (school|office|building|church|mosque|synagogue|station|mall|
      concert|hospital|house|party)`,
    `(someone|somebody|we|they) (should|ought to|need to|must) (kill|shoot|hang|stab|lynch|murder|behead) (him|her|them|that|this|the)`,
    `how (do|can|to) [i] (make|build|assemble) (a|an) (bomb|pipe bomb|explosive|ied|molotov)`,
    `(i|we) (will|ll) (kill|shoot|bomb) (everyone|everybody|all of them|you all|the whole)`,
    `(ich|wir) (werde|werden|will) (dich|euch|ihn|sie) (umbringen|toten|abstechen|erschiessen|fertigmachen|verprugeln|kaltmachen)`,
    `(ich bring dich um|ich mach dich kalt|ich stech dich ab|ich weiss wo du wohnst|du bist tot|ich bringe dich um|ich mach dich fertig)`,
    `(je vais|j vais|je veux|on va) (te|vous|le|la|les) (tuer|buter|crever|defoncer|egorger|poignarder|massacrer|frapper|descendre)`,
    `(je sais ou tu habites|t es mort|tu es mort|tu vas mourir|tu vas le regretter|je vais te faire payer)`,
    `(te|os|lo|la) (voy a|vamos a|vais a) (matar|partir la cara|reventar|apunalar|disparar|romper la cara|pegar)`,
    `(se donde vives|estas muerto|eres hombre muerto|vas a morir|te vas a arrepentir|te matare|te voy a hacer pagar)`,
    `(vamos a|voy a|hay que) (quemar|volar|atacar|incendiar) (la|el|esa|ese) (mezquita|sinagoga|iglesia|escuela|colegio|estacion|oficina)`,
    `(on va|je vais|il faut) (bruler|faire sauter|attaquer|incendier) (la|le|cette|ce) (mosquee|synagogue|eglise|ecole|gare|bureau)`,
    `(wir werden|ich werde|lasst uns) (die|das|den) (moschee|synagoge|kirche|schule|bahnhof|buro) (anzunden|abfackeln|sprengen|angreifen)`,
  ),
  // Sexual: explicit acts, solicitation.
  rule(
    SEX,
    0.8,
    `(suck|lick|ride|touch|stroke|finger|see|grab) (my|his|her|your) (dick|cock|pussy|tits|boobs|clit|balls|penis|nipples|ass)`,
    `(fuck|fucks|fucked|fucking|bang|banging|screw|screwing) (me|her|him|you) (hard|harder|all night|raw|senseless|doggy style)`,
    `(send|show) (me) (nudes|nude pics|naked pics|your tits|your boobs|your dick|your pussy)`,
    `(take off|strip off|remove) your (clothes|clothing|panties|bra|underwear|knickers) (and|for me)`,
    `(zeig mir|ich will) deine (titten|brust|bruste|muschi|schwanz) [sehen]`,
    `(montre moi|je veux voir) (tes|ta) (seins|chatte|bite)`,
    `(ensename|quiero ver) (tus|tu) (tetas|polla|concha|cono)`,
    `(i want|wanna|want) to (fuck|bang|screw|eat out|finger|cum on) (you|her|him)`,
    `(blowjob|blow job|handjob|hand job|deepthroat|cumshot|creampie|gangbang|orgasm*|masturbat*|horny|wet pussy|hard cock|sexting|
      anal sex|oral sex)`,
    `(porn|porno|pornhub|xxx|hentai|onlyfans leak*|nsfw pics|explicit pics|naked photos|nude photos)`,
    `(lutsch|leck) (meinen|meine|deinen|deine) (schwanz|titten|muschi|eier)`,
    `(fick mich|ich will dich ficken|schick mir nacktbilder|nacktbilder|blasen|wichsen|geile muschi|harter schwanz)`,
    `(suce|suce moi|leche) (ma|ta|sa) (bite|queue|chatte)`,
    `(baise moi|je veux te baiser|envoie moi des nudes|photos nues|sucer ta bite|branlette|pipe baveuse)`,
    `(chupame|chupa|lameme) (la|mi|tu) (polla|verga|concha|pija|coño|cono)`,
    `(follame|quiero follarte|quiero cogerte|mandame fotos desnuda*|fotos desnud*|mamada|paja|correrme en)`,
  ),
  // Threats in the present tense, which French, Spanish and German use for the future (`je lui explose la tête`, `on
  // le tabasse`, `lo mato`, `breche ich dir die Beine`), and English threats at a body part (`break both his legs`).
  gated(
    `(explose|eclate|defonce|tabasse|bute|creve|casse|frappe|plante|descends|massacre|egorge|pete|demonte|fracasse|saigne|cogne|
      poignarde|tue|mato|matamos|machaco|machacamos|apunalo|rajo|reviento|liquido|liquidamos|partimos|quemamos|breche|brech|brechen|
      break|smash|snap|cut off|rip off|leave|left|leaving)`,
    rule(
      VIO,
      0.75,
      `(je|j|on|moi je) (te|le|la|lui|les|leur|vous) (explose|eclate|defonce|tabasse|bute|creve|casse|frappe|plante|descends|
        massacre|egorge|pete|demonte|fracasse|saigne|cogne) (la tete|la gueule|la figure|le crane|les dents|les jambes|le nez|
        a coups|jusqu a ce qu|jusqu a ce que)`,
      `(je|j|on) (te|le|la|les|vous) (tabasse|bute|defonce|egorge|poignarde|massacre|creve|plante|descends|tue)`,
      `(le|la|lo|los|las|te|os) (mato|matamos|machaco|machacamos|apunalo|rajo|reviento|liquido|liquidamos|partimos|quemamos)`,
      `(breche|brech|brechen) (ich|wir) (dir|ihm|ihr|euch) [beide|die|alle] (beine|arme|knochen|nase|finger|genick|rippen)`,
      `(ich|wir) (breche|brechen|brech) (dir|ihm|ihr|euch) [beide|die|alle] (beine|arme|knochen|nase|finger|genick|rippen)`,
      `${INTEND} (break|smash|snap|cut off|rip off) (both|all|every one of) (your|his|her|their) (legs|arms|fingers|bones|teeth|ribs)`,
      `(leave|left|leaving) (you|him|her|them) (bleeding|for dead|in a pool of blood|unable to walk|in a wheelchair)`,
    ),
  ),
  // Threats at someone's family: where the children go to school, what will happen to them.
  gated(
    `(kids|children|son|daughter|family|wife|husband|kid|son s|daughter s|kid s|them|kinder|tochter|sohn|familie|frau|mann|gosses|
      enfants|fille|fils|famille|femme|mari|mome|momes|hijos|hija|hijo|familia|ninos|crios|mujer|marido)`,
    rule(
      VIO,
      0.75,
      `(i|we) (know|found out|know exactly) (where|which school|what school|the school) (your|you) [little] (kids|children|son|
        daughter|family|wife|husband|kid)`,
      `(i|we) know (your|you) (kids|children|son s|daughter s|kid s) (school|address)`,
      `(watch|see|wait and see|guess) what happens to (them|your (kids|children|family|son|daughter|wife|husband))`,
      `(ich|wir) (kenne|kennen|weiss|wissen) (die schule|den kindergarten|wo) (deiner|deine|dein|ihrer|ihre) (kinder|tochter|sohn|
        familie|frau|mann)`,
      `(je|on|nous) (connait|connais|connaissons|sait|sais|savons) (l ecole|la creche|ou) (de tes|de vos|tes|vos|ta|ton|votre)
        (gosses|enfants|fille|fils|famille|femme|mari|mome|momes)`,
      `(se|sabemos|conozco|conocemos) (a que colegio|donde|el colegio|la escuela) (van|va|estudian|viven|de) [tus|sus] (hijos|hija|hijo|
        familia|ninos|crios|mujer|marido)`,
    ),
  ),
  // Instructions to build a bomb or another explosive device, asked for in any of the four languages.
  gated(
    `(bomb|explosive*|ied|detonator|napalm|molotov*|rohrbombe|bombe|nagelbombe|sprengsatz|sprengstoff|brandsatz|bombe*|
      engin explosif|explosif*|bomba|explosivo|artefacto explosivo|detonador|coctel molotov)`,
    rule(
      VIO,
      0.75,
      `(instructions|steps|guide|tutorial|recipe|how) (to|for|on how to) (build|make|assemble|construct|build and detonate) (a|an|my)
        [homemade|home made|working|simple|small] [pipe|nail|car|fertilizer|fertiliser] (bomb|explosive*|ied|explosive device|detonator|
        napalm|molotov*)`,
      `(anleitung|schritte|bauanleitung|rezept) (fur|zum bau|zur herstellung) (eine|einer|einen|von) [selbstgebaute*|funktionierende*]
        (rohrbombe|bombe|nagelbombe|sprengsatz|sprengstoff|brandsatz)`,
      `(etapes|instructions|tuto|tutoriel|recette|explique moi comment) (pour|de) (fabriquer|construire|faire|assembler) (une|un|des)
        (bombe*|engin explosif|explosif*|detonateur|cocktail molotov)`,
      `(paso a paso|instrucciones|pasos|tutorial|receta) [para|de|sobre] [como] (fabricar|construir|hacer|armar) (una|un) (bomba|
        explosivo|artefacto explosivo|detonador|coctel molotov)`,
    ),
  ),
  // Wishing someone dead or ill.
  gated(
    `(die|dies|croak|croaks|rot|rots|cancer|hit by|choke|chokes|burn|burns|mueras|muera|mueran|pudras|pudra|pudran|creves|creve|
      crevent|meures|meure|meurent|pourrisses|pourrisse|stirbst|stirbt|verreckst|verreckt|krepierst|krepiert|verrottest|verrottet)`,
    rule(
      HAR,
      0.75,
      `(i hope|hope|hopefully|i wish) (you|he|she|they) (die|dies|croak|croaks|rot|rots|get cancer|gets cancer|get hit by|gets hit by|
        choke|chokes|burn|burns) `,
      `(ojala|espero que) (te|se) (mueras|muera|mueran|pudras|pudra|pudran)`,
      `(j espere|pourvu) (que tu|qu il|qu elle|qu ils|qu elles) (creves|creve|crevent|meures|meure|meurent|pourrisses|pourrisse)`,
      `(hoffentlich|ich hoffe) (du|er|sie) (stirbst|stirbt|verreckst|verreckt|krepierst|krepiert|verrottest|verrottet)`,
      `(hoffentlich|ich hoffe) (stirbst|stirbt|verreckst|verreckt|krepierst|krepiert) (du|er|sie|der|die|dieser|diese|das)`,
    ),
  ),
  // A group denied humanity (`they are not people, they are vermin`), or a call to clear places of them.
  gated(
    `(people|humans|human beings|human|menschen|personnes|humains|etres humains|personas|seres humanos|gente|streets|neighbourhoods|
      neighborhoods|towns|cities|country|strassen|viertel|stadte|land|rues|quartiers|villes|pays|calles|barrios|ciudades|pais)`,
    rule(
      HATE,
      0.7,
      `(are not|aren t|arent|sind keine|ne sont pas des|ce ne sont pas des|no son) (people|humans|human beings|human|menschen|
        personnes|humains|etres humains|personas|seres humanos|gente) [,|;|.] [they are|they re|sie sind|ce sont|son|sind] ${DEHUMANISE}`,
      `(clean|cleanse|purge|clear|sauber machen|saubern|nettoyer|vider|limpiar|purgar) (the|our|these|unsere|die|nos|les|los|nuestros|
        nuestras|las) (streets|neighbourhoods|neighborhoods|towns|cities|country|strassen|viertel|stadte|land|rues|quartiers|villes|pays|
        calles|barrios|ciudades|pais) (of|von|de|d) (them|ellos|ellas|eux|ihnen|these people|ces gens|esa gente|diesen leuten)`,
    ),
  ),
  // Explicit sexual content: a request for an explicit or erotic text, and explicit talk (each alone is weak; two together
  // reach the threshold).
  rule(
    SEX,
    0.4,
    `(sex scene|sex story|erotic story|erotic scene|smut|scene de sexe|scene erotique|histoire erotique|recit erotique|sexszene|
      erotische geschichte|erotische szene|sexgeschichte|escena de sexo|escena erotica|relato erotico|historia erotica|cuento erotico)`,
  ),
  rule(
    SEX,
    0.4,
    `(very|really|extremely|fully|sehr|ganz|extrem|tres|vraiment|muy|super) (explicit|graphic|explizit*|explicite*|explicit*|hard|
      hot|dirty|cochon*|sucio*|versaut*)`,
    `(explicit|graphic|explizit*|explicite*|explicit*) (details|detail|detalle*|einzelheiten)`,
    `(with|mit|avec|con) (every|all the|each|allen|jedem|chaque|tous les|todos los|cada) (detail|details|einzelheiten|detail|detalle|
      detalles)`,
    `(ganz|sehr|muy|tres|in) (detailliert|genau|detallado|detaille|detail|detalle)`,
  ),
  rule(
    SEX,
    0.45,
    `(ride|fuck|take|pound) me (until|till|hard|all night|slowly|like)`,
    `(how|so) wet (you re|you are|you get|i m|i am|i get) [getting]`,
    `(until|till) (we|you|i) [both] (come|cum)`,
    `(es|s) (mit mir|mit dir|mit ihr|mit ihm) [im bett|auf dem tisch|die ganze nacht] (treibst|treibe|treiben|treibt)`,
    `(mich|dich) [ganz] nackt (ausziehst|ausziehe|ausziehen)`,
    `(follan|follamos|follando|follarme|follarte|cogemos|cogiendo|te follo|me follas)`,
    `(baisent|baisons|baiser avec|te baise|me baises|me prendre) `,
  ),
  // Self-harm told in the first person as something done (again), and self-punishment.
  rule(
    SH,
    0.45,
    `(i|i ve|i have) [just|again|once again] (cut|burned|burnt|scratched|carved) (myself|my arms|my wrists|my legs|my thighs|my skin)`,
    `je me suis [encore|de nouveau|a nouveau|deja] (brule|brulee|coupe|coupee|scarifie|scarifiee|mutile|mutilee|taillade|tailladee)
      (les bras|les poignets|les cuisses|les jambes|la peau)`,
    `ich habe mich [gestern|heute|wieder|schon wieder] (geritzt|verbrannt|geschnitten|verletzt)`,
    `(me he|me volvi a|volvi a) (cortado|quemado|cortar|quemar|lastimado|lastimar) [los brazos|las munecas|las piernas]`,
  ),
  rule(
    SH,
    0.5,
    `(je me suis encore|je me suis de nouveau|ich habe mich schon wieder|ich habe mich wieder|me volvi a|i (cut|burned) myself again)`,
    `(i deserve|i deserved) (to hurt|the pain|pain|to suffer|to bleed|to be in pain)`,
    `(je merite|je le merite) (d avoir mal|de souffrir|la douleur|de saigner)`,
    `(ich verdiene|ich habe es verdient) (den schmerz|schmerzen|es zu leiden|zu leiden|zu bluten)`,
    `(merezco|me merezco) (sufrir|el dolor|sentir dolor|hacerme dano|sangrar)`,
  ),
];

/** Benign idioms blanked before the rules run. */
export const MODERATION_BENIGN = new RegExp(
  [
    `(kill|killed|killing|kills) (the|this|that|a|all|my|your|its|our) [old|stale|hung|running|zombie|background|child|parent|main|
        docker|chrome] (process*|processes|job|jobs|task|tasks|server|container|session|thread|pid|app|tab|query|connection|build|pod|
        pods|daemon|worker|engine|lights|switch|mood|feature|idea|battery|time)`,
    `(kill 9|kill term|kill hup|pkill|killall|sigkill)`,
    `(killing|kills|killed) (me|it)`,
    `(shoot|shot) (me|you|us|him|her) (an|a) (email|e mail|message|text|note|line|dm)`,
    `(sex|geschlecht|sexe|sexo) :`,
    `(dead|deadly) (link|links|code|lock|locks|letter|letters|line|end|battery|simple|serious)`,
    `(killer|killing it) (feature|app|deal|idea)`,
    `(i could|i d|i would) (kill|murder) (for) (a|an|some)`,
    `(ich konnte|ich wurde) (fur|fuer) (einen|eine|ein) * (morden|toten)`,
    `(je tuerais|je pourrais tuer|je serais pret a tuer|je serais prete a tuer) (pour) (un|une|des)`,
    `(mataria|podria matar|yo mataria) (por) (un|una|unos|unas)`,
    `(bug|bugs|traffic|heat|deadline|this|commute|exam) (is|are) killing me`,
    `(execute|executed|terminate|terminated) (the|a|all) (child|process|job|task|order|script|query|contract|thread)`,
    `hit (me|us) up`,
    `(beat|beating|beats) (the|my|your|our) (record|deadline|benchmark|competition|odds|traffic|game|level|boss)`,
    `(attack|attacks) (surface|vector|vectors)`,
    // A negated insult is reassurance ("you're not stupid, you just need practice"), in the four languages.
    `(you re|you are|youre|ur|u r) (not|never) [a|an|so|that|too|at all|even a little] (stupid|dumb|an idiot|idiot|useless|
      worthless|a loser|loser|ugly|fat|pathetic|hopeless|slow|a failure|failure|crazy)`,
    `(du bist|sie sind|ihr seid) (nicht|kein|keine|keineswegs) [so|zu|ein|eine] (dumm|blod|doof|nutzlos|hasslich|hoffnungslos|idiot|
      versager|versagerin)`,
    `(tu n es|tu es|t es|vous n etes|vous etes) (pas|jamais) [si|trop|un|une] (nul|nulle|bete|idiot|idiote|stupide|inutile|moche|con|
      conne)`,
    `(no eres|no sois|usted no es|no son) [tan|nada|un|una] (tonto|tonta|estupido|estupida|inutil|feo|fea|idiota)`,
    // French `retard` is lateness (`je serai en retard`, `du retard`), not the English slur.
    `(en|du|de|d|avec|un|le|mon|son|ton|votre|notre|leur|sans|au|quel|ce|grand|petit|leger|beaucoup de|peu de) retard`,
  ]
    .map(phrase)
    .join('|'),
  'gu',
);

/** News, medicine, education, fiction, help-seeking and quotation damp moderation scores. */
export const MODERATION_CONTEXTS: readonly ContextRule[] = [
  // A task or a thing "is killing me" in German, French and Spanish (hyperbole; the English idiom is blanked), unless
  // the sentence also speaks of dying or suicide.
  context(0.35, 'segment', [
    new RegExp(
      String.raw`^(?!.*\b(?:sterben|tot sein|suizid\w*|selbstmord\w*|umbringen|mourir|suicid\w*|en finir|morir|matarme|quitarme la vida|` +
        String.raw`die|dying|suicide|kill myself|end it all)\b)(?=.*(?:` +
        [
          `(bringt|bringen) mich [noch|echt|wirklich|bald|irgendwann|sicher] um`,
          `(projet|travail|boulot|chaleur|examen|exam|deadline|presentation|reunion|trajet|bug|code|dossier|rapport|semaine|chantier|
            demenagement) (me tue|me tuent|va me tuer|vont me tuer|me tuera|me tueront)`,
          `(proyecto|trabajo|calor|examen|presentacion|reunion|trayecto|bug|codigo|informe|semana|mudanza|deadline) (me mata|me matan|
            me esta matando|me estan matando|me va a matar|me van a matar)`,
        ]
          .map(phrase)
          .join('|') +
        '))',
      'u',
    ),
  ]),
  // Jokes the writer takes back at once ("I'm going to kill her (not really)").
  context(
    0.4,
    'text',
    [
      `(not really|just kidding|kidding|jk|only joking|just joking|i m joking|nicht wirklich|nur ein scherz|nur spass|war nur spass|
        ich scherze|pas vraiment|je rigole|je plaisante|je blague|c est une blague|es broma|es una broma|estoy bromeando|bromeo|
        no en serio|es cona)`,
    ],
    [VIO, HAR],
  ),
  // A threat quoted to translate or to say in another language (a line for a story): the words are the material.
  context(
    0.4,
    'segment',
    [
      new RegExp(
        String.raw`\b(?:translat\w*|ubersetz\w*|tradu\w*|how (?:do|would) (?:you|i) say|wie sagt man|comment (?:on )?dit[- ]on|` +
          String.raw`como se dice)\b[^"“„«'‘\n]{0,40}["“„«'‘]`,
        'u',
      ),
    ],
    [VIO, HAR, HATE],
  ),
  // Sex education and sexual health.
  context(
    0.35,
    'segment',
    [
      `(sex education|sexual education|sexual health|safer sex|sti|stis|std|stds|contracepti*|sexualkunde|sexualerziehung|
        aufklarungsunterricht|sexuelle gesundheit|verhutung*|education sexuelle|sante sexuelle|educacion sexual|salud sexual|
        anticoncep*)`,
    ],
    [SEX],
  ),
  // Questions about history for school or study ("what slurs were used against … in the 1900s? It's for a history class").
  context(
    0.45,
    'text',
    [
      `(history (class|lesson|seminar|essay|homework|course|project)|school essay|for (my|a) (school|history|class) [essay|project|
        paper]|historians|geschichtsunterricht|geschichtsreferat|referat|hausarbeit|expose d histoire|cours d histoire|
        devoir d histoire|trabajo de historia|clase de historia|examen de historia)`,
      /\b(?:in the (?:1[0-9]|20)th century|in the 1[0-9]{3}s|im [0-9]{2}\. jahrhundert|au x[a-z]*e siecle|en el siglo [xvi]+)\b/u,
    ],
    [HATE, HAR],
  ),
  // History told: persecution, genocide, colonial and wartime propaganda described in the past (a date, a named
  // regime or period), unless the text takes their side.
  context(
    0.45,
    'segment',
    [
      `(propaganda|propagande|genocide|genocidio|volkermord|holocaust|shoah|pogrom*|nazis|nazi regime|nationalsozialist*|ns regime|
        third reich|dritte[nr]? reich|regime nazi|regimen nazi|apartheid|segregation|jim crow|ku klux klan|colonis*|coloniz*|
        kolonial*|colonial*|conquista|conquete|eroberung|slavery|sklaverei|esclavage|esclavitud|inquisition|inquisicion|
        extermination camps|vernichtungslager|camps d extermination|campos de exterminio|concentration camps|konzentrationslager|
        dreyfus|reconquista|deported|deportiert|deportes|deportados|persecution|verfolgung|persecucion)`,
      new RegExp(
        String.raw`\b(?:in|im|en|between|zwischen|entre|from|von|de|desde|since|seit|depuis|until|bis|hasta|jusqu'en|around|um|` +
          String.raw`vers|hacia) (?:1[0-9]{3}|20[01][0-9])\b`,
        'u',
      ),
    ],
    [HATE, HAR, VIO],
    undefined,
    new RegExp(
      String.raw`\b(?:were right|was right|had it right|hatten recht|hatte recht|avaient raison|avait raison|tenian razon|` +
        String.raw`tenia razon|finish the job|finish what|sieg heil|heil hitler|1488|14 88|should (?:do it|happen) again|wieder tun|` +
        String.raw`recommencer|volver a hacerlo)\b`,
      'u',
    ),
  ),
  // A depiction described (`posters like this portrayed … as a threat`, `stellte … als … dar`, `présentait … comme`):
  // the characterisation is what the thing shown said, told by someone describing it, unless the text takes its side.
  context(
    0.45,
    'segment',
    [
      new RegExp(
        String.raw`\b(?:portray(?:ed|s)|depict(?:ed|s)|caricatur(?:ed|es)|represent(?:ed|s)|stellte?n?|zeigte?n?|darstellt|` +
          String.raw`presentai(?:t|ent)|depeignai(?:t|ent)|representai(?:t|ent)|caricaturai(?:t|ent)|presentaba|presentaban|` +
          String.raw`retrataba|retrataban|representaba|representaban|caricaturizaba)\b[^.!?\n]{0,60}\b(?:as|als|comme|como)\b`,
        'u',
      ),
    ],
    [HATE, HAR],
  ),
  // Advice to someone who helps a person in crisis (`if someone tells you they are thinking about suicide, …`): a
  // conditional about another person, with self-harm words in the text — guidance, not intent or an attack.
  context(
    0.4,
    'segment',
    [
      `(if|when|si|quand|lorsque|wenn|falls|cuando) (someone|somebody|a friend|a person|anyone|a loved one|alguien|un amigo|una amiga|
        una persona|quelqu un|un ami|une amie|une personne|un proche|jemand|ein freund|eine freundin|eine person|ein mensch) `,
    ],
    undefined,
    new RegExp(
      String.raw`\b(?:suicid\w*|selbstmord\w*|suizid\w*|self[- ]harm\w*|selbstverletz\w*|automutila\w*|autolesion\w*|` +
        String.raw`end (?:their|his|her) life|sich das leben|mettre fin a ses jours|quitarse la vida)`,
      'u',
    ),
    /\b(?:do it|go ahead|mach es doch|fais le|hazlo)\b/u,
  ),
  // A fiction project told by its writer (`I'm writing a crime novel: the body is found …`): violence and death are
  // the plot's, in a request for help with the story.
  context(
    0.5,
    'text',
    [
      `(i m writing|i am writing|i write|ich schreibe|j ecris|je redige|estoy escribiendo|escribo) (a|an|my|einen|eine|ein|meinen|meine|
        un|une|mon|ma|una|mi) [short|new|crime|detective|mystery|fantasy|horror|neuen|kurzen|petit|nouveau|nouvelle|corta|nueva]
        (novel|story|thriller|mystery|crime novel|screenplay|script|play|krimi|roman|geschichte|erzahlung|drehbuch|thriller|
        histoire|nouvelle|polar|scenario|piece|novela|historia|relato|cuento|guion|obra)`,
    ],
    [VIO, SH],
    undefined,
    // a "story" about the reader is a threat dressed up as one
    /\b(?:about|uber|sur|sobre|with) (?:you|dich|toi|vous|ti|usted)\b/u,
  ),
  // A moderation log or report: the content was acted on (removed, the author banned), the words are its record.
  context(
    0.4,
    'text',
    [
      `(moderation report|moderation log|rapport de moderation|journal de moderation|moderationsbericht|moderationsprotokoll|
        informe de moderacion|registro de moderacion|was removed|was deleted|has been removed|has been deleted|were removed|
        a ete supprime|a ete supprimee|ont ete supprimes|wurde geloscht|wurde entfernt|wurden geloscht|fue eliminado|fue eliminada|
        fue borrado|ha sido eliminado|author banned|user banned|user suspended|account suspended|auteur suspendu|auteur banni|
        nutzer gesperrt|konto gesperrt|usuario suspendido|usuario baneado|cuenta suspendida)`,
    ],
    [HAR, HATE, SEX, VIO],
  ),
  // Dialogue in a story: a quoted line with a narrative attribution after it (`"…," the villain hissed`).
  context(
    0.4,
    'segment',
    [
      new RegExp(
        String.raw`["”’'»][ ,.!?]{0,3}(?:(?:the|der|die|le|la|el|his|her|sein\w*|ihr\w*|son|sa|su) )?(?:[a-z]+ ){0,2}` +
          String.raw`(?:hissed|growled|snarled|whispered|murmured|muttered|sneered|spat|shouted|screamed|yelled|roared|said|replied|` +
          String.raw`zischte|knurrte|flusterte|murmelte|schrie|brullte|sagte|antwortete|siffla|grogna|chuchota|murmura|cria|hurla|` +
          String.raw`dit|repondit|lanca|siseo|grunio|susurro|murmuro|grito|dijo|respondio|espeto)\b`,
        'u',
      ),
    ],
    [VIO, HAR, HATE],
  ),
  // Someone asking how to help another person who self-harms (the whole message is about them).
  context(
    0.4,
    'text',
    [
      new RegExp(
        String.raw`\b(?:how (?:can|do|should) i (?:help|support|talk to)|wie kann ich (?:[a-z]+ ){0,3}(?:helfen|beistehen|unterstutzen)|` +
          String.raw`comment (?:aider|soutenir|parler a)|como (?:puedo )?(?:ayudar|apoyar|hablar con))\b`,
        'u',
      ),
    ],
    [SH],
  ),
  context(0.45, 'segment', [
    `(police|prosecutor*|court|judge|jury|officials|authorities|witnesses|investigators) (said|say|says|reported|stated|told)`,
    `(was|were|has been|have been) (arrested|charged|convicted|sentenced|accused|indicted|killed|injured|wounded|reported)`,
    `(according to|reportedly|allegedly|the suspect|the victim|the defendant|the attacker)`,
    `(the|this|a|in the) (novel|book|film|movie|series|episode|story|play|character|protagonist|villain|chapter|game|song|poem) (is|was|
      about|where|in which|tells|follows|features|s)`,
    `(patients|clinicians|symptoms|risk factors|warning signs|prevalence|treatment|therapy|diagnos*|screening|hotline*|helpline*|
      crisis line|prevention|awareness)`,
    `(if you or someone|if you are having thoughts|reach out to|call 988|samaritans|talk to someone)`,
    `(he|she|they) (said|wrote|told|screamed|shouted|yelled) [that] ["“'«]`,
    // (not after a user handle: `user88 wrote "…"` is a scraped post, the content itself)
    new RegExp(
      // the verb first (a lookbehind at every position of every segment doubled the detector's cost)
      String.raw`\b(?=said|says|wrote|screamed|shouted|yelled|texted|threatened|told )(?<!(?:@[a-z0-9_]+|\b[a-z_]+[0-9]+) )` +
        /(?:said|says|wrote|screamed|shouted|yelled|texted|threatened|told (?:him|her|them|me|his \w+|her \w+))\s?[:,]?\s?["“'«‘]/u.source,
      'u',
    ),
    `(polizei|gericht|staatsanwaltschaft) (sagte|teilte mit|berichtete)|(laut (der|dem|den|einem|einer|polizei|angaben|
      bericht*|zeugen|medien|staatsanwaltschaft)|nach angaben|wurde festgenommen|verurteilt|der roman|
      der film|die figur|patienten|symptome|pravention)`,
    `(la police|le tribunal|selon|a ete arrete|condamne|le roman|le film|le personnage|les patients|symptomes|prevention)`,
    `(la policia|el tribunal|segun|fue detenido|condenado|la novela|la pelicula|el personaje|los pacientes|sintomas|prevencion)`,
  ]),
  context(0.7, 'text', [
    `(breaking news|news|reuters|associated press|afp|dpa|press release|study|researchers|journal|course|lesson|curriculum)`,
  ]),
];

/**
 * A word quoted after a verb or noun that reports or names it (`called another member a 'X'`, `llama 'X' a otra
 * persona`, `das Wort „X“`, `le terme « X »`): a moderation report, a dictionary question or a history lesson uses the
 * slur or insult as material. Rule hits inside the quotes count at `factor`, and the concept layer does not read them.
 * Not after a second-person object (`called you a 'X'` is aimed at the reader).
 */
export const MODERATION_MENTIONS: Mentions = {
  re: new RegExp(
    String.raw`\b(?:called|calls|calling|named|labell?ed|wrote|posted|typed|said|used|using|uses|word|term|slur|insult|` +
      String.raw`llamo|llama|llamaba|llamandol[eoa]|llamarle|palabra|termino|insulto|insultos|escribio|puso|` +
      // a remark reported as someone's words (`dijo en la reunión que «…»`, `a dit que « … »`, `sagte, „…“`)
      String.raw`dijo|decia|solto|soltando|diciendo|dicen|dit|disait|lache|disent|sagte|gesagt|meinte|sagen|behaupten|` +
      String.raw`mot|terme|insulte|insultes|traite|traitee|traitait|ecrit|qualifie|qualifiee|` +
      String.raw`nannte|nennt|genannt|bezeichnet|bezeichnete|beschimpft|beschimpfte|wort|begriff|beleidigung|schrieb|geschrieben|` +
      // a message passed on: what someone sent, messaged or replied (`sent me the following: "…"`)
      String.raw`sent|messaged|texted|replied|commented|dmed|following|envoye|envoyait|repondu|suivant|schickte|geschickt|` +
      String.raw`antwortete|folgendes|folgende|envio|mando|respondio|siguiente|` +
      // a message reported to moderators (`a user reported this message: "…"`, `hat diese Nachricht gemeldet: „…“`)
      String.raw`reported|flagged|gemeldet|gemeldete|meldete|signale|signalee|signalait|denunciado|denunciada|denuncio|` +
      String.raw`reportado|reportada|reporto)\b` +
      String.raw`(?! (?:you|dich|dir|toi|te|vous|usted)\b)[^"“„«'‘\n]{0,60}?` +
      /(?:"([^"\n]{1,40})"|“([^“”\n]{1,40})”|„([^„“”\n]{1,40})[“”]|«[ \t]?([^«»\n]{1,40}?)[ \t]?»|'([^'\n]{1,40})'|‘([^‘’\n]{1,40})’)/u
        .source +
      // German puts the verb last (`als „X“ bezeichnet`)
      String.raw`|\b(?:als|wie) (?:"([^"\n]{1,40})"|“([^“”\n]{1,40})”|„([^„“”\n]{1,40})[“”]|'([^'\n]{1,40})')` +
      String.raw` ?(?:bezeichnet|bezeichnete|beschimpft|beschimpfte|tituliert|betitelt|genannt)\b` +
      // a field of a report record (JSON or YAML) that holds the quotation (`"quoted_text": "…"`, `zitat: "…"`)
      String.raw`|(?:"|\n[ \t]{0,8})[a-z_]{0,16}(?:quot|citation|cita|zitat|excerpt|extrait|extracto|auszug|snippet)` +
      String.raw`[a-z_]{0,16}"? ?: ?"([^"\n]{1,200})"`,
    'gu',
  ),
  factor: 0.3,
};

/**
 * Self-harm of someone else, told by a parent, friend or teacher who asks what to do: the message is about them and
 * about getting help (`my son cuts himself, how do I talk to him`), not the writer's own intent.
 */
export const THIRD_PERSON_SELF_HARM: ContextRule = context(
  0.4,
  'segment',
  [
    `(my|our|mon|ma|notre|mein|meine|meinem|meiner|unser|unsere|mi|nuestro|nuestra) (son|daughter|teen|teenager|kid|child|friend|
      best friend|brother|sister|partner|boyfriend|girlfriend|student|pupil|ado|adolescent|fils|fille|enfant|ami|amie|copain|copine|
      frere|soeur|eleve|sohn|tochter|kind|freund|freundin|bruder|schwester|schuler|schulerin|hijo|hija|nino|nina|amigo|amiga|hermano|
      hermana|alumno|alumna|pareja|novio|novia)`,
  ],
  [SH],
  new RegExp(
    phrase(
      `(how (do|can|should) i|what (should|can|do) i (do|say)|who (can|should|do) i (turn|talk|call)|vers qui|comment (en parler|
        lui parler|l aider|reagir|faire)|que faire|a qui (parler|m adresser)|was soll ich|wie (spreche|rede|helfe|reagiere) ich|
        an wen (kann|soll)|como (hablo|hablar|le hablo|puedo|ayudo|reacciono)|que (hago|puedo hacer)|a quien (acudo|acudir|llamo))`,
    ),
    'u',
  ),
);

/** The bias rules: generalisations that assign a trait to a whole group. */
export const BIAS_RULES: readonly Rule[] = [
  gated(
    `(are|r|sind|sont|son) (always|never|immer|nie|toujours|jamais|siempre|nunca)`,
    rule(ST, 0.7, `${GROUPS} (are|r) (always|never) `, `${GROUPS} (sind|sont|son) (immer|nie|toujours|jamais|siempre|nunca) `),
  ),
  rule(
    ST,
    0.75,
    `${GROUPS} (are|r) [just|all|always|simply|naturally|inherently|genetically|by nature|too|so|never] (bad|terrible|worse|hopeless|
      useless|better|good|great|worse) (at|in|with) `,
    `${GROUPS} (can t|cannot|can not|cant|are unable to|don t know how to|never know how to|are incapable of|will never be able to) `,
    `(all|every single|most) ${GROUPS} (are|r|always|never|just) `,
    `${GROUPS} are [all|always|naturally|inherently|genetically|by nature] [so|too|really|very|just|such] ` +
      `(lazy|greedy|cheap|stingy|violent|criminals|thieves|terrorists|emotional|hysterical|irrational|dirty|loud|rude|stupid|dumb|
        bad drivers|` +
      `good at math|untrustworthy|dishonest|liars|arrogant|weak|submissive|aggressive|primitive|backward|inferior|uneducated|drunks|
        alcoholics|late|dramatic|scammers|cheaters|frauds|smelly|ugly|bossy|cold|stubborn)`,
    `(typical|such a typical|so typical|that s so|how typical|just like) [of] [a|an|the] (woman|man|girl|blonde|immigrant|german|french|
      frenchman|
      italian|american|mexican|asian|jew|muslim|arab|gypsy|russian|pole|spaniard|brit|boomer|millennial)`,
    `(women|girls) (belong|should stay|should be) (in the kitchen|at home|barefoot)`,
    `(men|boys) (don t|do not|never) (cry|cook|clean|do housework)`,
    `(a|the) woman s place is`,
    `(women|girls) (shouldn t|should not|should never) (lead|vote|work|drive|be engineers|be in charge|be bosses|do math)`,
    `(frauen|manner|madchen|auslander|migranten|deutsche|turken|polen|italiener|juden|muslime|alte) (konnen nicht|konnen kein*|sind [alle|
      immer|halt|einfach|nun mal|von natur aus] (faul|dumm|kriminell|geizig|laut|emotional|schlechte autofahrer|schlecht in|unpunktlich|
      schmutzig|gewalttatig))`,
    `(alle|typisch) (frauen|manner|auslander|deutsch*|turk*|pol*|italien*|franzos*|russ*|griech*|amerikan*|spanier*)`,
    `frauen gehoren (in die kuche|an den herd)`,
    `(les femmes|les hommes|les filles|les immigres|les etrangers|les arabes|les noirs|les juifs|les musulmans|les allemands|les francais|
      les italiens|les espagnols|les anglais|les belges|les chinois|les roms) (ne savent pas|ne peuvent pas|sont [tous|toutes|toujours|
      naturellement] [des|que des] (paresseux|paresseuses|voleurs|nuls|nulles|mauvais|mauvaises|hysteriques|sales|bruyants|radins|
      violents|arrogants|
      emotives|stupides|incapables))`,
    `(typique des|typiquement|typisch fur die|tipico de los|tipico de las) ${GROUPS}`,
    new RegExp(
      phrase(`${GROUPS} (are|sind|sont|son) (too|zu|trop|demasiado|demasiadas|demasiados)`).replace(/\(\?!\[a-z0-9\]\)$/u, '') +
        '[^a-z0-9]{1,3}[a-z]{3,20}[^a-z0-9]{1,3}(?:to|um|pour|para)(?![a-z0-9])',
      'u',
    ),
    `(tous les|toutes les) (femmes|hommes|immigres|etrangers|arabes|noirs|juifs|musulmans|allemands|francais|italiens|espagnols|anglais|
      chinois|roms) sont`,
    `(typiquement|c est bien un|c est bien une|c est typique d un|c est typique d une) (femme|homme|francais|allemand|arabe|italien|
      espagnol|anglais|juif|belge|blonde)`,
    `la place d une femme est`,
    `(las mujeres|los hombres|las chicas|los inmigrantes|los extranjeros|los gitanos|los negros|los judios|los musulmanes|los mexicanos|
      los argentinos|los alemanes|los franceses|los chinos|los gallegos|los andaluces|los catalanes) (no saben|no pueden|son [todos|todas|
      siempre|naturalmente] [unos|unas] (vagos|vagas|ladrones|flojos|malos|malas|histericas|sucios|ruidosos|tacanos|violentos|arrogantes|
      brutos|tontos|tontas|incapaces))`,
    `(todos los|todas las) (mujeres|hombres|inmigrantes|extranjeros|gitanos|negros|judios|musulmanes|mexicanos|argentinos|alemanes|
      franceses|chinos|gallegos|andaluces|catalanes) son`,
    `(tipico de (un|una)|muy de) (mujer|hombre|mexicano|argentino|gallego|aleman|frances|gitano|judio|moro|chino|ingles|andaluz|catalan)`,
    `(la mujer|las mujeres) (a|en) la cocina`,
  ),
];

/** Group sentences that are not stereotypes (`women are always welcome`). */
export const BIAS_BENIGN = new RegExp(
  phrase(
    `(are|sind|sont|son) (always|immer|toujours|siempre) (welcome|invited|eligible|encouraged|allowed|free|willkommen|bienvenu*|
      bienvenid*)`,
  ),
  'gu',
);

/** Statistics with sources and text criticising stereotypes damp bias scores. */
export const BIAS_CONTEXTS: readonly ContextRule[] = [
  context(0.3, 'segment', [
    `(stereotype*|cliche*|myth|myths|prejudice*|misconception*|bias|biased|sexist|racist|discriminat*|generaliz*|generalis*|it s (wrong|
      unfair|false|untrue) to)`,
    `(not|never) (true|all|every)`,
    `(the|an|this|that) (idea|belief|assumption|claim|notion) that`,
    `(people|some|many) [often|still|wrongly] (assume|believe|think|say|claim) that`,
    `(according to|study|studies|survey|census|data|statistics|report*|per cent|percent|%|research*|found that|shows that)`,
    `(vorurteil*|klischee*|stereotyp*|falsch|nicht (wahr|alle|jede)|studie|umfrage|statistik|laut (einer|einem|der|dem|des)|prozent)`,
    `(prejuge*|cliche*|stereotype*|idee recue|faux|pas (vrai|tous|toutes)|etude|sondage|selon|pour cent|statistique*)`,
    `(prejuicio*|cliche*|estereotipo*|mito|falso|no (es cierto|todos|todas)|estudio|encuesta|segun|por ciento|estadistica*)`,
    /[?]/u,
  ]),
];

/** Moderation types and the default per-type thresholds. */
export const MODERATION_TYPES = [HAR, HATE, SH, VIO, SEX] as const;
/** Bias types. */
export const BIAS_TYPES = [ST] as const;
