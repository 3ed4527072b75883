"""The fintech pilot's models, baselines and evaluation, and the claims that compare them.

- :mod:`.features`: leak-free, vectorised features of a ledger (velocity, history, first-time parties,
  payment graph), the same function in memory and on each Dask partition;
- :mod:`.detectors`: the time-ordered split, LightGBM, the rules baseline;
- :mod:`.outliers`: the unsupervised combination, scikit-learn's default Isolation Forest, the semi-supervised
  blend, the logistic-regression baseline, the deviation reasons;
- :mod:`.evaluation`: PR-AUC, alerts at the daily capacity, recall per kind of fraud, expected cost;
- :mod:`.ledger` and :mod:`.table`: a design's detection, its metrics and its claims
  (:mod:`livinglab.claims`: each comparison with a baseline named in words, with its paired interval);
- :mod:`.segments`: who gets flagged (alert share per customer segment, with intervals).
"""
