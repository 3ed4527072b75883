"""What the health pages show, built from a run's Result: sentences, tables, figures and the model card.

Nothing here computes a metric: every number comes from the result (``run.py``), every comparison of a
model with a baseline is a claim's own sentence (``claim.sentence()``, the one the card and the index show),
and each quantity is shown with one interval. Counts of people below ``min_cell`` are shown as ``<5``
(:func:`privacy.public_count`); no exact value of a DP-protected mean appears anywhere. The section
functions display their part of a notebook (``report.forecast(result, figures)``) and put the figures the
model card shows into ``figures``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import livinglab
from livinglab import show
from livinglab.claims import fmt, signed
from livinglab.escaping import spreadsheet_safe
from livinglab.trust import ModelCard, format_number

from ..contract import MAX_YEARS_AFTER_BASELINE
from ..privacy import public_count, public_counts
from . import plots

__all__ = ["card", "summary", "table_one", "release"]


def _figure(fig, name: str, caption: str):
    """Save the figure as ``<name>.png`` beside the notebook and show it through :func:`livinglab.show.figure`
    (compressed, the caption as its alt text); the figure is returned for the card."""
    plots.save(fig, name)
    display(show.figure(fig, caption))
    return fig


def _show(*parts: Any) -> None:
    for part in parts:
        display(Markdown(part) if isinstance(part, str) else part)


# ----------------------------------------------------------------------------------------- data


def preparation_sentence(
    counts: dict[str, int], *, duplicates: str, time_unit: str, min_cell: int = 5
) -> str:
    """What the longitudinal preparation did, in one paragraph (small counts shown as '<5')."""

    def pc(n):
        return public_count(n, min_cell)

    parts = [f"{counts['rows_read']:,} rows read"]
    if counts.get("rows_missing_subject_or_time"):
        parts.append(f"{pc(counts['rows_missing_subject_or_time'])} without a subject or time dropped")
    parts.append(
        f"{pc(counts.get('rows_negative_time', 0))} with a negative time (before baseline) and "
        f"{pc(counts.get('rows_implausible_time', 0))} more than {MAX_YEARS_AFTER_BASELINE:g} years after "
        "baseline dropped"
    )
    shared = counts.get("rows_sharing_subject_time", 0)
    if shared:
        parts.append(
            f"{pc(shared)} rows shared a participant and a time with another row and were aggregated by the "
            f"{duplicates} (numeric columns; others: first value)"
        )
    else:
        parts.append("no two rows shared a participant and a time")
    return (
        "; ".join(parts)
        + f": {counts['assessments']:,} assessments of {counts['participants']:,} participants "
        f"(times read in {time_unit}, analysed in years since each participant's first assessment)."
    )


def _source(result) -> str:
    data = result.data
    if data.is_synthetic:
        return f"**Data:** {data.describe()}"  # "SYNTHETIC data: N rows made in this run by ..."
    if data.mode == "file":
        return f"**Data: the file {data.source.dataset}** (sha256 {str(data.source.sha256)[:12]}...)."
    title = ((data.source.facts or {}).get("catalogue") or {}).get("title") or data.source.dataset
    return f"**Data: {title}** (catalogue dataset `{data.source.dataset}`, {data.label}). {data.describe()}"


def _pseudonyms(result) -> str:
    key = (
        "a key derived from the run's seed, so the same run gives the same pseudonyms and folds; they link "
        "to nothing outside this run"
        if result.data.is_synthetic
        else "the key from LIVINGLAB_PSEUDONYM_KEY, never written anywhere"
    )
    return (
        f"Identifiers were replaced by keyed HMAC-SHA256 pseudonyms at load time ({key}); the raw identifiers "
        "never reach this page."
    )


def data_sentence(result) -> str:
    """Where the data come from, what preparation did, and how identifiers were protected."""
    min_cell = result.min_cell
    parts = [_source(result), *result.notes]
    if result.design == "longitudinal":
        cohort = result.cohort
        if not result.data.is_synthetic:
            parts.append(
                preparation_sentence(
                    cohort.counts, duplicates=cohort.duplicates, time_unit=cohort.time_unit, min_cell=min_cell
                )
            )
        groups = public_counts(cohort.baseline()["group"].value_counts().to_dict(), min_cell)
        scale = (
            f" (scale {cohort.score_range[0]:g}-{cohort.score_range[1]:g})."
            if cohort.score_range
            else " (scale not given)."
        )
        parts.append(
            f"{cohort.n_subjects:,} participants ("
            + ", ".join(f"{n} {g}" for g, n in groups.items())
            + f"), {len(cohort.data):,} assessments; outcome: **{cohort.score_label}**{scale}"
        )
    else:
        records, c = result.records, result.records.counts
        shown = public_counts({"cases": c["cases"], "controls": c["controls"]}, min_cell)
        parts.append(
            f"{c['records']:,} records of {c['persons']:,} people: {shown['cases']} with label "
            f"{records.case_label!r} (cases) and {shown['controls']} with "
            f"{records.control_label!r} (controls); {len(records.features)} numeric features "
            f"({', '.join(records.features[:8])}{', ...' if len(records.features) > 8 else ''})."
        )
    parts.append(_pseudonyms(result))
    return "\n\n".join(parts)


def summary(result) -> None:
    """The data section: source, preparation, who is in it, pseudonyms."""
    _show(data_sentence(result))


def calibration(result, figures: dict) -> None:
    """Synthetic only: the generated cohort's baseline beside the published figures it was built from."""
    if result.calibration is None:
        _show("*Real data: the synthetic generator's calibration check does not apply.*")
        return
    _show(
        "**Calibration check:** the synthetic cohort's baseline beside the published figures it was built from "
        "(exact figures of generated people).",
        show.table(
            result.calibration,
            "The synthetic cohort's baseline beside the published figures",
            headers={"figure": "figure", "published": "published value", "synthetic": "synthetic cohort"},
            formats={"published value": "{:.1f}", "synthetic cohort": "{:.1f}"},
        ),
    )
    _figure(
        plots.calibration(result.calibration),
        "calibration",
        "The synthetic cohort against the published figures (ratio, 1 = on target)",
    )


# ----------------------------------------------------------------------------------------- Table 1


def table1_note(result) -> str:
    dp_table, budget, min_cell = result.dp_table, result.budget, result.min_cell
    if not len(dp_table):
        dp = "No mean is released: no characteristic with a known scale and enough people."
    else:
        dp = (
            f"The means are differentially private: {len(dp_table)} releases through OpenDP (Laplace mechanism, "
            f"bounds fixed by the scales, each group's size public), epsilon {budget.spent:.3g} of a budget of "
            f"{budget.epsilon:g} spent; the filter refuses any release beyond it. '+/-' is the half-width that "
            f"holds the noise with 95% probability (noise SD up to {dp_table['noise_sd'].max():.1f}). The exact "
            "means are not shown anywhere on this page; the noise is drawn afresh in every run."
        )
    return (
        f"{result.n_suppressed} count(s) suppressed: fewer than {min_cell} people shown as '<{min_cell}', and "
        "cells 'withheld' (not small) so that no hidden count can be recovered from a row's or a column's total. "
        f"{dp}"
    )


def table_one(result) -> None:
    """Table 1 as released: counts with small cells suppressed, means only with DP."""
    _show(
        show.table(result.table1, "Table 1 as released", headers={"Overall": "overall"}, max_rows=80),
        table1_note(result),
    )


# ----------------------------------------------------------------------------------------- progression


def progression_sentence(result) -> str:
    prog, label = result.progression, result.cohort.score_label
    est = prog.fit.estimate
    truth = ""
    if prog.true_slope is not None:
        cov = prog.covered_subgroups
        inside = est.ci_low <= prog.true_slope <= est.ci_high
        truth = (
            f" The generator's true mean rate is {prog.true_slope:.2f}: {'inside' if inside else 'OUTSIDE'} the "
            f"interval; {cov[0]} of {cov[1]} subgroup intervals cover their true rate."
        )
    return (
        f"**Annual change in {label}: {est.slope:.2f} points/year (95% CI {est.ci_low:.2f} to "
        f"{est.ci_high:.2f})**, {est.n_subjects:,} people, {est.n_visits:,} assessments; personal slopes vary "
        f"with SD {prog.fit.slope_sd:.2f}; model converged: {bool(prog.table['converged'].all())}.{truth}"
    )


def progression_table(result) -> show.Table:
    """The mixed model's slope overall and per subgroup with its interval (and the generator's true rate)."""
    table = result.progression.table.copy()
    table["interval"] = [
        f"{low:.2f} to {high:.2f}" for low, high in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    columns = {"factor": "grouping", "level": "group", "slope": "slope (points/year)",
               "interval": "95% interval", "n_subjects": "people", "n_visits": "assessments",
               "true_slope": "true rate (generator)", "covered": "interval covers the true rate"}  # fmt: skip
    shown = table[[c for c in columns if c in table]].rename(columns=columns)
    return show.table(
        shown, f"Annual change in {result.cohort.score_label}", formats={"slope (points/year)": "{:.2f}"}
    )


def progression(result, figures: dict) -> None:
    """The mixed model's slopes (overall and per subgroup) and the trajectories figure."""
    prog, cohort = result.progression, result.cohort
    _show(progression_table(result))
    _show(progression_sentence(result))
    patients = cohort.patients()
    curve = prog.fit.predict_mean(np.linspace(0, float(patients["years"].max()), 30))
    fig = plots.trajectories(
        patients,
        "score",
        cohort.score_label,
        curve,
        individual=result.data.is_synthetic,
        seed=int(result.params["seed"]),
        min_cell=result.min_cell,
    )
    _figure(fig, "trajectories", f"{cohort.score_label} over time with the mixed model's mean")
    figures[f"{cohort.score_label} over time with the mixed model's mean"] = fig
    if len(prog.table) > 1:
        _figure(
            plots.slope_forest(prog.table, cohort.score_label),
            "subgroup_slopes",
            f"Annual change in {cohort.score_label} per subgroup with 95% intervals",
        )


# ----------------------------------------------------------------------------------------- time to event


def survival_sentence(res, *, min_cell: int = 5) -> str:
    small = [0 < n < min_cell for n in (res.n_at_risk, res.n_prevalent)]
    withheld = sum(small) == 1  # the patients minus one of the two would give the other back

    def pc(n, partner=False):
        if partner and withheld and not (0 < n < min_cell):
            return "withheld"
        return public_count(n, min_cell)

    cox = (
        f"; Cox model on {pc(res.cox_n)} complete cases, concordance {format_number(res.cox_concordance)}"
        if res.cox_summary is not None
        else ""
    )
    missing = getattr(res, "not_estimated", "")
    return (
        f"**Time to {res.label}:** {pc(res.n_at_risk, True)} people at risk, {pc(res.n_events)} events, "
        f"{pc(res.n_prevalent, True)} already at the endpoint at their first assessment (left out); log-rank p across "
        f"groups {format_number(res.logrank_p)}{cox}."
        + (f" Not estimable on these data: {missing}." if missing else "")
    )


def cox_table(res) -> show.Table:
    """The Cox model's hazard ratios with their intervals, one covariate a row."""
    cox = res.cox_summary
    shown = {
        "covariate": [str(c).replace("_", " ") for c in cox.index],
        "hazard ratio": cox["hazard_ratio"].round(3).to_numpy(),
        "95% interval": [
            f"{low:.3f} to {high:.3f}" for low, high in zip(cox["ci_low"], cox["ci_high"], strict=True)
        ],
        "p": cox["p"].to_numpy(),
    }
    return show.table(pd.DataFrame(shown), f"Cox model: time to {res.label}")


def survival(result) -> None:
    """Kaplan-Meier curves and Cox models, where the data hold H&Y stages or MoCA scores."""
    if not result.survival:
        _show("*These data hold no Hoehn & Yahr stage or MoCA score over time: no time-to-event analysis.*")
    for name, res in result.survival.items():
        _show(survival_sentence(res, min_cell=result.min_cell))
        _figure(
            plots.km_curves(res.km, f"Time to {res.label}"),
            f"km_{name}",
            f"Time to {res.label}: Kaplan-Meier curves",
        )
        if res.cox_summary is not None:
            _show(cox_table(res))


# ----------------------------------------------------------------------------------------- forecast


def forecast_task(result) -> str:
    fc, cohort = result.forecast, result.cohort
    return (
        f"**Task:** at each assessment, forecast {cohort.score_label} at {cohort.horizon_text}, from this "
        f"participant's assessments so far. {fc.n_rows:,} (assessment, target) pairs of {fc.n_subjects:,} "
        "participants; every method below is scored on exactly these pairs and the same subject-grouped folds."
    )


def forecast_table(result):
    """Each method's MAE with its interval (the one interval each MAE has on this page)."""
    summary = result.forecast.summary
    shown = pd.DataFrame(
        {
            "method": summary["name"],
            "folds": summary["split"],
            "MAE (points)": summary["mae"].map("{:.2f}".format),
            "95% interval": [
                f"{low:.2f} to {high:.2f}" for low, high in zip(summary["low"], summary["high"], strict=True)
            ],
        }
    )
    return show.table(shown, "Forecast error of every method on the same pairs")


def leakage_sentence(result) -> str:
    fc = result.forecast
    return (
        f"With record-wise folds (assessments of one person in training and test) the same LightGBM reports "
        f"MAE {fc.cis['lightgbm_recordwise'].estimate:.2f} against {fc.cis['lightgbm'].estimate:.2f} with "
        "subject-grouped folds: the leaky split is shown for contrast, never claimed."
    )


def claims_markdown(result) -> str:
    """The result's claims, one sentence each (the sentences the card and the index show)."""
    return "\n".join(f"- {c.sentence()}" for c in result.claims)


def forecast(result, figures: dict) -> None:
    """The task, every method's error, the claims, the leaky contrast, the figure."""
    fc, cohort = result.forecast, result.cohort
    _show(forecast_task(result), forecast_table(result))
    claims = [c for c in result.claims if c.name != "forecast_mae_heldout_generation"]
    _show("\n".join(f"- {c.sentence()}" for c in claims), leakage_sentence(result))
    fig = plots.model_vs_baselines(
        fc.summary, f"Forecast error: {cohort.score_label} at {cohort.horizon_text}"
    )
    _figure(
        fig,
        "forecast_vs_baselines",
        "Forecast error of every method on the same rows (subject-grouped folds)",
    )
    figures["Forecast error of every method on the same rows (subject-grouped folds)"] = fig
    if result.held_out is not None:
        held = result.held_out
        _show(
            f"**Held-out generation.** {held.claim.sentence()} A synthetic result says the method works when the "
            "data behave like the generator; it says nothing about real patients."
        )


def importance_table(importance, caption: str, number: str) -> show.Table:
    """The ten features with the largest mean absolute SHAP value, and their share of the total."""
    shown = importance.head(10).rename_axis("feature").reset_index()
    shown = shown.rename(columns={"mean_abs_shap": "mean |SHAP value|", "share": "share of the total"})
    return show.table(shown, caption, formats={"mean |SHAP value|": number, "share of the total": "{:.0%}"})


def forecast_explained(result) -> None:
    """The personal-trend model's coefficients by fold and LightGBM's TreeSHAP importance."""
    fc = result.forecast
    coefficients = fc.cv.coefficients.round(3)
    coefficients.insert(0, "fold", np.arange(1, len(coefficients) + 1))
    _show(
        show.table(coefficients, "The personal-trend model's coefficients in each fold"),
        importance_table(fc.importance, "LightGBM forecast: SHAP importance", "{:.2f}"),
    )
    _figure(
        plots.shap_bar(fc.importance, "LightGBM forecast: SHAP importance"),
        "shap_importance",
        "SHAP importance of the features",
    )


# ----------------------------------------------------------------------------------------- subgroups


def gap_sentence(result) -> str:
    """The largest subgroup gap across every grouping shown (the fairness answer the card gives too)."""
    gap = result.largest_gap()
    if gap is None:
        return "No subgroup had enough people for a gap: performance per subgroup is not established."
    return (
        f"Largest gap across every grouping shown: {fmt(gap['gap'])} in {gap['metric']} ({gap['grouping']}: "
        f"worst {gap['worst']} {fmt(gap['worst_value'])}, best {gap['best']} {fmt(gap['best_value'])})."
    )


def subgroups(result) -> None:
    """The model's error (or ROC-AUC) per subgroup, and the largest gap across every grouping."""
    what = (
        "MAE" if result.design == "longitudinal" else "ROC-AUC over records (LightGBM, subject-grouped folds)"
    )
    if not result.subgroups:
        _show(
            "*No sex, age or subtype with enough people in these data: performance per subgroup is not "
            "established.*"
        )
        return
    for title, rep in result.subgroups.items():
        _show(f"**{what} {title}**\n\n" + rep.to_markdown())
    _show(gap_sentence(result))


# ----------------------------------------------------------------------------------------- clusters


def cluster_sentence(result) -> str:
    clus = result.clusters
    lo, hi = clus.stability_interval
    text = (
        f"k = {clus.k} (silhouette by k: {', '.join(f'{k}: {s:.2f}' for k, s in clus.silhouette.items())}); "
        f"bootstrap stability ARI {clus.stability:.2f} (95% of resamples {lo:.2f} to {hi:.2f})."
    )
    if clus.subtype_ari is not None:
        text += f" Agreement with the recorded motor subtype: ARI {clus.subtype_ari:.2f}" + (
            ", i.e. the clusters mostly separate severity, not the subtypes built into the data."
            if result.data.is_synthetic
            else "."
        )
    return text


def clusters(result) -> None:
    if result.clusters is None:
        _show("*Fewer than 50 patients or fewer than three baseline scores: no clustering.*")
        return
    _show(cluster_sentence(result))
    clus = result.clusters
    _figure(
        plots.cluster_profiles(clus.profiles.dropna(), clus.features),
        "cluster_profiles",
        "Profiles of the clusters at baseline",
    )


# ----------------------------------------------------------------------------------------- case-control


def case_control_sentence(result) -> str:
    """The leaky contrast (record-wise against subject-grouped), then the claims' sentences."""
    cc = result.classification.result
    grouped, leak = cc.cis["auc_lightgbm"], cc.cis["auc_lightgbm_recordwise"]
    opt = cc.differences["recordwise_minus_grouped"]
    words = (
        "**Record-wise validation is optimistic here:** it reports"
        if opt.low > 0
        else "Record-wise validation reports"
    )
    warning = (
        f"{words} ROC-AUC over records {fmt(leak.estimate)} against {fmt(grouped.estimate)} with all records of a "
        f"person in one fold (optimism {signed(opt.estimate)}, 95% paired interval {signed(opt.low)} to "
        f"{signed(opt.high)}). A "
        "model that has seen other recordings of the same person recognises the person, not the disease; only "
        "the subject-grouped figure says anything about a new person and is the one claimed."
    )
    person = cc.person_auc["lightgbm"]
    return (
        f"{warning}\n\n{claims_markdown(result)}\n\n**ROC-AUC over persons** (another quantity: each person "
        f"scored once, by the mean probability of their records), LightGBM: {fmt(person.estimate)} (95% CI "
        f"{fmt(person.low)} to {fmt(person.high)}). The ROC-AUC over records above has no interval of its own "
        "on this page: its comparison with logistic regression has one."
    )


def calibration_sentence(result) -> str:
    cc = result.classification.result
    lg = cc.calibration["lightgbm"]
    shape = (
        "too extreme (slope below 1)"
        if lg["slope"] < 0.8
        else ("too timid (slope above 1)" if lg["slope"] > 1.25 else "about right in spread")
    )
    return (
        f"LightGBM's probabilities: Brier score {fmt(cc.cis['brier_lightgbm'].estimate)} (its comparison with "
        f"logistic regression is above), calibration slope {fmt(lg['slope'])} and intercept {fmt(lg['intercept'])} "
        f"(ideal 1 and 0): {shape}. A probability from this model is not a risk for a person."
    )


def case_control(result, figures: dict) -> None:
    """LightGBM against logistic regression for people never seen, the leaky contrast, ROC and calibration."""
    cc = result.classification.result
    _show(case_control_sentence(result))
    fig = plots.auc_grouped_vs_recordwise(cc)
    _figure(fig, "auc_grouped_vs_recordwise", "ROC-AUC with subject-grouped and record-wise folds")
    figures["ROC-AUC with subject-grouped folds beside the leaky record-wise estimate"] = fig
    fig = plots.roc_curves(cc)
    _figure(fig, "roc_curves", "ROC curves for people never seen")
    figures["ROC curves (out of fold)"] = fig
    _show(calibration_sentence(result))
    fig = plots.reliability(cc)
    _figure(fig, "calibration_curve", "Calibration of the predicted probabilities")
    figures["Calibration of the predicted probabilities"] = fig


def case_control_explained(result) -> None:
    cc = result.classification.result
    _show(importance_table(cc.importance, "LightGBM classifier: SHAP importance", "{:.3f}"))
    _figure(
        plots.shap_bar(
            cc.importance, "LightGBM classifier: SHAP importance", xlabel="mean |SHAP| (log-odds)"
        ),
        "shap_importance",
        "SHAP importance of the features",
    )


# ----------------------------------------------------------------------------------------- release and card


def release_sentence(result) -> str:
    kreport, min_cell = result.kreport, result.min_cell
    if kreport is None:
        return "No age in these data, so no extract with quasi-identifiers to release."
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


def release(result) -> None:
    """What the k-anonymous extract is; it is written to the run folder for synthetic data, and for real
    data only with ``release_extract`` (the page never shows its rows)."""
    _show(release_sentence(result))
    if result.extract is not None and (
        result.data.is_synthetic or bool(result.params.get("release_extract"))
    ):
        name = f"baseline_extract_k{result.kreport.k}.csv"
        # opened in a spreadsheet: a value from the data that starts like a formula stays text
        spreadsheet_safe(result.extract).to_csv(livinglab.output_dir() / name, index=False)


def card(result, figures: dict | None = None) -> ModelCard:
    """The model card: prose from card.yaml and altai.yaml filled from the result; evaluation from its
    claims, subgroups from its reports, data from its source."""
    card_yaml = Path(__file__).resolve().parents[1] / "card.yaml"
    return ModelCard.from_result(result, card_yaml, figures=figures or {}, notes=list(result.notes))
