"""Fintech pilot: anomaly detection on any ledger or feature table, with analysts in control.

Modules: ``contract`` (the two data contracts: a ledger, a table of numeric features), ``data`` (the run's
data whatever its origin: synthetic ledger, catalogue card data, a partner's file), ``synthetic`` (a bank's
ledger with injected, labelled fraud typologies, held-out variants and label delay), ``loaders`` (the
generator's schema check and the older mapping loader), ``features`` (leak-free velocity, history,
first-time and payment-graph features of a ledger), ``detectors`` (LightGBM, Isolation Forest, rules, the
time split), ``outliers`` (the unsupervised PyOD combination, the semi-supervised blend, the logistic
regression baseline for any numeric table), ``pipeline`` (a ledger end to end), ``tabular`` (a feature
table end to end), ``evaluation`` (PR-AUC, alert budget, recall per typology, expected cost),
``oversight`` (analyst queue with reasons, alert share per segment), ``reporting`` (tables and recorded
values), ``plots`` (the notebook's figures).
"""

# livinglab sets OMP_WAIT_POLICY=PASSIVE; it must be imported before LightGBM or scikit-learn load their
# OpenMP runtime, which reads the variable once (spin-waiting threads made training ~15x slower on busy cores).
import livinglab  # noqa: F401
