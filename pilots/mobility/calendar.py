"""Public holidays of Luxembourg and of the commuters' home regions, from the ``holidays`` package.

Regions: ``LU``; ``FR`` (France with the Moselle subdivision 57, where most French commuters live:
it adds Good Friday and 26 December); ``BE``; ``DE-SL`` (Saarland) and ``DE-RP``
(Rhineland-Palatinate).
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


def flag_name(region: str) -> str:
    """Column name of a region's holiday flag: ``hol_LU``, ``hol_DE_SL`` ..."""
    return "hol_" + region.replace("-", "_")


def holiday_calendar(start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end`` (inclusive) with the holiday flag of every region.

    Columns: ``hol_LU``, ``hol_FR``, ``hol_BE``, ``hol_DE_SL``, ``hol_DE_RP`` (bool), ``weekday``
    (0 = Monday), ``lu_working_day`` (Monday-Friday and not a Luxembourg holiday), ``border_holiday``
    (a working day in Luxembourg with a holiday in at least one neighbouring region) and
    ``holiday_name`` (names, ``; ``-joined, empty when none).
    """
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    if len(days) == 0:
        raise ValueError(f"holiday_calendar: end {end} is before start {start}.")
    years = list(range(days[0].year, days[-1].year + 1))
    frame = pd.DataFrame(index=days)
    names = pd.Series("", index=days, dtype=object)
    for region in REGIONS:
        country, subdiv = _HOLIDAY_SPECS[region]
        table = holidays.country_holidays(country, subdiv=subdiv, years=years, language="en_US")
        dates = pd.DatetimeIndex(list(table.keys()))
        flag = days.isin(dates)
        frame[flag_name(region)] = flag
        labels = pd.Series({pd.Timestamp(d): f"{region}: {n}" for d, n in table.items()})
        labels = labels.reindex(days).fillna("")
        names = np.where((names != "") & (labels != ""), names + "; " + labels, names + labels)
        names = pd.Series(names, index=days)
    frame["weekday"] = days.weekday
    frame["lu_working_day"] = (frame["weekday"] < 5) & ~frame["hol_LU"]
    neighbour = frame[[flag_name(r) for r in NEIGHBOUR_REGIONS]].any(axis=1)
    frame["border_holiday"] = frame["lu_working_day"] & neighbour
    frame["holiday_name"] = names.to_numpy()
    frame.index.name = "date"
    return frame


def home_holiday_exposure(calendar: pd.DataFrame, shares: pd.DataFrame) -> np.ndarray:
    """Days x stations: the share of a station's traffic whose home region has a holiday on a LU working day.

    ``shares`` has one row per station and a column per region (``network.region_shares``). The
    result is 0 on Luxembourg holidays and weekends (everyone is off then anyway).
    """
    flags = np.column_stack([calendar[flag_name(r)].to_numpy(dtype=float) for r in NEIGHBOUR_REGIONS])
    mix = shares[list(NEIGHBOUR_REGIONS)].to_numpy(dtype=float)
    working = calendar["lu_working_day"].to_numpy(dtype=float)[:, None]
    return (flags @ mix.T) * working
