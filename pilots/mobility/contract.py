"""The mobility pilot's data contracts: hourly traffic counts in three layouts, and an optional site table.

One design, ``counts``, reads a partner's file in whichever of three layouts it has (found from the file's
header, once the file is read: ``COUNTS``):

- tidy (``counts_tidy``, one row per site x hour [x direction x vehicle class]): ``site`` (optional: a file
  of one series is one site), ``timestamp`` or ``date`` + ``hour``, ``count``, optional ``direction`` and
  ``vehicle_class``; every other column is kept as a covariate (weather, events ...);
- wide (``counts_wide``, one row per site x day, 24 hour columns): ``site``, ``date``, optional
  ``direction`` and ``vehicle_class``; the hour columns (``0``..``23``, ``h01``..``h24``, ``00:00``,
  ``07-08`` ...) are found by name;
- the official Luxembourg file (``lu_official``, data.public.lu "PCH : Comptage trafic"): ``POSTE_ID``,
  ``DATECOM``, ``DIRECTION`` (1, 2; 3 = both summed), ``VEHICULE`` (U = all), ``P00_01`` ... ``P23_24``,
  with ``LOCALITE``, ``ROUTE``, ``SENS`` and LUREF coordinates ``COORD_X``/``COORD_Y`` as the site table.

``sites`` (the ``sites_path`` parameter, read by the core with this contract): ``site`` and coordinates as
``lon``/``lat`` or ``x``/``y`` in ``sites_crs``, optional ``road``, ``name``, ``country``.

Standalone: imports only livinglab, pandas and the standard library (the runner loads it by path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from livinglab.contract import Applied, Contract, Field

TIDY = Contract(
    "counts_tidy",
    "Hourly traffic counts (one row per hour)",
    fields=(
        Field(
            "site",
            "text",
            required=False,
            meaning="counting site id (absent: the file is one site)",
            aliases=(
                "station",
                "station_id",
                "site_id",
                "zaehlstelle",
                "counter",
                "detector",
                "poste_id",
                "zielstell",
            ),
        ),
        Field(
            "timestamp",
            "datetime",
            meaning="start of the hour (local time)",
            aliases=("datetime", "date_time", "time", "zeit", "periode"),
        ),
        Field(
            "date",
            "datetime",
            required=False,
            meaning="day (with hour)",
            aliases=("day", "datum", "jour", "dag"),
        ),
        Field(
            "hour",
            "hour",
            required=False,
            meaning="hour of day 0-23, 1-24 or HH:MM",
            aliases=("stunde", "heure", "stonn"),
        ),
        Field(
            "count",
            "number",
            meaning="vehicles in the hour (negative values are treated as missing-value codes)",
            aliases=(
                "traffic_volume",
                "volume",
                "flow",
                "anzahl",
                "vehicles",
                "comptage",
                "total",
                "fahrzeuge",
                "vehicules",
                "kfz",
                "zuel",
                "gefierer",
                "autoen",
            ),
        ),
        Field(
            "direction",
            "text",
            required=False,
            meaning="direction of travel, as the data name it",
            aliases=("richtung", "sens", "dir", "lane_direction"),
        ),
        Field(
            "vehicle_class",
            "text",
            required=False,
            meaning="vehicle class (one is chosen with -p vehicle_class, default: all vehicles)",
            aliases=("vehicle", "vehicule", "class", "fahrzeugklasse", "category"),
        ),
    ),
    alternatives={"timestamp": ("date", "hour")},
    extras="covariates (weather, events): numeric columns are used as observed at forecast time",
    keys=("site", "direction", "vehicle_class", "timestamp"),  # rows sharing them: the duplicates parameter
)

WIDE_COUNTS = Contract(
    "counts_wide",
    "Daily rows of hourly traffic counts (24 hour columns)",
    fields=(
        Field(
            "site",
            "text",
            required=False,
            meaning="counting site id (absent: the file is one site)",
            aliases=("station", "station_id", "site_id", "zaehlstelle", "counter", "poste_id"),
        ),
        Field("date", "datetime", meaning="the day", aliases=("day", "datum", "jour", "datecom")),
        Field(
            "direction", "text", required=False, meaning="direction of travel", aliases=("richtung", "sens")
        ),
        Field(
            "vehicle_class", "text", required=False, meaning="vehicle class", aliases=("vehicle", "vehicule")
        ),
    ),
    extras="the 24 hour columns (00..23, 1..24, h00, 07:00, 07-08, P07_08 ...) and other columns",
    keys=("site", "date", "direction", "vehicle_class"),
)

LU_OFFICIAL = Contract(
    "lu_official",
    "Official Luxembourg counts (data.public.lu, PCH : Comptage trafic)",
    fields=(
        Field("POSTE_ID", "text", meaning="counting post id"),
        Field("DATECOM", "datetime", meaning="day (YYYY-MM-DD)"),
        Field("DIRECTION", "text", meaning="1 or 2 (3 = both directions summed, dropped)"),
        Field("VEHICULE", "text", meaning="U = all vehicles, C = trucks, V = light vehicles"),
    ),
    extras="P00_01 ... P23_24 (the 24 hourly counts), SUM_TRAF, LOCALITE, ROUTE, SENS, D1, D2, COORD_X, COORD_Y",
    keys=("POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"),
)

SITES = Contract(
    "sites",
    "Counting sites (optional site table)",
    fields=(
        Field(
            "site",
            "text",
            meaning="counting site id, as in the counts",
            aliases=("station", "station_id", "id"),
        ),
        Field("lon", "number", required=False, meaning="longitude (WGS84)", aliases=("longitude", "lng")),
        Field("lat", "number", required=False, meaning="latitude (WGS84)", aliases=("latitude",)),
        Field("x", "number", required=False, meaning="easting in sites_crs", aliases=("coord_x", "easting")),
        Field(
            "y", "number", required=False, meaning="northing in sites_crs", aliases=("coord_y", "northing")
        ),
        Field("road", "text", required=False, meaning="road number or name", aliases=("route", "strasse")),
        Field(
            "name", "text", required=False, meaning="place name of the site", aliases=("localite", "location")
        ),
        Field(
            "country",
            "text",
            required=False,
            meaning="ISO country code of the site",
            aliases=("land", "pays"),
        ),
    ),
    extras="other site attributes (kept, not used)",
)

_HOUR_NAME = re.compile(
    r"^(?:[A-Za-z_ ]*?)(\d{1,2})(?:\s*(?::|h)\s*00)?(?:\s*(?:-|_|to|bis)\s*(\d{1,2})(?:\s*(?::|h)\s*00)?)?\s*(?:h)?$",
    re.IGNORECASE,
)


def hour_columns(columns) -> dict[str, int]:
    """The 24 hour columns among ``columns`` as name -> hour of day (0-23), or {} if there are not 24.

    Understands ``0``..``23``, ``1``..``24`` (hour ending), ``h00``, ``H1``, ``00:00``, ``7h``, ``07-08``,
    ``P07_08``, ``hour_7``, ``00:00-01:00``. The hour columns share one naming pattern (digits aside), so
    other names with a number (``D1``, ``D2``) are not taken for hours.
    """
    groups: dict[str, dict[str, int]] = {}
    for column in columns:
        name = str(column).strip()
        match = _HOUR_NAME.match(name)
        if match and (match.group(2) is None or int(match.group(2)) == int(match.group(1)) + 1):
            groups.setdefault(re.sub(r"\d+", "#", name), {})[str(column)] = int(match.group(1))
    for found in groups.values():
        hours = sorted(set(found.values()))
        if len(found) == 24 and hours == list(range(24)):
            return found
        if len(found) == 24 and hours == list(range(1, 25)):
            return {k: v - 1 for k, v in found.items()}
    return {}


def sniff_format(columns) -> str:
    """``lu_official``, ``wide`` or ``tidy`` from a file's column names."""
    upper = {str(c).strip().upper() for c in columns}
    if {"POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"} <= upper and "P00_01" in upper:
        return "lu_official"
    return "wide" if hour_columns(columns) else "tidy"


@dataclass
class Layouts(Contract):
    """A partner's counts in whichever layout the file has (tidy, wide or the official Luxembourg file):
    the layout is found from the header of the frame the core read (``sniff_format``), then that layout's
    contract maps, converts and checks it. Its fields are every layout's (so the core reads every id
    column as text); its checks and its table in the pilot card are each layout's own."""

    layouts: tuple[Contract, ...] = ()

    def layout_for(self, columns) -> Contract:
        return {c.name: c for c in self.layouts}[LAYOUTS[sniff_format(columns)]]

    def apply(
        self,
        frame: pd.DataFrame,
        columns: dict[str, str] | None = None,
        *,
        dayfirst: bool | None = None,
        **checks,
    ) -> Applied:
        layout = self.layout_for(frame.columns)
        applied = layout.apply(
            frame, columns, dayfirst=dayfirst, **checks
        )  # params, sample: the core's checks
        applied.notes.insert(0, f"layout: {layout.title}")
        return applied

    def propose(self, frame: pd.DataFrame) -> dict[str, str]:
        return self.layout_for(frame.columns).propose(frame)

    def check(self, frame: pd.DataFrame, where: str = "the data") -> pd.DataFrame:
        return self.layout_for(frame.columns).check(frame, where)

    def to_markdown(self) -> str:
        return "\n\n".join(f"#### {c.title} (`{c.name}`)\n\n{c.to_markdown()}" for c in self.layouts)


#: layout (``sniff_format``) -> its contract's name
LAYOUTS = {"tidy": "counts_tidy", "wide": "counts_wide", "lu_official": "lu_official"}


def _union(*contracts: Contract) -> tuple[Field, ...]:
    seen: dict[str, Field] = {}
    for contract in contracts:
        for f in contract.fields:
            seen.setdefault(
                f.name, Field(f.name, f.kind, required=False, meaning=f.meaning, aliases=f.aliases)
            )
    return tuple(seen.values())


COUNTS = Layouts(
    "counts",
    "Hourly traffic counts (a row per hour, a row per day with 24 hour columns, or an official yearly file)",
    fields=_union(TIDY, WIDE_COUNTS, LU_OFFICIAL),
    extras="covariates (tidy), the 24 hour columns (wide, official file) and other columns",
    layouts=(TIDY, WIDE_COUNTS, LU_OFFICIAL),
)
CONTRACTS = {"counts": COUNTS, "sites": SITES}
#: parameters ``livinglab inspect`` adds to its proposed command when a file fits a contract best
PARAMS_FOR = {"sites": {"sites_path": "<file>"}}

#: days a file of counts must cover: the backtest's three weeks of history and a test week
#: (``model.MIN_TRAIN_DAYS`` + 7; this module imports only livinglab and pandas)
MIN_DAYS = 28


def check_data(name: str, frame: pd.DataFrame, params: dict) -> None:
    """Checked on the whole file before any kernel starts (and again as the pilot reads it): the counts
    cover the days the backtest needs (the model's sentence)."""
    from livinglab.contract import ContractError

    if name != "counts":
        return
    column = next((c for c in ("timestamp", "date", "DATECOM") if c in frame), None)
    if column is None or not frame[column].notna().any():
        return
    times = pd.to_datetime(frame[column])
    days = int((times.max().normalize() - times.min().normalize()).days) + 1
    if days < MIN_DAYS:
        raise ContractError(
            f"the counts cover {days} days; the backtest needs at least {MIN_DAYS} "
            "(three weeks of history and a test week)."
        )
