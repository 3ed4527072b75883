"""Pseudonymisation, k-anonymity and differential privacy, on hand examples and simulated noise."""

import math
import warnings

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


# ----------------------------------------------------------------------------- messages, pseudonym edges


def _sentence(err: pytest.ExceptionInfo) -> str:
    """The message of a refused input: one sentence (one line, ending with a full stop)."""
    message = str(err.value.args[0])
    assert "\n" not in message and message.endswith("."), message
    return message


def _points_at_caller(warning: warnings.WarningMessage) -> bool:
    """The warning is attributed to the line of this file that called the library (``stacklevel``). Under
    mutation testing mutmut's trampoline sits between the two and takes that place; still not the library."""
    return warning.filename == __file__ or warning.filename.endswith("mutmut/mutation/trampoline.py")


def test_pseudonym_length_bounds_are_8_and_64_hex_digits():
    assert len(pseudonymise(["x"], key=KEY_A, length=8).iloc[0]) == 8
    assert len(pseudonymise(["x"], key=KEY_A, length=64).iloc[0]) == 64
    for length in (7, 65):
        with pytest.raises(ValueError, match="length must be between 8 and 64") as err:
            pseudonymise(["x"], key=KEY_A, length=length)
        assert _sentence(err).endswith(f"not {length}.")


def test_key_of_exactly_the_minimum_length_is_accepted_and_bytes_keys_work():
    assert pseudonymise(["x"], key="k" * 16).iloc[0] != pseudonymise(["x"], key="k" * 17).iloc[0]
    with pytest.raises(ValueError, match="shorter than 16 characters") as err:
        pseudonymise(["x"], key="k" * 15)
    _sentence(err)
    assert (
        pseudonymise(["x", "y"], key=KEY_A.encode()).tolist() == pseudonymise(["x", "y"], key=KEY_A).tolist()
    )


def test_random_key_warning_points_at_the_caller(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.warns(UserWarning, match="cannot be linked to another run") as record:
        pseudonymise(["x"])
    assert _points_at_caller(record[0]) and str(record[0].message).endswith(".")


def test_missing_ids_stay_missing_even_when_all_are_missing():
    assert pseudonymise(pd.Series([None, np.nan]), key=KEY_A).tolist() == [None, None]
    out = pseudonymise(pd.Series([np.nan, "P1"]), key=KEY_A)
    assert out.iloc[0] is None and out.iloc[1] == pseudonymise(["P1"], key=KEY_A).iloc[0]


def test_new_key_is_256_random_bits_in_hex():
    from livinglab.trust.privacy import new_pseudonym_key

    key = new_pseudonym_key()
    assert len(key) == 64 and int(key, 16) >= 0 and key != new_pseudonym_key()


# ----------------------------------------------------------------------------- k-anonymity, more cases


def test_a_single_column_name_is_a_quasi_identifier_and_an_empty_list_is_refused(people):
    assert k_anonymity(people, "postcode") == 1 and k_anonymity(people.iloc[:5], "postcode") == 5
    with pytest.raises(ValueError, match="quasi_identifiers is empty") as err:
        k_anonymity(people, [])
    _sentence(err)
    with pytest.raises(KeyError, match="zip, town") as err:
        k_anonymity(people, ["postcode", "zip", "town"])
    _sentence(err)


def test_unused_categories_do_not_make_an_empty_class():
    df = pd.DataFrame(
        {"zone": pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "c"]), "n": [1, 1, 2, 2]}
    )
    assert k_anonymity(df, ["zone", "n"]) == 2
    assert enforce_k_anonymity(df, ["zone", "n"], 2)[1].rows_suppressed == 0


@pytest.fixture
def incomplete():
    # Rows 3-5 lack a postcode, rows 7-9 a birth year: missing is a category of its own.
    return pd.DataFrame(
        {
            "postcode": ["1234", "1234", "1234", None, None, None, "5678", "1234", "1234", "1234"],
            "sex": ["F", "F", "F", "M", "M", "M", "F", "M", "M", "M"],
            "birth_year": [1981, 1983, 1987, 1975, 1976, 1978, 1990, np.nan, np.nan, np.nan],
        },
        index=range(100, 110),
    )


def test_missing_quasi_identifiers_form_a_class_and_are_not_dropped(incomplete):
    qi = ["postcode", "sex", "birth_year"]
    decade = {"birth_year": lambda year: (year // 10) * 10}
    out, report = enforce_k_anonymity(incomplete, qi, 3, generalise=decade)
    # Classes after decades: (1234, F, 1980) x3, (missing, M, 1970) x3, (5678, F, 1990) x1, (1234, M, missing) x3:
    # only the lone 5678 row is suppressed; the six incomplete rows are kept, still incomplete.
    assert out.index.tolist() == [100, 101, 102, 103, 104, 105, 107, 108, 109]
    assert (
        report.rows_suppressed == 1 and report.rows_out == 9 and report.k_before == 1 and report.k_after == 3
    )
    assert out["postcode"].isna().sum() == 3 and out["birth_year"].isna().sum() == 3
    assert out.loc[103:105, "birth_year"].tolist() == [1970, 1970, 1970]
    assert (
        report.rows_generalised == 6
    )  # 1981, 1983, 1987, 1975, 1976, 1978; 1990 and missing years unchanged
    assert k_anonymity(out, qi) == 3


def test_a_small_class_of_incomplete_rows_is_suppressed_like_any_other(incomplete):
    qi = ["postcode", "sex"]
    small = incomplete.drop(index=[104, 105])  # one row left without a postcode
    out, report = enforce_k_anonymity(small, qi, 2)
    assert 103 not in out.index and 106 not in out.index and report.rows_suppressed == 2
    assert k_anonymity(small, qi) == 1 and report.k_after == 3


def test_a_generaliser_may_turn_missing_values_into_a_value_and_it_counts_as_a_change(incomplete):
    qi = ["postcode", "sex"]
    out, report = enforce_k_anonymity(
        incomplete.iloc[:6], qi, 3, generalise={"postcode": lambda p: p.fillna("unknown")}
    )
    assert report.k_before == 3 and report.generalised == {} and out["postcode"].isna().sum() == 3
    out, report = enforce_k_anonymity(
        incomplete.iloc[:7], qi, 3, generalise={"postcode": lambda p: p.fillna("1234").where(p != "5678")}
    )
    # Missing -> 1234 (3 rows changed), 5678 -> missing (1 row changed): one class of 6 and one of 1.
    assert report.rows_generalised == 4 and report.rows_suppressed == 1 and out["postcode"].notna().all()


def test_rows_generalised_counts_a_row_changed_by_any_column():
    df = pd.DataFrame({"age": [30, 35, 41, 44], "zone": ["A1", "A2", "A", "A"]})
    levels = {"age": lambda a: (a // 10) * 10, "zone": lambda z: z.str[:1]}
    out, report = enforce_k_anonymity(df, ["age", "zone"], 2, generalise=levels)
    # age changes rows 1-3, zone rows 0-1: all four rows were generalised.
    assert report.generalised == {"age": 1, "zone": 1} and report.rows_generalised == 4
    assert out["zone"].tolist() == ["A"] * 4 and report.k == 2 and report.quasi_identifiers == ["age", "zone"]


def test_columns_after_the_one_that_reaches_k_are_left_alone(people):
    levels = {"birth_year": lambda y: (y // 10) * 10, "postcode": lambda p: p.str[:0] + "*"}
    out, report = enforce_k_anonymity(people.iloc[:5], ["postcode", "birth_year"], 2, generalise=levels)
    assert report.generalised == {"birth_year": 1} and out["postcode"].tolist() == ["1234"] * 5


def test_a_table_already_k_anonymous_is_not_generalised(people):
    hide = {"postcode": lambda p: p.str[:0] + "*"}
    out, report = enforce_k_anonymity(people.iloc[:5], ["postcode"], 5, generalise=hide)
    assert report.generalised == {} and report.rows_generalised == 0 and out.equals(people.iloc[:5])


def test_k_of_one_keeps_everything_and_k_below_one_is_refused(people):
    out, report = enforce_k_anonymity(people, ["postcode", "sex", "birth_year"], 1)
    assert len(out) == 6 and report.rows_suppressed == 0 and report.k == 1
    with pytest.raises(ValueError, match="k must be a positive integer") as err:
        enforce_k_anonymity(people, ["postcode"], 0)
    _sentence(err)


@pytest.mark.parametrize("bad", [[], [lambda s: s, 5], 5])
def test_generalisers_must_be_callables(people, bad):
    with pytest.raises(
        TypeError, match=r"generalise\['birth_year'\] must be a callable or a list of callables"
    ):
        enforce_k_anonymity(people, ["birth_year"], 2, generalise={"birth_year": bad})


def test_unknown_generaliser_columns_are_all_named(people):
    with pytest.raises(KeyError, match="score, sex that are not quasi-identifiers") as err:
        enforce_k_anonymity(people, ["postcode"], 2, generalise={"score": abs, "sex": str})
    _sentence(err)


@pytest.mark.parametrize(
    "generaliser",
    [
        lambda y: ((y // 50) * 50).to_numpy(),  # an array
        lambda y: [1950] * len(y),  # a list
        lambda y: 1950,  # one value for every row
        lambda y: ((y // 50) * 50).reset_index(drop=True),  # a Series with a fresh index: taken by position
    ],
)
def test_generaliser_results_are_taken_by_position(people, generaliser):
    shifted = people.set_axis([10, 11, 12, 13, 14, 15])
    out, report = enforce_k_anonymity(shifted, ["birth_year"], 6, generalise={"birth_year": generaliser})
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15] and out["birth_year"].tolist() == [1950] * 6
    assert report.rows_suppressed == 0 and report.rows_generalised == 6


def test_generaliser_dtype_is_kept(people):
    band = {"birth_year": lambda y: pd.cut(y, [1900, 1985, 2000], labels=["<1985", ">=1985"])}
    out, _ = enforce_k_anonymity(people, ["birth_year"], 2, generalise=band)
    assert isinstance(out["birth_year"].dtype, pd.CategoricalDtype)
    assert (
        out["birth_year"].astype(str).tolist() == ["<1985", "<1985", "<1985", "<1985", "<1985", ">=1985"][:5]
    )


def test_generaliser_of_the_wrong_length_is_refused(people):
    with pytest.raises(ValueError, match="generaliser for 'birth_year' returned 2 values for 6 rows") as err:
        enforce_k_anonymity(people, ["birth_year"], 2, generalise={"birth_year": lambda y: y.head(2)})
    _sentence(err)


def test_suppressing_every_row_warns_at_the_caller_and_nothing_else_warns(people):
    with pytest.warns(UserWarning, match="Every row was suppressed to reach k=10: add coarser") as record:
        out, report = enforce_k_anonymity(people, ["postcode"], 10)
    assert _points_at_caller(record[0]) and len(record) == 1
    assert out.empty and report.k_after == 0 and report.suppressed_share == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, report = enforce_k_anonymity(people, ["postcode"], 2)
        empty, nothing = enforce_k_anonymity(people.iloc[:0], ["postcode"], 2)
    assert len(out) == 5 and empty.empty and nothing.rows_in == 0 and nothing.suppressed_share == 0.0


def test_report_sentence(people):
    decade = {"birth_year": lambda year: (year // 10) * 10}
    _, report = enforce_k_anonymity(people, ["postcode", "sex", "birth_year"], 2, generalise=decade)
    assert str(report) == (
        "k-anonymity target 2: k went from 1 to 2; generalised columns: birth_year (1 level); "
        "4 rows generalised, 1 of 6 rows suppressed (16.7%)."
    )
    levels = {
        "birth_year": [lambda y: (y // 10) * 10, lambda y: (y // 50) * 50],
        "postcode": lambda p: p.str[:0],
    }
    _, report = enforce_k_anonymity(people, ["postcode", "birth_year"], 3, generalise=levels)
    assert "birth_year (2 levels), postcode (1 level);" in str(report)
    _, report = enforce_k_anonymity(people, ["postcode"], 2)
    assert "generalised columns: none;" in str(report)


# ----------------------------------------------------------------------------- differential privacy, exactly


def test_laplace_count_is_the_count_plus_the_generators_laplace_draw():
    expected = 10 + np.random.default_rng(7).laplace(0.0, 1 / 0.5)
    assert dp_count(10, 0.5, rng=7) == expected
    assert dp_count(10, 0.5, rng=np.random.default_rng(7)) == expected  # a Generator is used as it is
    assert dp_count(10, 0.5, rng=8) != expected
    value = dp_count(10, 0.5, rng=7)
    assert type(value) is float  # a plain float, safe to write to JSON or YAML
    array = dp_count([1, 2, 3], 0.5, rng=7)
    assert array.shape == (3,) and np.allclose(array - [1, 2, 3], np.random.default_rng(7).laplace(0, 2.0, 3))


def test_gaussian_count_uses_the_default_delta_of_one_in_a_million():
    sigma = math.sqrt(2 * math.log(1.25 / 1e-6)) / 0.5
    assert gaussian_sigma(1.0, 0.5, 1e-6) == pytest.approx(sigma)
    expected = 10 + np.random.default_rng(3).normal(0.0, sigma)
    assert dp_count(10, 0.5, rng=3, mechanism="gaussian") == pytest.approx(expected, rel=1e-12)


def test_counts_from_nullable_columns():
    counts = pd.Series([3, 4], dtype="Int64")
    assert np.allclose(dp_count(counts, 1e9, rng=0), [3, 4], atol=1e-6)
    with pytest.raises(ValueError, match="true_count must be finite") as err:
        dp_count(pd.Series([3, None], dtype="Int64"), 1.0)
    _sentence(err)
    with pytest.raises(ValueError, match="true_count must be finite"):
        dp_count([1.0, math.inf], 1.0)
    # Columns of mixed values come as dtype object: numbers are read as numbers, None as missing.
    assert np.allclose(dp_count(pd.Series([3, 4], dtype=object), 1e9, rng=0), [3, 4], atol=1e-6)
    with pytest.raises(ValueError, match="true_count must be finite"):
        dp_count(pd.Series([3, None], dtype=object), 1.0)


def test_dp_mean_is_the_clipped_mean_plus_noise_of_scale_range_over_n_epsilon():
    values = np.array([100.0, 150.0, 180.0, 250.0])  # 250 is clipped to 200: clipped mean 157.5
    noise = np.random.default_rng(2).laplace(0.0, (200 - 100) / (4 * 0.5))
    assert dp_mean(values, 100, 200, 0.5, rng=2) == pytest.approx(np.clip(157.5 + noise, 100, 200), rel=1e-12)
    assert 100 < dp_mean(values, 100, 200, 0.5, rng=2) < 200  # the draw is not clipped: the check bites


def test_dp_mean_gaussian_mechanism():
    values = np.tile([100.0, 150.0, 180.0, 200.0], 25)
    sigma = gaussian_sigma((200 - 100) / 100, 0.5, 1e-6)
    noise = np.random.default_rng(4).normal(0.0, sigma)
    assert 100 < 157.5 + noise < 200
    assert dp_mean(values, 100, 200, 0.5, rng=4, mechanism="gaussian") == pytest.approx(
        157.5 + noise, rel=1e-12
    )
    sigma = gaussian_sigma((200 - 100) / 100, 0.5, 1e-3)
    noise = np.random.default_rng(4).normal(0.0, sigma)
    assert dp_mean(values, 100, 200, 0.5, rng=4, mechanism="gaussian", delta=1e-3) == pytest.approx(
        np.clip(157.5 + noise, 100, 200), rel=1e-12
    )
    with pytest.raises(ValueError, match="mechanism must be 'laplace' or 'gaussian'") as err:
        dp_mean(values, 100, 200, 0.5, mechanism="exponential")
    _sentence(err)


def test_dp_mean_of_one_value_and_refusals():
    assert dp_mean([5.0], 0, 10, 1e9, rng=0) == pytest.approx(5.0)
    assert dp_mean(pd.Series([4, 6], dtype="Int64"), 0, 10, 1e9, rng=0) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="lower < upper"):
        dp_mean([1.0, 2.0], 3, 3, 1.0)
    for bad in ([], [[1.0, 2.0], [3.0, 4.0]]):
        with pytest.raises(ValueError, match="values must be a non-empty one-dimensional sequence") as err:
            dp_mean(bad, 0, 5, 1.0)
        _sentence(err)
    with pytest.raises(ValueError, match="drop or impute them first") as err:
        dp_mean(pd.Series([1, None], dtype="Int64"), 0, 5, 1.0)
    _sentence(err)
    assert dp_mean(pd.Series([4, 6], dtype=object), 0, 10, 1e9, rng=0) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="drop or impute them first"):
        dp_mean(pd.Series([1.0, None], dtype=object), 0, 5, 1.0)


def test_gaussian_calibration_edges():
    assert gaussian_sigma(2.0, 0.5, 1e-5) == pytest.approx(2 * gaussian_sigma(1.0, 0.5, 1e-5))
    with pytest.raises(ValueError, match="needs epsilon < 1, not 1"):
        gaussian_sigma(1.0, 1.0, 1e-6)
    for delta in (0, 1, 1.5):
        with pytest.raises(ValueError, match="delta must be between 0 and 1") as err:
            gaussian_sigma(1.0, 0.5, delta)
        _sentence(err)
    for epsilon in (math.inf, math.nan, -1):
        with pytest.raises(ValueError, match="epsilon must be a positive finite number"):
            dp_count(1, epsilon)
