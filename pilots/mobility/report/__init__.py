"""What the mobility pages show, built from a ``MobilityResult``: sentences, tables, figures and the model card.

Nothing here computes a metric or a comparison: the comparisons are the result's claims (their own
sentences), the tables and figures show what the run computed. The pages describe the data of the run,
never the simulator's or Luxembourg's facts unless the run is the synthetic one. Each ``show_*`` function
displays one section of the notebook, saves its figures beside the run (``livinglab.output_dir()``) and
returns the figures the model card shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import livinglab
from livinglab import show
from livinglab.claims import fmt, signed
from livinglab.trust import ModelCard

from . import plots

CARD = Path(__file__).resolve().parents[1] / "card.yaml"

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


def _save(fig, name: str):
    fig.savefig(livinglab.output_dir() / name, dpi=110, bbox_inches="tight")
    return fig


def _shown(fig, name: str, caption: str):
    """Save the figure beside the notebook, show it through :func:`livinglab.show.figure` (compressed, the
    caption as its alt text) and return it (the card draws it again)."""
    display(show.figure(_save(fig, name), caption))
    return fig


# --- the data -------------------------------------------------------------------------------------


def describe_data(result: Any) -> str:
    """A paragraph on the loaded counts: what, how many, when, what is missing, which covariates."""
    counts = result.prepared.counts
    f = counts.facts()
    m = result.metrics
    report = counts.report
    sites = f"{f['n_sites']} site" + ("s" if f["n_sites"] != 1 else "")
    if f["n_directions"]:
        directions = f"{f['n_directions']} direction(s) as the data name them ({f['directions']})"
    else:
        directions = "no direction column (each site is one series)"
    parts = [
        SYNTHETIC_INTRO if result.data.is_synthetic else "",
        f"**Loaded:** {result.data.describe()} {f['layout'][:1].upper() + f['layout'][1:]}; {sites}, {directions}; "
        f"{f['n_series']} series x {f['n_hours']:,} hours = {m['rows']:,} series-hours, {m['period']}.",
        f"**Missing:** {m['missing_share']:.1%} of the series-hours have no usable count "
        f"({report.counts.get('hours_missing_from_the_file', 0):,} hours absent from the file, "
        f"{report.counts.get('hours_in_the_file_without_a_count', 0):,} in the file without a count, "
        f"{report.counts.get('sentinel_values_excluded', 0):,} excluded as missing-value codes). They are left "
        "out of training and of every score; the model and all baselines are scored on the same hours.",
        f"**Covariates:** {m['covariates']}"
        + (
            " (used as observed when the forecast is issued, never from the future)."
            if m["covariates"] != "none"
            else "."
        ),
        f"**Vehicles:** {f['vehicle_class']}." if f["vehicle_class"] != "as given" else "",
        f"**Calendar:** {m['calendar_note']}",
        "**Coordinates:** "
        + (
            f"{m['n_located_sites']} site(s) located."
            if counts.has_coordinates
            else "none, so the network, the congestion map and the departure advisor are skipped (give a site "
            "table with -p sites_path to add them)."
        ),
    ]
    parts.append("**Implausible series:** " + result.prepared.implausible_note)
    if report.notes:
        parts.append("**Conversion:** " + "; ".join(report.notes) + ".")
    return "\n\n".join(p for p in parts if p)


def kept_implausible(result: Any) -> np.ndarray | None:
    """Positions of the implausible series a run kept (``-p implausible keep``): the figures choose their
    sites among the others (with the default they are not in the data any more)."""
    table = result.prepared.implausible
    if table is None or not len(table) or result.metrics.get("implausible_mode", "exclude") != "keep":
        return None
    return table["series"].to_numpy(int)


#: Headers of the tables below, in words and units.
HEADERS = {
    "station_id": "counting post",
    "aadt_2023": "published AADT 2023 (vehicles/day)",
    "simulated_adt": "simulated mean daily traffic (vehicles/day)",
    "train_rows": "training rows",
    "band_rows": "rows fitting the band",
    "calibration_rows": "rows calibrating the band",
    "test_rows": "test rows",
    "band_margin_log": "band margin (log units)",
    "fit_seconds": "fit time (s)",
    "mae_model": "MAE of the model (vehicles/h)",
    "coverage_p10_p90": "share inside the 10-90% band",
    "n": "forecast hours",
    "day_type": "day type",
}


def _table(frame: pd.DataFrame, caption: str, **options) -> show.Table:
    return show.table(frame, caption, headers=HEADERS | options.pop("headers", {}), **options)


def show_data(result: Any) -> None:
    """The data paragraph, the cleaning table, the counts over time, the missing hours and (synthetic) the
    simulator's calibration against the published AADT."""
    counts = result.prepared.counts
    display(Markdown(describe_data(result)))
    cleaning = counts.report.to_frame()
    if len(cleaning):
        display(_table(cleaning, "What the cleaning found"))
    implausible = result.prepared.implausible
    if implausible is not None and len(implausible):
        display(_table(implausible.drop(columns="series").round(2), "Implausible series"))
    skip = kept_implausible(result)
    _shown(
        plots.plot_overview(counts.wide, skip=skip),
        "counts_overview.png",
        "Hourly counts of every series over the whole period",
    )
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.22 * min(len(counts.wide.series), 40)))
    plots.plot_gaps(counts.wide, counts.excluded, skip=skip, ax=ax)
    _shown(fig, "missing_hours.png", "Missing hours of every series (gaps left as gaps)")
    if result.calibration is not None:
        calib = result.calibration
        display(
            Markdown(
                f"Simulated mean daily traffic against the published 2023 AADT ({calib.attrs['period']}): "
                f"largest deviation {result.metrics['calibration_max_abs_error']:.1%}."
            )
        )
        display(_table(calib, "Simulated mean daily traffic against the published AADT", max_rows=8))


# --- the backtest and the claims ------------------------------------------------------------------


def test_period(result: Any) -> str:
    """Which hours were forecast, how many fits, and where they ran."""
    bt, m = result.backtest, result.metrics
    where = f" as tasks on the Dask cluster at {bt.cluster}" if bt.cluster else ""
    return (
        f"Test period: the last {bt.test_days} days x {m['n_folds']} fold(s), from "
        f"{result.predictions['timestamp'].min():%d %b %Y}; {len(bt.folds)} horizon x fold units (median, "
        f"band and the plain reference each) fitted in {bt.seconds:.0f} s{where}; {m['eval_rows']:,} forecast "
        f"hours scored ({m['eval_rows_excluded']:,} left out because last week's count, needed by the "
        "seasonal naive, is missing)."
    )


def show_backtest(result: Any) -> None:
    display(Markdown(test_period(result)))
    display(_table(result.backtest.folds, "The backtest's fits: one a horizon and fold"))


def comparison_table(result: Any) -> pd.DataFrame:
    """The claims as a table: one row per horizon and baseline, the numbers and verdict of each claim."""
    rows = []
    for c in result.claims:
        rows.append(
            {
                "metric": c.label,
                "model": fmt(c.model_value),
                "baseline": c.baseline,
                "baseline's value": fmt(c.baseline_value),
                "model - baseline [95% paired interval]": f"{signed(c.difference)} {c.interval}",
                "model / baseline": fmt(c.model_value / c.baseline_value) if c.baseline_value else "n/a",
                "verdict": c.verdict,
            }
        )
    return pd.DataFrame(rows)


def coverage_sentence(result: Any) -> str:
    """How often the band held the actual counts: over the horizons, per horizon and, with a holiday calendar,
    on holidays one hour ahead (all from the record; the nominal share is the band's)."""
    m, nominal = result.metrics, result.coverage_nominal
    horizons = ", ".join(
        f"{k.removeprefix('coverage_p10_p90_h')} h {v:.0%}"
        for k, v in m.items()
        if re.fullmatch(r"coverage_p10_p90_h\d+", k)
    )
    text = f"The {result.band} band held {m['coverage_p10_p90']:.0%} of the actual counts over the horizons "
    text += f"(nominal {nominal:.0%}; {horizons})"
    if "coverage_p10_p90_h1_holiday" in m:
        text += (
            f"; one hour ahead it held {m['coverage_p10_p90_h1_holiday']:.0%} of the holiday counts against "
            f"{m['coverage_p10_p90_h1_regular_day']:.0%} on regular days"
        )
    return text + "."


def show_evaluation(result: Any) -> dict[str, Any]:
    """The claims (table and sentences), the band's coverage and the figure of the claims per horizon."""
    display(show.table(comparison_table(result), "The model against each baseline"))
    sentences = [f"- {c.sentence()}" for c in result.claims]
    sentences.append(f"- {coverage_sentence(result)}")
    display(Markdown("\n".join(sentences)))
    fig = _shown(
        plots.plot_horizon_comparison(result.claims),
        "model_vs_baselines.png",
        "MAE of the model and its baselines per horizon, and the paired differences",
    )
    return {"The claims per horizon: MAE of the model and its baselines, and the paired differences": fig}


def show_forecasts(result: Any) -> dict[str, Any]:
    """The last test week of three series across the range of volumes (a busy, a middle and a quiet one,
    none of the implausible series a run kept), the error by hour of day and the band by hour."""
    preds = result.predictions
    by_level = preds.groupby("series")["actual"].mean()
    skip = kept_implausible(result)
    level = pd.Series(np.nan, index=np.arange(len(result.prepared.wide.series)))
    level[by_level.index] = by_level.to_numpy()
    chosen = plots.representative(level.to_numpy(), 3, skip)
    axes = plots.plot_forecast_vs_actual(preds, list(chosen), horizon=1, days=7)
    forecast = axes[0].figure
    forecast.suptitle("The last week of the test period, 1 hour ahead", y=1.0)
    forecast.tight_layout()
    _shown(
        forecast,
        "forecast_vs_actual.png",
        "The last test week, 1 hour ahead, of a busy, a middle and a quiet series: actual counts, forecast band and the plain LightGBM",
    )
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True)
    plots.plot_error_by_hour(result.evaluation["by_hour"], horizon=1, ax=axes[0])
    plots.plot_error_by_hour(result.evaluation["by_hour"], horizon=24, ax=axes[1])
    _shown(fig, "error_by_hour.png", "Forecast error by hour of day, 1 hour and 24 hours ahead")
    band, ax = plt.subplots(figsize=(8, 3.5))
    plots.plot_coverage_by_hour(result.evaluation["band_by_hour"], ax=ax)
    _shown(
        band,
        "band_calibration.png",
        "Share of actual counts inside the forecast band by hour of day (nominal 80%)",
    )
    return {
        "The last test week, 1 hour ahead: actual, forecast band, plain LightGBM": forecast,
        f"Calibration of the {result.band} band by hour of day": band,
    }


def holiday_example(result: Any) -> tuple[int, pd.Timestamp, str] | None:
    """A holiday of the period (work-country holiday, or a home-region one for cross-border data) on a weekday
    and the busiest series (not one of the implausible series a run kept), for the holiday-effect plot; None without a calendar or holiday."""
    cal = result.prepared.calendar
    wide = result.prepared.wide
    kinds = (["home_holiday_not_work"] if "home_holiday_not_work" in cal else []) + ["holiday"]
    first, last = wide.timestamps[0] + pd.Timedelta(days=14), wide.timestamps[-1] - pd.Timedelta(days=1)
    for kind in kinds:
        days = cal.index[cal[kind].to_numpy(bool) & (cal["weekday"] < 5).to_numpy()]
        days = days[(days >= first) & (days <= last)]
        if len(days):
            level, skip = plots.series_level(wide.values), kept_implausible(result)
            if skip is not None:
                level[skip] = np.nan
            busiest = int(np.nanargmax(level))
            day = days[-1]
            return busiest, day, cal.loc[day, "holiday_name"] or kind.replace("_", " ")
    return None


def show_holidays(result: Any) -> None:
    """The model's error by day type (with a holiday calendar) and one holiday against its neighbours."""
    if "by_day_type" in result.evaluation:
        by_day = result.evaluation["by_day_type"][["mae_model", "coverage_p10_p90", "n"]]
        display(_table(by_day, "The model's error and band coverage by day type", max_rows=60))
    example = holiday_example(result)
    if example is None:
        display(Markdown("No holiday calendar, or no holiday on a weekday in this period: nothing to show."))
        return
    series_code, day, name = example
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plots.plot_holiday_effect(result.prepared.wide, series_code, day, label=name, ax=ax)
    _shown(fig, "holiday_effect.png", "A holiday against the same weekday in the weeks around it")


def show_importance(result: Any) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    result.importance.head(12).iloc[::-1].plot.barh(ax=ax, title="Day-ahead median: mean |SHAP| (log units)")
    _shown(
        fig,
        "shap_day_ahead.png",
        "Day-ahead median forecast: mean absolute SHAP value of each feature (log units)",
    )


def show_subgroups(result: Any) -> None:
    for title, report in result.subgroups.items():
        display(Markdown(f"**{title}**\n\n" + report.to_markdown()))
    gap = result.largest_gap()
    if gap:
        display(
            Markdown(
                f"Largest gap across these groupings: {fmt(gap['gap'])} vehicles/h of 1-hour MAE "
                f"{gap['grouping']} ({gap['worst']} against {gap['best']})."
            )
        )


# --- the decision ---------------------------------------------------------------------------------


def show_decision(result: Any) -> dict[str, Any]:
    """The network, the congestion map (static and interactive), the advice and its curves, the city
    check; the notes the result carries when a part was skipped."""
    dec = result.decision
    p = result.params
    for note in dec.notes:
        display(Markdown(note))
    figures: dict[str, Any] = {}
    if dec.network:
        display(Markdown(f"Network: {dec.network}."))
        fig, ax = plt.subplots(figsize=(7.5, 7.5))
        title = f"Forecast volume/capacity, {dec.day:%a %d %b %Y} {p['map_hour']}:00-{p['map_hour'] + 1}:00"
        plots.plot_network_congestion(dec.G, dec.congestion, stations=dec.sites, ax=ax, title=title)
        figures["Forecast congestion on the road network"] = _shown(
            fig, "congestion_map.png", "Forecast volume/capacity on the road network at the map hour"
        )
        plots.folium_congestion_map(
            dec.G,
            dec.congestion,
            stations=dec.sites,
            path=livinglab.output_dir() / "congestion_map.html",
            title=f"volume/capacity at {p['map_hour']}:00",
        )
        display(
            Markdown(
                "The interactive version, [congestion_map.html](congestion_map.html), works offline: its "
                "map library is in the file and it has no background tiles (the roads, sites and routes are "
                "drawn from the data)."
            )
        )
    if dec.advice is not None:
        display(_table(dec.advice_table, "The advice: when to leave, per scenario"))
        display(Markdown("**Advice:** " + dec.advice.summary()))
        scenarios = [label for label in dec.advices if label != "border_holiday"]
        fig, axes = plt.subplots(1, len(scenarios), figsize=(6.5 * len(scenarios), 4), squeeze=False)
        for ax, label in zip(axes[0], scenarios, strict=True):
            plots.plot_departure_curves(dec.advices[label], ax=ax)
            ax.set_title(ax.get_title() + ("" if label == "ordinary" else f" - {label}"), fontsize=9)
        _shown(fig, "departure_curves.png", "Trip time against departure time for each scenario")
    if dec.city_note:
        display(Markdown(dec.city_note))
    if dec.city is not None:
        display(_table(dec.city, "The city trip on OpenStreetMap"))
    return figures


# --- the model card -------------------------------------------------------------------------------


def card(result: Any, figures: dict[str, Any] | None = None) -> ModelCard:
    """The model card: prose from card.yaml and altai.yaml (templates filled from the result), evaluation
    from the claims, subgroups from the result's reports, data from the loaded source."""
    return ModelCard.from_result(result, CARD, figures=figures or {})
