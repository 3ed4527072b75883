"""Public-sector pilot: multilingual triage of citizens' requests to Guichet.lu.

- :mod:`.synthetic`: the request generator (FR/DE/LB/EN and code-switched mixes, 13 themes + "not for
  us", urgency, noisy free text, forms with missing/inconsistent fields, planted PII with its truth).
- :mod:`.langid`: language identification (character n-grams + Luxembourgish cue words).
- :mod:`.models`: the baseline and the cross-lingual theme classifier, urgency head, explanations.
- :mod:`.abstention`: threshold for a target precision, coverage curve, human queue.
- :mod:`.forms`: missing required fields per procedure and inconsistent values.
- :mod:`.pipeline`: :class:`Triage`, the batch triage (redaction with ``livinglab.trust.redact_pii``).
- :mod:`.evaluation`: metrics, fairness across languages, the Luxembourgish-gap experiment.
- :mod:`.loaders`: the generic labelled-CSV loader (pandera) and SIB-200.
"""

from .abstention import (
    OperatingPoint,
    binomial_margin,
    choose_threshold,
    coverage_curve,
    evaluate_operating_point,
    human_queue,
    route,
)
from .forms import check_forms
from .langid import LanguageIdentifier, evaluate_language_id
from .loaders import (
    TriageDataError,
    load_labelled_csv,
    load_sib200,
    resolve_sib200,
    sib200_splits,
    validate_labelled,
)
from .models import explain, fit_theme_model, make_features, make_theme_model, make_urgency_model
from .pipeline import Triage, redact
from .synthetic import Splits, SyntheticRequests, generate_requests, make_splits
from .themes import ADMINISTRATIONS, LANGUAGES, OUT_OF_SCOPE, THEMES, theme_table

__all__ = [
    "ADMINISTRATIONS",
    "LANGUAGES",
    "OUT_OF_SCOPE",
    "THEMES",
    "LanguageIdentifier",
    "OperatingPoint",
    "Splits",
    "SyntheticRequests",
    "Triage",
    "TriageDataError",
    "binomial_margin",
    "check_forms",
    "choose_threshold",
    "coverage_curve",
    "evaluate_language_id",
    "evaluate_operating_point",
    "explain",
    "fit_theme_model",
    "generate_requests",
    "human_queue",
    "load_labelled_csv",
    "load_sib200",
    "make_features",
    "make_splits",
    "make_theme_model",
    "make_urgency_model",
    "redact",
    "resolve_sib200",
    "sib200_splits",
    "route",
    "theme_table",
    "validate_labelled",
]
