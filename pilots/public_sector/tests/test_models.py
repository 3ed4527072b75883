"""Models: character n-grams, language identification, routing vs baselines, explanations, redaction, triage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score

from pilots.public_sector import (
    LanguageIdentifier,
    Triage,
    evaluate_language_id,
    explain,
    fit_theme_model,
    redact,
)
from pilots.public_sector.charngrams import CharNgramTfidf
from pilots.public_sector.evaluation import lb_gap_experiment, macro_f1, majority_baseline, planted_pii_leaks
from pilots.public_sector.models import linear_weights
from pilots.public_sector.synthetic import generate_requests, make_splits
from pilots.public_sector.themes import LANGUAGES


@pytest.fixture(scope="module")
def splits():
    s = make_splits(2000, seed=21)
    for part in (s.train, s.validation, s.test):
        part["redacted_text"] = redact(part["text"])[0]
    return s


@pytest.fixture(scope="module")
def strong(splits):
    return fit_theme_model("strong", splits.train["redacted_text"], splits.train["theme"])


def test_char_ngrams_match_scikit_learns_char_wb():
    texts = pd.Series(["Moien, ech hätt eng Fro!", "Impôt sur le revenu 2024", "a b  c\td"])
    ours = CharNgramTfidf((2, 5), min_df=1).fit(texts)
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(texts)
    assert set(ours.get_feature_names_out()) == set(ref.vocabulary_)
    X = ours.transform(texts)
    assert np.allclose(np.asarray(X.multiply(X).sum(axis=1)).ravel(), 1.0)  # l2-normalised rows
    assert ours.transform(pd.Series(["zzzz qqqq"])).nnz == 0  # unseen n-grams are dropped


def test_macro_f1_matches_scikit_learn():
    rng = np.random.default_rng(0)
    a, b = rng.choice(list("abcde"), 300), rng.choice(list("abcdf"), 300)
    assert macro_f1(a, b) == pytest.approx(f1_score(a, b, average="macro", zero_division=0))


def test_language_identification_on_held_out_requests(splits):
    train = splits.train[splits.train["second_language"] == ""]
    lid = LanguageIdentifier().fit(train["redacted_text"], train["language"])
    res = evaluate_language_id(
        lid, splits.test["redacted_text"], splits.test["language"], splits.test["second_language"]
    )
    assert res["accuracy_single_language"] >= 0.97
    assert min(res["accuracy_by_language"].values()) >= 0.95  # including Luxembourgish
    assert res["either_language_code_switched"] >= 0.9
    # Luxembourgish written without diacritics is still Luxembourgish
    assert lid.predict(["Moien, ech hunn eng Fro wei dat mat mengem Permis geet, merci am Viraus"])[0] == "lb"
    with pytest.raises(ValueError, match="Unknown language"):
        LanguageIdentifier().fit(["hola"], ["es"])


def test_routing_beats_the_majority_baseline_by_far(splits, strong):
    pred = strong.predict(splits.test["redacted_text"])
    base = majority_baseline(splits.train["theme"], splits.test["theme"])
    assert macro_f1(splits.test["theme"], pred) >= base["macro_f1"] + 0.6


def test_explanations_are_the_largest_weight_times_value_terms(splits, strong):
    texts = splits.test["redacted_text"].iloc[:20]
    out = explain(strong, texts, k=3)
    long = out.attrs["long"]
    classes, W, names = linear_weights(strong)
    X = strong.named_steps["features"].transform(texts).toarray()
    for row in (0, 7, 13):  # three requests checked against a dense computation
        c = list(classes).index(out.loc[row, "predicted"])
        contrib = X[row] * W[c]
        top = np.sort(contrib)[::-1][:3]
        assert np.allclose(long.loc[long["row"] == row, "weight"].to_numpy(), top[top > 0], rtol=1e-5)
    assert (out["terms"] != "").mean() > 0.9
    # no placeholder of the redactor and no planted value among the terms
    assert not out["terms"].str.contains("NAME|EMAIL|PHONE|@", regex=True).any()


def test_each_pii_kind_in_each_language_is_redacted_and_numbers_are_kept():
    s = generate_requests(1200, seed=8)
    red = redact(s.requests["text"])[0]
    red.index = s.requests["request_id"]
    leaks = planted_pii_leaks(red, s.pii)
    assert set(leaks["kind"]) == {"name", "email", "phone", "iban", "national_id"}
    assert leaks["leaked"].sum() == 0, leaks
    lang = s.requests.set_index("request_id")["language"]
    planted = s.pii[s.pii["where"] == "text"]
    assert (
        planted.assign(lang=lang[planted["request_id"]].to_numpy()).groupby(["kind", "lang"]).size().size
        == 20
    )
    nums = s.numbers
    kept = (
        np.strings.find(red[nums["request_id"]].to_numpy(dtype=str), nums["value"].to_numpy(dtype=str)) >= 0
    )
    assert len(nums) > 100 and kept.all()


def test_triage_end_to_end(splits):
    tri = Triage("baseline", target_precision=0.9).fit(splits.train, splits.validation)
    out = tri.triage(splits.test, explain=True)
    expected = {
        "request_id",
        "language",
        "redacted_text",
        "theme",
        "administration",
        "confidence",
        "route",
        "alternatives",
        "urgency",
        "missing_fields",
        "inconsistencies",
        "complete",
        "explanation",
    }
    assert expected <= set(out.columns) and len(out) == len(splits.test)
    assert set(out["route"]) <= {"auto", "human"} and set(out["language"]) <= set(LANGUAGES)
    assert ((out["confidence"] >= tri.threshold_) == (out["route"] == "auto")).all()
    assert not out["redacted_text"].str.contains("@", regex=False).any()
    assert tri.operating_point_.precision >= 0.9
    # two processes give the same answer as one
    two = tri.triage(splits.test, n_jobs=2, min_chunk=100)
    pd.testing.assert_frame_equal(out.drop(columns="explanation"), two)
    with pytest.raises(ValueError, match="text column"):
        tri.triage(splits.test.drop(columns="text"))


def test_lb_gap_experiment_zero_shot_row(splits):
    gap = lb_gap_experiment(splits.train, splits.test, shares=(0.0,), kinds=("baseline",))
    assert gap.loc[0, "n_lang_train"] == 0 and gap.loc[0, "lang_train_share"] == 0.0
    assert 0 <= gap.loc[0, "lang_macro_f1"] <= gap.loc[0, "best_other_macro_f1"] + 1e-9
