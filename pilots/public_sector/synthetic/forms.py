"""Form-completeness check: missing required fields per procedure and inconsistent values (vectorised).

A request's procedure is the theme it is routed to; ``themes.REQUIRED_FIELDS`` lists what each needs,
plus a way to answer (an e-mail or a phone number: the "contact" rule). Inconsistencies checked:

- ``date_of_birth_mismatch``: the birth date differs from the first 8 digits of the national id;
- ``national_id_checksum``: the 13-digit national id fails its Luhn / Verhoeff check digits;
- ``iban_checksum``: the IBAN fails its mod-97 check;
- ``email_format``: the e-mail has no "@" or no domain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identifiers import valid_iban, valid_national_id
from .themes import FORM_FIELDS, OUT_OF_SCOPE, REQUIRED_FIELDS, THEMES

INCONSISTENCY_KINDS = ("date_of_birth_mismatch", "national_id_checksum", "iban_checksum", "email_format")


def _present(col: pd.Series) -> pd.Series:
    return col.notna() & (col.astype("string").str.strip() != "").fillna(False).astype(bool)


def check_forms(
    forms: pd.DataFrame, procedure: pd.Series | np.ndarray, prefix: str = "form_"
) -> pd.DataFrame:
    """One row per form: ``missing_fields``, ``inconsistencies`` (";"-joined) and ``complete``."""
    procedure = pd.Series(np.asarray(procedure, dtype=object), index=forms.index)
    unknown = sorted(set(procedure.dropna()) - set(THEMES))
    if unknown:
        raise ValueError(f"Unknown procedure(s) {unknown}; known: {', '.join(THEMES)}.")
    absent_cols = [f"{prefix}{f}" for f in FORM_FIELDS if f"{prefix}{f}" not in forms.columns]
    if absent_cols:
        raise ValueError(f"The forms lack the column(s) {', '.join(absent_cols)}.")
    present = pd.DataFrame({f: _present(forms[f"{prefix}{f}"]) for f in FORM_FIELDS}, index=forms.index)
    table = pd.DataFrame(
        [[f in REQUIRED_FIELDS[t] for f in FORM_FIELDS] for t in THEMES],
        index=list(THEMES),
        columns=list(FORM_FIELDS),
    )
    required = table.reindex(procedure.fillna(OUT_OF_SCOPE).to_numpy()).set_axis(forms.index)
    missing = required & ~present
    missing_fields = missing.dot(pd.Index(FORM_FIELDS) + ";").str.rstrip(";")
    needs_contact = (procedure.fillna(OUT_OF_SCOPE) != OUT_OF_SCOPE).to_numpy()
    no_contact = needs_contact & ~(present["email"] | present["phone"]).to_numpy()
    missing_fields = np.where(
        no_contact, np.where(missing_fields == "", "contact", missing_fields + ";contact"), missing_fields
    )

    dob = forms[f"{prefix}date_of_birth"].astype("string").str.replace("-", "", regex=False)
    nid = forms[f"{prefix}national_id"].astype("string").str.replace(" ", "", regex=False)
    email = forms[f"{prefix}email"].astype("string")
    checks = pd.DataFrame(
        {
            "date_of_birth_mismatch": present["date_of_birth"]
            & present["national_id"]
            & (dob != nid.str[:8]).fillna(False),
            "national_id_checksum": present["national_id"]
            & ~valid_national_id(forms[f"{prefix}national_id"]),
            "iban_checksum": present["iban"] & ~valid_iban(forms[f"{prefix}iban"]),
            "email_format": present["email"]
            & ~email.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").fillna(False),
        },
        index=forms.index,
    ).astype(bool)
    # a date mismatch caused by a corrupted id is reported as the id's checksum only
    checks["date_of_birth_mismatch"] &= ~checks["national_id_checksum"]
    inconsistencies = checks.dot(pd.Index(INCONSISTENCY_KINDS) + ";").str.rstrip(";")
    out = pd.DataFrame(
        {"missing_fields": missing_fields, "inconsistencies": inconsistencies.to_numpy()}, index=forms.index
    )
    out["complete"] = (out["missing_fields"] == "") & (out["inconsistencies"] == "")
    return out
