"""Trustworthy-AI toolkit shared by every pilot: uncertainty, fairness, privacy, model cards, ALTAI.

Everything a notebook needs is importable from here::

    from livinglab.trust import (bootstrap_ci, subgroup_report, pseudonymise, k_anonymity,
        enforce_k_anonymity, dp_count, dp_mean, redact_pii, ModelCard, load_altai)

- :func:`bootstrap_ci`: a confidence interval for any metric (cluster bootstrap with ``groups=``).
- :func:`subgroup_report`: metrics per subgroup (fairlearn ``MetricFrame``) with intervals, counts,
  small-group flags and the largest gap.
- :func:`pseudonymise`, :func:`k_anonymity`, :func:`enforce_k_anonymity`, :func:`dp_count`,
  :func:`dp_mean`, :func:`redact_pii`: privacy helpers.
- :class:`ModelCard`: the card each pilot ends with (``model_card.json`` + ``model_card.md``).
- :func:`load_altai`: the seven ALTAI requirements answered from the run's facts, or listed as open.
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
from .pii import PII_KINDS, redact_pii
from .privacy import (
    PSEUDONYM_KEY_ENV,
    KAnonReport,
    PseudonymKeyMissing,
    dp_count,
    dp_mean,
    enforce_k_anonymity,
    gaussian_sigma,
    k_anonymity,
    laplace_scale,
    new_pseudonym_key,
    pseudonym_key,
    pseudonymise,
)
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
    "PII_KINDS",
    "redact_pii",
    "PSEUDONYM_KEY_ENV",
    "KAnonReport",
    "PseudonymKeyMissing",
    "dp_count",
    "dp_mean",
    "enforce_k_anonymity",
    "gaussian_sigma",
    "k_anonymity",
    "laplace_scale",
    "new_pseudonym_key",
    "pseudonym_key",
    "pseudonymise",
    "SubgroupReport",
    "subgroup_report",
]
