"""Guichet.lu themes, the administration competent for each, and the form each procedure requires.

The administrations are the real Luxembourg bodies that handle these requests (as described on
guichet.public.lu); one procedure per theme is a simplification of the portal, which lists several
procedures under each theme. ``not_for_us`` is the "other / not for us" route for requests that no
Luxembourg administration handles (a private matter, another country's administration, spam).
"""

from __future__ import annotations

import pandas as pd

from ..contract import LANGUAGE_NAMES, LANGUAGES

__all__ = ["ADMINISTRATIONS", "FORM_FIELDS", "LANGUAGES", "LANGUAGE_NAMES", "OUT_OF_SCOPE", "REQUIRED_FIELDS",
           "THEMES", "URGENCY_LEVELS", "theme_table"]  # fmt: skip
OUT_OF_SCOPE = "not_for_us"

# theme -> (administration, short name)
ADMINISTRATIONS: dict[str, tuple[str, str]] = {
    "residence_registration": (
        "Administration communale (bureau de la population) of the commune of residence",
        "Commune",
    ),
    "family_benefits": ("Caisse pour l'avenir des enfants (CAE)", "CAE"),
    "housing_aid": ("Ministère du Logement, service des aides au logement", "Aides au logement"),
    "taxes": ("Administration des contributions directes (ACD)", "ACD"),
    "vehicles": ("Société nationale de circulation automobile (SNCA)", "SNCA"),
    "driving_licence": (
        "Ministère de la Mobilité et des Travaux publics, permis de conduire (via SNCA)",
        "Permis de conduire",
    ),
    "employment": ("Agence pour le développement de l'emploi (ADEM)", "ADEM"),
    "health_insurance": ("Caisse nationale de santé (CNS)", "CNS"),
    "pensions": ("Caisse nationale d'assurance pension (CNAP)", "CNAP"),
    "nationality": ("Ministère de la Justice, service de la nationalité luxembourgeoise", "Nationalité"),
    "education": ("Ministère de l'Éducation nationale, de l'Enfance et de la Jeunesse (MENJE)", "MENJE"),
    "business_creation": (
        "Ministère de l'Économie, Direction générale des classes moyennes (autorisation d'établissement)",
        "Classes moyennes",
    ),
    "social_aid": ("Fonds national de solidarité (FNS): REVIS, allocation de vie chère", "FNS"),
    OUT_OF_SCOPE: (
        "None: reply that no Luxembourg administration handles this and point to the right body",
        "Not for us",
    ),
}
THEMES: tuple[str, ...] = tuple(ADMINISTRATIONS)

URGENCY_LEVELS = ("routine", "time_sensitive", "urgent")

# Structured form fields a request may carry. PII fields are planted by the generator.
FORM_FIELDS = (
    "full_name",
    "email",
    "phone",
    "national_id",
    "date_of_birth",
    "commune",
    "iban",
    "move_date",
    "child_count",
    "household_income",
    "tax_year",
    "vehicle_plate",
    "licence_number",
    "last_employer",
    "residence_years",
    "school",
    "company_name",
    "activity",
)

# Required fields per procedure (one procedure per theme). Every procedure also needs a way to reply:
# an e-mail or a phone number (the "contact" rule in forms.check_forms).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "residence_registration": ("full_name", "date_of_birth", "national_id", "commune", "move_date"),
    "family_benefits": ("full_name", "national_id", "iban", "child_count"),
    "housing_aid": ("full_name", "national_id", "iban", "commune", "household_income"),
    "taxes": ("full_name", "national_id", "tax_year"),
    "vehicles": ("full_name", "national_id", "vehicle_plate"),
    "driving_licence": ("full_name", "date_of_birth", "licence_number"),
    "employment": ("full_name", "national_id", "date_of_birth", "last_employer"),
    "health_insurance": ("full_name", "national_id", "iban"),
    "pensions": ("full_name", "national_id", "date_of_birth", "iban"),
    "nationality": ("full_name", "date_of_birth", "commune", "residence_years"),
    "education": ("full_name", "school"),
    "business_creation": ("full_name", "company_name", "activity"),
    "social_aid": ("full_name", "national_id", "commune", "household_income", "iban"),
    OUT_OF_SCOPE: (),
}


def theme_table() -> pd.DataFrame:
    """One row a theme: administration, short name and the procedure's required fields."""
    return pd.DataFrame(
        {
            "theme": list(THEMES),
            "administration": [ADMINISTRATIONS[t][0] for t in THEMES],
            "short_name": [ADMINISTRATIONS[t][1] for t in THEMES],
            "required_fields": [
                ", ".join(REQUIRED_FIELDS[t]) + (", e-mail or phone" if REQUIRED_FIELDS[t] else "")
                for t in THEMES
            ],
        }
    )
