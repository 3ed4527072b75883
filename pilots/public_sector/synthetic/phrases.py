"""Phrase pools of the synthetic request generator, in French, German, Luxembourgish and English.

Written for this project (no copied text). A request body is composed from: a request frame with a
theme object ("Ich habe eine Frage zu {obj}."), context sentences of the theme, generic filler,
sometimes a distractor sentence from another theme, an urgency cue, a detail with an amount or a date,
and contact sentences that carry the planted personal data. Objects are dative noun phrases in German
and Luxembourgish and start with a possessive or an article in French so that every frame fits.

The LAST item of each pool of frames, theme objects, theme contexts, generic sentences and urgency
cues is a "held-out phrasing": the generator's ``phrase_pool="train"`` leaves them out, so a model
trained on such requests can be tested on wordings it never saw.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Request frames: "{obj}" is replaced by a theme object.
FRAMES: dict[str, list[str]] = {
    "fr": [
        "Je vous contacte concernant {obj}.",
        "J'aurais besoin d'aide pour {obj}.",
        "Pourriez-vous me renseigner sur {obj} ?",
        "Ma demande concerne {obj}.",
        "Question concernant {obj}",
        "je comprends pas la procédure pour {obj}",
        "Que dois-je faire pour {obj} ?",
        "Je me permets de vous écrire au sujet de {obj}.",
    ],
    "de": [
        "Ich habe eine Frage zu {obj}.",
        "Ich brauche Hilfe bei {obj}.",
        "Ich schreibe Ihnen wegen {obj}.",
        "Können Sie mir bei {obj} helfen?",
        "Wie geht das mit {obj}?",
        "Anfrage zu {obj}",
        "Was muss ich tun bei {obj}?",
        "Ich wende mich an Sie in Bezug auf {obj}.",
    ],
    "lb": [
        "Ech hätt eng Fro zu {obj}.",
        "Ech bräicht Hëllef bei {obj}.",
        "Ech schreiwen Iech wéinst {obj}.",
        "Kënnt Dir mir w.e.g. mat {obj} hëllefen?",
        "Wéi geet dat mat {obj}?",
        "Fro wéinst {obj}",
        "Wat muss ech maache bei {obj}?",
        "Ech mellen mech bei Iech wéinst {obj}.",
    ],
    "en": [
        "I have a question about {obj}.",
        "I need help with {obj}.",
        "I am writing regarding {obj}.",
        "Could you help me with {obj}?",
        "What do I need to do for {obj}?",
        "Question about {obj}",
        "how does it work with {obj}?",
        "I would like some information on {obj}.",
    ],
}

# theme -> language -> (objects, contexts). Last item of each list = held-out phrasing.
THEME_PHRASES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "residence_registration": {
        "fr": (
            [
                "ma déclaration d'arrivée à la commune",
                "mon changement d'adresse",
                "un certificat de résidence",
                "l'inscription au registre de la population",
                "mon certificat de résidence élargi",
            ],
            [
                "Nous avons déménagé le mois dernier à Esch-sur-Alzette.",
                "J'habite maintenant dans un nouvel appartement à Differdange.",
                "Je dois me déclarer auprès de la commune après mon emménagement.",
                "Mon bail commence au début du mois et je change de commune.",
            ],
        ),
        "de": (
            [
                "meiner Anmeldung bei der Gemeinde",
                "meiner Ummeldung nach dem Umzug",
                "einer Wohnsitzbescheinigung",
                "der Eintragung ins Einwohnerregister",
                "meiner Meldebescheinigung",
            ],
            [
                "Wir sind letzten Monat nach Esch-sur-Alzette umgezogen.",
                "Ich wohne jetzt in einer neuen Wohnung in Düdelingen.",
                "Ich muss mich nach dem Einzug bei der Gemeinde melden.",
                "Mein Mietvertrag beginnt am Monatsanfang und ich wechsle die Gemeinde.",
            ],
        ),
        "lb": (
            [
                "menger Umeldung op der Gemeng",
                "der Ummeldung no mengem Plënneren",
                "engem Wunnsëtzzertifikat",
                "der Aschreiwung am Bevëlkerungsregister",
                "mengem Certificat de résidence",
            ],
            [
                "Mir sinn de leschte Mount op Esch geplënnert.",
                "Ech wunnen elo an enger neier Wunneng zu Diddeleng.",
                "Ech muss mech no der Plënnerei op der Gemeng umellen.",
                "Mäi Bail fänkt Ufank vum Mount un an ech wiesselen d'Gemeng.",
            ],
        ),
        "en": (
            [
                "my registration at the town hall",
                "my change of address",
                "a certificate of residence",
                "the entry in the population register",
                "my proof of address",
            ],
            [
                "We moved to Esch-sur-Alzette last month.",
                "I now live in a new flat in Differdange.",
                "I have to register with the commune after moving in.",
                "My lease starts at the beginning of the month and I am changing municipality.",
            ],
        ),
    },
    "family_benefits": {
        "fr": (
            [
                "les allocations familiales",
                "l'allocation de naissance",
                "mon congé parental",
                "l'allocation de rentrée scolaire",
                "l'allocation familiale pour ma fille",
            ],
            [
                "Notre fils est né en mars.",
                "Je travaille comme frontalier et mes enfants vivent en France.",
                "Ma fille a commencé ses études et a maintenant 19 ans.",
                "Nous attendons notre deuxième enfant pour l'été.",
            ],
        ),
        "de": (
            [
                "dem Kindergeld",
                "der Geburtszulage",
                "meinem Elternurlaub",
                "der Schulanfangszulage",
                "der Familienzulage für meine Tochter",
            ],
            [
                "Unser Sohn ist im März geboren.",
                "Ich arbeite als Grenzgänger und meine Kinder leben in Deutschland.",
                "Meine Tochter hat ihr Studium begonnen und ist jetzt 19 Jahre alt.",
                "Wir erwarten im Sommer unser zweites Kind.",
            ],
        ),
        "lb": (
            [
                "dem Kannergeld",
                "der Gebuertsprime",
                "mengem Congé parental",
                "der Rentrée-Allocatioun",
                "den Allocations familiales fir meng Duechter",
            ],
            [
                "Eise Bouf ass am Mäerz op d'Welt komm.",
                "Ech schaffen als Frontalier a meng Kanner wunnen an der Belsch.",
                "Meng Duechter huet ugefaang ze studéieren an ass elo 19 Joer al.",
                "Mir erwaarden eist zweet Kand fir de Summer.",
            ],
        ),
        "en": (
            [
                "the child benefit",
                "the birth allowance",
                "my parental leave",
                "the back-to-school allowance",
                "the family allowance for my daughter",
            ],
            [
                "Our son was born in March.",
                "I work as a cross-border commuter and my children live in France.",
                "My daughter started university and is now 19 years old.",
                "We are expecting our second child in the summer.",
            ],
        ),
    },
    "housing_aid": {
        "fr": (
            [
                "une aide au logement",
                "la subvention de loyer",
                "la prime d'acquisition pour notre maison",
                "la garantie locative de l'État",
                "une aide pour le premier achat d'un appartement",
            ],
            [
                "Nous louons un appartement et le loyer a beaucoup augmenté.",
                "Nous voulons acheter notre première maison à Mersch.",
                "Notre propriétaire demande une garantie de trois mois.",
                "Avec un seul salaire nous avons du mal à payer le loyer.",
            ],
        ),
        "de": (
            [
                "einer Wohnungsbeihilfe",
                "dem Mietzuschuss",
                "der Erwerbsprämie für unser Haus",
                "der staatlichen Mietgarantie",
                "einer Beihilfe zum ersten Wohnungskauf",
            ],
            [
                "Wir mieten eine Wohnung und die Miete ist stark gestiegen.",
                "Wir möchten unser erstes Haus in Mersch kaufen.",
                "Unser Vermieter verlangt eine Kaution von drei Monatsmieten.",
                "Mit nur einem Gehalt können wir die Miete kaum bezahlen.",
            ],
        ),
        "lb": (
            [
                "enger Wunnengshëllef",
                "der Subventioun fir de Loyer",
                "der Acquisitiounsprime fir eist Haus",
                "der Loyersgarantie vum Staat",
                "enger Hëllef fir déi éischt Wunneng ze kafen",
            ],
            [
                "Mir lounen en Appartement an de Loyer ass vill an d'Luucht gaangen.",
                "Mir wëllen eist éischt Haus zu Miersch kafen.",
                "Eise Proprietär freet eng Garantie vun dräi Méint.",
                "Mat nëmmen enger Pai kommen mir kaum mam Loyer eens.",
            ],
        ),
        "en": (
            [
                "a housing allowance",
                "the rent subsidy",
                "the purchase grant for our house",
                "the state rental guarantee",
                "support for buying a first flat",
            ],
            [
                "We rent a flat and the rent has gone up a lot.",
                "We want to buy our first house in Mersch.",
                "Our landlord asks for a deposit of three months.",
                "With only one salary we struggle to pay the rent.",
            ],
        ),
    },
    "taxes": {
        "fr": (
            [
                "ma déclaration d'impôt",
                "ma fiche de retenue d'impôt",
                "un remboursement d'impôt",
                "ma classe d'impôt après mon mariage",
                "le décompte annuel de l'impôt sur le revenu",
            ],
            [
                "J'ai reçu un bulletin d'impôt que je ne comprends pas.",
                "Mon employeur applique la mauvaise classe d'impôt.",
                "Je voudrais déduire mes intérêts débiteurs et mes frais de garde.",
                "Depuis notre mariage nous voulons une imposition collective.",
            ],
        ),
        "de": (
            [
                "meiner Steuererklärung",
                "meiner Steuerkarte",
                "einer Steuerrückerstattung",
                "meiner Steuerklasse nach der Heirat",
                "dem Lohnsteuerjahresausgleich",
            ],
            [
                "Ich habe einen Steuerbescheid bekommen, den ich nicht verstehe.",
                "Mein Arbeitgeber wendet die falsche Steuerklasse an.",
                "Ich möchte meine Schuldzinsen und Betreuungskosten absetzen.",
                "Seit unserer Heirat möchten wir gemeinsam veranlagt werden.",
            ],
        ),
        "lb": (
            [
                "menger Steiererklärung",
                "menger Steierkaart",
                "engem Steierremboursement",
                "menger Steierklass no der Hochzäit",
                "dem Decompte annuel vun de Steieren",
            ],
            [
                "Ech hunn e Steierbescheed kritt, deen ech net verstinn.",
                "Mäi Patron hëlt déi falsch Steierklass.",
                "Ech wéilt meng Zënsen an d'Käschte fir d'Crèche ofsetzen.",
                "Zënter eiser Hochzäit wëlle mir zesumme besteiert ginn.",
            ],
        ),
        "en": (
            [
                "my tax return",
                "my tax card",
                "a tax refund",
                "my tax class after my wedding",
                "the annual income tax adjustment",
            ],
            [
                "I received a tax assessment that I do not understand.",
                "My employer is applying the wrong tax class.",
                "I would like to deduct my loan interest and childcare costs.",
                "Since our marriage we want to be taxed jointly.",
            ],
        ),
    },
    "vehicles": {
        "fr": (
            [
                "l'immatriculation de ma voiture",
                "la carte grise de mon véhicule",
                "le contrôle technique",
                "la taxe sur les véhicules",
                "l'importation d'une voiture achetée en Allemagne",
            ],
            [
                "J'ai acheté une voiture d'occasion en Belgique.",
                "Ma voiture doit passer au contrôle technique à Sandweiler.",
                "Je voudrais des plaques personnalisées.",
                "Je vends mon véhicule et je dois le déclarer.",
            ],
        ),
        "de": (
            [
                "der Zulassung meines Autos",
                "dem Fahrzeugschein",
                "der technischen Kontrolle",
                "der Kraftfahrzeugsteuer",
                "der Einfuhr eines in Frankreich gekauften Wagens",
            ],
            [
                "Ich habe einen Gebrauchtwagen in Belgien gekauft.",
                "Mein Auto muss in Sandweiler zur technischen Kontrolle.",
                "Ich hätte gerne ein Wunschkennzeichen.",
                "Ich verkaufe mein Fahrzeug und muss es abmelden.",
            ],
        ),
        "lb": (
            [
                "der Immatrikulatioun vu mengem Auto",
                "der Carte grise vu mengem Gefier",
                "dem Contrôle technique",
                "der Autostax",
                "dem Import vun engem Auto, deen ech an Däitschland kaaft hunn",
            ],
            [
                "Ech hunn en Occasiounsauto an der Belsch kaaft.",
                "Mäin Auto muss op Sandweiler an de Contrôle.",
                "Ech hätt gär eng perséinlech Nummerplack.",
                "Ech verkafen mäi Gefier a muss et ofmellen.",
            ],
        ),
        "en": (
            [
                "the registration of my car",
                "my vehicle registration certificate",
                "the roadworthiness test",
                "the vehicle tax",
                "importing a car bought in Germany",
            ],
            [
                "I bought a used car in Belgium.",
                "My car has to go for inspection in Sandweiler.",
                "I would like personalised number plates.",
                "I am selling my vehicle and need to deregister it.",
            ],
        ),
    },
    "driving_licence": {
        "fr": (
            [
                "mon permis de conduire",
                "l'échange de mon permis étranger",
                "le renouvellement de mon permis",
                "l'examen théorique du permis",
                "un duplicata de mon permis de conduire",
            ],
            [
                "J'ai un permis de conduire brésilien.",
                "Mon permis expire bientôt.",
                "Mon fils veut s'inscrire à l'auto-école pour passer le permis B.",
                "Je voudrais ajouter la catégorie moto à mon permis.",
            ],
        ),
        "de": (
            [
                "meinem Führerschein",
                "dem Umtausch meines ausländischen Führerscheins",
                "der Verlängerung meines Führerscheins",
                "der theoretischen Führerscheinprüfung",
                "einem Duplikat meines Führerscheins",
            ],
            [
                "Ich habe einen brasilianischen Führerschein.",
                "Mein Führerschein läuft bald ab.",
                "Mein Sohn möchte sich in der Fahrschule für den Führerschein B anmelden.",
                "Ich möchte die Motorradklasse zu meinem Führerschein hinzufügen.",
            ],
        ),
        "lb": (
            [
                "mengem Führerschäin",
                "dem Ëmtausch vu mengem auslännesche Permis",
                "der Verlängerung vu mengem Führerschäin",
                "der theoretescher Prüfung fir de Permis",
                "engem Duplikat vu mengem Permis",
            ],
            [
                "Ech hunn e brasilianesche Führerschäin.",
                "Mäi Permis leeft geschwë of.",
                "Mäi Jong wëll sech an der Fahrschoul fir de Permis B aschreiwen.",
                "Ech wéilt d'Moto-Kategorie op mäi Permis derbäi setzen.",
            ],
        ),
        "en": (
            [
                "my driving licence",
                "exchanging my foreign driving licence",
                "renewing my driving licence",
                "the theory test for the licence",
                "a duplicate of my driving licence",
            ],
            [
                "I have a Brazilian driving licence.",
                "My licence expires soon.",
                "My son wants to enrol at a driving school for the category B licence.",
                "I would like to add the motorcycle category to my licence.",
            ],
        ),
    },
    "employment": {
        "fr": (
            [
                "mon inscription comme demandeur d'emploi",
                "les indemnités de chômage",
                "une formation proposée par l'ADEM",
                "mon rendez-vous avec le conseiller emploi",
                "l'aide à l'embauche pour mon entreprise",
            ],
            [
                "J'ai été licencié la semaine dernière.",
                "Mon contrat à durée déterminée se termine fin juin.",
                "Je cherche un travail dans la logistique.",
                "Je voudrais me réorienter vers un métier du numérique.",
            ],
        ),
        "de": (
            [
                "meiner Anmeldung als Arbeitsuchender",
                "dem Arbeitslosengeld",
                "einer Weiterbildung der ADEM",
                "meinem Termin beim Arbeitsvermittler",
                "der Einstellungsbeihilfe für meine Firma",
            ],
            [
                "Mir wurde letzte Woche gekündigt.",
                "Mein befristeter Vertrag endet Ende Juni.",
                "Ich suche eine Arbeit in der Logistik.",
                "Ich möchte mich beruflich in Richtung IT umorientieren.",
            ],
        ),
        "lb": (
            [
                "menger Aschreiwung als Aarbechtsuchenden",
                "dem Chômage",
                "enger Formatioun vun der ADEM",
                "mengem Rendez-vous mam Beroder vun der ADEM",
                "der Hëllef fir eng Astellung a mengem Betrib",
            ],
            [
                "Ech si leschte Woch entlooss ginn.",
                "Mäi CDD leeft Enn Juni aus.",
                "Ech sichen eng Aarbecht an der Logistik.",
                "Ech wéilt mech an d'Informatik ëmorientéieren.",
            ],
        ),
        "en": (
            [
                "registering as a jobseeker",
                "unemployment benefits",
                "a training course offered by ADEM",
                "my appointment with the employment adviser",
                "the hiring subsidy for my company",
            ],
            [
                "I was made redundant last week.",
                "My fixed-term contract ends at the end of June.",
                "I am looking for a job in logistics.",
                "I would like to retrain for a job in IT.",
            ],
        ),
    },
    "health_insurance": {
        "fr": (
            [
                "le remboursement de mes frais médicaux",
                "ma carte de sécurité sociale",
                "mon affiliation à la CNS",
                "les indemnités pécuniaires de maladie",
                "la prise en charge d'un traitement à l'étranger",
            ],
            [
                "J'ai envoyé mes factures du médecin il y a deux mois.",
                "Je suis en arrêt maladie depuis trois semaines.",
                "Mon dentiste m'a donné un devis pour une couronne.",
                "Je dois me faire opérer dans un hôpital à Trèves.",
            ],
        ),
        "de": (
            [
                "der Erstattung meiner Arztkosten",
                "meiner Sozialversicherungskarte",
                "meiner Versicherung bei der CNS",
                "dem Krankengeld",
                "der Kostenübernahme für eine Behandlung im Ausland",
            ],
            [
                "Ich habe meine Arztrechnungen vor zwei Monaten eingeschickt.",
                "Ich bin seit drei Wochen krankgeschrieben.",
                "Mein Zahnarzt hat mir einen Kostenvoranschlag für eine Krone gegeben.",
                "Ich muss mich in einem Krankenhaus in Trier operieren lassen.",
            ],
        ),
        "lb": (
            [
                "dem Remboursement vu menge Doktesrechnungen",
                "menger Sozialversécherungskaart",
                "menger Affiliatioun bei der CNS",
                "dem Krankegeld",
                "der Prise en charge vun enger Behandlung am Ausland",
            ],
            [
                "Ech hunn meng Rechnunge vum Dokter virun zwee Méint geschéckt.",
                "Ech si säit dräi Wochen krankgeschriwwen.",
                "Mäin Zänndokter huet mir en Devis fir eng Kroun ginn.",
                "Ech muss mech an engem Spidol zu Tréier operéiere loossen.",
            ],
        ),
        "en": (
            [
                "the reimbursement of my medical costs",
                "my social security card",
                "my membership of the CNS",
                "sickness cash benefits",
                "the coverage of a treatment abroad",
            ],
            [
                "I sent my doctor's invoices two months ago.",
                "I have been on sick leave for three weeks.",
                "My dentist gave me a quote for a crown.",
                "I need an operation in a hospital in Trier.",
            ],
        ),
    },
    "pensions": {
        "fr": (
            [
                "ma pension de vieillesse",
                "le calcul de ma retraite",
                "ma carrière d'assurance",
                "la pension de survie de mon mari",
                "un départ en pré-retraite",
            ],
            [
                "J'aurai 65 ans l'année prochaine.",
                "J'ai travaillé 20 ans au Luxembourg et 15 ans au Portugal.",
                "Mon mari est décédé au mois de janvier.",
                "Je voudrais savoir combien d'années il me manque.",
            ],
        ),
        "de": (
            [
                "meiner Altersrente",
                "der Berechnung meiner Rente",
                "meinem Versicherungsverlauf",
                "der Hinterbliebenenrente meines Mannes",
                "einem vorzeitigen Ruhestand",
            ],
            [
                "Ich werde nächstes Jahr 65.",
                "Ich habe 20 Jahre in Luxemburg und 15 Jahre in Portugal gearbeitet.",
                "Mein Mann ist im Januar verstorben.",
                "Ich möchte wissen, wie viele Jahre mir noch fehlen.",
            ],
        ),
        "lb": (
            [
                "menger Pensioun",
                "der Berechnung vu menger Rent",
                "menger Versécherungskarriär",
                "der Pension de survie vu mengem Mann",
                "der Preretraite",
            ],
            [
                "Ech ginn d'nächst Joer 65.",
                "Ech hunn 20 Joer zu Lëtzebuerg an 15 Joer a Portugal geschafft.",
                "Mäi Mann ass am Januar gestuerwen.",
                "Ech wéilt wëssen, wéi vill Joer mir nach feelen.",
            ],
        ),
        "en": (
            [
                "my old-age pension",
                "the calculation of my pension",
                "my insurance record",
                "the survivor's pension of my husband",
                "taking early retirement",
            ],
            [
                "I will turn 65 next year.",
                "I worked 20 years in Luxembourg and 15 years in Portugal.",
                "My husband passed away in January.",
                "I would like to know how many years I am still missing.",
            ],
        ),
    },
    "nationality": {
        "fr": (
            [
                "la nationalité luxembourgeoise",
                "ma demande de naturalisation",
                "l'option pour la nationalité",
                "le test de langue luxembourgeoise",
                "le cours Vivre ensemble au Grand-Duché",
            ],
            [
                "J'habite au Luxembourg depuis six ans.",
                "Mon grand-père était luxembourgeois.",
                "Je me suis inscrit au Sproochentest pour le mois prochain.",
                "Je voudrais garder ma nationalité portugaise aussi.",
            ],
        ),
        "de": (
            [
                "der luxemburgischen Staatsangehörigkeit",
                "meinem Einbürgerungsantrag",
                "der Option für die Staatsbürgerschaft",
                "dem Luxemburgisch-Sprachtest",
                "dem Kurs Zusammenleben im Großherzogtum",
            ],
            [
                "Ich wohne seit sechs Jahren in Luxemburg.",
                "Mein Großvater war Luxemburger.",
                "Ich habe mich für den Sproochentest im nächsten Monat angemeldet.",
                "Ich möchte meine deutsche Staatsangehörigkeit behalten.",
            ],
        ),
        "lb": (
            [
                "der Lëtzebuerger Nationalitéit",
                "menger Demande fir d'Naturalisatioun",
                "der Optioun fir d'Nationalitéit",
                "dem Sproochentest",
                "dem Cours Zesummeliewen am Grand-Duché",
            ],
            [
                "Ech wunne säit sechs Joer zu Lëtzebuerg.",
                "Mäi Bopa war Lëtzebuerger.",
                "Ech hu mech fir de Sproochentest de nächste Mount ageschriwwen.",
                "Ech wéilt meng franséisch Nationalitéit och behalen.",
            ],
        ),
        "en": (
            [
                "Luxembourgish citizenship",
                "my naturalisation application",
                "the option procedure for nationality",
                "the Luxembourgish language test",
                "the living together in Luxembourg course",
            ],
            [
                "I have lived in Luxembourg for six years.",
                "My grandfather was Luxembourgish.",
                "I signed up for the Sproochentest next month.",
                "I would like to keep my Italian citizenship as well.",
            ],
        ),
    },
    "education": {
        "fr": (
            [
                "l'inscription de mon fils à l'école fondamentale",
                "le choix du lycée pour ma fille",
                "une bourse d'études",
                "la reconnaissance de mon diplôme",
                "la maison relais pour les enfants",
            ],
            [
                "Nous venons d'arriver et notre fille a 8 ans.",
                "Mon fils termine le cycle 4 cette année.",
                "J'ai obtenu mon diplôme d'infirmière en Roumanie.",
                "Mon enfant a besoin d'un soutien scolaire en allemand.",
            ],
        ),
        "de": (
            [
                "der Einschulung meines Sohnes in die Grundschule",
                "der Wahl des Gymnasiums für meine Tochter",
                "einem Studienstipendium",
                "der Anerkennung meines Diploms",
                "der Maison relais für die Kinder",
            ],
            [
                "Wir sind gerade angekommen und unsere Tochter ist 8 Jahre alt.",
                "Mein Sohn beendet dieses Jahr den Zyklus 4.",
                "Ich habe mein Krankenpflegediplom in Rumänien gemacht.",
                "Mein Kind braucht Nachhilfe in Französisch.",
            ],
        ),
        "lb": (
            [
                "der Aschreiwung vu mengem Jong an der Grondschoul",
                "dem Choix vum Lycée fir meng Duechter",
                "engem Stipendium fir d'Studien",
                "der Unerkennung vu mengem Diplom",
                "der Maison relais fir d'Kanner",
            ],
            [
                "Mir sinn eréischt ukomm an eis Duechter ass 8 Joer al.",
                "Mäi Jong mécht dëst Joer de Cycle 4 fäerdeg.",
                "Ech hu mäin Infirmièresdiplom a Rumänien gemaach.",
                "Mäi Kand brauch Nohëllef an Däitsch.",
            ],
        ),
        "en": (
            [
                "enrolling my son in primary school",
                "choosing a secondary school for my daughter",
                "a study grant",
                "the recognition of my diploma",
                "the after-school care for the children",
            ],
            [
                "We have just arrived and our daughter is 8 years old.",
                "My son finishes cycle 4 this year.",
                "I obtained my nursing diploma in Romania.",
                "My child needs extra support in German at school.",
            ],
        ),
    },
    "business_creation": {
        "fr": (
            [
                "l'autorisation d'établissement",
                "la création de ma société",
                "l'immatriculation au registre de commerce",
                "mon activité d'indépendant",
                "l'ouverture d'un restaurant",
            ],
            [
                "Je veux ouvrir un salon de coiffure à Ettelbruck.",
                "Nous créons une SARL-S à deux associés.",
                "Je suis électricien et je veux me mettre à mon compte.",
                "Je voudrais lancer une petite entreprise de nettoyage.",
            ],
        ),
        "de": (
            [
                "der Niederlassungsgenehmigung",
                "der Gründung meiner Firma",
                "der Eintragung ins Handelsregister",
                "meiner selbstständigen Tätigkeit",
                "der Eröffnung eines Restaurants",
            ],
            [
                "Ich möchte einen Friseursalon in Ettelbrück eröffnen.",
                "Wir gründen eine SARL-S mit zwei Gesellschaftern.",
                "Ich bin Elektriker und möchte mich selbstständig machen.",
                "Ich möchte ein kleines Reinigungsunternehmen gründen.",
            ],
        ),
        "lb": (
            [
                "der Autorisation d'établissement",
                "der Grënnung vu menger Firma",
                "der Aschreiwung am Handelsregister",
                "menger Aktivitéit als Indépendant",
                "der Ouverture vun engem Restaurant",
            ],
            [
                "Ech wëll e Coiffeursalon zu Ettelbréck opmaachen.",
                "Mir grënnen eng SARL-S mat zwee Associéen.",
                "Ech sinn Elektriker a wëll mech selbststänneg maachen.",
                "Ech wéilt eng kleng Botzfirma lancéieren.",
            ],
        ),
        "en": (
            [
                "the business permit",
                "setting up my company",
                "registering with the trade and companies register",
                "working as a self-employed person",
                "opening a restaurant",
            ],
            [
                "I want to open a hair salon in Ettelbruck.",
                "We are founding a simplified limited company with two partners.",
                "I am an electrician and want to start my own business.",
                "I would like to launch a small cleaning company.",
            ],
        ),
    },
    "social_aid": {
        "fr": (
            [
                "le revenu d'inclusion sociale (REVIS)",
                "l'allocation de vie chère",
                "la prime énergie",
                "une aide financière d'urgence",
                "l'allocation pour personnes gravement handicapées",
            ],
            [
                "Je vis seule avec mes deux enfants et un petit salaire.",
                "Mes revenus ne suffisent plus pour payer les factures.",
                "Je n'ai plus droit au chômage depuis ce mois.",
                "L'office social de ma commune m'a conseillé de vous écrire.",
            ],
        ),
        "de": (
            [
                "dem Sozialeinkommen REVIS",
                "der Teuerungszulage",
                "der Energieprämie",
                "einer finanziellen Nothilfe",
                "der Beihilfe für Schwerbehinderte",
            ],
            [
                "Ich lebe allein mit meinen zwei Kindern und einem kleinen Gehalt.",
                "Mein Einkommen reicht nicht mehr für die Rechnungen.",
                "Ich habe seit diesem Monat keinen Anspruch mehr auf Arbeitslosengeld.",
                "Das Sozialamt meiner Gemeinde hat mir geraten, Ihnen zu schreiben.",
            ],
        ),
        "lb": (
            [
                "dem REVIS",
                "der Allocation de vie chère",
                "der Energieprime",
                "enger finanzieller Nohëllef",
                "der Hëllef fir schwéier behënnert Leit",
            ],
            [
                "Ech liewen eleng mat menge zwee Kanner an enger klenger Pai.",
                "Meng Akommes duergen net méi fir d'Rechnungen.",
                "Ech hu säit dësem Mount keen Usproch méi op Chômage.",
                "D'Office social vu menger Gemeng huet mir geroden, Iech ze schreiwen.",
            ],
        ),
        "en": (
            [
                "the social inclusion income (REVIS)",
                "the cost-of-living allowance",
                "the energy bonus",
                "emergency financial help",
                "the allowance for severely disabled people",
            ],
            [
                "I live alone with my two children on a small salary.",
                "My income is no longer enough to pay the bills.",
                "I am no longer entitled to unemployment benefit from this month.",
                "The social office of my commune advised me to write to you.",
            ],
        ),
    },
    "not_for_us": {
        "fr": (
            [
                "une réservation de table pour samedi",
                "le prix d'un abonnement de téléphone",
                "mon colis commandé sur internet",
                "des conseils pour mon jardin",
                "la location d'une salle pour un mariage",
            ],
            [
                "Je cherche un bon restaurant à Remich.",
                "Mon voisin fait trop de bruit le soir et je voudrais un avocat privé.",
                "Le magasin refuse de reprendre mon aspirateur.",
                "Je voudrais acheter des billets pour le concert à la Rockhal.",
            ],
        ),
        "de": (
            [
                "einer Tischreservierung für Samstag",
                "dem Preis eines Handyvertrags",
                "meinem im Internet bestellten Paket",
                "Tipps für meinen Garten",
                "der Miete eines Saals für eine Hochzeit",
            ],
            [
                "Ich suche ein gutes Restaurant in Remich.",
                "Mein Nachbar ist abends zu laut und ich suche einen Privatanwalt.",
                "Das Geschäft will meinen Staubsauger nicht zurücknehmen.",
                "Ich möchte Karten für das Konzert in der Rockhal kaufen.",
            ],
        ),
        "lb": (
            [
                "enger Reservatioun fir Samschdeg",
                "dem Präis vun engem Handysabonnement",
                "mengem Pak, deen ech um Internet bestallt hunn",
                "Tipps fir mäi Gaart",
                "der Locatioun vun engem Sall fir eng Hochzäit",
            ],
            [
                "Ech sichen e gudde Restaurant zu Réimech.",
                "Mäi Noper mécht owes ze vill Kaméidi an ech sichen e private Affekot.",
                "De Buttek wëll mäi Staubsauger net zeréckhuelen.",
                "Ech wéilt Ticketen fir de Concert an der Rockhal kafen.",
            ],
        ),
        "en": (
            [
                "a table reservation for Saturday",
                "the price of a mobile phone plan",
                "my parcel ordered online",
                "advice for my garden",
                "renting a hall for a wedding",
            ],
            [
                "I am looking for a good restaurant in Remich.",
                "My neighbour is too loud in the evening and I want a private lawyer.",
                "The shop refuses to take back my vacuum cleaner.",
                "I would like to buy tickets for the concert at the Rockhal.",
            ],
        ),
    },
}

# Vague objects: the request itself does not say which procedure it is about (the theme may still
# show in a context sentence, or not at all: those requests are for a person to route).
VAGUE_OBJECTS: dict[str, list[str]] = {
    "fr": ["mon dossier", "une attestation", "un formulaire", "ma demande en cours", "un certificat"],
    "de": ["meinem Antrag", "einer Bescheinigung", "einem Formular", "meiner Akte", "einem Nachweis"],
    "lb": ["mengem Dossier", "enger Attestatioun", "engem Formulaire", "menger Demande", "engem Certificat"],
    "en": ["my file", "a certificate", "a form", "my pending application", "a supporting document"],
}

# Theme-neutral filler that appears in many requests.
GENERIC: dict[str, list[str]] = {
    "fr": [
        "Je ne trouve pas le bon formulaire sur le site.",
        "Merci d'avance pour votre réponse.",
        "J'ai déjà envoyé un e-mail mais sans réponse.",
        "Quels documents dois-je fournir ?",
        "Est-ce que je peux faire la démarche en ligne avec MyGuichet ?",
        "Je ne parle pas bien le français, désolé pour les fautes.",
    ],
    "de": [
        "Ich finde das richtige Formular auf der Webseite nicht.",
        "Vielen Dank im Voraus für Ihre Antwort.",
        "Ich habe schon eine E-Mail geschickt, aber keine Antwort bekommen.",
        "Welche Unterlagen muss ich einreichen?",
        "Kann ich das online über MyGuichet erledigen?",
        "Entschuldigen Sie mein schlechtes Deutsch.",
    ],
    "lb": [
        "Ech fannen net dat richtegt Formulaire um Site.",
        "Merci am Viraus fir Är Äntwert.",
        "Ech hu schonn en E-Mail geschéckt mee keng Äntwert kritt.",
        "Wéi eng Dokumenter muss ech ofginn?",
        "Kann ech dat online iwwer MyGuichet maachen?",
        "Entschëllegt mäi Lëtzebuergesch, ech léieren nach.",
    ],
    "en": [
        "I cannot find the right form on the website.",
        "Thank you in advance for your answer.",
        "I already sent an e-mail but got no reply.",
        "Which documents do I need to provide?",
        "Can I do this online through MyGuichet?",
        "Sorry for my English, it is not my first language.",
    ],
}

# Urgency cues. "time_sensitive": a deadline within weeks; "urgent": benefits stopped, documents lost
# or stolen, a deadline within days. "{date}" is replaced by a date in the language's usual format.
URGENCY_CUES: dict[str, dict[str, list[str]]] = {
    "time_sensitive": {
        "fr": [
            "Le délai est fixé au {date}.",
            "Je dois rendre le dossier avant le {date}.",
            "Il me faudrait une réponse d'ici la fin du mois.",
            "La date limite approche (le {date}).",
        ],
        "de": [
            "Die Frist endet am {date}.",
            "Ich muss die Unterlagen bis zum {date} abgeben.",
            "Ich bräuchte bis Ende des Monats eine Antwort.",
            "Der Stichtag rückt näher ({date}).",
        ],
        "lb": [
            "De Delai ass de {date}.",
            "Ech muss den Dossier bis de {date} ofginn.",
            "Ech bräicht eng Äntwert bis Enn vum Mount.",
            "D'Deadline ass geschwënn ({date}).",
        ],
        "en": [
            "The deadline is {date}.",
            "I have to submit the file before {date}.",
            "I would need an answer by the end of the month.",
            "The cut-off date is approaching ({date}).",
        ],
    },
    "urgent": {
        "fr": [
            "C'est urgent : les paiements ont été suspendus ce mois-ci.",
            "On m'a volé mon portefeuille avec tous mes papiers.",
            "J'ai perdu mes documents et je pars demain.",
            "Je n'ai plus rien reçu depuis deux mois et je ne peux plus payer mon loyer.",
            "Le délai expire demain !",
        ],
        "de": [
            "Es ist dringend: die Zahlungen wurden diesen Monat eingestellt.",
            "Mir wurde die Brieftasche mit allen Papieren gestohlen.",
            "Ich habe meine Dokumente verloren und reise morgen ab.",
            "Ich habe seit zwei Monaten nichts mehr bekommen und kann die Miete nicht zahlen.",
            "Die Frist läuft morgen ab!",
        ],
        "lb": [
            "Et ass dréngend: d'Bezuelunge goufen dëse Mount gestoppt.",
            "Mäi Portmonni mat all menge Pabeieren ass geklaut ginn.",
            "Ech hu meng Dokumenter verluer an ech fueren muer fort.",
            "Ech hu säit zwee Méint näischt méi kritt a kann de Loyer net méi bezuelen.",
            "De Delai leeft muer of!",
        ],
        "en": [
            "This is urgent: the payments were stopped this month.",
            "My wallet with all my papers was stolen.",
            "I lost my documents and I am travelling tomorrow.",
            "I have received nothing for two months and cannot pay my rent.",
            "The deadline expires tomorrow!",
        ],
    },
}
# People over-state urgency: a routine request sometimes carries an alarm word.
FALSE_ALARM: dict[str, list[str]] = {
    "fr": ["URGENT", "Urgent svp"],
    "de": ["DRINGEND", "Eilt!"],
    "lb": ["DRÉNGEND", "Dréngend w.e.g."],
    "en": ["URGENT", "Urgent please"],
}

# A detail with an amount and a date: ordinary numbers that redaction must leave alone.
DETAILS: dict[str, list[str]] = {
    "fr": [
        "Le montant en question est de {amount} €.",
        "J'ai payé {amount} EUR le {date}.",
        "Mon salaire brut est de {amount} euros par mois.",
    ],
    "de": [
        "Es geht um einen Betrag von {amount} €.",
        "Ich habe am {date} {amount} EUR bezahlt.",
        "Mein Bruttogehalt beträgt {amount} Euro im Monat.",
    ],
    "lb": [
        "Et geet ëm e Montant vun {amount} €.",
        "Ech hunn de {date} {amount} EUR bezuelt.",
        "Meng Brutto-Pai ass {amount} Euro de Mount.",
    ],
    "en": [
        "The amount in question is {amount} EUR.",
        "I paid €{amount} on {date}.",
        "My gross salary is {amount} euros a month.",
    ],
}

GREETINGS: dict[str, dict[str, list[str]]] = {
    "formal": {
        "fr": ["Madame, Monsieur,", "Bonjour,"],
        "de": ["Sehr geehrte Damen und Herren,", "Guten Tag,"],
        "lb": ["Léif Dammen an Hären,", "Moien,"],
        "en": ["Dear Sir or Madam,", "Good morning,"],
    },
    "informal": {
        "fr": ["Bonjour", "slt"],
        "de": ["Hallo", "Hi"],
        "lb": ["Moien", "Salut"],
        "en": ["Hello", "Hi there"],
    },
}

# Contact sentences carrying personal data (never passed through the typo noise, so the planted
# values are exactly what appears in the text).
CONTACT: dict[str, dict[str, list[str]]] = {
    "phone": {
        "fr": ["Vous pouvez me joindre au {v}.", "Mon numéro de téléphone : {v}"],
        "de": ["Sie erreichen mich unter {v}.", "Meine Telefonnummer: {v}"],
        "lb": ["Dir kënnt mech um {v} erreechen.", "Meng Telefonsnummer: {v}"],
        "en": ["You can reach me on {v}.", "My phone number is {v}."],
    },
    "email": {
        "fr": ["Mon adresse e-mail est {v}.", "Répondez-moi à {v} svp."],
        "de": ["Meine E-Mail-Adresse ist {v}.", "Bitte antworten Sie an {v}."],
        "lb": ["Meng E-Mail-Adress ass {v}.", "Äntwert mir w.e.g. op {v}."],
        "en": ["My e-mail address is {v}.", "Please reply to {v}."],
    },
    "national_id": {
        "fr": ["Mon matricule : {v}", "Numéro d'identification national {v}"],
        "de": ["Meine Sozialversicherungsnummer (Matrikel): {v}", "Matrikelnummer {v}"],
        "lb": ["Meng Matrikelnummer ass {v}.", "Matricule: {v}"],
        "en": ["My national identification number is {v}.", "Matricule {v}"],
    },
    "iban": {
        "fr": ["Merci de verser le montant sur mon compte {v}.", "IBAN : {v}"],
        "de": ["Bitte überweisen Sie auf mein Konto {v}.", "IBAN: {v}"],
        "lb": ["Iwwerweist w.e.g. op mäi Kont {v}.", "IBAN: {v}"],
        "en": ["Please pay into my account {v}.", "IBAN: {v}"],
    },
}

# Name formulas: "{cue} {name}" with a courtesy title the shared redactor keys on.
NAME_INTRO: dict[str, list[str]] = {
    "fr": ["Je soussigné(e) {cue} {name}, vous écris la présente.", "C'est {cue} {name} qui vous écrit."],
    "de": ["Hier schreibt {cue} {name}.", "Ich, {cue} {name}, wende mich an Sie."],
    "lb": ["Hei schreift {cue} {name}.", "Ech, {cue} {name}, schreiwen Iech."],
    "en": ["This is {cue} {name} writing.", "I, {cue} {name}, am writing to you."],
}
NAME_CLOSING: dict[str, list[str]] = {
    "fr": ["Cordialement, {cue} {name}", "Bien à vous, {cue} {name}"],
    "de": ["Mit freundlichen Grüßen, {cue} {name}", "Viele Grüße, {cue} {name}"],
    "lb": ["Mat beschte Gréiss, {cue} {name}", "Merci a schéine Gruss, {cue} {name}"],
    "en": ["Kind regards, {cue} {name}", "Best wishes, {cue} {name}"],
}
NAME_CUES: dict[str, dict[str, list[str]]] = {
    "f": {"fr": ["Madame", "Mme"], "de": ["Frau"], "lb": ["Madamm"], "en": ["Mrs", "Ms"]},
    "m": {"fr": ["Monsieur", "M."], "de": ["Herr"], "lb": ["Här"], "en": ["Mr"]},
}

# Names written WITHOUT a courtesy title (how people really sign and introduce themselves). Each form
# is recorded in the generator's truth, so the redactor's recall can be reported per form.
NAME_FORMS: dict[str, dict[str, list[str]]] = {
    # a closing formula, then the name (a signature)
    "closing": {
        "fr": [
            "Cordialement, {name}",
            "Bien à vous, {name}",
            "Merci d'avance, {name}",
            "Salutations, {name}",
        ],
        "de": [
            "Mit freundlichen Grüßen {name}",
            "Viele Grüße, {name}",
            "Danke, {name}",
            "Beste Grüße {name}",
        ],
        "lb": ["Mat beschte Gréiss, {name}", "Merci, {name}", "Gréiss {name}", "Villmools merci, {name}"],
        "en": ["Kind regards, {name}", "Best wishes, {name}", "Thanks, {name}", "Regards, {name}"],
    },
    # the name alone at the end of the message
    "signature": {lang: ["{name}", "{name}."] for lang in ("fr", "de", "lb", "en")},
    # introducing oneself
    "self": {
        "fr": ["Je suis {name}.", "Ici {name}, je vous écris pour ma demande."],
        "de": ["Ich bin {name}.", "Hier schreibt {name} wegen meines Antrags."],
        "lb": ["Ech sinn {name}.", "Hei schreift {name} wéinst menger Demande."],
        "en": ["I am {name}.", "This is {name} writing about my application."],
    },
    # the name in the middle of a sentence, with no cue before it
    "inline": {
        "fr": [
            "Le dossier est au nom de {name} depuis l'an dernier.",
            "Le courrier a été envoyé à {name} par erreur.",
        ],
        "de": [
            "Der Antrag läuft auf {name} seit letztem Jahr.",
            "Der Brief ging aus Versehen an {name} zurück.",
        ],
        "lb": [
            "Den Dossier leeft op {name} zënter d'lescht Joer.",
            "De Bréif ass aus Versinn un {name} gaangen.",
        ],
        "en": [
            "The file has been under {name} since last year.",
            "The letter was sent to {name} by mistake.",
        ],
    },
    # the name opening the message
    "opening": {
        "fr": ["{name} ici.", "{name} :"],
        "de": ["{name} hier.", "{name}:"],
        "lb": ["{name} hei.", "{name}:"],
        "en": ["{name} here.", "{name}:"],
    },
    # an informal signature in lower case ("{name}" is lower-cased by the generator)
    "lower": {
        "fr": ["merci, {name}", "a+ {name}"],
        "de": ["danke, {name}", "lg {name}"],
        "lb": ["merci, {name}", "gréiss {name}"],
        "en": ["thanks, {name}", "cheers {name}"],
    },
}
# A family member named by first name (a family detail as well as a name).
KIN_SENTENCES: dict[str, list[str]] = {
    "fr": ["Ma fille {first} commence l'école en septembre.", "Mon mari {first} est d'accord."],
    "de": ["Meine Tochter {first} kommt im September in die Schule.", "Mein Mann {first} ist einverstanden."],
    "lb": ["Meng Duechter {first} fänkt am September mat der Schoul un.", "Mäi Mann {first} ass averstanen."],
    "en": ["My daughter {first} starts school in September.", "My husband {first} agrees."],
}

# Names of the people who write (the "authors"): the training requests use the even-numbered names of
# each list, the validation and test requests the odd-numbered ones (see ``synthetic.pool_part``), so
# no name of a test request was ever seen in training. No name is also an ordinary word in one of the
# four languages (a leak check looks for every word of a planted name on the rendered pages).
FIRST_NAMES = {
    "f": [
        "Marie",
        "Anne",
        "Sophie",
        "Carine",
        "Tessy",
        "Laura",
        "Sarah",
        "Ana",
        "Julia",
        "Lena",
        "Emma",
        "Léa",
        "Mia",
        "Lara",
        "Sandra",
        "Joëlle",
        "Nathalie",
        "Fernanda",
        "Ioana",
        "Aylin",
        "Chantal",
        "Martine",
        "Isabelle",
        "Françoise",
        "Monique",
        "Claudia",
        "Sabrina",
        "Vanessa",
        "Katrin",
        "Petra",
        "Elena",
        "Inês",
        "Beatriz",
        "Agnieszka",
        "Fatima",
        "Leila",
    ],
    "m": [
        "Jos",
        "Jean",
        "Luc",
        "Paul",
        "Tom",
        "Gilles",
        "Yves",
        "João",
        "Miguel",
        "Thomas",
        "Noah",
        "Ben",
        "Marc",
        "Patrick",
        "Claude",
        "Pedro",
        "Luca",
        "Karim",
        "Piotr",
        "Romain",
        "Nico",
        "Jeff",
        "Carlos",
        "Rui",
        "Tiago",
        "Stefan",
        "Jürgen",
        "Olivier",
        "Laurent",
        "Ahmed",
        "Tomasz",
        "Dragan",
        "Raphaël",
        "Sven",
        "Mathis",
        "Enzo",
    ],
}
LAST_NAMES = [
    "Schmit",
    "Weber",
    "Muller",
    "Wagner",
    "Hoffmann",
    "Thill",
    "Kremer",
    "Reuter",
    "Schiltz",
    "Kieffer",
    "Hansen",
    "Meyer",
    "Silva",
    "Ferreira",
    "Pereira",
    "Rodrigues",
    "Gonçalves",
    "Dupont",
    "Bernard",
    "Lefèvre",
    "Becker",
    "Schneider",
    "Fischer",
    "Rossi",
    "Kowalski",
    "Smith",
    "Nguyen",
    "Haddad",
    "Lopes",
    "Wirtz",
    "Jacoby",
    "Majerus",
    "Steichen",
    "Schroeder",
    "Bettendorf",
    "Goedert",
    "Hilger",
    "Origer",
    "Zenner",
    "Feltgen",
    "Kayser",
    "Lorang",
    "Theisen",
    "Welter",
    "Colling",
    "Mangen",
    "Duarte",
    "Teixeira",
    "Almeida",
    "Moreau",
    "Lambert",
    "Girard",
    "Hartmann",
    "Novak",
    "Popescu",
    "Yilmaz",
    "Okafor",
    "Mendes",
]
EMAIL_DOMAINS = [
    "pt.lu",
    "gmail.com",
    "outlook.com",
    "internet.lu",
    "web.de",
    "orange.fr",
    "yahoo.fr",
    "education.lu",
    "tango.lu",
    "hotmail.com",
]
COMMUNES = [
    "Luxembourg",
    "Esch-sur-Alzette",
    "Differdange",
    "Dudelange",
    "Pétange",
    "Sanem",
    "Hesperange",
    "Bettembourg",
    "Schifflange",
    "Kayl",
    "Mersch",
    "Ettelbruck",
    "Diekirch",
    "Wiltz",
    "Clervaux",
    "Echternach",
    "Remich",
    "Grevenmacher",
    "Mamer",
    "Strassen",
    "Bertrange",
    "Junglinster",
    "Mondorf-les-Bains",
    "Steinfort",
    "Redange",
    "Vianden",
    "Käerjeng",
    "Mondercange",
    "Rumelange",
    "Walferdange",
]
FOREIGN_TOWNS = ["Metz", "Thionville", "Trier", "Arlon", "Longwy", "Saarbrücken"]
EMPLOYERS = [
    "Cactus",
    "CFL",
    "ArcelorMittal",
    "Goodyear",
    "BGL BNP Paribas",
    "Post Luxembourg",
    "Cargolux",
    "Amazon",
    "Ferrero",
    "Luxair",
    "Delhaize",
    "Deloitte",
]
SCHOOLS = [
    "École fondamentale Belair",
    "Lycée Aline Mayrisch",
    "Lycée de Garçons Esch",
    "Athénée de Luxembourg",
    "École internationale de Differdange",
    "Lycée du Nord Wiltz",
]
ACTIVITIES = [
    "hairdressing",
    "electrical installation",
    "restaurant",
    "cleaning",
    "IT consulting",
    "bakery",
    "retail",
]
