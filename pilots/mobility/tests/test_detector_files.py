"""A city's loop-detector export as partners hand it over: one file a day, detectors plus sums of detectors,
error codes written as negative counts, a test channel. The implausible series are found, named, left out
of every fit and score, and the page says so; the peer reference is claimed against."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.data.screen import screen

from .conftest import prepared

N_DETECTORS, DAYS = 40, 35


def detector_days(folder, seed: int = 0) -> dict[str, str]:
    """Daily CSV files ``zaehlung_YYYY-MM-DD.csv`` (detector;zeit;anzahl): 40 detectors, two sums of
    detectors ('SUM_NORD', 'SUM_CITY'), one detector writing -1 as an error code in a fifth of its hours
    ('D07'), a test channel ('TEST_01', always 100); returns the names of the planted series."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2024-04-01", periods=DAYS * 24, freq="h")
    hour, weekday = t.hour.to_numpy(), t.weekday.to_numpy()
    shape = 0.1 + np.exp(-0.5 * ((hour - 8) / 1.5) ** 2) + 0.9 * np.exp(-0.5 * ((hour - 17) / 2) ** 2)
    shape *= np.where(weekday < 5, 1.0, 0.6)
    level = rng.lognormal(5.5, 0.5, N_DETECTORS)
    counts = np.round(level[:, None] * shape[None, :] * rng.lognormal(0, 0.12, (N_DETECTORS, len(t))))
    names = [f"D{i:02d}" for i in range(N_DETECTORS)]
    counts[7, rng.random(len(t)) < 0.2] = -1
    series = dict(zip(names, counts, strict=True))
    series["SUM_NORD"] = np.clip(counts[: N_DETECTORS // 2], 0, None).sum(axis=0)
    series["SUM_CITY"] = np.clip(counts, 0, None).sum(axis=0)
    series["TEST_01"] = np.full(len(t), 100.0)
    long = pd.DataFrame(
        {"detector": np.repeat(list(series), len(t)), "zeit": np.tile(t, len(series)),
         "anzahl": np.concatenate(list(series.values()))}
    )  # fmt: skip
    for day, part in long.groupby(long["zeit"].dt.date):
        part.assign(zeit=part["zeit"].dt.strftime("%d.%m.%Y %H:%M")).to_csv(
            folder / f"zaehlung_{day}.csv", sep=";", index=False
        )
    return {"negative": "D07", "sum": "SUM_CITY", "sum_part": "SUM_NORD", "test": "TEST_01"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("detectors")
    planted = detector_days(folder)
    params = {
        "data_path": str(folder / "zaehlung_*.csv"),
        "columns": {"site": "detector", "timestamp": "zeit", "count": "anzahl"},
        "read_options": {"dayfirst": True},
        "test_days": 7,
        "n_boot": 50,
    }
    return params, planted


def test_sums_of_detectors_negative_counts_and_test_channels_are_named_and_left_out(city):
    params, planted = city
    data = prepared(params)
    table = data.implausible.set_index("station_id")
    assert set(planted.values()) <= set(table.index), table
    assert "negative counts" in table.loc[planted["negative"], "reason"]
    assert "far above the others' level" in table.loc[planted["sum"], "reason"]
    assert "follows the sum of the other series" in table.loc[planted["sum"], "reason"]
    assert "flat" in table.loc[planted["test"], "reason"] and "test" in table.loc[planted["test"], "reason"]
    kept = set(data.wide.series["station_id"])
    assert not kept & set(planted.values()) and len(kept) == N_DETECTORS - 1
    assert len(table) == 4  # no ordinary detector is named
    assert f"4 of {N_DETECTORS + 3} series are implausible and left out" in data.implausible_note


def test_keep_keeps_them_but_still_names_them(city):
    params, planted = city
    data = prepared({**params, "implausible": "keep"})
    assert set(planted.values()) <= set(data.wide.series["station_id"])
    assert "kept" in data.implausible_note and len(data.implausible) == 4


def test_the_run_says_it_and_claims_against_the_peer(city):
    from pilots.mobility.run import run

    params, planted = city
    result = run(params)
    m = result.metrics
    assert m["n_implausible_series"] == 4 and set(planted.values()) <= {
        k.split()[0] for k in m["implausible_series"]
    }
    assert not set(result.predictions["station_id"]) & set(planted.values())
    names = {c.name for c in result.claims}
    assert {"mae_h1_peer", "mae_h24_peer"} <= names
    peer = result.claim("mae_h1_peer")
    assert "mlforecast" in peer.baseline and np.isfinite(peer.baseline_value)


def test_an_ordinary_set_of_detectors_has_no_implausible_series():
    rng = np.random.default_rng(3)
    t = 24 * 28
    shape = 1 + np.sin(np.arange(t) * 2 * np.pi / 24)
    values = np.round(rng.lognormal(5, 0.6, (30, 1)) * shape[None, :] * rng.lognormal(0, 0.1, (30, t)))
    values[rng.random(values.shape) < 0.03] = np.nan
    series = pd.DataFrame({"station_id": [f"S{i}" for i in range(30)], "direction_label": "all directions"})
    assert screen(values.astype(np.float32), series).empty


def test_a_detector_with_a_few_error_codes_is_a_detector_with_gaps():
    """Error codes in 2% of a detector's hours are gaps (masked hour by hour); in 20% the series is named."""
    rng = np.random.default_rng(4)
    values = np.round(rng.lognormal(5, 0.3, (20, 24 * 28))).astype(np.float32)
    negative = np.zeros(values.shape, bool)
    negative[0, rng.random(values.shape[1]) < 0.02] = True
    negative[1, rng.random(values.shape[1]) < 0.2] = True
    values[negative] = np.nan
    series = pd.DataFrame({"station_id": [f"S{i}" for i in range(20)], "direction_label": "all directions"})
    table = screen(values, series, negative)
    assert list(table["station_id"]) == ["S1"] and "negative counts" in table["reason"].iloc[0]


def test_figures_choose_sites_across_the_volumes_and_leave_gaps_as_gaps():
    from pilots.mobility.report import plots

    level = np.array([90_000.0, 10.0, np.nan, 500.0, 200.0, 50.0, 1_000.0, 80.0])
    chosen = plots.representative(level, 3, skip=[0])  # the sum of detectors kept by the run is skipped
    assert list(chosen) == [3, 7, 1]  # of the six others (1000, 500, 200, 80, 50, 10): 500, 80 and 10
    assert list(plots.representative(level, 10)) == [0, 6, 3, 4, 7, 5, 1]  # all with a count, busiest first
    t = pd.date_range("2024-05-01", periods=48, freq="h")
    preds = pd.DataFrame(
        {"series": 0, "timestamp": t, "horizon": 1, "actual": 5.0, "p10": 4.0, "p50": 5.0, "p90": 6.0,
         "plain_lgbm": 5.0, "seasonal_naive": 5.0, "station_id": "S0", "direction_label": "all directions"}
    ).drop(index=range(10, 20))  # fmt: skip
    axes = plots.plot_forecast_vs_actual(preds, [0], days=2)
    line = next(ln for ln in axes[0].get_lines() if ln.get_label() == "actual count")
    assert np.isnan(np.asarray(line.get_ydata(), float)).sum() == 10  # the ten missing hours stay a gap
