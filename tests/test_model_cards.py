"""Every pilot's smoke run ends with a model card whose required sections are all filled."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from livinglab.paths import project_root
from livinglab.pilots import discover_pilots
from livinglab.trust import REQUIRED_FIELDS

UNITS = sorted(
    p.unit(d) for p in discover_pilots(project_root() / "pilots").values() for d in p.designs.values()
)


@pytest.mark.notebook
@pytest.mark.parametrize("pilot", UNITS)
def test_smoke_run_writes_a_complete_model_card(smoke_runs, pilot):
    run = smoke_runs[pilot]
    assert run.status == "ok", run.error
    card = json.loads((run.dir / "model_card.json").read_text(encoding="utf-8"))
    empty = [name for name in REQUIRED_FIELDS if not card.get(name)]
    assert empty == [], f"{pilot}: empty model-card sections {empty}"
    assert (run.dir / "model_card.html").is_file()  # the run index links it
    assert "data_source" in run.metrics


def test_a_card_without_calendar_dates_does_not_say_the_data_have_no_time_column():
    """A cohort whose time is years since baseline (a number) has a time column: the card said 'period: no
    time column' for it; it says there are no calendar dates, and gives the span when there are."""
    from types import SimpleNamespace

    from livinglab.trust.model_card import run_identity

    def result(frame):
        data = SimpleNamespace(
            source=SimpleNamespace(facts={}), frame=frame, fingerprint="f", describe=lambda: "SYNTHETIC data."
        )
        return SimpleNamespace(pilot="health", design="longitudinal", data=data)

    years = pd.DataFrame({"subject": ["a", "a"], "years_since_baseline": [0.0, 1.5]})
    assert run_identity(result(years))["period"] == "no calendar dates in the data"
    dated = years.assign(visit=pd.to_datetime(["2021-03-01", "2022-09-01"]))
    assert run_identity(result(dated))["period"] == "2021-03-01 00:00:00 to 2022-09-01 00:00:00"
