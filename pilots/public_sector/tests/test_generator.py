"""The synthetic request generator: shares, determinism, truth tables, identifiers, noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.public_sector.synthetic import generate_requests, make_requests, make_splits, planted_truth
from pilots.public_sector.synthetic import phrases as P
from pilots.public_sector.synthetic.forms import check_forms
from pilots.public_sector.synthetic.identifiers import (
    make_ibans,
    make_national_ids,
    valid_iban,
    valid_national_id,
)
from pilots.public_sector.synthetic.noise import add_typos, fold_text, strip_accents
from pilots.public_sector.synthetic.themes import LANGUAGES, OUT_OF_SCOPE, REQUIRED_FIELDS, THEMES


@pytest.fixture(scope="module")
def sample():
    return generate_requests(3000, seed=11)


def test_languages_and_themes_at_requested_shares():
    shares = {"fr": 0.5, "de": 0.1, "lb": 0.3, "en": 0.1}
    themes = {t: 1.0 for t in THEMES} | {"taxes": 4.0}  # taxes four times as frequent as any other theme
    r = generate_requests(
        2000, seed=3, language_shares=shares, theme_shares=themes, code_switch_share=0.25
    ).requests
    counts = r["language"].value_counts()
    for lang, share in shares.items():
        assert abs(counts[lang] - share * 2000) <= 1, (lang, counts[lang])
    theme_counts = r["theme"].value_counts()
    expected_taxes = 4 / (len(THEMES) - 1 + 4) * 2000
    assert abs(theme_counts["taxes"] - expected_taxes) <= 1
    assert abs(theme_counts["vehicles"] - expected_taxes / 4) <= 1
    assert set(r["theme"]) == set(THEMES)
    assert abs(r["code_switched"].sum() - 500) <= 1
    # a code-switched request names a second language different from its main one
    mixed = r[r["code_switched"]]
    assert (mixed["second_language"] != mixed["language"]).all() and mixed["second_language"].isin(
        LANGUAGES
    ).all()
    assert (r.loc[~r["code_switched"], "second_language"] == "").all()


def test_generator_has_at_least_twelve_themes_an_out_of_scope_route_and_administrations(sample):
    r = sample.requests
    assert len(set(THEMES) - {OUT_OF_SCOPE}) >= 12
    assert OUT_OF_SCOPE in set(r["theme"])
    assert r["administration"].notna().all()
    assert set(r["urgency"].astype(str)) == {"routine", "time_sensitive", "urgent"}
    assert set(r["register"]) == {"formal", "informal"} and set(r["length"]) == {"short", "medium", "long"}
    lengths = r["text"].str.len()
    assert lengths.min() > 20 and lengths.max() > 2.5 * lengths.min()


def test_deterministic_given_the_seed_and_different_across_seeds():
    a = generate_requests(300, seed=5).requests
    b = generate_requests(300, seed=5).requests
    c = generate_requests(300, seed=6).requests
    pd.testing.assert_frame_equal(a, b)
    assert (a["text"] != c["text"]).mean() > 0.9


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "positive"),
        ({"n": 10, "language_shares": {"xx": 1.0}}, "Unknown language"),
        ({"n": 10, "theme_shares": {"weather": 1.0}}, "Unknown theme"),
        ({"n": 10, "code_switch_share": 1.5}, "code_switch_share"),
        ({"n": 10, "phrase_pool": "heldout"}, "phrase_pool"),
    ],
)
def test_bad_generator_arguments_fail_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_requests(**kwargs)


def test_planted_pii_appears_verbatim_in_the_texts(sample):
    text = sample.requests.set_index("request_id")["text"]
    planted = sample.pii[sample.pii["where"] == "text"]
    found = np.strings.find(
        text[planted["request_id"]].to_numpy(dtype=str), planted["value"].to_numpy(dtype=str)
    )
    assert (found >= 0).all()
    assert set(planted["kind"]) == {"name", "email", "phone", "iban", "national_id"}
    # each kind is planted in each language
    lang = sample.requests.set_index("request_id")["language"]
    per = planted.assign(language=lang[planted["request_id"]].to_numpy()).groupby(["kind", "language"]).size()
    assert len(per) == 5 * 4 and per.min() >= 10


def test_planted_form_values_are_valid_identifiers_unless_made_inconsistent(sample):
    r = sample.requests
    nid = r["form_national_id"].dropna()
    bad = r.loc[nid.index, "inconsistent_truth"] == "national_id_checksum"
    assert valid_national_id(nid[~bad]).all() and not valid_national_id(nid[bad]).any()
    ib = r["form_iban"].dropna()
    bad = r.loc[ib.index, "inconsistent_truth"] == "iban_checksum"
    assert valid_iban(ib[~bad]).all() and not valid_iban(ib[bad]).any()


def test_form_check_recovers_the_generator_truth(sample):
    r = sample.requests
    checked = check_forms(r, r["theme"])
    assert (checked["missing_fields"] == r["missing_truth"]).all()
    assert (checked["inconsistencies"] == r["inconsistent_truth"]).all()
    assert 0.05 < (r["missing_truth"] != "").mean() < 0.6
    # out-of-scope requests have no required fields
    assert (checked.loc[r["theme"] == OUT_OF_SCOPE, "missing_fields"] == "").all()
    assert REQUIRED_FIELDS["family_benefits"] == ("full_name", "national_id", "iban", "child_count")


def test_form_check_flags_each_kind_of_problem():
    forms = generate_requests(40, seed=2, missing_rate=0.0, inconsistent_rate=0.0).requests
    forms = forms[forms["theme"] == "pensions"].head(1).copy()
    assert check_forms(forms, forms["theme"])["complete"].all()
    broken = forms.copy()
    broken["form_iban"] = None
    broken["form_email"] = "jos.schmit at pt.lu"
    out = check_forms(broken, broken["theme"]).iloc[0]
    assert out["missing_fields"] == "iban" and out["inconsistencies"] == "email_format"
    with pytest.raises(ValueError, match="Unknown procedure"):
        check_forms(forms, ["gardening"])


def test_national_id_and_iban_check_digits():
    # the OECD "Luxembourg TIN" example; changing its last digit breaks the Verhoeff check
    assert valid_national_id(pd.Series(["1893120105732", "1893 1201 057 32"])).all()
    assert not valid_national_id(pd.Series(["1893120105733", "18931201057", "1893130105732"])).any()
    assert valid_iban(pd.Series(["GB82 WEST 1234 5698 7654 32", "LU28 0019 4006 4475 0000"])).all()
    assert not valid_iban(pd.Series(["LU28 0019 4006 4475 0001"])).any()
    rng = np.random.default_rng(0)
    births = pd.Series(pd.to_datetime(["1950-01-31", "2004-02-29", "1999-12-01"]))
    ids = make_national_ids(births, rng)
    assert valid_national_id(ids).all() and (ids.str[:8] == births.dt.strftime("%Y%m%d")).all()
    ibans = make_ibans(300, rng)
    assert valid_iban(ibans).all() and set(ibans.str[:2]) == {"LU", "BE", "DE"}
    assert (ibans[ibans.str[:2] == "LU"].str.len() == 20).all()


def _sentences(pool) -> set[str]:
    """Every template of a nested pool, cut before its first slot (the fixed wording)."""
    if isinstance(pool, dict):
        return set().union(*(_sentences(v) for v in pool.values()))
    if isinstance(pool, tuple):
        return set().union(*(_sentences(v) for v in pool))
    return {item.split("{")[0].strip().lower() for item in pool if len(item.split("{")[0].strip()) >= 20}


def test_test_requests_share_no_template_phrase_or_writer_with_training_requests():
    """Held-out generation: the test half of every pool never appears in training requests."""
    train = generate_requests(2500, seed=1, phrase_pool="train", typo_rate=0.0, vague_share=0.0)
    test = generate_requests(2500, seed=2, phrase_pool="test", typo_rate=0.0, vague_share=0.0)
    train_text = " ".join(train.requests["text"].str.lower())
    test_text = " ".join(test.requests["text"].str.lower())
    pools = [P.FRAMES, P.GENERIC, P.GREETINGS, P.NAME_INTRO, P.NAME_CLOSING, P.NAME_FORMS, P.KIN_SENTENCES,
             P.CONTACT, P.URGENCY_CUES, P.DETAILS, {t: {lg: v[1] for lg, v in d.items()} for t, d in P.THEME_PHRASES.items()}]  # fmt: skip
    held_out = set().union(*(_sentences(pool_part_tree(p, "test")) for p in pools))
    seen = set().union(*(_sentences(pool_part_tree(p, "train")) for p in pools))
    only_test = held_out - seen
    assert len(only_test) > 100
    leaked = sorted(t for t in only_test if t in train_text)
    assert leaked == [], leaked[:5]
    assert sum(t in test_text for t in only_test) > 0.5 * len(only_test)  # the test half is really used

    # writers: no name and no e-mail domain of a test request occurs in a training request
    def names(s):
        return set(
            s.pii.loc[(s.pii["kind"] == "name") & (s.pii["where"] == "form"), "value"].str.split().explode()
        )

    assert not names(train) & names(test)

    def domains(s):
        return set(s.requests["form_email"].dropna().str.split("@").str[1].dropna().str.lower())

    assert not domains(train) & domains(test)


def pool_part_tree(tree, pool):
    from pilots.public_sector.synthetic.generator import _part

    return _part(tree, pool)


def test_names_are_planted_with_and_without_cues_in_all_four_languages(sample):
    planted = sample.pii[(sample.pii["kind"] == "name") & (sample.pii["where"] == "text")]
    lang = sample.requests.set_index("request_id")["language"]
    per = planted.assign(language=lang[planted["request_id"]].to_numpy()).groupby(["form", "language"]).size()
    cue_less = {"closing", "signature", "self", "inline", "opening", "lower"}
    assert {(f, lg) for f in cue_less for lg in LANGUAGES} <= set(per.index)
    lower = planted[planted["form"] == "lower"]["value"]
    assert (lower == lower.str.lower()).all()


def test_identifiers_are_written_in_real_formats(sample):
    import phonenumbers

    text_pii = sample.pii[sample.pii["where"] == "text"]
    phones = text_pii[text_pii["kind"] == "phone"]
    assert phones["form"].nunique() >= 15
    assert phones["value"].str.startswith("00352").any() and phones["value"].str.startswith("00 352").any()
    # each number parses as a possible number of its country (the format name starts with the country)
    region = phones["form"].str[:2].str.upper()
    possible = [
        phonenumbers.is_possible_number(phonenumbers.parse(v.replace("(0)", "").replace("00 ", "00", 1), r))
        for v, r in zip(phones["value"], region, strict=True)
    ]
    assert np.mean(possible) > 0.97
    ibans = text_pii[text_pii["kind"] == "iban"]["value"]
    assert ibans.str.contains(r"^[a-z]{2}\d{2} ", regex=True).any()  # lower case with spaces
    assert valid_iban(ibans.str.replace("-", "", regex=False)).all()
    nids = text_pii[text_pii["kind"] == "national_id"]["value"]
    assert nids.str.contains(r"\.", regex=True).any() and nids.str.contains("-", regex=False).any()
    assert valid_national_id(nids.str.replace(r"[ ./-]", "", regex=True)).all()


def test_make_splits_sizes_and_distinct_phrase_pools():
    s = make_splits(1000, seed=4)
    assert (len(s.train), len(s.validation), len(s.test)) == (600, 200, 200)
    assert (
        s.train["request_id"].str.startswith("TRN").all() and s.test["request_id"].str.startswith("REQ").all()
    )
    assert not set(s.validation["request_id"]) & set(s.test["request_id"])
    assert set(s.pii["request_id"]) <= set(pd.concat([s.train, s.validation, s.test])["request_id"])
    with pytest.raises(ValueError, match="too small"):
        make_splits(50, seed=0)


def test_make_requests_is_the_designs_frame_in_the_contracts_names_with_its_truth():
    """The generator pilot.yaml names: contract names, the generator's own split, the planted personal data
    carried row by row and given back in the generator's order; deterministic in the seed."""
    from pilots.public_sector.contract import REQUESTS

    frame = make_requests({"n_requests": 500, "seed": 4})
    REQUESTS.check(frame, "make_requests")  # the contract's checks, as livinglab.load applies them
    splits = make_splits(500, seed=4)
    assert frame["split"].value_counts().to_dict() == {"train": 300, "validation": 100, "test": 100}
    assert (
        frame["label"].tolist() == pd.concat([splits.train, splits.validation, splits.test])["theme"].tolist()
    )
    assert frame.attrs["label_name"] == "theme" and "synthetic" in frame.attrs["generator"]
    truth = planted_truth(frame["planted_pii"], frame["id"])
    pd.testing.assert_frame_equal(truth, splits.pii[["request_id", "kind", "value", "where", "form"]])
    again = make_requests({"n_requests": 500, "seed": 4})
    pd.testing.assert_frame_equal(frame, again)
    assert not make_requests({"n_requests": 500, "seed": 5})["text"].equals(frame["text"])


def test_noise_is_vectorised_and_keeps_digits_and_separators():
    texts = pd.Series(["Steierklass 2024, montant 1 250,50 €", "Ech hunn e Problem mat der Gemeng"] * 200)
    noisy = add_typos(texts, 0.3, np.random.default_rng(0))
    assert len(noisy) == len(texts) and (noisy != texts).mean() > 0.9
    assert noisy[::2].str.contains(" 2024, ", regex=False).all()
    assert noisy[::2].str.endswith(" 1 250,50 €").all()
    assert strip_accents(pd.Series(["gëtt Éischt"]), np.array([True]))[0] == "gett Eischt"
    assert fold_text(pd.Series(["Wéi GËTT"]))[0] == "wei gett"
