"""The pilot notebook on its smoke profile (through the runner, once per session): it records exactly what
``run`` returns (the notebook adds nothing of its own), the claims (model against the plain reference with
the paired interval of the difference), human oversight, the redactor's recall, language identification,
and no piece of any planted identifier on the rendered pages."""

from __future__ import annotations

import html
import json
import re

import pytest

from livinglab.paths import project_root
from livinglab.pilots import load_pilot
from livinglab.recording import _clean
from pilots.public_sector.model.abstention import binomial_margin
from pilots.public_sector.privacy import _identifier_tokens
from pilots.public_sector.run import run as run_requests
from pilots.public_sector.synthetic import make_splits

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


def page_text(path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"data:image/[^\"')]+", " ", raw)  # embedded figures are not text
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def recorded(run) -> dict:
    return json.loads((run.dir / "metrics.json").read_text(encoding="utf-8"))


def test_the_notebook_records_exactly_what_run_returns(run):
    """Same parameters, data and seed in another process: the same metrics and claims, byte for byte
    (determinism), and the notebook adds no number of its own."""
    doc = recorded(run)
    pilot = load_pilot(project_root() / "pilots" / PILOT)
    expected = json.loads(json.dumps(_clean(run_requests(pilot.profiles["smoke"]).as_record(), "record")))
    assert doc["metrics"] == expected["metrics"]
    assert doc["claims"] == expected["claims"]
    assert set(doc["timings"]) == {"throughput_batch_s", "run_s"}  # timings kept apart from the metrics


def test_key_metrics_are_recorded_and_name_claims_or_metrics(run):
    pilot = load_pilot(project_root() / "pilots" / PILOT)
    doc = recorded(run)
    for metric in pilot.design("requests").key_metrics:
        assert run.metrics.get(metric.name) is not None, metric.name
    assert {"macro_f1", "macro_f1_vs_majority", "worst_language_macro_f1", "langid_accuracy_lb"} <= set(
        doc["claims"]
    )
    assert run.metrics["data_source"] == "synthetic"


def test_model_beats_the_plain_reference_with_an_interval_that_excludes_zero(run):
    claims = recorded(run)["claims"]
    plain = claims["macro_f1"]
    assert plain["verdict"] == "better" and plain["low"] > 0, plain
    assert plain["baseline"] == "plain TF-IDF + logistic regression" and plain["direction"] == "higher"
    assert plain["model_value"] - plain["baseline_value"] == pytest.approx(plain["difference"])
    majority = claims["macro_f1_vs_majority"]
    assert majority["model_value"] >= majority["baseline_value"] + 0.5 and majority["verdict"] == "better"
    worst = claims["worst_language_macro_f1"]
    assert worst["model_value"] <= run.metrics["best_language_macro_f1"]
    per_language = [claims[f"macro_f1_{lang}"] for lang in ("fr", "de", "lb", "en")]
    assert min(c["model_value"] for c in per_language) == pytest.approx(worst["model_value"])


def test_auto_routed_precision_reaches_the_target(run):
    m = run.metrics
    # the threshold was chosen on validation requests; on the test requests the precision may fall short by
    # at most two standard errors of the difference of the two binomial proportions (see binomial_margin)
    margin = binomial_margin(m["target_precision"], m["n_auto_routed"], m["n_auto_routed_validation"])
    assert m["precision_auto_routed"] >= m["target_precision"] - margin
    assert m["precision_margin"] == pytest.approx(margin) and m["precision_meets_target"] is True
    assert 0.2 <= m["coverage_at_target_precision"] < 1.0  # people see some requests, not all


def test_redactor_recall_is_recorded_per_kind_with_intervals(run):
    m = run.metrics
    for kind in ("email", "phone", "iban", "national_id"):
        assert m[f"pii_recall_{kind}"] >= 0.99, kind
    low, high = m["pii_recall_name_ci"]
    assert low <= m["pii_recall_name"] <= high < 1.0  # honest: cue-less names are missed
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    assert "| identifier | planted | found (no piece left) | recall [interval] |" in card
    assert re.search(r"\| name \| [\d,]+ \| [\d,]+ \| 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] \|", card)


def test_language_identification_is_measured_against_the_hand_written_one(run):
    m = run.metrics
    for lang in ("fr", "de", "lb", "en"):
        assert m[f"langid_accuracy_{lang}"] >= 0.98, lang
        assert f"langid_accuracy_{lang}_handwritten" in m and f"langid_accuracy_short_{lang}" in m


def test_no_piece_of_any_planted_identifier_on_the_rendered_pages(run):
    params = smoke_parameters()
    pii = make_splits(params["n_requests"], params["seed"]).pii  # regenerated from the profile's seed/size
    tokens = _identifier_tokens(pii).assign(kind=lambda t: pii["kind"].to_numpy()[t["pii_row"].to_numpy()])
    words = sorted(set(tokens.loc[tokens["kind"].isin(["name", "email"]), "token"]))
    assert len(words) > 100
    for page in (run.dir / f"{PILOT}.html", run.dir / "model_card.md", run.dir / "model_card.html"):
        text = page_text(page).lower()
        found = [w for w in words if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text)]
        assert found == [], (page.name, found[:10])
    rendered = (run.dir / f"{PILOT}.html").read_text(encoding="utf-8")
    examples = re.findall(r"<table[^>]*public-examples.*?</table>", rendered, flags=re.S)
    assert len(examples) >= 2
    cells = " ".join(re.findall(r"<td>(.*?)</td>", " ".join(examples), flags=re.S))
    texts = [c for c in re.findall(r"<td>(.*?)</td>", " ".join(examples), flags=re.S) if len(c) > 60]
    assert texts and not any(re.search(r"\d", t) for t in texts), [t for t in texts if re.search(r"\d", t)][
        :2
    ]
    assert "[NAME]" in cells and "[rare]" in cells  # masked text is shown, so the check is meaningful


def test_figures_are_inline_and_the_card_states_ai_act_and_oversight(run):
    rendered = (run.dir / f"{PILOT}.html").read_text(encoding="utf-8")
    assert rendered.count("<img") >= 3
    card = json.loads((run.dir / "model_card.json").read_text(encoding="utf-8"))
    text = json.dumps(card)
    assert "Annex III 5(a)" in text and "go to a person" in text
    assert (run.dir / "request_router.zip").is_file() and (run.dir / "request_router.json").is_file()


def test_urgent_recall_is_a_claim_the_card_the_notebook_and_the_index_show_as_recorded(run):
    """The urgent-request recall is its own claim (the urgency head against a keyword rule, with the paired
    interval): recorded in metrics.json, said in the card's findings and failure modes, in the notebook's
    urgency section and in the index, with the recorded numbers."""
    from livinglab.claims import Claim, fmt, signed

    doc = recorded(run)
    claim = Claim.from_dict(doc["claims"]["urgent_recall"])
    assert claim.metric == "recall" and "keyword rule" in claim.baseline and claim.low <= claim.difference
    assert doc["metrics"]["urgent_recall"] == claim.model_value  # the metric and the claim are one number
    assert doc["metrics"]["urgent_test_requests"] >= 5
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    assert f"- {claim.sentence()}" in card  # the key findings
    failure = next(
        line for line in card.splitlines() if line.startswith("- urgent requests the urgency head")
    )
    assert f"its recall of urgent requests is {fmt(claim.model_value)} on the " in failure
    assert f"{doc['metrics']['urgent_test_requests']:,} urgent test requests" in failure
    assert f"against {fmt(claim.baseline_value)} for {claim.baseline}" in failure
    assert f"{signed(claim.difference)} {claim.interval}: {claim.verdict})" in failure
    assert claim.sentence() in page_text(run.dir / f"{PILOT}.html")  # the notebook's urgency section
    index = page_text(run.dir.parent.parent / "index.html")
    assert claim.label in index and f"{signed(claim.difference)} {claim.interval}" in index


@pytest.mark.notebook
def test_the_near_duplicate_counts_name_their_denominator(run):
    """The card said "1.8% of the test requests have one among the training requests (333 pairs found, 333
    across languages)": the pairs are counted among all requests of every split, which it now says."""
    m = json.loads((run.dir / "metrics.json").read_text())["metrics"]
    card = " ".join((run.dir / "model_card.md").read_text(encoding="utf-8").split())
    rows = re.search(r"\*\*Data\*\*: .*?([\d,]+) rows", card).group(1)
    said = f"{m['near_duplicate_pairs']:,} pairs were found among all {rows} requests of every split"
    assert said in card


@pytest.mark.notebook
def test_the_readmes_smoke_precision_is_this_runs_and_says_where_it_stands_to_the_target(run):
    """The pilot card gave the smoke run's "auto-routed precision 0.921 at 73% coverage" without saying that it
    is below the 95% target: the figure is this run's, and a precision below its target is said to be."""
    from pathlib import Path

    m = json.loads((run.dir / "metrics.json").read_text())["metrics"]
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    smoke = readme[readme.index("Synthetic smoke run") :]
    said = re.search(r"auto-routed precision (\d\.\d+) at (\d+)% coverage([^;]*)", smoke)
    assert said and said.group(1) == f"{m['precision_auto_routed']:.3f}", said
    if m["precision_auto_routed"] < m["target_precision"]:
        assert f"below the {m['target_precision']:.0%} target" in said.group(3), said.group(0)


@pytest.mark.notebook
def test_the_redaction_table_names_its_measures_in_words(run):
    """The card's held-out redaction table showed code keys ("identifier_recall", "kept_ordinary")."""
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    assert "| identifier recall |" in card and "identifier_recall" not in card and "kept_ordinary" not in card
