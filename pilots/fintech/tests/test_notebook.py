"""Both notebooks as committed (the smoke run, once per session through the runner): they add nothing of their
own to ``run`` (their recorded metrics and claims are ``run(smoke parameters).as_record()``, exactly), the notebook,
the card and the index give the same verdicts, the money figure is the one at the analysts' capacity, and the
figures and the card are written."""

from __future__ import annotations

import html as html_text
import json
import re

import pytest

from livinglab.recording import _clean
from pilots.fintech.run import run_features, run_ledger
from pilots.fintech.synthetic.ledger import TYPOLOGIES

RUNS = {"fintech-ledger": run_ledger, "fintech-features": run_features}


def _same(value):
    return json.loads(json.dumps(_clean(value, "record")))


@pytest.mark.notebook
@pytest.mark.parametrize("unit", list(RUNS))
def test_the_notebook_records_exactly_what_run_returns(smoke_runs, unit):
    """Determinism and "the notebook adds nothing": the same parameters, data and seed in another process."""
    run = smoke_runs[unit]
    assert run.status == "ok", run.error
    doc = json.loads((run.dir / "metrics.json").read_text())
    record = RUNS[unit]({}).as_record()  # the smoke profile is the notebook's own parameters
    assert doc["metrics"] == _same(record["metrics"])
    assert doc["claims"] == _same(record["claims"])
    # the notebook, the card and the index give the same verdict for every claim
    card = json.loads((run.dir / "model_card.json").read_text())
    assert {c["name"]: c["verdict"] for c in card["evaluation"]} == {
        k: c["verdict"] for k, c in doc["claims"].items()
    }
    index = json.loads((run.dir.parent.parent / "index.json").read_text())
    shown = json.dumps(index)
    for claim in doc["claims"].values():
        assert claim["verdict"] in shown
    page = (run.dir / f"{doc['notebooks'][0].removesuffix('.ipynb')}.html").read_text(encoding="utf-8")
    html = html_text.unescape(page)
    for claim in doc["claims"].values():
        assert claim["verdict"] in html and claim["baseline"].split(" (")[0] in html


@pytest.mark.notebook
def test_smoke_ledger_beats_every_plain_baseline_on_fraud_it_never_saw(smoke_runs):
    run = smoke_runs["fintech-ledger"]
    assert run.status == "ok", run.error
    doc = json.loads((run.dir / "metrics.json").read_text())
    m, claims = doc["metrics"], doc["claims"]
    assert m["data_source"] == "synthetic" and m["rows"] == 60_000
    for name in (
        "pr_auc",
        "pr_auc_vs_rules",
        "pr_auc_vs_isolation_forest",
        "pr_auc_vs_combination",
        "precision_at_budget",
    ):
        assert claims[name]["verdict"] == "better", claims[name]
    assert "logistic regression" in claims["pr_auc"]["baseline"]
    assert set(m["recall_by_typology"]) == set(TYPOLOGIES)  # held-out parameters and the held-out bust-out
    for typology, recall in m["recall_by_typology"].items():
        assert recall > 0, f"{typology} never reached the analysts' alerts"
    assert m["interval_method"].startswith("whole accounts resampled")


@pytest.mark.notebook
def test_the_money_figure_is_the_one_at_the_analysts_capacity(smoke_runs):
    """The uncapped cost optimum of the smoke ledger needs more alerts a day than the analysts review: the
    pages say so, and no page claims its saving as what the analysts would get."""
    run = smoke_runs["fintech-ledger"]
    doc = json.loads((run.dir / "metrics.json").read_text())
    m, saving = doc["metrics"], doc["claims"]["saving_at_capacity"]
    assert m["operating_alerts_max_day"] <= m["alerts_per_day"] == 30
    assert m["uncapped_cost_optimum_alerts_per_day"] > m["alerts_per_day"]
    assert saving["model_value"] < m["uncapped_cost_optimum_saving"]
    html = (run.dir / "ledger.html").read_text(encoding="utf-8")
    assert "NOT what the analysts would get" in html
    card = (run.dir / "model_card.md").read_text()
    assert "never at the uncapped cost optimum" in " ".join(card.split())
    assert f"{m['uncapped_cost_optimum_saving']:,.0f}" not in card  # the uncapped saving is never on the card


@pytest.mark.notebook
def test_smoke_ledger_shows_its_figures_queue_and_writes_the_card(smoke_runs):
    run = smoke_runs["fintech-ledger"]
    html = (run.dir / "ledger.html").read_text(encoding="utf-8")
    assert html.count("<img") >= 5  # overview, PR curves, differences, cost, segments
    assert "This ledger is SYNTHETIC" in html
    for column in ("why", "time of day"):  # the analysts' queue
        assert re.search(rf"<th[^>]*>{column}</th>", html), column
    card = json.loads((run.dir / "model_card.json").read_text())
    assert "5(b)" in json.dumps(card["ai_act"]) and card["data"][0]["synthetic"] is True
    assert "never blocks" in card["human_oversight"]
    card_md = (run.dir / "model_card.md").read_text()
    assert "logistic regression" in card_md and card_md.count("![") >= 4
    assert (run.dir / "drift_summary.json").is_file()


@pytest.mark.notebook
def test_smoke_features_shows_the_table_and_its_claims(smoke_runs):
    run = smoke_runs["fintech-features"]
    assert run.status == "ok", run.error
    doc = json.loads((run.dir / "metrics.json").read_text())
    assert doc["metrics"]["data_source"] == "synthetic" and doc["metrics"]["rows"] == 20_000
    assert doc["claims"]["roc_auc_unsupervised"]["verdict"] == "better"
    assert "scikit-learn's default Isolation Forest" in doc["claims"]["roc_auc_unsupervised"]["baseline"]
    html = (run.dir / "features.html").read_text(encoding="utf-8")
    assert "This table is SYNTHETIC" in html and html.count("<img") >= 2
    assert (run.dir / "model_card.md").is_file() and (run.dir / "drift_summary.json").is_file()


def _row(readme: str, starts: str) -> list[str]:
    line = next(x for x in readme.splitlines() if x.startswith(f"| {starts}"))
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _shown_as(text: str, value: float) -> bool:
    return abs(float(text) - value) <= 0.5 * 10 ** -len(text.split(".")[1]) + 1e-9


@pytest.mark.notebook
def test_the_readmes_smoke_rows_are_this_codes(smoke_runs):
    """The pilot card's "after" column quotes the smoke runs: its numbers are this code's to the digits shown
    (the features row said ROC-AUC 0.971, +0.050 [+0.043, +0.058], PR-AUC 0.575: round one's combination,
    where this code gives 0.954, +0.034 [+0.028, +0.040], 0.475)."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    numbers = lambda cell: re.findall(r"[-+]?\d+\.\d+", cell)  # noqa: E731
    claims = {}
    for unit in ("fintech-ledger", "fintech-features"):
        run = smoke_runs[unit]
        assert run.status == "ok", run.error
        claims |= json.loads((run.dir / "metrics.json").read_text())["claims"]
    auc, pr = claims["roc_auc_unsupervised"], claims["pr_auc_unsupervised"]
    expected = [auc["model_value"], auc["baseline_value"], auc["model_value"] - auc["baseline_value"]]
    expected += [auc["low"], auc["high"], pr["model_value"], pr["baseline_value"]]
    shown = numbers(_row(readme, "smoke features")[-1])
    assert len(shown) == len(expected) and all(map(_shown_as, shown, expected)), (shown, expected)
    minus = [claims[n] for n in ("pr_auc_vs_rules", "pr_auc_vs_isolation_forest", "pr_auc_vs_combination")]
    shown = numbers(_row(readme, "smoke ledger: LightGBM minus")[-1])
    expected = [c["model_value"] - c["baseline_value"] for c in minus]
    assert len(shown) == len(expected) and all(map(_shown_as, shown, expected)), (shown, expected)


@pytest.mark.notebook
def test_the_feature_tables_card_claims_no_account_or_segment_it_does_not_have(smoke_runs):
    """The feature table's card said "Account ids in rendered reports are keyed pseudonyms ...; segments are
    used only to check alert shares": its data have neither."""
    run = smoke_runs["fintech-features"]
    assert run.status == "ok", run.error
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    privacy = card.split("## Privacy")[1].split("\n## ")[0]
    assert "Account ids" not in privacy and "segments" not in privacy and "row numbers only" in privacy
