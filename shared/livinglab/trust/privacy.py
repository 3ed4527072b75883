"""Pseudonyms, shared by every pilot that touches personal data.

- :func:`pseudonym_key`: the key a run uses: derived from the seed for synthetic data (same run, same
  pseudonyms), the secret in ``LIVINGLAB_PSEUDONYM_KEY`` for real data and partners' files.
- :func:`pseudonymise`: keyed HMAC-SHA256 pseudonyms. The key is never written anywhere by this module.
- :func:`key_problem`: why a key is not a key (too short, fewer than 10 different characters, a repeated
  pattern such as ``abcabcabc...`` or ``abcdefgh...``), with the command that makes a good one. Every key
  is checked, from the environment or given; the runner checks the environment's before any kernel starts.
  Pseudonymised data remain personal data (GDPR Art. 4(5)): whoever holds the key can re-link them, so
  keep the key apart from the data.

A pilot's own privacy code (health's k-anonymity and OpenDP releases, public_sector's redactor) lives in
that pilot's ``privacy`` module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PSEUDONYM_KEY_ENV", "PseudonymKeyMissing", "key_problem", "pseudonym_key", "pseudonymise"]

PSEUDONYM_KEY_ENV = "LIVINGLAB_PSEUDONYM_KEY"
_MIN_KEY_CHARS = 16
_MIN_DISTINCT = 10
MAKE_KEY = f"export {PSEUDONYM_KEY_ENV}=$(python -c 'import secrets; print(secrets.token_hex(32))')"


class PseudonymKeyMissing(RuntimeError):
    """Pseudonymisation was required but no key was given or found in the environment."""


def _repeats(text: str) -> bool:
    """A unit repeated (``abcabcabc``), or a run with a repeated step (``abcdefgh``, ``13579bdf``)."""
    n = len(text)
    if any(text[p:] == text[:-p] for p in range(1, n // 2 + 1)):
        return True
    steps = [ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)]
    return len(set(steps)) == 1


def key_problem(key: str | bytes, where: str = PSEUDONYM_KEY_ENV) -> str | None:
    """None for a key that is a key; otherwise one sentence: what is wrong and the command that makes a
    good one. A key needs at least 16 characters, 10 of them different, and no repeated pattern."""
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if len(text) < _MIN_KEY_CHARS:
        why = f"it has {len(text)} characters, fewer than {_MIN_KEY_CHARS}"
    elif len(set(text)) < _MIN_DISTINCT:
        n = len(set(text))
        why = f"it has only {n} different character{'s' if n != 1 else ''}, fewer than {_MIN_DISTINCT}"
    elif _repeats(text):
        why = "it is a repeated pattern"
    else:
        return None
    return (
        f"{where} is not a usable pseudonymisation key ({why}): make a random one with `{MAKE_KEY}` "
        "and keep it apart from the data."
    )


def pseudonym_key(mode: str, seed: int = 0) -> str:
    """The key a run pseudonymises with. Synthetic data: a key derived from the seed, so the same run gives
    the same pseudonyms (and the same subject-grouped folds, which are built from them). Real data or a
    partner's file: the secret in ``LIVINGLAB_PSEUDONYM_KEY``, required, and checked by :func:`key_problem`."""
    if mode == "synthetic":
        return hashlib.sha256(f"livinglab synthetic pseudonyms, seed {int(seed)}".encode()).hexdigest()
    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if not key:
        raise PseudonymKeyMissing(
            f"Real data need a pseudonymisation key: set {PSEUDONYM_KEY_ENV}, e.g. {MAKE_KEY}, and keep it "
            "apart from the data."
        )
    problem = key_problem(key)
    if problem:
        raise PseudonymKeyMissing(problem)
    return key


def pseudonymise(
    ids: pd.Series | Sequence[Any],
    *,
    key: str | bytes | None = None,
    key_env: str = PSEUDONYM_KEY_ENV,
    required: bool = True,
    length: int = 16,
) -> pd.Series:
    """Replace identifiers by keyed pseudonyms: the first ``length`` hex digits of HMAC-SHA256(key, id).

    The same id and key always give the same pseudonym (joins across tables still work); without
    the key a pseudonym cannot be recomputed from a guessed id, unlike a plain hash.

    Args:
        ids: identifiers (any type; compared by their ``str()``); missing values stay missing.
        key: the secret (:func:`pseudonym_key` gives a run's). If None, the environment variable
            ``key_env`` is read; without either, :class:`PseudonymKeyMissing` (never a random key: a run
            must give the same pseudonyms, and so the same subject-grouped folds, every time).
        key_env: name of the environment variable holding the key.
        required: kept for callers that pass it; a key is always required.
        length: hex digits kept (8-64). 16 hex digits = 64 bits, collisions negligible below ~10^8 ids.

    Returns:
        A Series of strings aligned with ``ids`` (same index).
    """
    if not 8 <= int(length) <= 64:
        raise ValueError(f"length must be between 8 and 64 hex digits, not {length}.")
    if key is None:
        key = os.environ.get(key_env) or None
    if key is None:
        raise PseudonymKeyMissing(
            f"No pseudonymisation key: set the environment variable {key_env} (e.g. {MAKE_KEY}), or pass "
            "key= explicitly."
        )
    key_bytes = key.encode() if isinstance(key, str) else bytes(key)
    problem = key_problem(key_bytes, where="The pseudonymisation key")
    if problem:
        raise ValueError(problem)
    series = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    # HMAC has no vectorised form: hash each distinct id once, then map back (vectorised take). A missing
    # id has code -1, which takes the trailing None: missing stays missing.
    codes, uniques = pd.factorize(series)
    digests = [hmac.new(key_bytes, str(u).encode(), hashlib.sha256).hexdigest()[:length] for u in uniques]
    return pd.Series(np.array([*digests, None])[codes], index=series.index, name=series.name)
