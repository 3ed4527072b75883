"""Health pilot: privacy-preserving analyses of Parkinson's disease cohorts, two designs.

``longitudinal`` (repeated assessments of a score; longitudinal.ipynb) and ``case_control`` (several records
a person with a diagnosis label; case_control.ipynb), in the lab's one shape: ``contract`` (what a file must
hold, value codes), ``synthetic`` (the calibrated stand-ins), ``data`` (what is done to loaded data:
codes, times, duplicates, pseudonyms), ``model`` (forecast, classifier, mixed model, time to event, clusters
and the claims), ``privacy`` (pseudonyms, Table 1 suppression, OpenDP, k-anonymity), ``report`` (sentences,
figures, the model card), ``run`` (``run(params, design) -> Result``: the one orchestration) and
``benchmark``.
"""
