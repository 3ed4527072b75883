"""What the mobility pilot does to loaded counts before modelling (it never reads files: ``livinglab.load`` does).

``prepare(loaded, sites=...)`` takes the counts ``livinglab.load`` read once and checked against the
contract (a partner's file in any of its layouts, or the simulator's frame) and the optional site table
(read once by the core with the ``sites`` contract), and returns ``PilotData``: the counts as one (series x
hours) array with a report of every hour left out and why (``counts``), the day calendar the model sees
(public holidays from the parameters), and, for the synthetic world, its network and stations.

The synthetic counts go through the same conversion as a partner's file; the model gets none of the
simulator's own columns: only what a real file of counts gives, plus the holiday calendar of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ..contract import sniff_format
from ..model.calendar import TRI_BORDER, day_calendar
from ..model.features import CountsError, FeatureBuilder
from ..model.network import attach_stations, build_embedded_network
from ..model.reference import load_counting_posts
from .counts import CountsData, CountsReport, attach_site_table, counts_from_frame
from .screen import MODES, screen, sentence

__all__ = ["CountsData", "CountsError", "CountsReport", "PilotData", "build_calendar", "prepare"]

#: the synthetic counts' directions, as the pages name them
SYNTHETIC_DIRECTIONS = {"1": "inbound (towards Luxembourg City)", "2": "outbound"}
CONTRACT_COLUMNS = ["site", "timestamp", "count", "direction"]


@dataclass
class PilotData:
    """Everything the forecasting and advice steps need, whatever the data source."""

    counts: CountsData
    calendar: pd.DataFrame
    calendar_flags: list[str]
    calendar_note: str
    synthetic: bool = False
    G: nx.MultiDiGraph | None = None  # the embedded tri-border network (synthetic data)
    stations: pd.DataFrame | None = None  # the simulator's stations on G (with its capacity)
    notes: list[str] = field(default_factory=list)
    implausible: pd.DataFrame | None = None  # the implausible series found (screen.screen) and why
    implausible_note: str = ""  # the page's line about them

    @property
    def wide(self):
        return self.counts.wide

    @property
    def rows(self) -> int:
        return self.counts.rows

    def builder(self) -> FeatureBuilder:
        return FeatureBuilder(
            self.counts.wide,
            self.calendar,
            self.calendar_flags,
            self.counts.covariates,
            categorical_covariates=self.counts.categorical,
        )


def build_calendar(
    counts: CountsData, *, country: str = "", subdivisions=(), home_regions=(), default: dict | None = None
) -> tuple[pd.DataFrame, list[str], str]:
    """The day calendar from parameters (or ``default``, or the site table's single country)."""
    ts = counts.wide.timestamps
    spec = {
        "country": country,
        "subdivisions": list(subdivisions or []),
        "home_regions": list(home_regions or []),
    }
    origin = "parameters"
    if not spec["country"] and not spec["home_regions"]:
        if default:
            spec, origin = dict(default), "the simulator's setting"
        elif counts.sites is not None and counts.sites["country"].astype(str).str.strip().nunique() == 1:
            only = str(counts.sites["country"].iloc[0]).strip()
            if only:
                spec["country"], origin = only, "the site table's country"
    cal, flags = day_calendar(ts[0], ts[-1], **spec)
    if not spec["country"]:
        note = (
            "No holiday calendar: the data say nothing about where they were counted; set -p holiday_country "
            "(and holiday_subdivisions) to add public holidays."
        )
    else:
        where = spec["country"] + (f" ({', '.join(spec['subdivisions'])})" if spec["subdivisions"] else "")
        n = int(cal["holiday"].sum())
        note = f"Public holidays of {where} from {origin}: {n} in the period."
        if spec["home_regions"]:
            note += (
                f" Cross-border data: commuters' home regions {', '.join(spec['home_regions'])}; "
                f"{int(cal['home_holiday_not_work'].sum())} working days with a holiday at home only."
            )
    return cal, flags, note


def calendar_summary(flags: list[str]) -> str:
    """A few words on the holiday features: none, the counting place's, and the home regions' (cross-border)."""
    if not flags:
        return "no holiday calendar given"
    regions = [f.removeprefix("hol_").replace("_", "-") for f in flags if f.startswith("hol_")]
    text = "public holidays where counted" if "holiday" in flags else "no holidays where counted"
    return text + (f" and in the commuters' home regions {', '.join(regions)}" if regions else "")


def data_name(params: dict[str, Any]) -> str:
    """The name of a partner's counts for the pages (and of its one site, when it has no site column)."""
    return Path(str(params.get("data_path") or "").rstrip("/*")).name.split(".")[0] or "counts"


def _synthetic_world(frame: pd.DataFrame, counts: CountsData) -> tuple[nx.MultiDiGraph, pd.DataFrame]:
    """The simulator's network and its stations (the reference posts of the counts, with the simulator's
    capacity from the frame's truth column): what the decision section routes on."""
    G = build_embedded_network()
    sites = set(counts.wide.series["station_id"])
    posts = load_counting_posts()
    stations = attach_stations(G, posts[posts["station_id"].isin(sites)].reset_index(drop=True))
    capacity = frame.groupby("site", sort=False)["capacity_vph"].first()
    stations["capacity_vph_sim"] = stations["station_id"].map(capacity).to_numpy(float)
    return G, stations


def prepare(loaded: Any, sites: pd.DataFrame | None = None) -> PilotData:
    """The run's counts (``livinglab.Loaded``) and optional site table (the ``sites`` contract's frame) as
    ``PilotData``, with the holiday calendar of the run's parameters."""
    p = loaded.params
    frame = loaded.frame
    calendar = {
        "country": p["holiday_country"],
        "subdivisions": p["holiday_subdivisions"],
        "home_regions": p["commuter_regions"],
    }
    if loaded.is_synthetic:
        counts = counts_from_frame(frame[CONTRACT_COLUMNS], "tidy", source_name="synthetic counts", extras=[])
        counts.wide.series["direction_label"] = counts.wide.series["direction"].map(SYNTHETIC_DIRECTIONS)
        G, stations = _synthetic_world(frame, counts)
        counts.sites = stations[["station_id", "name", "road", "lon", "lat"]].assign(country="LU")
        counts.sites["station_id"] = counts.sites["station_id"].astype(str)
        cal, flags, note = build_calendar(counts, **calendar, default=TRI_BORDER)
        table = screen(counts.wide.values, counts.wide.series, counts.negative)
        line = sentence(table, len(counts.wide.series), "keep")  # the simulator writes none
        return PilotData(
            counts, cal, flags, note, True, G, stations, implausible=table, implausible_note=line
        )
    counts = counts_from_frame(
        frame,
        sniff_format(frame.columns),
        source_name=data_name(p),
        vehicle_class=p["vehicle_class"],
        sentinels=p["sentinel_values"],
        extras=list(loaded.applied.extra_columns) if loaded.applied is not None else [],
    )
    if sites is not None:
        counts.report.notes.extend(attach_site_table(counts, sites, p["sites_crs"]))
    table, line = screen_counts(counts, str(p.get("implausible") or "exclude"))
    cal, flags, note = build_calendar(counts, **calendar)
    return PilotData(counts, cal, flags, note, implausible=table, implausible_note=line)


def screen_counts(counts: CountsData, mode: str) -> tuple[pd.DataFrame, str]:
    """The implausible series of ``counts`` (``screen.screen``), left out when ``mode`` is "exclude"."""
    mode = mode.strip().lower()
    if mode not in MODES:
        raise CountsError(f"implausible must be one of {', '.join(MODES)}, not {mode!r}.")
    n_series = len(counts.wide.series)
    table = screen(counts.wide.values, counts.wide.series, counts.negative)
    if mode == "exclude" and len(table) == n_series:
        return table, sentence(table, n_series, "keep") + " All series are implausible: none was left out."
    line = sentence(table, n_series, mode)
    if mode == "exclude" and len(table):
        counts.drop_series(table["series"].to_numpy())
    return table, line


def counts_facts(counts: CountsData) -> dict[str, Any]:
    """What the run records about the counts and their cleaning (plain facts, no comparison)."""
    facts = counts.facts()
    report = counts.report
    return {
        "rows": counts.rows,
        "n_sites": facts["n_sites"],
        "n_series": facts["n_series"],
        "directions": facts["directions"],
        "missing_share": facts["missing_share"],
        "hours_excluded_sentinels": report.counts.get("sentinel_values_excluded", 0),
        "hours_missing_from_file": report.counts.get("hours_missing_from_the_file", 0),
        "covariates": facts["covariates"],
        "data_name": facts["data_name"],
        "period": f"{facts['period_start']} to {facts['period_end']}",
        "n_located_sites": 0
        if counts.sites is None
        else int(counts.sites[["lon", "lat"]].notna().all(axis=1).sum()),
    }
