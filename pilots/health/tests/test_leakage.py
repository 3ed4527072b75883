"""Privacy invariants where the health pilot's parts are wired (``run.py`` -> ``privacy``), end to end.

- Differential privacy: every released mean is clamped to the bounds the scales declare (``DP_BOUNDS``, the
  score's ``score_range``), never to the data's own minimum and maximum; two cohorts with different data
  get the same bounds and, per person, the same noise.
- Pseudonyms: a subject's pseudonym is HMAC-SHA256 of the id under the run's key (recomputed here with
  ``hmac``), and another key gives other pseudonyms.
- k-anonymity: the extract the page writes (the published CSV, read back) has no quasi-identifier class
  smaller than k, counted here with pandas.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from pilots.health import report, synthetic
from pilots.health import run as R
from pilots.health.model.forecast import BASELINES as FORECAST_BASELINES
from pilots.health.model.forecast import forecast_cv, forecast_frame
from pilots.health.privacy import DP_BOUNDS, PSEUDONYM_LENGTH, pseudonymise_subjects
from pilots.health.privacy.dp import PrivacyBudget

SMALL = {"n_pd": 80, "n_controls": 80, "n_boot": 10, "n_boot_clusters": 10}


class _Stop(Exception):
    """Raised after the public Table 1: the privacy part of a run is all these tests need."""


def _released(monkeypatch, runner, params: dict, *, stop: bool = True):
    """The bounds every DP release of ``runner(params)`` was clamped to, its DP table and its result."""
    bounds: list[tuple[str, tuple[float, float]]] = []
    tables: list[pd.DataFrame] = []
    mean, table_one = PrivacyBudget.mean, R.public_table_one

    def spied_mean(self, column, b, **kwargs):
        bounds.append((column, (float(b[0]), float(b[1]))))
        return mean(self, column, b, **kwargs)

    def spied_table_one(*args, **kwargs):
        out = table_one(*args, **kwargs)
        tables.append(out[2])
        if stop:
            raise _Stop
        return out

    monkeypatch.setattr(PrivacyBudget, "mean", spied_mean)
    monkeypatch.setattr(R, "public_table_one", spied_table_one)
    result = None
    try:
        result = runner(params)
    except _Stop:
        pass
    monkeypatch.undo()
    assert bounds and len(tables) == 1
    return bounds, tables[0], result


@pytest.fixture(scope="module")
def case_control():
    """A whole case-control run (its DP releases recorded) and the releases of a cohort of other people."""
    with pytest.MonkeyPatch.context() as mp:
        full = _released(mp, R.run_case_control, {**SMALL, "seed": 3}, stop=False)
    with pytest.MonkeyPatch.context() as mp:
        other = _released(mp, R.run_case_control, {**SMALL, "seed": 8, "n_pd": 60, "n_controls": 100})
    return full, other


@pytest.mark.parametrize("design", ["case_control", "longitudinal"])
def test_dp_bounds_are_the_declared_ranges_and_never_depend_on_the_data(design, case_control, monkeypatch):
    if design == "case_control":
        (bounds, table, _), (bounds_other, table_other, _) = case_control
    else:
        declared_score = tuple(float(v) for v in synthetic.SCORE_RANGES["updrs3"])
        given = {**SMALL, "score_range": list(declared_score)}
        bounds, table, _ = _released(monkeypatch, R.run_longitudinal, {**given, "seed": 3})
        bounds_other, table_other, _ = _released(
            monkeypatch, R.run_longitudinal, {**given, "seed": 8, "n_pd": 60, "n_controls": 100}
        )
        assert {b for c, b in bounds if c == "score"} == {declared_score}  # the score's declared scale
    declared = {c: b for c, b in bounds if c in DP_BOUNDS}
    assert declared, "no variable with a declared range was released"
    for column, b in bounds:
        if column in DP_BOUNDS:
            assert b == DP_BOUNDS[column], column
    assert sorted(set(bounds)) == sorted(set(bounds_other))  # other people, the same bounds (score included)
    # the noise a release adds is set by the bounds, the group's size and epsilon: per person the same
    key = ["statistic", "group"]
    a, b = table.set_index(key), table_other.set_index(key)
    shared = a.index.intersection(b.index)
    assert len(shared) == len(a)
    spread = (a.loc[shared, "noise_sd"] * a.loc[shared, "n"]) / (
        b.loc[shared, "noise_sd"] * b.loc[shared, "n"]
    )
    assert spread.to_numpy() == pytest.approx(1.0, rel=1e-9)


def test_subject_pseudonyms_are_the_keyed_hash_of_the_id_and_change_with_the_key():
    frame = pd.DataFrame({"subject": ["ND-0001", "ND-0002", "PD-0417", "ND-0001"], "score": [1, 2, 3, 4]})
    one, other = "a run's key of 32 characters !!!", "another key, also 32 characters!"

    def keyed(key: str) -> list[str]:
        return [
            hmac.new(key.encode(), s.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
            for s in frame["subject"]
        ]

    first = pseudonymise_subjects(frame, "subject", key=one)
    second = pseudonymise_subjects(frame, "subject", key=other)
    assert "subject" not in first and first["pid"].tolist() == keyed(one)
    assert second["pid"].tolist() == keyed(other)
    assert not set(first["pid"]) & set(second["pid"])
    plain = {hashlib.sha256(s.encode()).hexdigest()[:PSEUDONYM_LENGTH] for s in frame["subject"]}
    assert not set(first["pid"]) & plain


def test_the_published_extract_file_is_k_anonymous(case_control, tmp_path, monkeypatch):
    (_, _, result), _ = case_control
    monkeypatch.setenv("LIVINGLAB_OUTPUT_DIR", str(tmp_path))
    report.release(result)
    k = int(result.params["k_anonymity"])
    (published,) = tmp_path.glob("baseline_extract_k*.csv")
    extract = pd.read_csv(published, dtype=str, keep_default_na=False)
    assert len(extract) > 0 and "age" not in extract and "age_band" in extract
    quasi = [c for c in ("age_band", "sex", "region") if c in extract]
    sizes = extract.groupby(quasi).size()
    assert sizes.min() >= k, f"a class of {sizes.min()} people in the published file (k = {k})"


# ----------------------------------------------------------------------------- forecasting a score
def _visits(seed: int = 0, n_subjects: int = 60, n_visits: int = 5) -> pd.DataFrame:
    """Yearly-ish assessments of a score drifting at each participant's own rate."""
    rng = np.random.default_rng(seed)
    pid = np.repeat([f"p{i:03d}" for i in range(n_subjects)], n_visits)
    years = np.tile(np.arange(n_visits, dtype=float), n_subjects) + rng.uniform(0, 0.3, len(pid))
    rate = np.repeat(rng.normal(1.5, 1.0, n_subjects), n_visits)
    start = np.repeat(rng.normal(20, 6, n_subjects), n_visits)
    score = start + rate * years + rng.normal(0, 2, len(pid))
    return pd.DataFrame({"pid": pid, "years": years, "score": score})


def test_history_features_come_from_earlier_assessments_only():
    visits = _visits()
    later = visits["years"] >= 2.0
    changed = visits.assign(score=np.where(later, visits["score"] + 50.0, visits["score"]))
    a = forecast_frame(visits)
    b = forecast_frame(changed)
    before = (a["years"] < 2.0).to_numpy()  # rows whose own assessment precedes every change
    history = ["score", "score_prev", "score_mean_so_far", "score_slope_so_far", "deviation"]
    pd.testing.assert_frame_equal(a.loc[before, history], b.loc[before, history])


def test_a_participants_forecasts_never_learn_from_that_participant():
    """Everything about the participants of one fold (all their targets) is changed: their out-of-fold
    forecasts, from every method and baseline, must stay the same (folds grouped by participant)."""
    frame = forecast_frame(_visits())
    first = forecast_cv(frame, n_splits=5, seed=0, shap_rows=0, recordwise=False).predictions
    held = set(first.loc[first["fold"] == 0, "subject"])
    assert len(held) >= 5 and not held & set(first.loc[first["fold"] != 0, "subject"])
    mine = frame["pid"].isin(held).to_numpy()
    changed = frame.assign(target=np.where(mine, frame["target"] + 40.0, frame["target"]))
    again = forecast_cv(changed, n_splits=5, seed=0, shap_rows=0, recordwise=False).predictions
    for col in ("model", "lightgbm", *FORECAST_BASELINES):
        np.testing.assert_array_equal(first.loc[mine, col], again.loc[mine, col], err_msg=col)
