"""Character n-gram TF-IDF computed with numpy on one array of code points (no per-text Python loop).

Equivalent in spirit to ``TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)`` but four to six
times faster on short texts: all texts are joined into one UTF-32 array, n-grams are hashed with a rolling
polynomial hash for every n at once, n-grams that cross a word or text boundary are masked out, and the
counts go straight into a sparse matrix. Hash buckets seen in fewer than ``min_df`` training texts are
dropped; the kept buckets are renumbered densely and remember an n-gram that filled them, so
explanations can show text ("'steie'") rather than bucket numbers. Collisions are possible (2**20
buckets) and harmless for a linear model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_SEP = 0x1F
_SPACE = 0x20
_MULT = np.uint64(0x100000001B3)  # FNV prime
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _codes(texts, lowercase: bool) -> tuple[np.ndarray, int]:
    s = pd.Series(texts, dtype=object).fillna("").astype(str)
    if lowercase:
        s = s.str.lower()
    s = " " + s.str.replace(r"[\s\x1f]+", " ", regex=True).str.strip() + " "
    joined = "\x1f".join(s.tolist()) + "\x1f"
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32), len(s)


class CharNgramTfidf(BaseEstimator, TransformerMixin):
    """Sublinear TF-IDF of character n-grams inside word boundaries (words padded with spaces)."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        n_buckets: int = 2**20,
        lowercase: bool = True,
        max_chars: int | None = None,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.n_buckets = n_buckets
        self.lowercase = lowercase
        self.max_chars = max_chars

    def _ngrams(self, texts):
        """(row, bucket, start position, n) of every valid n-gram, and the code array."""
        if self.max_chars:
            texts = pd.Series(texts, dtype=object).fillna("").astype(str).str[: self.max_chars]
        codes, n_texts = _codes(texts, self.lowercase)
        length = len(codes)
        is_sep = (codes == _SEP).astype(np.int64)
        is_space = (codes == _SPACE).astype(np.int64)
        cs_sep = np.concatenate([[0], np.cumsum(is_sep)])
        cs_space = np.concatenate([[0], np.cumsum(is_space)])
        row_of = cs_sep[:-1]  # text number of each position (separators count to the next text)
        lo, hi = self.ngram_range
        h = np.zeros(length, dtype=np.uint64)
        rows, buckets, starts, ns = [], [], [], []
        mask_bits = np.uint64(self.n_buckets - 1)
        with np.errstate(over="ignore"):
            for n in range(1, hi + 1):
                m = length - n + 1
                if m <= 0:
                    break
                h = h[:m] * _MULT + codes[n - 1 : n - 1 + m].astype(np.uint64)
                if n < lo:
                    continue
                valid = cs_sep[n : n + m] == cs_sep[:m]  # no text separator inside
                if n > 2:  # no space strictly inside the n-gram (word boundaries only at its ends)
                    valid &= cs_space[n - 1 : n - 1 + m] == cs_space[1 : 1 + m]
                if n == 1:
                    valid &= codes[:m] != _SPACE
                else:  # not only spaces (a one-letter word padded: " a " is kept)
                    valid &= ~((codes[:m] == _SPACE) & (codes[n - 1 : n - 1 + m] == _SPACE) & (n == 2))
                idx = np.flatnonzero(valid)
                mixed = (h[idx] ^ np.uint64(n * 0x51ED27)) * _MIX
                mixed ^= mixed >> np.uint64(29)
                rows.append(row_of[idx])
                buckets.append((mixed & mask_bits).astype(np.int64))
                starts.append(idx)
                ns.append(np.full(len(idx), n, dtype=np.int8))
        return (
            np.concatenate(rows),
            np.concatenate(buckets),
            np.concatenate(starts),
            np.concatenate(ns),
            codes,
            n_texts,
        )

    def fit(self, X, y=None):
        self._fit(*self._ngrams(X))
        return self

    def fit_transform(self, X, y=None):
        grams = self._ngrams(X)
        self._fit(*grams)
        return self._matrix(grams[0], grams[1], grams[5])

    def _fit(self, rows, buckets, starts, ns, codes, n_texts):
        # document frequency per bucket: the binary text x bucket matrix, duplicates collapsed
        binary = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, buckets)), shape=(n_texts, self.n_buckets)
        )
        binary.sum_duplicates()
        df = np.bincount(binary.indices, minlength=self.n_buckets)
        kept = np.flatnonzero(df >= self.min_df)
        self.lookup_ = np.full(self.n_buckets, -1, dtype=np.int32)
        self.lookup_[kept] = np.arange(len(kept))
        self.idf_ = (np.log((1 + n_texts) / (1 + df[kept])) + 1).astype(np.float32)
        # an n-gram text that filled each kept bucket (for explanations)
        where = np.empty(self.n_buckets, dtype=np.int64)
        where[buckets] = np.arange(len(buckets))  # one occurrence of each bucket (the last one written)
        ub, first = kept, where[kept]
        width = self.ngram_range[1]
        offs = starts[first][:, None] + np.arange(width)[None, :]
        grams = codes[np.minimum(offs, len(codes) - 1)].copy()
        grams[np.arange(width)[None, :] >= ns[first][:, None]] = 0
        names = np.empty(len(kept), dtype=object)
        names[self.lookup_[ub]] = np.ascontiguousarray(grams).view(f"<U{width}").reshape(-1).astype(object)
        self.feature_names_ = names

    def transform(self, X):
        rows, buckets, _, _, _, n_texts = self._ngrams(X)
        return self._matrix(rows, buckets, n_texts)

    def _matrix(self, rows, buckets, n_texts):
        cols = self.lookup_[buckets]
        keep = cols >= 0
        M = sp.csr_matrix(
            (np.ones(keep.sum(), dtype=np.float32), (rows[keep], cols[keep])), shape=(n_texts, len(self.idf_))
        )
        M.sum_duplicates()
        M.data = (1 + np.log(M.data)) * self.idf_[M.indices]
        norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        M.data /= np.repeat(norms, np.diff(M.indptr)).astype(np.float32)
        return M

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_
