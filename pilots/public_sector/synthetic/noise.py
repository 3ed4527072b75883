"""Realistic typing noise, applied to many texts at once on one array of code points.

The texts are joined with a separator into one UTF-32 array; deletions, doubled letters, swapped
neighbours, keyboard-neighbour substitutions, dropped accents and lower-casing are drawn per character
with numpy, then the array is split back. No Python loop over texts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEP = "\x1f"  # unit separator: never produced by the generator
_SEP_CODE = ord(SEP)

# Letters next to each other on QWERTZ/AZERTY/QWERTY keyboards (lower case), for substitutions.
_NEIGHBOURS = {
    "a": "qszw",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wrds",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kopm",
    "m": "njkl",
    "n": "bhjm",
    "o": "iklp",
    "p": "olm",
    "q": "wasz",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asxt",
}
_NEIGH_TABLE = np.zeros((128, 6), dtype=np.uint32)
_NEIGH_COUNT = np.zeros(128, dtype=np.int64)
for _ch, _ns in _NEIGHBOURS.items():
    _NEIGH_TABLE[ord(_ch), : len(_ns)] = [ord(c) for c in _ns]
    _NEIGH_COUNT[ord(_ch)] = len(_ns)

_ACCENTED = "àâäáãçéèêëíìîïñóòôöõúùûüÿÀÂÄÁÃÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜ"
_PLAIN = "aaaaaceeeeiiiinooooouuuuyAAAAACEEEEIIIINOOOOOUUUU"
_FOLD_TABLE = np.arange(0x300, dtype=np.uint32)
for _a, _p in zip(_ACCENTED, _PLAIN, strict=True):
    _FOLD_TABLE[ord(_a)] = ord(_p)


def _to_codes(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    joined = SEP.join(texts.astype(str).tolist())
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
    row = np.cumsum(codes == _SEP_CODE) - (codes == _SEP_CODE)  # separator belongs to the text before it
    return codes, row


def _from_codes(codes: np.ndarray, index: pd.Index) -> pd.Series:
    text = codes.astype("<u4").tobytes().decode("utf-32-le")
    return pd.Series(text.split(SEP), index=index, dtype=object)


def _is_letter(codes: np.ndarray) -> np.ndarray:
    lower = codes | 0x20
    return ((lower >= 97) & (lower <= 122)) | (
        (codes >= 0xC0) & (codes < 0x250) & (codes != 0xD7) & (codes != 0xF7)
    )


def add_typos(texts: pd.Series, rate: np.ndarray | float, rng: np.random.Generator) -> pd.Series:
    """Per-text typo ``rate`` (probability per letter of one of: delete, double, swap, substitute)."""
    if len(texts) == 0:
        return texts.copy()
    codes, row = _to_codes(texts)
    rate_per_char = np.broadcast_to(np.asarray(rate, dtype=float), (len(texts),))[row]
    letter = _is_letter(codes)
    hit = letter & (rng.random(len(codes)) < rate_per_char)
    op = rng.integers(0, 4, len(codes))

    # substitute with a keyboard neighbour (ASCII lower-case letters only)
    sub = hit & (op == 3) & (codes < 128) & (_NEIGH_COUNT[np.minimum(codes, 127)] > 0)
    idx = np.flatnonzero(sub)
    if idx.size:
        k = (rng.random(idx.size) * _NEIGH_COUNT[codes[idx]]).astype(np.int64)
        codes[idx] = _NEIGH_TABLE[codes[idx], k]

    # swap with the next character when both are letters of the same text
    swap = hit & (op == 2)
    swap[-1] = False
    swap &= np.roll(letter, -1)
    swap &= ~np.roll(swap, 1)  # no overlapping swaps
    idx = np.flatnonzero(swap)
    if idx.size:
        codes[idx], codes[idx + 1] = codes[idx + 1].copy(), codes[idx].copy()

    # delete (op 0) or double (op 1)
    repeats = np.ones(len(codes), dtype=np.int64)
    repeats[hit & (op == 0)] = 0
    repeats[hit & (op == 1)] = 2
    codes = np.repeat(codes, repeats)
    return _from_codes(codes, texts.index)


def strip_accents(texts: pd.Series, mask: np.ndarray) -> pd.Series:
    """Drop accents in the texts where ``mask`` is True (people typing on a foreign keyboard)."""
    if len(texts) == 0 or not np.any(mask):
        return texts.copy()
    codes, row = _to_codes(texts)
    apply = np.asarray(mask, dtype=bool)[row] & (codes < 0x300)
    codes[apply] = _FOLD_TABLE[codes[apply]]
    return _from_codes(codes, texts.index)


def lowercase(texts: pd.Series, mask: np.ndarray) -> pd.Series:
    """Lower-case the texts where ``mask`` is True (informal register)."""
    out = texts.copy()
    m = np.asarray(mask, dtype=bool)
    out[m] = texts[m].str.lower()
    return out


def fold_text(texts: pd.Series) -> pd.Series:
    """Lower-case and accent-free: the normal form the cross-lingual features use."""
    return strip_accents(texts.astype(str).str.lower(), np.ones(len(texts), dtype=bool))
