"""What the fintech pages show, built from a run's result (``run.LedgerResult`` / ``run.FeaturesResult``):
sentences, tables, figures, the analyst queue, drift against earlier runs and the model card. Nothing here
computes a metric or makes a comparison: every verdict is a claim's own sentence (:mod:`livinglab.claims`), so
the notebook, the card and the run index say the same.

Each ``show_*`` function displays its section, or the one-line note the result carries when the data lack
what the section needs (no labels, no segments ...); the ``*_figure`` functions return a figure or None.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from livinglab import show
from livinglab.claims import fmt

from . import plots

CARD = Path(__file__).resolve().parent.parent / "card.yaml"


def _display(*items) -> None:
    from IPython.display import Markdown, display

    for item in items:
        display(Markdown(item) if isinstance(item, str) else item)


#: Headers of the tables below, in words.
HEADERS = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "recall_at_budget": "recall at the analysts' capacity",
    "requested_rows": "rows injected",
    "rows_learnt_parameters": "rows with parameters the model could learn",
    "rows_held_out": "rows with held-out parameters",
    "only_held_out": "held-out parameters only",
    "median_label_delay_days": "median label delay (days)",
    "fraud_rows": "fraud rows",
    "test_fraud_rows": "fraud rows in the test period",
    "50%": "median",
    "std": "standard deviation",
}


def _precision_header(column: str) -> str:
    """``precision_at_30_a_day`` -> ``precision at 30 alerts a day``."""
    return (
        column.replace("precision_at_", "precision at ").replace("_a_day", " alerts a day").replace("_", " ")
    )


def _table(frame: pd.DataFrame, caption: str, **options) -> show.Table:
    headers = HEADERS | {c: _precision_header(c) for c in frame.columns if str(c).startswith("precision_at_")}
    return show.table(frame, caption, headers=headers, **options)


def _shown(fig, caption: str):
    if fig is not None:
        _display(show.figure(fig, caption))
    return fig


def _bullets(lines) -> str:
    return "\n".join(f"- {line}" for line in lines)


# ----------------------------------------------------------------------------- the data
def synthetic_intro(result) -> str:
    """The paragraph about the generated data (empty for a partner's or the catalogue's data)."""
    if not result.data.is_synthetic:
        return ""
    if result.design == "ledger":
        return (
            "**This ledger is SYNTHETIC**, generated in this run: retail and corporate accounts, residents of "
            "Luxembourg and cross-border customers, card payments, e-commerce, SEPA and instant transfers and cash "
            "deposits, with six labelled fraud typologies whose labels arrive late. Five of them change their "
            "parameters in the test period and the sixth (bust-out) appears only then, so the test period holds "
            "fraud no model was trained on. Results show the method, not a bank's detection rate."
        )
    return (
        "**This table is SYNTHETIC**, made in this run: correlated numeric features with three kinds of "
        "labelled anomaly (extreme values, broken correlations, a tight cluster), each the blind spot of one "
        "detector. Results show the method, not how well it does on a real table."
    )


def facts(result) -> str:
    """What was loaded, in numbers computed from it."""
    m = result.metrics
    if result.design == "ledger":
        money = money_unit(result)
        span = 10 if result.data.is_synthetic else 7  # a partner's ledger: months, never a posting's date
        text = (
            f"{m['rows']:,} transactions of {m['accounts']:,} accounts over {fmt(m['days'])} days "
            f"({m['first_time'][:span]} to {m['last_time'][:span]})"
        )
        if "credits" in m:
            text += f": {m['credits']:,} money in (credit) and {m['debits']:,} money out (debit)"
        text += f"; amounts in {money}, median {fmt(m['amount_median'])} {money}"
        if "duplicates_dropped" in m:
            dup = m["duplicates_dropped"]
            text += (
                f"; {dup:,} exact duplicate rows (identical in every column of the file) dropped"
                if dup
                else "; no exact duplicate rows (no two rows identical in every column of the file)"
            )
        if m.get("counterparty_missing"):
            share = m["counterparty_missing"] / max(1, m["rows"])
            text += f"; {m['counterparty_missing']:,} rows ({share:.0%}) name no counterparty (unknown counterparty)"
        if "fraud_rows" in m:
            text += f"; {m['fraud_rows']:,} rows labelled fraud ({m['fraud_share']:.3%})"
        else:
            text += "; no labels (unsupervised detection only)"
        return text + f"; optional columns present: {m['optional_columns']}."
    text = f"{m['rows']:,} rows, {m['n_features']} numeric feature(s)"
    if "anomalies" in m:
        text += f", {m['anomalies']:,} labelled anomalies ({m['anomalies'] / max(1, m['rows']):.2%})"
    else:
        text += ", no label (scores and queue only)"
    if "hours_spanned" in m:
        hours = m["hours_spanned"]
        text += f", spanning {hours:.1f} h" if hours < 72 else f", spanning {hours / 24:.1f} days"
    if "groups" in m:
        text += f", {m['groups']:,} groups"
    return text + "."


def money_unit(result) -> str:
    """The ledger's currency as the pages write it after an amount."""
    return result.metrics.get("currency") or "(currency not given)"


def summary(result) -> str:
    """The data in a paragraph (where from, what), the engine, and every note of the loading and the run."""
    said = facts(result)
    parts = [f"**Data.** {result.data.describe()} {said}"]
    intro = synthetic_intro(result)
    if intro:
        parts.append(intro)
    if result.design == "ledger":
        parts.append(f"**Engine.** {result.engine_reason}")
    notes = [
        note for note in result.notes if note not in said
    ]  # each fact once (e.g. the duplicates dropped)
    if notes:
        parts.append("**Notes.**\n\n" + _bullets(notes))
    return "\n\n".join(parts)


def show_data(result) -> None:
    """The data section's tables: the injected fraud (synthetic ledger), accounts per segment, or the
    features' distributions."""
    if result.design == "features":
        summary = result.summary.round(3).rename_axis("feature")
        _display(_table(summary, "The features' distributions", max_rows=30))
        return
    if result.typologies is not None:
        _display(
            _table(
                result.typologies,
                "Injected fraud per typology (rows with learnt and with held-out parameters)",
            )
        )
    segments = result.overview.segments
    _display(
        _table(segments, "Accounts, transactions and fraud rows per customer segment")
        if segments is not None
        else "No segment column: the table of accounts per segment is left out."
    )


def overview_figure(result):
    """:func:`_overview_figure` shown through :func:`livinglab.show.figure` (its caption the alt text); returned
    for the card; None when this run has no such figure."""
    return _shown(
        _overview_figure(result), "The ledger: transactions per day and channel, and per hour of day"
    )


def _overview_figure(result):
    """Transactions per day and channel, and per hour of day (ledgers)."""
    if result.design != "ledger":
        return None
    return plots.plot_ledger_overview(result.overview.daily, result.overview.hourly)


# ----------------------------------------------------------------------------- the evaluation
def claims_text(result) -> str:
    """Every claim of the run, one sentence each (the sentences the card and the index show too)."""
    return _bullets(claim.sentence() for claim in result.claims)


def show_evaluation(result) -> None:
    """The claims' sentences, then each detector's values (point values; the intervals are the claims')."""
    what = (
        "PR-AUC on the test period (the future), whole accounts resampled"
        if result.design == "ledger"
        else f"evaluated {result.metrics.get('evaluation', '')}; {result.metrics.get('interval_method', '')}"
    )
    _display(f"**Comparisons** ({what}):\n\n" + claims_text(result))
    if result.detectors is not None:
        _display(
            _table(result.detectors.round(4), "Each detector's values (the intervals are the comparisons')")
        )


def pr_curves_figure(result):
    """:func:`_pr_curves_figure` shown through :func:`livinglab.show.figure` (its caption the alt text); returned
    for the card; None when this run has no such figure."""
    return _shown(_pr_curves_figure(result), "Precision against recall of the model and its baselines")


def _pr_curves_figure(result):
    """Precision against recall of the model and its baselines on the evaluated rows (labelled data only)."""
    if result.detectors is None:
        return None
    if result.design == "ledger":
        det = result.detection
        return plots.plot_pr_curves(
            det.test, det.detectors, title="Test period (the future): precision vs recall"
        )
    det = result.detection
    shown = {c: n for c, n in det.detectors.items()}
    shown = {"score": shown.pop(det.model_column), **shown}
    frame = det.evaluated.assign(score=det.evaluated[det.model_column])
    return plots.plot_pr_curves(frame, shown, title=f"Precision vs recall ({det.mode})")


def claims_figure(result):
    """:func:`_claims_figure` shown through :func:`livinglab.show.figure` (its caption the alt text); returned
    for the card; None when this run has no such figure."""
    return _shown(_claims_figure(result), "The model minus each baseline (paired bootstrap interval)")


def _claims_figure(result):
    """Each claim's difference (model minus baseline) with its paired interval, as the claims give them."""
    rows = [
        {
            "baseline": f"{c.label[:40]}: vs {c.baseline[:45]}",
            "estimate": c.difference,
            "low": c.low,
            "high": c.high,
        }
        for c in result.claims
        if c.metric in ("pr_auc", "roc_auc") and c.verdict != "not computed"
    ]
    if not rows:
        return None
    return plots.plot_baseline_differences(
        pd.DataFrame(rows), title="Model minus baseline (paired bootstrap interval)"
    )


def show_typology_recall(result) -> None:
    """Share of each kind of fraud's test rows that reached the daily alerts, per detector."""
    if result.design != "ledger" or result.typology_recall is None:
        _display("The labels do not name kinds of fraud: recall per kind is left out.")
        return
    recall = result.typology_recall.round(3).rename_axis("kind of fraud")
    _display(
        _table(recall, "Share of each kind of fraud's test rows that reached the daily alerts, per detector")
    )


# ----------------------------------------------------------------------------- the operating point
def operating_point(result) -> str:
    """The money figure at the analysts' capacity (the claim's sentence), and the uncapped cost optimum
    labelled as what the analysts would NOT get when it needs more alerts than they can review."""
    m = result.metrics
    names = {c.name for c in result.claims}
    if "saving_at_capacity" not in names:
        return "No operating point: it needs a labelled ledger with amounts."
    lines = [
        f"Analysts' capacity: {m['alerts_per_day']} alerts a day; at the operating point the test period had "
        f"{fmt(m['operating_alerts_per_day'])} alerts a day on average (at most {m['operating_alerts_max_day']}).",
        result.claim("saving_at_capacity").sentence(),
    ]
    if "uncapped_cost_optimum_alerts_per_day" in m:
        per_day = m["uncapped_cost_optimum_alerts_per_day"]
        reach = (
            f"it would need {fmt(per_day)} alerts a day, more than the analysts' capacity of {m['alerts_per_day']}: "
            "NOT what the analysts would get"
            if per_day > m["alerts_per_day"]
            else f"it needs {fmt(per_day)} alerts a day, within the capacity"
        )
        lines.append(
            f"For reference only, the uncapped cost optimum (the threshold with the lowest expected cost on the "
            f"validation window, ignoring the capacity): {reach}; its saving on the test period would be "
            f"{fmt(m['uncapped_cost_optimum_saving'])} {money_unit(result)}."
        )
    return _bullets(lines)


def show_operating_point(result) -> None:
    _display(operating_point(result))


def cost_figure(result):
    """:func:`_cost_figure` shown through :func:`livinglab.show.figure` (its caption the alt text); returned
    for the card; None when this run has no such figure."""
    return _shown(_cost_figure(result), "Expected cost against alerts a day, with the analysts' capacity")


def _cost_figure(result):
    if result.design != "ledger" or result.detection.cost.choice is None:
        return None
    cost = result.detection.cost
    return plots.plot_cost_curve(cost.curve_valid, cost.choice, cost.valid_days, result.config.alerts_per_day)


# ----------------------------------------------------------------------------- the analysts and who is flagged
def queue_table(result) -> pd.DataFrame:
    """The analyst queue of the last day with each alert's reasons (pseudonymised accounts, or row numbers)."""
    from livinglab.trust import pseudonym_key

    from .queue import analyst_queue, table_queue

    size = int(result.params["queue_size"])
    if result.design == "features":
        det, table = result.detection, result.table
        time_format = "%H:%M:%S" if table.time_in_seconds else "%Y-%m-%d %H:%M"
        return table_queue(det.scores, table.features, size=size, time_format=time_format)
    det = result.detection
    return analyst_queue(
        det.test, det.X_test, det.model, pseudonym_key=pseudonym_key(result.data.mode, result.params["seed"]),
        size=size, reference=det.reference, segments=result.segments, currency=result.metrics.get("currency", ""),
    )  # fmt: skip


def routine_sentence(result) -> str:
    """How routine postings were recognised and what was done with them (ledgers)."""
    from ..model.features import ROUTINE_RULE

    m = result.metrics
    n = m.get("routine_test", 0)
    done = (
        "kept out of the daily alerts (every detector's), so the analysts' capacity goes to the other postings"
        if m.get("routine_rule", "exclude") == "exclude"
        else "alerted like any other posting and marked 'routine posting' in the queue"
    )
    return (
        f"**Routine postings.** {n:,} of the test period's {m['rows_test']:,} postings are routine, {done}. The "
        f"rule: {ROUTINE_RULE}. The queue shows each alert's time as a band of the day and its amount as a band "
        "(never the exact date, time or amount), and its reasons in words."
    )


def show_queue(result) -> None:
    """The analyst queue of the last day, after the sentence saying how routine postings were handled."""
    if result.design == "ledger":
        _display(routine_sentence(result))
    _display(
        _table(queue_table(result), "The analyst queue of the last day", empty="No alert on the last day.")
    )


def show_segments(result) -> None:
    report = result.subgroups.get("customer segment")
    if report is None:
        _display("No segment column (or no labels): alert shares per segment cannot be compared.")
        return
    gap = result.largest_gap()
    _display(report.to_markdown())
    if gap:
        _display(
            f"Largest gap across the groupings shown: {gap['metric']} differs by {fmt(gap['gap'])} between "
            f"{gap['best']} and {gap['worst']} ({gap['grouping']})."
        )


def segments_figure(result):
    """:func:`_segments_figure` shown through :func:`livinglab.show.figure` (its caption the alt text); returned
    for the card; None when this run has no such figure."""
    return _shown(_segments_figure(result), "Who gets flagged: alert share and fraud share per segment")


def _segments_figure(result):
    report = result.subgroups.get("customer segment")
    return None if report is None else plots.plot_segment_alert_share(report.table)


# ----------------------------------------------------------------------------- drift and the card
def drift_frame(result) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """What drift compares between runs: the scored rows' features and scores (categorical columns named)."""
    from ..model.features import CATEGORICAL

    det = result.detection
    if result.design == "features":
        frame = result.table.features.copy()
        # the model's score is named by its mode: semi-supervised ranks never meet unsupervised scores
        frame["score" if det.semi is None else "score_semisupervised"] = det.scores["score"].to_numpy()
        for col in ("score_unsupervised", "score_iforest"):
            frame[col] = det.scores[col].to_numpy()
        return frame, ()
    frame = det.X_test.copy()
    for col in det.detectors:
        frame[col] = det.test[col].to_numpy()
    return frame, tuple(c for c in CATEGORICAL if c in frame.columns)


def drift_table(result, previous_run_dir: str = ""):
    """PSI of every feature and score against the newest earlier run on the same data (this run's summary is
    stored for the next one); a comparison of runs, never one of this run's metrics."""
    from .drift import compare_and_store

    frame, categorical = drift_frame(result)
    found = compare_and_store(
        frame,
        categorical=categorical,
        fingerprint=result.data.fingerprint,
        data_source=result.data.label,
        previous_run_dir=previous_run_dir or None,
    )
    _display(found.note)
    if found.table.empty:  # the note says why there is nothing to compare: no empty table beside it
        return None
    table = found.table.rename(columns={"psi": "PSI (population stability index)", "level": "drift"})
    return _table(table.round(4), "Drift of the features and scores since the earlier run", max_rows=10)


def card(result, figures: dict | None = None):
    """The model card from ``card.yaml`` and ``altai.yaml`` filled from the result (its claims are the
    evaluation, its subgroup reports the subgroup section, its data source the data section)."""
    from livinglab.trust import ModelCard

    shown = {caption: fig for caption, fig in (figures or {}).items() if fig is not None}
    return ModelCard.from_result(result, CARD, figures=shown)
