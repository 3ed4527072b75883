"""Mobility pilot: hourly traffic forecasts on anyone's counts, and departure advice where sites are on a map.

The lab's one shape: ``contract`` (the counts in three layouts, the site table), ``synthetic`` (the
calibrated traffic simulator of the Luxembourg tri-border area), ``data`` (loaded counts to one series x
hours array, the calendar), ``model`` (features, the forecaster and its baselines, the backtest, the claims;
networks, travel times and the departure advisor), ``report`` (sentences, figures, the model card) and
``run`` (``run(params)``: the whole analysis, which the notebook, the benchmark and the tests call).
"""

# OMP_WAIT_POLICY is set once for every pilot in livinglab/__init__.py (imported before this module).
