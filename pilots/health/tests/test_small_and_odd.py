"""Small or odd cohorts as partners send them: every record twice, a recording's number beside the measures, a
case-control file given to the longitudinal design, a 12-person cohort with two controls and yearly visits,
case-control files with age and a clinical score. Each page must count and drop exact duplicates, never use a
record's number as a feature, name the design the file fits, keep every suppressed count unrecoverable from
the totals it shows, release means only with differential privacy, and say what cannot be estimated instead of
failing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from livinglab.claims import fmt
from livinglab.contract import ContractError
from pilots.health import report
from pilots.health.contract import CONTRACTS
from pilots.health.data import order_columns
from pilots.health.privacy import public_counts
from pilots.health.privacy.table1 import WITHHELD, table_one
from pilots.health.run import run
from pilots.health.synthetic import make_case_control, make_longitudinal
from pilots.health.tests.pages import count_small_cells, recoverable_cells

KEY = "a-test-key-that-is-long-enough"
FAST = {"n_boot": 20, "n_boot_clusters": 5}


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)


@pytest.fixture(scope="module")
def voice():
    return make_case_control({"n_pd": 30, "n_controls": 20, "records_per_subject": 4, "seed": 2})


def _write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


# ------------------------------------------------------------------------------------------ exact duplicates
def test_every_record_twice_is_counted_dropped_and_changes_nothing(voice, tmp_path):
    once = run({"data_path": _write(voice, tmp_path / "once.csv"), **FAST}, design="case_control")
    twice = run(
        {"data_path": _write(pd.concat([voice, voice]), tmp_path / "twice.csv"), **FAST},
        design="case_control",
    )
    n = len(voice)
    assert twice.records.counts["duplicate_records"] == n and twice.records.counts["rows_read"] == 2 * n
    assert once.records.counts["duplicate_records"] == 0
    text = report.data_sentence(twice)
    assert f"{n:,} exact duplicate records (identical in every column of the file) dropped" in text
    assert f"{n:,} records of 50 people" in text
    for name in ("auc_lightgbm", "auc_lightgbm_recordwise", "n_rows"):
        assert twice.metrics[name] == once.metrics[name], name  # the copy adds nothing, not even optimism
    # two recordings that agree in every measure but not in the file's own record id are not duplicates
    near = voice.assign(record_id=np.arange(len(voice)))
    near = pd.concat([near, near.head(3).assign(record_id=[-1, -2, -3])])
    kept = run({"data_path": _write(near, tmp_path / "near.csv"), **FAST}, design="case_control")
    assert kept.records.counts["duplicate_records"] == 0 and kept.metrics["n_rows"] == n + 3


def test_a_longitudinal_file_twice_is_the_same_cohort(tmp_path):
    cohort = make_longitudinal({"n_pd": 40, "n_controls": 20, "max_years": 4, "seed": 2})
    params = {**FAST, "time_unit": "years", "score_range": [0, 132]}
    once = run({"data_path": _write(cohort, tmp_path / "once.csv"), **params})
    twice = run({"data_path": _write(pd.concat([cohort, cohort]), tmp_path / "twice.csv"), **params})
    assert twice.cohort.counts["duplicate_records"] == len(cohort)
    assert twice.cohort.counts["rows_sharing_subject_time"] == 0  # no longer averaged silently
    assert twice.metrics["forecast_mae_model"] == once.metrics["forecast_mae_model"]
    assert "exact duplicate records (identical in every column of the file) dropped" in report.data_sentence(
        twice
    )


# ------------------------------------------------------------------------------------------ record numbers
def test_a_recordings_number_is_never_a_feature(voice, tmp_path):
    frame = voice.copy()
    frame["recording"] = frame.groupby("subject").cumcount() + 1  # named like one
    frame["k"] = frame.groupby("subject").cumcount()  # numbered 0, 1, 2 ... whatever its name
    frame["row_order"] = np.arange(1, len(frame) + 1)  # the file's row numbers
    rng = np.random.default_rng(0)
    frame["pause_count"] = rng.integers(0, 6, len(frame))  # a whole-number measure: a feature
    result = run({"data_path": _write(frame, tmp_path / "numbered.csv"), **FAST}, design="case_control")
    features = result.records.features
    assert not {"recording", "k", "row_order"} & set(features) and "pause_count" in features
    text = report.data_sentence(result)
    assert "column 'recording' is not a feature: its name says it numbers records or rows" in text
    assert "column 'k' is not a feature: it numbers each person's records (1, 2, 3 ...)" in text
    assert "column 'row_order' is not a feature: it numbers the file's rows" in text
    mapped = run(
        {"data_path": _write(frame.rename(columns={"k": "take_no"}), tmp_path / "role.csv"), **FAST,
         "columns": {"record": "take_no"}},
        design="case_control",
    )  # fmt: skip
    assert "take_no" not in mapped.records.features and "record" not in mapped.records.features


def test_the_order_rule_leaves_measures_alone():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"subject": np.repeat(list("abcdef"), 3)})
    data["counter"] = data.groupby("subject").cumcount() + 1
    data["gappy"] = data["counter"] * 2  # 2, 4, 6: not a counter
    data["measure"] = rng.normal(size=len(data))
    data["whole"] = rng.integers(1, 4, len(data))
    assert order_columns(data, ["counter", "gappy", "measure", "whole"]) == {
        "counter": "it numbers each person's records (1, 2, 3 ...)"
    }


# ------------------------------------------------------------------------------------------ the design
def test_a_case_control_file_given_to_the_longitudinal_design_names_the_design(voice, tmp_path):
    with pytest.raises(ContractError) as err:
        CONTRACTS["longitudinal"].apply(voice.rename(columns={"subject": "name", "label": "status"}))
    assert "run the case_control design instead" in str(err.value) and "'status'" in str(err.value)
    with pytest.raises(ContractError, match="health-case_control"):
        CONTRACTS["longitudinal"].apply(voice, {"subject": "subject", "label": "label"})
    cohort = make_longitudinal({"n_pd": 10, "n_controls": 5, "max_years": 2, "seed": 0})
    with pytest.raises(ContractError) as err:  # a longitudinal file missing its score: no such advice
        CONTRACTS["longitudinal"].apply(cohort.drop(columns=["score"]))
    assert "case_control" not in str(err.value)


def test_the_runner_runs_the_design_the_file_fits_or_names_it(voice, tmp_path):
    from livinglab.pilots import get_pilot, plan_parameters
    from livinglab.runner import UsageError, check_data_request

    pilot = get_pilot("health")
    path = _write(voice.rename(columns={"subject": "name", "label": "status"}), tmp_path / "voice.csv")
    plan = plan_parameters(pilot, "smoke", {"data_path": path})
    with pytest.raises(UsageError) as err:  # neither design fits without columns: the advice names the design
        check_data_request(pilot, plan)
    assert "health-case_control" in str(err.value) and "status" in str(err.value)
    plan = plan_parameters(
        pilot, "smoke", {"data_path": path, "columns": json.dumps({"subject": "name", "label": "status"})}
    )
    assert [u.design.name for u in check_data_request(pilot, plan)] == ["case_control"]


# ------------------------------------------------------------------------------------------ small cohorts
def _cohort12(tmp_path, *, yearly: bool = False) -> str:
    cohort = make_longitudinal({"n_pd": 10, "n_controls": 2, "max_years": 4, "seed": 2})
    if yearly:  # visits at whole years and every H&Y event at the second visit: no pair to compare
        cohort["time"] = cohort["visit"].astype(float)
        cohort["hy"] = np.where(cohort["visit"] == 0, 2.0, 3.0)
    return _write(cohort, tmp_path / "cohort12.csv")


def test_a_12_person_cohort_never_lets_a_suppressed_count_be_recovered(tmp_path):
    result = run({"data_path": _cohort12(tmp_path), **FAST, "time_unit": "years", "score_range": [0, 132]})
    text = report.data_sentence(result)
    assert "12 participants" not in text and "<5 control" not in text  # 12 - 10 would give 2 back
    assert "the group 'control' has fewer than 5 participants: it is left out" in text
    assert result.metrics["n_subjects"] == 10 and result.metrics["prep_participants"] == 10
    assert count_small_cells(result.table1) == 0 and recoverable_cells(result.table1) == []
    for res in result.survival.values():
        sentence = report.survival_sentence(res)
        shown = [res.n_at_risk, res.n_prevalent]
        if sum(0 < n < 5 for n in shown) == 1:  # the patients minus one of the two would give the other
            assert "withheld" in sentence


def test_table_one_withholds_the_cells_that_would_give_a_hidden_count_back():
    base = pd.DataFrame(
        {
            "group": ["PD"] * 30 + ["control"] * 20,
            "sex": ["male"] * 27 + ["female"] * 3 + ["male"] * 12 + ["female"] * 8,
            "moca": np.r_[np.full(24, 26.0), [np.nan] * 9, np.full(17, 27.0)],  # missing: PD 6, control 3
        }
    )
    table, _ = table_one(base, "group", {"moca": "MoCA"}, {"sex": "Sex"}, min_cell=5)
    assert table.loc[("Sex", "female, n (%)"), "PD"] == "<5"
    assert table.loc[("Sex", "male, n (%)"), "PD"] == WITHHELD  # 30 - 27 = 3: withheld, not called small
    assert table.loc[("MoCA", "missing, n"), "control"] == "<5"
    assert table.loc[("MoCA", "missing, n"), "PD"] == WITHHELD  # Overall 9 - PD 6 would give 3 back
    assert table.loc[("MoCA", "missing, n"), "Overall"] == "9"
    assert recoverable_cells(table) == []
    assert public_counts({"PD": 10, "control": 2}) == {"PD": "withheld", "control": "<5"}
    assert public_counts({"PD": 10, "control": 7}) == {"PD": "10", "control": "7"}


def test_the_recoverability_check_can_fail():
    base = pd.DataFrame({"group": ["PD"] * 30 + ["control"] * 20, "sex": ["male"] * 27 + ["female"] * 23})
    table, _ = table_one(base, "group", {}, {"sex": "Sex"}, min_cell=5)
    table.loc[("Sex", "male, n (%)"), "PD"] = "27 (90.0)"  # what the page showed before: 30 - 27 = 3
    assert recoverable_cells(table)


def test_a_12_person_cohort_with_tied_yearly_events_says_what_cannot_be_estimated(tmp_path):
    result = run({"data_path": _cohort12(tmp_path, yearly=True), **FAST, "time_unit": "years",
                  "score_range": [0, 132]})  # fmt: skip
    hy3 = result.survival["hy3"]
    assert hy3.cox_summary is None and "the Cox model" in hy3.not_estimated
    assert "Not estimable on these data: the Cox model" in report.survival_sentence(hy3)


def test_the_cox_concordance_of_tied_events_is_none_not_an_error():
    from pilots.health.model.survival import fit_cox

    data = pd.DataFrame({"duration": [1.0] * 12, "event": [True] * 12, "age": np.arange(60, 72, dtype=float)})
    _, concordance, n = fit_cox(data, ["age"])
    assert concordance is None and n == 12


# ------------------------------------------------------------------------------------------ differential privacy
def test_case_control_releases_age_and_a_score_only_with_dp(voice, tmp_path):
    frame = voice.assign(updrs=np.where(voice["label"] == "PD", 32.0, 4.0))
    path = _write(frame, tmp_path / "scored.csv")
    scored = run({"data_path": path, **FAST, "columns": {"score": "updrs"}, "score_range": [0, 132],
                  "score_name": "UPDRS III"}, design="case_control")  # fmt: skip
    released = scored.dp_table
    assert set(released["statistic"]) == {"score, mean", "age, mean"} and len(released) == 4
    assert scored.budget.spent == pytest.approx(1.0) and scored.metrics["dp_releases"] == 4
    assert "score" not in scored.records.features and "updrs" not in scored.records.features
    shown = scored.table1.loc[("UPDRS III", "mean, DP (95% of noise within +/-)")]
    assert shown.str.contains(r"\+/-").all() or "–" in shown.to_numpy()
    unscaled = run({"data_path": path, **FAST, "columns": {"score": "updrs"}}, design="case_control")
    assert set(unscaled.dp_table["statistic"]) == {"age, mean"}
    assert "its mean is not released with differential privacy" in report.data_sentence(unscaled)
    with pytest.raises(ContractError, match="score_range"):
        run({"data_path": path, **FAST, "columns": {"score": "updrs"}, "score_range": [0, 30]},
            design="case_control")  # fmt: skip


def test_the_auc_figure_draws_no_second_interval(voice, tmp_path):
    from pilots.health.report import plots

    result = run({"data_path": _write(voice, tmp_path / "v.csv"), **FAST}, design="case_control")
    fig = plots.auc_grouped_vs_recordwise(result.classification.result)
    assert not fig.axes[0].containers and not fig.axes[0].collections  # points, no error bars
    # the legends give each value as the page does (0.745 in the text is not "0.75" in a legend)
    cc = result.classification.result
    roc = [t.get_text() for t in plots.roc_curves(cc).axes[0].get_legend().get_texts()]
    assert [f"(AUC {fmt(cc.cis[k].estimate)})" in t for k, t in
            zip(("auc_lightgbm", "auc_logistic", "auc_lightgbm_recordwise"), roc, strict=True)] == [True] * 3  # fmt: skip
    slope = fmt(cc.calibration["lightgbm"]["slope"])
    legend = plots.reliability(cc).axes[0].get_legend().get_texts()[0].get_text()
    assert f"slope {slope}," in legend
    assert f"calibration slope {slope} " in report.calibration_sentence(result)


@pytest.mark.notebook
def test_the_12_person_cohorts_page_renders_and_says_what_it_cannot_estimate(tmp_path, tmp_path_factory):
    import html
    import re

    from livinglab.runner import run_pilots

    overrides = {
        "data_path": _cohort12(tmp_path, yearly=True),
        "time_unit": "years",
        "score_range": "[0, 132]",
    }
    run = run_pilots(["health-longitudinal"], profile="smoke", overrides=overrides,
                     out=tmp_path_factory.mktemp("cohort12"), progress=False)  # fmt: skip
    result = run.results[0]
    assert result.status == "ok", result.error
    page = html.unescape(
        re.sub(r"data:image/[^\"')]+", "", (result.directory / "longitudinal.html").read_text())
    )
    assert "Not estimable on these data: the Cox model" in page
    assert "the group 'control' has fewer than 5 participants" in page
    assert "12 participants" not in page and "<5 control" not in page
    assert result.metrics["n_subjects"] == 10


# ------------------------------------------------------------------------------------------ inspect's command
def _uci_shaped(voice: pd.DataFrame) -> pd.DataFrame:
    """The classic voice file's shape: one 'name' a recording ('phon_R01_S01_3'), 'status' 1/0, measures."""
    frame = voice.drop(columns=["age", "sex"], errors="ignore")
    number = frame.groupby("subject").cumcount() + 1
    name = "phon_R01_" + frame["subject"].astype(str) + "_" + number.astype(str)
    status = frame["label"].map({"PD": 1, "control": 0})
    return pd.concat([name.rename("name"), status.rename("status"), frame.drop(columns=["subject", "label"])],
                     axis=1)  # fmt: skip


def test_inspects_printed_command_gives_persons_and_a_true_card_title(voice, tmp_path, capsys):
    import shlex
    from pathlib import Path

    import yaml

    from livinglab.cli import main
    from livinglab.trust.model_card import card_context
    from livinglab.trust.texts import render_text

    path = _write(_uci_shaped(voice), tmp_path / "parkinsons.csv")
    assert main(["inspect", "health", path]) == 0
    command = shlex.split(capsys.readouterr().out.strip().splitlines()[-1])
    assert command[:3] == ["livinglab", "run", "health-case_control"]
    params = dict(zip(command[4::3], command[5::3], strict=True))
    assert params["subject_pattern"] == "^(.*)_[0-9]+$" and params["case_label"] == "1"
    result = run({**params, "columns": json.loads(params["columns"]), **FAST}, design="case_control")
    assert result.metrics["n_subjects"] == 50 and result.records.counts["records"] == len(voice)
    card = yaml.safe_load((Path(__file__).resolve().parents[1] / "card.yaml").read_text(encoding="utf-8"))
    title = render_text(card["title"], card_context(result), "title")
    assert "telling cases (label 1) from controls (label 0)" in title, title


def test_record_names_as_subjects_are_refused_with_the_pattern(voice, tmp_path):
    path = _write(_uci_shaped(voice), tmp_path / "parkinsons.csv")
    with pytest.raises(ContractError) as err:  # each record its own 'person': validation by record
        run(
            {"data_path": path, "columns": {"subject": "name", "label": "status"}, **FAST},
            design="case_control",
        )
    assert "-p subject_pattern '^(.*)_[0-9]+$' (50 persons)" in str(err.value)
    # one record a person, said so explicitly, runs
    result = run({"data_path": path, "columns": {"subject": "name", "label": "status"}, **FAST,
                  "subject_pattern": "^(.*)$"}, design="case_control")  # fmt: skip
    assert result.metrics["n_subjects"] == len(voice)


def test_a_subgroup_left_out_makes_the_all_line_say_so(voice, tmp_path):
    """Three controls of a third sex (fewer than min_cell people): their level is not shown, so the sex table's
    overall line covers the groups shown only and is named so, never "All" beside the claim's other value."""
    controls = voice.loc[voice["label"] == "control", "subject"].drop_duplicates().head(3)
    frame = voice.assign(sex=voice["sex"].where(~voice["subject"].isin(controls), "other"))
    result = run({"data_path": _write(frame, tmp_path / "third.csv"), **FAST}, design="case_control")
    by_sex = result.subgroups["by sex"]
    assert "other" not in set(by_sex.table["group"]) and int(by_sex.table["n"].sum()) < len(frame)
    lines = [line for line in by_sex.to_markdown().splitlines() if line.startswith("| All")]
    assert len(lines) == 1 and lines[0].startswith("| All in the groups shown |") and "[" not in lines[0]
    whole = run({"data_path": _write(voice, tmp_path / "v.csv"), **FAST}, design="case_control")
    line = [x for x in whole.subgroups["by sex"].to_markdown().splitlines() if x.startswith("| All")]
    assert line == [f"| All | {len(voice)} | {fmt(whole.claim('auc_lightgbm').model_value)} |"]
