"""Loaders for real traffic data, each validated with a pandera schema before any model sees it.

- ``read_official_counts``: the data.public.lu "PCH : Comptage trafic" yearly file (one row per
  post x day x direction x vehicle class with 24 hourly columns ``P00_01`` ... ``P23_24``) to a tidy
  hourly frame ``station_id, direction, timestamp, count``.
- ``parse_datex2``: a CITA DATEX II (v2) measured-data document (site id, time, road, direction,
  latitude, longitude, speed, occupancy, vehicle flow rate) to a frame.

Malformed input gets a clear error (missing columns, unreadable file, no usable rows) or a reported,
counted cleaning step (non-numeric or negative counts, duplicated rows, unknown posts, bad dates or
directions, SUM_TRAF mismatches), never a silent change: every step is in the returned
``CleaningReport``.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

HOUR_COLUMNS = [f"P{h:02d}_{h + 1:02d}" for h in range(24)]
KEY_COLUMNS = ["POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"]
META_COLUMNS = ["SUM_TRAF", "LOCALITE", "ROUTE", "SENS", "D1", "D2", "COORD_X", "COORD_Y"]
OFFICIAL_COLUMNS = KEY_COLUMNS + HOUR_COLUMNS + META_COLUMNS


class CountsFormatError(ValueError):
    """The counts file cannot be read as the official format (the message says what is wrong)."""


class DatexFormatError(ValueError):
    """The document is not a usable DATEX II measured-data publication."""


@dataclass
class CleaningReport:
    """What a loader changed, counted: ``counts[issue]`` rows or values, with a few ``examples``."""

    source: str
    rows_in: int = 0
    rows_out: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list] = field(default_factory=dict)

    def add(self, issue: str, n: int, examples=None) -> None:
        if n:
            self.counts[issue] = self.counts.get(issue, 0) + int(n)
            if examples is not None:
                self.examples.setdefault(issue, []).extend(list(examples)[:5])

    @property
    def clean(self) -> bool:
        return not self.counts

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "counts": dict(self.counts),
            "examples": {k: [str(x) for x in v] for k, v in self.examples.items()},
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"issue": k, "count": v, "examples": ", ".join(map(str, self.examples.get(k, [])))}
                for k, v in self.counts.items()
            ],
            columns=["issue", "count", "examples"],
        )

    def __str__(self) -> str:
        head = f"{self.source}: {self.rows_in} rows in, {self.rows_out} out"
        if self.clean:
            return head + ", nothing cleaned."
        return head + "; " + "; ".join(f"{k}: {v}" for k, v in self.counts.items())


RAW_SCHEMA = pa.DataFrameSchema(
    {
        "POSTE_ID": pa.Column(str, pa.Check.str_length(min_value=1)),
        "DATECOM": pa.Column("datetime64[ns]"),
        "DIRECTION": pa.Column("int64", pa.Check.isin([1, 2, 3])),
        "VEHICULE": pa.Column(str, pa.Check.isin(["U", "C", "V"])),
        **{h: pa.Column(float, pa.Check.ge(0), nullable=True) for h in HOUR_COLUMNS},
    },
    unique=["POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"],
    strict=False,
    name="official PCH counts (cleaned)",
)

TIDY_SCHEMA = pa.DataFrameSchema(
    {
        "station_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "direction": pa.Column("int8", pa.Check.isin([1, 2])),
        "timestamp": pa.Column("datetime64[ns]"),
        "count": pa.Column("float32", pa.Check.ge(0), nullable=True),
    },
    unique=["station_id", "direction", "timestamp"],
    strict=True,
    name="tidy hourly counts",
)

DATEX_SCHEMA = pa.DataFrameSchema(
    {
        "site_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "time": pa.Column("datetime64[ns]"),
        "road": pa.Column(str, nullable=True),
        "direction": pa.Column(str, nullable=True),
        "lat": pa.Column(float, pa.Check.in_range(-90, 90), nullable=True),
        "lon": pa.Column(float, pa.Check.in_range(-180, 180), nullable=True),
        "speed_kmh": pa.Column(float, pa.Check.in_range(0, 300), nullable=True),
        "occupancy_pct": pa.Column(float, pa.Check.in_range(0, 100), nullable=True),
        "flow_vph": pa.Column(float, pa.Check.ge(0), nullable=True),
    },
    unique=["site_id", "time"],
    strict=True,
    name="DATEX II measurements",
)


def _read_table(source) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), "DataFrame"
    path = Path(source)
    if not path.is_file():
        raise CountsFormatError(f"Counts file {path} does not exist.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]), path.name
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=str), path.name
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if not members:
                    raise CountsFormatError(f"{path.name} holds no .csv file.")
                with archive.open(members[0]) as fh:
                    return pd.read_csv(
                        fh, dtype=str, keep_default_na=False, na_values=[""]
                    ), f"{path.name}:{members[0]}"
    except (pd.errors.ParserError, UnicodeDecodeError, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, CountsFormatError):
            raise
        raise CountsFormatError(f"{path.name} cannot be read as a counts table: {exc}") from exc
    raise CountsFormatError(f"{path.name}: unsupported file type {suffix!r}; expected .csv, .xlsx or .zip.")


def read_official_counts(
    source, *, vehicle: str = "U", known_posts=None, check_sum: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, CleaningReport]:
    """The official yearly counts file (path or frame) as a tidy hourly frame, its posts and a report.

    Keeps vehicle class ``vehicle`` (``U`` = all vehicles) and directions 1 and 2 (direction 3 is
    their sum). ``known_posts``, when given, is the set of POSTE_IDs the caller knows: rows of other
    posts are dropped and counted. Raises ``CountsFormatError`` for a file that is not in the format.
    """
    raw, name = _read_table(source)
    report = CleaningReport(source=name, rows_in=len(raw))
    raw.columns = [str(c).strip().upper() for c in raw.columns]
    missing_keys = [c for c in KEY_COLUMNS if c not in raw.columns]
    missing_hours = [c for c in HOUR_COLUMNS if c not in raw.columns]
    if missing_keys or missing_hours:
        parts = []
        if missing_keys:
            parts.append(f"missing key column(s) {', '.join(missing_keys)}")
        if missing_hours:
            parts.append(f"missing hour column(s) {', '.join(missing_hours)}")
        raise CountsFormatError(
            f"{name} is not in the official counts format: {'; '.join(parts)} "
            f"(expected {', '.join(KEY_COLUMNS)}, P00_01 ... P23_24)."
        )
    if raw.empty:
        raise CountsFormatError(f"{name} has no rows.")

    df = raw.copy()
    df["POSTE_ID"] = df["POSTE_ID"].astype(str).str.strip()
    df["VEHICULE"] = df["VEHICULE"].astype(str).str.strip().str.upper()
    date = pd.to_datetime(df["DATECOM"].astype(str).str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    bad_date = date.isna()
    report.add("invalid_date_rows_dropped", bad_date.sum(), df.loc[bad_date, "DATECOM"])
    df["DATECOM"] = date
    direction = pd.to_numeric(df["DIRECTION"], errors="coerce")
    bad_dir = ~direction.isin([1, 2, 3])
    report.add("invalid_direction_rows_dropped", (bad_dir & ~bad_date).sum(), df.loc[bad_dir, "DIRECTION"])
    df["DIRECTION"] = direction
    df = df[~bad_date & ~bad_dir].copy()
    df["DIRECTION"] = df["DIRECTION"].astype("int64")

    present_vehicles = sorted(df["VEHICULE"].unique())
    df = df[df["VEHICULE"] == vehicle]
    if df.empty:
        raise CountsFormatError(
            f"{name} has no usable rows with VEHICULE == {vehicle!r} "
            f"(classes present: {', '.join(present_vehicles) or 'none'})."
        )
    both = df["DIRECTION"] == 3
    report.add("direction_3_sum_rows_dropped", both.sum())
    df = df[~both]

    if known_posts is not None:
        known = {str(p).strip() for p in known_posts}
        unknown = ~df["POSTE_ID"].isin(known)
        report.add("unknown_post_rows_dropped", unknown.sum(), sorted(df.loc[unknown, "POSTE_ID"].unique()))
        df = df[~unknown]

    text = df[HOUR_COLUMNS].astype(str).apply(lambda s: s.str.strip().str.replace(",", ".", regex=False))
    values = text.apply(pd.to_numeric, errors="coerce")
    blank = text.isin(["", "nan", "None", "NaN", "<NA>"])
    non_numeric = values.isna() & ~blank
    report.add(
        "non_numeric_counts_set_missing",
        int(non_numeric.to_numpy().sum()),
        text.to_numpy()[non_numeric.to_numpy()][:5],
    )
    negative = values < 0
    report.add(
        "negative_counts_set_missing",
        int(negative.to_numpy().sum()),
        values.to_numpy()[negative.to_numpy()][:5],
    )
    values = values.mask(negative)
    df[HOUR_COLUMNS] = values.astype(float)

    if check_sum and "SUM_TRAF" in df.columns:
        total = pd.to_numeric(df["SUM_TRAF"], errors="coerce")
        complete = df[HOUR_COLUMNS].notna().all(axis=1) & total.notna()
        mismatch = complete & ((df[HOUR_COLUMNS].sum(axis=1) - total).abs() > 0.5)
        report.add(
            "sum_traf_mismatch_rows_kept",
            mismatch.sum(),
            (df.loc[mismatch, "POSTE_ID"] + " " + df.loc[mismatch, "DATECOM"].dt.strftime("%Y-%m-%d")),
        )

    key = ["POSTE_ID", "DATECOM", "DIRECTION", "VEHICULE"]
    exact = df.duplicated(subset=key + HOUR_COLUMNS, keep="first")
    report.add("exact_duplicate_rows_dropped", exact.sum())
    df = df[~exact]
    conflicting = df.duplicated(subset=key, keep=False)
    report.add(
        "conflicting_duplicate_rows_dropped",
        conflicting.sum(),
        (
            df.loc[conflicting, "POSTE_ID"] + " " + df.loc[conflicting, "DATECOM"].dt.strftime("%Y-%m-%d")
        ).unique(),
    )
    df = df[~conflicting]
    if df.empty:
        raise CountsFormatError(f"{name}: no rows left after cleaning ({report}).")

    RAW_SCHEMA.validate(df, lazy=True)
    tidy = _wide_to_tidy(df)
    TIDY_SCHEMA.validate(tidy, lazy=True)
    report.rows_out = len(df)
    return tidy, _posts_table(df), report


def _wide_to_tidy(df: pd.DataFrame) -> pd.DataFrame:
    n = len(df)
    hours = np.tile(np.arange(24, dtype="timedelta64[h]"), n)
    tidy = pd.DataFrame(
        {
            "station_id": np.repeat(df["POSTE_ID"].to_numpy(dtype=object), 24),
            "direction": np.repeat(df["DIRECTION"].to_numpy(), 24).astype(np.int8),
            "timestamp": np.repeat(df["DATECOM"].to_numpy(dtype="datetime64[ns]"), 24)
            + hours.astype("timedelta64[ns]"),
            "count": df[HOUR_COLUMNS].to_numpy(dtype=np.float32).ravel(),
        }
    )
    tidy["station_id"] = tidy["station_id"].astype(str)
    return tidy.sort_values(["station_id", "direction", "timestamp"], kind="stable").reset_index(drop=True)


def _posts_table(df: pd.DataFrame) -> pd.DataFrame:
    meta = [c for c in ("LOCALITE", "ROUTE", "COORD_X", "COORD_Y") if c in df.columns]
    posts = (
        df.groupby("POSTE_ID", sort=True)[meta].first().reset_index()
        if meta
        else pd.DataFrame({"POSTE_ID": sorted(df["POSTE_ID"].unique())})
    )
    posts = posts.rename(columns={"POSTE_ID": "station_id", "LOCALITE": "name", "ROUTE": "road"})
    if {"COORD_X", "COORD_Y"} <= set(posts.columns):
        from pyproj import Transformer

        x = pd.to_numeric(posts.pop("COORD_X"), errors="coerce").to_numpy()
        y = pd.to_numeric(posts.pop("COORD_Y"), errors="coerce").to_numpy()
        lon, lat = Transformer.from_crs("EPSG:2169", "EPSG:4326", always_xy=True).transform(x, y)
        posts["x"], posts["y"], posts["lat"], posts["lon"] = x, y, lat, lon
    return posts


def complete_hourly_grid(tidy: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Every series on every hour of the overall range (missing hours as NaN) and how many were added."""
    t0, t1 = tidy["timestamp"].min(), tidy["timestamp"].max()
    grid = pd.date_range(t0, t1, freq="h")
    keys = tidy[["station_id", "direction"]].drop_duplicates()
    index = pd.MultiIndex.from_arrays(
        [
            np.repeat(keys["station_id"].to_numpy(), len(grid)),
            np.repeat(keys["direction"].to_numpy(), len(grid)),
            np.tile(grid.to_numpy(), len(keys)),
        ],
        names=["station_id", "direction", "timestamp"],
    )
    full = tidy.set_index(["station_id", "direction", "timestamp"])["count"].reindex(index).reset_index()
    full["direction"] = full["direction"].astype(np.int8)
    full["count"] = full["count"].astype(np.float32)
    return full, int(len(full) - len(tidy))


def to_official_format(counts: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Hourly counts (station_id, direction, timestamp, count) written in the official daily-row format.

    Adds the direction-3 rows (sum of both directions), ``VEHICULE = "U"``, ``SUM_TRAF`` and the
    metadata columns (``COORD_X``/``COORD_Y`` in LUREF from the stations' ``x``/``y``). Used to
    exercise the loader on synthetic data and to export simulated data for other tools.
    """
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
    out["LOCALITE"] = post.map(meta["name"]) if "name" in meta else ""
    out["ROUTE"] = post.map(meta["road"]) if "road" in meta else ""
    toward = np.select(
        [out["DIRECTION"] == 1, out["DIRECTION"] == 2], ["vers Luxembourg", "depuis Luxembourg"], "deux sens"
    )
    out["SENS"] = out["ROUTE"].astype(str) + " " + toward
    out["D1"], out["D2"] = out["LOCALITE"], "Luxembourg"
    out["COORD_X"] = post.map(meta["x"]).round(2) if "x" in meta else np.nan
    out["COORD_Y"] = post.map(meta["y"]).round(2) if "y" in meta else np.nan
    out["DATECOM"] = out["DATECOM"].dt.strftime("%Y-%m-%d")
    return out.sort_values(["POSTE_ID", "DATECOM", "DIRECTION"]).reset_index(drop=True)[OFFICIAL_COLUMNS]


# --- DATEX II -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_text(element: ET.Element, *names: str) -> str | None:
    for node in element.iter():
        if _local(node.tag) in names and node.text and node.text.strip():
            return node.text.strip()
    return None


def _read_xml(source, what: str) -> tuple[ET.Element, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), f"{what} (bytes)"
    else:
        path = Path(source)
        if not path.is_file():
            raise DatexFormatError(f"DATEX II file {path} does not exist.")
        data, name = path.read_bytes(), path.name
    try:
        return ET.parse(io.BytesIO(data)).getroot(), name
    except ET.ParseError as exc:
        raise DatexFormatError(
            f"{name} is not well-formed XML ({exc}); expected a DATEX II document."
        ) from exc


def parse_datex2(
    source, *, site_table=None, timezone: str = "Europe/Luxembourg"
) -> tuple[pd.DataFrame, CleaningReport]:
    """A DATEX II v2 ``MeasuredDataPublication`` as a frame, located with its measurement-site table.

    The site table (``MeasurementSiteTablePublication``) may sit in the same document or come as
    ``site_table`` (path or bytes). Reads, namespace-agnostically, the site records
    (``measurementSiteRecord``: road number, direction, latitude, longitude) and the
    ``siteMeasurements`` (time, ``vehicleFlowRate`` veh/h,
    ``averageVehicleSpeed``/``speed`` km/h, ``occupancy``/``percentage`` %). Times are converted to
    local clock time (naive, like the official counts). Non-numeric or out-of-range values become
    missing and are counted; measurements of sites without a site record keep missing coordinates
    and are counted.
    """
    root, name = _read_xml(source, "DATEX II measurements")
    roots = [root] + ([_read_xml(site_table, "DATEX II site table")[0]] if site_table is not None else [])
    report = CleaningReport(source=name)

    sites = {}
    for record in (node for r in roots for node in r.iter()):
        if _local(record.tag) != "measurementSiteRecord":
            continue
        site_id = record.get("id")
        if not site_id:
            continue
        sites[site_id] = {
            "road": _first_text(record, "roadNumber"),
            "direction": _first_text(
                record, "directionBoundOnLinearSection", "directionBound", "directionRelative"
            ),
            "lat": _first_text(record, "latitude"),
            "lon": _first_text(record, "longitude"),
        }

    rows = []
    for block in root.iter():
        if _local(block.tag) != "siteMeasurements":
            continue
        ref = next((c for c in block if _local(c.tag) == "measurementSiteReference"), None)
        site_id = ref.get("id") if ref is not None else None
        rows.append(
            {
                "site_id": site_id,
                "time": _first_text(block, "measurementTimeDefault"),
                "flow_vph": _first_text(block, "vehicleFlowRate"),
                "speed_kmh": _first_text(block, "speed"),
                "occupancy_pct": _first_text(block, "percentage"),
            }
        )
    if not rows:
        raise DatexFormatError(f"{name} has no siteMeasurements: is it a DATEX II MeasuredDataPublication?")
    frame = pd.DataFrame(rows)
    report.rows_in = len(frame)
    no_id = frame["site_id"].isna()
    report.add("measurements_without_site_id_dropped", no_id.sum())
    frame = frame[~no_id]
    time = pd.to_datetime(frame["time"], utc=True, errors="coerce")
    report.add("invalid_time_dropped", time.isna().sum(), frame.loc[time.isna(), "time"])
    frame = frame[time.notna()].copy()
    frame["time"] = time[time.notna()].dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[ns]")
    bounds = {"flow_vph": (0, np.inf), "speed_kmh": (0, 300), "occupancy_pct": (0, 100)}
    for col, (low, high) in bounds.items():
        numeric = pd.to_numeric(frame[col], errors="coerce")
        report.add(
            f"non_numeric_{col}_set_missing",
            (numeric.isna() & frame[col].notna()).sum(),
            frame.loc[numeric.isna() & frame[col].notna(), col],
        )
        out_of_range = (numeric < low) | (numeric > high)
        report.add(f"out_of_range_{col}_set_missing", out_of_range.sum(), numeric[out_of_range])
        frame[col] = numeric.mask(out_of_range).astype(float)
    meta = pd.DataFrame.from_dict(sites, orient="index")
    if meta.empty:
        meta = pd.DataFrame(columns=["road", "direction", "lat", "lon"])
    meta.index.name = "site_id"
    frame = frame.join(meta, on="site_id")
    unknown = ~frame["site_id"].isin(sites)
    report.add("measurements_without_site_record", unknown.sum(), frame.loc[unknown, "site_id"].unique())
    for col in ("lat", "lon"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    duplicated = frame.duplicated(subset=["site_id", "time"], keep="first")
    report.add("duplicate_measurements_dropped", duplicated.sum())
    frame = frame[~duplicated]
    frame["site_id"] = frame["site_id"].astype(str)
    for col in ("road", "direction"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    out = frame[
        ["site_id", "time", "road", "direction", "lat", "lon", "speed_kmh", "occupancy_pct", "flow_vph"]
    ]
    out = out.sort_values(["site_id", "time"]).reset_index(drop=True)
    DATEX_SCHEMA.validate(out, lazy=True)
    report.rows_out = len(out)
    return out, report
