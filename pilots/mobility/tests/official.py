"""Counts written in the official Luxembourg format (data.public.lu "PCH : Comptage trafic"), for the tests.

The yearly file has one row per post x day x direction (1, 2, and 3 = both summed) x vehicle class, with the
24 hourly counts in ``P00_01`` ... ``P23_24`` and the post's place, road, direction text and LUREF
coordinates. Writing simulated counts in that layout lets the tests read them back through the pilot's one
way in (``livinglab.load`` with the ``lu_official`` layout) and compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HOUR_COLUMNS = [f"P{h:02d}_{h + 1:02d}" for h in range(24)]
KEY_COLUMNS = ["POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"]
META_COLUMNS = ["SUM_TRAF", "LOCALITE", "ROUTE", "SENS", "D1", "D2", "COORD_X", "COORD_Y"]
OFFICIAL_COLUMNS = KEY_COLUMNS + HOUR_COLUMNS + META_COLUMNS


def to_official_format(counts: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Hourly counts (station_id, direction, timestamp, count) in the official daily-row format, with the
    direction-3 rows (sum of both directions), ``VEHICULE = "U"``, ``SUM_TRAF`` and the metadata columns
    (``COORD_X``/``COORD_Y`` in LUREF from the stations' ``x``/``y``)."""
    df = counts.copy()
    df["DATECOM"] = df["timestamp"].dt.normalize()
    df["hour"] = df["timestamp"].dt.hour
    wide = df.pivot_table(
        index=["station_id", "DATECOM", "direction"],
        columns="hour",
        values="count",
        aggfunc="first",
        dropna=False,
        observed=True,
    )
    wide = wide.reindex(columns=range(24))
    wide.columns = HOUR_COLUMNS
    wide = wide.reset_index().rename(columns={"station_id": "POSTE_ID", "direction": "DIRECTION"})
    both = wide.groupby(["POSTE_ID", "DATECOM"], observed=True)[HOUR_COLUMNS].sum(min_count=2).reset_index()
    both["DIRECTION"] = 3
    out = pd.concat([wide, both], ignore_index=True)
    out["VEHICULE"] = "U"
    out["SUM_TRAF"] = out[HOUR_COLUMNS].sum(axis=1, min_count=24)
    meta = stations.set_index("station_id")
    post = out["POSTE_ID"].astype(str)
    out["POSTE_ID"] = post
    out["LOCALITE"] = post.map(meta["name"])
    out["ROUTE"] = post.map(meta["road"])
    toward = np.select(
        [out["DIRECTION"] == 1, out["DIRECTION"] == 2], ["vers Luxembourg", "depuis Luxembourg"], "deux sens"
    )
    out["SENS"] = out["ROUTE"].astype(str) + " " + toward
    out["D1"], out["D2"] = out["LOCALITE"], "Luxembourg"
    out["COORD_X"] = post.map(meta["x"]).round(2)
    out["COORD_Y"] = post.map(meta["y"]).round(2)
    out["DATECOM"] = out["DATECOM"].dt.strftime("%Y-%m-%d")
    return out.sort_values(["POSTE_ID", "DATECOM", "DIRECTION"]).reset_index(drop=True)[OFFICIAL_COLUMNS]
