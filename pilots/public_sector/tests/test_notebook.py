"""The pilot notebook on its smoke profile (through the runner, once per session): the model against its
strongest baseline with the interval of the difference, human oversight, the redactor's recall, language
identification, and no piece of any planted identifier on the rendered pages."""

from __future__ import annotations

import html
import json
import re

import pytest

from livinglab.paths import project_root
from livinglab.pilots import load_pilot
from pilots.public_sector import make_splits
from pilots.public_sector.abstention import binomial_margin
from pilots.public_sector.privacy import _identifier_tokens

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


def test_key_metrics_are_recorded(run):
    pilot = load_pilot(project_root() / "pilots" / PILOT)
    for metric in pilot.key_metrics:
        assert run.metrics.get(metric.name) is not None, metric.name
        if metric.baseline:
            assert run.metrics.get(metric.baseline) is not None, metric.baseline
    assert run.metrics["data_source"] == "synthetic"


def test_model_beats_the_plain_reference_with_an_interval_that_excludes_zero(run):
    m = run.metrics
    low, high = m["macro_f1_margin_plain_ci"]
    assert low > 0, (m["macro_f1"], m["macro_f1_plain_tfidf_lr"], low, high)
    assert m["macro_f1"] - m["macro_f1_plain_tfidf_lr"] == pytest.approx(m["macro_f1_margin_plain"])
    assert m["macro_f1"] >= m["macro_f1_majority"] + 0.5
    assert m["worst_language_macro_f1"] <= m["best_language_macro_f1"]


def test_auto_routed_precision_reaches_the_target(run):
    m = run.metrics
    # the threshold was chosen on validation requests; on the test requests the precision may fall short by
    # at most two standard errors of the difference of the two binomial proportions (see binomial_margin)
    margin = binomial_margin(m["target_precision"], m["n_auto_routed"], m["n_auto_routed_validation"])
    assert m["precision_auto_routed"] >= m["target_precision"] - margin
    assert 0.2 <= m["coverage_at_target_precision"] < 1.0  # people see some requests, not all


def test_redactor_recall_is_recorded_per_kind_with_intervals(run):
    m = run.metrics
    for kind in ("email", "phone", "iban", "national_id"):
        assert m[f"pii_recall_{kind}"] >= 0.99, kind
    low, high = m["pii_recall_name_ci"]
    assert low <= m["pii_recall_name"] <= high < 1.0  # honest: cue-less names are missed
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    assert "| identifier | planted | found (no piece left) | recall [95% CI] |" in card
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
    assert (run.dir / "request_router.joblib").is_file() and (run.dir / "request_router.json").is_file()
