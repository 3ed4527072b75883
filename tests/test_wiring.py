"""Wiring checks of the core that do not trust the code under test for the expected value.

- Every metric kind's declared direction (``livinglab.claims.DIRECTIONS``) agrees with what the metric
  measures: each kind is scored here (scikit-learn or a formula written out) on a perfect and on a poor
  prediction, and the claim comparing the two must read "better", never "worse".
- The checksums the reader records for every file of a multi-file input are recomputed with ``hashlib`` on
  the files' bytes, for text and Parquet, read whole or in parts.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from livinglab.claims import DIRECTIONS, compare
from livinglab.reader import read_table, read_table_lazy

RNG = np.random.default_rng(0)
N = 400
Y_BIN = (RNG.random(N) < 0.3).astype(int)
Y_NUM = RNG.gamma(4.0, 25.0, N) + 1.0
AMOUNT = RNG.gamma(2.0, 50.0, N)


def _noisy_proba(y: np.ndarray, noise: float) -> np.ndarray:
    return np.clip(0.5 * y + 0.25 + RNG.normal(0, noise, len(y)), 0.01, 0.99)


def _c_index(time: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's concordance without censoring: the share of pairs where the higher risk fails first."""
    earlier = time[:, None] < time[None, :]
    riskier = risk[:, None] > risk[None, :]
    ties = risk[:, None] == risk[None, :]
    return float(((earlier & riskier).sum() + 0.5 * (earlier & ties).sum()) / earlier.sum())


def _saving(y_amount: np.ndarray, alerted: np.ndarray) -> float:
    """Fraud amount caught minus 10 EUR a review."""
    y, amount = y_amount[:, 0], y_amount[:, 1]
    return float((amount * y * alerted).sum() - 10.0 * alerted.sum())


#: kind -> (what it measures: "error" or "score", y_true, the metric (y_true, y_pred), a perfect and a poor
#: prediction). A new kind in DIRECTIONS needs a line here: what it measures is said once more, apart.
MEASURES = {
    "mae": ("error", Y_NUM, skm.mean_absolute_error),
    "rmse": ("error", Y_NUM, lambda y, p: math.sqrt(skm.mean_squared_error(y, p))),
    "mape": ("error", Y_NUM, skm.mean_absolute_percentage_error),
    "mase": ("error", Y_NUM, lambda y, p: np.abs(y - p).mean() / np.abs(np.diff(y)).mean()),
    "error": ("error", Y_BIN, lambda y, p: 1.0 - skm.accuracy_score(y, p > 0.5)),
    "brier": ("error", Y_BIN, skm.brier_score_loss),
    "log_loss": ("error", Y_BIN, skm.log_loss),
    "cost": ("error", np.column_stack([Y_BIN, AMOUNT]), lambda ya, a: -_saving(ya, a > 0.5)),
    "alerts": ("error", Y_BIN, lambda y, p: float(((p > 0.5) & (y == 0)).sum())),  # alerts on genuine rows
    "roc_auc": ("score", Y_BIN, skm.roc_auc_score),
    "pr_auc": ("score", Y_BIN, skm.average_precision_score),
    "average_precision": ("score", Y_BIN, skm.average_precision_score),
    "accuracy": ("score", Y_BIN, lambda y, p: skm.accuracy_score(y, p > 0.5)),
    "balanced_accuracy": ("score", Y_BIN, lambda y, p: skm.balanced_accuracy_score(y, p > 0.5)),
    "f1": ("score", Y_BIN, lambda y, p: skm.f1_score(y, p > 0.5)),
    "macro_f1": ("score", Y_BIN, lambda y, p: skm.f1_score(y, p > 0.5, average="macro")),
    "precision": ("score", Y_BIN, lambda y, p: skm.precision_score(y, p > 0.5, zero_division=0)),
    "recall": ("score", Y_BIN, lambda y, p: skm.recall_score(y, p > 0.5)),
    "coverage": ("score", Y_NUM, lambda y, p: float((np.abs(p - y) <= 5.0).mean())),  # actual inside a band
    "c_index": ("score", Y_NUM, lambda t, risk: _c_index(t, -risk)),  # risk: the predicted time, negated
    "saving": ("score", np.column_stack([Y_BIN, AMOUNT]), lambda ya, a: _saving(ya, a > 0.5)),
    "r2": ("score", Y_NUM, skm.r2_score),
}


def _predictions(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A (nearly) perfect and a poor prediction of ``y``."""
    if y.ndim == 2:  # (label, amount): alert flags
        y = y[:, 0]
    if set(np.unique(y)) <= {0, 1}:
        return _noisy_proba(y, 0.02), _noisy_proba(y, 0.6)
    return y + RNG.normal(0, 0.5, len(y)), y + RNG.normal(0, 40.0, len(y))


def test_every_metric_kind_is_classified_here_apart_from_the_declaration():
    assert set(MEASURES) == set(DIRECTIONS), "classify the new metric kind in MEASURES (error or score)"


@pytest.mark.parametrize("kind", sorted(DIRECTIONS))
def test_the_declared_direction_is_the_one_the_metric_measures(kind):
    measures, y, score = MEASURES[kind]
    assert DIRECTIONS[kind] == {"error": "lower", "score": "higher"}[measures], kind
    good, poor = _predictions(y)
    good_value, poor_value = score(y, good), score(y, poor)
    assert (good_value < poor_value) if measures == "error" else (good_value > poor_value), (
        kind,
        good_value,
        poor_value,
    )
    claim = compare(kind, kind, score, y, good, poor, n_boot=100, seed=0, label=kind, model="good",
                    baseline="poor", split="all rows")  # fmt: skip
    assert claim.verdict == "better", (kind, claim.model_value, claim.baseline_value, claim.low, claim.high)
    worse = compare(kind, kind, score, y, poor, good, n_boot=100, seed=0, label=kind, model="poor",
                    baseline="good", split="all rows")  # fmt: skip
    assert worse.verdict == "worse", kind


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(tmp_path, fmt: str) -> list:
    paths = []
    for i in range(3):
        frame = pd.DataFrame({"day": [f"2024-01-0{i + 1}"] * (i + 2), "amount": np.arange(i + 2) * (i + 1.5)})
        path = tmp_path / f"part-{i}.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.parametrize(("fmt", "lazy"), [("csv", False), ("parquet", False), ("parquet", True)])
def test_every_file_of_a_multi_file_input_has_its_own_checksum(tmp_path, fmt, lazy):
    paths = _files(tmp_path, fmt)
    want = {str(p.resolve()): _sha256(p) for p in paths}
    assert len(set(want.values())) == 3  # three different files
    _, report = read_table_lazy(tmp_path) if lazy else read_table(tmp_path / f"*.{fmt}")
    assert {f.path: f.sha256 for f in report.files} == want
    assert [f.size_bytes for f in report.files] == [p.stat().st_size for p in paths]
    combined = hashlib.sha256("".join(want[str(p.resolve())] for p in paths).encode()).hexdigest()
    assert report.sha256 == combined  # the whole input: a digest of the files' digests, in name order
    _, one = read_table(paths[1]) if not lazy else read_table_lazy(paths[1])
    assert one.sha256 == _sha256(paths[1])


def test_every_planted_mistake_still_applies_to_the_code():
    """``make audit`` plants each mistake of tests/mutation/planted.yaml by replacing text: the text must be
    in the file as often as the entry says, or the audit would silently test nothing (update the entry with
    the code)."""
    import yaml

    from livinglab.paths import project_root

    root = project_root()
    entries = yaml.safe_load((root / "tests" / "mutation" / "planted.yaml").read_text(encoding="utf-8"))
    assert len(entries) >= 20
    for name, e in entries.items():
        text = (root / e["file"]).read_text(encoding="utf-8")
        assert text.count(e["find"]) == int(e.get("count", 1)), name
        assert e["find"] != e["replace"] and e["tests"] and e["caught_by"], name
        for test in e["tests"]:
            assert (root / test.split("::")[0]).is_file(), (name, test)
