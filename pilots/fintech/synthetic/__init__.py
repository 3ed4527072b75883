"""The fintech pilot's SYNTHETIC stand-ins, one a design, each labelled synthetic wherever it appears.

- :func:`make_ledger` (design ``ledger``): a Luxembourg bank's ledger with six injected, labelled fraud
  typologies and delayed labels (:mod:`.ledger`), in the ledger contract's names;
- :func:`make_features` (design ``features``): a table of numeric features with three kinds of labelled
  anomaly (:mod:`.table`), in the feature contract's names.

Both are deterministic in ``params["seed"]``.
"""

from __future__ import annotations

import pandas as pd

from .ledger import HELD_OUT_FROM, generate_transactions, in_contract_names
from .table import make_feature_table


def make_ledger(params: dict) -> pd.DataFrame:
    """the synthetic ledger of a Luxembourg bank with injected fraud typologies"""
    tx = generate_transactions(
        int(params["n_transactions"]),
        n_days=int(params["n_days"]),
        fraud_rate=float(params["fraud_rate"]),
        seed=int(params["seed"]),
    )
    frame = in_contract_names(tx)
    frame.attrs["generator"] = (
        "synthetic.make_ledger: a Luxembourg bank's ledger (retail and corporate, resident and cross-border "
        f"accounts, five channels) with six injected fraud typologies; five change their parameters after "
        f"{HELD_OUT_FROM:.0%} of the period and one appears only then; labels arrive late"
    )
    return frame


def make_features(params: dict) -> pd.DataFrame:
    """a synthetic table of numeric features with three kinds of labelled anomaly"""
    frame = make_feature_table(
        int(params["n_rows"]), anomaly_rate=float(params["anomaly_rate"]), seed=int(params["seed"])
    )
    frame.attrs["generator"] = (
        "synthetic.make_features: a table of eight correlated numeric features, an amount and a time over two "
        "days, with three kinds of labelled anomaly (extreme values, broken correlations, a tight cluster)"
    )
    return frame
