"""The pilot notebook on its smoke profile (through the runner): metrics, human oversight, no personal data shown."""

from __future__ import annotations

import html
import json

import pytest

from livinglab.paths import project_root
from livinglab.pilots import load_pilot
from pilots.public_sector import make_splits
from pilots.public_sector.abstention import binomial_margin

pytestmark = pytest.mark.notebook
PILOT = "public_sector"


@pytest.fixture(scope="module")
def run(smoke_runs):
    result = smoke_runs[PILOT]
    assert result.status == "ok", result.error
    return result


def smoke_parameters() -> dict:
    pilot = load_pilot(project_root() / "pilots" / PILOT)
    params = {name: p.default for name, p in pilot.parameters()[f"{PILOT}.ipynb"].items()}
    params.update(pilot.profiles["smoke"])
    return params


def test_key_metrics_are_recorded(run):
    for name in (
        "macro_f1",
        "macro_f1_majority",
        "accuracy",
        "worst_language_macro_f1",
        "best_language_macro_f1",
        "coverage_at_target_precision",
        "precision_auto_routed",
        "throughput_per_s",
        "data_source",
    ):
        assert run.metrics.get(name) is not None, name
    assert run.metrics["data_source"] == "synthetic"


def test_macro_f1_well_above_the_majority_baseline(run):
    m = run.metrics
    assert m["macro_f1"] >= m["macro_f1_majority"] + 0.5
    assert m["macro_f1"] >= 0.75
    assert (
        m["macro_f1"] >= m["macro_f1_baseline_tfidf"] - 0.03
    )  # the chosen model is not worse than the baseline
    assert m["worst_language_macro_f1"] <= m["best_language_macro_f1"]


def test_auto_routed_precision_reaches_the_target(run):
    m = run.metrics
    # the threshold was chosen on validation data; on the test requests the precision may fall short by
    # at most two standard errors of the difference of the two binomial proportions (see binomial_margin)
    margin = binomial_margin(m["target_precision"], m["n_auto_routed"], m["n_auto_routed_validation"])
    assert m["precision_auto_routed"] >= m["target_precision"] - margin
    assert 0.3 <= m["coverage_at_target_precision"] < 1.0  # people see some requests, not all


def test_no_planted_personal_data_in_the_rendered_notebook(run):
    rendered = (run.dir / f"{PILOT}.html").read_text(encoding="utf-8")
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    params = smoke_parameters()
    planted = make_splits(
        params["n_requests"], params["seed"]
    ).pii  # regenerated from the profile's seed/size
    values = set(planted["value"])
    assert len(values) > 500
    leaked = sorted(v for v in values if v in rendered or html.escape(v) in rendered or v in card)
    assert leaked == [], leaked[:10]
    assert (
        "[NAME]" in rendered and "[PHONE]" in rendered
    )  # redacted text is shown, so the check is meaningful
    assert run.metrics["pii_leaked_values"] == 0


def test_model_card_states_ai_act_classification_and_oversight(run):
    card = json.loads((run.dir / "model_card.json").read_text(encoding="utf-8"))
    text = json.dumps(card)
    assert "Annex III 5(a)" in text and "human queue" in text
