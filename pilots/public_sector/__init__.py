"""Public-sector pilot: routing citizens' requests (FR/DE/LB/EN) to the competent service, with abstention.

- :mod:`.data`: the requests of a run (synthetic, SIB-200 or a partner's file), split and described.
- :mod:`.contract`: the labelled and the unlabelled request contracts (``data_path``/``columns``).
- :mod:`.synthetic`: the request generator (held-out halves of every phrase pool and of the writers).
- :mod:`.langid`: language identification (py3langid), measured against the hand-written identifier.
- :mod:`.models`: the plain TF-IDF + logistic-regression reference and the cross-lingual ensemble.
- :mod:`.pipeline`: :class:`RequestRouter`, redaction, routing with abstention, saving and loading.
- :mod:`.batch`: routing a file of new requests with a saved router.
- :mod:`.abstention`: threshold for a target precision, coverage curve, human queue.
- :mod:`.privacy`: the redactor's recall on planted identifiers; texts fit for a public page.
- :mod:`.forms`: missing required fields per procedure and inconsistent values (synthetic forms).
- :mod:`.evaluation`: metrics next to the baselines, fairness across languages, the Luxembourgish gap.
- :mod:`.loaders`: SIB-200 through the data catalogue.
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
from .batch import route_file, route_requests
from .data import OTHER, RequestData, RequestDataError, load_requests
from .forms import check_forms
from .langid import HandwrittenIdentifier, LanguageDetector, compare_identifiers
from .loaders import load_sib200, resolve_sib200, sib200_splits
from .models import CrossLingualEnsemble, explain, fit_plain_reference, plain_reference, top_terms
from .pipeline import MODEL_FILE, RequestRouter, redact
from .privacy import examples_html, known_words, pii_recall, public_text, recall_table
from .synthetic import Splits, SyntheticRequests, generate_requests, make_splits
from .themes import ADMINISTRATIONS, LANGUAGES, OUT_OF_SCOPE, THEMES, theme_table

__all__ = [
    "ADMINISTRATIONS",
    "LANGUAGES",
    "MODEL_FILE",
    "OTHER",
    "OUT_OF_SCOPE",
    "THEMES",
    "CrossLingualEnsemble",
    "HandwrittenIdentifier",
    "LanguageDetector",
    "OperatingPoint",
    "RequestData",
    "RequestDataError",
    "RequestRouter",
    "Splits",
    "SyntheticRequests",
    "binomial_margin",
    "check_forms",
    "choose_threshold",
    "compare_identifiers",
    "coverage_curve",
    "evaluate_operating_point",
    "examples_html",
    "explain",
    "fit_plain_reference",
    "generate_requests",
    "human_queue",
    "known_words",
    "load_requests",
    "load_sib200",
    "make_splits",
    "pii_recall",
    "plain_reference",
    "public_text",
    "recall_table",
    "redact",
    "resolve_sib200",
    "route",
    "route_file",
    "route_requests",
    "sib200_splits",
    "theme_table",
    "top_terms",
]
