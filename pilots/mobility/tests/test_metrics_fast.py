"""The pilot's own mean absolute error (used inside the claims' and subgroups' bootstraps) gives exactly
scikit-learn's number, on counts of many lengths (numpy's pairwise sums change at 8 and 128 values), with
float32 forecasts or counts as the pilot has them, and in float32 where scikit-learn computes in float32."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error as sklearn_mae

from pilots.mobility.model import mean_absolute_error


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 1000, 4099, 50_001])
def test_same_number_as_scikit_learn_to_the_last_bit(n):
    rng = np.random.default_rng(n)
    y = np.round(rng.lognormal(5, 1, n))
    p = rng.lognormal(5, 1, n).astype(np.float32)
    ours, theirs = mean_absolute_error(y, p), sklearn_mae(y, p)
    assert isinstance(ours, float)
    assert ours == theirs  # bit for bit, not approximately
    assert mean_absolute_error(pd.Series(y), list(p)) == theirs
    assert mean_absolute_error(y.astype(np.float32), p) == sklearn_mae(y.astype(np.float32), p)  # float32
    assert mean_absolute_error(y.astype(int), p) == sklearn_mae(y.astype(int), p)  # scikit-learn's own path


def test_plain_definition():
    assert mean_absolute_error([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert mean_absolute_error(np.array([10.0]), np.array([4.0])) == 6.0
