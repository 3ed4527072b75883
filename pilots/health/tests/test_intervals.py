"""One interval per quantity over every page a run renders (the notebook, the model card, the index), for both
designs: each value shown with an interval is read off the pages with what it is a value of, and a quantity shown
with two different intervals, or a claim shown with two different values, fails."""

import json

import pytest

from livinglab.claims import fmt

from .intervals import all_lines, conflicts, labelled_values, same_number, shown_intervals

pytestmark = pytest.mark.notebook


def _pages(smoke_runs, design: str):
    unit = smoke_runs[f"health-{design}"]
    assert unit.status == "ok", unit.error
    doc = json.loads((unit.dir / "metrics.json").read_text())
    html = {
        name: (unit.dir / name).read_text(encoding="utf-8") for name in (f"{design}.html", "model_card.html")
    }
    html["index.html"] = (unit.dir.parents[1] / "index.html").read_text(encoding="utf-8")
    return design, html, doc["metrics"], doc["claims"]


@pytest.fixture(scope="module", params=["longitudinal", "case_control"])
def pages(request, smoke_runs):
    return _pages(smoke_runs, request.param)


def _shown(html: dict, claims: dict):
    shown = []
    for name, page in html.items():
        found = shown_intervals(name, page)
        if name == "index.html":  # the index lists every pilot of the session: this design's claims only
            labels = {c["label"] for c in claims.values()}
            found = [s for s in found if s.where == "table" and s.key[1] in labels]
        shown += found
    return shown


def test_every_quantity_has_one_interval_on_every_page(pages):
    design, html, metrics, claims = pages
    shown = _shown(html, claims)
    # the pages show their quantities with intervals (a parser that finds nothing proves nothing)
    tables = {s.key for s in shown if s.where == "table"}
    assert len(shown) >= (60 if design == "longitudinal" else 30) and len(tables) >= 10
    assert {s.page for s in shown} == set(html)
    assert conflicts(shown) == []
    # each claim's difference, with its one interval, in the notebook and the card (and the index if listed)
    for claim in claims.values():
        places = [s for s in shown if same_number(s.value, fmt(claim["difference"]).lstrip("+"))]
        assert {s.page for s in places} >= set(html) - {"index.html"}, claim["name"]
        assert all(same_number(s.interval[0], fmt(claim["low"])) for s in places), claim["name"]
        assert all(same_number(s.interval[1], fmt(claim["high"])) for s in places), claim["name"]


def test_every_claim_has_one_value_and_every_all_line_is_the_claims(pages):
    design, html, metrics, claims = pages
    for claim in claims.values():
        values = [v for page in html.values() for v in labelled_values(page, claim["label"])]
        assert len(values) >= 2, (claim["label"], values)  # the notebook and the card at least
        assert all(same_number(v, fmt(claim["model_value"])) for v in values), (claim["label"], values)
    headline = claims["forecast_mae_model" if design == "longitudinal" else "auc_lightgbm"]
    lines = [line for name in html if name != "index.html" for line in all_lines(html[name])]
    assert len(lines) >= 4
    for label, value in lines:
        assert "[" not in value, (label, value)  # the overall line repeats a value, never with an interval
        if label == "All":
            assert same_number(value, fmt(headline["model_value"])), (label, value)
        else:  # a subgroup too small to show was left out: another quantity, named so
            assert label == "All in the groups shown", label
    if design == "longitudinal":  # the smoke cohort has a subtype too small to show
        assert ("All in the groups shown", "4.89") in lines and not same_number(
            "4.89", fmt(headline["model_value"])
        )


def test_the_two_roc_aucs_are_named_apart(smoke_runs):
    """Case-control: the claimed ROC-AUC is over records and has no interval of its own (its comparison has
    one); the ROC-AUC over persons, another quantity, is the only AUC with an interval and says what it is."""
    design, html, metrics, claims = _pages(smoke_runs, "case_control")
    shown = _shown(html, claims)
    assert not [
        s for s in shown if not s.by_label_only and same_number(s.value, fmt(metrics["auc_lightgbm"]))
    ]
    person = [s for s in shown if same_number(s.value, fmt(metrics["auc_person_lightgbm"]))]
    assert len(person) == 1 and "ROC-AUC over persons" in person[0].key[0]
    assert person[0].interval == (
        fmt(metrics["auc_person_lightgbm_ci_low"]),
        fmt(metrics["auc_person_lightgbm_ci_high"]),
    )
    assert claims["auc_lightgbm"]["label"].startswith("ROC-AUC over records")
