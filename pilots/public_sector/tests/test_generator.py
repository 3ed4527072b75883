"""The synthetic request generator: shares, determinism, truth tables, identifiers, noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.public_sector import phrases as P
from pilots.public_sector.forms import check_forms
from pilots.public_sector.identifiers import make_ibans, make_national_ids, valid_iban, valid_national_id
from pilots.public_sector.noise import add_typos, fold_text, strip_accents
from pilots.public_sector.synthetic import generate_requests, make_splits
from pilots.public_sector.themes import LANGUAGES, OUT_OF_SCOPE, REQUIRED_FIELDS, THEMES


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
        ({"n": 10, "phrase_pool": "test"}, "phrase_pool"),
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


def test_held_out_phrasings_only_in_the_full_pool():
    train = generate_requests(1500, seed=1, phrase_pool="train", vague_share=0.0).requests
    full = generate_requests(1500, seed=1, phrase_pool="all", vague_share=0.0).requests
    held_out = [P.THEME_PHRASES[t]["en"][0][-1] for t in THEMES]
    en_train = train.loc[train["language"] == "en", "text"].str.lower()
    en_full = full.loc[full["language"] == "en", "text"].str.lower()
    # typos may hide a phrase, so look for a robust prefix of each held-out object
    prefixes = [h.lower()[:12] for h in held_out]
    assert not any(en_train.str.contains(p, regex=False).any() for p in prefixes)
    assert sum(en_full.str.contains(p, regex=False).any() for p in prefixes) >= len(prefixes) // 2


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


def test_noise_is_vectorised_and_keeps_digits_and_separators():
    texts = pd.Series(["Steierklass 2024, montant 1 250,50 €", "Ech hunn e Problem mat der Gemeng"] * 200)
    noisy = add_typos(texts, 0.3, np.random.default_rng(0))
    assert len(noisy) == len(texts) and (noisy != texts).mean() > 0.9
    assert noisy[::2].str.contains(" 2024, ", regex=False).all()
    assert noisy[::2].str.endswith(" 1 250,50 €").all()
    assert strip_accents(pd.Series(["gëtt Éischt"]), np.array([True]))[0] == "gett Eischt"
    assert fold_text(pd.Series(["Wéi GËTT"]))[0] == "wei gett"
