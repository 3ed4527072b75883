"""The out-of-core path (engine "dask") against the in-memory path on ledgers that fit: the same features row for
row, the same split, labels and baselines, LightGBM's distributed model within a small tolerance; the engine
choice; the Parquet writer. One LocalCluster of two small worker processes for the module, closed after it."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from livinglab.contract import ContractError
from pilots.fintech import scale
from pilots.fintech.data import load_fintech
from pilots.fintech.features import transaction_features
from pilots.fintech.pipeline import run_detection, run_ledger
from pilots.fintech.synthetic import (
    BANK_ID_STRIDE,
    MERCHANT_BASE,
    SEGMENT_COLUMNS,
    generate_transactions,
    write_parquet_ledger,
)

SEGMENTS = tuple(reversed(SEGMENT_COLUMNS))
CLUSTER_START_S = 60  # starting two worker processes takes a few seconds; more means something is wrong


@pytest.fixture(scope="module")
def client():
    t0 = time.monotonic()
    with scale.dask_client(n_workers=2, memory_limit="1GiB") as c:
        c.wait_for_workers(2, timeout=CLUSTER_START_S)
        assert time.monotonic() - t0 < CLUSTER_START_S
        yield c
    # closed: the workers are gone (the context manager closes the client and the cluster)
    assert c.status == "closed"


@pytest.fixture(scope="module")
def ledger():
    return generate_transactions(30_000, n_days=40, fraud_rate=0.01, seed=7)


@pytest.fixture(scope="module")
def parquet_folder(ledger, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledger") / "parts"
    info = write_parquet_ledger(folder, 30_000, n_days=40, fraud_rate=0.01, seed=7, rows_per_file=7_000,
                                row_group_rows=3_000)  # fmt: skip
    assert info["files"] == 5 and info["rows"] == 30_000
    return folder


@pytest.fixture(scope="module")
def lazy(parquet_folder, client):
    return scale.read_parquet_ledger(parquet_folder, record=False)


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.set_index("transaction_id").sort_index()
    out.index.name = None
    return out


def test_parquet_files_hold_the_generated_ledger(ledger, parquet_folder, lazy):
    back = pd.concat(
        [pd.read_parquet(p) for p in sorted(parquet_folder.glob("*.parquet"))], ignore_index=True
    )
    pd.testing.assert_frame_equal(back, ledger)
    assert lazy.rows == 30_000 and lazy.segments == SEGMENTS
    assert lazy.available == frozenset({"counterparty", "channel", "country", "direction", "device"})
    assert lazy.frame.npartitions == 5  # per file, row groups gathered into pieces of up to 250,000 rows


def test_features_are_the_in_memory_features_row_for_row(ledger, lazy):
    """Accounts shuffled once, the payment graph's events by party: every window [t - w, t) is the same."""
    F = scale.dask_features(lazy, npartitions=6)
    got = F.compute()
    expected = transaction_features(ledger)
    pd.testing.assert_frame_equal(_by_id(got)[expected.columns], expected, check_exact=True)
    # each partition holds whole accounts, and the work really was spread over several partitions
    part_of = F.map_partitions(
        lambda p, partition_info=None: p[["transaction_id"]].assign(part=partition_info["number"]),
        meta={"transaction_id": "i8", "part": "i8"},
    ).compute()
    part_of = part_of.merge(ledger[["transaction_id", "account_id"]], on="transaction_id")
    assert part_of["part"].nunique() == 6
    assert (part_of.groupby("account_id")["part"].nunique() == 1).all()


def test_counterparty_features_need_the_graph_pass(ledger, lazy):
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


@pytest.fixture(scope="module")
def both_runs(ledger, lazy, client):
    settings = {"alerts_per_day": 25, "seed": 0}
    memory = run_detection(ledger, segments=SEGMENTS, **settings)
    dask_run = scale.run_detection_dask(lazy, client=client, npartitions=5, **settings)
    return memory, dask_run


def test_split_labels_and_baselines_are_the_in_memory_ones(both_runs):
    memory, dask_run = both_runs
    assert (
        dask_run.engine == "dask"
        and dask_run.metrics["engine"] == "dask"
        and memory.metrics["engine"] == "pandas"
    )
    assert dask_run.split.describe() == memory.split.describe()
    assert dask_run.labels == memory.labels and dask_run.labels["train_frauds_pending"] > 0  # label maturity
    assert dask_run.test.index.equals(memory.test.index)
    pd.testing.assert_frame_equal(dask_run.X_test, memory.X_test, check_exact=True)
    # every training row fits in the baselines' sample: the same rows, the same models, the same scores
    assert dask_run.metrics["baseline_sample_rows"] == memory.split.train.sum()
    for col in ("score_lr", "score_iforest", "score_unsupervised", "score_rules"):
        np.testing.assert_allclose(dask_run.test[col], memory.test[col], rtol=0, atol=1e-9, err_msg=col)
    for key in ("pr_auc_lr", "pr_auc_iforest", "pr_auc_unsupervised", "pr_auc_rules", "frauds_test"):
        assert dask_run.metrics[key] == pytest.approx(memory.metrics[key], abs=1e-12), key


def test_distributed_lightgbm_is_within_a_small_tolerance(ledger, both_runs):
    """LightGBM's Dask training bins the features per worker and bags other rows: not the same trees, and not
    the same trees from one run to the next (which worker holds which rows varies). It must look like another
    seed of the in-memory model: PR-AUC and ROC-AUC within the in-memory seeds' range (on this small test period
    PR-AUC moves by about 0.1 between seeds; a paired interval against one seed can exclude 0 for another seed
    too, so it is no test of "the same model"), and the rows ranked as another seed ranks them."""
    memory, dask_run = both_runs
    assert dask_run.supervised and dask_run.model is not None
    assert (
        dask_run.model.n_pos == memory.model.n_pos and dask_run.model.n_neg_total == memory.model.n_neg_total
    )
    m, d = memory.metrics, dask_run.metrics
    others = [run_detection(ledger, segments=SEGMENTS, alerts_per_day=25, seed=s) for s in (1, 2, 3)]
    # Dask runs measured here: PR-AUC 0.235, 0.270, 0.283 and ROC-AUC 0.926, 0.945 (two of them), against the
    # seeds' 0.248-0.321 and 0.932-0.946; the slack is about half the seeds' own spread
    for key, slack in (("pr_auc", 0.04), ("roc_auc", 0.02)):
        seeds = [m[key]] + [run.metrics[key] for run in others]
        assert min(seeds) - slack <= d[key] <= max(seeds) + slack, (key, d[key], seeds)
    assert d["pr_auc"] > 1.5 * d["pr_auc_lr"]  # still far ahead of its strongest baseline

    def rank_corr(a, b):
        return pd.Series(a.test["score"].to_numpy()).rank().corr(pd.Series(b.test["score"].to_numpy()).rank())

    # the scores order the test rows like another seed's do (seed to seed: 0.86-0.90 here), no less
    seed_to_seed = [rank_corr(run, memory) for run in others]
    assert rank_corr(dask_run, memory) > min(seed_to_seed) - 0.05 > 0.7, (
        rank_corr(dask_run, memory),
        seed_to_seed,
    )
    assert d["cost_threshold"] > 0 and dask_run.cost_curve_valid is not None
    per_day = dask_run.test.groupby(dask_run.test["timestamp"].dt.normalize())["alerted"].sum()
    assert (per_day <= 25).all()
    assert set(d["recall_by_typology"]) == set(m["recall_by_typology"])
    assert dask_run.reference_features.shape == (memory.split.train.sum(), len(memory.unsupervised_features))


def test_a_partners_parquet_folder_in_contract_names(ledger, tmp_path, client):
    """Text ids and categories, signed amounts, a label time: converted like the in-memory loader, read in parts."""
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
    folder = tmp_path / "export"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 8_000)):
        frame.iloc[start : start + 8_000].to_parquet(folder / f"export-{i}.parquet", index=False)
    columns = {"account": "IBAN", "timestamp": "Buchungszeit", "amount": "Betrag", "label": "is_fraud"}
    synth = {"n_transactions": 0, "n_days": 0, "fraud_rate": 0.0, "seed": 0, "real_distribution": ""}
    in_memory = load_fintech("synthetic", str(folder), columns, {}, "ledger", engine="pandas", **synth)
    address = client.scheduler.address  # the module's cluster (empty: a LocalCluster of the run's own)
    parts = load_fintech(
        "synthetic", str(folder), columns, {}, "ledger", engine="dask", dask_address=address, **synth
    )
    assert in_memory.engine.engine == "pandas" and parts.engine.engine == "dask"
    assert parts.frame is None and parts.lazy is not None and parts.rows == len(ledger)
    assert parts.available == in_memory.available and parts.segments == in_memory.segments == ("segment",)
    assert any("duplicate rows are kept" in n for n in parts.notes)
    got = scale.dask_features(parts.lazy, npartitions=4).compute()
    expected = transaction_features(in_memory.frame, in_memory.available)
    pd.testing.assert_frame_equal(_by_id(got)[expected.columns], expected, check_exact=True)
    # the notebook's data section from Dask reductions
    assert parts.describe().startswith("4 Parquet files (export-0.parquet, ...): ")
    assert f"{len(ledger):,} transactions of {ledger['account_id'].nunique():,} accounts" in parts.describe()
    seg = parts.summary.segments.set_index("segment").sort_index()
    expected_seg = frame.groupby("segment").agg(accounts=("IBAN", "nunique"), fraud_rows=("is_fraud", "sum"))
    assert seg["accounts"].tolist() == expected_seg["accounts"].tolist()
    assert seg["fraud_rows"].tolist() == expected_seg["fraud_rows"].tolist()
    assert int(parts.summary.hourly.sum()) == len(ledger)
    # through the notebook's entry point, with the client made at loading (a LocalCluster of its own)
    run = run_ledger(parts, alerts_per_day=25)
    memory = run_ledger(in_memory, alerts_per_day=25)
    assert run.engine == "dask" and run.metrics["engine_reason"].startswith("engine 'dask' (as asked)")
    assert run.split.describe() == memory.split.describe()
    assert run.metrics["pr_auc_lr"] == pytest.approx(memory.metrics["pr_auc_lr"], abs=1e-12)
    assert abs(run.metrics["pr_auc"] - memory.metrics["pr_auc"]) < 0.06
    scale.close_shared_clients()
    assert parts.client.status == "closed"


def test_a_ledger_without_counterparty_or_labels(ledger, tmp_path, client):
    """No payment graph (no second shuffle), no labels: the unsupervised combination ranks, as in memory."""
    frame = pd.DataFrame(
        {
            "account": ledger["account_id"],
            "timestamp": ledger["timestamp"],
            "amount": np.where(ledger["direction"] == "debit", -ledger["amount"], ledger["amount"]),
        }
    ).iloc[:20_000]
    frame.to_parquet(tmp_path / "plain.parquet", index=False, row_group_size=5_000)
    synth = {"n_transactions": 0, "n_days": 0, "fraud_rate": 0.0, "seed": 0, "real_distribution": ""}
    address = client.scheduler.address
    parts = load_fintech(
        "synthetic",
        str(tmp_path / "plain.parquet"),
        {},
        {},
        "ledger",
        engine="dask",
        dask_address=address,
        **synth,
    )
    in_memory = load_fintech(
        "synthetic", str(tmp_path / "plain.parquet"), {}, {}, "ledger", engine="pandas", **synth
    )
    assert parts.available == in_memory.available == frozenset({"direction"}) and not parts.has_labels
    got = scale.dask_features(parts.lazy, npartitions=3).compute()
    expected = transaction_features(in_memory.frame, in_memory.available)
    pd.testing.assert_frame_equal(_by_id(got)[expected.columns], expected, check_exact=True)
    run, memory = run_ledger(parts, alerts_per_day=20), run_ledger(in_memory, alerts_per_day=20)
    assert not run.supervised and run.model is None and run.metrics["detection_mode"] == "unsupervised"
    assert any("No labels" in n for n in run.notes)
    np.testing.assert_allclose(run.test["score"], memory.test["score"], rtol=0, atol=1e-9)
    assert (run.test["alerted"] == memory.test["alerted"]).all()
    scale.close_shared_clients()


def test_bad_input_is_one_sentence_before_any_work(tmp_path, parquet_folder):
    with pytest.raises(ContractError, match="no column for 'account'"):
        scale.read_parquet_ledger(
            parquet_folder, {"timestamp": "timestamp", "amount": "amount"}, record=False
        )
    csv = tmp_path / "ledger.csv"
    csv.write_text("account,timestamp,amount\na,2026-01-01,1\n")
    with pytest.raises(scale.ScaleError, match="not Parquet"):
        scale.read_parquet_ledger(csv, record=False)
    with pytest.raises(scale.ScaleError, match="apply to text files"):
        scale.read_parquet_ledger(parquet_folder, read_options={"sep": ";"}, record=False)


def test_engine_choice_by_size():
    budget = 1.0  # GiB
    small = int(0.5 * 2**30 / scale.BYTES_PER_ROW)
    large = int(2 * 2**30 / scale.BYTES_PER_ROW)
    assert scale.choose_engine("auto", small, budget).engine == "pandas"
    chosen = scale.choose_engine("auto", large, budget)
    assert chosen.engine == "dask" and chosen.reason.startswith("engine 'auto' chose Dask")
    assert "budget is 1.0 GiB" in chosen.reason
    assert scale.choose_engine("pandas", large, budget).engine == "pandas"
    assert scale.choose_engine("dask", small, budget).engine == "dask"
    kept = scale.choose_engine("auto", large, budget, parquet=False)
    assert kept.engine == "pandas" and "Parquet" in kept.reason
    assert scale.choose_engine("auto", None, budget, parquet=False).engine == "pandas"
    with pytest.raises(scale.ScaleError, match="engine 'dask' reads Parquet"):
        scale.choose_engine("dask", None, budget, parquet=False)
    with pytest.raises(scale.ScaleError, match="engine must be one of auto, pandas, dask"):
        scale.choose_engine("spark", small, budget)
    with pytest.raises(scale.ScaleError, match="memory_budget_gib"):
        scale.choose_engine("auto", small, -1)
    assert scale.memory_budget_bytes(0) == scale.machine_memory_bytes() // 2


def test_banks_are_written_one_after_another_with_their_own_ids(tmp_path):
    info = write_parquet_ledger(tmp_path / "banks", 9_000, n_days=20, fraud_rate=0.01, seed=1, banks=3,
                                rows_per_file=2_000)  # fmt: skip
    assert info["rows"] == 9_000 and info["banks"] == 3 and info["files"] == 6
    frame = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "banks").glob("*.parquet"))])
    assert frame["transaction_id"].tolist() == list(range(9_000))
    bank = frame["account_id"] // BANK_ID_STRIDE
    assert bank.value_counts().sort_index().tolist() == [3_000, 3_000, 3_000]
    internal = frame["counterparty_id"] < MERCHANT_BASE
    assert (frame.loc[internal, "counterparty_id"] // BANK_ID_STRIDE == bank[internal]).all()
    shops = frame.loc[frame["counterparty_id"].between(MERCHANT_BASE, 2 * MERCHANT_BASE - 1)]
    assert (
        shops.groupby("counterparty_id")["account_id"].apply(lambda a: (a // BANK_ID_STRIDE).nunique()).max()
        > 1
    )
    first = generate_transactions(3_000, n_days=20, fraud_rate=0.01, seed=1)
    pd.testing.assert_frame_equal(
        frame.iloc[:3_000].reset_index(drop=True), first
    )  # bank 0 = the plain generator
    with pytest.raises(Exception, match="already holds Parquet files"):
        write_parquet_ledger(tmp_path / "banks", 1_000, n_days=20)


def test_the_in_memory_path_never_imports_dask():
    """The smoke run (engine auto, a small ledger) must not pay for Dask."""
    code = (
        "import sys; from pilots.fintech.data import load_fintech; from pilots.fintech.pipeline import run_ledger; "
        "d = load_fintech('synthetic', '', {}, {}, 'auto', n_transactions=3000, n_days=20, fraud_rate=0.02, "
        "seed=0, real_distribution=''); r = run_ledger(d, alerts_per_day=10); "
        "print(d.engine.engine, r.engine, any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-3:] == ["pandas", "pandas", "False"]
