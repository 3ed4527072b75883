"""The pilot's shape: one ``run`` the notebook, the benchmark and the tests call; one way in for data (a
partner's file read once, the site table read once); claims computed once and rendered everywhere; the same
parameters, data and seed giving the same record; cards with no number typed by hand; no import circle."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

import livinglab
import livinglab.reader
from livinglab.claims import fmt
from livinglab.trust.texts import typed_by_hand
from pilots.mobility import report
from pilots.mobility.model.reference import load_counting_posts
from pilots.mobility.run import run
from pilots.mobility.synthetic import make_counts

from .conftest import SMOKE

PILOT = Path(__file__).resolve().parents[1]
SHAPE = {"__init__", "contract", "synthetic", "data", "model", "report", "run", "benchmark"}


def _plain(value):
    """A record as metrics.json holds it (JSON has no NaN: null)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@pytest.mark.notebook
def test_the_notebook_records_exactly_what_run_returns(smoke_runs, smoke_result):
    """The smoke run's metrics.json holds the metrics and claims of ``run(smoke parameters)``, to the last
    bit: the notebook adds nothing of its own, and two processes give the same numbers."""
    done = smoke_runs["mobility"]
    assert done.status == "ok", done.error
    doc = json.loads((done.dir / "metrics.json").read_text())
    record = _plain(json.loads(json.dumps(smoke_result.as_record())))
    assert doc["metrics"] == record["metrics"]
    assert {name: {k: v for k, v in c.items() if k != "kind"} for name, c in doc["claims"].items()} == record[
        "claims"
    ]
    assert "run_s" in doc["timings"] and "run_s" not in doc["metrics"]


def test_the_same_parameters_data_and_seed_give_the_same_record(smoke_result):
    again = run(SMOKE)
    first = json.dumps(smoke_result.as_record(), sort_keys=True)
    assert json.dumps(again.as_record(), sort_keys=True) == first
    assert again.data.fingerprint == smoke_result.data.fingerprint


def test_claims_name_their_baselines_and_only_an_interval_makes_a_verdict(smoke_result):
    claims = {c.name: c for c in smoke_result.claims}
    assert set(claims) == {f"mae_h{h}{s}" for h in (1, 3, 24) for s in ("", "_naive", "_peer")}
    for name, claim in claims.items():
        assert claim.metric == "mae" and claim.direction == "lower" and claim.unit == "time blocks"
        baseline = {"_naive": "seasonal naive", "_peer": "mlforecast"}.get(
            name[name.rfind("_") :], "plain LightGBM"
        )
        assert baseline in claim.baseline and "_" not in claim.baseline  # in words, never a metric key
        assert claim.verdict == (
            "better" if claim.high < 0 else "worse" if claim.low > 0 else "no clear difference"
        )
        assert claim.sentence().startswith(claim.label)
    assert claims["mae_h1"].verdict == "better", claims["mae_h1"].sentence()
    m = smoke_result.metrics
    assert 0.7 <= m["coverage_p10_p90"] <= 0.9 and "coverage_p10_p90" not in claims  # a plain metric
    assert not [k for k in m if k.endswith("_s") or "seconds" in k]  # timings are kept apart
    assert m["data_source"] == "synthetic" and m["synthetic"] is True


def test_a_partner_file_and_its_site_table_are_each_read_once(tmp_path, monkeypatch):
    """The synthetic counts written as a partner's CSV in the contract's names, with a site table: each file
    goes through the core's reader exactly once in a whole run."""
    frame = make_counts({"n_stations": 2, "start": "2023-03-06", "days": 35, "seed": 2})
    counts_csv, sites_csv = tmp_path / "counts.csv", tmp_path / "sites.csv"
    frame.drop(columns="capacity_vph").to_csv(counts_csv, index=False)
    posts = load_counting_posts(2).rename(columns={"station_id": "site"})
    posts[["site", "lon", "lat", "road", "name"]].to_csv(sites_csv, index=False)
    reads: list[str] = []
    real = livinglab.reader._read_one

    def counted(path, *args, **kwargs):
        reads.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(livinglab.reader, "_read_one", counted)
    result = run({"data_path": str(counts_csv), "sites_path": str(sites_csv), "n_boot": 20, "test_days": 7})
    assert sorted(reads) == ["counts.csv", "sites.csv"]
    assert result.data.mode == "file" and result.metrics["rows"] == 2 * 2 * 35 * 24
    assert result.prepared.counts.has_coordinates and result.metrics["n_located_sites"] == 2
    assert "embedded" in result.metrics["network"]  # sites in Luxembourg: the tri-border network


def test_data_mode_real_is_one_sentence_naming_data_path():
    with pytest.raises(livinglab.DataUnavailable, match=r"data_mode 'real'.*-p data_path") as caught:
        livinglab.load("mobility", "counts", {"data_mode": "real"}, record=False)
    assert "\n" not in str(caught.value)
    auto = livinglab.load("mobility", "counts", {"data_mode": "auto", "days": 30}, record=False)
    assert auto.is_synthetic  # no catalogue file of hourly counts: auto means the simulator


def test_the_synthetic_counts_are_in_the_contracts_names_and_labelled(spring_data):
    loaded = livinglab.load("mobility", "counts", {"days": 30}, record=False)
    assert list(loaded.frame.columns) == ["site", "timestamp", "count", "direction", "capacity_vph"]
    assert loaded.source.is_synthetic and "synthetic.make_counts" in loaded.source.detail
    assert loaded.describe().startswith("SYNTHETIC data")
    # the truth column never reaches the model: no covariate, only counts and the calendar
    assert spring_data.counts.covariates == {}


def test_card_and_altai_type_no_number_or_verdict_by_hand():
    import yaml

    def texts(value):
        if isinstance(value, dict):
            return [t for v in value.values() for t in texts(v)]
        if isinstance(value, list):
            return [t for v in value for t in texts(v)]
        return [value] if isinstance(value, str) else []

    for name in ("card.yaml", "altai.yaml"):
        raw = yaml.safe_load((PILOT / name).read_text(encoding="utf-8"))
        found = {text[:60]: typed_by_hand(text) for text in texts(raw) if typed_by_hand(text)}
        assert found == {}, name
        assert not {"evaluation", "data", "subgroups"} & set(raw), name  # those come from the result


def test_the_card_renders_the_claims_and_the_largest_gap(smoke_result, tmp_path):
    card = report.card(smoke_result)
    markdown = card.to_markdown()
    for claim in smoke_result.claims:
        assert claim.baseline in markdown and claim.interval in markdown
    gap = smoke_result.largest_gap()
    largest = max(g["largest_gap"] for r in smoke_result.subgroups.values() for g in r.gaps.values())
    assert gap is not None and gap["gap"] == largest and len(smoke_result.subgroups) == 4
    assert (
        f"differs most {gap['grouping']}: {gap['worst']} has the largest error, {fmt(gap['gap'])}" in markdown
    )
    assert "SYNTHETIC" in markdown
    table = report.comparison_table(smoke_result)
    assert list(table["verdict"]) == [c.verdict for c in smoke_result.claims]


def _modules() -> dict[str, set[str]]:
    """Each module of the pilot (dotted, below pilots.mobility) -> the pilot's modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in PILOT.rglob("*.py"):
        if "tests" in path.relative_to(PILOT).parts:
            continue
        parts = list(path.relative_to(PILOT).with_suffix("").parts)
        package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
        name = ".".join(p for p in parts if p != "__init__") or "__init__"
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [".".join([*target, a.name]) for a in node.names] + [".".join(target)]
                found |= {n for n in names if n}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pilots.mobility."):
                found.add(node.module.removeprefix("pilots.mobility."))
        graph[name] = found
    known = set(graph)
    return {m: {t for t in targets if t in known and t != m} for m, targets in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if not state.get(nxt):
                found = visit(nxt, [*path, node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if not state.get(node):
            found = visit(node, [])
            if found:
                return found
    return None


def test_the_pilot_has_the_shape_and_no_import_circle():
    top = {
        p.stem if p.is_file() else p.name
        for p in PILOT.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    assert top - {"tests"} == SHAPE
    graph = _modules()
    assert _cycle(graph) is None, _cycle(graph)
    roles = {}
    for module, targets in graph.items():
        role = module.split(".")[0]
        roles.setdefault(role, set()).update(t.split(".")[0] for t in targets if t.split(".")[0] != role)
    assert _cycle(roles) is None, _cycle(roles)
    assert not {t for t in graph["contract"]}  # the runner imports contract.py by itself


def test_the_notebook_only_calls_run_and_shows_its_result():
    nb = json.loads((PILOT / "mobility.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    parameters = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(parameters) == 1
    for statement in ast.parse("".join(parameters[0]["source"])).body:  # literals, one line each
        assert isinstance(statement, ast.Assign) and statement.lineno == statement.end_lineno
        ast.literal_eval(statement.value)
    body = "\n".join(code[1:])
    assert "result = run(globals())" in body and "result.record()" in body
    assert "compare_with_earlier(result)" in body and "report.card(result, figures)" in body
    for word in ("data_mode", "is_synthetic", "if ", "for "):
        assert word not in body, word  # no branching on the data in cells


def test_the_card_says_how_the_band_holds_on_holidays_and_per_horizon(smoke_result):
    """The notebook's day-type table showed the band holding 49% of the holiday counts one hour ahead (nominal
    80%) while the card and the ALTAI answer gave only "held 75% of the actual counts (nominal 80%)", an
    average over three horizons not named as one: they say both, from the record."""
    m = smoke_result.metrics
    assert m["coverage_p10_p90_h1_holiday"] < m["coverage_p10_p90_h1_regular_day"]
    markdown = " ".join(report.card(smoke_result).to_markdown().split())
    assert (
        f"band held {m['coverage_p10_p90_h1_holiday']:.0%} of the holiday counts one hour ahead" in markdown
    )
    assert "on holidays the band is too narrow" in markdown
    assert f"1 h {m['coverage_p10_p90_h1']:.0%}, 3 h {m['coverage_p10_p90_h3']:.0%}" in markdown
    sentence = report.coverage_sentence(smoke_result)  # the notebook's line under the claims
    assert f"held {m['coverage_p10_p90_h1_holiday']:.0%} of the holiday counts" in sentence
    assert f"1 h {m['coverage_p10_p90_h1']:.0%}, 3 h {m['coverage_p10_p90_h3']:.0%}" in sentence


def test_the_notebook_describes_the_bootstrap_blocks_the_claims_use():
    """The notebook said the interval "resamples whole test days" while the claims resample 20 time blocks of
    an 11-day test period (13 h each): its words must not promise days when the blocks are shorter."""
    import json

    import pandas as pd

    from pilots.mobility.model import time_block_ids

    hours = pd.DataFrame({"timestamp": pd.date_range("2023-05-18", periods=11 * 24, freq="h")})
    assert len(set(time_block_ids(hours))) == 20  # 11 days, 20 blocks: not whole days
    notebook = json.loads((PILOT / "mobility.ipynb").read_text(encoding="utf-8"))
    text = " ".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert "whole test days" not in text and "shorter than a day" in " ".join(text.split())
    readme = " ".join((PILOT / "README.md").read_text(encoding="utf-8").split())
    assert "bootstrap over test days" not in readme


def test_the_implausible_series_line_names_its_unit():
    """The card said "Implausible series: No implausible series among the 8 (...)": 8 what, and a capital
    after the colon."""
    import pandas as pd

    from pilots.mobility.data.screen import sentence

    assert sentence(pd.DataFrame(), 8, "exclude").startswith("no implausible series among the 8 series (")


def test_the_data_sentence_keeps_the_layouts_proper_nouns(smoke_result, monkeypatch):
    """Only the layout's first letter is raised ('Official Luxembourg counts', not 'Official luxembourg')."""
    from pilots.mobility.report import describe_data

    counts = smoke_result.prepared.counts
    facts = counts.facts()
    layout = "official Luxembourg counts (one row per post, day, direction and vehicle class)"
    monkeypatch.setattr(type(counts), "facts", lambda self: {**facts, "layout": layout})
    assert "Official Luxembourg counts (one row per post" in describe_data(smoke_result)
