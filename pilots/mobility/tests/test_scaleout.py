"""The backtest's fits through the one executor seam (``livinglab.cluster.executor``): as tasks on a Dask
cluster they give the forecasts of the in-process path; without a cluster nothing changes and Dask is not
imported.

A ``distributed.LocalCluster`` of two worker processes (one thread each) on the loopback interface is
started once for this module and closed after it; every cluster call runs under a time limit."""

from __future__ import annotations

import concurrent.futures
import logging
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from livinglab.cluster import CLUSTER_ENV, cluster_address, executor
from livinglab.pilots import UsageError
from pilots.mobility.benchmark import scale_counts
from pilots.mobility.model.features import FeatureBuilder, WideCounts
from pilots.mobility.model.forecast import evaluate, headline_metrics, rolling_origin_backtest
from pilots.mobility.run import run

LIMIT = 240  # seconds for one backtest on the cluster (a few seconds when the machine is idle)
SMALL = {"n_estimators": 40, "learning_rate": 0.1}


def _within(seconds: float, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, failing the test when it takes longer than ``seconds``."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args, **kwargs).result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        pytest.fail(f"the backtest on the cluster took more than {seconds} s")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture(scope="module")
def local_cluster():
    """The scheduler address of a LocalCluster: 2 worker processes x 1 thread, loopback only."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=logging.ERROR,
        env={"LIVINGLAB_THREADS": "1"},
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=30)


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    """A partner's file of three sites x 30 days (the benchmark's light generator) in the contract's names."""
    path = tmp_path_factory.mktemp("small") / "small.csv"
    scale_counts(3, "2023-01-02", 30, seed=1).to_csv(path, index=False)
    return str(path)


def _wide(seed: int = 0, n_series: int = 5, weeks: int = 6) -> WideCounts:
    rng = np.random.default_rng(seed)
    t = pd.date_range("2022-01-03", periods=weeks * 168, freq="h")
    hour = t.hour.to_numpy()
    shape = 0.2 + np.exp(-0.5 * ((hour - 8) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 17) / 2) ** 2)
    values = rng.uniform(200, 2000, (n_series, 1)) * shape * np.exp(rng.normal(0, 0.15, (n_series, len(t))))
    values[rng.random(values.shape) < 0.05] = np.nan
    series = pd.DataFrame({"station_id": [f"s{i}" for i in range(n_series)], "direction": ""})
    series["direction_label"] = "all directions"
    return WideCounts(values.astype(np.float32), series, t)


def _assert_same(local, remote) -> None:
    pd.testing.assert_frame_equal(local.predictions, remote.predictions, check_exact=True)
    same = [c for c in local.folds.columns if c != "fit_seconds"]  # the time differs, nothing else
    pd.testing.assert_frame_equal(local.folds[same], remote.folds[same], check_exact=True)
    assert local.last_models.keys() == remote.last_models.keys()
    for h, fitted in local.last_models.items():
        assert remote.last_models[h].margin == fitted.margin
        assert remote.last_models[h].feature_names == fitted.feature_names
    assert local.test_days == remote.test_days


def test_every_fit_as_a_task_gives_the_same_forecasts_and_metrics(local_cluster):
    """Two folds x three horizons x three parts (18 fit tasks) on two workers, against threads here."""
    from distributed import Client

    builder = FeatureBuilder(_wide())
    options = dict(n_folds=2, test_days=4, seed=7, point_params=SMALL, band_params=SMALL)
    with executor("", max_workers=2) as threads:
        local = rolling_origin_backtest(builder, executor=threads, **options)
    inline = rolling_origin_backtest(builder, **options)  # no executor: one after another, here
    with executor(local_cluster) as pool:
        remote = _within(
            LIMIT, rolling_origin_backtest, builder, executor=pool, where=local_cluster, **options
        )
    with Client(local_cluster, timeout=30) as client:
        prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "fit_part" in prefixes  # the fits did run there
    assert remote.cluster == local_cluster and local.cluster == ""
    assert len(remote.folds) == 6 and (remote.folds["fit_seconds"] > 0).all()
    _assert_same(local, remote)
    _assert_same(local, inline)
    assert headline_metrics(evaluate(remote.predictions), remote.predictions) == headline_metrics(
        evaluate(local.predictions), local.predictions
    )


def test_the_run_takes_the_cluster_from_the_parameter_else_the_environment(
    local_cluster, small_file, monkeypatch
):
    params = {"data_path": small_file, "n_boot": 30, "test_days": 5}
    monkeypatch.delenv(CLUSTER_ENV, raising=False)
    here = run(params)
    assert here.backtest.cluster == ""
    by_parameter = _within(LIMIT, run, {**params, "cluster": local_cluster})
    monkeypatch.setenv(CLUSTER_ENV, local_cluster)  # how scheduled runs name the cluster
    by_environment = _within(LIMIT, run, params)
    for remote in (by_parameter, by_environment):
        assert remote.backtest.cluster == local_cluster
        _assert_same(here.backtest, remote.backtest)
        assert remote.as_record() == here.as_record()  # every claim and metric, to the last bit


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_cluster_is_one_sentence_before_any_fit(small_file, monkeypatch):
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(UsageError, match=f"Cannot reach the Dask scheduler at {address}"):
        run({"data_path": small_file, "cluster": address})
    monkeypatch.setenv(CLUSTER_ENV, address)
    with pytest.raises(UsageError, match="Cannot reach the Dask scheduler"):
        run({"data_path": small_file})
    assert cluster_address("  local ") == "local" and cluster_address("") == address
    with pytest.raises(ValueError, match="cluster must be a text"):
        cluster_address(2)


def test_without_a_cluster_the_run_stays_here_and_dask_is_not_imported(small_file):
    code = textwrap.dedent(
        f"""
        import sys
        from pilots.mobility.run import run

        # without the peer reference: mlforecast imports dask itself when imported (not the cluster path)
        result = run({{"data_path": {small_file!r}, "n_boot": 20, "test_days": 3, "peer_reference": False}})
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))
        print(result.backtest.cluster == "", len(result.predictions) > 0, loaded)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != CLUSTER_ENV}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "True True []"


class _Recording:
    """A thread pool that notes which part of which horizon is submitted, in order."""

    def __init__(self, pool):
        self.pool, self._max_workers, self.order = pool, pool._max_workers, []

    def submit(self, fn, builder, unit, part, *args):
        self.order.append((unit.horizon, part))
        return self.pool.submit(fn, builder, unit, part, *args)


def test_the_peers_fit_after_every_units_own_models_and_nothing_else_changes():
    """With the mlforecast peer, every unit's own models are submitted first and the peers last (each unit
    is forecast here while the peers fit); the forecasts, the peer's column and its place are those of the
    parts fitted one after another."""
    builder = FeatureBuilder(_wide())
    options = dict(n_folds=1, test_days=4, seed=3, point_params=SMALL, band_params=SMALL, peer=True)
    inline = rolling_origin_backtest(builder, **options)
    with executor("", max_workers=2) as threads:
        recording = _Recording(threads)
        local = rolling_origin_backtest(builder, executor=recording, **options)
    own = [(h, part) for h in (1, 3, 24) for part in ("median", "band", "plain")]
    assert recording.order == own + [(h, "peer") for h in (1, 3, 24)]
    columns = list(local.predictions.columns)
    assert (
        columns.index("peer_mlforecast")
        == columns.index("plain_lgbm") + 1
        == columns.index("seasonal_naive") - 1
    )
    assert local.predictions["peer_mlforecast"].notna().all()
    pd.testing.assert_frame_equal(local.predictions, inline.predictions)


def test_the_prediction_threads_come_back_when_the_last_fit_ends():
    from pilots.mobility.model.forecast import _when_all_done

    futures, calls = [concurrent.futures.Future() for _ in range(3)], []
    _when_all_done(futures, lambda: calls.append("all"))
    futures[2].set_result(None)
    futures[0].set_result(None)
    assert calls == []
    futures[1].set_exception(ValueError("a failed fit is done too"))
    assert calls == ["all"]
    _when_all_done([], lambda: calls.append("none to wait for"))
    assert calls == ["all", "none to wait for"]
