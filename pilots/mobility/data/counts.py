"""Anyone's hourly counts, in any of the contract's layouts, as one (series x hours) array with a report.

``counts_from_frame(frame, layout, ...)`` takes the frame ``livinglab.load`` read and checked against the
contract, and returns ``CountsData``: the counts on a complete hourly grid per series (site x direction), the
covariates (numeric or few-valued columns the file carries besides the counts, e.g. weather), the site
table when coordinates exist, and a ``CountsReport`` that counts every hour that is missing or excluded
and why (missing in the file, a sentinel code, an incomplete hour of sub-hourly data, a duplicate).

Directions and their meaning come from the data: labels are the file's own (with the official file's
``SENS`` text); a file without a direction column has one series per site. A file without a site column
is one site, named after the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract import hour_columns
from ..model.features import CountsError, WideCounts, to_wide

LONLAT_NAMES = {"lon": ("lon", "lng", "long", "longitude"), "lat": ("lat", "latitude")}
XY_NAMES = {"x": ("x", "coord_x", "easting"), "y": ("y", "coord_y", "northing")}
TOTAL_CLASSES = ("u", "all", "total", "tot", "alle", "tous", "sum", "kfz", "gesamt")
MAX_CATEGORIES = 30
LUXEMBOURG_BBOX = (5.73, 49.44, 6.53, 50.19)  # lon/lat


@dataclass
class CountsReport:
    """What happened to the counts on their way to the model: ``counts[issue]`` hours (or rows), examples."""

    rows_in: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, issue: str, n: int, examples=None) -> None:
        if n:
            self.counts[issue] = self.counts.get(issue, 0) + int(n)
            if examples is not None:
                self.examples.setdefault(issue, []).extend([str(x) for x in list(examples)[:5]])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "issue": k.replace("_", " "),
                    "hours or rows": v,
                    "examples": ", ".join(self.examples.get(k, [])),
                }
                for k, v in self.counts.items()
            ],
            columns=["issue", "hours or rows", "examples"],
        )

    def as_dict(self) -> dict:
        return {"rows_in": self.rows_in, "counts": dict(self.counts), "notes": list(self.notes)}


@dataclass
class CountsData:
    """Counts ready for the model, whatever their source."""

    wide: WideCounts
    covariates: dict[str, np.ndarray]
    categorical: tuple[str, ...]
    sites: pd.DataFrame | None  # station_id, lon, lat (WGS84), road, name, country ... (None: no coordinates)
    report: CountsReport
    layout: str
    source_name: str
    vehicle_class: str | None = None
    excluded: np.ndarray | None = None  # (series x hours) bool: a value was there but excluded (sentinel ...)
    category_labels: dict[str, list[str]] = field(default_factory=dict)
    negative: np.ndarray | None = None  # (series x hours) bool: the file gave a negative count (masked)

    @property
    def rows(self) -> int:
        return int(self.wide.values.size)

    @property
    def n_sites(self) -> int:
        return int(self.wide.series["station_id"].nunique())

    @property
    def has_directions(self) -> bool:
        return bool((self.wide.series["direction"].astype(str) != "").any())

    @property
    def has_coordinates(self) -> bool:
        return self.sites is not None and self.sites[["lon", "lat"]].notna().all(axis=1).any()

    def in_luxembourg(self) -> bool:
        """Whether every located site lies in Luxembourg's bounding box."""
        if not self.has_coordinates:
            return False
        s = self.sites.dropna(subset=["lon", "lat"])
        w, so, e, n = LUXEMBOURG_BBOX
        return bool(s["lon"].between(w, e).all() and s["lat"].between(so, n).all())

    def drop_series(self, positions) -> None:
        """Leave out the series at ``positions`` (array order), with their covariates and masks."""
        keep = np.ones(len(self.wide.series), bool)
        keep[np.asarray(list(positions), dtype=int)] = False
        if keep.all():
            return
        self.wide = WideCounts(
            self.wide.values[keep], self.wide.series[keep].reset_index(drop=True), self.wide.timestamps
        )
        for name in ("excluded", "negative"):
            grid = getattr(self, name)
            if grid is not None:
                setattr(self, name, grid[keep])
        self.covariates = {k: (v[keep] if v.ndim == 2 else v) for k, v in self.covariates.items()}
        if self.sites is not None:
            self.sites = self.sites[self.sites["station_id"].isin(set(self.wide.series["station_id"]))]
            self.sites = self.sites.reset_index(drop=True)

    def missing_share(self) -> float:
        return float(np.isnan(self.wide.values).mean())

    def facts(self) -> dict:
        """Facts about the loaded counts that the pages and the model card print."""
        ts = self.wide.timestamps
        labels = self.wide.series["direction_label"].astype(str).unique().tolist()
        return {
            "data_name": self.source_name,
            "layout": self.layout,
            "n_sites": self.n_sites,
            "n_series": len(self.wide.series),
            "n_hours": len(ts),
            "period_start": f"{ts[0]:%d %b %Y}",
            "period_end": f"{ts[-1]:%d %b %Y}",
            "directions": ", ".join(labels) if self.has_directions else "none given",
            "n_directions": len(labels) if self.has_directions else 0,
            "missing_share": self.missing_share(),
            "covariates": ", ".join(self.covariates) or "none",
            "has_coordinates": bool(self.has_coordinates),
            "vehicle_class": self.vehicle_class or "as given",
        }


# --- helpers ---------------------------------------------------------------------------------------


def _norm(name) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(name).lower())


def choose_vehicle_class(
    frame: pd.DataFrame, wanted: str, report: CountsReport
) -> tuple[pd.DataFrame, str | None]:
    """One vehicle class: ``wanted``; else a class named like a total (U, all, total ...); else the sum
    over the classes (said in the report)."""
    if "vehicle_class" not in frame:
        return frame, None
    classes = frame["vehicle_class"].astype("string").str.strip()
    present = sorted(classes.dropna().unique().tolist())
    if wanted:
        keep = classes.str.lower() == str(wanted).strip().lower()
        if not keep.any():
            raise CountsError(
                f"vehicle_class {wanted!r} does not occur in the file; its classes are {present[:20]} "
                "(-p vehicle_class ..., or '' for all vehicles)."
            )
        report.add("rows_of_other_vehicle_classes_dropped", int((~keep).sum()))
        return frame[keep.to_numpy()].drop(columns="vehicle_class"), str(wanted)
    total = next((c for c in present if c.lower() in TOTAL_CLASSES), None)
    if total is not None or len(present) == 1:
        chosen = total if total is not None else present[0]
        keep = classes == chosen
        report.add("rows_of_other_vehicle_classes_dropped", int((~keep).sum()))
        if len(present) > 1:
            report.notes.append(f"vehicle class {chosen!r} (all vehicles) kept of {', '.join(present)}")
        return frame[keep.to_numpy()].drop(columns="vehicle_class"), chosen
    report.notes.append(f"vehicle classes {', '.join(present)} summed per hour (no class named like a total)")
    return frame, "sum of " + ", ".join(present)


def _sentinels(count: pd.Series, sentinels, report: CountsReport) -> pd.Series:
    """Negative values and the declared ``sentinels`` become missing; counted."""
    codes = pd.to_numeric(pd.Series(list(sentinels or []), dtype="object"), errors="coerce").dropna().tolist()
    bad = (count < 0) | count.isin(codes)
    report.add("sentinel_values_excluded", int(bad.sum()), sorted(count[bad].unique().tolist())[:5])
    return count.mask(bad)


def as_category(values: pd.Series, fill: str) -> pd.Categorical:
    """Text keys as a categorical of stripped strings (missing -> ``fill``), working on the distinct values
    only, so that 17 million rows of 1,000 site names cost one pass, not 17 million Python strings."""
    cat = pd.Categorical(values)
    names = pd.Index(cat.categories).astype(str).str.strip().tolist()
    codes = cat.codes
    if (codes < 0).any():
        names.append(fill)
        codes = np.where(codes < 0, len(names) - 1, codes)
    unique, inverse = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes] if len(codes) else codes, unique.tolist())


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers from a column, reading a decimal comma (``7,25``) as the contract does."""
    number = pd.to_numeric(values, errors="coerce")
    if number.notna().sum() < values.notna().sum():
        text = values.astype("string").str.strip()
        comma = text.str.fullmatch(r"-?\d+,\d+").fillna(False)
        if comma.any():
            number = number.where(
                ~comma.to_numpy(), pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
            )
    return number


def _split_extras(frame: pd.DataFrame, extras: list[str], report: CountsReport):
    """Extras -> numeric covariates, few-valued categorical covariates, coordinate/site columns, dropped."""
    numeric, categorical, site_cols = [], [], {}
    for column in extras:
        values = frame[column]
        key = _norm(column)
        for target, names in {**LONLAT_NAMES, **XY_NAMES}.items():
            if key in {_norm(n) for n in names}:
                site_cols[target] = column
        if column in site_cols.values() or key in (
            "road",
            "route",
            "name",
            "localite",
            "country",
            "sourcefile",
        ):
            if key in ("road", "route"):
                site_cols["road"] = column
            elif key in ("name", "localite"):
                site_cols["name"] = column
            elif key == "country":
                site_cols["country"] = column
            continue
        as_number = _numbers(values)
        if values.notna().sum() and as_number.notna().sum() >= 0.95 * values.notna().sum():
            if as_number.nunique(dropna=True) > 1:
                numeric.append(column)
        elif values.nunique(dropna=True) <= MAX_CATEGORIES:
            categorical.append(column)
        else:
            report.notes.append(f"column {column!r} ignored (text with many values)")
    return numeric, categorical, site_cols


# --- layouts to tidy ------------------------------------------------------------------------------


def wide_to_tidy(
    frame: pd.DataFrame, hours: dict[str, int], keys: list[str], report: CountsReport | None = None
) -> pd.DataFrame:
    """Daily rows with 24 hour columns -> one row per hour (``timestamp``, ``count``), keys repeated. A
    value that is not a number (the hour columns are not typed by the contract) is missing, and counted."""
    names = list(hours)
    numbers = frame[names].apply(_numbers)
    if report is not None:
        text = frame[names].astype("string").apply(lambda c: c.str.strip())
        bad = (numbers.isna() & frame[names].notna() & (text != "").fillna(False)).to_numpy(dtype=bool)
        report.add("non_numeric_counts_excluded", int(bad.sum()), text.to_numpy(dtype=object)[bad])
    values = numbers.to_numpy(dtype=np.float64)
    n = len(frame)
    offsets = np.array([hours[c] for c in names], dtype="timedelta64[h]").astype("timedelta64[ns]")
    out = {k: np.repeat(frame[k].to_numpy(), len(names)) for k in keys}
    out["timestamp"] = np.repeat(frame["date"].dt.normalize().to_numpy(), len(names)) + np.tile(offsets, n)
    out["count"] = values.ravel()
    return pd.DataFrame(out)


def _to_hourly(tidy: pd.DataFrame, keys: list[str], others: list[str], report: CountsReport) -> pd.DataFrame:
    """Sub-hourly readings summed per hour (other columns: their first value); an hour with fewer readings
    than usual for its series, or with a missing reading, is excluded."""
    stamp = tidy["timestamp"]
    if (stamp == stamp.dt.floor("h")).all():
        return tidy
    tidy = tidy.assign(timestamp=stamp.dt.floor("h"))
    hourly = _sum_complete(tidy, keys, others)
    usual = hourly.groupby(keys, dropna=False, observed=True)["size"].transform("max")
    incomplete = (hourly["size"] < usual).to_numpy() & hourly["count"].notna().to_numpy()
    report.add("incomplete_hours_of_sub_hourly_data_excluded", int(incomplete.sum()))
    report.notes.append(f"sub-hourly readings (up to {int(usual.max())} an hour) summed per hour")
    hourly.loc[incomplete, "count"] = np.nan
    return hourly.drop(columns=["size"])


def _sum_complete(tidy: pd.DataFrame, keys: list[str], others: list[str]) -> pd.DataFrame:
    """Counts summed per (keys, timestamp); NaN when any summed value is missing; ``size`` = rows summed."""
    grouped = tidy.groupby([*keys, "timestamp"], sort=False, dropna=False, observed=True)
    out = grouped.agg(
        count=("count", "sum"),
        n=("count", "count"),
        size=("count", "size"),
        **{c: (c, "first") for c in others},
    ).reset_index()
    out["count"] = out["count"].where(out["n"] == out["size"])
    return out.drop(columns=["n"])


def counts_from_frame(
    frame: pd.DataFrame,
    layout: str,
    *,
    source_name: str = "counts",
    vehicle_class: str = "",
    sentinels=(),
    extras: list[str] | None = None,
    known_categorical: tuple[str, ...] = (),
) -> CountsData:
    """The contract's frame (``layout``: tidy, wide or lu_official) as ``CountsData``."""
    report = CountsReport(rows_in=len(frame))
    frame = frame.copy()
    extras = list(extras if extras is not None else [])
    direction_text = None
    sites = None
    if layout == "lu_official":
        frame = frame.rename(
            columns={
                "POSTE_ID": "site",
                "DATECOM": "date",
                "DIRECTION": "direction",
                "VEHICULE": "vehicle_class",
            }
        )
        frame["direction"] = (
            frame["direction"].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
        )
        both = frame["direction"] == "3"
        if both.any() and frame["direction"].isin(["1", "2"]).any():
            report.add("direction_3_rows_dropped_(sum_of_both)", int(both.sum()))
            frame = frame[~both.to_numpy()]
        extras = [c for c in frame.columns if c not in ("site", "date", "direction", "vehicle_class")]
        sites = _lu_sites(frame)
        if "SENS" in frame:
            sens = frame.groupby(["site", "direction"], observed=True)["SENS"].first()
            direction_text = {k: f"{k[1]}: {v}" for k, v in sens.items() if isinstance(v, str) and v.strip()}
        layout_name = "official Luxembourg counts (one row per post, day, direction and vehicle class)"
        layout = "wide"
        keep_extras = []
    else:
        layout_name = {"tidy": "one row per hour", "wide": "one row per day with 24 hour columns"}[layout]
        keep_extras = extras
    if "site" not in frame or frame["site"].isna().all():
        frame["site"] = source_name
        report.notes.append(f"no site column: the file is one site, named {source_name!r}")
    frame["site"] = as_category(frame["site"], "(no site)")
    frame, chosen_class = choose_vehicle_class(frame, vehicle_class, report)
    if "direction" not in frame:
        frame["direction"] = pd.Categorical.from_codes(np.zeros(len(frame), np.int8), [""])
    frame["direction"] = as_category(frame["direction"], "")
    keys = ["site", "direction"]

    numeric, categorical, site_cols = _split_extras(frame, [c for c in keep_extras if c in frame], report)
    categorical = [c for c in categorical if c not in ("site", "direction")]
    if layout == "wide":
        hours = hour_columns(extras)
        if not hours:
            raise CountsError(
                "the wide layout needs 24 hour columns (00..23, 1..24, h00, 07:00, 07-08 or P07_08); found "
                f"{[c for c in extras][:30]}: rename them or use counts_format 'tidy'."
            )
        numeric = [c for c in numeric if c not in hours]
        categorical = [c for c in categorical if c not in hours]
        daily = [c for c in numeric + categorical]
        tidy = wide_to_tidy(frame, hours, keys + daily, report)
    else:
        if frame["timestamp"].isna().any():
            n = int(frame["timestamp"].isna().sum())
            report.add("rows_without_time_dropped", n)
            frame = frame[frame["timestamp"].notna()]
        tidy = frame[keys + ["timestamp", "count"] + numeric + categorical].copy()
    raw_count = pd.to_numeric(tidy["count"], errors="coerce")
    tidy["count"] = _sentinels(raw_count, sentinels, report)
    tidy["_code"] = raw_count.notna() & tidy["count"].isna()
    tidy["_neg"] = (raw_count < 0).fillna(False)
    if layout != "wide":
        tidy = _to_hourly(tidy, keys, numeric + categorical + ["_code", "_neg"], report)
    if "sum of" in str(chosen_class):
        tidy = _sum_complete(tidy, keys, numeric + categorical + ["_code", "_neg"]).drop(columns=["size"])
    exact = tidy.duplicated(keep="first")
    report.add("exact_duplicate_rows_dropped", int(exact.sum()))
    tidy = tidy[~exact.to_numpy()]
    conflict = tidy.duplicated(subset=keys + ["timestamp"], keep="first")
    report.add(
        "conflicting_duplicate_hours_first_kept",
        int(conflict.sum()),
        (tidy.loc[conflict, "site"].astype(str) + " " + tidy.loc[conflict, "timestamp"].astype(str)).head(5),
    )
    tidy = tidy[~conflict.to_numpy()]
    if tidy.empty or tidy["count"].notna().sum() == 0:
        raise CountsError(
            "no usable counts are left after cleaning: " + str(report.counts or "the file has no counts")
        )

    tidy = tidy.rename(columns={"site": "station_id"})
    wide, row, col = to_wide(tidy[["station_id", "direction", "timestamp", "count"]], return_index=True)
    labels = wide.series.apply(
        lambda r: (direction_text or {}).get((r["station_id"], r["direction"]), r["direction"]), axis=1
    ).astype(str)
    wide.series["direction_label"] = np.where(wide.series["direction"] == "", "all directions", labels)
    excluded = np.zeros(wide.values.shape, bool)
    sentinel_rows = tidy["_code"].to_numpy(bool)
    excluded[row[sentinel_rows], col[sentinel_rows]] = True
    negative = np.zeros(wide.values.shape, bool)
    negative_rows = tidy["_neg"].to_numpy(bool)
    negative[row[negative_rows], col[negative_rows]] = True
    in_file = np.zeros(wide.values.shape, bool)
    in_file[row, col] = True
    report.add("hours_missing_from_the_file", int((~in_file).sum()))
    report.add("hours_in_the_file_without_a_count", int((in_file & np.isnan(wide.values) & ~excluded).sum()))

    covariates, category_labels = {}, {}
    for column in numeric + categorical:
        grid = np.full(wide.values.shape, np.nan, dtype=np.float32)
        if column in categorical:
            codes, uniques = pd.factorize(tidy[column].astype("string"))
            values = np.where(codes < 0, np.nan, codes).astype(np.float32)
            category_labels[column] = [str(u) for u in uniques]
        else:
            values = _numbers(tidy[column]).to_numpy(np.float32)
        grid[row, col] = values
        covariates[column] = grid[0] if len(wide.series) == 1 else grid
    if covariates:
        report.notes.append(f"covariates used as observed at forecast time: {', '.join(covariates)}")
    if sites is None and site_cols:
        sites = _sites_from_columns(frame, site_cols)
    data = CountsData(
        wide,
        covariates,
        tuple(categorical),
        sites,
        report,
        layout_name,
        source_name,
        chosen_class,
        excluded,
        category_labels,
        negative,
    )
    return data


def _lu_sites(frame: pd.DataFrame) -> pd.DataFrame | None:
    cols = {"road": "ROUTE", "name": "LOCALITE", "x": "COORD_X", "y": "COORD_Y"}
    present = {k: v for k, v in cols.items() if v in frame}
    if not {"x", "y"} <= set(present):
        return None
    table = (
        frame.groupby("site", observed=True)[list(present.values())]
        .first()
        .rename(columns={v: k for k, v in present.items()})
    )
    table["country"] = "LU"
    return locate(table.reset_index().rename(columns={"site": "station_id"}), "EPSG:2169")


def _sites_from_columns(frame: pd.DataFrame, site_cols: dict[str, str]) -> pd.DataFrame | None:
    has_lonlat = {"lon", "lat"} <= set(site_cols)
    has_xy = {"x", "y"} <= set(site_cols)
    if not (has_lonlat or has_xy):
        return None
    table = (
        frame.groupby("site", observed=True)[list(site_cols.values())]
        .first()
        .rename(columns={v: k for k, v in site_cols.items()})
    )
    return locate(table.reset_index().rename(columns={"site": "station_id"}), "EPSG:4326")


def locate(sites: pd.DataFrame, crs: str = "EPSG:4326") -> pd.DataFrame:
    """``lon``/``lat`` (WGS84) for a site table with ``lon``/``lat`` or ``x``/``y`` in ``crs``."""
    from pyproj import CRS, Transformer

    sites = sites.copy()
    sites["station_id"] = sites["station_id"].astype(str)
    for c in ("lon", "lat", "x", "y"):
        if c in sites:
            sites[c] = pd.to_numeric(sites[c], errors="coerce")
    if not {"lon", "lat"} <= set(sites.columns) or sites[["lon", "lat"]].isna().all().all():
        if not {"x", "y"} <= set(sites.columns):
            raise CountsError(
                "the site table needs coordinates: lon and lat (WGS84), or x and y with -p sites_crs "
                "(e.g. 'EPSG:2169' for LUREF, 'EPSG:25832' for UTM 32N)."
            )
        try:
            source = CRS.from_user_input(crs)
        except Exception as exc:  # pyproj raises its own CRSError
            raise CountsError(f"sites_crs {crs!r} is not a coordinate reference system ({exc}).") from None
        lon, lat = Transformer.from_crs(source, "EPSG:4326", always_xy=True).transform(
            sites["x"].to_numpy(float), sites["y"].to_numpy(float)
        )
        sites["lon"], sites["lat"] = lon, lat
    bad = ~(sites["lon"].between(-180, 180) & sites["lat"].between(-90, 90))
    if bad.any():
        raise CountsError(
            f"{int(bad.sum())} site(s) have coordinates outside lon -180..180 / lat -90..90 (e.g. "
            f"{sites.loc[bad, 'station_id'].iloc[0]}): x/y given as lon/lat? Set the columns or -p sites_crs."
        )
    for c in ("road", "name", "country"):
        if c not in sites:
            sites[c] = ""
        sites[c] = sites[c].astype("string").fillna("").astype(str)
    return sites


def attach_site_table(data: CountsData, table: pd.DataFrame, crs: str = "EPSG:4326") -> list[str]:
    """Put a site table (the ``sites`` contract's frame) on ``data``; returns notes (unmatched sites)."""
    table = table.rename(columns={"site": "station_id"})
    located = locate(table, crs)
    known = set(data.wide.series["station_id"])
    matched = located[located["station_id"].isin(known)]
    notes = []
    if matched.empty:
        raise CountsError(
            f"no site of the site table occurs in the counts (table: {located['station_id'].head(3).tolist()}, "
            f"counts: {sorted(known)[:3]}): check the site ids or -p site_columns."
        )
    if len(matched) < len(located):
        notes.append(f"{len(located) - len(matched)} site(s) of the site table have no counts")
    if len(matched) < len(known):
        notes.append(f"{len(known) - len(matched)} counted site(s) have no coordinates")
    data.sites = matched.reset_index(drop=True)
    return notes
