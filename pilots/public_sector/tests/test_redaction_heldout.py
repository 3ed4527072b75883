"""The redactor on identifiers it was not written on: phonenumbers' and python-stdnum's own examples in
national formats, inside the held-out corpus (privacy.evaluation, privacy.national_examples)."""

import importlib
import re

import pandas as pd
import phonenumbers
import pytest

from pilots.public_sector.privacy import national_examples as nat
from pilots.public_sector.privacy import redact
from pilots.public_sector.privacy import redactor as pii
from pilots.public_sector.privacy.evaluation import HELDOUT, evaluate, read_corpus


@pytest.fixture(scope="module")
def heldout():
    table, tokens, redacted = evaluate(lambda texts: redact(texts)[0], HELDOUT, n_boot=50)
    return table.set_index("measure"), tokens, redacted


def test_the_examples_are_the_libraries_own():
    ex = nat.examples()
    phones = ex[ex["kind"] == "phone"]
    # 6 regions x (fixed line, mobile) x (national, international)
    assert len(phones) == 24 and set(phones["country"]) == set(nat.REGIONS)
    for row in phones.itertuples():
        number = phonenumbers.parse(row.value, row.country)
        assert phonenumbers.is_valid_number_for_region(number, row.country), row
        example = phonenumbers.example_number_for_type(
            row.country,
            phonenumbers.PhoneNumberType.MOBILE
            if "mobile" in row.source
            else phonenumbers.PhoneNumberType.FIXED_LINE,
        )
        assert number == example, row
    ids = ex[ex["kind"] == "id"]
    assert {"LU", "BE", "FR", "DE", "NL", "PT"} <= set(ids["country"]), ids
    for row in ex[ex["kind"] != "phone"].itertuples():
        name = "iban" if "registry" in row.source else row.source.split()[0].removeprefix("stdnum.")
        assert importlib.import_module(f"stdnum.{name}").is_valid(row.value), row
    ibans = ex[ex["kind"] == "iban"]
    assert set(nat.REGIONS) <= set(ibans["value"].str[:2]), ibans
    assert nat.corpus_lines(0) == nat.corpus_lines(0)  # deterministic


def test_the_frames_carry_no_cue_word_of_the_redactor():
    """The redactor must recognise the number itself: no "Tel.", "GSM", "matricule", "IBAN" around it."""
    for frames in nat.FRAMES.values():
        for _, frame in frames:
            text = frame.format(x="123 456 789")
            assert not pii._PHONE_CUE.search(text), frame
            assert not pii._ID_CUE.search(text), frame
            assert not re.search(r"(?i)\b(iban|tel|phone|gsm|handy|matricule|tva|vat|ust)\b", text), frame


def test_every_library_example_is_removed_whole(heldout):
    """Each request built on a library example loses every token of its identifier: a miss is one national
    format the redactor no longer knows."""
    _, tokens, redacted = heldout
    texts, spans = read_corpus(HELDOUT, nat.corpus_lines(0))
    first = len(texts) - len(nat.corpus_lines(0))
    left = tokens[(tokens["row"] >= first) & (tokens["identifier"] > tokens["removed_identifier"])]
    assert left.empty, [(texts[r], redacted[r]) for r in left["row"].unique()]


def test_recall_per_kind_and_precision_on_the_heldout_corpus(heldout):
    """Floors: the redactor removes every identifier token today. Per kind the floor is 0.97: one missed
    number (3-4 tokens) of the 64-145 tokens of a kind costs 2-6 points, so a single new miss in the smaller
    kinds and two in phones fail; the library examples alone are held to that floor too. Precision 0.98:
    it is 1.0 on 480 removed tokens; ten ordinary tokens wrongly removed fail."""
    table, _, _ = heldout
    values = table["value"]
    assert table["library_examples"].iloc[0] == len(nat.corpus_lines(0)) >= 45
    for kind in ("recall_phone", "recall_iban", "recall_id", "recall_email", "recall_address"):
        assert values[kind] >= 0.97, (kind, values[kind])
    assert values["recall_library_examples"] >= 0.97, values
    assert values["identifier_recall"] >= 0.99, values
    assert values["precision"] >= 0.98, values
    assert values["kept_ordinary"] >= 0.98, values


def test_the_library_examples_are_measured_with_the_heldout_corpus_only():
    from pilots.public_sector.privacy.evaluation import DEV

    dev, _, _ = evaluate(lambda texts: redact(texts)[0], DEV, n_boot=10)
    assert (dev["library_examples"] == 0).all() and "recall_library_examples" not in set(dev["measure"])
    on_file, _ = read_corpus(HELDOUT)
    table, _, _ = evaluate(lambda texts: pd.Series(texts), HELDOUT, n_boot=10)  # redacts nothing
    values = table.set_index("measure")["value"]
    assert values["identifier_recall"] == 0 and values["recall_library_examples"] == 0
    assert table["texts"].iloc[0] == len(on_file) + table["library_examples"].iloc[0]
