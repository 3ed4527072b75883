"""The backtest's model fits as tasks on a Dask cluster (the notebook's ``cluster`` parameter).

The units of a backtest (fold x horizon, ``forecast.plan_backtest``) are independent, and so are the four
models of a unit (median, P10, P90 quantile regressions and the plain LightGBM reference): each model fit
is one task, and one more task per unit calibrates its band and forecasts its test hours once its four
models exist. The feature builder (the counts as a series x hours array with their running sums) is sent
to every worker once; rows, seeds and code are those of the in-process path, so the forecasts are the
same (``tests/test_scaleout.py`` compares them).

Only this module imports Dask, and only when a cluster is named: ``cluster`` = a scheduler address
(``tcp://host:8786``), ``local`` (worker processes on this machine, one per CPU) or ``slurm:<profile>``
(``livinglab.cluster.slurm_cluster``); empty means ``LIVINGLAB_CLUSTER``, and when that is empty too the
backtest runs in this process as before.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .features import FeatureBuilder
from .forecast import (
    COVERAGE,
    BacktestUnit,
    HorizonModel,
    _fit,
    calibrate,
    fit_plain,
    quantile_specs,
    to_target,
)

CLUSTER_ENV = "LIVINGLAB_CLUSTER"  # as livinglab.runner.CLUSTER_ENV; read here without importing the runner
PLAIN = "plain"


def cluster_address(cluster: str = "") -> str:
    """The cluster the backtest uses: the ``cluster`` parameter, else ``LIVINGLAB_CLUSTER``, else ``""``
    (in this process)."""
    if not isinstance(cluster, str):
        raise ValueError(
            f"cluster must be a text (a Dask scheduler address such as 'tcp://host:8786', 'local' or "
            f"'slurm:<profile>'), not {cluster!r}."
        )
    return cluster.strip() or os.environ.get(CLUSTER_ENV, "").strip()


@contextmanager
def client_for(address: str) -> Iterator:
    """A ``distributed.Client`` for ``address`` (checked before any work: the scheduler answers, has a
    worker, every worker sees this checkout), closed with its cluster afterwards."""
    from livinglab.cluster import connect

    # connect() also checks that workers can write to a run folder; the backtest writes nothing there,
    # so that check is pointed at the temporary folder and only the checkout is really checked.
    with connect(address, Path(tempfile.gettempdir())) as client:
        yield client


def fit_model(
    builder: FeatureBuilder,
    unit: BacktestUnit,
    which,
    point_params: dict | None = None,
    band_params: dict | None = None,
    coverage: float = COVERAGE,
):
    """On a worker: one of a unit's models, ``which`` = a quantile of ``quantile_specs`` or ``"plain"``;
    returns the fitted model and the seconds it took."""
    t0 = time.perf_counter()
    if which == PLAIN:
        return fit_plain(builder, unit.horizon, unit.train, unit.seed), time.perf_counter() - t0
    rows_name, params, seed = quantile_specs(point_params, band_params, coverage, unit.seed)[which]
    s, t = unit.train if rows_name == "train" else unit.band_train
    X = builder.design(s, t, unit.horizon, unit.scale)
    model = _fit(X, to_target(builder.Y[s, t], unit.scale[s]), which, params, seed)
    return model, time.perf_counter() - t0


def predict_unit(
    builder: FeatureBuilder, unit: BacktestUnit, fitted: dict, coverage: float = COVERAGE
) -> tuple[HorizonModel, pd.DataFrame, float]:
    """On a worker: a unit's models (``fit_model`` results by name) calibrated on its calibration rows and
    its test hours forecast; the seconds are those of the whole unit (fits included)."""
    t0 = time.perf_counter()
    models = {q: model for q, (model, _) in fitted.items() if q != PLAIN}
    hm = HorizonModel(unit.horizon, models, unit.scale, plain=fitted[PLAIN][0])
    hm.feature_names = list(models[0.5].feature_name_)
    calibrate(hm, builder, unit.calibration, coverage)
    piece = hm.predict(builder, *unit.test)
    seconds = sum(sec for _, sec in fitted.values()) + time.perf_counter() - t0
    return hm, piece, seconds


def run_units(
    client,
    builder: FeatureBuilder,
    units: list[BacktestUnit],
    *,
    point_params: dict | None = None,
    band_params: dict | None = None,
    coverage: float = COVERAGE,
) -> list[tuple[HorizonModel, pd.DataFrame, float]]:
    """Every unit on ``client``'s cluster: four fit tasks and one forecast task per unit; results in the
    order of ``units`` (what ``forecast.run_unit`` returns for each)."""
    from distributed import wait

    shared = client.scatter(builder, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]  # task keys of this backtest, never those of another client's
    names = [*quantile_specs(point_params, band_params, coverage), PLAIN]
    results = []
    for unit in units:
        rows = client.scatter(unit, hash=False)
        tag = f"{run}-f{unit.fold}-h{unit.horizon}"
        fits = {
            which: client.submit(
                fit_model,
                shared,
                rows,
                which,
                point_params,
                band_params,
                coverage,
                key=f"mobility-fit-{tag}-{PLAIN if which == PLAIN else f'q{which:.2f}'}",
                retries=1,
            )
            for which in names
        }
        results.append(
            client.submit(
                predict_unit, shared, rows, fits, coverage, key=f"mobility-predict-{tag}", retries=1
            )
        )
    wait(results)
    try:
        return client.gather(results)
    except Exception as exc:
        raise RuntimeError(
            f"the backtest failed on the Dask cluster {client.scheduler.address}: {type(exc).__name__}: {exc}"
        ) from exc
