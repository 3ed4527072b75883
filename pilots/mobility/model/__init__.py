"""The mobility pilot's model: features, the forecaster, its baselines, the backtest, the claims, and the
decision part (network, congestion, departure advice).

- ``features``: horizon-aware, leak-free features (``FeatureBuilder``) on the (series x hours) counts;
- ``forecast``: one global LightGBM per horizon (median and P10/P90 quantile models), the plain LightGBM
  reference, the seasonal naive, the rolling-origin backtest whose fits go to an executor;
- ``calendar``: public holidays (any country, and the tri-border calendar of the synthetic world);
- ``reference``: the committed tables (places, road segments, the 2023 counting posts);
- ``network``, ``roads``, ``travel``, ``decision``: road networks, volume/capacity, BPR travel times and the
  departure advisor.

Here: the backtest of a run's prepared data, the claims (the model against the plain LightGBM and the
seasonal naive at every horizon, each with its paired interval over time blocks), the plain metrics and
the subgroup reports. Everything a page says comes from these; nothing here reads a file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livinglab.claims import Claim, compare
from livinglab.trust import subgroup_report, time_blocks
from livinglab.trust.metrics import mean_absolute_error  # scikit-learn's, scored on all resamples at once

from .features import CountsError, FeatureBuilder
from .forecast import (
    HORIZONS,
    BacktestResult,
    comparable,
    evaluate,
    headline_metrics,
    rolling_origin_backtest,
)
from .peer import PEER_WORDS

__all__ = [
    "BASELINES",
    "BAND",
    "HORIZONS",
    "MODEL_WORDS",
    "backtest",
    "band_shape",
    "claims",
    "evaluate",
    "headline_metrics",
    "subgroup_reports",
]

#: the model and its baselines in words (what every page names them)
MODEL_WORDS = "the pilot's global LightGBM"
BASELINES = {
    "plain_lgbm": "a plain LightGBM on recent and seasonal count lags, hour and weekday (library defaults)",
    "seasonal_naive": "the seasonal naive, the count of the same hour a week earlier",
    "peer_mlforecast": PEER_WORDS,
}
#: claim names: the plain LightGBM reference is the horizon's own name, the others get a suffix
CLAIM_SUFFIX = {"plain_lgbm": "", "seasonal_naive": "_naive", "peer_mlforecast": "_peer"}
BAND = "P10-P90"
MIN_TRAIN_DAYS = 21


def backtest(
    prepared: Any,
    *,
    n_folds: int = 1,
    test_days: int = 0,
    max_train_rows: int = 300_000,
    seed: int = 0,
    horizons=HORIZONS,
    executor=None,
    where: str = "",
    peer: bool = False,
) -> tuple[BacktestResult, FeatureBuilder]:
    """Rolling-origin backtest of the model and the baselines (horizons 1, 3, 24 h) on prepared counts
    (``data.PilotData``); the fits go to ``executor`` (``livinglab.cluster.executor``; None: here)."""
    builder = prepared.builder()
    days = len(prepared.wide.timestamps) // 24
    if days < MIN_TRAIN_DAYS + 7:
        raise CountsError(
            f"the counts cover {days} days; the backtest needs at least {MIN_TRAIN_DAYS + 7} "
            "(three weeks of history and a test week)."
        )
    result = rolling_origin_backtest(
        builder,
        horizons=horizons,
        n_folds=n_folds,
        test_days=test_days,
        min_train_days=MIN_TRAIN_DAYS,
        max_train_rows=max_train_rows,
        seed=seed,
        executor=executor,
        where=where,
        peer=peer,
    )
    return result, builder


def time_block_ids(predictions: pd.DataFrame) -> np.ndarray:
    """Bootstrap clusters of the test hours: as many equal spans of the test period as it has days, and at
    least 20 (a test period of fewer than 20 days gets blocks shorter than a day), all series of a block
    resampled together, which keeps the correlation between sites and neighbouring hours."""
    days = predictions["timestamp"].dt.normalize().nunique()
    return time_blocks(predictions["timestamp"], n_blocks=max(20, int(days)))


def split_words(bt: BacktestResult, n_folds: int) -> str:
    """How the test hours were chosen, in words."""
    first = bt.predictions["timestamp"].min()
    refits = f"refitted every {bt.test_days} days" if n_folds > 1 else "fitted once"
    return (
        f"rolling origin: the last {bt.test_days * n_folds} days from {first:%d %b %Y} as test, the models "
        f"{refits} on the hours before"
    )


def claims(predictions: pd.DataFrame, *, split: str, n_boot: int = 200, seed: int = 0) -> list[Claim]:
    """Per horizon, the model's MAE against the plain LightGBM and against the seasonal naive, on exactly
    the same hours, each with the paired bootstrap interval of the difference over test days."""
    out = []
    frame = comparable(predictions)
    for h, part in frame.groupby("horizon"):
        blocks = time_block_ids(part)
        y, model = part["actual"].to_numpy(float), part["p50"].to_numpy(float)
        for baseline, words in BASELINES.items():
            if baseline not in part:
                continue
            out.append(
                compare(
                    f"mae_h{h}{CLAIM_SUFFIX[baseline]}",
                    "mae",
                    mean_absolute_error,
                    y,
                    model,
                    part[baseline].to_numpy(float),
                    groups=blocks,
                    unit="time blocks",
                    n_boot=n_boot,
                    seed=seed,
                    label=f"MAE {h} h ahead (vehicles/h)",
                    model=MODEL_WORDS,
                    baseline=words,
                    split=split,
                )
            )
    return out


def band_shape(predictions: pd.DataFrame, horizon: int = 1) -> dict[str, float]:
    """Whether the band's edges move with the traffic (no floor at the peaks, no ceiling at night): the
    median over series of corr(P10, P50) and corr(P90, P50), and the median P90 of the night hours (2-3 h)
    over the median P10 of the peak hours (7, 8, 17 h)."""
    p = predictions[predictions["horizon"] == horizon]
    corr10 = p.groupby("series").apply(lambda d: d["p10"].corr(d["p50"]), include_groups=False)
    corr90 = p.groupby("series").apply(lambda d: d["p90"].corr(d["p50"]), include_groups=False)
    hour = p["timestamp"].dt.hour
    night = p.loc[hour.isin([2, 3])].groupby("series")["p90"].median()
    peak = p.loc[hour.isin([7, 8, 17])].groupby("series")["p10"].median()
    return {
        f"band_corr_p10_h{horizon}": float(corr10.median()),
        f"band_corr_p90_h{horizon}": float(corr90.median()),
        f"band_night_p90_over_peak_p10_h{horizon}": float((night / peak).median()),
    }


def subgroup_frame(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per prediction row: site, hour of day, weekday and direction (as the data name it)."""
    return pd.DataFrame(
        {
            "site": predictions["station_id"].astype(str).to_numpy(),
            "hour": predictions["timestamp"].dt.hour.map(lambda h: f"{h:02d}:00").to_numpy(),
            "weekday": (
                (predictions["timestamp"].dt.weekday + 1).astype(str)
                + " "
                + predictions["timestamp"].dt.day_name().str[:3]
            ).to_numpy(),
            "direction": predictions["direction_label"].astype(str).to_numpy(),
        }
    )


def subgroup_reports(predictions: pd.DataFrame, *, directions: bool, n_boot: int = 50, seed: int = 0) -> dict:
    """1-hour errors by site, hour, weekday and (when the data have them) direction, with intervals that
    resample the claims' time blocks (:func:`time_block_ids`; ``livinglab.trust.subgroup_report``)."""
    h1 = comparable(predictions[predictions["horizon"] == 1])
    groups = subgroup_frame(h1)
    blocks = time_block_ids(h1)
    reports = {}
    for column in ["site", "hour", "weekday"] + (["direction"] if directions else []):
        if groups[column].nunique() > 1:
            reports[f"by {column}"] = subgroup_report(
                {"mae": mean_absolute_error},
                h1["actual"],
                h1["p50"],
                groups[column],
                groups=blocks,
                n_boot=n_boot,
                seed=seed,
                overall_ci=False,
            )
    return reports
