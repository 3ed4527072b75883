"""People out, organisations in: the name rules of the redactor.

:func:`redact_names` replaces the names of people with ``[NAME]`` and leaves organisations, public bodies,
places, products and services as they are written. In this order, on every text at once:

1. **What must stay is locked**: the organisations, public bodies, brands and places of the gazetteers
   (:mod:`.gazetteers`), every capitalised sequence holding an organisation word ("Ministère de la
   Famille", "Agentur für Arbeit", "Lycée Michel Rodange", "Finanzamt Trier", "Fair Credit Reporting
   Act") and acronyms ("CNS", "ADEM"). Locked letters are moved to a private Unicode range, which no name
   rule matches, and moved back at the end.
2. **Cues**: one to three name words after a title or a role ("Madame", "Herr Dr.", "l'agent", "der
   Sachbearbeiter", "your colleague"), a self-introduction ("je m'appelle", "ich heisse", "ech sinn de",
   "my name is": also in lower case, up to the first function word), a family or neighbour word ("ma
   fille", "mein Sohn", "meng Mamm", "my wife", "ma voisine"), a closing formula (a signature, also in
   lower case), or ending the text after a sentence end (a bare signature).
3. **Known names**: a run of capitalised words is a name from its first known given name or surname on
   (a surname takes the capitalised words just before it: "Olena Kovalenko"); a known name alone counts
   unless it is also an ordinary word, a place or an organisation ("Pierre", "France", "Will": those need
   a second name word or a cue). In lower case, a known given name that is no ordinary word ("sandra"),
   and a known surname with the word before it when that is a given name ("marie dupont").
4. **Unknown names in French and English texts**: two or three capitalised words inside a sentence, none
   of them a function word, a greeting, a month or an organisation word. German and Luxembourgish
   capitalise every noun, so there the redactor relies on steps 2 and 3.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from . import gazetteers as G

NAME = "[NAME]"

# Letter classes for Latin-script names (Python's re has no \p{Lu}); Latin-1 and Latin Extended-A/B.
_LATIN = [chr(c) for c in range(0x41, 0x250)]
UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
LOWER = "".join(c for c in _LATIN if c.islower() and c.isalpha())
LETTER = "".join(c for c in _LATIN if c.isalpha())
UP, LO, LET = (f"[{re.escape(x)}]" for x in (UPPER, LOWER, LETTER))
#: "Dupont", "O'Brien", "Jean-Pierre", "DUPONT", "Müller"
NAME_WORD = rf"{UP}{LET}*(?:['’]{LET}+)?(?:-{UP}?{LET}+)*"
LOWER_WORD = rf"{LO}{LET}*(?:['’]{LET}+)?(?:-{LET}+)*"
ANY_WORD = rf"{LET}+(?:['’]{LET}+)?(?:-{LET}+)*"
#: "de la Fontaine", "von der Leyen", "van den Berg", "d'Estaing", "da Silva", "dos Santos"
PARTICLE = r"(?:(?:de|van|von)[ ](?:la|der|den)[ ]|(?:de|du|des|von|van|der|den|zu|vom|di|da|dos|das|del|De|Da|Dos|Van|Von)[ ]|d['’])"
FULL_NAME = rf"{PARTICLE}*{NAME_WORD}(?:[ ]{PARTICLE}*{NAME_WORD}){{0,2}}"

# ----- locking what must stay ------------------------------------------------------------------------------
_LOCK_BASE = 0xF0000
LOCK = {ord(c): _LOCK_BASE + ord(c) for c in LETTER}
UNLOCK = {v: k for k, v in LOCK.items()}


def _fold(word: str) -> str:
    return word.lower().replace("’", "'")


def _items(values) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _trie_regex(phrases: list[str]) -> str:
    """One regular expression for many literal phrases, prefixes shared (fast on long lists)."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


_PHRASES = sorted({*_items(G.ORGANISATIONS), *_items(G.PLACES)}, key=len, reverse=True)
_GAZETTEER = re.compile(rf"(?<![\w\-])(?:{_trie_regex(_PHRASES)})(?![\w\-]|['’]\w)", re.IGNORECASE)
_ORG_WORDS = frozenset(_fold(w) for w in G.ORG_WORDS)
_ORG_SUFFIXES = tuple(
    sorted({w for w in _ORG_WORDS if len(w) >= 3 and w.isalpha() and w not in ("net", "red", "rot", "co")})
)
_CONNECT = (
    r"(?:de|du|des|de[ ]la|de[ ]l['’]|d['’]|l['’]|la|le|les|of|the|and|for|et|pour|für|und|an|a|fir|vun|vum|"
    r"der|den|dem|zu|zur|zum|am|im|on|in|&|au|aux)"
)
_CONNECTORS = frozenset(
    "de du des la le les l' d' of the and for et pour für und an a fir vun vum der den dem zu zur zum am im on "
    "in & au aux".split()
)
_CAP_TOKEN = rf"(?:{UP}(?:[{re.escape(LETTER)}0-9&'’]|\.(?={LET}))*(?:-{LET}[{re.escape(LETTER)}0-9]*)*|\d+)"
_CAP_SEQ = re.compile(
    rf"(?<![\w\-])({_CAP_TOKEN}(?:(?:[ ]|[ ]?-[ ]?)(?:{_CONNECT}[ ])*{_CAP_TOKEN}|[ ]{_CONNECT}[ ]{_CAP_TOKEN}){{0,7}})"
    rf"(?![\w\-])"
)
_ACRONYM = re.compile(r"(?<![\w\-])([A-Z][A-Z0-9&]{1,6}(?:\.[A-Z]{1,4})*)(?![\w\-])")


@lru_cache(maxsize=200_000)
def is_org_word(word: str) -> bool:
    """An organisation word, also as the end of a compound ("Finanzamt", "Sparkasse", "Logementsministère")."""
    w = _fold(word).strip(".'’")
    if w in _ORG_WORDS:
        return True
    return len(w) >= 7 and any(w.endswith(s) and len(w) - len(s) >= 3 for s in _ORG_SUFFIXES if len(s) >= 4)


def _lock(match: re.Match) -> str:
    return match.group(0).translate(LOCK)


_SEQ_TOKEN = re.compile(rf"{LET}+(?:['’.]{LET}+)*|\d+|\S")


def _lock_org_sequence(match: re.Match) -> str:
    """Lock a capitalised sequence from its first organisation word on, with the capitalised words written
    right before it ("Europäische Schule"), but not across a connector ("Madame Lefèvre du Ministère ...")
    nor over a title or a known name."""
    text = match.group(0)
    words = [(m.start(), m.group(0)) for m in _SEQ_TOKEN.finditer(text)]
    first = next((i for i, (_, w) in enumerate(words) if w[0].isalpha() and is_org_word(w)), None)
    if first is None:
        return text
    start = first
    while start > 0:
        prev = words[start - 1][1]
        gap = text[words[start - 1][0] + len(prev) : words[start][0]]
        f = _fold(prev)
        if gap.strip() or not prev[0].isupper() or f in NOT_NAMES or f in _CONNECTORS or known_name(prev):
            break
        start -= 1
    cut = words[start][0]
    return text[:cut] + text[cut:].translate(LOCK)


def _lock_acronym(match: re.Match) -> str:
    word = match.group(1)
    folded = _fold(word)
    if len(word) >= 5 and (folded in FIRST or folded in SURNAME):
        return word  # "DUPONT" written in capitals is a name
    return word.translate(LOCK)


def lock_kept(text: pd.Series) -> pd.Series:
    """Organisations, public bodies, places and acronyms locked (see the module docstring)."""
    text = text.str.replace(_GAZETTEER, _lock, regex=True)
    text = text.str.replace(_CAP_SEQ, _lock_org_sequence, regex=True)
    return text.str.replace(_ACRONYM, _lock_acronym, regex=True)


def unlock(text: pd.Series) -> pd.Series:
    return text.str.translate(UNLOCK)


# ----- the name lists --------------------------------------------------------------------------------------
FIRST = frozenset(_fold(w) for w in G.FIRST_NAMES)
SURNAME = frozenset(_fold(w).replace("-", " ") for w in G.SURNAMES) | frozenset(_fold(w) for w in G.SURNAMES)
AMBIGUOUS_CAP = frozenset(_fold(w) for w in G.AMBIGUOUS_CAPITALISED)
AMBIGUOUS_LOW = frozenset(_fold(w) for w in G.AMBIGUOUS_LOWER) | frozenset(
    "le li wu sa sá ali ward gray hughes lee may long brown fisher burns lynch sanders foster faria matos "
    "valente sow camara weiß weiss jäger groß gross schreiber sauer farina conti".split()
)
NOT_NAMES = frozenset(_fold(w) for w in G.NOT_NAMES)
FUNCTION = frozenset(_fold(w) for w in G.FUNCTION_WORDS)


def _parts(word: str) -> list[str]:
    return [p for p in re.split(r"[-]", _fold(word)) if p]


def known_name(word: str) -> bool:
    """A known given name or surname (any part of a hyphenated one)."""
    w = _fold(word)
    return w in FIRST or w in SURNAME or any(p in FIRST or p in SURNAME for p in _parts(word))


def known_alone(word: str) -> bool:
    """A capitalised known name that counts even alone (not also an ordinary word, place or organisation)."""
    w = _fold(word)
    return (
        known_name(word)
        and w not in AMBIGUOUS_CAP
        and w not in AMBIGUOUS_LOW
        and w not in NOT_NAMES
        and w not in FUNCTION
        and not is_org_word(word)
    )


# ----- cues ------------------------------------------------------------------------------------------------
_TITLE_CUES = (
    r"(?:(?i:monsieur|madame|mademoiselle|messieurs|mesdames|herrn|herr|frau|här|madamm|joffer|mister|"
    r"docteur|doktor|dokter|maître|professeur|professor)\b|(?:Miss|Mme|Mlle|Mrs|Mr|Ms|Mx|Dr|Prof|Me|Sir)\b\.?|M\.)"
)
_ROLE_CUES = (
    r"(?i:l['’]agent(?:e)?|agent(?:e)?|(?:le|la|votre|notre|mon|ma)[ ]conseill(?:er|ère)|conseill(?:er|ère)|"
    r"(?:votre|ta|mon|ma)[ ]coll[èe]gue|coll[èe]gue|(?:der|die|ihr|ihre|mein|meine)[ ]sachbearbeiter(?:in)?|"
    r"sachbearbeiter(?:in)?|(?:der|die|ihr|ihre)[ ]kolleg(?:e|in)|kolleg(?:e|in)|mitarbeiter(?:in)?|"
    r"(?:your|our|my)[ ]colleague|colleague|case[ ]worker|caseworker|officer|clerk|assistant(?:e)?|"
    r"secrétaire|avocat(?:e)?|notaire|rechtsanwalt|rechtsanwältin|anwalt|anwältin|notar(?:in)?|"
    r"beamte(?:r)?|beamtin|employé(?:e)?|sachbeaarbechter(?:in)?)"
)
_NAME_AFTER_TITLE = re.compile(
    rf"(?<![\w])((?:{_TITLE_CUES}|{_ROLE_CUES})[ ]+(?:(?:Dr|Prof)\.?(?:[ ]med\.)?[ ]+)*)"
    rf"(?!(?:Dr|Prof|Herr|Herrn|Frau|Här|Madamm|Madame|Monsieur|Mme|Mlle|Mr|Mrs|Ms|Miss)\b)({FULL_NAME})"
)
_INTRO_CUES = (
    r"(?i:je[ ]m['’][ ]?appelle|mon[ ]nom[ ](?:est|c['’]est)|moi[ ]c['’]est|ich[ ]hei(?:ß|ss)e|"
    r"mein[ ]name[ ]ist|ech[ ]heeschen|mäi(?:n)?[ ]numm[ ]ass|ech[ ]sinn[ ]d(?:e|['’])|my[ ]name[ ]is|"
    r"my[ ]name['’]s|i[ ]am[ ]called|je[ ]suis[ ](?:monsieur|madame)|nom[ ]:|name[ ]:|nom[ ]et[ ]prénom[ ]?:|"
    r"name,[ ]vorname[ ]?:|signé|signed|gez\.)"
)
_INTRO = re.compile(rf"(?<![\w])({_INTRO_CUES}[ ]*)((?:{ANY_WORD})(?:[ ]+{ANY_WORD}){{0,3}})")
_BE_CUES = (
    r"(?:je[ ]suis|c['’]est|ici|ich[ ]bin|hier[ ]ist|hier[ ]schreibt|hier[ ]spricht|ech[ ]sinn|hei[ ]ass|"
    r"hei[ ]schreift|i[ ]am|i['’]m|this[ ]is|it['’]s|here[ ]is|speaking[ ]is)"
)
#: cues after which one capitalised word is a name even when unknown ("hier schreibt Lorang")
_STRONG_BE = re.compile(
    r"(?i)^(?:ici|hier[ ]ist|hier[ ]schreibt|hier[ ]spricht|hei[ ]ass|hei[ ]schreift|this[ ]is|here[ ]is|"
    r"speaking[ ]is)\b"
)
_NAME_AFTER_BE = re.compile(rf"(?i:(?<![\w])({_BE_CUES}[ ]+))({FULL_NAME})(?=[ ,.;:!?)]|$)")
_KIN = (
    r"(?:(?:ma|mon|notre|nos|mes)[ ](?:fille|fils|mari|femme|épouse|époux|compagne|compagnon|enfant|mère|"
    r"père|frère|sœur|soeur|belle-mère|beau-père|voisin|voisine|ami|amie|copain|copine|patron|patronne|"
    r"propriétaire|locataire|cousin|cousine|oncle|tante|grand-mère|grand-père|neveu|nièce|filleul|filleule)|"
    r"(?:mein|meine|meinem|meiner|meinen|unser|unsere|unserem|unserer)[ ](?:Sohn|Tochter|Mann|Frau|Ehemann|"
    r"Ehefrau|Partner|Partnerin|Kind|Mutter|Vater|Bruder|Schwester|Nachbar|Nachbarin|Freund|Freundin|Chef|"
    r"Chefin|Vermieter|Vermieterin|Mieter|Mieterin|Oma|Opa|Onkel|Tante|Cousin|Cousine|Enkel|Enkelin)|"
    r"(?:mäi|mäin|meng|mengem|menger|eis|eise|eiser)[ ](?:Jong|Duechter|Mann|Fra|Kand|Mamm|Papp|Brudder|"
    r"Schwëster|Frëndin|Frënd|Noper|Nopesch|Bomi|Bopi|Monni|Tatta|Chef|Chefin)|"
    r"(?:my|our)[ ](?:son|daughter|husband|wife|partner|child|mother|father|brother|sister|neighbour|"
    r"neighbor|friend|boss|landlord|landlady|tenant|grandmother|grandfather|uncle|aunt|cousin|nephew|niece))"
)
_NAME_AFTER_KIN = re.compile(
    rf"(?i:(?<![\w])({_KIN}[ ,]+(?:{_TITLE_CUES}[ ]+)?))(?!{_TITLE_CUES}[ ])({FULL_NAME}|{LOWER_WORD})"
)
_CLOSINGS = (
    r"(?:cordialement|bien[ ]à[ ]vous|bien[ ]cordialement|salutations(?:[ ]distinguées)?|bonne[ ]journée|"
    r"merci(?:[ ]d'avance|[ ]beaucoup|[ ]a[ ]schéine[ ]gruss)?|bisous|a\+|mit[ ]freundlichen[ ]grü(?:ß|ss)en|"
    r"freundliche[ ]grü(?:ß|ss)e|viele[ ]grü(?:ß|ss)e|beste[ ]grü(?:ß|ss)e|liebe[ ]grü(?:ß|ss)e|grü(?:ß|ss)e|"
    r"mfg|lg|vg|danke(?:[ ]schön)?|(?:mat[ ](?:beschte|frëndleche)[ ]|léif[ ]|léiw[ ]|vill[ ])?gr[éë]i?ss|schéine[ ]gruss|"
    r"villmools[ ]merci|merci[ ]villmools|bis[ ]geschwënn|"
    r"(?:kind|best|warm|warmest)[ ]regards|regards|best[ ]wishes|yours[ ](?:sincerely|faithfully|truly)|"
    r"sincerely|many[ ]thanks|thanks|thank[ ]you|cheers|(?<![\w][ ])best)"  # "the best one." is no closing
)
_SIGNATURE = re.compile(
    rf"(?i:(?<![\w])({_CLOSINGS}(?![\w])[ ]?[,.!:]?[ ]*))(?-i:({FULL_NAME}|{LOWER_WORD}(?:[ ]{LOWER_WORD})?))"
    rf"(?=[ ]*[.!]?[ ]*$)"
)
_TRAILING = re.compile(rf"((?:[.!?,;:\]]|\n)[ ]*)({FULL_NAME})[ ]*[.!]?[ ]*$")


def _name_words(words: list[str], *, lower_ok: int) -> int:
    """How many of ``words`` (after a cue) make the name: capitalised name words, or up to ``lower_ok``
    words in lower case, none a function word, a greeting or an organisation word."""
    n, lower = 0, 0
    for word in words:
        w = _fold(word)
        if w in FUNCTION or w in NOT_NAMES or is_org_word(word):
            break
        if word[0].isupper():
            n += 1
            continue
        if lower >= lower_ok and not known_name(word):
            break
        lower += 1
        n += 1
    return n


def _intro(match: re.Match) -> str:
    cue, rest = match.group(1), match.group(2)
    words = rest.split()
    n = _name_words(words, lower_ok=2)
    if n == 0:
        return match.group(0)
    return cue + NAME + rest[len(" ".join(words[:n])) :]


def _after_cue(match: re.Match) -> str:
    cue, name = match.group(1), match.group(2)
    words = name.split()
    if all(_fold(w) in NOT_NAMES or is_org_word(w) for w in words if not re.fullmatch(PARTICLE.strip(), w)):
        return match.group(0)
    return cue + NAME


def _after_be(match: re.Match) -> str:
    """After "je suis", "ich bin", "I am": a name when a word is a known name or two or more words are
    capitalised ("ich bin Grenzgänger", "je suis Frontalier" stay)."""
    cue, name = match.group(1), match.group(2)
    words = [w for w in name.split() if not re.fullmatch(PARTICLE.strip(), w)]
    if any(_fold(w) in NOT_NAMES or is_org_word(w) for w in words):
        return match.group(0)
    if len(words) >= 2 or any(known_name(w) for w in words) or _STRONG_BE.match(cue.strip()):
        return cue + NAME
    return match.group(0)


_SIGN_OFF_WORDS = frozenset(
    "d'avance beaucoup vielmals again advance much lot all everyone zesummen iech vill villmools im voraus "
    "schéin".split()
)


def _signature(match: re.Match) -> str:
    cue, name = match.group(1), match.group(2)
    if name[0].islower():
        words = name.split()
        if any(_fold(w) in FUNCTION or _fold(w) in _SIGN_OFF_WORDS or "'" in w or "’" in w for w in words):
            return match.group(0)
    elif all(_fold(w) in NOT_NAMES or is_org_word(w) for w in name.split()):
        return match.group(0)
    return cue + NAME


def _kin(match: re.Match) -> str:
    cue, name = match.group(1), match.group(2)
    if name[0].islower() and not (known_name(name) and _fold(name) not in AMBIGUOUS_LOW):
        return match.group(0)
    if _fold(name) in FUNCTION or _fold(name) in NOT_NAMES or is_org_word(name):
        return match.group(0)
    return cue + NAME


def _trailing(match: re.Match) -> str:
    words = match.group(2).split()
    if any(_fold(w) in NOT_NAMES or is_org_word(w) or _fold(w) in FUNCTION for w in words):
        return match.group(0)
    if len(words) == 1 and (words[0].isupper() or _fold(words[0]) in AMBIGUOUS_CAP):
        return match.group(0)  # an acronym or a word that is also a noun or a place
    return match.group(1) + NAME


# ----- known names ------------------------------------------------------------------------------------------
_CAP_RUN = re.compile(rf"(?<![\w'’\-\[])({FULL_NAME})(?![\w'’\-])")


def _known_run(match: re.Match) -> str:
    text = match.group(1)
    tokens = text.split(" ")
    words = [
        t
        for t in tokens
        if not re.fullmatch(r"(?:de|du|des|von|van|der|den|zu|vom|di|da|dos|das|del|la)", t, re.I)
    ]
    folded = [_fold(w) for w in words]
    if any(is_org_word(w) for w in words):
        return text
    start = None
    for i, w in enumerate(words):
        if folded[i] in NOT_NAMES:
            continue
        if known_name(w) and (
            known_alone(w) or len(words) - i >= 2 or (i > 0 and folded[i - 1] not in NOT_NAMES)
        ):
            start = i
            break
    if start is None:
        return text
    # a surname takes the capitalised words before it that are no greeting ("Olena Kovalenko")
    while start > 0 and folded[start - 1] not in NOT_NAMES and folded[start] in SURNAME:
        start -= 1
    if start == len(words) - 1 and not known_alone(words[start]):
        return text
    first = words[start]
    cut = text.index(first) if start else 0
    lead = re.match(rf"(?:{PARTICLE})+", text)
    if start == 0 and lead and lead.group(0)[0].islower() and folded[0] in FIRST:
        cut = lead.end()  # "au nom de Gérard Lambotte": the particle belongs to the sentence
    if start and text[:cut].split() and _fold(text[:cut].split()[-1]) in (
        "de", "du", "des", "von", "van", "da", "dos", "di", "del"
    ):  # fmt: skip
        cut = text.rindex(" ", 0, cut - 1) + 1 if " " in text[: cut - 1] else 0
    return text[:cut] + NAME


_LOWER_WORD_NEXT = re.compile(rf"(?<![\w'’\-\[])({LOWER_WORD})(?![\w'’\-])(?=[ ]({LOWER_WORD})(?![\w'’\-]))?")


def _known_lower(match: re.Match) -> str:
    """A name in lower case: a known given name that is no ordinary word, a known surname that is none, or
    a given name right before such a surname ("marie dupont")."""
    word, following = match.group(1), match.group(2)
    w, f = _fold(word), _fold(following) if following else ""
    if w in FUNCTION or w in NOT_NAMES:
        return word
    plain_surname = f in SURNAME and f not in AMBIGUOUS_LOW and f not in FUNCTION
    if (w in FIRST or w in SURNAME) and (w not in AMBIGUOUS_LOW or plain_surname):
        return NAME
    before = match.string[: match.start()].rstrip()
    previous = before.rsplit(" ", 1)[-1] if before else ""
    p = _fold(previous)
    lower_given = previous.islower() and p in FIRST and p not in AMBIGUOUS_LOW
    if lower_given and w not in NOT_NAMES and not is_org_word(word) and len(w) >= 3 and "'" not in w:
        return NAME  # the word after a given name written in lower case ("ahmed novak")
    return word


# ----- unknown names in French and English texts -----------------------------------------------------------
_NOUN_CAPS = re.compile(
    r"(?i)\b(?:der|die|das|und|ist|nicht|ich|mit|für|auf|bei|ech|ass|mat|fir|vun|net|eng|hunn|gëtt|déi|dat|"
    r"huet|sinn|wéi|awer)\b"
)
_OTHER = re.compile(
    r"(?i)\b(?:le|la|les|et|est|je|pour|avec|une|des|du|the|and|is|to|of|for|with|my|you|your|this|that)\b"
)
_UNKNOWN_RUN = re.compile(
    rf"(?<=[{re.escape(LETTER)},;:)] )({NAME_WORD}(?:[ ]{PARTICLE}*{NAME_WORD}){{1,2}})(?![\w'’\-])"
)


def _unknown_run(match: re.Match) -> str:
    words = [w for w in match.group(1).split() if not re.fullmatch(PARTICLE.strip(), w)]
    folded = [_fold(w) for w in words]
    if any(f in NOT_NAMES or f in FUNCTION or is_org_word(w) for f, w in zip(folded, words, strict=True)):
        return match.group(0)
    if any(w.isupper() and len(w) > 1 for w in words):
        return match.group(0)  # an acronym in the run: a product or an organisation
    return NAME


def redact_names(text: pd.Series) -> pd.Series:
    """``[NAME]`` for the names of people; organisations, public bodies, places and products kept."""
    text = lock_kept(text)
    text = text.str.replace(_NAME_AFTER_TITLE, _after_cue, regex=True)
    text = text.str.replace(_INTRO, _intro, regex=True)
    text = text.str.replace(_NAME_AFTER_BE, _after_be, regex=True)
    text = text.str.replace(_NAME_AFTER_KIN, _kin, regex=True)
    text = text.str.replace(_SIGNATURE, _signature, regex=True)
    text = text.str.replace(_CAP_RUN, _known_run, regex=True)
    text = text.str.replace(_LOWER_WORD_NEXT, _known_lower, regex=True)
    nouns_capitalised = text.str.count(_NOUN_CAPS) > text.str.count(_OTHER)
    others = ~nouns_capitalised.fillna(False).astype(bool)
    if others.any():
        text = text.where(~others, text[others].str.replace(_UNKNOWN_RUN, _unknown_run, regex=True))
    text = text.str.replace(_TRAILING, _trailing, regex=True)
    text = text.str.replace(r"\[NAME\](?:[ ]\[NAME\])+", NAME, regex=True)
    return unlock(text)
