"""Fintech pilot: transaction anomaly detection for a financial centre, with analysts in control.

Modules: ``synthetic`` (a bank's ledger with injected, labelled fraud typologies and label delay),
``loaders`` (ULB credit-card data and a generic transaction table through a column mapping,
validated with pandera), ``features`` (leak-free velocity, history, first-time and payment-graph
features), ``detectors`` (LightGBM, Isolation Forest, rules), ``evaluation`` (PR-AUC, alert budget,
recall per typology, expected cost), ``oversight`` (analyst queue with SHAP reasons, alert share per
segment), ``drift`` (PSI against the previous run), ``pipeline`` (all of it end to end),
``reporting`` (tables and model-card facts from a run), ``plots`` (the notebook's figures).
"""

import os

# LightGBM's and scikit-learn's OpenMP threads spin while waiting by default; on a machine whose
# cores are shared (CI runners, notebooks beside other jobs) that makes training several times
# slower. Passive waiting costs nothing when the cores are free. Effective only if set before the
# OpenMP runtime starts, i.e. before lightgbm is first imported in the process.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
