"""The card's own sentences about subgroups, filled from a gap as the run records it."""

from __future__ import annotations

from pathlib import Path

import yaml

from livinglab.trust.texts import render_text

HERE = Path(__file__).resolve().parents[1]


def test_a_gap_inside_the_noise_is_not_said_to_be_a_difference():
    """The card said "Performance differs by subgroup: the largest gap ... is 0.461 in MAE" where the two age
    bands' intervals overlap; it gives the gap and what the intervals say, and asserts no difference."""
    gap = {
        "gap": 0.461, "metric": "MAE", "metric_key": "mae", "grouping": "by age band", "best": "60-69",
        "worst": "<60", "best_value": 4.66, "worst_value": 5.12, "excluded_small_groups": [],
        "intervals_overlap": True, "evidence": "their intervals overlap: the gap alone does not show a difference",
    }  # fmt: skip
    modes = yaml.safe_load((HERE / "card.yaml").read_text(encoding="utf-8"))["failure_modes"]
    texts = [" ".join(render_text(t, {"gap": gap}, "gap").split()) for t in modes if "gap.gap" in t]
    assert texts
    for text in texts:
        assert "differs by subgroup" not in text and "the gap alone does not show a difference" in text, text
