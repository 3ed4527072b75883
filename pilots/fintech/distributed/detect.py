"""A ledger's detection out of core: Dask dataframes and LightGBM's own Dask estimators, the same steps as
``model.ledger.detect`` (same split, labels, features and baselines), on a Dask client the caller gives.

1. **Time split** from the sorted timestamps (one column collected): the same cut points as in memory, and
   the labels known at the split (label maturity) decided row by row as in memory.
2. **Features** (``distributed.features``): accounts shuffled once, the payment graph's events once by party,
   the in-memory feature function on each partition.
3. **Training** with ``lightgbm.dask.DaskLGBMClassifier`` on the workers (the threshold model on the training
   rows outside the validation window, the final model on all training rows). Genuine rows are subsampled as
   in memory (``neg_per_pos`` per known fraud, at least ``min_negatives``), decided row by row by a hash of the
   row id: the same share, not the same rows. Distributed LightGBM finds its bins per worker, so its model
   differs slightly from the in-memory one.
4. **Baselines** on a uniform sample of the training rows, collected (every training row up to
   ``BASELINE_SAMPLE_ROWS``: then exactly the rows, and the models, of the in-memory path): the logistic
   regression, the unsupervised combination, the default Isolation Forest and the rules.
5. **The test period** scored on the workers and collected (it is what the analysts work through: 30 % of
   the ledger by default), then finished by the in-memory code (``model.ledger.finish_test_period``).

Not partitioned: the test period must fit in this process's memory.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from livinglab.contract import ContractError

from ..data import MIN_LEDGER_ROWS
from ..model import evaluation as ev
from ..model.detectors import (
    DetectorError,
    RulesBaseline,
    SupervisedConfig,
    SupervisedModel,
    lightgbm_params,
    negatives_to_keep,
    time_split,
)
from ..model.features import CATEGORICAL, RULE_INPUTS, UNSUPERVISED_FEATURES, feature_names
from ..model.ledger import (
    MIN_KNOWN_FRAUDS,
    CostView,
    LedgerConfig,
    LedgerDetection,
    finish_test_period,
    one_hot,
    view_columns,
)
from ..model.outliers import Combination, DefaultForest, fit_logistic
from .engine import worker_count
from .features import VIEW_PREFIX, _SplitRule, dask_features, partition_count
from .ledger import LazyLedger

BASELINE_SAMPLE_ROWS = 1_000_000  # training rows collected for the baselines (all of them below this)


def _count_part(part: pd.DataFrame, rule: _SplitRule) -> pd.DataFrame:
    fl = rule.flags(part)
    counts = {"rows": len(part), "train": int(fl["train"].sum()), "valid": int(fl["valid"].sum())}
    if "known" in fl:
        known, label = fl["known"], fl["label"]
        counts |= {
            "pos_fit": int((known & fl["fit"]).sum()),
            "neg_fit": int((~known & fl["fit"]).sum()),
            "pos_train": int((known & fl["train"]).sum()),
            "neg_train": int((~known & fl["train"]).sum()),
            "train_frauds": int((label & fl["train"]).sum()),
            "valid_known": int((known & fl["valid"]).sum()),
            "test_frauds": int((label & ~fl["train"]).sum()),
        }
    return pd.DataFrame([counts])


_SKLEARN_NAMES = {
    "min_data_in_leaf": "min_child_samples",
    "feature_fraction": "colsample_bytree",
    "bagging_fraction": "subsample",
    "bagging_freq": "subsample_freq",
    "lambda_l2": "reg_lambda",
    "seed": "random_state",
}


def _lightgbm_dask(client, X, y, *, config: SupervisedConfig, seed: int, categorical: list[str]):
    """LightGBM's own Dask estimator with the in-memory path's parameters; returns the fitted booster."""
    from lightgbm.dask import DaskLGBMClassifier

    params = lightgbm_params(config, seed)
    params.pop("num_threads")  # each worker trains with the threads it has
    params = {_SKLEARN_NAMES.get(k, k): v for k, v in params.items()}
    model = DaskLGBMClassifier(client=client, n_estimators=config.num_boost_round, **params)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored")  # the estimator's own default
        model.fit(X, y, categorical_feature=categorical)
    return model.to_local().booster_


def _collect(frame, client) -> pd.DataFrame:
    """A Dask frame (or series) gathered partition by partition and concatenated here.

    ``frame.compute()`` first concatenates every partition on one worker (dask-expr's default), which kills a
    worker with a memory limit when the result is large (the 30M-row ledger's test period: 9 million rows).
    """
    futures = client.compute(frame.to_delayed())
    parts = client.gather(futures)
    del futures
    return pd.concat(parts) if parts else frame._meta


def _nonempty(frame):
    """A persisted Dask frame without its empty partitions (LightGBM's Dask training needs rows in each)."""
    lengths = frame.map_partitions(len).compute()
    keep = [i for i, n in enumerate(lengths) if n > 0]
    return frame.partitions[keep], int(sum(lengths))


def _predict_part(part: pd.DataFrame, booster, columns: list[str]) -> pd.Series:
    if len(part) == 0:
        return pd.Series(np.array([], dtype=float), index=part.index)
    return pd.Series(booster.predict(part[columns], num_threads=1), index=part.index)


@dataclass
class _Scorers:
    model_cols: list[str]
    unsup_cols: list[str]
    combination: Any
    forest: Any
    rules: RulesBaseline
    booster: Any = None
    logistic: Any = None
    lr_columns: list[str] | None = None

    def score(self, part: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=part.index)
        if len(part) == 0:
            for col in self.columns():
                out[col] = np.array([], dtype=float)
            return out
        X = part[[c for c in part.columns if not c.startswith(("_", "transaction_id"))]]
        unsup = X[self.unsup_cols].to_numpy()
        out["score_unsupervised"] = self.combination.score(unsup)
        out["score_iforest"] = self.forest.score(unsup)
        out["score_rules"] = self.rules.score(X)
        if self.booster is not None:
            out["score"] = self.booster.predict(X[self.model_cols], num_threads=1)
            lr = one_hot(X[self.model_cols]).reindex(columns=self.lr_columns, fill_value=0.0)
            out["score_lr"] = self.logistic.score(lr.to_numpy())
        return out

    def columns(self) -> list[str]:
        cols = ["score_unsupervised", "score_iforest", "score_rules"]
        return cols + (["score", "score_lr"] if self.booster is not None else [])


def _score_part(part: pd.DataFrame, scorers: _Scorers) -> pd.DataFrame:
    return pd.concat([part, scorers.score(part)], axis=1)


def detect_dask(
    ledger: LazyLedger, cfg: LedgerConfig, *, client, npartitions: int | None = None
) -> LedgerDetection:
    """``model.ledger.detect`` out of core (see the module docstring): a :class:`LedgerDetection` whose
    ``X_test`` and ``test`` hold the test period (collected) and ``reference`` a sample of the training rows."""
    from distributed import wait

    timings: dict[str, float] = {}
    notes: list[str] = []
    workers = worker_count(client)
    t0 = time.perf_counter()
    f = ledger.frame
    has_delay = "label_available_at" in f.columns
    maturity = pd.Timedelta(days=cfg.label_maturity_days if has_delay else 0)
    ts = np.sort(_collect(f["timestamp"], client).to_numpy())  # one column collected: the exact cut points
    if len(ts) < MIN_LEDGER_ROWS:
        raise ContractError(
            f"The ledger has only {len(ts)} rows; the pilot needs at least {MIN_LEDGER_ROWS}."
        )
    split = time_split(pd.Series(ts), cfg.train_frac, cfg.valid_frac, maturity)
    del ts
    rule = _SplitRule.of(split, has_delay)
    counts = f.map_partitions(_count_part, rule, meta=_count_part(f._meta_nonempty.head(1), rule).iloc[:0])
    counts = counts.sum().compute().astype(int).to_dict()
    timings["split_s"] = time.perf_counter() - t0

    available = ledger.available
    model_cols = feature_names(available)
    unsup_cols = [c for c in UNSUPERVISED_FEATURES if c in model_cols]
    all_cols = [*model_cols, *RULE_INPUTS]
    has_labels = ledger.has_labels
    labels: dict = {}
    if has_labels:
        labels = {
            "train_frauds": counts["train_frauds"],
            "train_frauds_known": counts["pos_train"],
            "train_frauds_pending": counts["train_frauds"] - counts["pos_train"],
            "valid_frauds_known": counts["valid_known"],
            "test_frauds": counts["test_frauds"],
        }  # model.ledger.label_counts, from the partitions' counts
    supervised = has_labels and labels["train_frauds_known"] >= MIN_KNOWN_FRAUDS
    if has_labels and not supervised:
        notes.append(
            f"Only {labels['train_frauds_known']} frauds were known in the training period (at least "
            f"{MIN_KNOWN_FRAUDS} are needed to learn from): the unsupervised combination is the model."
        )
    threshold_model = supervised and counts["pos_fit"] >= 2 and counts["valid_known"] >= 1
    if supervised and not threshold_model:
        notes.append(
            "Too few known frauds in the validation window to choose a cost threshold: the operating point "
            "is the analysts' capacity."
        )
    scfg = cfg.supervised
    p_train = p_fit = 0.0
    if supervised:
        p_train = negatives_to_keep(counts["pos_train"], counts["neg_train"], scfg) / max(
            1, counts["neg_train"]
        )
        p_fit = negatives_to_keep(counts["pos_fit"], counts["neg_fit"], scfg) / max(1, counts["neg_fit"])
    p_base = min(1.0, BASELINE_SAMPLE_ROWS / max(1, counts["train"]))

    view_cols = [c for c in view_columns(f.columns, tuple(ledger.segments)) if c != "transaction_id"]
    t0 = time.perf_counter()
    F = dask_features(ledger, npartitions=npartitions or partition_count(ledger.rows, workers), keep=view_cols,
                      rule=rule, seed=cfg.seed)  # fmt: skip
    known_col = ["_known"] if has_labels else []
    wanted = {
        "base": F[F["_train"] & (F["_u2"] < p_base)][["transaction_id", *all_cols, *known_col]],
        "test": F[~F["_train"]][["transaction_id", *[VIEW_PREFIX + c for c in view_cols], *all_cols]],
    }
    if supervised:
        p_cand = max(p_train, p_fit if threshold_model else 0.0)
        wanted["train"] = F[F["_train"] & (F["_known"] | (F["_u"] < p_cand))][
            [*model_cols, "_known", "_u", "_fit"]
        ]
        if threshold_model:
            wanted["valid"] = F[F["_valid"]][[*model_cols, "_known", VIEW_PREFIX + "amount"]]
    persisted = dict(zip(wanted, client.persist(list(wanted.values())), strict=True))
    wait(list(persisted.values()))
    timings["features_s"] = time.perf_counter() - t0

    # ------------------------------------------------------------------ baselines on the training sample
    t0 = time.perf_counter()
    base = (
        _collect(persisted["base"], client)
        .sort_values("transaction_id", kind="stable")
        .reset_index(drop=True)
    )
    combination = Combination.fit(base[unsup_cols].to_numpy(), unsup_cols, seed=cfg.seed)
    forest = DefaultForest.fit(base[unsup_cols].to_numpy(), seed=cfg.seed)
    rules = RulesBaseline.fit(base[all_cols], structuring=cfg.currency == "EUR")
    timings["unsupervised_and_rules_s"] = time.perf_counter() - t0
    scorers = _Scorers(model_cols, unsup_cols, combination, forest, rules)

    model = logistic = choice = curve = None
    categorical = [c for c in CATEGORICAL if c in model_cols]
    if supervised:
        t0 = time.perf_counter()
        train = persisted["train"]
        if threshold_model:
            fit_rows, _ = _nonempty(train[train["_fit"] & (train["_known"] | (train["_u"] < p_fit))])
            booster_valid = _lightgbm_dask(
                client, fit_rows[model_cols], fit_rows["_known"].astype("int8"), config=scfg, seed=cfg.seed,
                categorical=categorical,
            )  # fmt: skip
            valid = persisted["valid"]
            scored = _collect(
                valid.assign(
                    _score=valid.map_partitions(
                        _predict_part, booster_valid, model_cols, meta=("_score", "f8")
                    )
                )[["_score", "_known", VIEW_PREFIX + "amount"]],
                client,
            )
            y_valid = scored["_known"].to_numpy().astype(np.int8)
            amount_valid = scored[VIEW_PREFIX + "amount"].to_numpy(dtype=float)
            kw = {"review_cost": cfg.review_cost, "loss_share": cfg.loss_share}
            curve = ev.cost_curve(scored["_score"].to_numpy(), y_valid, amount_valid, **kw)
            choice = ev.choose_cost_threshold(scored["_score"].to_numpy(), y_valid, amount_valid, **kw)
        train_rows, n_used = _nonempty(train[train["_known"] | (train["_u"] < p_train)])
        booster = _lightgbm_dask(
            client, train_rows[model_cols], train_rows["_known"].astype("int8"), config=scfg, seed=cfg.seed,
            categorical=categorical,
        )  # fmt: skip
        model = SupervisedModel(
            booster, model_cols, categorical, counts["pos_train"], n_used - counts["pos_train"],
            counts["neg_train"], scfg,
        )  # fmt: skip
        timings["supervised_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        X_lr = one_hot(base[model_cols])
        logistic = fit_logistic(X_lr.to_numpy(), base["_known"].to_numpy(), seed=cfg.seed)
        timings["logistic_s"] = time.perf_counter() - t0
        scorers.booster, scorers.logistic, scorers.lr_columns = booster, logistic, list(X_lr.columns)
    elif not has_labels:
        notes.append(
            "No labels: the unsupervised combination ranks the transactions; there is no evaluation, no "
            "logistic regression and no cost threshold."
        )

    # ------------------------------------------------------------------ the test period, scored on the workers
    t0 = time.perf_counter()
    test_dd = persisted["test"]
    score_meta = pd.concat([test_dd._meta, scorers.score(test_dd._meta)], axis=1)
    collected = _collect(test_dd.map_partitions(_score_part, scorers, meta=score_meta), client)
    client.cancel(list(persisted.values()))
    collected = collected.sort_values([VIEW_PREFIX + "timestamp", "transaction_id"], kind="stable")
    collected.index = pd.Index(collected["transaction_id"].to_numpy(), name=None)
    X_test = collected[all_cols]
    test = pd.DataFrame({"transaction_id": collected["transaction_id"].to_numpy()}, index=collected.index)
    for col in view_cols:
        test[col] = collected[VIEW_PREFIX + col]
    for col in scorers.columns():
        test[col] = collected[col].to_numpy()
    if not supervised:
        test["score"] = test["score_unsupervised"]
    test["routine"] = X_test["routine"].to_numpy() == 1
    del collected
    timings["scoring_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    test, uncapped = finish_test_period(test, cfg=cfg, choice=choice)
    timings["alerts_s"] = time.perf_counter() - t0
    if len(base) < counts["train"]:
        notes.append(
            f"The baselines were fitted on a uniform sample of {len(base):,} of the {counts['train']:,} training "
            "rows (the in-memory path fits them on at most 400,000 (logistic regression) and 200,000 "
            "(unsupervised) rows anyway; the rules' percentiles come from the sample)."
        )
    if model is not None and len(test) == 0:
        raise DetectorError("The test period is empty.")
    valid_days = (split.valid_end - split.valid_start) / pd.Timedelta(days=1)
    return LedgerDetection(
        split,
        X_test,
        model_cols,
        unsup_cols,
        available,
        test,
        supervised,
        model,
        combination,
        logistic,
        rules,
        CostView(choice, curve, valid_days, uncapped),
        labels,
        base[unsup_cols],
        timings,
        notes,
        engine="dask",
        extra={"dask_workers": workers, "baseline_sample_rows": int(len(base))},
    )
