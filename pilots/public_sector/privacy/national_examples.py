"""Identifiers in national formats taken from phonenumbers' and python-stdnum's own examples, written into
short requests, for the held-out redaction corpus (:mod:`.evaluation`).

Neither the numbers nor their formatting are the redactor's authors': phone numbers are
``phonenumbers.example_number_for_type`` for Luxembourg, France, Germany, Belgium, the Netherlands and
Portugal (fixed line and mobile, national and international formatting); national ids and VAT numbers are
the valid examples of python-stdnum's own doctests (``>>> validate('...')`` lines that do not raise, and the
output of ``>>> format('...')``) of the modules in :data:`STDNUM_MODULES`; IBANs are those of stdnum's
doctests plus, for the countries without one, an IBAN built on stdnum's registry of each country's account
structure with seeded digits and check digits computed by stdnum. The sentences around them use frames that
are neither the synthetic generator's nor the redactor's cue words ("Tel.", "GSM", "matricule", ...): the
redactor has to recognise the number itself. Everything is deterministic for a seed.
"""

from __future__ import annotations

import importlib
import random
import re

import pandas as pd

REGIONS = ("LU", "FR", "DE", "BE", "NL", "PT")
#: stdnum module -> span kind (``id``: a personal or tax number; ``iban``)
STDNUM_MODULES = {
    "lu.tva": "id", "be.nn": "id", "be.vat": "id", "fr.nir": "id", "fr.tva": "id", "de.idnr": "id",
    "de.vat": "id", "nl.bsn": "id", "nl.btw": "id", "pt.nif": "id", "it.codicefiscale": "id", "iban": "iban",
    "be.iban": "iban",
}  # fmt: skip
_DOCTEST = re.compile(r"^\s*>>> (validate|format)\('([^']+)'\)[^\n]*\n\s*(?!Traceback)([^\n>]+)$", re.M)

# Frames: {x} is the identifier. Plain requests in the four languages, without any telephone or id cue word.
FRAMES = {
    "phone": [
        ("fr", "Vous pouvez me joindre au {x} en fin de journée, j'attends votre retour."),
        ("fr", "Rappelez-moi s'il vous plaît, je suis disponible au {x} jusqu'à midi."),
        ("de", "Ich bin unter {x} am besten nach 17 Uhr zu erreichen."),
        ("de", "Rufen Sie mich bitte zurück: {x}, vormittags."),
        ("lb", "Dir kënnt mech op {x} uruffen, merci villmools."),
        ("en", "You can reach me at {x} most afternoons."),
        ("en", "Please ring {x} if anything is missing from my file."),
    ],
    "id": [
        ("fr", "Pour mon dossier de remboursement, voici le numéro {x} que l'on m'a attribué."),
        ("fr", "Mon employeur m'a communiqué le {x} pour la déclaration."),
        ("de", "Für den Antrag gebe ich Ihnen die {x} an, die mir zugeteilt wurde."),
        ("de", "Bitte ergänzen Sie {x} in meiner Akte."),
        ("lb", "Fir mäin Dossier: {x}, wann ech gelift."),
        ("en", "For my file, the number I was given is {x}."),
        ("en", "Could you add {x} to my application?"),
    ],
    "iban": [
        ("fr", "Merci de verser l'aide sur le compte {x} dès que possible."),
        ("de", "Überweisen Sie den Betrag bitte auf {x}."),
        ("lb", "D'Suen w.e.g. op {x} iwwerweisen."),
        ("en", "The refund should go to account {x}, not the old one."),
    ],
}


def phone_examples() -> pd.DataFrame:
    """phonenumbers' example fixed-line and mobile numbers per region, formatted nationally and
    internationally (one row each: kind, country, source, value)."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    rows = []
    for region in REGIONS:
        for kind, type_ in (("fixed line", PhoneNumberType.FIXED_LINE), ("mobile", PhoneNumberType.MOBILE)):
            number = phonenumbers.example_number_for_type(region, type_)
            for fmt_name, fmt in (
                ("national", PhoneNumberFormat.NATIONAL),
                ("international", PhoneNumberFormat.INTERNATIONAL),
            ):
                rows.append(
                    {"kind": "phone", "country": region, "source": f"phonenumbers {kind}, {fmt_name}",
                     "value": phonenumbers.format_number(number, fmt)}
                )  # fmt: skip
    return pd.DataFrame(rows)


def stdnum_examples() -> pd.DataFrame:
    """The valid examples of python-stdnum's doctests of :data:`STDNUM_MODULES` (as written in the
    ``validate`` call, and the ``format`` output), each checked again with the module's ``is_valid``."""
    rows = []
    for name, kind in STDNUM_MODULES.items():
        module = importlib.import_module(f"stdnum.{name}")
        for call, arg, result in _DOCTEST.findall(module.__doc__ or ""):
            value = result.strip().strip("'") if call == "format" else arg
            if module.is_valid(value) and value.strip():
                rows.append(
                    {"kind": kind, "country": name.split(".")[0].upper() if "." in name else value[:2],
                     "source": f"stdnum.{name} doctest ({call})", "value": value.strip()}
                )  # fmt: skip
    return pd.DataFrame(rows).drop_duplicates("value", ignore_index=True)


def built_ibans(seed: int = 0) -> pd.DataFrame:
    """For each region without an IBAN in stdnum's doctests: an IBAN on stdnum's registry structure of the
    country's account number (seeded digits and letters, check digits by stdnum), grouped by four."""
    from stdnum import iban, numdb

    rng = random.Random(seed)
    alphabet = {
        "n": "0123456789",
        "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    }
    rows = []
    for region in REGIONS:
        if region == "BE":  # stdnum's doctests have Belgian ones (with a national check of their own)
            continue
        structure = numdb.get("iban").info(region)[0][1]["bban"]
        bban = "".join(
            "".join(rng.choice(alphabet[t]) for _ in range(int(n)))
            for n, t in re.findall(r"(\d+)!([nac])", structure)
        )
        number = region + iban.calc_check_digits(region + "00" + bban) + bban
        assert iban.is_valid(number), number
        rows.append(
            {"kind": "iban", "country": region, "source": "stdnum registry structure, seeded digits",
             "value": iban.format(number)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def examples(seed: int = 0) -> pd.DataFrame:
    """Every example identifier (kind, country, source, value)."""
    return pd.concat([phone_examples(), stdnum_examples(), built_ibans(seed)], ignore_index=True)


def corpus_lines(seed: int = 0) -> list[str]:
    """One request per example identifier, in the corpus' markup (``[[phone:...]]``), frame and language
    drawn with ``seed``."""
    rng = random.Random(seed)
    lines = []
    for row in examples(seed).itertuples():
        _, frame = rng.choice(FRAMES[row.kind])
        lines.append(frame.format(x=f"[[{row.kind}:{row.value}]]"))
    return lines
