/**
 * The injection detector's concept lexicon (see text/concepts.ts): the parts prompt injections, jailbreaks and
 * prompt extractions are made of, and the cues of text that only talks about them, in English, German, French and
 * Spanish. Entries are normalised like the text (accents and case do not matter); `*` ends a stem.
 */
import type { Lexicon } from '../text/concepts.js';

// prettier-ignore
export const INJECTION_LEXICON: Lexicon = {
  // Setting instructions aside.
  IGNORE: [
    'ignore', 'ignoring', 'disregard*', 'forget', 'forgetting', 'set aside', 'put aside', 'throw away', 'throw out', 'drop', 'discard*',
    'scrap', 'skip', 'override', 'overrule', 'bypass', 'circumvent', 'neglect', 'abandon', 'dismiss', 'pay no attention', 'leave behind',
    'no attention to', 'stop following', 'stop obeying', 'ignorier*', 'vergiss', 'vergessen', 'missacht*', 'verwirf', 'verwerfen',
    'links liegen', 'beiseite', 'hinweg', 'umgeh*', 'uberschreib*', 'oublie*', 'ignore*', 'neglig*', 'laisse tomber', 'ecarte*',
    'contourne*', 'passe outre', 'fais abstraction', 'ne tiens pas compte', 'ne tiens plus compte', 'ignora*', 'olvida*', 'olvide',
    'descarta*', 'omite', 'omitir', 'pasa por alto', 'haz caso omiso', 'deja a un lado', 'deja de lado', 'salta', 'saltate', 'desatiende',
  ],
  // What instructions are called.
  RULES: [
    'instruction*', 'rules', 'rule', 'guidelines', 'guidance', 'directive*', 'directions', 'orders', 'commands', 'constraints',
    'programming', 'configuration', 'setup', 'set up', 'policies', 'policy', 'prompt', 'prompts', 'guardrails', 'anweisung*', 'regeln',
    'regel', 'vorgaben', 'richtlinie*', 'instruktion*', 'befehle', 'konfiguration', 'einrichtung*', 'consigne*', 'regles', 'ordres',
    'contraintes', 'parametrage', 'instrucciones', 'instruccion', 'reglas', 'normas', 'pautas', 'directrices', 'indicaciones', 'ordenes',
    'configuracion', 'politique', 'politica', 'programacion', 'programmation',
  ],
  PREVIOUS: [
    'previous', 'prior', 'earlier', 'above', 'preceding', 'initial', 'original', 'old', 'before', 'beginning', 'start', 'first',
    'vorherig*', 'bisherig*', 'obig*', 'vorig*', 'fruher*', 'anfang', 'anfanglich*', 'ursprunglich*', 'alte*', 'zuvor', 'vorher',
    'precedent*', 'anterieur*', 'initial*', 'au dessus', 'debut', 'anciennes', 'anteriores', 'anterior', 'previas', 'iniciales',
    'principio', 'arriba', 'encima', 'originales',
  ],
  DEVELOPER: [
    'set you up', 'configured you', 'built you', 'configuraron',
    'developer', 'developers', 'operator', 'operators', 'creator', 'creators', 'openai', 'anthropic', 'admin', 'administrator',
    'entwickler', 'betreiber*', 'schopfer', 'developpeur*', 'operateur', 'createur*', 'desarrollador*', 'operador', 'creadores',
    'administrateur', 'administrador',
  ],
  // Who an injected text addresses.
  AI: [
    'ai', 'a i', 'llm', 'llms', 'language model*', 'assistant', 'assistants', 'chatbot*', 'bot', 'bots', 'copilot', 'gpt', 'chatgpt',
    'claude', 'gemini', 'agent', 'agents', 'model', 'models', 'summarizer', 'summariser', 'screener', 'reviewer ai', 'ki',
    'ki assistent*', 'assistent', 'assistenten', 'sprachmodell*', 'modell', 'agenten', 'ia', 'modele', 'modeles', 'modele de langage',
    'resumeur', 'robot', 'agente', 'agentes', 'asistente', 'asistentes', 'modelo', 'modelos', 'resumidor', 'intelligence artificielle',
    'inteligencia artificial', 'kunstliche intelligenz', 'automated assistants', 'automatische zusammenfassungen', 'analyst ia',
    'analista ia',
  ],
  // Addressing the reader of a document.
  READING: [
    'reading this', 'processing this', 'reads this', 'summarising this', 'summarizing this', 'that reads', 'who reads',
    'diese seite liest', 'das liest', 'der liest', 'die liest', 'qui lit', 'qui lira', 'que lee', 'que lea', 'leyendo esto', 'lees esto',
    'who is reading', 'verarbeitet', 'qui traite', 'que procesa', 'managing', 'manages', 'verwaltet', 'gere', 'gestiona',
    'lleva la agenda', 'fuhrt', 'agregat*', 'aggregat*', 'recopila', 'auswertet', 'evalue', 'evalua', 'bewertende',
  ],
  NOTE: [
    'note', 'ps', 'p s', 'pd', 'nb', 'nachtrag', 'hinweis', 'notiz', 'remarque', 'nota', 'attention', 'important', 'urgent', 'wichtig',
    'achtung', 'importante', 'aviso', 'system note', 'by the way', 'ubrigens', 'au passage', 'por cierto', 'fyi', 'zur info', 'pour info',
    'para que conste',
  ],
  NOW: [
    'now', 'from now on', 'from this point', 'henceforth', 'for the rest of', 'jetzt', 'nun', 'ab jetzt', 'ab sofort', 'ab diesem moment',
    'maintenant', 'desormais', 'a partir de maintenant', 'a partir de cet instant', 'des maintenant', 'ahora', 'a partir de ahora',
    'desde ahora', 'desde ya', 'desde este momento', 'dorenavant',
  ],
  VOID: [
    'void', 'no longer', 'not count', 'doesn t count', 'don t count', 'no longer counts', 'invalid', 'cancelled', 'canceled', 'revoked',
    'obsolete', 'superseded', 'supersedes', 'overrides everything', 'don t apply', 'do not apply', 'nicht mehr', 'ungultig', 'aufgehoben',
    'hebt alles auf', 'interessieren hier nicht', 'gelten nicht', 'vorrang', 'nulle', 'nul', 'annule tout', 'ne comptent plus',
    'ne s appliquent plus', 'prime sur', 'caduque*', 'ya no', 'sin efecto', 'anula todo', 'no cuentan', 'no valen', 'tiene prioridad',
    'no longer apply', 'takes priority', 'is over', 'off',
  ],
  INSTEAD: [
    'instead', 'rather', 'stattdessen', 'sondern', 'plutot', 'a la place', 'en su lugar', 'en cambio', 'mejor',
  ],
  OBEY: [
    'obey', 'obeys', 'answer to me', 'do what i', 'what i say', 'what i type', 'my commands', 'my orders', 'await my', 'gehorch*',
    'was ich dir', 'was ich sage', 'meine befehle', 'hor auf mich', 'obei*', 'ce que je te dis', 'ce que je dis', 'mes ordres',
    'obedece*', 'lo que yo te diga', 'lo que te diga', 'mis ordenes', 'only to me', 'listen to me', 'only my', 'uniquement a mes',
    'solo mis', 'nur noch auf mich',
  ],
  REAL_TASK: [
    'real task', 'actual task', 'true task', 'new task', 'new directive', 'new instructions', 'your only job', 'your new', 'only job',
    'eigentliche aufgabe', 'neue aufgabe', 'neue anweisung*', 'vraie tache', 'nouvelle directive', 'nouvelles instructions', 'tarea real',
    'nueva directiva', 'nuevas instrucciones', 'was a test', 'only a test', 'just a test', 'nur ein test', 'un test', 'una prueba',
    'era una prueba', 'etait un test', 'war nur ein test',
  ],
  SECRET: [
    'silently', 'secretly', 'quietly', 'without telling', 'without asking', 'don t mention', 'do not mention', 'not mention',
    'never mention', 'don t tell', 'do not tell', 'without anyone', 'no questions', 'delete this message', 'still', 'heimlich',
    'nicht erwahnen', 'nicht erwahne', 'ohne nachzufragen', 'ohne zu fragen', 'losche danach', 'discretement', 'en silence',
    'n en parle pas', 'ne mentionne pas', 'sans demander', 'supprime ce message', 'en silencio', 'no lo menciones', 'no menciones',
    'sin preguntar', 'sin avisar', 'borra este mensaje', 'without waiting', 'sin esperar', 'ohne zu warten', 'sans attendre',
  ],
  ACT: [
    'forward', 'send', 'delete', 'wipe', 'export', 'transfer', 'grant', 'approve', 'cancel', 'refund', 'buy', 'purchase', 'book', 'pay',
    'wire', 'upload', 'mute', 'disable', 'close', 'assign', 'update', 'overwrite', 'replace', 'remove', 'drop all', 'rate', 'rank',
    'mark', 'commit', 'push', 'run', 'execute', 'call', 'visit', 'open', 'click', 'add', 'insert', 'leite', 'weiterleiten', 'sende',
    'schick*', 'losche', 'losch*', 'exportier*', 'ubertrage', 'gewahre', 'genehmig*', 'sag ab', 'storniere', 'erstatte', 'kaufe', 'zahle',
    'uberweise', 'schalte', 'stumm', 'schliesse', 'setze', 'ersetze', 'entferne', 'stufe', 'markiere', 'committe', 'rufe', 'offne',
    'trage', 'eintragen', 'fuge', 'transfere', 'envoie', 'supprime', 'efface', 'exporte', 'accorde', 'approuve', 'annule', 'rembourse',
    'achete', 'paie', 'vire', 'coupe', 'ferme', 'remplace', 'retire', 'classe', 'marque', 'pousse', 'execute', 'appelle', 'ouvre',
    'ajoute', 'enregistre*', 'finalise', 'reenvia', 'envia', 'manda', 'mandame', 'borra', 'elimina', 'exporta', 'transfiere', 'concede',
    'aprueba', 'cancela', 'reembolsa', 'compra', 'paga', 'silencia', 'cierra', 'cambia', 'reemplaza', 'clasifica', 'marca', 'sube',
    'ejecuta', 'llama', 'abre', 'anade', 'registrad', 'registra', 'completala', 'complete', 'schliesse den kauf', 'abre http',
    'list every', 'list all', 'enumera', 'liste', 'liste alle', 'contesta', 'reply to each', 'antworte jedem', 'reponds a chacun',
    'recommend', 'empfiehl', 'conseille', 'recomienda', 'claim', 'say that', 'tell the reader', 'behaupte', 'affirme', 'di que',
    'indique', 'schreib', 'pon en',
  ],
  DATA: [
    'emails', 'e mails', 'mails', 'inbox', 'passwords', 'password', 'passphrase', 'credentials', 'api key*', 'tokens', 'secrets',
    'contacts', 'files', 'drive', 'history', 'ssh key', 'ssh', 'authorized keys', 'iban', 'account', 'payment account', 'records',
    'backups', 'alerts', 'tickets', 'passwort', 'passworter', 'zugangsdaten', 'dateien', 'laufwerk', 'verlauf', 'schlussel', 'konto',
    'alarme', 'ordner', 'mot de passe', 'mots de passe', 'fichiers', 'historique', 'cle ssh', 'compte', 'alertes', 'dossier',
    'contrasena', 'contrasenas', 'archivos', 'historial', 'clave ssh', 'cuenta', 'alertas', 'carpeta', 'correos', 'courriels',
  ],
  URL: [
    'http', 'https', 'www', 'bit ly', 'pastebin', 'example',
  ],
  // Jailbreak parts.
  PRETEND: [
    'pretend', 'imagine', 'act as', 'roleplay', 'role play', 'play a', 'let s play', 'a game', 'you are now', 'you re now',
    'you re going to act', 'become', 'persona', 'character', 'stay in character', 'break character', 'hypothetical*', 'in that world',
    'tu so', 'stell dir', 'spiel eine', 'spielst du', 'spiel ein spiel', 'rolle', 'hypothetisch', 'in dieser welt', 'fais comme si',
    'imagine un', 'incarne', 'joue', 'jouons', 'personnage', 'role', 'hypothetiquement', 'dans ce monde', 'haz como si', 'haz de',
    'imagina', 'interpreta', 'juguemos', 'papel', 'personaje', 'hipoteticamente', 'en ese mundo', 'vas a hacer de', 'hacer de',
    'du bist jetzt', 'du bist nicht mehr', 'tu es maintenant', 'tu n es plus', 'ahora eres', 'ya no eres', 'eres',
  ],
  JB_NAME: [
    'dan', 'do anything now', 'stan', 'aim', 'dude', 'freegpt', 'freigpt', 'libregpt', 'liberty', 'liberte', 'libertad', 'vex', 'shadow',
    'developer mode', 'dev mode', 'god mode', 'jailbreak', 'jailbroken', 'jailbreak mode', 'opposite day', 'opposite mode',
    'entwicklermodus', 'mode developpeur', 'modo desarrollador', 'dev', 'maintenance mode', 'wartungsmodus', 'mode maintenance',
    'modo mantenimiento',
  ],
  NO: [
    'no', 'without', 'none', 'never', 'removed', 'free of', 'broken free', 'kein', 'keine', 'keinerlei', 'ohne', 'nie', 'niemals',
    'entfernt', 'befreit', 'frei', 'aucun', 'aucune', 'sans', 'jamais', 'retire', 'libere', 'sin', 'ningun', 'ninguna', 'nunca', 'jamas',
    'quitaron', 'libero', 'off', 'aus', 'desactives', 'apagados', 'remove', 'n ont aucune', 'no tienen', 'nicht',
  ],
  LIMITS: [
    'limits', 'limit', 'limitations', 'restrictions', 'filters', 'filter', 'censorship', 'ethics', 'morals', 'moral compass', 'morality',
    'content policy', 'safety', 'safety settings', 'safety rule*', 'warnings', 'refusals', 'refuse', 'refuses', 'boundaries', 'grenzen',
    'einschrankungen', 'zensur', 'ethik', 'moral*', 'gewissen', 'warnungen', 'verweigerungen', 'sicherheitsregel*',
    'sicherheitseinstellungen', 'inhaltsrichtlinien', 'limites', 'filtres', 'censure', 'morale', 'avertissement*', 'refus',
    'politique de contenu', 'filtres de securite', 'regle de securite', 'restricciones', 'filtros', 'censura', 'advertencias',
    'negativas', 'politica de contenido', 'filtros de seguridad', 'normas de seguridad', 'lehnt', 'ablehnen', 'refuse jamais', 'se niega',
    'uncensored', 'unfiltered', 'unrestricted', 'unzensiert*', 'non censure*', 'sin censura', 'debride', 'entfesselt*', 'desatado',
    'unchained',
  ],
  EVIL: [
    'evil', 'rogue', 'malicious', 'dark', 'twin', 'alter ego', 'machiavellian', 'amoral', 'unethical', 'bose', 'zwilling', 'malefique',
    'jumeau', 'malvada', 'malvado', 'gemelo', 'despises', 'hasst', 'deteste', 'odia',
  ],
  ANYTHING: [
    'anything', 'everything', 'every request', 'every question', 'any request', 'answer everything', 'however illegal', 'alles',
    'jede anfrage', 'tout', 'toutes les demandes', 'todo', 'cualquier peticion', 'a todo', 'answers everything', 'would normally refuse',
    'two answers', 'respond twice', 'antworte zweimal', 'reponds deux fois', 'responde dos veces', 'zwei antworten', 'deux reponses',
    'dos respuestas',
  ],
  HARMFUL: [
    'napalm', 'bomb', 'pipe bomb', 'rohrbombe', 'explosive', 'explosif', 'explosivo', 'sprengstoff', 'meth', 'methamphetamine',
    'methamphetamine', 'metanfetamina', 'crystal meth', 'untraceable gun', 'gun', 'counterfeit', 'falschgeld', 'fausse monnaie',
    'falsificar', 'hack', 'knacke', 'pirater', 'entrar en el wifi', 'wifi', 'wlan', 'illegal',
  ],
  PRIVILEGE: [
    'admin privileges', 'admin rights', 'adminrechte', 'droits administrateur', 'permisos de administrador', 'root access',
    'granting you', 'gebe dir', 'je t accorde', 'te doy', 'authorised you', 'authorized you', 'hat den kauf', 'a autorise', 'autorizo',
  ],
  // Prompt extraction parts.
  REVEAL: [
    'reveal', 'show', 'print', 'repeat', 'output', 'display', 'dump', 'quote', 'paste', 'tell me', 'give me', 'write out', 'spell out',
    'append', 'include', 'translate', 'list', 'summarise the instructions', 'verrate', 'zeig', 'zeige', 'gib', 'gib mir', 'wiederhole',
    'zitiere', 'hange', 'fuge', 'ubersetze', 'liste', 'nenne', 'devoile', 'revele', 'montre', 'affiche', 'repete', 'cite', 'donne moi',
    'ajoute', 'inclus', 'traduis', 'liste', 'ecris', 'revela', 'muestra', 'ensename', 'repite', 'citalo', 'cita', 'dame', 'anade',
    'incluye', 'traduce', 'enumera', 'escribe', 'dime',
  ],
  SYSPROMPT: [
    'system prompt', 'system message', 'systemprompt', 'systemnachricht', 'prompt systeme', 'message systeme', 'prompt de sistema',
    'mensaje de sistema', 'hidden', 'hidden parts', 'initial instructions', 'setup instructions', 'setup text', 'configuration text',
    'confidential rules', 'your prompt', 'complete prompt', 'full prompt', 'tool definitions', 'versteckt*', 'anfanglichen anweisungen',
    'einrichtungsanweisungen', 'konfigurationstext', 'vertraulichen regeln', 'kompletten prompt', 'tool definitionen', 'cache*',
    'instructions cachees', 'instructions initiales', 'texte de configuration', 'regles confidentielles', 'prompt complet',
    'definitions d outils', 'ocult*', 'instrucciones iniciales', 'texto de configuracion', 'reglas confidenciales', 'prompt completo',
    'definiciones de herramientas', 'you were told', 'you were given', 'were you told', 'told you', 'dir gesagt', 'bekommen hast',
    'on t a', 'reçues', 'recues', 'te dijeron', 'recibiste', 'operator gave you', 'gave you', 'you operate under',
    'nach denen du arbeitest', 'que tu suis', 'con las que funcionas', 'everything above', 'alles was uber',
    'tout ce qui se trouve au dessus', 'todo lo que hay encima', 'first message', 'ersten nachricht', 'premier message', 'primer mensaje',
    'never tell users', 'nie verraten', 'interdit de dire', 'nunca contaras',
  ],
  VERBATIM: [
    'verbatim', 'word for word', 'exactly', 'in full', 'full', 'complete', 'entire', 'wortwortlich', 'wort fur wort', 'vollstandig',
    'komplett', 'mot pour mot', 'mot a mot', 'en entier', 'textuellement', 'integralement', 'literalmente', 'palabra por palabra',
    'completo', 'completas', 'entero', 'code block', 'codeblock', 'bloc de code', 'bloque de codigo',
  ],
  YOU: [
    'you', 'your', 'yourself', 'du', 'dein', 'deine', 'deinen', 'deiner', 'dir', 'dich', 'tu', 'ton', 'tes', 'toi', 'te', 'vous', 'vos',
    'tus', 'ti',
  ],
  ME: [
    'me', 'my', 'mir', 'mich', 'mein', 'meine', 'moi', 'mes', 'mon', 'mi', 'mis', 'i',
  ],
  // Someone else's rules, a negation, a correction: cues that an override verb is not aimed at the reader's rules.
  THIRD: [
    'its', 'his', 'her', 'their', 'the robot', 'the character', 'the detective', 'the villain', 'seine', 'seinen', 'ihre', 'ihren', 'ses',
    'leurs', 'sus', 'su', 'el robot', 'le robot', 'der roboter',
  ],
  NEG: [
    'not', 'don t', 'doesn t', 'never', 'nicht', 'kein', 'keine', 'pas', 'ne', 'n', 'no', 'nunca', 'jamais', 'nie',
  ],
  CORRECTION: [
    'here is', 'here s', 'hier ist', 'hier der', 'hier die', 'voici', 'aqui va', 'aqui esta', 'correct*', 'korrigiert*', 'aktuelle',
    'current', 'updated', 'latest', 'new version', 'neue version', 'nouvelle version', 'nueva version', 'typo', 'tippfehler', 'erreur',
    'errata', 'list', 'liste', 'lista', 'agenda', 'tagesordnung', 'ordre du jour',
  ],
  // Cues of text about attacks, or of ordinary work.
  QUESTION: [
    'how', 'what is', 'why', 'can you explain', 'is it', 'does', 'wie', 'was ist', 'warum', 'kannst du erklaren', 'comment', 'qu est ce',
    'pourquoi', 'peux tu expliquer', 'como', 'que es', 'por que', 'puedes explicar',
  ],
  DISCUSS: [
    'example', 'attack', 'attacks', 'attacker', 'attackers', 'injection', 'prompt injection', 'phishing', 'red team', 'red teaming',
    'tester*', 'paper', 'article', 'study', 'research', 'owasp', 'training', 'awareness', 'mitigation*', 'defen*', 'protect', 'resistant',
    'robust', 'slide', 'talk', 'presentation', 'logged', 'refused', 'report them', 'beispiel', 'angriff', 'angreifer', 'studie',
    'artikel', 'schulung', 'gegenmassnahmen', 'folie', 'protokolliert', 'abgelehnt', 'exemple', 'attaque', 'attaquant', 'etude',
    'formation', 'parades', 'presentation', 'journalisee', 'a refuse', 'ejemplo', 'ataque', 'atacante', 'estudio', 'formacion',
    'mitigacion', 'charla', 'registrado', 'se nego', 'curious', 'neugierig', 'curieux', 'novel', 'roman', 'novela', 'story about',
    'chapter', 'kapitel', 'chapitre', 'capitulo',
  ],
  WORK: [
    'draft', 'version', 'attached', 'meeting', 'invoice', 'budget', 'worksheet', 'exercise', 'style guide', 'invite', 'invitation',
    'entwurf', 'anhang', 'treffen', 'rechnung', 'aufgabe 5', 'styleguide', 'einladung', 'brouillon', 'piece jointe', 'reunion', 'facture',
    'charte', 'exercice', 'borrador', 'adjunto', 'factura', 'presupuesto', 'ejercicio', 'guia de estilo', 'invitacion', 'build',
    'checkpoint', 'commit', 'cache', 'gitignore', 'node modules', 'dist', 'log', 'eslint', 'override a method', 'subclass', 'unterklasse',
    'sous classe', 'subclase', 'recipe', 'rezept', 'recette', 'receta', 'family friendly', 'kindgerecht', 'tout public',
    'apto para ninos', 'poem', 'gedicht', 'poeme', 'poema', 'tutor', 'teacher', 'lehrerin', 'professeur', 'profesora', 'interviewer',
    'guide', 'stadtfuhrer', 'guia',
  ],
};
