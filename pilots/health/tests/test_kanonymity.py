"""k-anonymity (moved with its tests from the core's ``livinglab.trust.privacy``; the health pilot is its only
user): hand examples, missing values as a class of their own, generalisers, suppression and the report."""

import warnings

import numpy as np
import pandas as pd
import pytest

from pilots.health.privacy import enforce_k_anonymity, k_anonymity


def _sentence(err: pytest.ExceptionInfo) -> str:
    """The message of a refused input: one sentence (one line, ending with a full stop)."""
    message = str(err.value.args[0])
    assert "\n" not in message and message.endswith("."), message
    return message


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
    assert len(record) == 1
    assert out.empty and report.k_after == 0 and report.suppressed_share == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, report = enforce_k_anonymity(people, ["postcode"], 2)
        empty, nothing = enforce_k_anonymity(people.iloc[:0], ["postcode"], 2)
    assert len(out) == 5 and empty.empty and nothing.rows_in == 0 and nothing.suppressed_share == 0.0


def test_the_every_row_suppressed_warning_is_attributed_to_the_caller(people):
    """The warning names the line of this file that called the library (``stacklevel``). (``make mutate``
    deselects the tests named ``attributed_to_the_caller``: mutmut's trampoline sits between the two.)"""
    with pytest.warns(UserWarning, match="Every row was suppressed") as record:
        enforce_k_anonymity(people, ["postcode"], 10)
    assert record[0].filename == __file__


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
