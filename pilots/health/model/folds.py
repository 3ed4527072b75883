"""Subject-grouped folds built from the SORTED subject ids: the same ids and seed give the same folds,
whatever the order of the rows (a person's rows are always in one fold)."""

from __future__ import annotations

import numpy as np


def subject_codes(ids) -> np.ndarray:
    """Integer codes of ``ids`` in sorted order (the groups every subject-grouped splitter is given)."""
    return np.unique(np.asarray(ids).astype(str), return_inverse=True)[1].ravel()
