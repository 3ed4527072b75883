"""The notebook's prose, computed from what was loaded: the pages describe the data of the run, never the
simulator's or Luxembourg's facts unless the run is the synthetic one."""

from __future__ import annotations

import pandas as pd

from .pipeline import PilotData

SYNTHETIC_INTRO = """\
**These counts are SYNTHETIC.** A simulator produces hourly counts per counting post and direction
(1 = towards Luxembourg City, 2 = outbound) on a schematic network of the Luxembourg tri-border region,
where about 220,000 people cross the border to work every day. Each post is a real counting post of the
Administration des ponts et chaussées, and its simulated daily volume matches the post's published 2023
annual average (AADT) and working-day average (AAWT). The simulator adds commuter peaks, the public holidays
of Luxembourg and of the commuters' home regions (France/Moselle, Belgium, Saarland, Rhineland-Palatinate),
weather days, incidents and roadworks with queues, noise, missing hours and detector outages.

The model is given none of the simulator's own drivers (its incident, roadworks and weather flags, the
share of each post's traffic that stays home on a neighbour's holiday): only what a real counts file would
give, plus the holiday calendar. A synthetic result therefore says that the method recovers structure of
the kind the simulator puts in (peaks, holidays, persistent deviations); it says nothing about the size of
those effects on real roads.
"""


def describe_data(data: PilotData, source_label: str) -> str:
    """A paragraph on the loaded counts: what, how many, when, what is missing, which covariates."""
    f = data.counts.facts()
    report = data.counts.report
    sites = f"{f['n_sites']} site" + ("s" if f["n_sites"] != 1 else "")
    if f["n_directions"]:
        directions = f"{f['n_directions']} direction(s) as the data name them ({f['directions']})"
    else:
        directions = "no direction column (each site is one series)"
    parts = [
        SYNTHETIC_INTRO if data.synthetic else "",
        f"**Loaded:** {source_label}: {f['layout']}; {sites}, {directions}; "
        f"{f['n_series']} series x {f['n_hours']:,} hours = {data.rows:,} series-hours, "
        f"{f['period_start']} to {f['period_end']}.",
        f"**Missing:** {f['missing_share']:.1%} of the series-hours have no usable count "
        f"({report.counts.get('hours_missing_from_the_file', 0):,} hours absent from the file, "
        f"{report.counts.get('hours_in_the_file_without_a_count', 0):,} in the file without a count, "
        f"{report.counts.get('sentinel_values_excluded', 0):,} excluded as missing-value codes). They are left "
        "out of training and of every score; the model and all baselines are scored on the same hours.",
        f"**Covariates:** {f['covariates']}"
        + (
            " (used as observed when the forecast is issued, never from the future)."
            if f["covariates"] != "none"
            else "."
        ),
        f"**Vehicles:** {f['vehicle_class']}." if f["vehicle_class"] != "as given" else "",
        f"**Calendar:** {data.calendar_note}",
        "**Coordinates:** "
        + (
            f"{int(data.counts.sites[['lon', 'lat']].notna().all(axis=1).sum())} site(s) located."
            if data.counts.has_coordinates
            else "none, so the network, the congestion map and the departure advisor are skipped (give a site "
            "table with -p sites_path to add them)."
        ),
    ]
    if report.notes:
        parts.append("**Conversion:** " + "; ".join(report.notes) + ".")
    return "\n\n".join(p for p in parts if p)


def result_sentence(metrics: dict, comp: dict) -> str:
    """The headline: 1-hour error of the model against the plain LightGBM and the seasonal naive."""
    d_plain, d_naive = comp["diff_h1_plain_lgbm"], comp["diff_h1_seasonal_naive"]
    verdict = (
        "clearly ahead of the plain LightGBM (the whole interval of the difference is below zero)"
        if d_plain.high < 0
        else "not clearly ahead of the plain LightGBM on these hours (the interval of the difference includes zero)"
    )
    return (
        f"**1 hour ahead:** MAE {metrics['mae_h1']:.1f} vehicles/h against {metrics['mae_h1_plain_lgbm']:.1f} for the "
        f"plain LightGBM (difference {d_plain.estimate:.1f}, 95% interval {d_plain.low:.1f} to {d_plain.high:.1f}) "
        f"and {metrics['mae_h1_seasonal_naive']:.1f} for the seasonal naive (ratio "
        f"{metrics['ratio_h1_seasonal_naive']:.3f}; difference {d_naive.estimate:.1f}, {d_naive.low:.1f} to "
        f"{d_naive.high:.1f}): {verdict}. 3 hours ahead the ratio to the seasonal naive is "
        f"{metrics['ratio_h3_seasonal_naive']:.3f}, 24 hours ahead {metrics['ratio_h24_seasonal_naive']:.3f}. "
        f"The P10-P90 band held {metrics['coverage_p10_p90']:.0%} of the actual counts (nominal 80%)."
    )


def holiday_example(data: PilotData, predictions: pd.DataFrame) -> tuple[int, pd.Timestamp, str] | None:
    """A holiday of the period (work-country holiday, or a home-region one for cross-border data) on a weekday
    and the busiest series, for the holiday-effect plot; None without a calendar or holiday."""
    cal = data.calendar
    kinds = []
    if "home_holiday_not_work" in cal:
        kinds.append("home_holiday_not_work")
    kinds.append("holiday")
    wide = data.wide
    first, last = wide.timestamps[0] + pd.Timedelta(days=14), wide.timestamps[-1] - pd.Timedelta(days=1)
    for kind in kinds:
        days = cal.index[cal[kind].to_numpy(bool) & (cal["weekday"] < 5).to_numpy()]
        days = days[(days >= first) & (days <= last)]
        if len(days):
            import numpy as np

            busiest = int(np.nanargmax(np.nanmean(wide.values, axis=1)))
            day = days[-1]
            name = cal.loc[day, "holiday_name"] or kind.replace("_", " ")
            return busiest, day, name
    return None
