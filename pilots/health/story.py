"""The sentences the notebook shows, computed from the data that was loaded (never the defaults' facts).

Each function returns Markdown for ``display(Markdown(...))``. Counts of people below ``min_cell`` are
shown as ``<5`` (``privacy.public_count``); no exact mean of a DP-protected characteristic appears.
"""

from __future__ import annotations

from livinglab.trust import CI

from .analysis import METHOD_NAMES
from .loaders import preparation_sentence
from .privacy import public_count


def _ci(ci: CI, digits: int = 2) -> str:
    return f"{ci.estimate:.{digits}f} (95% CI {ci.low:.{digits}f} to {ci.high:.{digits}f})"


def data_story(study, *, min_cell: int = 5) -> str:
    """Where the data come from, what preparation did, and how identifiers were protected."""
    pc = lambda n: public_count(n, min_cell)  # noqa: E731
    if study.origin == "file":
        source = f"**Data: the file {study.source.dataset}** (sha256 {str(study.source.sha256)[:12]}...)."
    elif study.origin == "catalogue":
        source = f"**Data: {study.source.label}.**"
    else:
        source = "**Data: SYNTHETIC.**"
    parts = [source, *study.notes]
    if study.design == "longitudinal":
        if study.origin != "synthetic":
            parts.append(
                preparation_sentence(
                    study.counts, duplicates=study.duplicates, time_unit=study.time_unit, public_count=pc
                )
            )
        groups = study.baseline()["group"].value_counts()
        parts.append(
            f"{study.n_subjects:,} participants ("
            + ", ".join(f"{pc(n)} {g}" for g, n in groups.items())
            + f"), {len(study.data):,} assessments; outcome: **{study.score_label}**"
            + (
                f" (scale {study.score_range[0]:g}-{study.score_range[1]:g})."
                if study.score_range
                else " (scale not given)."
            )
        )
    else:
        c = study.counts
        parts.append(
            f"{c['records']:,} records of {c['persons']:,} people: {pc(c['cases'])} with label "
            f"{study.case_label!r} (cases) and {pc(c['controls'])} with {study.control_label!r} (controls); "
            f"{len(study.features)} numeric features ({', '.join(study.features[:8])}"
            f"{', ...' if len(study.features) > 8 else ''})."
        )
    parts.append(
        "Identifiers were replaced by keyed HMAC-SHA256 pseudonyms at load time ("
        + (
            "a random key for this run only, never stored"
            if study.is_synthetic
            else "the key from LIVINGLAB_PSEUDONYM_KEY, never written anywhere"
        )
        + "); the raw identifiers never reach this notebook."
    )
    return "\n\n".join(parts)


def table1_note(n_suppressed: int, dp_table, budget, *, min_cell: int = 5) -> str:
    if not len(dp_table):
        dp = "No mean is released: no characteristic with a known scale and enough people."
    else:
        dp = (
            f"The means are differentially private: {len(dp_table)} releases through OpenDP (Laplace mechanism, "
            f"bounds fixed by the scales, each group's size public), epsilon {budget.spent:.3g} of a budget of "
            f"{budget.epsilon:g} spent; the filter refuses any release beyond it. '+/-' is the half-width that "
            f"holds the noise with 95% probability (noise SD up to {dp_table['noise_sd'].max():.1f}). The exact means "
            "are not shown anywhere on this page."
        )
    return (
        f"{n_suppressed} count(s) suppressed (fewer than {min_cell} people, and their complements so that "
        f"a hidden count cannot be recovered from a total). {dp}"
    )


def progression_sentence(prog, study) -> str:
    est = prog.fit.estimate
    if prog.true_slope is not None:
        cov = prog.covered_subgroups
        truth = (
            f" The generator's true mean rate is {prog.true_slope:.2f}: "
            f"{'inside' if est.ci_low <= prog.true_slope <= est.ci_high else 'OUTSIDE'} the interval; "
            f"{cov[0]} of {cov[1]} subgroup intervals cover their true rate."
        )
    else:
        truth = ""
    return (
        f"**Annual change in {study.score_label}: {est.slope:.2f} points/year (95% CI {est.ci_low:.2f} to "
        f"{est.ci_high:.2f})**, {est.n_subjects:,} people, {est.n_visits:,} assessments; personal slopes vary "
        f"with SD {prog.fit.slope_sd:.2f}; model converged: {bool(prog.table['converged'].all())}.{truth}"
    )


def forecast_task(study, fc) -> str:
    return (
        f"**Task:** at each assessment, forecast {study.score_label} at {study.horizon_text}, from this "
        f"participant's assessments so far. {fc.n_rows:,} (assessment, target) pairs of {fc.n_subjects:,} "
        f"participants; every method below is scored on exactly these pairs and the same subject-grouped folds."
    )


def forecast_sentence(fc) -> str:
    s = fc.strongest
    diff = fc.differences[s]
    base = METHOD_NAMES[s]
    model, baseline = fc.cis["model"], fc.cis[s]
    if diff.high < 0:
        verdict = (
            f"The personal-trend model **beats the strongest baseline**, {base}: MAE {_ci(model)} against "
            f"{_ci(baseline)}; difference {diff.estimate:+.2f} points (95% paired CI {diff.low:+.2f} to "
            f"{diff.high:+.2f}, excluding zero)."
        )
    else:
        verdict = (
            f"The personal-trend model **does not beat the strongest baseline**, {base}: MAE {_ci(model)} against "
            f"{_ci(baseline)}; difference {diff.estimate:+.2f} points (95% paired CI {diff.low:+.2f} to "
            f"{diff.high:+.2f}, which includes zero or favours the baseline). The honest forecast here is the baseline."
        )
    mean_diff = fc.differences["mean"]
    lgb = fc.differences["lightgbm_vs_strongest"]
    leak = fc.cis["lightgbm_recordwise"]
    return (
        f"{verdict} Against the training mean the difference is {mean_diff.estimate:+.2f} "
        f"({mean_diff.low:+.2f} to {mean_diff.high:+.2f}). LightGBM with the covariates scores "
        f"{fc.cis['lightgbm'].estimate:.2f} ({lgb.estimate:+.2f} against the strongest baseline, CI {lgb.low:+.2f} to "
        f"{lgb.high:+.2f}); "
        + (
            f"with record-wise folds the same LightGBM reports {leak.estimate:.2f}, an optimistic estimate that would "
            "not hold for a new person."
            if leak.estimate < fc.cis["lightgbm"].estimate - 0.05
            else f"with record-wise folds it reports {leak.estimate:.2f}: no optimism from leakage in these data, "
            "but only the subject-grouped figures are claimed."
        )
    )


def external_sentence(ext: dict, fc) -> str:
    d = ext["difference"]
    return (
        f"**Held-out generation.** The personal-trend model fitted on this cohort, scored on "
        f"{ext['n_subjects']:,} people from a cohort generated with other settings ({ext['settings']}): MAE "
        f"{_ci(ext['model'])} against {_ci(ext['strongest'])} for {METHOD_NAMES[fc.strongest]}; difference "
        f"{d.estimate:+.2f} ({d.low:+.2f} to {d.high:+.2f}). A synthetic result says the method works when the "
        "data behave like the generator; it says nothing about real patients."
    )


def case_control_sentence(cc, study) -> str:
    g, leak = cc.cis["auc_lightgbm"], cc.cis["auc_lightgbm_recordwise"]
    opt = cc.differences["recordwise_minus_grouped"]
    vs = cc.differences["lightgbm_minus_logistic"]
    optimistic = opt.low > 0
    warning = (
        f"**Record-wise validation is optimistic here:** it reports ROC-AUC {leak.estimate:.3f} against "
        f"{g.estimate:.3f} with all records of a person in one fold (difference {opt.estimate:+.3f}, 95% paired "
        f"CI {opt.low:+.3f} to {opt.high:+.3f}). A model that has seen other recordings of the same person "
        "recognises the person, not the disease; only the subject-grouped figure says anything about a new person."
        if optimistic
        else f"Record-wise validation reports ROC-AUC {leak.estimate:.3f} against {g.estimate:.3f} subject-grouped "
        f"(difference {opt.estimate:+.3f}, CI {opt.low:+.3f} to {opt.high:+.3f}): no measurable optimism in this file, "
        "but only the subject-grouped figure is claimed."
    )
    compare = (
        f"LightGBM ROC-AUC {_ci(g, 3)} against {_ci(cc.cis['auc_logistic'], 3)} for logistic regression "
        f"(difference {vs.estimate:+.3f}, CI {vs.low:+.3f} to {vs.high:+.3f}: "
        + (
            "LightGBM is better"
            if vs.low > 0
            else ("logistic regression is better" if vs.high < 0 else "no clear winner")
        )
        + f"). Per person (mean probability of their records): {_ci(cc.person_auc['lightgbm'], 3)}."
    )
    return f"{warning}\n\n{compare}"


def calibration_sentence(cc) -> str:
    lg = cc.calibration["lightgbm"]
    b = cc.cis["brier_lightgbm"]
    shape = (
        "too extreme (slope below 1)"
        if lg["slope"] < 0.8
        else ("too timid (slope above 1)" if lg["slope"] > 1.25 else "about right in spread")
    )
    return (
        f"LightGBM's probabilities: Brier score {_ci(b, 3)}, calibration slope {lg['slope']:.2f} and intercept "
        f"{lg['intercept']:.2f} (ideal 1 and 0): {shape}. A probability from this model is not a risk for a person."
    )


def release_sentence(kreport, *, min_cell: int = 5) -> str:
    gen = (
        ", ".join(f"{c} coarsened {n} level(s)" for c, n in kreport.generalised.items())
        or "no generalisation needed"
    )
    return (
        f"Before release the extract had k = {public_count(kreport.k_before, min_cell)} over "
        f"{', '.join(kreport.quasi_identifiers)}; to reach k >= {kreport.k}, "
        f"{public_count(kreport.rows_generalised, min_cell)} of {kreport.rows_in:,} rows were generalised ({gen}) "
        f"and {public_count(kreport.rows_suppressed, min_cell)} suppressed, leaving "
        f"{public_count(kreport.rows_out, min_cell)} rows with k = {kreport.k_after}."
    )


def survival_sentence(res, *, min_cell: int = 5) -> str:
    from livinglab.trust import format_number

    pc = lambda n: public_count(n, min_cell)  # noqa: E731
    cox = (
        f"; Cox model on {pc(res.cox_n)} complete cases, concordance {format_number(res.cox_concordance)}"
        if res.cox_summary is not None
        else "; too few events for a Cox model"
    )
    return (
        f"**Time to {res.label}:** {pc(res.n_at_risk)} people at risk, {pc(res.n_events)} events, "
        f"{pc(res.n_prevalent)} already at the endpoint at their first assessment (left out); log-rank p across "
        f"groups {format_number(res.logrank_p)}{cox}."
    )


def cluster_sentence(clus, study) -> str:
    from sklearn.metrics import adjusted_rand_score

    lo, hi = clus.stability_interval
    text = (
        f"k = {clus.k} (silhouette by k: {', '.join(f'{k}: {s:.2f}' for k, s in clus.silhouette.items())}); "
        f"bootstrap stability ARI {clus.stability:.2f} (95% of resamples {lo:.2f} to {hi:.2f})."
    )
    base = study.baseline()
    base = base[base["group"] == "PD"].reset_index(drop=True) if "group" in base.columns else base
    if study.is_synthetic and "subtype" in base.columns and len(base) == len(clus.labels):
        known = base["subtype"].notna()
        ari = adjusted_rand_score(base.loc[known, "subtype"], clus.labels[known])
        text += (
            f" Agreement with the generator's motor subtype: ARI {ari:.2f}, i.e. the clusters mostly separate "
            "severity, not the subtypes built into the data."
        )
    return text
