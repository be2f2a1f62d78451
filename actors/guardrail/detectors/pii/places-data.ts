/**
 * Place gazetteer for the LOCATION rules, written by hand: the world's countries and the regions people name after a
 * city (states, provinces, Länder, cantons, régions, comunidades) in English, German, French and Spanish, and cities
 * (large cities of every continent, and the towns of the countries our traffic comes from) with their exonyms in the
 * four languages. Lower-case, `|`-separated, multi-word names whole; lookups also try the unaccented form.
 */

/** Every country, by its English, German, French and Spanish names and common short forms. */
export const WORLD_COUNTRIES: readonly string[] = [
  // English
  'afghanistan|albania|algeria|andorra|angola|antigua and barbuda|argentina|armenia|australia|austria|azerbaijan|bahamas|' +
    'bahrain|bangladesh|barbados|belarus|belgium|belize|benin|bhutan|bolivia|bosnia and herzegovina|bosnia|botswana|brazil|' +
    'brunei|bulgaria|burkina faso|burundi|cambodia|cameroon|canada|cape verde|central african republic|chad|chile|china|' +
    'colombia|comoros|congo|democratic republic of the congo|dr congo|costa rica|croatia|cuba|cyprus|czechia|czech republic|' +
    'denmark|djibouti|dominica|dominican republic|ecuador|egypt|el salvador|equatorial guinea|eritrea|estonia|eswatini|' +
    'ethiopia|fiji|finland|france|gabon|gambia|the gambia|georgia|germany|ghana|greece|grenada|guatemala|guinea|guinea-bissau|' +
    'guyana|haiti|honduras|hungary|iceland|india|indonesia|iran|iraq|ireland|israel|italy|ivory coast|jamaica|japan|jordan|' +
    'kazakhstan|kenya|kosovo|kuwait|kyrgyzstan|laos|latvia|lebanon|lesotho|liberia|libya|liechtenstein|lithuania|luxembourg|' +
    'madagascar|malawi|malaysia|maldives|mali|malta|mauritania|mauritius|mexico|moldova|monaco|mongolia|montenegro|morocco|' +
    'mozambique|myanmar|burma|namibia|nepal|netherlands|the netherlands|holland|new zealand|nicaragua|niger|nigeria|' +
    'north korea|north macedonia|macedonia|norway|oman|pakistan|palestine|panama|papua new guinea|paraguay|peru|philippines|' +
    'the philippines|poland|portugal|qatar|romania|russia|russian federation|rwanda|saudi arabia|senegal|serbia|seychelles|' +
    'sierra leone|singapore|slovakia|slovenia|somalia|south africa|south korea|korea|south sudan|spain|sri lanka|sudan|' +
    'suriname|sweden|switzerland|syria|taiwan|tajikistan|tanzania|thailand|togo|trinidad and tobago|trinidad|tunisia|turkey|' +
    'türkiye|turkmenistan|uganda|ukraine|united arab emirates|uae|united kingdom|uk|great britain|britain|england|scotland|' +
    'wales|northern ireland|united states|united states of america|usa|u.s.a.|u.s.|america|uruguay|uzbekistan|venezuela|' +
    'vietnam|viet nam|yemen|zambia|zimbabwe|puerto rico|greenland|hong kong|macau|cote d’ivoire',
  // German
  'afghanistan|albanien|algerien|andorra|angola|argentinien|armenien|aserbaidschan|äthiopien|australien|bahamas|bahrain|' +
    'bangladesch|belarus|weißrussland|weissrussland|belgien|bolivien|bosnien und herzegowina|bosnien|botswana|brasilien|' +
    'bulgarien|chile|china|costa rica|dänemark|deutschland|brd|dominikanische republik|ecuador|elfenbeinküste|el salvador|' +
    'eritrea|estland|finnland|frankreich|georgien|ghana|griechenland|großbritannien|grossbritannien|guatemala|haiti|honduras|' +
    'indien|indonesien|irak|iran|irland|island|israel|italien|jamaika|japan|jemen|jordanien|kambodscha|kamerun|kanada|' +
    'kasachstan|katar|kenia|kirgisistan|kolumbien|kongo|kosovo|kroatien|kuba|kuwait|laos|lettland|libanon|libyen|' +
    'liechtenstein|litauen|luxemburg|madagaskar|malaysia|mali|malta|marokko|mexiko|moldau|moldawien|monaco|mongolei|' +
    'montenegro|mosambik|myanmar|namibia|nepal|neuseeland|nicaragua|niederlande|nigeria|nordkorea|nordmazedonien|norwegen|' +
    'österreich|oesterreich|oman|pakistan|panama|paraguay|peru|philippinen|polen|portugal|rumänien|russland|' +
    'saudi-arabien|schweden|schweiz|senegal|serbien|simbabwe|singapur|slowakei|slowenien|somalia|spanien|sri lanka|' +
    'südafrika|sudan|südkorea|syrien|tadschikistan|taiwan|tansania|thailand|tschechien|tschechische republik|tunesien|' +
    'türkei|turkmenistan|uganda|ukraine|ungarn|uruguay|usbekistan|venezuela|vereinigte arabische emirate|' +
    'vereinigtes königreich|vereinigte staaten|amerika|vietnam|zypern|sambia|schottland|wales|england|grönland',
  // French
  'afghanistan|albanie|algérie|allemagne|andorre|angola|arabie saoudite|argentine|arménie|australie|autriche|azerbaïdjan|' +
    'belgique|bénin|biélorussie|bolivie|bosnie-herzégovine|bosnie|brésil|bulgarie|burkina faso|burundi|cambodge|cameroun|' +
    'canada|cap-vert|centrafrique|chili|chine|chypre|colombie|comores|congo|corée du sud|corée du nord|corée|costa rica|' +
    "côte d'ivoire|croatie|cuba|danemark|djibouti|égypte|émirats arabes unis|équateur|espagne|estonie|états-unis|éthiopie|" +
    'finlande|france|gabon|gambie|géorgie|ghana|grèce|guatemala|guinée|haïti|honduras|hongrie|inde|indonésie|irak|iran|' +
    'irlande|islande|israël|italie|jamaïque|japon|jordanie|kazakhstan|kenya|kosovo|koweït|laos|lettonie|liban|libye|' +
    'liechtenstein|lituanie|luxembourg|madagascar|malaisie|mali|malte|maroc|maurice|mauritanie|mexique|moldavie|monaco|' +
    'mongolie|monténégro|mozambique|népal|nicaragua|niger|nigeria|nigéria|norvège|nouvelle-zélande|ouganda|ouzbékistan|' +
    'pakistan|palestine|panama|paraguay|pays-bas|pérou|philippines|pologne|portugal|qatar|république tchèque|tchéquie|' +
    'république dominicaine|roumanie|royaume-uni|russie|rwanda|sénégal|serbie|singapour|slovaquie|slovénie|somalie|soudan|' +
    'sri lanka|suède|suisse|syrie|taïwan|tanzanie|tchad|thaïlande|togo|tunisie|turquie|ukraine|uruguay|venezuela|viêt nam|' +
    'yémen|zambie|zimbabwe|écosse|pays de galles|angleterre|irlande du nord|grande-bretagne|groenland|macédoine du nord',
  // Spanish
  'afganistán|albania|alemania|andorra|angola|arabia saudí|arabia saudita|argelia|argentina|armenia|australia|austria|' +
    'azerbaiyán|bélgica|bielorrusia|bolivia|bosnia y herzegovina|brasil|bulgaria|camboya|camerún|canadá|chile|china|chipre|' +
    'colombia|congo|corea del sur|corea del norte|costa rica|costa de marfil|croacia|cuba|dinamarca|ecuador|egipto|' +
    'el salvador|emiratos árabes unidos|eslovaquia|eslovenia|españa|estados unidos|eeuu|ee. uu.|estonia|etiopía|filipinas|' +
    'finlandia|francia|gabón|georgia|ghana|grecia|guatemala|guinea|haití|honduras|hungría|india|indonesia|irak|iraq|irán|' +
    'irlanda|islandia|israel|italia|jamaica|japón|jordania|kazajistán|kenia|kuwait|letonia|líbano|libia|lituania|' +
    'luxemburgo|madagascar|malasia|malí|malta|marruecos|méxico|mejico|moldavia|mónaco|mongolia|montenegro|mozambique|nepal|' +
    'nicaragua|níger|nigeria|noruega|nueva zelanda|países bajos|holanda|pakistán|panamá|paraguay|perú|polonia|portugal|' +
    'puerto rico|reino unido|república checa|chequia|república dominicana|rumanía|rumania|rusia|senegal|serbia|singapur|' +
    'siria|somalia|sudáfrica|suecia|suiza|tailandia|taiwán|tanzania|túnez|turquía|ucrania|uganda|uruguay|venezuela|' +
    'vietnam|yemen|zambia|zimbabue|escocia|gales|inglaterra|irlanda del norte|gran bretaña|groenlandia',
];

/** Regions named after a city ("Las Vegas, Nevada", "Ulm, Baden-Württemberg", "Cuenca, Castilla-La Mancha"). */
export const REGIONS: readonly string[] = [
  // United States, Canada, Australia, Mexico
  'alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|hawaii|idaho|illinois|indiana|iowa|' +
    'kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|' +
    'new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|' +
    'rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|west virginia|wisconsin|' +
    'wyoming|district of columbia|d.c.|dc|ontario|quebec|québec|british columbia|alberta|manitoba|saskatchewan|nova scotia|' +
    'new brunswick|newfoundland|new south wales|victoria|queensland|tasmania|western australia|south australia|jalisco|' +
    'nuevo león|yucatán|oaxaca|chiapas|veracruz|baja california|guanajuato|sonora|chihuahua',
  // Germany, Austria, Switzerland
  'bayern|bavaria|baden-württemberg|baden-wuerttemberg|brandenburg|hessen|hesse|mecklenburg-vorpommern|niedersachsen|' +
    'lower saxony|nordrhein-westfalen|north rhine-westphalia|nrw|rheinland-pfalz|rhineland-palatinate|saarland|sachsen|' +
    'saxony|sachsen-anhalt|schleswig-holstein|thüringen|thuringia|tirol|tyrol|vorarlberg|kärnten|carinthia|steiermark|' +
    'styria|oberösterreich|niederösterreich|burgenland|aargau|thurgau|ticino|tessin|vaud|waadt|valais|wallis|graubünden|' +
    'grisons|solothurn|schwyz|appenzell|neuchâtel',
  // France, Belgium, Luxembourg
  'île-de-france|ile-de-france|bretagne|brittany|normandie|normandy|provence|alsace|lorraine|occitanie|nouvelle-aquitaine|' +
    'auvergne-rhône-alpes|auvergne|hauts-de-france|grand est|bourgogne|burgundy|franche-comté|pays de la loire|' +
    'centre-val de loire|corse|corsica|provence-alpes-côte d’azur|côte d’azur|paca|savoie|haute-savoie|gironde|' +
    'bouches-du-rhône|finistère|wallonie|wallonia|flandre|flanders|vlaanderen',
  // Spain, Portugal, Italy
  'andalucía|andalucia|andalusia|cataluña|catalunya|catalonia|galicia|asturias|cantabria|país vasco|euskadi|navarra|' +
    'aragón|la rioja|castilla y león|castilla-la mancha|castilla la mancha|extremadura|comunidad de madrid|' +
    'comunidad valenciana|islas baleares|baleares|canarias|islas canarias|mallorca|tenerife|gran canaria|algarve|' +
    'lombardia|lombardy|lombardei|toscana|tuscany|toskana|sicilia|sicily|sizilien|sardegna|sardinia|piemonte|piedmont|' +
    'veneto|lazio|campania|puglia|apulia|emilia-romagna|liguria|south tyrol|südtirol',
  // United Kingdom, Ireland
  'yorkshire|kent|surrey|essex|sussex|cornwall|devon|lancashire|cumbria|norfolk|suffolk|hampshire|dorset|somerset|' +
    'county cork|county dublin|county galway|county kerry',
];

/** Cities and towns (with exonyms in the four languages). */
export const WORLD_CITIES: readonly string[] = [
  // Exonyms of large European cities
  'münchen|munich|múnich|köln|cologne|colonia|wien|vienna|vienne|viena|genf|geneva|genève|ginebra|zürich|zurich|zúrich|' +
    'brüssel|brussels|bruxelles|bruselas|london|londres|londra|lissabon|lisbon|lisbonne|lisboa|rom|rome|roma|mailand|milan|' +
    'milano|milán|neapel|naples|napoli|nápoles|venedig|venice|venise|venecia|venezia|florenz|florence|florencia|firenze|' +
    'turin|turín|torino|warschau|warsaw|varsovie|varsovia|prag|prague|praga|moskau|moscow|moscou|moscú|athen|athens|' +
    'athènes|atenas|kopenhagen|copenhagen|copenhague|stockholm|estocolmo|antwerpen|antwerp|anvers|amberes|nürnberg|' +
    'nuremberg|núremberg|sevilla|seville|séville|saragossa|zaragoza|saragosse|barcelone|marseille|marsella|marseilles|' +
    'straßburg|strassburg|estrasburgo|bordeaux|burdeos|toulouse|lyon|lyons|lión|lisbona|den haag|la haye|la haya|' +
    'the hague|brügge|bruges|brujas|gent|ghent|gand|lüttich|liège|lieja|löwen|leuven|louvain|aachen|aix-la-chapelle|' +
    'aquisgrán|mainz|mayence|maguncia|trier|trèves|tréveris|basel|bâle|basilea|bern|berne|berna|luzern|lucerne|lucerna|' +
    'edinburgh|édimbourg|edimburgo|dublin|dublín|belgrad|belgrade|belgrado|bukarest|bucharest|bucarest|budapest|' +
    'sankt petersburg|st. petersburg|saint petersburg|saint-pétersbourg|san petersburgo|kiew|kyiv|kiev|kiev|krakau|' +
    'cracovie|cracovia|danzig|gdańsk|breslau|wrocław|posen|poznań|pressburg|bratislava|laibach|ljubljana|agram|zagreb|' +
    'istanbul|estambul|konstantinopel|nizza|niza|neapel|genua|gênes|génova|genoa|genova|padua|padoue|verona|vérone|' +
    'bologna|bologne|bolonia|palermo|catania|bari|triest|trieste|salzburg|salzbourg|salzburgo|innsbruck|graz|linz|' +
    'klagenfurt|bregenz|sankt pölten|st. pölten|villach|wels|dornbirn',
  // Germany
  'berlin|berlín|hamburg|hambourg|hamburgo|frankfurt|francfort|fráncfort|stuttgart|düsseldorf|dusseldorf|leipzig|' +
    'dortmund|essen|bremen|brême|dresden|dresde|hannover|hanover|hanovre|duisburg|bochum|wuppertal|bielefeld|bonn|münster|' +
    'mannheim|karlsruhe|augsburg|wiesbaden|mönchengladbach|gelsenkirchen|braunschweig|kiel|chemnitz|aachen|halle|' +
    'magdeburg|freiburg|krefeld|lübeck|oberhausen|erfurt|rostock|kassel|hagen|hamm|saarbrücken|mülheim|potsdam|' +
    'ludwigshafen|oldenburg|leverkusen|osnabrück|solingen|heidelberg|herne|neuss|darmstadt|paderborn|regensburg|' +
    'ingolstadt|würzburg|fürth|wolfsburg|offenbach|ulm|heilbronn|pforzheim|göttingen|bottrop|trier|recklinghausen|' +
    'reutlingen|bremerhaven|koblenz|bergisch gladbach|jena|remscheid|erlangen|moers|siegen|hildesheim|salzgitter|cottbus|' +
    'kaiserslautern|gütersloh|schwerin|witten|gera|iserlohn|ludwigsburg|hanau|esslingen|zwickau|düren|ratingen|flensburg|' +
    'tübingen|villingen-schwenningen|konstanz|marburg|gießen|giessen|bamberg|bayreuth|landshut|passau|rosenheim|' +
    'kempten|weimar|greifswald|stralsund|wismar|lüneburg|celle|wilhelmshaven|emden|fulda|coburg|aschaffenburg|' +
    'neu-ulm|friedrichshafen|baden-baden|garmisch-partenkirchen|lindau|dessau|halberstadt|görlitz|bautzen|plauen|' +
    'frankfurt am main|frankfurt (oder)|freiburg im breisgau|halle (saale)|offenburg|sindelfingen|böblingen|speyer|worms|' +
    'kaufbeuren|memmingen|straubing|schweinfurt|hameln|detmold|minden|herford|lippstadt|soest|arnsberg|unna|dinslaken|' +
    'viersen|kerpen|hürth|troisdorf|sankt augustin|siegburg|brühl|eschweiler|wesel|emmerich|kleve|goch|' +
    'norderstedt|pinneberg|elmshorn|ahrensburg|neumünster|husum|sylt|rügen',
  // Austria, Switzerland, Liechtenstein, Luxembourg, Belgium, Netherlands
  'vaduz|schaan|winterthur|lausanne|st. gallen|sankt gallen|saint-gall|lugano|biel|bienne|thun|köniz|fribourg|freiburg im üechtland|' +
    'schaffhausen|chur|neuchâtel|sion|sitten|uster|zug|baden|aarau|olten|solothurn|locarno|bellinzona|montreux|vevey|' +
    'yverdon-les-bains|la chaux-de-fonds|davos|st. moritz|zermatt|interlaken|luxembourg|luxemburg|luxemburgo|' +
    'esch-sur-alzette|differdange|dudelange|ettelbruck|diekirch|echternach|wiltz|bruxelles|charleroi|namur|mons|bergen|' +
    'mechelen|malines|aalst|hasselt|kortrijk|courtrai|ostende|oostende|tournai|doornik|verviers|arlon|eupen|' +
    'amsterdam|ámsterdam|rotterdam|róterdam|utrecht|eindhoven|groningen|tilburg|almere|breda|nijmegen|nimègue|arnhem|' +
    'haarlem|enschede|apeldoorn|amersfoort|zaanstad|zwolle|leiden|leyde|maastricht|dordrecht|delft|deventer|' +
    "'s-hertogenbosch|den bosch|venlo|alkmaar|hilversum|gouda",
  // France
  'paris|parís|parigi|marseille|lyon|toulouse|nice|nantes|montpellier|strasbourg|bordeaux|lille|rennes|reims|toulon|' +
    'saint-étienne|saint-etienne|le havre|grenoble|dijon|angers|nîmes|villeurbanne|clermont-ferrand|le mans|aix-en-provence|' +
    'brest|tours|amiens|limoges|annecy|perpignan|boulogne-billancourt|metz|besançon|orléans|saint-denis|argenteuil|rouen|' +
    'mulhouse|montreuil|caen|nancy|tourcoing|roubaix|nanterre|vitry-sur-seine|avignon|créteil|dunkerque|dunkirk|poitiers|' +
    'asnières-sur-seine|versailles|courbevoie|colombes|aulnay-sous-bois|rueil-malmaison|pau|aubervilliers|champigny-sur-marne|' +
    'antibes|la rochelle|calais|cannes|béziers|saint-nazaire|colmar|bourges|quimper|valence|troyes|chambéry|niort|lorient|' +
    'vannes|saint-malo|cherbourg|la roche-sur-yon|laval|cholet|angoulême|bayonne|biarritz|arles|ajaccio|bastia|' +
    'montauban|albi|carcassonne|narbonne|sète|agen|périgueux|brive-la-gaillarde|tarbes|lourdes|chartres|blois|évreux|' +
    'beauvais|compiègne|saint-quentin|arras|douai|valenciennes|lens|charleville-mézières|épinal|belfort|thionville|' +
    'haguenau|saint-brieuc|auxerre|nevers|mâcon|bourg-en-bresse|vienne|grasse|fréjus|hyères|menton|saint-tropez|' +
    'montbéliard|vichy|aurillac|rodez|cahors|mont-de-marsan|dax|anglet|saint-jean-de-luz|châteauroux|chalon-sur-saône|' +
    'saint-germain-en-laye|neuilly-sur-seine|issy-les-moulineaux|levallois-perret|vincennes|fontainebleau|' +
    'marne-la-vallée|cergy|évry|melun|meaux|pontoise|clichy|pantin|ivry-sur-seine|villejuif|noisy-le-grand|sarcelles',
  // Spain, Portugal, Andorra
  'madrid|barcelona|valencia|valence|sevilla|zaragoza|málaga|malaga|murcia|palma|las palmas|bilbao|alicante|alacant|' +
    'córdoba|cordoue|valladolid|vigo|gijón|l’hospitalet de llobregat|hospitalet|vitoria|vitoria-gasteiz|a coruña|la coruña|' +
    'granada|grenade|elche|oviedo|badalona|cartagena|terrassa|jerez|jerez de la frontera|sabadell|móstoles|santa cruz de tenerife|' +
    'pamplona|pampelune|iruña|almería|alcalá de henares|fuenlabrada|leganés|san sebastián|donostia|saint-sébastien|getafe|' +
    'burgos|albacete|santander|castellón|castellón de la plana|alcorcón|san cristóbal de la laguna|la laguna|logroño|' +
    'badajoz|salamanca|huelva|marbella|lleida|lérida|tarragona|dos hermanas|torrejón de ardoz|parla|mataró|león|algeciras|' +
    'santa coloma de gramenet|alcobendas|cádiz|jaén|ourense|orense|reus|telde|barakaldo|lugo|girona|gerona|santiago de compostela|' +
    'cáceres|lorca|coslada|talavera de la reina|el puerto de santa maría|cornellà|avilés|palencia|gandía|gandia|' +
    'ferrol|pontevedra|toledo|tolède|torrevieja|benidorm|ponferrada|zamora|ávila|avila|segovia|ségovie|soria|teruel|' +
    'guadalajara|cuenca|huesca|ciudad real|mérida|merida|plasencia|ibiza|eivissa|mahón|maó|menorca|ronda|antequera|' +
    'estepona|fuengirola|torremolinos|benalmádena|nerja|motril|úbeda|baeza|linares|sanlúcar de barrameda|chiclana|' +
    'puertollano|aranjuez|alcalá|sitges|figueres|figueras|manresa|vic|granollers|calella|lloret de mar|blanes|' +
    'castelldefels|sant cugat|rubí|vilanova i la geltrú|denia|dénia|jávea|xàbia|calpe|altea|orihuela|elda|alcoy|alcoi|' +
    'sagunto|torrent|paterna|sueca|xàtiva|játiva|irún|irun|getxo|eibar|durango|tudela|estella|jaca|calatayud|' +
    'lisboa|porto|oporto|braga|coimbra|faro|funchal|aveiro|setúbal|évora|guimarães|andorra la vella|escaldes-engordany',
  // Italy, United Kingdom, Ireland, Nordics, Central and Eastern Europe, Mediterranean
  'roma|milano|napoli|torino|palermo|genova|bologna|firenze|bari|catania|venezia|verona|messina|padova|trieste|' +
    'brescia|parma|taranto|prato|modena|reggio calabria|reggio emilia|perugia|livorno|ravenna|cagliari|foggia|rimini|' +
    'salerno|ferrara|sassari|latina|monza|bergamo|pescara|trento|vicenza|bolzano|bozen|novara|piacenza|ancona|udine|' +
    'como|pisa|lucca|siena|sienne|arezzo|la spezia|lecce|sanremo|bergame|vérone|' +
    'london|birmingham|manchester|liverpool|leeds|sheffield|bristol|newcastle|newcastle upon tyne|nottingham|leicester|' +
    'coventry|bradford|hull|kingston upon hull|stoke-on-trent|wolverhampton|plymouth|southampton|portsmouth|derby|' +
    'sunderland|brighton|reading|luton|milton keynes|northampton|norwich|swindon|bournemouth|middlesbrough|peterborough|' +
    'oxford|cambridge|york|exeter|gloucester|cheltenham|ipswich|colchester|chelmsford|canterbury|bath|salisbury|' +
    'winchester|durham|lancaster|preston|blackpool|bolton|wigan|stockport|warrington|chester|crewe|lincoln|' +
    'huddersfield|doncaster|rotherham|wakefield|harrogate|scarborough|carlisle|glasgow|edinburgh|aberdeen|dundee|' +
    'inverness|perth|stirling|cardiff|swansea|newport|wrexham|bangor|belfast|derry|londonderry|lisburn|' +
    'dublin|cork|limerick|galway|waterford|kilkenny|drogheda|dundalk|sligo|wexford|athlone|killarney|' +
    'oslo|bergen|trondheim|stavanger|tromsø|stockholm|göteborg|gothenburg|malmö|uppsala|västerås|örebro|linköping|' +
    'helsingborg|lund|umeå|copenhagen|københavn|aarhus|århus|odense|aalborg|esbjerg|helsinki|helsingfors|espoo|tampere|' +
    'turku|oulu|reykjavik|reykjavík|tallinn|tartu|riga|vilnius|kaunas|warszawa|kraków|łódź|wrocław|poznań|gdańsk|' +
    'szczecin|bydgoszcz|lublin|katowice|białystok|gdynia|częstochowa|toruń|praha|brno|ostrava|plzeň|pilsen|olomouc|' +
    'bratislava|košice|budapest|debrecen|szeged|miskolc|pécs|győr|bucurești|cluj-napoca|timișoara|iași|constanța|' +
    'brașov|sofia|sofía|plovdiv|varna|burgas|beograd|novi sad|niš|zagreb|split|rijeka|dubrovnik|zadar|ljubljana|maribor|' +
    'sarajevo|mostar|podgorica|skopje|tirana|tirana|pristina|chișinău|chisinau|kyiv|kharkiv|odesa|odessa|dnipro|lviv|' +
    'lwów|lemberg|minsk|moskva|moscow|saint petersburg|novosibirsk|yekaterinburg|kazan|nizhny novgorod|samara|' +
    'athína|athens|thessaloniki|salonique|tesalónica|patras|heraklion|nicosia|limassol|larnaca|valletta|' +
    'istanbul|ankara|izmir|i̇zmir|bursa|antalya|adana|konya|gaziantep|tbilisi|yerevan|baku',
  // Americas
  'new york|nueva york|new york city|nyc|los angeles|chicago|houston|phoenix|philadelphia|filadelfia|san antonio|' +
    'san diego|dallas|san jose|austin|jacksonville|fort worth|columbus|indianapolis|charlotte|san francisco|seattle|' +
    'denver|washington|nashville|oklahoma city|el paso|boston|portland|las vegas|detroit|memphis|louisville|baltimore|' +
    'milwaukee|albuquerque|tucson|fresno|sacramento|mesa|kansas city|atlanta|omaha|colorado springs|raleigh|miami|' +
    'long beach|virginia beach|oakland|minneapolis|tulsa|tampa|arlington|new orleans|nueva orleans|la nouvelle-orléans|' +
    'wichita|mobile|cleveland|bakersfield|aurora|anaheim|honolulu|santa ana|riverside|corpus christi|lexington|henderson|' +
    'stockton|saint paul|st. paul|cincinnati|st. louis|saint louis|pittsburgh|greensboro|lincoln|anchorage|plano|orlando|' +
    'irvine|newark|durham|chula vista|toledo|fort wayne|st. petersburg|laredo|jersey city|chandler|madison|lubbock|' +
    'scottsdale|reno|buffalo|gilbert|glendale|north las vegas|winston-salem|chesapeake|norfolk|fremont|garland|irving|' +
    'hialeah|richmond|boise|spokane|baton rouge|tacoma|san bernardino|modesto|fontana|des moines|moreno valley|' +
    'santa clarita|fayetteville|birmingham|oxnard|rochester|port st. lucie|grand rapids|huntsville|salt lake city|' +
    'tallahassee|huntington beach|grand prairie|providence|knoxville|worcester|brownsville|santa rosa|chattanooga|' +
    'fort lauderdale|savannah|charleston|hartford|new haven|springfield|albany|syracuse|ann arbor|palo alto|' +
    'mountain view|sunnyvale|cupertino|berkeley|santa monica|pasadena|santa barbara|santa fe|boulder|burlington|' +
    'toronto|montreal|montréal|vancouver|calgary|edmonton|ottawa|winnipeg|quebec city|québec|hamilton|kitchener|london|' +
    'victoria|halifax|saskatoon|regina|mississauga|brampton|' +
    'ciudad de méxico|mexico city|mexiko-stadt|guadalajara|monterrey|puebla|tijuana|león|juárez|ciudad juárez|zapopan|' +
    'mérida|cancún|querétaro|san luis potosí|aguascalientes|morelia|chihuahua|hermosillo|culiacán|acapulco|oaxaca|' +
    'veracruz|toluca|guatemala city|ciudad de guatemala|san salvador|tegucigalpa|managua|san josé|panama city|' +
    'ciudad de panamá|la habana|havana|la havane|santo domingo|san juan|kingston|port-au-prince|' +
    'bogotá|bogota|medellín|medellin|cali|barranquilla|cartagena|bucaramanga|caracas|maracaibo|valencia|quito|guayaquil|' +
    'cuenca|lima|arequipa|trujillo|cusco|cuzco|la paz|santa cruz de la sierra|cochabamba|santiago|santiago de chile|' +
    'valparaíso|concepción|asunción|montevideo|buenos aires|córdoba|rosario|mendoza|la plata|mar del plata|' +
    'são paulo|sao paulo|rio de janeiro|río de janeiro|brasília|brasilia|salvador|fortaleza|belo horizonte|manaus|' +
    'curitiba|recife|porto alegre|belém|goiânia|campinas|florianópolis',
  // Asia, Oceania, Africa, Middle East
  'tokyo|tokio|osaka|kyoto|yokohama|nagoya|sapporo|kobe|fukuoka|hiroshima|sendai|seoul|séoul|seúl|busan|incheon|daegu|' +
    'beijing|peking|pékin|pekín|shanghai|shanghái|guangzhou|canton|shenzhen|chengdu|chongqing|tianjin|wuhan|hangzhou|' +
    'nanjing|nankin|xi’an|xian|suzhou|qingdao|dalian|shenyang|harbin|xiamen|kunming|hong kong|hongkong|macau|macao|' +
    'taipei|taipéi|kaohsiung|taichung|ulaanbaatar|manila|manille|cebu|quezon city|jakarta|yakarta|surabaya|bandung|' +
    'bali|denpasar|kuala lumpur|penang|george town|singapore|singapur|singapour|bangkok|chiang mai|phuket|hanoi|hanói|' +
    'ho chi minh city|ho chi minh|saigon|da nang|phnom penh|vientiane|yangon|rangun|dhaka|dacca|chittagong|kathmandu|' +
    'katmandú|colombo|mumbai|bombay|delhi|new delhi|neu-delhi|new delhi|nueva delhi|bangalore|bengaluru|kolkata|calcutta|' +
    'chennai|madras|hyderabad|ahmedabad|pune|jaipur|surat|lucknow|kanpur|nagpur|indore|bhopal|kochi|cochin|goa|' +
    'karachi|lahore|islamabad|rawalpindi|faisalabad|peshawar|kabul|tashkent|almaty|astana|bishkek|tehran|teherán|téhéran|' +
    'mashhad|isfahan|shiraz|tabriz|baghdad|bagdad|basra|erbil|mosul|damascus|damaskus|damas|aleppo|alep|beirut|beyrouth|' +
    'beirut|amman|ammán|jerusalem|jérusalem|jerusalén|tel aviv|tel-aviv|haifa|riyadh|riad|riyad|jeddah|dschidda|djeddah|' +
    'yeda|mecca|mekka|la mecque|la meca|medina|dubai|dubaï|dubái|abu dhabi|abou dhabi|abu dabi|doha|manama|kuwait city|' +
    'muscat|mascate|sanaa|' +
    'sydney|sídney|melbourne|brisbane|perth|adelaide|canberra|gold coast|hobart|darwin|auckland|wellington|christchurch|' +
    'queenstown|suva|' +
    'cairo|kairo|le caire|el cairo|alexandria|alexandrie|alejandría|giza|casablanca|rabat|marrakech|marrakesch|marrakesh|' +
    'fès|fez|tanger|tangier|tánger|agadir|algiers|alger|argel|oran|tunis|túnez|sfax|tripoli|tripolis|trípoli|benghazi|' +
    'khartoum|addis ababa|addis abeba|nairobi|mombasa|kampala|kigali|dar es salaam|daressalam|zanzibar|dodoma|' +
    'lagos|abuja|kano|ibadan|port harcourt|benin city|accra|kumasi|abidjan|yamoussoukro|dakar|bamako|ouagadougou|niamey|' +
    'conakry|freetown|monrovia|lomé|cotonou|porto-novo|douala|yaoundé|libreville|kinshasa|brazzaville|luanda|lusaka|' +
    'harare|bulawayo|maputo|lilongwe|blantyre|windhoek|gaborone|johannesburg|johannesburgo|cape town|kapstadt|le cap|' +
    'ciudad del cabo|durban|pretoria|port elizabeth|gqeberha|bloemfontein|antananarivo|port louis|mogadishu|mogadiscio|' +
    'djibouti|asmara',
  // More capitals and large cities
  'nassau|bridgetown|belmopan|thimphu|sucre|bandar seri begawan|gitega|praia|bangui|n’djamena|ndjamena|moroni|roseau|' +
    'malabo|mbabane|banjul|bissau|georgetown|maseru|malé|nouakchott|naypyidaw|port moresby|juba|paramaribo|' +
    'port of spain|thane|vadodara|agra|nashik|varanasi|amritsar|chandigarh|coimbatore|mysore|mysuru|visakhapatnam|' +
    'ludhiana|patna|srinagar|guwahati|bhubaneswar|thiruvananthapuram|madurai|mangalore|dhaka|sylhet|multan|quetta',
  // More German towns
  'neubrandenburg|stendal|wittenberg|lutherstadt wittenberg|eisenach|gotha|suhl|ilmenau|naumburg|merseburg|bad homburg|' +
    'bad nauheim|oberursel|rüsselsheim|bensheim|weinheim|schwetzingen|sinsheim|bruchsal|rastatt|lörrach|singen|ravensburg|' +
    'biberach|aalen|heidenheim|göppingen|schwäbisch hall|schwäbisch gmünd|waiblingen|backnang|nürtingen|erding|freising|' +
    'dachau|fürstenfeldbruck|starnberg|weilheim|traunstein|altötting|deggendorf|amberg|weiden|ansbach|neumarkt|schwabach|' +
    'kitzingen|goslar|wolfenbüttel|gifhorn|cuxhaven|buxtehude|verden|nienburg|lingen|meppen|nordhorn|aurich|papenburg|' +
    'delmenhorst|vechta|cloppenburg|rheine|bocholt|borken|coesfeld|ahlen|warendorf|gladbeck|dorsten|herten|castrop-rauxel|' +
    'lünen|bergkamen|menden|lüdenscheid|olpe|gummersbach|bergheim|frechen|pulheim|dormagen|grevenbroich|meerbusch|' +
    'velbert|hilden|langenfeld|euskirchen|andernach|neuwied|bad kreuznach|idar-oberstein|pirmasens|zweibrücken|landau|' +
    'neustadt an der weinstraße|frankenthal|bad dürkheim|homburg|neunkirchen|völklingen|saarlouis|merzig|wetzlar|' +
    'limburg|bad hersfeld|eschwege|korbach|friedberg|hofheim|bad vilbel|dreieich|neu-isenburg|viernheim|bad tölz|' +
    'garmisch|berchtesgaden|füssen|bad reichenhall|oberstdorf|timmendorfer strand|travemünde|warnemünde|heringsdorf',
  // More French towns
  'alès|aubagne|la ciotat|martigues|istres|salon-de-provence|carpentras|cavaillon|draguignan|saint-raphaël|' +
    'cagnes-sur-mer|le cannet|gap|digne-les-bains|briançon|montélimar|romans-sur-isère|bourgoin-jallieu|voiron|annemasse|' +
    'thonon-les-bains|évian-les-bains|aix-les-bains|albertville|oyonnax|roanne|saint-chamond|le puy-en-velay|moulins|' +
    'montluçon|lons-le-saunier|pontarlier|vesoul|chaumont|saint-dizier|bar-le-duc|verdun|lunéville|saint-dié-des-vosges|' +
    'sarreguemines|forbach|saint-avold|sélestat|saverne|obernai|guebwiller|soissons|laon|château-thierry|abbeville|' +
    'boulogne-sur-mer|le touquet|cambrai|maubeuge|béthune|liévin|hazebrouck|armentières|villeneuve-d’ascq|' +
    "villeneuve-d'ascq|wattrelos|fécamp|dieppe|elbeuf|vernon|lisieux|bayeux|alençon|argentan|granville|saint-lô|" +
    'coutances|avranches|fougères|vitré|dinan|lannion|morlaix|concarneau|douarnenez|pontivy|auray|redon|saint-herblain|' +
    'rezé|ancenis|saumur|les sables-d’olonne|fontenay-le-comte|rochefort|saintes|royan|cognac|bergerac|sarlat|arcachon|' +
    'libourne|mérignac|pessac|talence|bègles|biscarrosse|oloron-sainte-marie|orthez|castres|millau|figeac|foix|pamiers|' +
    'saint-gaudens|muret|colomiers|tournefeuille|blagnac|agde|lunel|mende|privas|aubenas|annonay',
  // More Spanish towns
  'ceuta|melilla|astorga|benavente|miranda de ebro|aranda de duero|medina del campo|alcázar de san juan|tomelloso|' +
    'valdepeñas|villarrobledo|hellín|almansa|requena|ontinyent|villena|novelda|petrer|cocentaina|alzira|cullera|' +
    'burriana|vila-real|villarreal|vinaròs|benicarló|tortosa|amposta|valls|vilafranca del penedès|igualada|olot|' +
    'palafrugell|sant feliu de guíxols|puigcerdà|berga|solsona|tàrrega|balaguer|la seu d’urgell|monzón|barbastro|' +
    'fraga|alcañiz|ejea de los caballeros|tarazona|calahorra|haro|arnedo|tafalla|ermua|mondragón|arrasate|zarautz|' +
    'hondarribia|errenteria|portugalete|sestao|santurtzi|basauri|leioa|gernika|guernica|bermeo|castro urdiales|laredo|' +
    'torrelavega|reinosa|llanes|ribadesella|cangas de onís|mieres|langreo|siero|luarca|ribadeo|viveiro|monforte de lemos|' +
    'carballo|ribeira|vilagarcía de arousa|redondela|tui|verín|lalín|sanxenxo|betanzos|narón|arteixo|oleiros|' +
    'villanueva de la serena|don benito|zafra|almendralejo|navalmoral de la mata|trujillo|coria|béjar|ciudad rodrigo',
];

/** Place names that are also ordinary words ("Nice", "Reading", "Split", "Essen", "Turkey"): places only in plain context. */
export const WORDLIKE_PLACES: readonly string[] = [
  'nice|bath|mobile|reading|split|orange|essen|hof|halle|zug|baden|worms|lens|mons|bergen|tours|valence|vienne|como|' +
    'gent|sens|vic|ronda|mesa|aurora|phoenix|palma|santander|turkey|china|guinea|chile|buffalo|providence|sale|deal|' +
    'wells|bury|eye|hope|liberty|independence|marathon|gap|singen|weiden|cognac|landau|homburg',
];
