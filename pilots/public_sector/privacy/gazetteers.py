"""Word lists the redactor reads: who is a person, and what is an organisation, a public body or a place.

Written from public lists into the package (nothing is downloaded): the most frequent given names and
surnames of Luxembourg's residents and of its neighbours and largest communities (Portuguese, Italian,
French, German, Belgian, British), the 100 communes of Luxembourg and their main localities in French,
German and Luxembourgish (the list of the Ministry of Home Affairs), neighbouring towns, the ministries,
administrations and public bodies on Guichet.lu, and well-known companies, banks and brands that requests
name. Words that are both a name and an ordinary word ("Pierre", "Will", "Ernst", "France") are listed in
the ``AMBIGUOUS_*`` sets: they count as a name only next to another name word or after a cue.

Every list is folded (lower case, accents kept) when the redactor reads it.
"""

from __future__ import annotations

FIRST_NAMES = """
aaron abdel abdoul abdul adam adama adele adeline adrian adriana adrien agathe agnes agnès ahmed aida aidan
aimee aisha alain alan albert alberto aleksandra alessandra alessandro alessia alex alexander alexandra
alexandre alexandru alexia alexis alfred ali alice alicia aline alisha alix amadou amandine amanda amelia
amélie amina amir amy ana anabela anastasia anders andrea andreas andré andrei andreia andres andrew andrzej
andy ane angela angelika angelo angélique anita anja anke ann anna annabelle anne annette annick annie
anouk anthony antoine antonia antonio anton antónio ariane arianna arnaud arne arthur astrid aurélie
aurelien aurélien axel ayesha ayla aylin barbara bart bastian beatrice beatriz beate ben benedikt benjamin
benoit benoît bernadette bernard bernd bernhard berta bertrand bettina bianca birgit björn blaise bob
boris brandon brian bridget brigitte bruno bryan camille candice carina carla carlo carlos carmen carole
caroline carolina carsten cassandra catarina catherine cathy cecile cécile cedric cédric celia célia
celine céline charles charlie charlotte chiara chloe chloé chris christel christian christiane christina
christine christoph christophe christopher cindy claire clara claude claudia claudine claudio clement
clément cloé colette colin conor constantin corinne cristina cyril cyrille dagmar daisy damien dan dana
daniel daniela daniele danielle daniela danny dario darius david debora deborah delphine denis denise
derek diana diane diego dieter dimitri dirk dmitri domenico dominik dominique donna doris dorothee
dorothée duarte dylan edgar edith edouard édouard eduardo edward egon eileen elena eleonora eli elias
elif elisa elisabeth elise élise elizabeth ella ellen eloise elodie élodie elsa elvira emanuel emanuele
emilia emilie émilie emily emma emmanuel emmanuelle enrico enzo eric éric erica erik erika ernesto estelle
esther ethan etienne étienne eugen eugenia eva evelyne fabian fabien fabienne fabio fabrice fatima fatma
federica federico felicitas felipe felix félix fernand fernanda fernando filip filipa filipe flavio flora
florence florian fran francesca francesco francine francis francisco franck françois françoise frank
franz frederic frédéric frederik frida friedrich gabriel gabriela gabriele gabrielle gaelle gaëlle gary
gaston gautier gavin geoffrey georg george georges georgia gerald gérald gerard gérard gerhard gert
gilbert gilles gina giorgio giovanni gisele gisèle giulia giulio giuseppe gonçalo gordon grégoire gregor
gregory grégory greta guido guillaume gunter günter gustav guy hakan halima hamid hannah hanna hans harald
harry heather hedwig heike heinz helen helena helene hélène helga helmut henri henrik henrique henry herbert
hermann hilde hildegard holger hugo hugues hélio ian ibrahim ida ignace igor ilse ines inès ingo ingrid
irene irène iris isaac isabel isabella isabelle ivan ivana jack jacob jacqueline jacques jakob james jamie
jan jana jane janet janina jannik jasmin jasmine jason javier jean jeanne jeannine jeff jennifer jenny
jens jeremy jérémy jerome jérôme jessica jessie joana joao joão joaquim joe joel joël johan johanna johannes
john jonas jonathan jordan jorge jos jose josé josee josée josef joseph josephine joséphine josiane josh
joshua josé-maria juan judith jules julia julian julie julien juliette jurgen jürgen justin justine jutta
kai kamil karen karim karin karina karl karolina katarina katarzyna kate katharina kathrin katia katja
katrin kayla keith kelly ken kenneth kevin kim klara klaus konrad kristina kurt lara larissa lars laura
laure laurence laurent lea léa leah leandro lena leo léo leon léon leonard léonard leonie léonie lidia
lili lilly lina linda lisa lise liz lorenzo lotte louis louise luc luca lucas lucia lucie luciana
ludovic ludwig luis luís luisa luise luka lukas luke lydia madeleine magali magdalena maja malika
malte manfred manon manuel manuela marc marcel marcelo marco marcus margaret margarida margot maria
mariana marianne marie marie-claire marie-paule marie-louise mariette marina marine mario marion
marisa marius marjorie markus marlene marta martha marthe martin martina martine mary mateus mathias
mathieu mathilde matteo matthew matthias mattia maud maurice mauro max maxime maximilian maya mehdi mehmet
melanie mélanie melissa mercedes mia michael michaela michel michela michele michèle michelle miguel mika
mike mila milan milena mireille miriam mohamed mohammed monica monika monique morgane muriel nadia nadine
nadja natalia natalie nathalie nathan nelson nicolas nicole niklas nikola nikolaus nils nina noah noemi
noémie nora norbert nuno océane olaf oliver olivia olivier olga omar oscar otto pascale patricia patrick
patrícia paul paula paulo pauline pedro peggy peter petra philip philipp philippe pia piero pierre
pierre-yves pietro pit pol rachel rafael rafaela raffaele ralf ralph ramona raphael raphaël raquel
rebecca regina reinhard renata renate rené renée ricardo riccardo richard rita robert roberta roberto
robin rodrigo roger roland rolf romain roman romina ronald rosa rosalie rosario ruben rudolf rudi rui
ruth sabine sabrina sacha salvatore samantha sami samira samuel sandra sandrine sandro sara sarah sascha
sebastian sebastien sébastien serena serge sergio severine séverine sibylle silvia silvio simon simona
simone sofia sofie solange sonia sonja sophia sophie stefan stefania stefano steffen stella stephan
stéphane stephanie stéphanie steve steven susana susanne suzanne svetlana sven sylvain sylvia sylvie
tania tanja tatiana teresa tess tessy thea theo théo thierry thomas thorsten tiago til tim timo timothy
tina tobias tom tomas tomás toni tony torsten ulrich ulrike ursula uwe valentin valentina valentine
valeria valerie valérie vanessa vasco vera veronika veronique véronique victoria vincent vincenzo viktor
viktoria virginie vitor viviane vivien walter wendy werner wilhelm william willy wolfgang xavier
yann yannick yasmin yasmine yves yvette yvonne zoe zoé zofia
carole-anne jean-claude jean-luc jean-marc jean-marie jean-paul jean-pierre jean-philippe jean-louis
jean-jacques jean-françois anne-marie marie-anne marie-thérèse marie-josé hans-peter karl-heinz
jang jhang jemp jos léon marco mett mil nico paulette pier polo sandy tun yolande fränz gusty jängi
lex lëtz marc-andré mich nik nicky raymond roby romy sonny tessy vicky xavi zohra lou ben maxim
priya olena ngozi jürg mette rui joana anabela
""".split()

SURNAMES = """
schmit muller müller weber wagner hoffmann thill schmitz klein schneider becker meyer kieffer reuter
welter kremer schroeder majerus steichen weis ries kayser theis hansen krier wagener frising goergen
hermes kirsch lentz molitor nilles pauly scholtes simon thines wirtz gloden hilbert kohn kolb kugener
lux mersch michels noesen pesch reding reiter rodesch roth schaack schiltz schumacher schummer spautz
steffen thoma useldinger wampach wantz weyrich zeimet zenner hilger feltgen fohl goedert haas heinen
hemmer jacoby jung kass koenig kraus linster lucas mathieu mertens meyers neu poos putz reckinger
rollinger schartz scheer schintgen schoos schosseler streff thein ungeheuer wester wolter
bettendorff biver braun clement conter dondelinger ensch flammang gengler hamen hoscheid jaeger jentgen
kerger kinn krack leonard ludwig mangen marx meiers mousel neuens peiffer philippart pierrard pletschette
biwer bausch barthel arend
dupont durand dubois martin bernard thomas robert richard petit moreau laurent lefebvre lefèvre michel
garcia david bertrand roux vincent fournier morel girard andre andré mercier blanc guerin guérin boyer
garnier chevalier francois françois legrand gauthier perrin robin clement clément morin nicolas henry
roussel mathieu gautier masson marchand duval denis dumont marie lemaire noel noël meunier brun blanchard
giraud joly riviere rivière lucas brunet gaillard barbier arnaud martinez gerard gérard roche renard
schmitt roy leroy colin vidal caron picard roger fabre aubert lemoine renaud dumas lacroix olivier philippe
bourgeois pierre benoit benoît rey leclerc payet rolland leclercq guillaume lecomte lopez jean dupuy
guillot hubert berger carpentier sanchez dupuis moulin louis deschamps huet vasseur perez boucher fleury
royer klein jacquet adam paris poirier marty aubry guyot carre carré charles renault charpentier menard
ménard maillard baron bertin bailly herve hervé schneider fernandez le-gall collet leger léger bouvier
julien prevost prévost millet perrot daniel le-roux cousin germain breton besson langlois remy rémy
le-goff pelletier leveque lévêque perrier leblanc barre lebrun marchal weber mallet hamon boulanger
jacob monnier michaud rodriguez guichard gillet etienne étienne grondin poulain tessier chevallier
collin chauvin da-silva bouchet gay lemaitre lemaître benard bénard marechal maréchal humbert reynaud
antoine hoarau perret barthelemy barthélemy cordier pichon lejeune gilbert lamy delaunay pasquier
carlier laporte
schmidt fischer schulz schäfer schaefer koch bauer richter wolf schröder neumann schwarz zimmermann
krüger krueger hofmann hartmann lange schmitt werner krause meier lehmann köhler koehler herrmann könig
koenig walter mayer huber kaiser fuchs peters lang scholz möller moeller weiß weiss jung hahn vogel
friedrich keller günther guenther frank berger winkler roth beck lorenz baumann franke albrecht schuster
simon ludwig böhm boehm winter kraus martin schumacher krämer kraemer vogt stein jäger jaeger otto
sommer groß gross seidel heinrich brandt haas schreiber graf schulte dietrich ziegler kuhn kühn pohl
engel horn busch bergmann thomas voigt sauer arnold wolff pfeiffer kolb
silva da-silva dos-santos santos ferreira pereira rodrigues gomes fernandes lopes martins oliveira costa
carvalho almeida sousa ribeiro pinto teixeira marques mendes alves monteiro moreira soares correia
cardoso nunes vieira goncalves gonçalves rocha neves coelho cunha lima machado fonseca azevedo barbosa
freitas araujo araújo tavares antunes batista campos duarte faria figueiredo henriques loureiro
magalhaes magalhães matos miranda morais nogueira pires ramos reis sa sá simoes simões valente vaz
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti de-luca
mancini costa giordano rizzo lombardi moretti barbieri fontana santoro mariani rinaldi caruso ferrara
galli martini leone longo gentile martinelli vitale lombardo serra coppola de-santis d'angelo
marchetti parisi villa conte ferraro ferri fabbri bianco marini grasso valentini messina sala
de-angelis gatti pellegrini palumbo sanna farina rizzi monti cattaneo morelli amato silvestri
smith johnson williams brown jones miller davis wilson anderson taylor moore jackson white harris clark
lewis walker hall young king wright green baker hill adams nelson carter mitchell roberts turner phillips
campbell parker evans edwards collins stewart morris murphy cook rogers morgan cooper peterson reed bailey
bell kelly howard ward cox richardson wood watson brooks bennett gray james hughes price sanders myers
long ross foster jenkins perry powell patterson russell butler barnes fisher henderson coleman simmons
jordan reynolds hamilton graham wallace west cole hayes ellis fox gibson murray burns o'brien o'connor
murphy byrne ryan walsh doyle kennedy lynch mccarthy
kowalski nowak wisniewski kowalczyk kaminski lewandowski zielinski szymanski wozniak dabrowski
kovalenko shevchenko bondarenko tkachenko kravchenko ivanov petrov smirnov popescu ionescu popa
yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan
okafor okonkwo diallo traore traoré diop ndiaye camara cisse cissé kone koné toure touré sow
patel sharma singh kumar gupta shah khan ahmed hussain ali rahman chowdhury nguyen tran le pham
hoang wang li zhang liu chen yang huang zhao wu zhou
conner connor jenkins kovacs kovács horvath horváth nagy szabo szabó
van-der-berg van-den-berg de-jong jansen de-vries van-dijk bakker visser smit meijer mulder
""".split()

#: Capitalised words that are names but also places, organisations, months or ordinary (German) nouns and
#: adjectives: alone they are not taken for a name, next to another name word or after a cue they are.
AMBIGUOUS_CAPITALISED = set(
    """
will mark bill may june april rose grace hope joy faith frank art jack pat sue rich dean chase victoria
florence paris sky summer autumn ivy olive angel marine aurore colombe blanche violette prudence constance
patience désiré aimé noël noel france lorraine ernst wolf rosa lange klein braun schwarz koch bauer fischer
schneider müller richter green white young king hall hill wood cook long price bell fox west cole ross
reed brooks banks baker butler carter turner walker mason porter jung lang roth kraus vogel engel horn
busch stein sommer winter graf keller berger haas hahn fuchs kaiser könig koenig petit blanc roux brun
jordan lima costa santos silva rocha ramos reis campos neves villa monti conte leone gallo bruno greco
serra marino amato bianco grasso longo fontana ferrari pierre roger germain cousin breton boucher boulanger
charpentier masson marchand chevalier baron legrand lemaire meunier joly moulin fleury royer marty poirier
renard dumas rey roy guy gay hubert gilbert olivier mercier garnier perrin post lux ries weis roth neu
scheer putz haas mayer meier otto max an kai milan
""".split()
)

#: Lower-case words that are names but also ordinary words: in lower case they are a name only after a cue.
AMBIGUOUS_LOWER = AMBIGUOUS_CAPITALISED | set(
    """
jean ben lou jo tun mil mich lex lis pol pit jan marie simon thomas david daniel lucas martin michel
vincent laurent bernard nicolas richard robert charles henry denis adam julien leon léon sandy tess vicky
kai iris flora til mett milan
""".split()
)

#: Function words of French, German, Luxembourgish and English: never part of a name written in lower case.
FUNCTION_WORDS = set(
    """
a à au aux avec ce ces cet cette chez dans de des du elle elles en et eux il ils je la le les leur leurs
lui ma mais me mes moi mon ne ni nos notre nous on ou où par pas pour qu que qui sa se ses si son sur ta
te tes toi ton tu un une vos votre vous y est suis sont ai as avons avez ont été être avoir fait faire
ici hier demain aujourd'hui bien très plus moins aussi encore déjà toujours jamais merci svp stp bonjour
salut oui non rien tout tous toute toutes depuis pendant après avant comme quand car donc alors
der die das den dem des ein eine einen einem einer und oder aber nicht kein keine ich du er sie es wir ihr
mich dich sich uns euch mein meine meinem meinen meiner dein sein seine ihre unser bin bist ist sind war
habe hat haben hatte wird werden kann könnte muss soll will möchte mit von zu zum zur bei nach aus für
über unter auf an am im in vom bis seit wegen wie was wer wo wann warum heute gestern morgen hier da dort
auch noch schon sehr bitte danke ja nein nur mehr gut
ech hunn huet sinn ass mäin mäi meng menger mengem mir mer dir der d' de vun fir mat op un am an a
ee eng engem enger net kee keng och nach scho schonn w.e.g. wéi wat wou wann firwat haut gëschter
muer elo hei do dat dës dëst déi si hien hatt iech är äre ären gär gären wëll wollt kann ka muss
sollt ginn gëtt gouf ze
the a an and or but not no i you he she it we they me him her us them my your his its our their is am are
was were be been being have has had do does did will would can could shall should may might must of to in
on at by for with from about as into like through after over between out against during without before
under around among this that these those here there when where why how what who which whom all any both
each few more most other some such only own same so than too very just also now then today yesterday
tomorrow please thanks thank yes hello hi dear regards best kind
e o os as na no nas nos em da do das dos um uma com para por que não eu ele ela é sou estou y el los las en
con es soy il lo gli di che non sono è ma per del della
""".split()
)

#: Capitalised words that are never a person's name here (greetings, days, months, honorific cues).
NOT_NAMES = set(
    """
bonjour bonsoir salut merci madame monsieur mademoiselle messieurs mesdames cher chère chers chères
hallo hello hi dear guten gudde moien léif léiwe sehr liebe lieber danke vielen viele mfg lg vg gréiss
cordialement regards thanks thank best kind sincerely yours salutations bien
lundi mardi mercredi jeudi vendredi samedi dimanche montag dienstag mittwoch donnerstag freitag samstag
sonntag méindeg dënschdeg mëttwoch donneschdeg freideg samschdeg sonndeg monday tuesday wednesday
thursday friday saturday sunday janvier février mars avril mai juin juillet août septembre octobre
novembre décembre januar februar märz april juni juli august oktober dezember january february march
june july october november december
""".split()
)

#: Words that make a capitalised sequence an organisation, a public body, a service or a product (also as
#: the end of a German or Luxembourgish compound: "Finanzamt", "Sparkasse", "Logementsministère").
ORG_WORDS = set(
    """
ministère ministry ministerium ministère administration administrations verwaltung agence agency
agentur caisse kasse keess fonds fund funds bank banque banca banco bancaire sparkasse office offices
bureau büro service services dienst dienste centre center zentrum centrum institut institute institution
université university universität uni école school schule schoul grondschoul lycée lycee gymnasium
college collège académie academy hôpital hospital spidol klinik clinique clinic kliniken hospitalier
commune communes gemeinde gemeng ville stadt stad city town syndicat syndicate chambre kammer chamber
council conseil rat cour court gericht tribunal police polizei post poste société company co corp
corporation inc incorporated ltd limited llc plc gmbh ag sa s.a. sarl s.à.r.l. asbl association verein
foundation fondation stiftung group groupe gruppe gruppo holding holdings insurance assurance assurances
versicherung versicherungen credit crédit card cards carte cartes union federal fédéral fédérale national
nationale nationalen national's european européen européenne europäische europäischen department
département dept authority autorité autoritäts behörde amt direction direktion inspection inspektion
inspectorate registry register registers registre commission kommission parliament parlement
government gouvernement regierung guichet portal portail programme program programm plan scheme
allowance allocation allocations prime primes bonus subsidy subvention beihilfe zuschuss aid aide
bourse stipendium scholarship grant grants loan loans prêt darlehen mortgage hypothèque hypothek
bankruptcy faillite insolvenz chapter report reporting bureau bureaux services trust trustee
network réseau netzwierk reseau net help hëllef cross croix kreuz caritas red rouge rot
airlines airline airport aéroport flughafen railway railways cfl transport transports transit bus
gare bahnhof station hall halle museum musée theatre théâtre philharmonie library bibliothèque
bibliothek archives archiv biergercenter bürgeramt bürgerbüro sozialamt finanzamt arbeitsamt jugendamt
standesamt einwohnermeldeamt landratsamt krankenkasse pensionskasse familienkasse jobcenter
tribunal justice justiz parquet prosecutor staatsanwaltschaft cabinet partei party parti
ombudsman médiateur ombudsmann chambre-des-salariés league liga club federation fédération verband
cooperative coopérative genossenschaft mutual mutuelle solidarité solidarity benefits pension
pensions rente retraite housing logement wunnéngen wunneng wunnengsbäihëllef kindergeld elternzeit
congé parental accueil maison relais crèche kita foyer home residence résidence resort hotel hôtel
market markt marché supermarket supermarché store stores shop magasin pharmacy pharmacie apotheke
mastercard visa maestro paypal payconiq digicash construction constructions bau bauunternehmen boulangerie
pâtisserie bakery restaurant café cafe brasserie garage atelier werkstatt cabinet kanzlei praxis consulting
transports logistics logistique immobilier immobilière real estate agentur media servicing financial
finance financing associates recovery solutions partners capital lending funding loans servicer collections
collection payments payment systems technologies technology software telecom communications energy
""".split()
)

#: Organisations, public bodies, brands and products written as they are named (folded when read).
ORGANISATIONS = """
CNS|CCSS|ADEM|ACD|AED|CNAP|CAE|CNPF|FNS|SNCA|SNCT|STATEC|LISER|LIST|LIH|CGDIS|CFL|AVL|TICE|RGTR|CHL|HRS|CHEM
Zukunftskeess|Caisse pour l'avenir des enfants|Caisse nationale de santé|Caisse nationale d'assurance pension
Centre commun de la sécurité sociale|Agence pour le développement de l'emploi|Fonds du Logement
Fonds national de solidarité|Administration des contributions directes|Administration de l'enregistrement
Guichet.lu|MyGuichet|MyGuichet.lu|LuxTrust|Luxinnovation|Luxembourg Business Registers|Chèque-Service Accueil
Chambre des salariés|Chambre de commerce|Chambre des métiers|Chamber of Commerce|Inspection du travail et des mines
Police grand-ducale|Spuerkeess|BCEE|Banque et Caisse d'Epargne de l'Etat|BGL BNP Paribas|BGL|BNP Paribas|ING
Raiffeisen|Banque de Luxembourg|Banque Raiffeisen|POST Luxembourg|Post Luxembourg|Luxair|Cargolux|Enovos|Creos
Encevo|SES|ArcelorMittal|Cactus|Delhaize|Auchan|Aldi|Lidl|Match|Cora|Amazon|Amazon Web Services|PayPal
Deutsche Bank|Sparkasse|Barclays|HSBC|Santander|Commerzbank|Volksbank|Caritas|Caritas Luxembourg|Croix-Rouge
Red Cross|Reseau Help|Réseau Help|Stëftung Hëllef Doheem|Hëllef Doheem|Université du Luxembourg
University of Luxembourg|Uni.lu|Ville de Luxembourg|Stad Lëtzebuerg|City of Luxembourg|PwC|KPMG|Deloitte|EY
Equifax|Experian|TransUnion|Wells Fargo|Bank of America|JPMorgan Chase|JPMorgan|Chase|Citibank|Citi|Capital One
Navient|Synchrony|Synchrony Bank|Discover|American Express|Amex|Ocwen|Nationstar|Ally|Ally Financial|Visa
Mastercard|Western Union|MoneyGram|Sallie Mae|Fannie Mae|Freddie Mac|Portfolio Recovery Associates|Midland Funding
Encore Capital|Cash App|Venmo|Zelle|Coinbase|U.S. Bank|US Bank|PNC|TD Bank|Regions|SunTrust|Truist|Fifth Third
Bankruptcy|Chapter 7|Chapter 13|Chapter 7 Bankruptcy|Chapter 13 Bankruptcy|FICO|CFPB|FTC|IRS|HUD|FHA|VA
Kindergeld|Elterngeld|REVIS|REVIS allowance|Cost-of-Living Allowance|Allocation de vie chère|Prime énergie
Europäische Schule|European School|École européenne|Agentur für Arbeit|Bundesagentur für Arbeit|Finanzamt
Familienkasse|Jobcenter|Bürgeramt|Biergercenter|Hôpital Kirchberg|Centre Hospitalier|Maison relais
Google|Apple|Microsoft|Facebook|Meta|Netflix|Spotify|Uber|Airbnb|Booking.com|eBay|Zalando|IKEA|Tesla|BMW
Mercedes|Volkswagen|Renault|Peugeot|Toyota|Orange|Tango|Proximus|Vodafone|Telekom|Deutsche Telekom
""".replace("\n", "|").split("|")

#: Luxembourg's communes and main localities (French, German and Luxembourgish names), and nearby towns.
PLACES = """
Luxembourg|Luxemburg|Lëtzebuerg|Luxembourg-Ville|Esch-sur-Alzette|Esch-Uelzecht|Esch|Differdange|Déifferdeng
Dudelange|Diddeleng|Ettelbruck|Ettelbréck|Diekirch|Dikrech|Wiltz|Wolz|Echternach|Iechternach|Remich|Réimech
Grevenmacher|Gréiwemaacher|Clervaux|Klierf|Vianden|Veianen|Mersch|Miersch|Capellen|Kapellen|Redange
Redange-sur-Attert|Réiden|Bettembourg|Beetebuerg|Strassen|Stroossen|Bertrange|Bartreng|Hesperange|Hesper
Sanem|Suessem|Pétange|Péiteng|Schifflange|Schëffleng|Kayl|Käl|Rumelange|Rëmeleng|Mondorf-les-Bains
Munneref|Mamer|Walferdange|Walfer|Steinsel|Lorentzweiler|Junglinster|Jonglënster|Sandweiler|Contern
Niederanven|Schuttrange|Roeser|Leudelange|Kehlen|Kopstal|Steinfort|Käerjeng|Mondercange|Monnerech
Frisange|Dalheim|Bous|Schengen|Mertert|Wormeldange|Flaxweiler|Betzdorf|Biwer|Manternach|Mompach|Rosport
Rosport-Mompach|Consdorf|Bech|Berdorf|Waldbillig|Heffingen|Fischbach|Nommern|Larochette|Fiels
Vallée de l'Ernz|Erpeldange|Erpeldange-sur-Sûre|Bettendorf|Reisdorf|Tandel|Putscheid|Parc Hosingen
Weiswampach|Troisvierges|Ulflingen|Wincrange|Wintger|Kiischpelt|Goesdorf|Esch-sur-Sûre|Lac de la Haute-Sûre
Boulaide|Rambrouch|Wahl|Grosbous|Préizerdaul|Useldange|Vichten|Saeul|Ell|Beckerich|Helperknapp|Habscht
Bissen|Colmar-Berg|Schieren|Feulen|Mertzig|Bourscheid|Lintgen|Reckange-sur-Mess|Dippach|Garnich|Koerich
Lenningen|Stadtbredimus|Waldbredimus|Weiler-la-Tour|Hobscheid|Clemency|Bascharage|Niederkorn|Oberkorn
Belvaux|Soleuvre|Ehlerange|Foetz|Howald|Itzig|Alzingen|Fentange|Bonnevoie|Bouneweg|Gasperich|Cloche d'Or
Kirchberg|Limpertsberg|Belair|Merl|Hollerich|Hamm|Cents|Pfaffenthal|Clausen|Grund|Eich|Dommeldange
Beggen|Weimerskirch|Neudorf|Cessange|Rollingergrund|Muhlenbach|Belval|Senningerberg|Munsbach|Olm|Dahlem
Berbourg|Wasserbillig|Grevenmacher|Ehnen|Machtum|Schwebsingen|Wellenstein|Remerschen|Ellange|Aspelt
Thionville|Metz|Nancy|Longwy|Arlon|Aarlen|Trier|Trèves|Saarbrücken|Sarrebruck|Perl|Merzig|Bitburg
Liège|Namur|Bruxelles|Brussels|Brüssel|Paris|Berlin|London|Londres|Lisbon|Lisbonne|Porto|Rome|Milan
Strasbourg|Strassburg|Frankfurt|Francfort|Cologne|Köln|Amsterdam|Zurich|Zürich|Geneva|Genève|Madrid
France|Frankreich|Belgique|Belgien|Belgium|Allemagne|Deutschland|Germany|Portugal|Italie|Italien|Italy
Lorraine|Moselle|Wallonie|Wallonia|Sarre|Saarland|Rhénanie-Palatinat|Rheinland-Pfalz|Europe|Europa
""".replace("\n", "|").split("|")
