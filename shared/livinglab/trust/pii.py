"""PII redaction for free text in French, German, Luxembourgish and English (one implementation for all pilots).

:func:`redact_pii` replaces, in this order:

===============  ===============================================================================
``[EMAIL]``      e-mail addresses
``[IBAN]``       IBANs of any country, grouped by four or not (``LU28 0019 4006 4475 0000``)
``[NATIONAL_ID]`` Luxembourg 13-digit identification number: YYYYMMDD + 5 digits, spaces allowed
``[PHONE]``      +352 / 00352 (6-9 digit local numbers), +33 / 0X XX XX XX XX, +49 / 0AAA SSSSSS,
                 +32 / 0X XXX XX XX and 04XX XX XX XX, Luxembourg mobiles 6X1 XXX XXX without
                 prefix, and any number written right after a cue such as "Tel.", "Tél.", "Handy",
                 "GSM", "Telefon", "phone", "Tëlefon"
``[NAME]``       one to three capitalised words after a courtesy or title cue (Monsieur, Madame,
                 Mademoiselle, M., Mme, Mlle, Herr, Herrn, Frau, Här, Madamm, Joffer, Mr, Mrs, Ms,
                 Miss, Dr, Prof) or after a self-introduction ("je m'appelle", "mon nom est",
                 "ich heiße", "mein Name ist", "ech heeschen", "mäin Numm ass", "my name is")
===============  ===============================================================================

The cue word itself is kept ("Madame [NAME]"), so the text still reads naturally. Ordinary numbers
are left alone: amounts (``1.250,00 EUR``, ``2 500 €``), dates (``12/03/2025``, ``2025-03-12``,
``12.03.2025``), postcodes (``L-1234``), years and short reference numbers.

Limits (stated so nobody relies on more): names without a cue are not found (that needs a
named-entity model); a self-introduced name written in lower case is redacted for its first word
only; a 10-digit number starting with 0 is taken for a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["PII_KINDS", "PII_PATTERNS", "redact_pii"]

# Letter classes for Latin-script names (Python's re has no \p{Lu}); covers Latin-1 and Latin Extended-A/B.
_LATIN = [chr(c) for c in range(0x41, 0x250)]
_UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
_LETTER = "".join(c for c in _LATIN if c.isalpha())
_UP = f"[{re.escape(_UPPER)}]"
_LET = f"[{re.escape(_LETTER)}]"
_NAME_WORD = (
    rf"{_UP}{_LET}*(?:['’]{_LET}+)?(?:-{_UP}?{_LET}+)*"  # Dupont, O'Brien, Jean-Pierre, DUPONT, Müller
)
# Name particles: "de la Fontaine", "von der Leyen", "van den Berg", "d'Estaing" (never "le", "la" alone).
_PARTICLE = (
    r"(?:(?:de|van|von)[ ](?:la|der|den)[ ]|(?:de|du|des|von|van|der|den|zu|vom|di|da|dos|del)[ ]|d['’])"
)
_FULL_NAME = rf"{_PARTICLE}*{_NAME_WORD}(?:[ ]{_PARTICLE}*{_NAME_WORD}){{0,2}}"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)

# Country code, 2 check digits, then 11-30 alphanumerics, optionally in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")

# Luxembourg matricule: YYYY MM DD NNN CC (birth date, serial, two check digits), spaces optional.
_NATIONAL_ID = re.compile(
    r"(?<![\d.,/-])(?:18|19|20)\d{2}[ ]?(?:0[1-9]|1[0-2])[ ]?(?:0[1-9]|[12]\d|3[01])"
    r"[ ]?\d{3}[ ]?\d{2}(?![\d.,/-]?\d)"
)

_NO_NUM_BEFORE = r"(?<![\w+/.,-])"  # not glued to a word, a '+', or a number's separators
# ...and not followed by more digits, a letter or a currency (then it is an amount).
_NO_NUM_AFTER = r"(?![\w]|[.,/-]\d|[ ]?(?:€|EUR\b|eur\b|euros?\b|CHF\b|USD\b|\$))"
_PHONE_PATTERNS = [
    # International form for LU/FR/DE/BE: +352, 00352, (+352), optional (0), then 6-11 digits with single separators.
    rf"(?<![\w+])(?:\(\s?(?:\+|00)\s?(?:352|33|49|32)\s?\)|(?:\+|00)\s?(?:352|33|49|32))(?:[ ]?\(0\))?"
    rf"(?:[ ./-]?\d){{6,13}}{_NO_NUM_AFTER}",
    # French national: 0X XX XX XX XX with one consistent separator (space, dot, dash or none).
    rf"{_NO_NUM_BEFORE}0[1-9](?P<sep>[ .-]?)\d{{2}}(?:(?P=sep)\d{{2}}){{3}}{_NO_NUM_AFTER}",
    # Belgian national: 0X XXX XX XX (landline) and 04XX XX XX XX (mobile), space/dot/slash separators.
    rf"{_NO_NUM_BEFORE}0[1-9]\d{{0,2}}[ ./]?\d{{2,3}}[ .]\d{{2}}[ .]\d{{2}}{_NO_NUM_AFTER}",
    # German national: 0 + area code (1-4 digits) + separator + subscriber, at least 8 digits in all.
    rf"{_NO_NUM_BEFORE}(?=(?:[ /-]?\d){{8,}})0[1-9]\d{{1,4}}(?:[ ]?/[ ]?|[ -])?\d{{3,8}}(?:[ -]\d{{1,5}})?"
    rf"{_NO_NUM_AFTER}",
    # Luxembourg mobile without country code: 6X1 XXX XXX (621, 661, 671, 691 ...).
    rf"{_NO_NUM_BEFORE}6[2-9]1[ ]?\d{{3}}[ ]?\d{{3}}{_NO_NUM_AFTER}",
]
# The leading look-ahead lets the engine skip positions that cannot start a number (about 2x faster).
_PHONE = re.compile("(?=[(+0-9])(?:" + "|".join(f"(?:{p})" for p in _PHONE_PATTERNS) + ")")
# Any number right after a telephone cue word (landlines like "Tel. 44 55 66" have no other tell-tale).
_PHONE_CUE = re.compile(
    r"(?i)(?=[tpmhgnf])(\b(?:t[ée]l(?:[ée]phone|efon|\.)?|tëlefon|telephone|phone|mobile|mob\.|handy|gsm|portable|natel|fax)"
    r"(?:[ ]?(?:nummer|number|numéro|nr|no|n°)\.?)?[ ]?[:.]?[ ]?)"
    r"(?=(?:[ ()./+-]{0,2}\d){6})(\+?\(?\d[\d ()./-]{4,18}\d)(?!\d|[ ]?(?:€|EUR\b|euros?\b))"
)

_TITLE_CUES = (
    r"(?:(?i:monsieur|madame|mademoiselle|messieurs|mesdames|herrn|herr|frau|här|madamm|joffer|"
    r"mister)\b|(?:Miss|Mme|Mlle|Mrs|Mr|Ms|Dr|Prof)\b\.?|M\.)"
)
_NAME_AFTER_TITLE = re.compile(
    rf"(?=[MmHhFfJjDdP])(?<![\w])({_TITLE_CUES}[ ]+(?:(?:Dr|Prof)\.?(?:[ ]med\.)?[ ]+)*)({_FULL_NAME})"
)
_INTRO_CUES = (
    r"(?i:je[ ]m['’][ ]?appelle|mon[ ]nom[ ](?:est|c['’]est)|ich[ ]hei(?:ß|ss)e|mein[ ]name[ ]ist|"
    r"ech[ ]heeschen|mäin[ ]numm[ ]ass|my[ ]name[ ]is|ech[ ]sinn[ ]d(?:e|'))"
)
_NAME_AFTER_INTRO = re.compile(rf"(?=[JjIiMmEe])(?<![\w])({_INTRO_CUES}[ ]+)({_FULL_NAME}|{_LET}+)")

#: ``kind -> (compiled pattern, replacement)``; applied in this order.
PII_PATTERNS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "email": [(_EMAIL, "[EMAIL]")],
    "iban": [(_IBAN, "[IBAN]")],
    "national_id": [(_NATIONAL_ID, "[NATIONAL_ID]")],
    "phone": [(_PHONE_CUE, r"\1[PHONE]"), (_PHONE, "[PHONE]")],
    "name": [(_NAME_AFTER_TITLE, r"\1[NAME]"), (_NAME_AFTER_INTRO, r"\1[NAME]")],
}
PII_KINDS: tuple[str, ...] = tuple(PII_PATTERNS)


def redact_pii(
    texts: pd.Series | Sequence[str | None], *, kinds: Iterable[str] | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """Redact e-mails, IBANs, Luxembourg national ids, phone numbers and cued names (vectorised).

    Args:
        texts: a Series or list of strings; missing values stay missing.
        kinds: subset of :data:`PII_KINDS` to redact (default: all).

    Returns:
        ``(redacted, counts)``: the redacted texts (same index) and a DataFrame with one row per
        text and one integer column per kind (``email, iban, national_id, phone, name``): the
        number of replacements made. ``counts.sum()`` gives the totals to report.
    """
    series = texts.copy() if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    selected = list(PII_KINDS) if kinds is None else list(kinds)
    unknown = [k for k in selected if k not in PII_PATTERNS]
    if unknown:
        raise ValueError(f"Unknown PII kind(s) {', '.join(unknown)}; choose from {', '.join(PII_KINDS)}.")
    non_text = series.notna() & ~series.map(lambda v: isinstance(v, str))
    if non_text.any():
        raise TypeError(f"texts must be strings or missing values; row {series.index[non_text][0]!r} is not.")
    counts = pd.DataFrame(0, index=series.index, columns=list(PII_KINDS), dtype=int)
    text = series.astype(object)
    for kind in PII_KINDS:
        if kind not in selected:
            continue
        for pattern, replacement in PII_PATTERNS[kind]:
            counts[kind] += text.str.count(pattern).fillna(0).astype(int)
            text = text.str.replace(pattern, replacement, regex=True)
    return text, counts
