"""Health pilot: a privacy-preserving analysis of a longitudinal Parkinson's disease cohort.

Modules: ``reference`` (published cohort figures with citations), ``synthetic`` (calibrated cohort
generator with known progression rates), ``loaders`` (UCI telemonitoring, any long-format cohort via a
validated column mapping), ``table1``, ``progression`` (mixed-effects models), ``survival`` (Kaplan-Meier,
Cox), ``prediction`` (LightGBM with subject-grouped CV, baselines, SHAP), ``clustering`` (baseline
profiles with bootstrap stability), ``privacy`` (pseudonyms, k-anonymity, differential privacy),
``study`` (one prepared, pseudonymised data set for the notebook), ``plots``.
"""
