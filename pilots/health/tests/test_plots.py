"""What the pilot's figures draw, checked on small frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from pilots.health.report import plots  # noqa: E402


def test_the_calibration_figure_shows_every_ratio_however_far_off():
    """The control group's MDS-UPDRS III median was 1.0 against 2.0 published (ratio 0.5): its bar was drawn
    from 0 on an axis starting at 0.5, so it did not show at all. Every bar is drawn from 1 and inside the
    axis."""
    comparison = pd.DataFrame(
        {
            "figure": ["on target", "half", "double"],
            "published": [2.0, 2.0, 2.0],
            "synthetic": [2.0, 1.0, 4.0],
        }
    )
    fig = plots.calibration(comparison)
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    for bar, ratio in zip(ax.patches, [1.0, 0.5, 2.0], strict=True):
        ends = sorted([bar.get_x(), bar.get_x() + bar.get_width()])
        assert low < ends[0] and ends[1] < high, (ratio, ends, (low, high))
        assert abs(ends[0] - min(1.0, ratio)) < 1e-9 and abs(ends[1] - max(1.0, ratio)) < 1e-9


def test_the_notebook_names_the_figures_furthest_from_the_published_ones():
    """The notebook called the cohort "calibrated to published LuxPARK figures" and showed the ratios without a
    word on the ones far off (onset before 50: 10% against 15%; the controls' median 1.0 against 2.0)."""
    from pilots.health.report import furthest_from_published

    comparison = pd.DataFrame(
        {
            "figure": ["PD age at onset, mean", "PD onset before 50, %", "Control MDS-UPDRS III, median",
                       "PD disease duration, SD"],
            "published": [62.3, 15.0, 2.0, 5.2],
            "synthetic": [62.9, 10.0, 1.0, 3.9],
        }
    )  # fmt: skip
    text = furthest_from_published(comparison)
    assert text.startswith(
        "Furthest from the published figures: Control MDS-UPDRS III, median 1.0 against 2.0"
    )
    assert "PD onset before 50, % 10.0 against 15.0 (ratio 0.67)" in text and "age at onset" not in text
    on_target = comparison.assign(synthetic=comparison["published"])
    assert (
        furthest_from_published(on_target) == "Every generated figure is within 10% of its published value."
    )
