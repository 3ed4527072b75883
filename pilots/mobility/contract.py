"""The mobility pilot's data contracts: hourly traffic counts in three layouts, and an optional site table.

- ``counts`` (tidy, one row per site x hour [x direction x vehicle class]): ``site`` (optional: a file of
  one series is one site), ``timestamp`` or ``date`` + ``hour``, ``count``, optional ``direction`` and
  ``vehicle_class``; every other column is kept as a covariate (weather, events ...).
- ``counts_wide`` (one row per site x day, 24 hour columns): ``site``, ``date``, optional ``direction`` and
  ``vehicle_class``; the hour columns (``0``..``23``, ``h01``..``h24``, ``00:00``, ``07-08`` ...) are found
  by name.
- ``lu_official`` (the data.public.lu "PCH : Comptage trafic" yearly file): ``POSTE_ID``, ``DATECOM``,
  ``DIRECTION`` (1, 2; 3 = both summed), ``VEHICULE`` (U = all), ``P00_01`` ... ``P23_24``, with
  ``LOCALITE``, ``ROUTE``, ``SENS`` and LUREF coordinates ``COORD_X``/``COORD_Y`` as the site table.
- ``sites`` (the ``sites_path`` parameter): ``site`` and coordinates as ``lon``/``lat`` or ``x``/``y`` in
  ``sites_crs``, optional ``road``, ``name``, ``country``.

The layout is chosen by the ``counts_format`` parameter: ``auto`` (default) looks at the file's header.
Standalone: imports only livinglab and pandas (the runner loads it by path).
"""

from __future__ import annotations

import re

from livinglab.contract import Contract, Field

COUNTS = Contract(
    "counts",
    "Hourly traffic counts",
    fields=(
        Field(
            "site",
            "text",
            required=False,
            meaning="counting site id (absent: the file is one site)",
            aliases=("station", "station_id", "site_id", "zaehlstelle", "counter", "detector", "poste_id"),
        ),
        Field(
            "timestamp",
            "datetime",
            meaning="start of the hour (local time)",
            aliases=("datetime", "date_time", "time", "zeit", "periode"),
        ),
        Field(
            "date", "datetime", required=False, meaning="day (with hour)", aliases=("day", "datum", "jour")
        ),
        Field(
            "hour",
            "hour",
            required=False,
            meaning="hour of day 0-23, 1-24 or HH:MM",
            aliases=("stunde", "heure"),
        ),
        Field(
            "count",
            "number",
            meaning="vehicles in the hour (negative values are treated as missing-value codes)",
            aliases=("traffic_volume", "volume", "flow", "anzahl", "vehicles", "comptage", "total"),
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

CONTRACTS = {c.name: c for c in (COUNTS, WIDE_COUNTS, LU_OFFICIAL, SITES)}
PARAMS_FOR = {
    "counts": {"counts_format": "tidy"},
    "counts_wide": {"counts_format": "wide"},
    "lu_official": {"counts_format": "lu_official"},
    "sites": {"sites_path": "<file>"},
}
FORMATS = ("auto", "tidy", "wide", "lu_official")

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


def _header(data_path: str, read_options: dict | None) -> list[str]:
    from livinglab.contract import split_read_options
    from livinglab.reader import read_table

    options, _ = split_read_options(read_options)
    frame, _ = read_table(data_path, **options, sample_bytes=1 << 16)
    return list(frame.columns)


def counts_format(params: dict) -> str:
    """The layout a run's parameters select (``auto`` looks at the header of ``data_path``)."""
    chosen = str(params.get("counts_format") or "auto")
    if chosen not in FORMATS:
        raise ValueError(f"counts_format must be one of {', '.join(FORMATS)}, not {chosen!r}.")
    if chosen != "auto":
        return chosen
    path = str(params.get("data_path") or "").strip()
    return sniff_format(_header(path, params.get("read_options"))) if path else "tidy"


def contract_for(params: dict) -> Contract:
    """The counts contract for a run's parameters."""
    return {"tidy": COUNTS, "wide": WIDE_COUNTS, "lu_official": LU_OFFICIAL}[counts_format(params)]
