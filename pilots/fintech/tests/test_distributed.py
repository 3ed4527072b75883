"""The out-of-core path (engine "dask") against the in-memory path on ledgers that fit: the same features row for
row, the same split, labels and baselines, LightGBM's distributed model within a small tolerance; the Parquet
ledger read once through the core (``livinglab.load(..., lazy=True)``); the cluster from the core's seam
(``livinglab.cluster.client``, the ``cluster`` parameter); the engine choice; the Parquet writer. One LocalCluster
of two small worker processes for the module, closed after it."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab.cluster import client as cluster_client
from livinglab.contract import ContractError
from livinglab.trust import PSEUDONYM_KEY_ENV
from pilots.fintech.data import ledger_frame
from pilots.fintech.distributed import engine
from pilots.fintech.distributed.detect import detect_dask
from pilots.fintech.distributed.features import dask_features
from pilots.fintech.distributed.ledger import LazyLedger, overview
from pilots.fintech.model.features import transaction_features
from pilots.fintech.model.ledger import LedgerConfig, detect, detection_metrics
from pilots.fintech.run import run_ledger
from pilots.fintech.synthetic.ledger import (
    BANK_ID_STRIDE,
    MERCHANT_BASE,
    generate_transactions,
    in_contract_names,
    write_parquet_ledger,
)


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "a-test-key-of-32-characters-long")


@pytest.fixture(scope="module")
def client():
    with cluster_client("local", n_workers=2, memory_limit="1GiB") as c:
        c.wait_for_workers(2)
        yield c
    # closed: the workers are gone (the context manager closes the client and the cluster)
    assert c.status == "closed"


@pytest.fixture(scope="module")
def ledger():
    return generate_transactions(30_000, n_days=40, fraud_rate=0.01, seed=7)


@pytest.fixture(scope="module")
def memory(ledger):
    """The same ledger as the in-memory path holds it (contract names, then the pilot's schema)."""
    return ledger_frame(in_contract_names(ledger))


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledger") / "parts"
    info = write_parquet_ledger(folder, 30_000, n_days=40, fraud_rate=0.01, seed=7, rows_per_file=7_000,
                                row_group_rows=3_000)  # fmt: skip
    assert info["files"] == 5 and info["rows"] == 30_000
    return folder


def _load(path, **params):
    return livinglab.load("fintech", "ledger", {"data_path": str(path), **params}, record=False, lazy=True)


@pytest.fixture(scope="module")
def lazy(parquet_folder, client):
    return LazyLedger.from_loaded(_load(parquet_folder))


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.set_index("transaction_id").sort_index()
    out.index.name = None
    return out


def test_parquet_files_hold_the_generated_ledger_read_once_through_the_core(ledger, parquet_folder, lazy):
    back = pd.concat(
        [pd.read_parquet(p) for p in sorted(parquet_folder.glob("*.parquet"))], ignore_index=True
    )
    pd.testing.assert_frame_equal(back, in_contract_names(ledger))
    loaded = _load(parquet_folder)
    assert loaded.mode == "file" and loaded.rows == 30_000 and len(loaded.report.files) == 5
    assert lazy.rows == 30_000 and lazy.segments == ("segment",)
    assert lazy.available == frozenset({"counterparty", "channel", "country", "direction", "device"})
    assert lazy.frame.npartitions == 5  # per file, row groups gathered into parts of up to 250,000 rows


def test_features_are_the_in_memory_features_row_for_row(memory, lazy):
    """Accounts shuffled once, the payment graph's events by party: every window [t - w, t) is the same."""
    F = dask_features(lazy, npartitions=6)
    got = F.compute()
    expected = transaction_features(memory.frame, memory.available)
    pd.testing.assert_frame_equal(_by_id(got)[expected.columns], expected, check_exact=True)
    # each partition holds whole accounts, and the work really was spread over several partitions
    part_of = F.map_partitions(
        lambda p, partition_info=None: p[["transaction_id"]].assign(part=partition_info["number"]),
        meta={"transaction_id": "i8", "part": "i8"},
    ).compute()
    part_of = part_of.merge(memory.frame[["transaction_id", "account_id"]], on="transaction_id")
    assert part_of["part"].nunique() == 6
    assert (part_of.groupby("account_id", observed=True)["part"].nunique() == 1).all()


def test_counterparty_features_need_the_graph_pass(ledger):
    """Money mules receive from other accounts: without the events shuffled by party the account's in-degree
    would miss them (this guards the graph pass, not only the account shuffle)."""
    internal = ledger["counterparty_id"] < MERCHANT_BASE
    assert internal.sum() > 100  # internal transfers exist: some counterparties are accounts of the ledger
    own_rows_only = pd.concat(
        [transaction_features(group) for _, group in ledger.groupby(ledger["account_id"] % 3)]
    ).sort_index()
    expected = transaction_features(ledger)
    assert not np.array_equal(own_rows_only["acc_in_degree"], expected["acc_in_degree"])
    assert not np.array_equal(own_rows_only["cp_known_days"], expected["cp_known_days"])


CFG = LedgerConfig(alerts_per_day=25, seed=0)


@pytest.fixture(scope="module")
def both_runs(memory, lazy, client):
    return detect(memory, CFG), detect_dask(lazy, CFG, client=client, npartitions=5)


def test_split_labels_and_baselines_are_the_in_memory_ones(memory, both_runs):
    in_memory, dask_run = both_runs
    assert dask_run.engine == "dask" and in_memory.engine == "pandas"
    assert dask_run.split.describe() == in_memory.split.describe()
    assert (
        dask_run.labels == in_memory.labels and dask_run.labels["train_frauds_pending"] > 0
    )  # label maturity
    assert dask_run.test.index.equals(in_memory.test.index)
    pd.testing.assert_frame_equal(dask_run.X_test, in_memory.X_test, check_exact=True)
    # every training row fits in the baselines' sample: the same rows, the same models, the same scores
    assert dask_run.extra["baseline_sample_rows"] == in_memory.split.train.sum()
    for col in ("score_lr", "score_iforest", "score_unsupervised", "score_rules"):
        np.testing.assert_allclose(dask_run.test[col], in_memory.test[col], rtol=0, atol=1e-9, err_msg=col)
    m, d = detection_metrics(in_memory, CFG), detection_metrics(dask_run, CFG)
    for key in ("pr_auc_lr", "pr_auc_iforest", "pr_auc_unsupervised", "pr_auc_rules", "frauds_test"):
        assert d[key] == pytest.approx(m[key], abs=1e-12), key


def test_distributed_lightgbm_is_within_a_small_tolerance(memory, both_runs):
    """LightGBM's Dask training bins the features per worker and bags other rows: not the same trees, and not
    the same trees from one run to the next (which worker holds which rows varies). It must look like another
    seed of the in-memory model: PR-AUC and ROC-AUC within the in-memory seeds' range (on this small test period
    PR-AUC moves by about 0.1 between seeds; a paired interval against one seed can exclude 0 for another seed
    too, so it is no test of "the same model"), and the rows ranked as another seed ranks them."""
    in_memory, dask_run = both_runs
    assert dask_run.supervised and dask_run.model is not None
    assert (
        dask_run.model.n_pos == in_memory.model.n_pos
        and dask_run.model.n_neg_total == in_memory.model.n_neg_total
    )
    m, d = detection_metrics(in_memory, CFG), detection_metrics(dask_run, CFG)
    others = [detect(memory, LedgerConfig(alerts_per_day=25, seed=s)) for s in (1, 2, 3)]
    # Dask runs measured here: PR-AUC 0.235, 0.270, 0.283 and ROC-AUC 0.926, 0.945 (two of them), against the
    # seeds' 0.248-0.321 and 0.932-0.946; the slack is about half the seeds' own spread
    for key, slack in (("pr_auc", 0.04), ("roc_auc", 0.02)):
        seeds = [m[key]] + [detection_metrics(run, CFG)[key] for run in others]
        assert min(seeds) - slack <= d[key] <= max(seeds) + slack, (key, d[key], seeds)
    assert d["pr_auc"] > 1.5 * d["pr_auc_lr"]  # still far ahead of its strongest baseline

    def rank_corr(a, b):
        return pd.Series(a.test["score"].to_numpy()).rank().corr(pd.Series(b.test["score"].to_numpy()).rank())

    # the scores order the test rows like another seed's do (seed to seed: 0.86-0.90 here), no less
    seed_to_seed = [rank_corr(run, in_memory) for run in others]
    assert rank_corr(dask_run, in_memory) > min(seed_to_seed) - 0.05 > 0.7, (
        rank_corr(dask_run, in_memory),
        seed_to_seed,
    )
    assert dask_run.cost.choice is not None and dask_run.cost.curve_valid is not None
    per_day = dask_run.test.groupby(dask_run.test["timestamp"].dt.normalize())["alerted_operating"].sum()
    assert (per_day <= 25).all()
    assert set(d["recall_by_typology"]) == set(m["recall_by_typology"])
    assert dask_run.reference.shape == (in_memory.split.train.sum(), len(in_memory.unsupervised_features))


@pytest.fixture(scope="module")
def partner(ledger, tmp_path_factory):
    """A partner's Parquet folder in its own names: text ids, signed amounts, a label time, a segment."""
    frame = pd.DataFrame(
        {
            "IBAN": "LU" + ledger["account_id"].astype(str),
            "Buchungszeit": ledger["timestamp"],
            "Betrag": np.where(ledger["direction"] == "debit", -ledger["amount"], ledger["amount"]),
            "counterparty": "C" + ledger["counterparty_id"].astype(str),
            "channel": ledger["channel"].astype(str),
            "country": ledger["country"].astype(str),
            "segment": ledger["customer_type"].astype(str),
            "is_fraud": ledger["label"],
            "label_time": ledger["label_available_at"],
        }
    )
    folder = tmp_path_factory.mktemp("partner") / "export"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 8_000)):
        frame.iloc[start : start + 8_000].to_parquet(folder / f"export-{i}.parquet", index=False)
    return folder, frame


PARTNER_COLUMNS = {"account": "IBAN", "timestamp": "Buchungszeit", "amount": "Betrag", "label": "is_fraud"}


def test_a_partners_parquet_folder_in_its_own_names(ledger, partner, client):
    """Converted like the in-memory loader converts it, read in parts; the run through run_ledger, once on the
    module's cluster (the cluster parameter) and once on a LocalCluster of its own (cluster empty)."""
    folder, frame = partner
    loaded = _load(folder, columns=PARTNER_COLUMNS)
    parts = LazyLedger.from_loaded(loaded)
    in_memory = ledger_frame(
        livinglab.load(
            "fintech", "ledger", {"data_path": str(folder), "columns": PARTNER_COLUMNS}, record=False
        ).frame
    )
    assert parts.rows == len(ledger) and parts.available == in_memory.available
    assert parts.segments == in_memory.segments == ("segment",)
    assert any("duplicate rows are kept" in n for n in parts.notes)
    got = dask_features(parts, npartitions=4).compute()
    expected = transaction_features(in_memory.frame, in_memory.available)
    pd.testing.assert_frame_equal(_by_id(got)[expected.columns], expected, check_exact=True)
    # the data section from Dask reductions
    seen = overview(parts)
    assert seen.accounts == ledger["account_id"].nunique() and int(seen.hourly.sum()) == len(ledger)
    seg = seen.segments.set_index("segment").sort_index()
    expected_seg = frame.groupby("segment").agg(accounts=("IBAN", "nunique"), fraud_rows=("is_fraud", "sum"))
    assert seg["accounts"].tolist() == expected_seg["accounts"].tolist()
    assert seg["fraud_rows"].tolist() == expected_seg["fraud_rows"].tolist()
    params = {"data_path": str(folder), "columns": PARTNER_COLUMNS, "alerts_per_day": 25, "n_boot": 20}
    on_module = run_ledger({**params, "engine": "dask", "cluster": client.scheduler.address})
    own = run_ledger({**params, "engine": "dask"})
    memory = run_ledger({**params, "engine": "pandas"})
    # distributed LightGBM is another seed of the model, not the same trees (see the test above): within the
    # in-memory seeds' range, with about half their spread as slack
    cfg = LedgerConfig(alerts_per_day=25)
    seeds = [memory.metrics["pr_auc"]] + [
        detection_metrics(detect(in_memory, LedgerConfig(alerts_per_day=25, seed=s)), cfg)["pr_auc"]
        for s in (1, 2, 3)
    ]
    for run in (on_module, own):
        assert run.engine == "dask" and run.engine_reason.startswith("engine 'dask' (as asked)")
        assert run.detection.split.describe() == memory.detection.split.describe()
        assert run.metrics["pr_auc_lr"] == pytest.approx(memory.metrics["pr_auc_lr"], abs=1e-12)
        # data-parallel LightGBM bins each worker's rows itself: on this small ledger it may land below the
        # in-memory seeds (CI: 0.146 against 0.192-0.205), but a wiring bug (labels, split, features) falls
        # to the fraud share; it must keep most of the in-memory model's lift
        prevalence = run.detection.test["label"].mean()
        assert 0.6 * min(seeds) <= run.metrics["pr_auc"] <= max(seeds) + 0.04, (run.metrics["pr_auc"], seeds)
        assert run.metrics["pr_auc"] > 5 * prevalence, (run.metrics["pr_auc"], prevalence)
        assert (
            run.metrics["rows"] == memory.metrics["rows"]
            and run.metrics["accounts"] == memory.metrics["accounts"]
        )
    assert "export-0.parquet" in own.data.describe() and own.data.source.sha256 == memory.data.source.sha256


def test_the_cluster_parameter_honours_livinglab_cluster(partner, client, monkeypatch):
    """The Dask engine asks the core's seam (livinglab.cluster.client) for the run's cluster parameter, else
    LIVINGLAB_CLUSTER (livinglab.cluster.cluster_address). The seam is watched and answers with the module's
    client (a second client to a scheduler running in this process can lose task graphs: a dask-expr race)."""
    import livinglab.cluster

    asked = []

    @contextmanager
    def seam(address, **options):
        asked.append(address)
        yield client

    monkeypatch.setattr(livinglab.cluster, "client", seam)
    folder, _ = partner
    params = {"data_path": str(folder), "columns": PARTNER_COLUMNS, "engine": "dask", "n_boot": 10}
    monkeypatch.setenv("LIVINGLAB_CLUSTER", "tcp://scheduler.example:8786")
    run = run_ledger(params)
    assert asked == ["tcp://scheduler.example:8786"] and run.engine == "dask"
    assert run.detection.extra["dask_workers"] == 2
    run_ledger({**params, "cluster": "tcp://another.example:8786"})  # the parameter wins
    monkeypatch.delenv("LIVINGLAB_CLUSTER")
    run_ledger(params)  # neither: workers started on this machine
    assert asked[1:] == ["tcp://another.example:8786", "local"]


def test_a_generated_ledger_on_dask_is_partitioned_from_memory(client, monkeypatch):
    """engine dask without a file: the generated ledger, prepared in memory, partitioned there; the same split,
    labels and typology table as in memory."""
    import livinglab.cluster

    @contextmanager
    def seam(address, **options):
        yield client

    monkeypatch.setattr(livinglab.cluster, "client", seam)
    params = {"n_transactions": 20_000, "n_days": 30, "fraud_rate": 0.02, "alerts_per_day": 20, "n_boot": 10}
    on_dask, in_memory = run_ledger({**params, "engine": "dask"}), run_ledger({**params, "engine": "pandas"})
    assert on_dask.engine == "dask" and on_dask.data.is_synthetic
    assert any("partitioned from there" in n for n in on_dask.notes)
    assert on_dask.detection.split.describe() == in_memory.detection.split.describe()
    assert on_dask.detection.labels == in_memory.detection.labels
    pd.testing.assert_frame_equal(on_dask.typologies, in_memory.typologies)
    assert on_dask.metrics["pr_auc_lr"] == pytest.approx(in_memory.metrics["pr_auc_lr"], abs=1e-12)


def test_a_ledger_without_counterparty_or_labels(ledger, tmp_path, client):
    """No payment graph (no second shuffle), no labels: the unsupervised combination ranks, as in memory."""
    frame = pd.DataFrame(
        {
            "account": ledger["account_id"].astype(str),
            "timestamp": ledger["timestamp"],
            "amount": np.where(ledger["direction"] == "debit", -ledger["amount"], ledger["amount"]),
        }
    ).iloc[:20_000]
    frame.to_parquet(tmp_path / "plain.parquet", index=False, row_group_size=5_000)
    params = {
        "data_path": str(tmp_path / "plain.parquet"),
        "alerts_per_day": 20,
        "cluster": client.scheduler.address,
    }
    run, memory = run_ledger({**params, "engine": "dask"}), run_ledger({**params, "engine": "pandas"})
    assert run.detection.available == memory.detection.available == frozenset({"direction"})
    assert (
        not run.detection.supervised
        and run.detection.model is None
        and run.metrics["detection_mode"] == "unsupervised"
    )
    assert any("No labels" in n for n in run.notes) and run.verdicts == {"pr_auc": "not computed"}
    np.testing.assert_allclose(run.detection.test["score"], memory.detection.test["score"], rtol=0, atol=1e-9)
    assert (run.detection.test["alerted"] == memory.detection.test["alerted"]).all()


def test_bad_input_is_one_sentence_before_any_work(tmp_path, parquet_folder):
    with pytest.raises(ContractError, match="maps 'account' to 'nope', but the file has no such column"):
        _load(parquet_folder, columns={"account": "nope"})
    with pytest.raises(ContractError, match="apply to text files"):
        _load(parquet_folder, read_options={"sep": ";"})
    csv = tmp_path / "ledger.csv"
    csv.write_text("account,timestamp,amount\na,2026-01-01,1\n")
    with pytest.raises(engine.ScaleError, match="engine 'dask' reads Parquet"):
        run_ledger({"data_path": str(csv), "engine": "dask"})


def test_engine_choice_by_size():
    budget = 1.0  # GiB
    small = int(0.5 * 2**30 / engine.BYTES_PER_ROW)
    large = int(2 * 2**30 / engine.BYTES_PER_ROW)
    assert engine.choose_engine("auto", small, budget).engine == "pandas"
    chosen = engine.choose_engine("auto", large, budget)
    assert chosen.engine == "dask" and chosen.reason.startswith("engine 'auto' chose Dask")
    assert "budget is 1.0 GiB" in chosen.reason
    assert engine.choose_engine("pandas", large, budget).engine == "pandas"
    assert engine.choose_engine("dask", small, budget).engine == "dask"
    kept = engine.choose_engine("auto", large, budget, parquet=False)
    assert kept.engine == "pandas" and "Parquet" in kept.reason
    assert engine.choose_engine("auto", None, budget, parquet=False).engine == "pandas"
    with pytest.raises(engine.ScaleError, match="engine 'dask' reads Parquet"):
        engine.choose_engine("dask", None, budget, parquet=False)
    with pytest.raises(engine.ScaleError, match="engine must be one of auto, pandas, dask"):
        engine.choose_engine("spark", small, budget)
    with pytest.raises(engine.ScaleError, match="memory_budget_gib"):
        engine.choose_engine("auto", small, -1)
    assert engine.memory_budget_bytes(0) == engine.machine_memory_bytes() // 2


def test_banks_are_written_one_after_another_with_their_own_ids(tmp_path):
    info = write_parquet_ledger(tmp_path / "banks", 9_000, n_days=20, fraud_rate=0.01, seed=1, banks=3,
                                rows_per_file=2_000)  # fmt: skip
    assert info["rows"] == 9_000 and info["banks"] == 3 and info["files"] == 6
    frame = pd.concat(
        [pd.read_parquet(p) for p in sorted((tmp_path / "banks").glob("*.parquet"))], ignore_index=True
    )
    account, counterparty = frame["account"].astype(np.int64), frame["counterparty"].astype(np.int64)
    bank = account // BANK_ID_STRIDE
    assert bank.value_counts().sort_index().tolist() == [3_000, 3_000, 3_000]
    internal = counterparty < MERCHANT_BASE
    assert (counterparty[internal] // BANK_ID_STRIDE == bank[internal]).all()
    shops = counterparty.between(MERCHANT_BASE, 2 * MERCHANT_BASE - 1)
    assert (
        account[shops].groupby(counterparty[shops]).apply(lambda a: (a // BANK_ID_STRIDE).nunique()).max() > 1
    )
    first = in_contract_names(generate_transactions(3_000, n_days=20, fraud_rate=0.01, seed=1))
    pd.testing.assert_frame_equal(
        frame.iloc[:3_000].reset_index(drop=True), first
    )  # bank 0 = the plain generator
    with pytest.raises(Exception, match="already holds Parquet files"):
        write_parquet_ledger(tmp_path / "banks", 1_000, n_days=20)


def test_the_in_memory_path_never_imports_dask():
    """The smoke run (engine auto, a small ledger) must not pay for Dask."""
    code = (
        "import sys; from pilots.fintech.run import run_ledger; "
        "r = run_ledger({'n_transactions': 3000, 'n_days': 20, 'fraud_rate': 0.02, 'alerts_per_day': 10, 'n_boot': 10}); "
        "print(r.engine, any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["pandas", "False"]
