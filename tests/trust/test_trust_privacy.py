"""Pseudonymisation, k-anonymity and differential privacy, on hand examples and simulated noise."""

import math

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import (
    PseudonymKeyMissing,
    dp_count,
    dp_mean,
    enforce_k_anonymity,
    gaussian_sigma,
    k_anonymity,
    pseudonymise,
)

KEY_A = "a-test-key-that-is-long-enough"
KEY_B = "another-test-key-of-enough-length"


# ----------------------------------------------------------------------------- pseudonymisation


def test_pseudonyms_stable_for_same_key_and_differ_across_keys():
    ids = pd.Series(["P001", "P002", "P001", None, 42], index=[10, 11, 12, 13, 14], name="patient")
    a1 = pseudonymise(ids, key=KEY_A)
    a2 = pseudonymise(ids, key=KEY_A)
    b = pseudonymise(ids, key=KEY_B)
    assert a1.equals(a2)
    assert a1.index.tolist() == [10, 11, 12, 13, 14] and a1.name == "patient"
    assert a1[10] == a1[12] and a1[10] != a1[11]
    assert a1[13] is None  # missing stays missing
    assert (a1.dropna() != b.dropna()).all()
    assert not set(a1.dropna()) & {"P001", "P002", "42"}
    assert a1.dropna().str.fullmatch(r"[0-9a-f]{16}").all()


def test_pseudonym_is_the_keyed_hmac():
    import hashlib
    import hmac

    expected = hmac.new(KEY_A.encode(), b"P001", hashlib.sha256).hexdigest()[:20]
    assert pseudonymise(["P001"], key=KEY_A, length=20).iloc[0] == expected


def test_key_read_from_environment(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY_A)
    from_env = pseudonymise(["x", "y"], required=True)
    assert from_env.tolist() == pseudonymise(["x", "y"], key=KEY_A).tolist()


def test_missing_key_raises_when_required(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing, match="set the environment variable LIVINGLAB_PSEUDONYM_KEY"):
        pseudonymise(["x"], required=True)


def test_missing_key_not_required_uses_a_random_key_with_warning(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.warns(UserWarning, match="random key"):
        first = pseudonymise(["x", "x"])
    with pytest.warns(UserWarning):
        second = pseudonymise(["x"])
    assert first[0] == first[1] and first[0] != second[0]


def test_short_key_refused():
    with pytest.raises(ValueError, match="shorter"):
        pseudonymise(["x"], key="short")


# ----------------------------------------------------------------------------- k-anonymity


@pytest.fixture
def people():
    return pd.DataFrame(
        {
            "postcode": ["1234", "1234", "1234", "1234", "1234", "5678"],
            "sex": ["F", "F", "F", "M", "M", "F"],
            "birth_year": [1980, 1981, 1982, 1975, 1976, 1990],
            "score": [1, 2, 3, 4, 5, 6],
        }
    )


def test_k_anonymity_hand_example(people):
    assert k_anonymity(people, ["postcode", "sex"]) == 1  # (5678, F) is alone
    assert k_anonymity(people.iloc[:5], ["postcode", "sex"]) == 2  # classes of 3 (F) and 2 (M)
    assert k_anonymity(people, ["postcode"]) == 1
    assert k_anonymity(people.iloc[:5], ["postcode"]) == 5
    assert k_anonymity(people.iloc[:0], ["postcode"]) == 0


def test_missing_values_form_their_own_class():
    df = pd.DataFrame({"a": ["x", "x", None], "b": [1, 1, 1]})
    assert k_anonymity(df, ["a", "b"]) == 1


def test_enforce_generalises_then_suppresses(people):
    decade = {"birth_year": lambda year: (year // 10) * 10}
    out, report = enforce_k_anonymity(people, ["postcode", "sex", "birth_year"], 2, generalise=decade)
    # Decades: (1234, F, 1980) x3, (1234, M, 1970) x2, (5678, F, 1990) x1 -> the last row is suppressed.
    assert (
        report.k_before == 1
        and report.k_after == 2
        and k_anonymity(out, ["postcode", "sex", "birth_year"]) >= 2
    )
    assert report.rows_suppressed == 1 and report.rows_out == 5 and report.rows_in == 6
    assert report.rows_generalised == 4  # 1980 and 1990 are already decades; 1981, 1982, 1975, 1976 change
    assert report.generalised == {"birth_year": 1}
    assert out.index.tolist() == [0, 1, 2, 3, 4]
    assert out["birth_year"].tolist() == [1980, 1980, 1980, 1970, 1970]
    assert out["score"].tolist() == [1, 2, 3, 4, 5]  # other columns untouched
    assert people["birth_year"].iloc[1] == 1981  # input not modified
    assert report.as_dict()["rows_suppressed"] == 1


def test_enforce_stops_at_the_first_level_that_reaches_k(people):
    levels = {"birth_year": [lambda y: (y // 10) * 10, lambda y: (y // 50) * 50]}
    out, report = enforce_k_anonymity(people.iloc[:5], ["postcode", "birth_year"], 2, generalise=levels)
    # Decades already give (1234, 1980) x3 and (1234, 1970) x2: the coarser level is not applied.
    assert report.generalised == {"birth_year": 1}
    assert report.k_after == 2 and report.rows_suppressed == 0
    assert sorted(out["birth_year"].unique()) == [1970, 1980]


def test_enforce_applies_levels_and_columns_in_order(people):
    levels = {
        "birth_year": [lambda y: (y // 10) * 10, lambda y: (y // 50) * 50],
        "postcode": lambda p: p.str[:0] + "*",
    }
    out, report = enforce_k_anonymity(people, ["postcode", "birth_year"], 3, generalise=levels)
    # Decades leave classes 3 / 2 / 1; half-centuries give (1234, 1950) x5 and (5678, 1950) x1; hiding
    # the postcode then merges everything into one class of 6, so nothing is suppressed.
    assert report.generalised == {"birth_year": 2, "postcode": 1}
    assert report.k_after == 6 and report.rows_suppressed == 0 and len(out) == 6
    assert report.rows_generalised == 6


def test_enforce_without_generalisers_suppresses_only(people):
    out, report = enforce_k_anonymity(people, ["postcode"], 2)
    assert report.rows_suppressed == 1 and report.rows_generalised == 0 and report.k_after == 5


def test_enforce_refuses_unknown_columns(people):
    with pytest.raises(KeyError, match="not in the table"):
        enforce_k_anonymity(people, ["zip"], 2)
    with pytest.raises(KeyError, match="not quasi-identifiers"):
        enforce_k_anonymity(people, ["postcode"], 2, generalise={"score": lambda s: s})


# ----------------------------------------------------------------------------- differential privacy


def test_laplace_noise_std_matches_sqrt2_sensitivity_over_epsilon():
    epsilon = 0.5
    noisy = dp_count(np.full(40_000, 100.0), epsilon, rng=0)
    noise = noisy - 100.0
    assert abs(noise.mean()) < 0.05
    assert noise.std() == pytest.approx(math.sqrt(2) * 1.0 / epsilon, rel=0.03)


def test_gaussian_noise_std_matches_calibration():
    epsilon, delta = 0.5, 1e-5
    noise = dp_count(np.zeros(40_000), epsilon, rng=1, mechanism="gaussian", delta=delta)
    expected = math.sqrt(2 * math.log(1.25 / delta)) / epsilon
    assert gaussian_sigma(1.0, epsilon, delta) == pytest.approx(expected)
    assert noise.std() == pytest.approx(expected, rel=0.03)


def test_dp_count_scalar_and_errors():
    value = dp_count(10, 1.0, rng=0)
    assert isinstance(value, float) and value != 10
    with pytest.raises(ValueError, match="epsilon"):
        dp_count(10, 0)
    with pytest.raises(ValueError, match="epsilon < 1"):
        dp_count(10, 2.0, mechanism="gaussian")
    with pytest.raises(ValueError, match="mechanism"):
        dp_count(10, 1.0, mechanism="exponential")


def test_dp_mean_clips_to_bounds():
    values = np.array([1000.0] * 50 + [-1000.0] * 50)  # clipped to 10 and 0: mean 5
    assert dp_mean(values, 0, 10, 1e6, rng=0) == pytest.approx(5.0, abs=1e-3)
    assert dp_mean(np.full(100, 1e9), 0, 10, 1e6, rng=0) == pytest.approx(10.0, abs=1e-3)
    # With little privacy budget the result is still inside the bounds (post-processing clip).
    draws = [dp_mean(values, 0, 10, 0.01, rng=seed) for seed in range(50)]
    assert min(draws) >= 0 and max(draws) <= 10


def test_dp_mean_noise_scale_is_range_over_n_epsilon():
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 100, 200)
    draws = np.array([dp_mean(values, 0, 100, 1.0, rng=rng) for _ in range(3000)])
    # Laplace scale (100 - 0) / (200 * 1) = 0.5, std = sqrt(2) * 0.5; clipping at the bounds never bites here.
    assert draws.std() == pytest.approx(math.sqrt(2) * 0.5, rel=0.06)
    assert draws.mean() == pytest.approx(values.mean(), abs=0.05)


def test_dp_mean_bad_input():
    with pytest.raises(ValueError, match="lower < upper"):
        dp_mean([1, 2], 5, 1, 1.0)
    with pytest.raises(ValueError, match="missing"):
        dp_mean([1, np.nan], 0, 5, 1.0)
