"""PII redaction for free text in French, German, Luxembourgish and English (the public-sector pilot's; moved
here from ``livinglab.trust.pii``, whose only user this pilot was).

:func:`redact_pii` replaces, in this order:

===============  ===============================================================================
``[EMAIL]``      e-mail addresses (any case)
``[IBAN]``       IBANs of any country, upper or lower case, grouped by four (spaces, dots or dashes)
                 or not; a candidate counts when its check digits are right (python-stdnum) or it
                 holds at least ten digits (a mistyped IBAN is still someone's account)
``[NATIONAL_ID]`` Luxembourg 13-digit identification number YYYY MM DD NNN CC, written in one piece or
                 with spaces, dots, dashes or slashes between its parts; any number after an id cue;
                 other countries' personal and tax numbers with right check digits (python-stdnum: BE,
                 FR, DE, NL, CH, US, ES; the Italian codice fiscale without a cue), EU VAT numbers with
                 their country prefix, and German identity card and passport numbers (nine characters
                 with letters, "L01X00T47") after a cue word
``[PHONE]``      +352 / 00352 / 00 352 (6-9 digit local numbers), +33 / 0X XX XX XX XX, +49 / 0AAA
                 SSSSSS, +32 / 0X XXX XX XX and 04XX XX XX XX, Luxembourg mobiles (6XX XXX XXX) and
                 landlines in pairs (26 12 34 56, 44.55.66) without prefix that phonenumbers
                 accepts as valid Luxembourg numbers, any other international number
                 (+CC or 00CC) that phonenumbers accepts as possible, and any number written right
                 after a cue such as "Tel.", "Tél.", "Handy", "GSM", "Telefon", "phone", "Tëlefon"
``[NAME]``       (a) one to three capitalised words after a courtesy or title cue (Monsieur, Madame,
                 M., Mme, Herr, Frau, Här, Madamm, Mr, Mrs, Ms, Dr, Prof, ...), after a
                 self-introduction ("je m'appelle", "ich heiße", "ech heeschen", "my name is",
                 "je suis", "ich bin", "ech sinn", "I am", ...) or after a family word ("ma fille",
                 "mein Sohn", "mäi Jong", "my wife", ...); (b) a signature: the name after a closing
                 formula ("Cordialement,", "Mit freundlichen Grüßen", "Gréiss", "Kind regards", ...),
                 also in lower case, and one to three capitalised words ending the text; (c) two or
                 three capitalised words in a row inside a sentence ("... le dossier de Marie
                 Dupont ...")
===============  ===============================================================================

The cue word itself is kept ("Madame [NAME]"), so the text still reads naturally. Ordinary numbers
are left alone: amounts (``1.250,00 EUR``, ``2 500 €``), dates (``12/03/2025``, ``2025-03-12``,
``12.03.2025``), postcodes (``L-1234``), years and short reference numbers.

Limits: a single name inside a sentence without any cue ("... signé par Dupont ...") is not found, nor
a name in lower case outside a signature; rule (c) also masks other proper nouns (places, organisations)
and, in German, two nouns in a row. The pilot measures the recall on the synthetic generator's planted
identifiers, whose names are written with these same cue words: that figure says how the rules work on
the generator's text, not how they work on real requests.

:func:`redact_for_public_page` goes further for examples shown on a public page: it also masks dates,
amounts, addresses (street and postcode), family and health details and every remaining number.
:func:`identifier_tokens` and :func:`leaked_tokens` define what counts as a leak: any word of a name,
any digit group of a phone number, IBAN or national id, an e-mail address or its local part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial

import pandas as pd

__all__ = [
    "PII_KINDS",
    "PII_PATTERNS",
    "PUBLIC_KINDS",
    "identifier_tokens",
    "leaked_tokens",
    "redact_for_public_page",
    "redact_pii",
]

# Letter classes for Latin-script words (Python's re has no \p{Lu}); covers Latin-1 and Latin Extended-A/B.
# (Names are found by .names, which the "name" rule below calls.)
_LATIN = [chr(c) for c in range(0x41, 0x250)]
_UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
_LETTER = "".join(c for c in _LATIN if c.isalpha())
_UP = f"[{re.escape(_UPPER)}]"
_LET = f"[{re.escape(_LETTER)}]"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)

# Country code, 2 check digits, then 11-30 alphanumerics, optionally in groups of four; any case. The match
# never ends on a separate lower-case word of 1-4 letters ("... 0000 svp", "... 0000 pour mon loyer"): that
# word follows the IBAN, it is not one of its groups.
_NOT_A_WORD_AFTER = "".join(rf"(?<![ .-](?-i:[a-z]{{{k}}}))" for k in range(1, 5))
_IBAN = re.compile(
    r"(?i)\b(?:[A-Z]{2}\d{2}(?:[ .-]?[A-Z0-9]{4}){2,7}(?:[ .-]?[A-Z0-9]{1,3})?"
    + _NOT_A_WORD_AFTER
    # a Belgian IBAN around the old account number's own grouping: BE32 123-4567890-02
    + r"|BE\d{2}[ ]?\d{3}-\d{7}-\d{2})\b"
)

# Luxembourg matricule: YYYY MM DD NNN CC (birth date, serial, two check digits), separators optional.
_SEP = r"[ ./-]?"
_NATIONAL_ID = re.compile(
    rf"(?<![\d.,/-])(?:18|19|20)\d{{2}}{_SEP}(?:0[1-9]|1[0-2]){_SEP}(?:0[1-9]|[12]\d|3[01])"
    rf"{_SEP}\d{{3}}{_SEP}\d{{2}}(?![\d.,/-]?\d)"
)

_NO_NUM_BEFORE = r"(?<![\w+/.,-])"  # not glued to a word, a '+', or a number's separators
# ...and not followed by more digits, a letter or a currency (then it is an amount).
_NO_NUM_AFTER = r"(?![\w]|[.,/-]\d|[ ]?(?:€|EUR\b|eur\b|euros?\b|CHF\b|USD\b|\$))"
_PHONE_PATTERNS = [
    # International form for LU/FR/DE/BE: +352, 00352, 00 352, (+352), optional (0), then 6-13 digits.
    r"(?<![\w+])(?:\(\s?(?:\+|00)\s?(?:352|33|49|32)\s?\)|(?:\+|00)\s?(?:352|33|49|32))(?:[ ]?\(0\))?"
    # (it ends with its digits: never before a last group, "+352 621 123 456,5")
    r"(?:[ ./-]?\d){6,13}(?![\w]|[ ./-]?\d|[ ]?(?:€|EUR\b|eur\b|euros?\b|CHF\b|USD\b|\$))",
    # French national: 0X XX XX XX XX with one consistent separator (space, dot, dash or none). Written in
    # pairs it is a phone number even before a currency sign (no amount starts with 0 or is grouped by two);
    # in one piece ("0123456789€") it may be an amount.
    rf"{_NO_NUM_BEFORE}0[1-9](?:(?P<sep>[ .-])\d{{2}}(?:(?P=sep)\d{{2}}){{3}}(?![\w]|[.,/-]\d)|\d{{8}}{_NO_NUM_AFTER})",
    # Belgian national: 0X XXX XX XX (landline) and 04XX XX XX XX (mobile), space/dot/slash separators.
    rf"{_NO_NUM_BEFORE}0[1-9]\d{{0,2}}[ ./]?\d{{2,3}}[ .]\d{{2}}[ .]\d{{2}}{_NO_NUM_AFTER}",
    # German national: 0 + area code (1-4 digits) + separator + subscriber (up to three groups: 0151 234 567 89),
    # at least 8 digits in all.
    rf"{_NO_NUM_BEFORE}(?=(?:[ /-]?\d){{8,}})0[1-9]\d{{1,4}}(?:[ ]?/[ ]?|[ -])?\d{{3,8}}(?:[ -]\d{{1,5}}){{0,2}}"
    rf"{_NO_NUM_AFTER}",
]
# The leading look-ahead lets the engine skip positions that cannot start a number (about 2x faster).
_PHONE = re.compile("(?=[(+0-9])(?:" + "|".join(f"(?:{p})" for p in _PHONE_PATTERNS) + ")")
# Any number right after a telephone cue word (landlines like "Tel. 44 55 66" have no other tell-tale).
_PHONE_CUE = re.compile(
    r"(?i)(?=[tpmhgnf])(\b(?:t[ée]l(?:[ée]phone|efon|\.)?|tëlefon|telephone|phone|mobile|mob\.|handy|gsm|portable|natel|fax)"
    r"(?:[ ]?(?:nummer|number|numéro|nr|no|n°)\.?)?[ ]?[:.]?[ ]?)"
    r"(?=(?:[ ()./+-]{0,2}\d){6})(\+?\(?\d[\d ()./-]{4,18}\d)(?!\d|[ ]?(?:€|EUR\b|euros?\b))"
)
# Other countries' international numbers: +CC or 00CC and digits, kept when phonenumbers finds them possible.
# The span ends where the digit groups end (a comma after them is punctuation, "0958,5"): never a shorter span
# that would leave the last group behind.
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[ ]?[1-9]\d{0,2}(?:[ ./-]?\(?\d+\)?){2,8}(?![\w]|[ ./-]?\(?\d)")
# Luxembourg mobiles without country code: 6XX XXX XXX (621, 628, 661, 671, 681, 691 ...), any one
# separator or none; kept when phonenumbers finds a valid Luxembourg mobile number.
_LU_MOBILE = re.compile(rf"{_NO_NUM_BEFORE}6[2-9]\d(?P<sep2>[ .-]?)\d{{3}}(?P=sep2)\d{{3}}{_NO_NUM_AFTER}")
# Luxembourg landlines without prefix: pairs (26 12 34 56, 44 55 66) or 2-3-3 groups, one separator; never
# the tail of a longer number ("612 34 56 78" is a Spanish mobile: the national rule below takes it whole).
_LU_LANDLINE = re.compile(
    r"(?<![\w+/.,-])(?<!\d[ .])\d{2}(?P<s>[ .])\d{2}(?P=s)\d{2}(?:(?P=s)\d{2})?(?![\w]|[.,/-]\d|[ ]?(?:€|EUR\b|euros?\b))"
)


def _parse_phone(text: str, region: str | None):
    """The number phonenumbers reads in ``text`` (None when it reads none)."""
    import phonenumbers

    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _intl_phone_ok(text: str) -> bool:
    """An international number (+CC, or 00CC as dialled from Luxembourg) that phonenumbers finds possible."""
    import phonenumbers

    number = _parse_phone(text, "LU")  # the region only reads the 00 prefix: the number carries its country
    return number is not None and phonenumbers.is_possible_number(number)


def _lu_number_ok(text: str) -> bool:
    """A number without country code that phonenumbers finds valid in Luxembourg."""
    import phonenumbers

    number = _parse_phone(text, "LU")
    return number is not None and phonenumbers.is_valid_number(number)


def _iban_ok(text: str) -> bool:
    """Right check digits (python-stdnum)."""
    from stdnum import iban

    return iban.is_valid(text)


#: separate lower-case words at the end of a match: the pattern takes letters in any case, so a word after the
#: IBAN can pass for its last groups ("op LU72 660G WVPJ UMDW 8I86 iwwerweisen")
_TRAILING_WORDS = re.compile(r"(?:[ .-][a-zäöüëéèàç]+)+$")


def _replace_iban(match: re.Match) -> str:
    """``[IBAN]`` for the longest start of the match with right check digits (python-stdnum), the rest kept;
    else, without the lower-case words it ends on, for an account of at least ten digits (a mistyped IBAN);
    else the match unchanged."""
    text = match.group(0)
    cuts = [len(text), *(m.start() for m in reversed(list(re.finditer(r"[ .-]", text))))]
    for cut in cuts:
        if _valid_iban(text[:cut]):
            return "[IBAN]" + text[cut:]
    words = _TRAILING_WORDS.search(text)
    cut = words.start() if words else len(text)
    mistyped = sum(c.isdigit() for c in text[:cut]) >= 10  # a mistyped IBAN is still someone's account
    return "[IBAN]" + text[cut:] if mistyped else text


# Texts repeat the same numbers: each candidate is checked once (the tests clear these caches).
_valid_intl_phone = lru_cache(maxsize=65536)(_intl_phone_ok)
_valid_lu_number = lru_cache(maxsize=65536)(_lu_number_ok)
_valid_iban = lru_cache(maxsize=65536)(_iban_ok)


def _replace_if(token: str, check, match: re.Match) -> str:
    """``token`` where ``check(the match's text)`` holds, else the match unchanged (use with ``partial``)."""
    return token if check(match.group(0)) else match.group(0)


# ----- obfuscated e-mail addresses: "paul [dot] meyer [at] gmail [dot] com", "paul.meyer(at)gmail.com" -----
_OB_AT = r"(?:[ ]?[\[(\{<][ ]?(?:at|@|arobase|ät|aet)[ ]?[\])\}>][ ]?|[ ](?:at|arobase|ät)[ ]|[ ]@[ ])"
_OB_DOT = r"(?:[ ]?[\[(\{<][ ]?(?:dot|point|punkt|\.)[ ]?[\])\}>][ ]?|[ ](?:dot|point|punkt)[ ]|\.)"
_TLD = r"(?:com|net|org|lu|de|fr|be|eu|uk|nl|ch|at|it|pt|es|info|io|edu|gov|int|biz|me|co)"
_EMAIL_OBFUSCATED = re.compile(
    rf"(?i)(?<![\w.+-])[a-z0-9][a-z0-9_%+-]*(?:{_OB_DOT}[a-z0-9_%+-]+)*{_OB_AT}"
    rf"[a-z0-9][a-z0-9-]*(?:{_OB_DOT}[a-z0-9-]+)*{_OB_DOT}{_TLD}\b"
)

# ----- national ids of other countries, checked with python-stdnum; any number after an id cue -----------
_FOREIGN_ID = re.compile(
    r"(?<![\w.,/+-])(?:\d{2}[ .]\d{2}[ .]\d{2}[ .-]\d{3}[ .]\d{2}|[12][ ]?\d{2}[ ]?\d{2}[ ]?(?:\d{2}|2[AB])[ ]?\d{3}"
    r"[ ]?\d{3}[ ]?\d{2}|\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}|756[ .]?\d{4}[ .]?\d{4}[ .]?\d{2}|\d{3}-\d{2}-\d{4}|"
    r"\d{8}[ -]?[A-Z]|"
    # French VAT with letters (K7399859412, 4Z123456782), Dutch VAT (004495445B01), Dutch BSN 1112.22.333
    r"(?=[0-9A-Z]{0,1}[A-Z])[0-9A-HJ-NP-Z]{2}\d{9}|\d{9}B\d{2}|\d{4}\.\d{2}\.\d{3})(?![\w]|[.,/-]\d)"
)
# A VAT number with its country prefix (LU 150 274 42, BE 428759497, DE136695976, NL4495445B01), checked
# with python-stdnum (any EU format: "CY-10259033P", "MT 1167-9112"): a sole trader's VAT number names a person.
_VAT = re.compile(
    r"(?<![\w.,/+-])(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK)"
    r"[ -]?[0-9A-Z](?:[ .-]?[0-9A-Z]){7,13}(?![\w]|[.,/-]\d)"
)
_ID_CUE = re.compile(
    r"(?i)(\b(?:matricule|matrikel(?:nummer)?|sozialversicherungsnummer|versicherungsnummer|steuer-?id|"
    r"steueridentifikationsnummer|identifikationsnummer|num[ée]ro[ ]de[ ]s[ée]curit[ée][ ]sociale|"
    r"social[ ]security[ ]number|ssn|ahv(?:-nummer)?|avs|bsn|nir|num[ée]ro[ ]national|rijksregisternummer|"
    r"passport(?:[ ]number)?|passeport|reisepass(?:nummer)?|personalausweis(?:nummer)?|carte[ ]d['’]identit[ée]|"
    r"id[ ]card(?:[ ]number)?|identity[ ]card|national[ ]id|sozialversëcherungsnummer|nif|nie|dni|codice[ ]fiscale)"
    r"(?:[ ](?:number|no\.?|nr\.?|n°|numéro|nummer|ass|est|ist|is|:))*[ ]?[:#]?[ ]?)"
    # the number: groups joined by one separator; a group after a space holds a digit or is one capital letter
    # ("12 345678 A 123", "12345678 Z"), so the word after the number stays ("DNI 12345678Z ok")
    r"(?=[A-Z0-9.\- ]*\d{5})(?=[0-9A-Z.\- ]{6})([A-Z]{0,2}[0-9][0-9A-Z]*(?:[.\-][0-9A-Z]+)*"
    r"(?:[ ](?:(?=[0-9A-Z.\-]*\d)[0-9A-Z]+(?:[.\-][0-9A-Z]+)*|(?-i:[A-HJ-NP-TV-Z]))(?![\w])){0,5})(?![\w])"
)
# German identity card and passport numbers hold letters ("L01X00T47", "T22000129"): nine characters of
# C F G H J K L M N P R T V W X Y Z and 0-9 (a tenth, the check digit, may follow), after a cue word in
# German, French, Luxembourgish or English. No vowels in that alphabet: no word of a language fits it.
_ID_CARD_CUE = re.compile(
    r"(?i)(\b(?:personalausweis|ausweis|perso|reisepass|pass|dokumentennummer|carte[ ]d['’]identit[ée]i?t?|"
    r"identit[ée]itskaart(?:ennummer)?|pièce[ ]d['’]identité|cni|passeport|passport|id[ -]?card|"
    r"identity[ ]card|document[ ]number)"
    r"(?:[ ]?(?:-?nummer|-?nr\.?|number|no\.?|n°|numéro|num\.?|ass|est|ist|is|lautet|:))*[ ]?[:#]?[ ]?)"
    r"(?<![\w-])([CFGHJKLMNPRTVWXYZ0-9]{9}[0-9]?)(?![\w])"
)
# Italian tax code (codice fiscale), 16 characters, checked with python-stdnum: cue or none.
_CODICE_FISCALE = re.compile(
    r"(?i)(?<![\w])[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z](?![\w])"
)


def _foreign_id_ok(text: str) -> bool:
    """A personal or tax number of Belgium, France, Germany, Italy (a sole trader's or company's 11-digit
    codice fiscale, the partita IVA), the Netherlands, Switzerland, the US or Spain with right check digits."""
    from stdnum import be, ch, de, es, fr, it, us  # noqa: F401
    from stdnum.be import bis, nn
    from stdnum.ch import ssn as ch_ssn
    from stdnum.de import idnr
    from stdnum.es import dni
    from stdnum.fr import nir, tva
    from stdnum.it import iva
    from stdnum.nl import bsn, btw
    from stdnum.us import ssn as us_ssn

    if "-" in text and len(text) == 11 and text[3] == "-" and text[6] == "-":
        return us_ssn.is_valid(text)
    return any(m.is_valid(text) for m in (nn, bis, nir, idnr, ch_ssn, dni, tva, btw, iva)) or (
        "." in text and bsn.is_valid(text)  # a BSN only as written with its dots (any 9 digits pass 1 in 11)
    )


def _vat_ok(text: str) -> bool:
    """A VAT number of an EU country, right for python-stdnum."""
    from stdnum.eu import vat

    return vat.is_valid(text)


def _codice_fiscale_ok(text: str) -> bool:
    """An Italian codice fiscale with its right check letter (python-stdnum)."""
    from stdnum.it import codicefiscale

    return codicefiscale.is_valid(text)


_valid_foreign_id = lru_cache(maxsize=65536)(_foreign_id_ok)
_valid_codice_fiscale = lru_cache(maxsize=65536)(_codice_fiscale_ok)
_valid_vat = lru_cache(maxsize=65536)(_vat_ok)

# ----- national phone numbers of other countries (trunk 0, US formats), checked with phonenumbers ------------
_PHONE_NATIONAL = re.compile(
    r"(?<![\w+/.,-])(?:\(\d{3}\)[ ]?\d{3}-\d{4}|\d{3}-\d{3}-\d{4}|0\d{1,4}(?:[ /.-]?\d{2,8}){1,4}|"
    r"9[1236]\d[ ]\d{3}[ ]\d{3}|2\d[ ]\d{3}[ ]\d{4}|[67]\d{2}[ ]\d{2}[ ]\d{2}[ ]\d{2})"
    r"(?![\w]|[.,/:-]\d|[ ]?(?:€|EUR\b|eur\b|euros?\b|CHF\b|USD\b|\$))"
)
_REGIONS = ("FR", "DE", "BE", "NL", "CH", "GB", "IT", "AT", "US", "PT", "ES", "LU")


def _national_phone_ok(text: str) -> bool:
    """A number some neighbouring or large region's plan accepts as valid (9 to 12 digits)."""
    import phonenumbers

    digits = sum(c.isdigit() for c in text)
    if not 9 <= digits <= 12 or re.search(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
        return False
    for region in _REGIONS:
        number = _parse_phone(text, region)
        if number is not None and phonenumbers.is_valid_number(number):
            return True
    return False


_valid_national_phone = lru_cache(maxsize=65536)(_national_phone_ok)

# ----- postal addresses: street and number (before or after), with the postcode and locality when written ---
_STREET_FR = (
    r"(?:rue|route|avenue|av\.|boulevard|bd|place|impasse|chemin|allée|allee|cité|cite|quai|rond-point|montée|"
    r"sentier|voie|square|esplanade|passage|cours|domaine|résidence|lotissement|val|côte|rampe|montée)"
)
_STREET_EN = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Court|Ct\.?|Place|Pl\.?|"
    r"Square|Sq\.?|Way|Terrace|Close|Crescent|Gardens|Park|Row|Grove|Mews|Parkway|Highway|Hwy)"
)
_STREET_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|berg|graben|hof|"
    r"feld|wall|garten|strooss|stroos|gaass|wee|plaz|pad|bierg|knupp|wues|haff|gässel|eck|uecht|wiss|bongert)"
)
_WORD = rf"[{re.escape(_LETTER)}][{re.escape(_LETTER)}'’-]*"
_CAPW = rf"{_UP}[{re.escape(_LETTER)}'’-]*"
_NUMBER = r"\d{1,4}(?:[ ]?[a-zA-Z](?![\w]))?(?:[ ]?(?:bis|ter))?"
_POSTAL = rf"(?:,?[ ](?:(?:L|F|D|B|CH|NL)[ -]?)?\d{{4,5}}[ ]{_CAPW}(?:[ -]{_CAPW}|[ -](?:sur|sous|les|lès|am|an|de)[ -]{_CAPW}){{0,3}})"
_DE_LOCATIVE = (
    r"(?:[Aa]m|[Aa]n[ ]der|[Aa]n[ ]den|[Aa]n[ ]dem|[Aa]uf[ ]dem|[Aa]uf[ ]der|[Ii]m|[Zz]um|[Zz]ur|[Uu]m|"
    r"[Oo]p[ ]der|[Oo]p[ ]dem|[Oo]p[ ]de|[Aa]n[ ]de|[Ii]n[ ]der|[Ii]n[ ]den|[Bb]ei[ ]der|[Uu]mmer)"
)
_NOT_STREET = (
    r"(?!(?:Jahr|Jahre|Monat|Alter|Moment|Kapitel|Artikel|Punkt|Seite|Raum|Zimmer|Stock|Januar|Februar|März|"
    r"April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Abrëll|Mäerz|Oktober|Schnitt|Durchschnitt|"
    r"Wert|Betrag|Prozent|Minute|Minuten|Stunden|Tag|Tage|Woche|Wochen|Joer|Dag|Stonn)\b)"
)
_ADDRESS_PII = re.compile(
    rf"(?:(?<![\w,.])(?:{_NUMBER},?[ ])?(?i:{_STREET_FR})[ ](?:(?:de[ ]la|de[ ]l['’]|du|des|de|d['’]|l['’]|la|le|"
    rf"les|aux|au)[ ]?)*{_WORD}(?:[ -](?:(?:de|du|des|la|le|l['’]|d['’])[ ]?)?{_CAPW}){{0,3}}(?:,?[ ]{_NUMBER}(?=[ ,.;)]|$))?"
    rf"{_POSTAL}?"
    rf"|(?<![\w]){_CAPW}{_STREET_SUFFIX}(?:[ ]{_CAPW})?[ ]{_NUMBER}(?![\d])(?:,?{_POSTAL})?"
    rf"|(?<![\w])(?:{_CAPW}[ ])?{_UP}[a-zäöüéë]*(?:er|e|s)?[ ](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm|"
    rf"Ufer|Chaussee|Strooss|Gaass|Wee|Plaz|Pad)[ ]{_NUMBER}(?![\d])(?:,?{_POSTAL})?"
    rf"|(?<![\w]){_DE_LOCATIVE}[ ]{_NOT_STREET}{_CAPW}(?:[ ]{_CAPW})?[ ]\d{{1,3}}[a-z]?(?![\w.:]|,\d|[ ]?(?:Uhr|h\b|%|€))(?:,?{_POSTAL})?"
    rf"|(?<![\w,.])\d{{1,5}}[a-z]?[ ](?:{_CAPW}[ ]){{1,3}}{_STREET_EN}\b(?:,[ ]{_CAPW}(?:[ ]{_CAPW})?(?=[ .,;!?)]|$))?)"
)


_LEADING_LOCATIVE = re.compile(
    rf"^((?:in|bei)[ ](?:der|den|dem|die)[ ])(?=\S{{2,}}{_STREET_SUFFIX}[ ])", re.I
)


def _address_ok(match: re.Match) -> str:
    """An address needs a house number or a postcode: "rue de la Gare" alone names a street, not a home.
    "in der Hauptstraße 5": the words before a street name stay."""
    text = match.group(0)
    if not re.search(r"\d", re.sub(_POSTAL + "$", "", text)):
        return text
    lead = _LEADING_LOCATIVE.match(text)
    return (lead.group(1) if lead else "") + "[ADDRESS]"


def _redact_names(text: pd.Series) -> pd.Series:
    from .names import redact_names

    return redact_names(text)


#: ``kind -> [(compiled pattern, replacement)]``; applied in this order. A replacement is a template
#: or a function of the match (identifier checks with python-stdnum and phonenumbers).
PII_PATTERNS: dict[str, list] = {
    "email": [(_EMAIL, "[EMAIL]"), (_EMAIL_OBFUSCATED, "[EMAIL]")],
    "iban": [(_IBAN, _replace_iban)],
    "national_id": [
        (_NATIONAL_ID, "[NATIONAL_ID]"),
        (_ID_CUE, r"\1[NATIONAL_ID]"),
        (_ID_CARD_CUE, r"\1[NATIONAL_ID]"),
        (_CODICE_FISCALE, partial(_replace_if, "[NATIONAL_ID]", _valid_codice_fiscale)),
        # a VAT number with its country prefix before the bare numbers: "IT 00743110157" goes whole
        (_VAT, partial(_replace_if, "[NATIONAL_ID]", _valid_vat)),
        (_FOREIGN_ID, partial(_replace_if, "[NATIONAL_ID]", _valid_foreign_id)),
    ],
    "phone": [
        (_PHONE_CUE, r"\1[PHONE]"),
        (_PHONE, "[PHONE]"),
        (_PHONE_INTL, partial(_replace_if, "[PHONE]", _valid_intl_phone)),
        (_LU_MOBILE, partial(_replace_if, "[PHONE]", _valid_lu_number)),
        (_LU_LANDLINE, partial(_replace_if, "[PHONE]", _valid_lu_number)),
        (_PHONE_NATIONAL, partial(_replace_if, "[PHONE]", _valid_national_phone)),
    ],
    "address": [(_ADDRESS_PII, _address_ok)],
    "name": [_redact_names],  # a function of the texts: organisations are locked first (names.py)
}
PII_KINDS: tuple[str, ...] = tuple(PII_PATTERNS)
_TOKENS = {kind: f"[{kind.upper()}]" for kind in PII_KINDS}


def _check_texts(texts) -> pd.Series:
    series = texts.copy() if isinstance(texts, pd.Series) else pd.Series(list(texts))
    non_text = series.notna() & ~series.map(lambda v: isinstance(v, str))
    if non_text.any():
        raise TypeError(f"texts must be strings or missing values; row {series.index[non_text][0]!r} is not.")
    return series.astype(object)


def _apply(
    text: pd.Series, patterns: dict, selected: list[str], tokens: dict[str, str]
) -> tuple[pd.Series, pd.DataFrame]:
    counts = pd.DataFrame(0, index=text.index, columns=list(patterns))
    for kind, rules in patterns.items():
        if kind not in selected:
            continue
        token = re.escape(tokens[kind])
        before = text.str.count(token).fillna(0).astype(int)
        for rule in rules:
            if callable(rule):
                text = rule(text)
            else:
                text = text.str.replace(rule[0], rule[1], regex=True)
        counts[kind] = text.str.count(token).fillna(0).astype(int) - before
    return text, counts


def redact_pii(
    texts: pd.Series | Sequence[str | None], *, kinds: Iterable[str] | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """Redact e-mails, IBANs, Luxembourg national ids, phone numbers and names (vectorised).

    Args:
        texts: a Series or list of strings; missing values stay missing.
        kinds: subset of :data:`PII_KINDS` to redact (default: all).

    Returns:
        ``(redacted, counts)``: the redacted texts (same index) and a DataFrame with one row per
        text and one integer column per kind (``email, iban, national_id, phone, name``): the
        number of replacements made. ``counts.sum()`` gives the totals to report.
    """
    series = _check_texts(texts)
    selected = list(PII_KINDS) if kinds is None else list(kinds)
    unknown = [k for k in selected if k not in PII_PATTERNS]
    if unknown:
        raise ValueError(f"Unknown PII kind(s) {', '.join(unknown)}; choose from {', '.join(PII_KINDS)}.")
    return _apply(series, PII_PATTERNS, selected, _TOKENS)


# ----- the public page: examples shown to reviewers ----------------------------------------------------
_MONTHS = (
    r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    r"decembre|januar|jänner|februar|märz|maerz|april|juni|juli|august|oktober|dezember|januar|"
    r"abrëll|mäerz|juni|juli|oktober|november|dezember|january|february|march|may|june|july|"
    r"october|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
)
_DATE = re.compile(
    rf"(?i)\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}(?:er|\.|st|nd|rd|th)?[ ]{_MONTHS}(?:[ ]\d{{4}})?|{_MONTHS}[ ]\d{{1,2}}(?:st|nd|rd|th)?,?(?:[ ]\d{{4}})?|"
    rf"{_MONTHS}[ ]\d{{4}})\b"
)
_AMOUNT = re.compile(
    r"(?i)(?:(?:€|EUR|USD|CHF|\$|£)[ ]?\d[\d., ']*\d?|\d[\d., ']*[ ]?(?:€|EUR\b|euros?\b|USD\b|CHF\b|\$|£|"
    r"dollars?\b|francs?\b))"
)
_STREET = (
    r"(?:rue|route|avenue|av\.|boulevard|bd|place|impasse|chemin|allée|allee|cité|straße|strasse|str\.|"
    r"weg|gasse|platz|allee|street|st\.|road|rd\.|lane|square|wee|strooss|gaass)"
)
_ADDRESS = re.compile(
    rf"(?i)(?:\b\d{{1,4}}[a-z]?,?[ ]{_STREET}\b(?:[ ][\w'’-]+){{1,4}}|\b{_STREET}[ ](?:(?:de|du|des|la|le|l'|der|an|am|vun|of|the)[ ])*"
    rf"[\w'’-]+(?:[ ][\w'’-]+)?(?:[ ,]+\d{{1,4}}[a-z]?)?|\b(?:L|F|D|B)-?\d{{4,5}}\b|\b\d{{4,5}}[ ](?=[A-Z]))"
)
# Family and health details (a conservative list in the four languages).
_FAMILY_HEALTH = re.compile(
    r"(?i)\b(?:fille|fils|filles|enfants?|bébé|mari|épouse|époux|femme|divorcée?|divorce|veuve?|enceinte|grossesse|"
    r"naissance|décès|malade|maladie|cancer|handicapée?|handicap|diabète|dépression|hôpital|hospitalisée?|"
    r"opération|chirurgie|médecin|traitement|santé|mort|"
    r"tochter|töchter|sohn|söhne|kinder?|baby|ehemann|ehefrau|geschieden|scheidung|witwer?|witwe|schwanger|"
    r"schwangerschaft|geburt|tod|gestorben|krank|krankheit|krebs|behinderung|behindert|diabetes|depression|"
    r"krankenhaus|operation|arzt|ärztin|behandlung|gesundheit|"
    r"duechter|jong|kanner|kand|bëbee|mann|fra|gescheet|schwanger|gebuert|dout|krankheet|spidol|dokter|"
    r"son|sons|daughters?|children|child|husband|wife|divorced|widow(?:er)?|pregnant|pregnancy|birth|died|"
    r"death|ill|illness|sick|disease|disabled|disability|hospital|surgery|doctor|treatment|health)\b"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: What the public page masks on top of :data:`PII_KINDS`, in this order.
PUBLIC_PATTERNS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "date": [(_DATE, "[DATE]")],
    "amount": [(_AMOUNT, "[AMOUNT]")],
    "address": [(_ADDRESS, "[ADDRESS]")],
    "family_health": [(_FAMILY_HEALTH, "[PERSONAL]")],
    "number": [(_NUMBER, "[#]")],
}
PUBLIC_KINDS: tuple[str, ...] = PII_KINDS + tuple(k for k in PUBLIC_PATTERNS if k not in PII_KINDS)
_PUBLIC_TOKENS = {
    "date": "[DATE]",
    "amount": "[AMOUNT]",
    "address": "[ADDRESS]",
    "family_health": "[PERSONAL]",
    "number": "[#]",
}


def redact_for_public_page(texts: pd.Series | Sequence[str | None]) -> tuple[pd.Series, pd.DataFrame]:
    """Texts fit for a public page: :func:`redact_pii`, then dates, amounts, addresses, family and health
    details and every remaining number masked. Returns ``(masked, counts)`` with one column per kind of
    :data:`PUBLIC_KINDS`."""
    text, counts = redact_pii(texts)
    text, more = _apply(text, PUBLIC_PATTERNS, list(PUBLIC_PATTERNS), _PUBLIC_TOKENS)
    both = pd.concat([counts, more], axis=1)
    return text, both.T.groupby(level=0, sort=False).sum().T  # "address": the redactor's and the page's


# ----- what counts as a leak -----------------------------------------------------------------------------
def identifier_tokens(value: str, kind: str) -> list[str]:
    """The pieces of a planted identifier whose presence anywhere counts as a leak.

    Names: every word of two letters or more; phone, IBAN, national id: every group of digits (and
    the IBAN's letters-and-digits groups); e-mail: the address and its local part (the provider's domain
    names nobody).
    """
    value = str(value)
    if kind == "name":
        return [w for w in re.findall(rf"{_LET}+(?:['’]{_LET}+)?", value) if len(w) >= 2]
    if kind == "email":
        local, _, domain = value.partition("@")
        return [value, local] if domain else [value]
    if kind == "address":
        return [w for w in re.findall(rf"{_LET}+", value) if len(w) >= 2] + re.findall(r"\d+", value)
    if kind == "iban":
        groups = re.findall(r"[A-Za-z0-9]+", value)
        return [g for g in groups if any(c.isdigit() for c in g)]
    return re.findall(r"\d+", value)


def leaked_tokens(text: str, tokens: Iterable[str]) -> list[str]:
    """The tokens found in ``text`` as whole words (digits: not inside a longer number; names: any case)."""
    found = []
    for token in tokens:
        if token.isdigit():
            pattern = rf"(?<!\d){re.escape(token)}(?!\d)"
        else:
            pattern = rf"(?i)(?<![\w]){re.escape(token)}(?![\w])"
        if re.search(pattern, text):
            found.append(token)
    return found
