"""A calibrated simulator of hourly traffic counts per station and direction, with its ground truth.

What it produces, per counting station and direction (1 = inbound towards Luxembourg City,
2 = outbound), for every hour of the period:

- daily volumes calibrated so that the 2023 mean of both directions equals the post's published
  AADT, with the weekday/weekend contrast taken from its AAWT/AADT ratio;
- commuter peaks: inbound in the morning (about 6:30-9:00), outbound in the evening (16:30-19:00),
  stronger where more of the traffic is cross-border; a broad midday shape at weekends;
- public holidays of Luxembourg (a Sunday-like day) and of the commuters' home regions: on a
  Luxembourg working day, a holiday in region r removes ``holiday_drop`` of the commuter trips of
  that region (an ASSUMPTION: no published figure exists, FACTS.md), so the flow from that side drops;
- the summer and Christmas lull, a small yearly growth;
- bad-weather days (less demand, less capacity), unplanned incidents (capacity drops for a few
  hours) and planned roadworks (capacity and demand drop for days); demand above capacity queues and
  is served later (a point queue: congestion spills back into the following hours);
- day-level and hour-level autocorrelated noise, Poisson counting noise, missing hours and
  detector outages.

Everything is vectorised over (series x hours) arrays; the result keeps the truth (expected volume,
demand, capacity, queue, served flow, event flags) next to the observed counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from ..model.calendar import holiday_calendar, home_holiday_exposure
from ..model.network import lane_capacity
from ..model.reference import NEIGHBOUR_REGIONS

INBOUND, OUTBOUND = 1, 2


@dataclass(frozen=True)
class SimConfig:
    """Knobs of the simulator; the defaults are the pilot's assumptions (see the pilot card)."""

    holiday_drop: float = 0.5  # share of a holiday region's commuter trips that do not happen
    commuter_base: float = 0.30  # commuter share of working-day traffic with no cross-border traffic
    commuter_per_crossborder: float = 0.30  # ... plus this times the station's cross-border share
    sunday_vs_saturday: float = 0.8
    summer_lull: float = 0.10  # working days 21 Jul - 25 Aug
    christmas_lull: float = 0.25  # working days 24 Dec - 2 Jan
    growth_per_year: float = 0.01
    calibration_year: int = 2023
    daily_sigma: float = 0.035
    daily_rho: float = 0.6
    regional_sigma: float = 0.02
    hourly_sigma: float = 0.05
    hourly_rho: float = 0.6
    bad_weather_prob_winter: float = 0.07  # Nov-Feb
    bad_weather_prob: float = 0.03
    weather_demand: float = 0.94
    weather_capacity: float = 0.80
    incidents_per_year: float = 12.0  # per station and direction
    incident_hours: tuple[int, int] = (1, 4)
    incident_capacity: tuple[float, float] = (0.3, 0.65)
    roadworks_per_year: float = 1.5  # per station
    roadworks_days: tuple[int, int] = (4, 15)
    roadworks_capacity: float = 0.6
    roadworks_demand: float = 0.92
    capacity_margin: float = 1.05  # capacity at least this times the station's usual peak
    missing_rate: float = 0.005
    outages_per_year: float = 2.0  # per station and direction
    outage_hours: tuple[int, int] = (6, 72)


@dataclass
class SimulationResult:
    """Observed counts and the simulator's truth, as (series x hours) arrays plus tidy views."""

    stations: pd.DataFrame
    series: pd.DataFrame  # one row per (station, direction): station_id, direction
    timestamps: pd.DatetimeIndex
    calendar: pd.DataFrame  # one row per day (holiday flags, bad_weather)
    arrays: dict[
        str, np.ndarray
    ]  # (S, T): count, expected, demand, capacity, queue, flow, incident, roadworks
    events: pd.DataFrame  # incidents, roadworks and outages
    config: SimConfig = field(default_factory=SimConfig)

    @property
    def n_rows(self) -> int:
        return int(self.arrays["count"].size)

    def counts_frame(self) -> pd.DataFrame:
        """Tidy hourly counts: station_id, direction, timestamp, count (NaN = missing hour)."""
        S, T = self.arrays["count"].shape
        return pd.DataFrame(
            {
                "station_id": pd.Categorical(
                    np.repeat(self.series["station_id"].to_numpy(), T),
                    categories=self.stations["station_id"].tolist(),
                ),
                "direction": np.repeat(self.series["direction"].to_numpy().astype(np.int8), T),
                "timestamp": np.tile(self.timestamps.to_numpy(), S),
                "count": self.arrays["count"].ravel(),
            }
        )

    def calibration(self, year: int | None = None) -> pd.DataFrame:
        """``calibration_table`` of this simulation (default: its calibration year)."""
        counts = self.counts_frame().rename(columns={"station_id": "site"})
        return calibration_table(
            counts, self.stations, self.config.calibration_year if year is None else year
        )

    def truth_frame(self) -> pd.DataFrame:
        """The counts frame plus the truth columns (expected, demand, capacity, queue, flow, event flags)."""
        frame = self.counts_frame()
        for name in ("expected", "demand", "capacity", "queue", "flow", "incident", "roadworks"):
            frame[name] = self.arrays[name].ravel()
        day = self.timestamps.normalize()
        frame["bad_weather"] = np.tile(self.calendar["bad_weather"].reindex(day).to_numpy(), len(self.series))
        return frame


def _hour_shapes() -> dict[str, np.ndarray]:
    """Normalised 24-hour shapes (index = hour starting at h)."""
    h = np.arange(24) + 0.5

    def bump(centre, width):
        return np.exp(-0.5 * ((h - centre) / width) ** 2)

    def day_window(rise, fall, r_w=0.8, f_w=1.2):
        return 1 / (1 + np.exp(-(h - rise) / r_w)) / (1 + np.exp((h - fall) / f_w))

    shapes = {
        "base": 0.12 + day_window(6.0, 21.0),
        "commute_in": 1.0 * bump(7.6, 1.15) + 0.22 * bump(17.5, 1.3) + 0.10 * day_window(5.5, 20.0),
        "commute_out": 0.22 * bump(7.8, 1.1) + 1.0 * bump(17.6, 1.15) + 0.10 * day_window(5.5, 20.0),
        "saturday": 0.05 + day_window(8.0, 21.5, 1.0, 1.4) * (0.75 + 0.25 * bump(12.5, 3.0)),
        "sunday": 0.05 + day_window(9.0, 21.5, 1.2, 1.4) * (0.7 + 0.3 * bump(16.0, 3.0)),
    }
    return {k: v / v.sum() for k, v in shapes.items()}


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sigma: float, rho: float) -> np.ndarray:
    """Stationary AR(1) noise along axis 1 with marginal standard deviation ``sigma``."""
    innovations = rng.standard_normal(shape) * sigma * np.sqrt(1 - rho**2)
    innovations[:, 0] = rng.standard_normal(shape[0]) * sigma
    return lfilter([1.0], [1.0, -rho], innovations, axis=1)


def _expand(starts: np.ndarray, lengths: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Event ``i`` covering ``starts[i] .. starts[i]+lengths[i]-1`` -> (event index, position) pairs, clipped."""
    lengths = np.asarray(lengths, dtype=np.int64)
    event = np.repeat(np.arange(len(starts)), lengths)
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.asarray(starts, dtype=np.int64)[event] + offset
    keep = position < limit
    return event[keep], position[keep]


def station_day_levels(
    stations: pd.DataFrame, sunday_vs_saturday: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Saturday and Sunday levels relative to a working day, from each post's AADT/AAWT ratio.

    With five working days and ``w_sun = sunday_vs_saturday * w_sat``:
    ``(5 + w_sat + w_sun) / 7 = AADT / AAWT`` (holidays ignored), clipped to [0.3, 1.2].
    """
    ratio = (stations["aadt_2023"] / stations["aawt_2023"]).to_numpy(dtype=float)
    w_sat = np.clip((7 * ratio - 5) / (1 + sunday_vs_saturday), 0.3, 1.2)
    return w_sat, w_sat * sunday_vs_saturday


def _day_factors(
    days: pd.DatetimeIndex,
    cal: pd.DataFrame,
    stations: pd.DataFrame,
    shares: pd.DataFrame,
    cfg: SimConfig,
    commuter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deterministic day-level parts: level x season x trend (days x stations), day type, holiday exposure."""
    w_sat, w_sun = station_day_levels(stations, cfg.sunday_vs_saturday)
    weekday = days.weekday.to_numpy()
    lu_hol = cal["hol_LU"].to_numpy()
    daytype = np.where(lu_hol | (weekday == 6), 2, np.where(weekday == 5, 1, 0))  # 0 work, 1 sat, 2 sun/hol
    level = np.select([daytype[:, None] == 0, daytype[:, None] == 1], [1.0, w_sat[None, :]], w_sun[None, :])
    md = days.month * 100 + days.day
    working = daytype == 0
    season = (
        1.0
        - cfg.summer_lull * ((md >= 721) & (md <= 825) & working)
        - cfg.christmas_lull * (((md >= 1224) | (md <= 102)) & working)
    )
    mid_year = pd.Timestamp(f"{cfg.calibration_year}-07-02")
    trend = (1 + cfg.growth_per_year) ** ((days - mid_year).days.to_numpy() / 365.25)
    exposure = home_holiday_exposure(cal, shares)  # days x stations, 0 unless a LU working day
    return level * (season * trend)[:, None], daytype, exposure


def simulate_counts(
    stations: pd.DataFrame,
    shares: pd.DataFrame,
    *,
    start: str = "2023-01-02",
    days: int = 365,
    seed: int = 0,
    config: SimConfig | None = None,
) -> SimulationResult:
    """Simulate hourly counts for ``stations`` (with ``aadt_2023``, ``aawt_2023``, ``highway``, ``lanes_dir``).

    ``shares`` is the origin mix per station (``network.region_shares``), one row per station in the
    same order. Returns a ``SimulationResult``; ``days`` x 24 hours from ``start`` (local clock time).
    """
    cfg = config or SimConfig()
    required = {"station_id", "aadt_2023", "aawt_2023", "highway", "lanes_dir"}
    missing = required - set(stations.columns)
    if missing:
        raise ValueError(
            f"stations lack column(s) {', '.join(sorted(missing))}; use network.attach_stations."
        )
    if len(shares) != len(stations):
        raise ValueError(f"shares has {len(shares)} rows for {len(stations)} stations.")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}.")
    rng = np.random.default_rng(seed)
    stations = stations.reset_index(drop=True).copy()
    shares = shares.reset_index(drop=True)
    n_st = len(stations)
    day_index = pd.date_range(pd.Timestamp(start).normalize(), periods=days, freq="D")
    hours = pd.date_range(day_index[0], periods=days * 24, freq="h")
    T = len(hours)
    cal = holiday_calendar(day_index[0], day_index[-1])

    cross_share = shares[list(NEIGHBOUR_REGIONS)].sum(axis=1).to_numpy()
    commuter = cfg.commuter_base + cfg.commuter_per_crossborder * cross_share

    # Calibration: the mean over the calibration year of the deterministic daily total equals AADT.
    cal_days = pd.date_range(f"{cfg.calibration_year}-01-01", f"{cfg.calibration_year}-12-31", freq="D")
    cal_level, _, cal_exposure = _day_factors(
        cal_days, holiday_calendar(cal_days[0], cal_days[-1]), stations, shares, cfg, commuter
    )
    cal_total = cal_level * (1 - commuter[None, :] * cfg.holiday_drop * cal_exposure)
    per_direction = stations["aadt_2023"].to_numpy(dtype=float) / 2 / cal_total.mean(axis=0)

    level, daytype, exposure = _day_factors(day_index, cal, stations, shares, cfg, commuter)
    bad_weather = rng.random(days) < np.where(
        np.isin(day_index.month, [11, 12, 1, 2]), cfg.bad_weather_prob_winter, cfg.bad_weather_prob
    )
    cal["bad_weather"] = bad_weather

    # Hour shapes per station x direction x day (working days: base + commuter peaks, reduced on
    # home-region holidays; weekends and LU holidays: leisure shapes).
    shapes = _hour_shapes()
    series = pd.DataFrame(
        {
            "station_id": np.repeat(stations["station_id"].to_numpy(), 2),
            "direction": np.tile([INBOUND, OUTBOUND], n_st),
        }
    )
    st_of = np.repeat(np.arange(n_st), 2)
    commute = np.where(
        series["direction"].to_numpy()[:, None] == INBOUND, shapes["commute_in"], shapes["commute_out"]
    )
    c = commuter[st_of][:, None]
    day_of_hour = np.repeat(np.arange(days), 24)
    # (S, days, 24) built from broadcasting, then flattened to (S, T)
    work = ((1 - c) * shapes["base"])[:, None, :] + (c * commute)[:, None, :] * (
        1 - cfg.holiday_drop * exposure.T[st_of]
    )[:, :, None]
    weekend = np.where(
        (daytype == 1)[None, :, None], shapes["saturday"][None, None, :], shapes["sunday"][None, None, :]
    )
    profile = np.where((daytype == 0)[None, :, None], work, weekend).reshape(2 * n_st, T)
    daily_total = (
        per_direction[None, :] * level
    )  # days x stations, per direction (holiday drop is in the profile)

    # Planned roadworks (per station, one or both directions) and weather act on demand and capacity.
    n_rw = rng.poisson(cfg.roadworks_per_year * days / 365.25, n_st)
    rw_station = np.repeat(np.arange(n_st), n_rw)
    rw_start = rng.integers(0, days, rw_station.size)
    rw_len = rng.integers(cfg.roadworks_days[0], cfg.roadworks_days[1] + 1, rw_station.size)
    rw_dir = rng.integers(0, 3, rw_station.size)  # 0 both, 1 inbound, 2 outbound
    roadworks = np.zeros((2 * n_st, T), dtype=bool)
    ev, pos = _expand(rw_start * 24, rw_len * 24, T)
    for direction_code, offset in ((1, 0), (2, 1)):
        sel = (rw_dir[ev] == 0) | (rw_dir[ev] == direction_code)
        roadworks[2 * rw_station[ev[sel]] + offset, pos[sel]] = True

    weather_h = bad_weather[day_of_hour]
    expected = (daily_total[day_of_hour].T[st_of] * profile).astype(np.float64)
    expected *= np.where(weather_h, cfg.weather_demand, 1.0)[None, :]
    expected *= np.where(roadworks, cfg.roadworks_demand, 1.0)

    # Capacity per series: lanes x lane capacity, at least the usual peak with a margin.
    lanes_cap = stations["lanes_dir"].to_numpy(dtype=float) * lane_capacity(stations["highway"]).to_numpy()
    usual_peak = np.quantile(expected, 0.995, axis=1)
    base_cap = np.maximum(lanes_cap[st_of], cfg.capacity_margin * usual_peak)
    stations["capacity_vph_sim"] = np.maximum(base_cap[0::2], base_cap[1::2])
    capacity = np.repeat(base_cap[:, None], T, axis=1)
    capacity *= np.where(weather_h, cfg.weather_capacity, 1.0)[None, :]
    capacity *= np.where(roadworks, cfg.roadworks_capacity, 1.0)

    # Unplanned incidents: start in busy hours (probability proportional to expected flow).
    n_inc = rng.poisson(cfg.incidents_per_year * days / 365.25, 2 * n_st)
    inc_series = np.repeat(np.arange(2 * n_st), n_inc)
    cum = np.cumsum(expected, axis=1)
    cum = cum / cum[:, -1:] + np.arange(2 * n_st)[:, None]  # row-offset trick for a vectorised search
    inc_start = np.searchsorted(cum.ravel(), inc_series + rng.random(inc_series.size)) - inc_series * T
    inc_start = np.clip(inc_start, 0, T - 1)
    inc_len = rng.integers(cfg.incident_hours[0], cfg.incident_hours[1] + 1, inc_series.size)
    inc_factor = rng.uniform(*cfg.incident_capacity, inc_series.size)
    incident_factor = np.ones((2 * n_st, T))
    ev, pos = _expand(inc_start, inc_len, T)
    np.minimum.at(incident_factor, (inc_series[ev], pos), inc_factor[ev])
    incident = incident_factor < 1.0
    capacity *= incident_factor

    # Demand = expected x autocorrelated day-level and hour-level noise (mean-preserving).
    daily_noise = (
        _ar1(rng, (n_st, days), cfg.daily_sigma, cfg.daily_rho)[st_of]
        + rng.standard_normal(days)[None, :] * cfg.regional_sigma
    )
    hourly_noise = _ar1(rng, (2 * n_st, T), cfg.hourly_sigma, cfg.hourly_rho)
    var = cfg.daily_sigma**2 + cfg.regional_sigma**2 + cfg.hourly_sigma**2
    demand = expected * np.exp(daily_noise[:, day_of_hour] + hourly_noise - var / 2)

    # Point queue (Lindley recursion, vectorised): q_t = max(0, q_{t-1} + demand_t - capacity_t).
    cumulative = np.cumsum(demand - capacity, axis=1)
    queue = cumulative - np.minimum(0.0, np.minimum.accumulate(cumulative, axis=1))
    queue_before = np.concatenate([np.zeros((2 * n_st, 1)), queue[:, :-1]], axis=1)
    flow = demand + queue_before - queue

    count = rng.poisson(np.maximum(flow, 0)).astype(np.float32)
    missing = rng.random(count.shape) < cfg.missing_rate
    n_out = rng.poisson(cfg.outages_per_year * days / 365.25, 2 * n_st)
    out_series = np.repeat(np.arange(2 * n_st), n_out)
    out_start = rng.integers(0, T, out_series.size)
    out_len = rng.integers(cfg.outage_hours[0], cfg.outage_hours[1] + 1, out_series.size)
    ev, pos = _expand(out_start, out_len, T)
    missing[out_series[ev], pos] = True
    count[missing] = np.nan

    stations["commuter_share"] = commuter
    stations["saturday_level"], stations["sunday_level"] = station_day_levels(
        stations, cfg.sunday_vs_saturday
    )
    stations["volume_per_direction"] = per_direction
    for region in shares.columns:
        stations["share_" + region.replace("-", "_")] = shares[region].to_numpy()

    sid = series["station_id"].to_numpy()
    events = pd.concat(
        [
            pd.DataFrame(
                {
                    "kind": "incident",
                    "station_id": sid[inc_series],
                    "direction": series["direction"].to_numpy()[inc_series],
                    "start": hours[inc_start],
                    "hours": inc_len,
                    "capacity_factor": inc_factor,
                }
            ),
            pd.DataFrame(
                {
                    "kind": "roadworks",
                    "station_id": stations["station_id"].to_numpy()[rw_station],
                    "direction": rw_dir,
                    "start": day_index[rw_start],
                    "hours": rw_len * 24,
                    "capacity_factor": cfg.roadworks_capacity,
                }
            ),
            pd.DataFrame(
                {
                    "kind": "outage",
                    "station_id": sid[out_series],
                    "direction": series["direction"].to_numpy()[out_series],
                    "start": hours[out_start],
                    "hours": out_len,
                    "capacity_factor": np.nan,
                }
            ),
        ],
        ignore_index=True,
    )
    arrays = {
        "count": count,
        "expected": expected.astype(np.float32),
        "demand": demand.astype(np.float32),
        "capacity": capacity.astype(np.float32),
        "queue": queue.astype(np.float32),
        "flow": flow.astype(np.float32),
        "incident": incident,
        "roadworks": roadworks,
    }
    return SimulationResult(
        stations=stations,
        series=series,
        timestamps=hours,
        calendar=cal,
        arrays=arrays,
        events=events,
        config=cfg,
    )


def calibration_table(counts: pd.DataFrame, posts: pd.DataFrame, year: int = 2023) -> pd.DataFrame:
    """Simulated mean daily traffic (every direction, complete days only) against each post's AADT.

    ``counts``: hourly counts in the contract's names (``site``, ``direction``, ``timestamp``, ``count``);
    ``posts``: the reference posts (``station_id``, ``name``, ``road``, ``aadt_2023``). Uses ``year`` when
    the counts cover all of it, otherwise every day; a part of a year differs from the annual mean by
    season and holidays.
    """
    day = counts["timestamp"].dt.normalize()
    grouped = counts.groupby([counts["site"].astype(str).to_numpy(), day.to_numpy()])["count"]
    totals = grouped.sum().where(grouped.count() == grouped.size())  # NaN: an hour of the day missing
    totals = totals.unstack()  # sites x days
    days = pd.DatetimeIndex(totals.columns)
    in_year = days.year == year
    full_year = in_year.sum() >= 365
    use = in_year if full_year else np.ones(len(days), bool)
    simulated = totals.loc[:, use].mean(axis=1, skipna=True)
    table = posts.loc[
        posts["station_id"].astype(str).isin(totals.index), ["station_id", "name", "road", "aadt_2023"]
    ]
    table = table.reset_index(drop=True)
    values = table["station_id"].astype(str).map(simulated).to_numpy(float)
    table["simulated_adt"] = values.round(0)
    table["ratio"] = (values / table["aadt_2023"].to_numpy(float)).round(3)
    table.attrs["period"] = str(year) if full_year else f"{days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}"
    return table
