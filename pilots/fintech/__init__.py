"""Fintech pilot: transaction anomaly detection for a financial centre, with analysts in control.

Modules: ``synthetic`` (a bank's ledger with injected, labelled fraud typologies and label delay),
``loaders`` (ULB credit-card data and a generic transaction table through a column mapping,
validated with pandera), ``features`` (leak-free velocity, history, first-time and payment-graph
features), ``detectors`` (LightGBM, Isolation Forest, rules), ``evaluation`` (PR-AUC, alert budget,
recall per typology, expected cost), ``oversight`` (analyst queue with SHAP reasons, alert share per
segment), ``drift`` (PSI against the previous run), ``pipeline`` (all of it end to end),
``reporting`` (tables and model-card facts from a run), ``plots`` (the notebook's figures).
"""

# OMP_WAIT_POLICY is set once for every pilot in livinglab/__init__.py (imported before this module).
