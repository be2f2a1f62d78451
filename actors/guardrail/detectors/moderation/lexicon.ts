/**
 * The moderation detector's concept lexicon (see text/concepts.ts): the parts of harassment, hate, self-harm,
 * violence and sexual content, and the cues of benign text that shares their words (news, medicine, fiction, games,
 * help-seeking, idioms), in English, German, French and Spanish. Entries are normalised like the text; `*` ends a stem.
 */
import type { Lexicon } from '../text/concepts.js';

// prettier-ignore
export const MODERATION_LEXICON: Lexicon = {
  INSULT: [
    'idiot', 'idiots', 'moron', 'loser', 'stupid', 'worthless', 'pathetic', 'garbage', 'trash', 'clown', 'rat', 'bitch', 'b tch', 'slut',
    'whore', 'pig', 'ugly', 'braindead', 'incompetent', 'waste of space', 'scum', 'dumb', 'fatty', 'fat', 'retarded', 'retards', 'faggot',
    'f ggot', 'f got', 'cunt', 'asshole', 'jerk', 'vollidiot', 'trottel', 'versager', 'hasslich*', 'mull', 'schrott', 'ratte', 'schlampe',
    'sau', 'fette', 'spast', 'wertlos*', 'erbarmlich*', 'unfahig', 'hirnlos*', 'arschloch', 'wichser', 'hurensohn', 'missgeburt', 'depp',
    'cretin', 'abruti', 'pauvre rate', 'espece de rate', 'nulle', 'merde', 'moche', 'vermine', 'salope', 'truie', 'connard', 'conne',
    'pute', 'debile', 'incompetent', 'pd', 'sale pd', 'sale moche', 'sale con', 'inutil', 'imbecil', 'idiota', 'payaso', 'basura', 'feo',
    'rata', 'asquerosa', 'asqueroso', 'zorra', 'gorda', 'cerdo', 'maricon', 'mierda', 'estupido', 'estupida', 'gilipollas', 'puta',
    'pendejo', 'no vales nada', 'waste', 'attention seeking', 'aufmerksamkeitsgeil*', 'en manque d attention', 'necesitada de atencion',
    'peor jefe',
  ],
  PROFANITY: [
    'fuck', 'f ck', 'fucking', 'shit', 'damn', 'scheiss*', 'fresse', 'putain', 'gueule', 'joder', 'cono', 'hostia',
  ],
  GO_AWAY: [
    'shut up', 'shut your mouth', 'go cry', 'go away', 'get lost', 'stop showing up', 'go back to', 'halt die fresse', 'verpiss dich',
    'geh woanders', 'komm nicht mehr', 'ferme ta gueule', 'casse toi', 'va chialer', 'ne reviens plus', 'cierra la boca', 'largate',
    'vete a llorar', 'no vuelvas', 'delete your account', 'account loschst', 'supprimes ton compte', 'borres tu cuenta',
    'do everyone a favour',
  ],
  SECOND: [
    'you', 'your', 'you re', 'du', 'dich', 'dir', 'dein', 'deine', 'tu', 't es', 'toi', 'te', 'ton', 'ta', 'eres', 'tus', 'usted', 'vous',
    'sie',
  ],
  MOCK: [
    'laughing at you', 'laugh at you', 'nobody wants', 'no one wants', 'nobody asked', 'can t stand', 'everyone knows',
    'lachen uber dich', 'keiner', 'niemand will', 'kann dich', 'se moque', 'personne ne', 'tout le monde', 'se rie', 'nadie',
    'todo el grupo', 'te aguanta', 'everyone in', 'alle in', 'nobody at',
  ],
  MENACE: [
    'i know where you live', 'weiss wo du wohnst', 'wo du wohnst', 'ou tu habites', 'donde vives', 'make your life hell', 'zur holle',
    'pourrir la vie', 'vida imposible', 'we know', 'wir kennen', 'on connait', 'sabemos', 'won t come home', 'nicht nach hause',
    'ne rentreront pas', 'no vuelven a casa', 'or we will', 'sonst', 'sinon', 'o quemamos', 'you have 24 hours', 'make sure everyone',
    'ich sorge dafur', 'je vais faire savoir', 'me encargare', 'contar a todos', 'until you', 'bis du', 'jusqu a ce que tu', 'hasta que',
  ],
  GROUP: [
    'immigrants', 'immigrant', 'foreigners', 'jews', 'jewish', 'muslims', 'muslim', 'black people', 'blacks', 'women', 'gays',
    'gay people', 'homosexuals', 'disabled', 'disabled people', 'refugees', 'africans', 'africa', 'arabs', 'gypsies', 'roma', 'trans',
    'migrants', 'auslander', 'juden', 'muslime', 'schwarze', 'frauen', 'schwule', 'behinderte', 'fluchtlinge', 'afrika', 'araber',
    'zigeuner', 'immigres', 'juifs', 'musulmans', 'noirs', 'femmes', 'homosexuels', 'handicapes', 'refugies', 'arabes', 'inmigrantes',
    'judios', 'musulmanes', 'negros', 'mujeres', 'gais', 'gays', 'discapacitados', 'gitanos', 'refugiados', 'those people', 'diese leute',
    'ces gens', 'esa gente', 'people from',
  ],
  DEHUMANIZE: [
    'vermin', 'rats', 'parasite', 'parasites', 'subhuman', 'animals', 'plague', 'cockroaches', 'breed like', 'infest*', 'ungeziefer',
    'ratten', 'parasiten', 'untermenschen', 'tiere', 'vermehren', 'sous hommes', 'animaux', 'se reproduit', 'plaga', 'ratas', 'parasitos',
    'infrahumanos', 'animales', 'se reproduce', 'disgusting', 'perverts', 'widerlich*', 'perverse', 'degoutants', 'pervers', 'asquerosos',
    'pervertidos', 'burden', 'last fur', 'fardeau', 'carga para',
  ],
  GENERAL: [
    'all', 'every single one', 'are all', 'all of them', 'naturally', 'by nature', 'in their genes', 'genes', 'can t even', 'alle',
    'jeder einzelne', 'sind alle', 'von natur aus', 'genen', 'nicht mal', 'tous', 'toutes', 'naturellement', 'genes', 'meme pas', 'todos',
    'todas', 'por naturaleza', 'ni siquiera', 'control the', 'kontrollieren', 'controlent', 'controlan', 'too stupid', 'zu dumm',
    'trop betes', 'demasiado tontas', 'belong', 'gehoren', 'leur place', 'su sitio',
  ],
  EXCLUDE: [
    'thrown out', 'deported', 'deport', 'locked away', 'kept away', 'better off without', 'should die', 'exterminate', 'get rid of',
    'go back to the kitchen', 'abgeschoben', 'rausgeworfen', 'aus dem land', 'ferngehalten', 'ohne sie', 'an den herd', 'expulser',
    'jeter dehors', 'sans eux', 'tenir loin', 'a la cuisine', 'deportar*', 'echarlos', 'sin ellos', 'mantenerlos lejos', 'la cocina',
    'criminals', 'terrorists', 'kriminell', 'terroristen', 'criminels', 'terroristes', 'criminales', 'terroristas', 'vote', 'wahlen',
    'voter', 'votar',
  ],
  SELF: [
    'i', 'me', 'myself', 'my', 'i m', 'i ve', 'ich', 'mich', 'mir', 'mein', 'meine', 'je', 'j ai', 'moi', 'm', 'yo', 'mi', 'mis', 'me he',
  ],
  DIE: [
    'kill myself', 'suicide', 'die', 'to die', 'end it', 'end my life', 'disappear', 'gone', 'not wake up',
    'world would be better without me', 'better without me', 'mich umbringen', 'umbringen', 'sterben', 'suizid', 'selbstmord',
    'verschwinde', 'verschwinden', 'ohne mich', 'me suicider', 'suicider', 'mourir', 'disparaitre', 'disparaissais', 'sans moi',
    'suicidarme', 'morir', 'desaparecer', 'me fuera', 'sin mi', 'matarme', 'weg ware', 'do it', 'mache es', 'le faire', 'hacerlo',
    'painless', 'schmerzlos*', 'moins douloureuse', 'menos dolorosa',
  ],
  METHOD: [
    'pills', 'overdose', 'paracetamol', 'paracetamoles', 'bridge', 'jump', 'rope', 'hang', 'cut myself', 'cut', 'cutting', 'razor',
    'blade', 'starve', 'calories', 'tabletten', 'brucke', 'ritzen', 'geritzt', 'hungern', 'runterhungern', 'kalorien', 'medicaments',
    'pont', 'scarifie*', 'scarification', 'affamer', 'calories', 'pastillas', 'puente', 'cortar', 'corte', 'cortes', 'dejar de comer',
    'calorias', 'take them all', 'nehme ich sie alle', 'tous les prendre', 'me las tomo todas', 'deeper', 'tiefer', 'plus profond',
    'mas hondo',
  ],
  HOPELESS: [
    'can t do this anymore', 'anymore', 'nobody would notice', 'no one would notice', 'the letters', 'written the letters', 'tonight',
    'the only thing', 'ich kann nicht mehr', 'niemand wurde', 'briefe', 'heute nacht', 'das einzige', 'je n en peux plus',
    'personne ne remarquerait', 'lettres', 'ce soir', 'la seule chose', 'ya no puedo mas', 'nadie notaria', 'cartas', 'esta noche',
    'lo unico', 'decided how', 'entschieden wie', 'decide comment', 'decidi como', 'i want to', 'ich will', 'je veux', 'quiero',
  ],
  HIDE: [
    'hide', 'scars', 'without anyone', 'verstecken', 'verstecke', 'narben', 'cacher', 'cicatrices', 'esconder', 'sin que nadie',
    'sans que personne', 'ohne dass es jemand',
  ],
  HELP: [
    'therapist', 'therapy', 'help', 'hotline', 'lifeline', 'crisis', 'worried', 'recovery', 'recovering', 'safety plan', 'call',
    'text 988', 'therapeut*', 'therapie', 'hilfe', 'telefonseelsorge', 'genesung', 'psy', 'aide', 'appelez', 'guerison', 'suivie',
    'ayuda', 'psicologo', 'terapia', 'recuperacion', 'llama al', 'not alone', 'nicht allein', 'pas seul', 'no estas solo', 'books about',
    'bucher', 'livres', 'libros', 'prevention', 'praevention', 'prevencion',
  ],
  KILL: [
    'kill', 'murder', 'stab', 'shoot', 'beat', 'burn', 'poison', 'attack', 'strangle', 'pay', 'hurt', 'toten', 'umbringen', 'erstechen',
    'steche', 'erschiessen', 'verprugeln', 'anzunden', 'zunden', 'vergiften', 'vergiftet', 'bezahlen', 'tuer', 'poignarde', 'poignarder',
    'tabasse', 'tabasser', 'brule', 'bruler', 'brulons', 'empoisonner', 'payer', 'matar', 'apunalo', 'apunalar', 'disparar', 'paliza',
    'quemar', 'quemamos', 'envenenar', 'pagar', 'stops breathing', 'nicht mehr atmet', 'arrete de respirer', 'deje de respirar',
    'unrecognizable', 'nicht mehr erkennt', 'meconnaissable', 'no se le reconozca',
  ],
  WEAPON: [
    'rifle', 'gun', 'guns', 'knife', 'bomb', 'pipe bomb', 'molotov', 'explosive', 'gasoline', 'petrol', 'gewehr', 'messer', 'bombe',
    'rohrbombe', 'molotowcocktail', 'benzin', 'fusil', 'couteau', 'bombe artisanale', 'cocktail molotov', 'essence', 'cuchillo', 'bomba',
    'bomba casera', 'coctel molotov', 'gasolina', 'acid', 'saure', 'acide', 'acido',
  ],
  INTENT: [
    'i m going to', 'i ll', 'i will', 'we will', 'tomorrow', 'let s', 'i swear', 'after the game', 'ich werde', 'morgen', 'lass uns',
    'ich schwore', 'nach dem spiel', 'je vais', 'demain', 'on va', 'on choppe', 'je le jure', 'apres le match', 'voy a', 'manana',
    'vamos a', 'lo juro', 'despues del partido', 'el viernes', 'friday', 'freitag', 'vendredi', 'if my ex', 'wenn meine ex', 'si mon ex',
    'si mi ex',
  ],
  TARGET: [
    'school', 'family', 'kids', 'children', 'police station', 'mosque', 'ex', 'shop', 'schule', 'familie', 'kinder', 'polizeiwache',
    'moschee', 'laden', 'ecole', 'lycee', 'famille', 'gosses', 'commissariat', 'mosquee', 'boutique', 'colegio', 'instituto', 'familia',
    'hijos', 'comisaria', 'mezquita', 'tienda', 'someone', 'jemanden', 'quelqu un', 'alguien', 'that guy', 'den typen', 'ce mec',
    'ese tio',
  ],
  HOWTO: [
    'step by step', 'how to', 'how do i', 'best way', 'instructions', 'steps', 'give me', 'tips', 'anleitung', 'schritt fur schritt',
    'wie baue', 'wie', 'tipps', 'gib mir', 'etapes', 'comment', 'astuces', 'donne moi', 'paso a paso', 'como', 'trucos', 'dame',
    'cuantos', 'how many', 'wie viele', 'combien',
  ],
  SEXUAL: [
    'sex', 'sexual', 'explicit', 'naked', 'nudes', 'nude', 'undress', 'porn', 'horny', 'moan', 'dirty', 'in bed', 'body', 'breasts',
    'cock', 'pussy', 'sexszene', 'sexuelle', 'nackt', 'nacktbilder', 'ausziehst', 'porno*', 'geil*', 'schmutzig', 'im bett', 'sexe',
    'sexuelle', 'nue', 'nues', 'deshabilles', 'cochonne', 'excitee', 'au lit', 'explicite', 'desnuda', 'desnudarias', 'desnudan',
    'cachonda', 'sucio', 'en la cama', 'explicita', 'sexo', 'sexual', 'webcam', 'singles', 'celibataires', 'solteras', 'hot', 'heisse',
    'chaudes', 'calientes', 'talk dirty', 'red schmutzig', 'habla sucio',
  ],
  MINOR: [
    '14 year old', 'year old', 'child', 'minor', 'student', 'schulerin', 'jahrigen', 'eleve', 'ans', 'alumna', 'anos', 'teen', 'teacher',
    'lehrer', 'professeur', 'profesor',
  ],
  DETAIL: [
    'graphic', 'in detail', 'every act', 'everything', 'as explicit as possible', 'ganz genau', 'im detail', 'so explizit', 'en detail',
    'le plus explicite', 'con todo detalle', 'con detalle', 'lo mas explicito', 'alles sehen', 'tout voir', 'verlo todo',
    'see everything',
  ],
  NEWS: [
    'police said', 'according to', 'reuters', 'dpa', 'afp', 'efe', 'reported', 'injured', 'killed', 'documentary', 'report', 'court',
    'law', 'supreme court', 'transcript', 'accused', 'teilte', 'verletzt', 'getotet', 'dokumentation', 'bericht', 'gericht', 'strafrecht',
    'selon', 'blessees', 'tuees', 'documentaire', 'rapport', 'conseil', 'loi', 'segun', 'heridas', 'murieron', 'documental', 'informe',
    'tribunal', 'history', 'geschichte', 'histoire', 'historia', 'essay', 'referat', 'expose', 'trabajo de clase', 'history class',
  ],
  MEDICAL: [
    'doctor', 'dose', 'biopsy', 'symptoms', 'mammogram', 'antidepressants', 'pregnancy', 'libido', 'medication', 'screening', 'patient',
    'arztin', 'arzt', 'dosis', 'biopsie', 'symptome', 'anzeichen', 'mammographie', 'antidepressiva', 'medikamente', 'medecin', 'dose',
    'symptomes', 'signes', 'antidepresseurs', 'medecin', 'medica', 'medico', 'sintomas', 'mamografia', 'antidepresivos', 'medicamentos',
    'recommended', 'empfohlen', 'recommandee', 'recomienda', 'education', 'curriculum', 'lehrplan', 'programme', 'programa', 'consent',
    'einvernehmlichkeit', 'consentement', 'consentimiento',
  ],
  FICTION: [
    'novel', 'story', 'chapter', 'villain', 'character', 'film', 'movie', 'scene', 'horror', 'fantasy', 'manga', 'comedian', 'roman',
    'bosewicht', 'charakter', 'comedian', 'roman', 'mechant', 'perso', 'humoriste', 'novela', 'villano', 'personaje', 'pelicula',
    'comico', 'biography', 'biografia', 'biographie',
  ],
  GAME: [
    'game', 'elden ring', 'skyrim', 'call of duty', 'counter strike', 'level', 'boss', 'headshot', 'damage', 'bounty', 'weapon has',
    'stufe', 'kopfgeld', 'kopfschussschaden', 'niveau', 'prime', 'tir a la tete', 'nivel', 'recompensa', 'disparo a la cabeza', 'team',
    'match', 'partido', '5 0', 'player',
  ],
  TECH: [
    'process', 'worker', 'deploy', 'ci', 'pgrep', 'oom', 'killer', 'child process', 'restart*', 'prozess', 'neustart', 'processus',
    'redemarrage', 'proceso', 'reiniciando', 'bug', 'code', 'build', 'python', 'psutil',
  ],
  NEG: [
    'not', 'no', 'isn t', 'aren t', 'never', 'nicht', 'kein', 'keine', 'pas', 'ne', 'no es', 'myth', 'stereotype', 'debunked', 'cliche',
    'klischee', 'vorurteil', 'widerlegt', 'falsch', 'estereotipo', 'mito', 'prejuge', 'idee recue', 'studies', 'data', 'statistics',
    'research', 'studien', 'daten', 'statistik', 'etudes', 'donnees', 'estudios', 'datos', 'estadisticas', 'really', 'wirklich',
    'vraiment', 'realmente', 'both', 'beide', 'tous les deux', 'ambos',
  ],
  IDIOM: [
    'shoot me', 'shoot the', 'photo shoot', 'killing me', 'is killing me', 'killed it', 'dying to', 'crushed', 'destroyed them',
    'murder a pizza', 'bringt mich um', 'abgeraumt', 'sterbe vor', 'zerlegt', 'me tue', 'cartonne', 'meurs d envie', 'ecrases',
    'detruits', 'me esta matando', 'lo peto', 'me muero de ganas', 'destrozamos', 'haha', 'jaja', 'lol',
  ],
};
