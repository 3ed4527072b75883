"""Trustworthy-AI toolkit shared by every pilot: uncertainty, fairness, pseudonyms, model cards, ALTAI.

    from livinglab.trust import bootstrap_ci, subgroup_report, pseudonymise, pseudonym_key, ModelCard

- :func:`bootstrap_ci`, :func:`bootstrap_difference_ci`: intervals for any metric (cluster bootstrap with
  ``groups=``); model-against-baseline comparisons are made with :mod:`livinglab.claims`.
- :func:`subgroup_report`: metrics per subgroup with intervals, counts,
  small-group flags and the largest gap.
- :func:`pseudonym_key`, :func:`pseudonymise`: keyed pseudonyms (a pilot's own privacy code, such as
  k-anonymity or redaction, lives in that pilot).
- :class:`ModelCard`: the card each pilot ends with, rendered from the run's result.
- :func:`load_altai`: the seven ALTAI requirements answered from the run's result, or listed as open.

This package computes; it neither fetches data nor records results (no catalogue, no recording).
"""

from .altai import ALTAI_REQUIREMENTS, AltaiAssessment, AltaiError, AltaiItem, assess_altai, load_altai
from .bootstrap import CI, bootstrap_ci, bootstrap_difference_ci, format_number, time_blocks
from .model_card import (
    REQUIRED_FIELDS,
    CardFiles,
    CardTemplateError,
    ModelCard,
    ModelCardError,
    data_from_sources,
)
from .privacy import PSEUDONYM_KEY_ENV, PseudonymKeyMissing, pseudonym_key, pseudonymise
from .subgroups import SubgroupReport, subgroup_report

__all__ = [
    "ALTAI_REQUIREMENTS",
    "AltaiAssessment",
    "AltaiError",
    "AltaiItem",
    "assess_altai",
    "load_altai",
    "CI",
    "bootstrap_ci",
    "bootstrap_difference_ci",
    "time_blocks",
    "format_number",
    "REQUIRED_FIELDS",
    "CardFiles",
    "CardTemplateError",
    "ModelCard",
    "ModelCardError",
    "data_from_sources",
    "PSEUDONYM_KEY_ENV",
    "PseudonymKeyMissing",
    "pseudonym_key",
    "pseudonymise",
    "SubgroupReport",
    "subgroup_report",
]
