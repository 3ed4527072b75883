"""Public holidays from the ``holidays`` package, for any country, and for cross-border data.

Two uses:

- ``day_calendar(start, end, country=..., subdivisions=..., home_regions=...)``: the calendar the
  forecasting model sees, built from parameters. ``country``/``subdivisions`` are where the counts are
  taken (``"US"`` with ``["MN"]``, ``"DE"`` with ``["BW"]``, ``"LU"``); ``home_regions`` are the
  commuters' home regions for cross-border data only (``["FR-57", "BE", "DE-SL"]``), which add the
  "holiday at home but not at work" flags. No country, no holiday flags (the run says so).
- ``holiday_calendar(start, end)``: the fixed Luxembourg tri-border calendar of the simulator and the
  advisor's day choice: ``LU``; ``FR`` with the Moselle subdivision 57 (where most French commuters live:
  it adds Good Friday and 26 December); ``BE``; ``DE-SL`` (Saarland) and ``DE-RP`` (Rhineland-Palatinate).
"""

from __future__ import annotations

import holidays
import numpy as np
import pandas as pd

from .reference import NEIGHBOUR_REGIONS, REGIONS

_HOLIDAY_SPECS = {
    "LU": ("LU", None),
    "FR": ("FR", "57"),
    "BE": ("BE", None),
    "DE-SL": ("DE", "SL"),
    "DE-RP": ("DE", "RP"),
}
#: the simulator's setting, as calendar parameters (Luxembourg, commuters from four neighbouring regions)
TRI_BORDER = {"country": "LU", "subdivisions": [], "home_regions": ["FR-57", "BE", "DE-SL", "DE-RP"]}


class CalendarError(ValueError):
    """A country or subdivision the ``holidays`` package does not know (the message lists valid ones)."""


def flag_name(region: str) -> str:
    """Column name of a region's holiday flag: ``hol_LU``, ``hol_DE_SL`` ..."""
    return "hol_" + region.replace("-", "_")


def parse_region(code: str) -> tuple[str, str | None]:
    """``"FR-57"`` -> ``("FR", "57")``, ``"BE"`` -> ``("BE", None)`` (ISO 3166 country and subdivision)."""
    country, _, subdiv = str(code).strip().partition("-")
    return country.upper(), (subdiv.upper() or None)


def _table(country: str, subdiv: str | None, years: list[int]):
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"The holidays package has no country {country!r}; use an ISO 3166 alpha-2 code such as "
            "'US', 'DE', 'FR', 'LU' (-p holiday_country ...), or leave it empty for no holiday calendar."
        )
    try:
        return holidays.country_holidays(country, subdiv=subdiv, years=years, language="en_US")
    except (NotImplementedError, ValueError):
        known = supported.get(country, [])
        raise CalendarError(
            f"{country} has no subdivision {subdiv!r} in the holidays package; valid ones: "
            f"{', '.join(known[:40]) or 'none'} (-p holiday_subdivisions '[...]')."
        ) from None


def _flags(days: pd.DatetimeIndex, country: str, subdiv: str | None) -> tuple[np.ndarray, pd.Series]:
    years = list(range(days[0].year, days[-1].year + 1))
    table = _table(country, subdiv, years)
    flag = days.isin(pd.DatetimeIndex(list(table.keys())))
    label = country + (f"-{subdiv}" if subdiv else "")
    names = pd.Series({pd.Timestamp(d): f"{label}: {n}" for d, n in table.items()}, dtype=object)
    return flag, names.reindex(days).fillna("")


def _join(a: pd.Series, b: pd.Series) -> pd.Series:
    return pd.Series(np.where((a != "") & (b != ""), a + "; " + b, a + b), index=a.index)


def day_calendar(
    start, end, *, country: str = "", subdivisions=(), home_regions=()
) -> tuple[pd.DataFrame, list[str]]:
    """One row per day with the holiday flags the model uses, and the names of those flag columns.

    Columns: ``weekday``; with a ``country``: ``holiday`` (a public holiday where the counts are taken,
    in any of ``subdivisions``), ``working_day`` (Monday-Friday and not a holiday), ``holiday_name``;
    with ``home_regions`` (cross-border data): ``hol_<region>`` per home region and
    ``home_holiday_not_work`` (a working day at the counters with a holiday in at least one home region).
    """
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    if len(days) == 0:
        raise ValueError(f"day_calendar: end {end} is before start {start}.")
    frame = pd.DataFrame(index=days)
    frame.index.name = "date"
    frame["weekday"] = days.weekday
    names = pd.Series("", index=days, dtype=object)
    model_flags: list[str] = []
    country = str(country or "").strip().upper()
    if country:
        work = np.zeros(len(days), bool)
        for subdiv in list(subdivisions or []) or [None]:
            flag, label = _flags(days, country, str(subdiv).upper() if subdiv else None)
            work |= flag
            names = _join(names, label)
        frame["holiday"] = work
        model_flags.append("holiday")
    else:
        frame["holiday"] = False
    frame["working_day"] = (frame["weekday"] < 5) & ~frame["holiday"]
    regions = [str(r).strip() for r in (home_regions or []) if str(r).strip()]
    if regions:
        any_home = np.zeros(len(days), bool)
        for region in regions:
            flag, label = _flags(days, *parse_region(region))
            frame[flag_name(region)] = flag
            model_flags.append(flag_name(region))
            any_home |= flag
            names = _join(names, label.where(~pd.Series(flag & frame["holiday"].to_numpy(), index=days), ""))
        frame["home_holiday_not_work"] = frame["working_day"] & any_home
        model_flags.append("home_holiday_not_work")
    frame["holiday_name"] = names.to_numpy()
    return frame, model_flags


def holiday_calendar(start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end`` (inclusive) with the holiday flag of every tri-border region.

    Columns: ``hol_LU``, ``hol_FR``, ``hol_BE``, ``hol_DE_SL``, ``hol_DE_RP`` (bool), ``weekday``
    (0 = Monday), ``lu_working_day`` (Monday-Friday and not a Luxembourg holiday), ``border_holiday``
    (a working day in Luxembourg with a holiday in at least one neighbouring region) and
    ``holiday_name`` (names, ``; ``-joined, empty when none). The simulator's calendar.
    """
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    if len(days) == 0:
        raise ValueError(f"holiday_calendar: end {end} is before start {start}.")
    frame = pd.DataFrame(index=days)
    names = pd.Series("", index=days, dtype=object)
    for region in REGIONS:
        flag, label = _flags(days, *_HOLIDAY_SPECS[region])
        frame[flag_name(region)] = flag
        names = _join(names, label.str.replace(r"^[A-Z]{2}(-\w+)?:", f"{region}:", regex=True))
    frame["weekday"] = days.weekday
    frame["lu_working_day"] = (frame["weekday"] < 5) & ~frame["hol_LU"]
    neighbour = frame[[flag_name(r) for r in NEIGHBOUR_REGIONS]].any(axis=1)
    frame["border_holiday"] = frame["lu_working_day"] & neighbour
    frame["holiday_name"] = names.to_numpy()
    frame.index.name = "date"
    return frame


def home_holiday_exposure(calendar: pd.DataFrame, shares: pd.DataFrame) -> np.ndarray:
    """Days x stations: the share of a station's traffic whose home region has a holiday on a LU working day.

    The simulator's holiday driver (``shares`` is its assumed origin mix): never given to the model.
    """
    flags = np.column_stack([calendar[flag_name(r)].to_numpy(dtype=float) for r in NEIGHBOUR_REGIONS])
    mix = shares[list(NEIGHBOUR_REGIONS)].to_numpy(dtype=float)
    working = calendar["lu_working_day"].to_numpy(dtype=float)[:, None]
    return (flags @ mix.T) * working
