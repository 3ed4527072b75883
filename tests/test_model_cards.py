"""Every pilot's smoke run ends with a model card whose required sections are all filled."""

from __future__ import annotations

import json

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
