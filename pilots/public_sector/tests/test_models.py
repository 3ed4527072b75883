"""Models and routing: character n-grams, stems, language identification, the ensemble against the plain
reference, explanations, the router end to end, saving and batch routing of a file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score

from pilots.public_sector import model as M
from pilots.public_sector.contract import OTHER
from pilots.public_sector.model import lb_gap_experiment, macro_f1
from pilots.public_sector.model.candidates import LinearTextModel
from pilots.public_sector.model.charngrams import CharNgramTfidf
from pilots.public_sector.model.ensemble import (
    CrossLingualEnsemble,
    clean,
    explain,
    fit_plain_reference,
    linear_weights,
    stems,
)
from pilots.public_sector.model.langid import HandwrittenIdentifier, LanguageDetector
from pilots.public_sector.model.router import RequestRouter
from pilots.public_sector.privacy import redact
from pilots.public_sector.run import route_file

from .helpers import fitted_router, prepared


@pytest.fixture(scope="module")
def data():
    return prepared({"n_requests": 1500, "seed": 21}, redacted=True)


@pytest.fixture(scope="module")
def router(data):
    return fitted_router(data, label_name="theme")


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


def test_stems_are_shared_across_languages_and_spellings():
    out = stems(["Politique Politik political politesch", "Regierung Regierong [NAME] Wéi"], 5)
    assert out[0] == "polit polit polit polit"
    assert out[1].split() == ["regie", "regie", "wei"]  # folded, placeholders dropped, short words kept


def test_py3langid_detector_and_the_hand_written_comparator():
    detector = LanguageDetector()
    texts = [
        "Moien, ech hunn eng Fro wei dat mat mengem Permis geet, merci am Viraus",  # Luxembourgish, no accents
        "Ich habe eine Frage zu meiner Steuererklärung.",
        "Je voudrais changer mon adresse.",
        "I need a certificate of residence.",
    ]
    frame = detector.predict_frame(texts)
    assert frame["language"].tolist() == ["lb", "de", "fr", "en"]
    assert frame["language_confidence"].between(0, 1).all()
    import pickle

    again = pickle.loads(pickle.dumps(detector))  # the model is not pickled, it is reloaded
    assert again.predict(texts[:1])[0] == "lb"
    synth = prepared({"n_requests": 600, "seed": 3}).train
    hand = HandwrittenIdentifier().fit(redact(synth["text"])[0], synth["language"])
    assert set(hand.predict(texts)) <= {"fr", "de", "lb", "en"}
    with pytest.raises(ValueError, match="Unknown language"):
        HandwrittenIdentifier().fit(["hola"], ["es"])


def test_ensemble_gives_calibrated_probabilities_and_beats_the_majority(data):
    model = CrossLingualEnsemble(seed=0).fit(data.train["redacted_text"], data.train["label"])
    proba = model.predict_proba(data.test["redacted_text"])
    assert proba.shape == (len(data.test), data.train["label"].nunique())
    assert np.allclose(proba.sum(axis=1), 1.0)
    oof = model.oof_proba_[model.oof_mask_]
    assert oof.shape[0] > 0.9 * len(data.train) and np.allclose(oof.sum(axis=1), 1.0)
    # calibration: on out-of-fold predictions the mean confidence is close to the accuracy
    y = data.train["label"].to_numpy()[model.oof_mask_]
    accuracy = (model.classes_[oof.argmax(axis=1)] == y).mean()
    assert abs(oof.max(axis=1).mean() - accuracy) < 0.08
    pred = model.predict(data.test["redacted_text"])
    assert macro_f1(data.test["label"], pred) > 0.5
    assert (model.weights_ >= 0).all() and model.weights_.sum() > 0
    before = model.weights_.copy()
    model.calibrate(data.validation["text"], data.validation["label"])
    assert not np.allclose(model.weights_, before)  # weights refitted on requests of the other pools


def test_routing_claims_are_paired_comparisons_pooled_and_per_language(data):
    """Perfect predictions against noisy ones: every claim says better, with the interval clear of zero;
    against themselves no clear difference (the interval is [0, 0])."""
    y = data.test["label"].to_numpy(dtype=object)
    rng = np.random.default_rng(0)
    noisy = np.where(rng.random(len(y)) < 0.5, y, rng.permutation(y))
    fitted = M.Fitted(
        router=None,
        plain=None,
        predictions={"ensemble": y, "plain": noisy, "svm": noisy, "majority": y},
        chosen="ensemble",
    )
    claims, metrics, scores = M.routing_claims(data, fitted, n_boot=100, seed=0)
    by_name = {c.name: c for c in claims}
    assert set(by_name) == {
        "macro_f1", "macro_f1_vs_majority", "worst_language_macro_f1", "macro_f1_ensemble_vs_plain",
        "macro_f1_svm_vs_plain",
    } | {f"macro_f1_{lang}" for lang in ("fr", "de", "lb", "en")}  # fmt: skip
    assert metrics["accuracy"] == 1.0 and metrics["routing_model"] == "ensemble"
    assert scores["test macro-F1"].max() == 1.0
    pooled = by_name["macro_f1"]
    assert pooled.verdict == "better" and pooled.low > 0.2 and pooled.baseline == M.PLAIN
    assert pooled.model_value == 1.0 and pooled.baseline_value == pytest.approx(macro_f1(y, noisy))
    assert "chosen on validation" in pooled.model
    assert by_name["macro_f1_svm_vs_plain"].verdict == "no clear difference"
    assert by_name["macro_f1_vs_majority"].verdict == "no clear difference"
    assert all(by_name[f"macro_f1_{lang}"].verdict == "better" for lang in ("fr", "de", "lb", "en"))
    worst = by_name["worst_language_macro_f1"]
    langs = data.test["language"].to_numpy()
    assert worst.baseline_value == pytest.approx(
        min(macro_f1(y[langs == g], noisy[langs == g]) for g in set(langs))
    )


def test_rows_sharing_an_id_are_resampled_together():
    """Translations of one sentence (one id in four languages) are one unit of the pooled claim."""
    test = pd.DataFrame({"id": np.repeat(np.arange(50), 4).astype(str)})
    groups, unit = M._shared_ids(test)
    assert groups.max() == 49 and "ids" in unit
    assert M._shared_ids(test.drop_duplicates("id"))[0] is None


def test_explanations_are_the_largest_weight_times_value_terms(data, router):
    texts = data.test["redacted_text"].iloc[:20]
    out = explain(router.model_, texts, k=3)
    long = out.attrs["long"]
    classes, W, _ = linear_weights(router.model_)
    X = router.model_.features(texts).toarray()
    for row in (0, 7, 13):  # three requests checked against a dense computation
        c = list(classes).index(out.loc[row, "predicted"])
        contrib = X[row] * W[c]
        top = np.sort(contrib)[::-1][:3]
        assert np.allclose(long.loc[long["row"] == row, "weight"].to_numpy(), top[top > 0], rtol=1e-4)
    assert (out["terms"] != "").mean() > 0.9
    assert not out["terms"].str.contains("NAME|EMAIL|PHONE|@", regex=True).any()


def test_router_end_to_end_save_load_and_two_processes(data, router, tmp_path):
    out = router.route(data.test, explain=True)
    expected = {"request_id", "language", "redacted_text", "label", "administration", "confidence", "route",
                "alternatives", "urgency", "missing_fields", "inconsistencies", "complete", "explanation"}  # fmt: skip
    assert expected <= set(out.columns) and len(out) == len(data.test)
    assert ((out["confidence"] >= router.threshold_) == (out["route"] == "auto")).all()
    assert not out["redacted_text"].str.contains("@", regex=False).any()
    assert router.operating_point_.precision >= 0.9
    two = router.route(data.test, n_jobs=2, min_chunk=100)
    pd.testing.assert_frame_equal(out.drop(columns="explanation"), two)
    path = router.save(tmp_path / "router.zip")
    assert path.with_suffix(".json").is_file()
    again = RequestRouter.load(path).route(data.test)
    pd.testing.assert_frame_equal(out.drop(columns="explanation"), again)
    with pytest.raises(ValueError, match="text column"):
        router.route(data.test.drop(columns="text"))
    with pytest.raises(FileNotFoundError, match="model_path"):
        RequestRouter.load(tmp_path / "nope.zip")


def test_merged_rare_labels_always_go_to_a_person(data):
    labels = data.train["label"].where(data.train["label"] != "vehicles", OTHER)
    router = RequestRouter(target_precision=0.8).fit(data.train["text"], labels)
    out = router.route(data.test)
    assert (out["label"] == OTHER).any()
    assert (out.loc[out["label"] == OTHER, "route"] == "human").all()
    assert router.calibration_.startswith("out-of-fold")


def test_plain_reference_and_lb_gap_zero_shot_row(data):
    plain = LinearTextModel("lr").fit(data.train["redacted_text"], data.train["label"])
    reference = fit_plain_reference(data.train["redacted_text"], data.train["label"])
    test = clean(data.test["redacted_text"])
    assert macro_f1(data.test["label"], plain.predict(test)) > 0.4
    # the plain candidate is the plain reference (scikit-learn's pipeline), prediction for prediction
    assert (plain.predict(test) == reference.predict(test)).mean() > 0.99
    gap, predictions = lb_gap_experiment(data.train, data.test, shares=(0.0,))
    assert set(gap["model"]) == {M.PLAIN, M.MODEL} and set(predictions) == {(M.PLAIN, 0.0), (M.MODEL, 0.0)}
    assert (gap["n_lang_train"] == 0).all() and (gap["lang_train_share"] == 0.0).all()
    assert (gap["lang_macro_f1"] <= gap["best_other_macro_f1"] + 1e-9).all()


def test_route_file_writes_masked_text_only(data, router, tmp_path):
    path = router.save(tmp_path / "request_router.zip")
    new = tmp_path / "new.csv"
    data.test[["request_id", "text"]].rename(columns={"text": "message"}).to_csv(new, index=False, sep=";")
    routed = route_file(path, str(new), {"text": "message", "id": "request_id"}, out_dir=tmp_path / "out")
    saved = (tmp_path / "out" / "routed_requests.csv").read_text(encoding="utf-8")
    assert len(routed) == len(data.test) and "public_text" in routed and "text" not in routed
    assert not any(t in saved for t in data.test["text"].head(50))  # no original text is written
    assert "@" not in saved
    from pilots.public_sector.run import main

    assert (
        main([str(path), str(new), "--columns", '{"text": "message"}', "--out", str(tmp_path / "cli")]) == 0
    )
    assert main([str(tmp_path / "missing.zip"), str(new)]) == 2


def test_urgent_recall_is_a_claim_against_the_keyword_rule(data, router):
    said = M.keyword_urgency(pd.Series(["C'est URGENT svp", "Es ist dringend:", "Dréngend w.e.g.", "Eilt!",
                                        "My wallet was stolen.", "Urgence sociale", "the deadline is near"]))  # fmt: skip
    assert said.tolist() == ["urgent"] * 4 + ["not urgent", "urgent", "not urgent"]
    recall = M.recall_of("urgent")
    assert (
        recall(["urgent", "urgent", "routine", "urgent"], ["urgent", "routine", "urgent", "urgent"]) == 2 / 3
    )
    routed = router.route(data.test)
    claims, metrics, confusion, note = M.urgency_and_forms(data, routed, n_boot=50, seed=0)
    claim = {c.name: c for c in claims}["urgent_recall"]
    truth = data.test["urgency"].astype(str).to_numpy(dtype=object)
    urgent = truth == "urgent"
    assert (
        claim.model_value
        == metrics["urgent_recall"]
        == (routed["urgency"].to_numpy()[urgent] == "urgent").mean()
    )
    keyword = M.keyword_urgency(data.test["redacted_text"])
    assert claim.baseline_value == pytest.approx((keyword[urgent] == "urgent").mean())
    assert (
        claim.metric == "recall"
        and claim.baseline == M.KEYWORD_RULE
        and claim.low <= claim.difference <= claim.high
    )
    assert metrics["urgent_test_requests"] == urgent.sum() >= M.MIN_URGENT
    few = data.test.assign(urgency=np.where(np.arange(len(data.test)) < 2, "urgent", "routine"))
    claims, metrics, _, _ = M.urgency_and_forms(replace(data, test=few), routed, n_boot=20, seed=0)
    assert [c.name for c in claims] == ["urgency_macro_f1"] and metrics["urgent_test_requests"] == 2
