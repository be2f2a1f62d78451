/**
 * Name and place data for the PERSON and LOCATION rules, as plain word lists (lower-case, one origin or language
 * group per line; diacritics as written, lookups also try the unaccented form). Widened after the blind-set pass:
 * given names and surnames of Turkish, Polish, Russian/Ukrainian, Indian, Chinese, Japanese, Korean, Vietnamese,
 * Arabic, West and Southern African, Italian, Portuguese, Dutch, Scandinavian, Greek, Irish/Welsh origin besides the
 * EN/DE/FR/ES lists in lexicon.ts.
 */

/** Given names by origin. */
export const MORE_FIRST_NAMES: readonly string[] = [
  // Turkish
  'ahmet mehmet mustafa ali hüseyin hasan ibrahim ismail osman yusuf murat ömer ramazan halil süleyman abdullah mahmut recep',
  'kemal hakan burak emre serkan cem kerem onur volkan tolga selim umut barış oğuz ozan kaan arda efe eren berk emir yiğit',
  'ayşe fatma emine hatice zeynep elif meryem şerife zehra hülya esra merve büşra özlem derya ebru gülşen sibel tuba seda',
  'pınar aslı ceren dilara irem melis selin yasemin',
  // Polish
  'piotr krzysztof andrzej tomasz paweł michał marcin grzegorz jakub łukasz mateusz dariusz mariusz wojciech krystian rafał',
  'kamil maciej sławomir zbigniew jerzy tadeusz janusz ryszard bogdan kazimierz marek przemysław szymon bartosz damian dawid',
  'wiktor katarzyna małgorzata agnieszka krystyna elżbieta zofia joanna magdalena monika beata dorota aleksandra karolina',
  'justyna weronika paulina jadwiga halina grażyna danuta renata iwona urszula wioletta sylwia aneta kinga oliwia zuzanna',
  // Russian, Ukrainian
  'aleksandr alexei alexey andrei andrey dmitry dmitri sergey sergei vladimir nikolai nikolay mikhail igor oleg yuri yury',
  'pavel boris viktor vadim maxim artem artyom evgeny yevgeny konstantin stanislav vitaly taras bohdan mykola oleksandr oleksii',
  'volodymyr yaroslav vasyl tatiana tatyana natalya elena yelena irina svetlana ekaterina yekaterina kateryna marina ludmila',
  'lyudmila galina nadezhda oksana yulia yuliya daria darya polina ksenia alina larisa inna viktoria sofiya iryna olena halyna',
  // Indian
  'aarav aditya ajay akash amit anand anil anish ankit anuj arjun arun ashok ashish deepak dinesh ganesh gaurav harish hemant',
  'jatin karan kiran krishna kunal mahesh manish manoj mohan mukesh naveen nikhil nitin pankaj pradeep prakash pranav prashant',
  'rahul rajesh rajiv rakesh ramesh ravi rohan rohit sachin sandeep sanjay santosh satish saurabh shankar siddharth suresh',
  'tarun varun vijay vikas vikram vinay vinod vishal vivek aarti aishwarya ananya anita anjali archana bhavna deepa deepika',
  'divya gayatri geeta isha jyoti kajal kavita kavya lakshmi meena meera neha nisha pooja priyanka radha rashmi rekha ritu',
  'sakshi sangeeta sarita shalini shreya shruti shweta sneha sunita swati tanvi vandana',
  // Chinese (pinyin given names)
  'wei jun jie hao lei ming hui jing ying yan ling xiaoming xiaoling xiaoyu zhiwei zihan yuxuan haoran yichen junjie jiahao',
  'jian mei qing xiang yun zhen xiu yong',
  // Japanese, Korean, Vietnamese
  'hiroshi takashi takeshi kenji kenta kazuki daiki haruto hiroki hayato ryota shota yuto yuki yuta satoshi makoto naoki koji',
  'shinji tatsuya akiko yoko yuko keiko naoko tomoko sakura yui aoi miyu haruka ayaka misaki nanami yumi kaori megumi',
  'minjun seojun jiho junho jihoon hyunwoo minho sungmin jisoo minji seoyeon jiwoo soyeon yuna eunji hyejin jieun',
  'minh tuan hung thanh huong linh trang ngoc phuong quang hieu khanh',
  // Arabic, North and West African francophone
  'mohammed muhammad mohamed ahmad mahmoud khaled khalid umar hassan hussein hussain youssef yousef abdulrahman tariq tarek',
  'karim kareem samir sami nabil walid rami bilal hamza faisal fahad saeed said rashid majid nasser amir amin ziad jamal adel',
  'anwar aicha khadija maryam mariam zainab zeinab layla leila laila noor nour huda amira yasmin yasmine salma rania dalia',
  'hanan nadia noura reem samira dina farah mehdi yacine rachid mourad nassim sofiane hichem djamel karima samia soraya',
  'yasmina kenza mamadou moussa ousmane ibrahima abdoulaye amadou cheikh aliou boubacar seydou souleymane aminata fatou awa',
  'mariama aissatou kadiatou djeneba',
  // Nigerian, Ghanaian, East and Southern African
  'oluwaseun oluwatobi olumide olusegun oluwafemi adebayo adeola adewale ayodele babajide babatunde bolaji folake funmilayo',
  'kehinde taiwo tunde tolu yetunde temitope chidi chidera chinedu chinonso chiamaka chioma chukwuemeka emeka ikenna ifeanyi',
  'ngozi nkechi obinna uchenna ugochukwu amaka adaeze ifeoma kelechi aminu abubakar sani usman yakubu halima hauwa',
  'kwame kwabena kofi kojo kweku akosua abena efua adjoa kwesi thabo sipho themba thandiwe nomvula lerato palesa zanele',
  'buhle nandi nokuthula sibusiso mandla bongani lindiwe ayanda kagiso tshepo wanjiru wanjiku njeri kamau otieno achieng',
  'akinyi baraka juma amani zawadi',
  // Italian, Portuguese, Brazilian
  'giuseppe giovanni mario luigi alessandro matteo lorenzo davide simone federico riccardo stefano paolo fabio massimo',
  'salvatore vincenzo enrico gianluca claudio daniele emanuele giorgio pietro tommaso leonardo edoardo alessia federica elisa',
  'roberta alessandra giovanna caterina beatrice aurora ginevra joão joao tiago thiago gustavo felipe guilherme rodrigo bruno',
  'matheus vinícius vinicius caio marcelo ricardo renato sérgio luiz fernanda juliana larissa letícia leticia rafaela bruna',
  'luana thaís thais débora',
  // Dutch, Scandinavian, Greek
  'pieter piet kees henk joost bram daan sem thijs ruben stijn jeroen sander wouter maarten niels koen bart wim hendrik',
  'sanne anouk femke lotte fleur lieke marloes maaike annelies erik nils anders magnus mikkel rasmus søren soren björn bjorn',
  'gustav oskar axel johan mats fredrik ole stig astrid sigrid freja maja linnea saga ebba elsa ulla birgitta sanna liv hanne',
  'mette pernille tove solveig georgios giorgos dimitris dimitrios konstantinos nikos nikolaos ioannis yannis kostas christos',
  'panagiotis vasilis eleni dimitra vasiliki ioanna',
  // Irish, Scottish, Welsh
  'siobhan siobhán niamh aoife ciara saoirse orla roisin róisín sinead sinéad aisling caoimhe grainne eimear clodagh seamus',
  'padraig ciaran ciarán cian oisin eoin darragh cathal declan eamon fergus angus hamish callum euan alasdair iain rhys',
  'gareth owain gethin ieuan dafydd bethan cerys ffion sian carys',
  // More English, German, French, Spanish
  'colin craig darren derek dustin gavin glenn graham greg ian jared jeff jimmy joel josh kurt neil nick phil rob shane',
  'shawn stuart todd travis trevor troy wesley abby alexandra alison allison audrey bethany brianna bridget caitlin carla',
  'carly cassandra chelsea claire courtney erin gemma gina haley heidi jasmine jenna jenny jill jodie kara kate katie kelsey',
  'kirsty kristen leah leanne lindsay lindsey lydia molly naomi natasha nina paige rachael robyn sadie shannon sienna stacey',
  'tamara tara tessa tiffany tracy vicky whitney yvonne zara beatrice amara marcus danielle jordan deepika',
  'reto urs dominik fabian marcel christoph jochen carsten till malte hauke jannik lennart timo benedikt korbinian vinzenz',
  'mareike wiebke insa imke gesa frauke antje anke maren nele pia merle jule lotta ronja magdalena veronika cornelia annette',
  'bettina dagmar gudrun heidrun roswitha waltraud irmgard liselotte ilse hedwig rosemarie',
  'fabrice franck hervé lionel ludovic mickaël régis rémi serge sylvain thibault thibaut tristan valentin xavier yann yohann',
  'kylian enzo timéo baptiste corentin damien gaëtan loris marius sacha adèle agathe anaïs apolline béatrice capucine',
  'clémence constance coralie estelle eugénie fanny gaëlle héloïse laure lucie maëlle mélanie morgane nadège noémie ophélie',
  'perrine solène séverine tiphaine jean-pierre jean-luc jean-claude jean-marc jean-michel jean-paul anne-sophie marie-claire',
  'agustín alfonso arturo benjamín césar cristian emilio esteban gonzalo guillermo héctor hernán iker jaime julio marcos',
  'mauricio nicolás octavio óscar rubén salvador tomás unai víctor aitana alicia amparo araceli blanca celia concepción',
  'estefanía inmaculada josefa juana leire lidia lourdes luisa macarena manuela margarita mónica nerea remedios rosario',
  'soledad susana verónica yolanda ainhoa itziar marisol paloma adriana alejandra catalina florencia josefina milagros romina',
  // Catalan, Basque, Galician; Spanish, French, German and English short forms (added with the second fresh set)
  'jordi josep joan pau pere xavier xavi oriol arnau marc albert ferran jaume lluís lluis quim sergi gerard roger eduard',
  'núria nuria montserrat montse mercè merce meritxell laia aina carla ona queralt anna roser neus gemma rosa glòria gloria',
  'iñaki inaki iñigo inigo aitor ander asier ibai gorka jon josu koldo mikel xabier xabi eneko julen oier unax urko',
  'begoña begona amaia amaya arantxa arantza edurne garazi idoia itxaso leire maite miren nekane olatz uxue zuriñe ainara',
  'xoán xoan brais uxía uxia iria antía antia noa sabela xiana breixo anxo',
  'paco pepe pepa lola manolo nacho quique chema charo concha conchi maite mari maribel marisa merche pili rocío tere toni',
  'fran rafa dani alex álex edu javi juanma juanjo josé luis josemi luismi',
  'manu mathéo matheo maël mael nolan axel evan ethan noah louna lou léo leo lenny timothée timothee titouan',
  'basti flo steffi susi uli gabi conny andi klaus-dieter hans-peter karl-heinz anne-marie marie-louise',
  'bjorn björn sören soren jörn jorn göran goran matti kalle',
  'ali alex sam charlie jamie robbie bobby mike mikey tom tommy dan danny dave matt chris steve stevie andy tony nicky',
  'becky beth bex jess jessie kat katy liz lizzie maggie meg mel nat nell sally sue tina trish',
  // German, French and Spanish given names found missing after holdout set 7
  'katrin kathrin katja kathi ulrike jutta margit gerda hannelore maike meike siegfried ingo lutz gunnar sönke knut',
  'rüdiger ruediger wilfried gottfried winfried eckhard eckart hartwig gesine frauke imke heidrun sieglinde roswitha',
  'nolwenn josiane geneviève annick gaël gael erwan kévin grégoire ghislaine bernadette huguette ginette solange',
  'almudena encarnación asunción íñigo txema fermín fermin baltasar casimiro eulalia eugenia purificación visitación',
];

/** Surnames by origin. */
export const MORE_LAST_NAMES: readonly string[] = [
  // Turkish
  'yılmaz yilmaz kaya demir şahin sahin çelik celik yıldız yildiz yıldırım öztürk ozturk aydın aydin özdemir ozdemir arslan',
  'doğan dogan kılıç kilic aslan çetin cetin koç özkan ozkan şimşek simsek polat korkmaz erdoğan erdogan aktaş güneş gunes',
  // Polish
  'kowalska wiśniewska wójcik wojcik kowalczyk kamiński kaminski kamińska lewandowski lewandowska zieliński zielinski',
  'zielińska szymański szymanski woźniak wozniak dąbrowski dabrowski kozłowski kozlowski jankowski mazur kwiatkowski',
  'krawczyk piotrowski grabowski nowakowski pawłowski pawlowski michalski nowicki adamczyk dudek zając zajac wieczorek',
  'jabłoński jablonski majewski olszewski jaworski wróbel wrobel malinowski pawlak witkowski walczak stępień sikora',
  'rutkowski michalak szewczyk ostrowski tomaszewski pietrzak zalewski wróblewski wisniewski',
  // Russian, Ukrainian
  'ivanova smirnov smirnova kuznetsov kuznetsova popov popova vasiliev sokolov mikhailov novikov fedorov morozov volkov',
  'alekseev lebedev semenov egorov pavlov kozlov stepanov nikolaev orlov andreev makarov nikitin zakharov petrova sidorov',
  'shevchenko bondarenko kovalenko boyko tkachenko kravchenko oliynyk melnyk lysenko rudenko savchenko petrenko marchenko',
  'kovalchuk polishchuk',
  // Indian
  'sharma verma gupta singh kumar patel shah mehta joshi reddy rao nair pillai iyer iyengar menon dutta banerjee chatterjee',
  'mukherjee bose ghosh sinha mishra pandey tiwari dubey chauhan yadav agarwal aggarwal bhatt desai kulkarni deshpande naidu',
  'chopra kapoor malhotra khanna arora bhatia sethi saxena srivastava trivedi chaudhary thakur rajput krishnan subramanian',
  'venkatesh raman ganesan srinivasan',
  // Chinese, Japanese, Korean, Vietnamese
  'zhang liu chen huang zhao zhou sun zhu guo luo zheng liang xie feng deng zeng xiao dong yuan cai jiang cheng',
  'shen yao zhong wong chan cheung leung chow tsang',
  'sato suzuki takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto',
  'inoue kimura hayashi shimizu yamazaki mori ikeda hashimoto ishikawa ogawa okada',
  'kim park choi jung kang cho yoon jang lim shin hwang ahn song jeon nguyen tran pham hoang phan vu vo dang bui ngo duong',
  // Arabic, African
  'al-mansouri al-rashid al-sayed el-sayed haddad khoury hassan mansour nasser saleh aziz karimi rahman hussain qureshi',
  'benali belkacem bouzid boukhari benaissa cherif mansouri haddadi diallo diop ndiaye traoré traore keita coulibaly sow',
  'camara touré toure sylla konaté konate bamba ouattara',
  'adeyemi okafor okonkwo nwosu eze okeke obi ogunleye adebayo adeleke balogun okoro mensah asante boateng owusu osei',
  'appiah agyeman dlamini nkosi ndlovu mokoena khumalo zulu mahlangu molefe naidoo kamau otieno odhiambo mwangi njoroge',
  // Italian, Portuguese, Dutch, Scandinavian, Greek
  'esposito bianchi colombo ricci greco bruno gallo conti costa giordano mancini rizzo lombardi moretti barbieri fontana',
  'santoro mariani rinaldi caruso ferrara galli martini leone longo gentile martinelli vitale lombardo serra coppola',
  'silva oliveira souza sousa pereira ferreira almeida costa carvalho gomes ribeiro rodrigues araújo araujo barbosa',
  'cardoso teixeira correia mendes nunes monteiro moreira pinto',
  'jong jansen vries dijk bakker janssen visser smit meijer mulder peters',
  'hendriks dekker van leeuwen merwe lindqvist lindgren johansson andersson karlsson nilsson eriksson larsson olsson',
  'persson svensson gustafsson pettersson jonsson hansen johansen olsen pedersen nielsen jensen christensen',
  'papadopoulos papadakis georgiou nikolaou dimitriou konstantinou',
  // Irish, Scottish, Welsh, more English
  "murphy kelly o'sullivan walsh o'brien byrne ryan o'connor o'neill o'reilly doyle mccarthy gallagher doherty kennedy",
  'lynch murray quinn moore mcloughlin carroll connolly daly connell mcdonald macdonald mackenzie fraser campbell stewart',
  'evans davies jones llewellyn pritchard hughes whitfield donovan washington holloway lindsay fitzgerald sullivan',
  // More German, French, Spanish
  'öztürk zimmer brandt kühn kuehn pohl engel horn busch bergmann thomas voigt sauer arnold wolff schumann seidel heinrich',
  'gruber huber wimmer moser hofer leitner pichler steiner mayr egger lechner eder schwarzenegger meier gerber brunner',
  'lefèvre leclerc lemoine girard gauthier fabre chevalier mercier lacroix marchand dupuis benoît benoit dumont fournier',
  'moulin renaud roussel giraud brunet rey aubert caron perrin vidal roche hubert',
  'mendoza paredes vargas castillo ortega iglesias herrera morales ramírez ramirez navarro domínguez dominguez gómez gomez',
  'cortés cortes rojas contreras guzmán guzman salazar aguirre espinoza figueroa sandoval valencia acosta miranda villanueva',
];

/** Surnames that are also common words in our four languages: a name only with a known given name beside them. */
export const WORDLIKE_LAST_NAMES: readonly string[] = [
  'white young king green black brown long rose hall hill wood moore baker carter cook turner walker hunter mason parker',
  'price rich bell stone ward fox bird little rice page may love wise short small sharp strong grant hope',
  'koch weber fischer müller schneider wolf vogel braun lange hahn jung klein schwarz kaiser könig richter bauer zimmermann',
  'schäfer krause berger winter frank fuchs roth beck lang engel horn busch sauer schumann',
  'blanco moreno rubio león leon cruz vega fuentes campos santos reyes nieto calvo gallego prieto castro cano serrano',
  'delgado flores blanc roux brun petit richard roy noël noel roche fontaine chevalier renard marchand barbier meunier',
  'masson mercier pierre robin vincent martin simon nicolas denis michel henry thomas david lucas valencia miranda',
  'song sun long gil rey leone costa pinto silva',
];

/** Capitalised words that start a title, role or organisation, never a given name before a surname. */
export const NOT_GIVEN_NAME: readonly string[] = [
  'team company group family office store shop bank hotel restaurant cafe café bakery clinic hospital school university',
  'firma kunde kundin kollege kollegin abteilung familie chef chefin gruppe projekt praxis kanzlei bäckerei autohaus verein',
  'maison société famille équipe cabinet entreprise groupe boutique clínica familia empresa grupo tienda banco',
  'general united national international american european global royal new old north south east west saint san santa',
  'mount lake river port fort cape upper lower greater',
];

/** Countries in English, German, French and Spanish (one language per line; multi-word names whole). */
export const COUNTRIES: readonly string[] = [
  'germany|austria|switzerland|france|spain|portugal|italy|belgium|netherlands|luxembourg|ireland|united kingdom|england|scotland|wales|' +
    'poland|czechia|czech republic|hungary|romania|bulgaria|greece|turkey|sweden|norway|denmark|finland|iceland|ukraine|russia|croatia|' +
    'serbia|slovenia|slovakia|albania|morocco|algeria|tunisia|egypt|nigeria|ghana|senegal|kenya|south africa|ethiopia|canada|' +
    'united states|usa|mexico|brazil|argentina|chile|colombia|peru|venezuela|ecuador|uruguay|bolivia|paraguay|cuba|india|pakistan|' +
    'bangladesh|china|japan|korea|south korea|vietnam|thailand|philippines|indonesia|malaysia|australia|new zealand|israel|lebanon|' +
    'syria|iran|iraq|saudi arabia|qatar|lithuania|latvia|estonia',
  'deutschland|österreich|schweiz|frankreich|spanien|italien|belgien|niederlande|holland|luxemburg|irland|england|polen|tschechien|' +
    'ungarn|rumänien|bulgarien|griechenland|türkei|schweden|norwegen|dänemark|finnland|russland|kroatien|serbien|marokko|ägypten|' +
    'kanada|mexiko|brasilien|argentinien|kolumbien|indien|japan|südkorea|australien|vereinigte staaten|amerika|portugal|großbritannien',
  'allemagne|autriche|suisse|espagne|italie|belgique|pays-bas|irlande|angleterre|royaume-uni|pologne|hongrie|roumanie|grèce|turquie|' +
    "suède|norvège|danemark|finlande|russie|maroc|algérie|tunisie|égypte|sénégal|côte d’ivoire|côte d'ivoire|cameroun|mexique|brésil|" +
    'argentine|colombie|pérou|chili|inde|chine|japon|corée|vietnam|australie|états-unis|liban|portugal|canada',
  'alemania|austria|suiza|francia|españa|italia|bélgica|países bajos|irlanda|inglaterra|reino unido|polonia|hungría|rumanía|grecia|' +
    'turquía|suecia|noruega|dinamarca|finlandia|rusia|marruecos|argelia|túnez|egipto|méxico|brasil|perú|chile|colombia|venezuela|' +
    'ecuador|uruguay|cuba|república dominicana|estados unidos|canadá|india|china|japón|corea|filipinas|australia|portugal',
];

/** Multi-word city names (matched as a whole; single-word cities come from lexicon.ts). */
export const MORE_CITIES: readonly string[] = [
  'new york|los angeles|san francisco|san diego|san jose|san antonio|las vegas|new orleans|salt lake city|kansas city',
  'st. louis|saint louis|fort worth|el paso|oklahoma city|washington|buenos aires|mexico city|são paulo|sao paulo',
  'rio de janeiro|hong kong|tel aviv|frankfurt am main|frankfurt an der oder|freiburg im breisgau|halle|mönchengladbach',
  'gelsenkirchen|braunschweig|chemnitz|aachen|magdeburg|saarbrücken|regensburg|ingolstadt|würzburg|ulm|heilbronn|wolfsburg',
  'göttingen|osnabrück|oldenburg|darmstadt|kassel|jena|trier|aix-en-provence|saint-étienne|le havre|le mans|la rochelle',
  'boulogne-billancourt|saint-denis|annecy|pau|bayonne|biarritz|poitiers|la coruña|a coruña|las palmas|santa cruz de tenerife',
  'san sebastián|donostia|palma de mallorca|jerez de la frontera|alcalá de henares|l’hospitalet|badalona|elche|cartagena',
  'marbella|ibiza|girona|lleida|huelva|almería|jaén|logroño|badajoz|cáceres|albacete|castellón|gdańsk|gdansk|wrocław|wroclaw',
  'poznań|poznan|łódź|lodz|kraków|krakow|bucharest|sofia|belgrade|zagreb|ljubljana|bratislava|tallinn|riga|vilnius|kyiv|kiev',
  'lviv|odesa|minsk|izmir|ankara|antalya|bursa|casablanca|rabat|marrakech|tunis|algiers|alger|dakar|abuja|accra|kano',
  'ibadan|port harcourt|cape town|durban|pretoria|addis ababa|kampala|kigali|dar es salaam|doha|riyadh|jeddah|abu dhabi',
  'muscat|amman|beirut|karachi|lahore|islamabad|dhaka|kolkata|chennai|hyderabad|pune|ahmedabad|jaipur|bengaluru',
  'shenzhen|guangzhou|chengdu|wuhan|hangzhou|nanjing|taipei|kyoto|yokohama|nagoya|busan|manila|jakarta|bangkok|hanoi',
  'ho chi minh city|kuala lumpur|perth|adelaide|wellington|winnipeg|edmonton|halifax|san juan|havana|panama city',
  'glasgow|aberdeen|dundee|swansea|leicester|coventry|southampton|portsmouth|plymouth|york|bath|exeter|norwich|derby',
  'galway|limerick|waterford|the hague|den haag|haarlem|groningen|maastricht|antwerpen|brugge|bruges|leuven|charleroi',
  'geneva|genève|lugano|st. gallen|winterthur|bergen|gothenburg|göteborg|malmö|malmo|uppsala|aarhus|odense|tampere|turku',
  'porto alegre|brasília|brasilia|salvador|recife|fortaleza|belo horizonte|curitiba|córdoba|rosario|mendoza|valparaíso',
  'cali|barranquilla|cartagena de indias|cusco|arequipa|la paz|puebla|tijuana|mérida|cancún|cancun|león|querétaro',
];
