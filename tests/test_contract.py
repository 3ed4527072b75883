"""Data contracts on files with the quirks partners' exports really have: mapping, conversion, checks, fixes."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from livinglab.contract import Contract, ContractError, Field
from livinglab.data import _facts, read_checked
from livinglab.reader import read_table


class _Read:
    """A file read and checked as livinglab.load does it (reader + contract), without the pilot."""

    def __init__(self, path, columns, contract, read_options=None):
        self.frame, self.report, self.applied = read_checked(path, contract, columns, read_options)
        self.contract = contract

    @property
    def notes(self):
        return [*self.report.notes, *self.applied.notes]

    def source_facts(self):
        return _facts(self.frame, self.report, self.applied, self.contract)


def load_data(path, columns, contract, read_options=None, record=False):
    return _Read(path, columns, contract, read_options)


COUNTS = Contract(
    "counts",
    "Hourly counts",
    fields=(
        Field("site", "text", required=False, meaning="site id", aliases=("station", "zaehlstelle")),
        Field("timestamp", "datetime", meaning="start of the hour", aliases=("datetime",)),
        Field("date", "datetime", required=False, meaning="day", aliases=("datum",)),
        Field("hour", "hour", required=False, meaning="hour of day", aliases=("stunde",)),
        Field("count", "number", meaning="vehicles", minimum=0, aliases=("anzahl", "traffic_volume")),
    ),
    alternatives={"timestamp": ("date", "hour")},
    extras="covariates",
)

ROWS = [("A-01", "03.04.2023", 7, 120), ("A-01", "03.04.2023", 8, -1), ("B-02", "13.04.2023", 24, 95)]


def _german_export(sep=";", crlf=True, header_tail=None) -> str:
    header_tail = sep if header_tail is None else header_tail  # a header ending in a separator
    eol = "\r\n" if crlf else "\n"
    lines = [f" Zählstelle {sep} Datum{sep}Stunde {sep}Anzahl{header_tail}"]
    lines += [f"{s}{sep}{d}{sep}{h}{sep}{c}" for s, d, h, c in ROWS]
    return eol.join(lines) + eol


def test_contract_maps_day_first_dates_hours_1_24_and_a_sentinel(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    loaded = load_data(
        str(path),
        {"site": "Zählstelle", "date": "Datum", "hour": "Stunde", "count": "Anzahl"},
        COUNTS,
        {"missing_values": {"Anzahl": [-1]}},
        record=False,
    )
    frame = loaded.frame
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2023-04-03 06:00"),
        pd.Timestamp("2023-04-03 07:00"),
        pd.Timestamp("2023-04-13 23:00"),
    ]  # hour ending 1-24 -> 0-23
    assert frame["count"].isna().tolist() == [False, True, False]
    assert any("day first" in n for n in loaded.notes) and any("sentinel" in n for n in loaded.notes)
    facts = loaded.source_facts()
    assert (
        facts["rows"] == 3 and len(facts["sha256"]) == 64 and facts["time_span"][0].startswith("2023-04-03")
    )


def test_proposed_mapping_works_as_printed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path, missing_values=[-1])
    proposal = COUNTS.propose(frame)
    assert proposal == {"site": "Zählstelle", "date": "Datum", "hour": "Stunde", "count": "Anzahl"}
    with pytest.raises(ContractError) as err:
        COUNTS.apply(frame, {})  # no mapping: the message carries a working example
    example = json.loads(str(err.value).split("-p columns '")[1].split("'")[0])
    assert COUNTS.apply(frame, example).frame["count"].notna().sum() == 2


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"count": "Anzahll"}, "did you mean 'Anzahl'"),
        ({"cnt": "Anzahl"}, "does not have"),
        ({"count": "Zählstelle", "date": "Datum", "hour": "Stunde"}, "holds text, not numbers"),
        ({"count": "Anzahl", "timestamp": "Zählstelle"}, "not dates"),
    ],
)
def test_wrong_mappings_name_the_column_and_the_fix(tmp_path, columns, message):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=message) as err:
        COUNTS.apply(frame, columns)
    assert "\n" not in str(err.value) and "-p " in str(err.value)


def test_negative_counts_fail_the_pandera_check_with_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=r"below 0, the smallest count allowed \(row 3: -1"):
        COUNTS.apply(frame, {"date": "Datum", "hour": "Stunde", "count": "Anzahl"})


def test_unparsable_dates_are_reported(tmp_path):
    path = tmp_path / "bad_dates.csv"
    path.write_text("datetime,count\n2023-04-01 00:00,3\nyesterday,4\n", encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=r"1 value\(s\) that are not dates \(row 3: 'yesterday'\)"):
        COUNTS.apply(frame, {"timestamp": "datetime"})


def test_parquet_and_excel_through_the_contract(tmp_path):
    frame = pd.DataFrame(
        {"datetime": pd.date_range("2024-01-01", periods=3, freq="h"), "count": [1.0, 2.0, 3.0]}
    )
    frame.to_parquet(tmp_path / "c.parquet")
    frame.to_excel(tmp_path / "c.xlsx", index=False)
    for name in ("c.parquet", "c.xlsx"):
        loaded = load_data(str(tmp_path / name), {"timestamp": "datetime"}, COUNTS, record=False)
        assert loaded.frame["count"].sum() == 6 and loaded.report.format in ("parquet", "excel")


def test_decimal_comma_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("datetime;count\n2024-01-01 00:00;1.234,5\n2024-01-01 01:00;7,25\n", encoding="utf-8")
    loaded = load_data(str(path), {"timestamp": "datetime"}, COUNTS, record=False)
    assert loaded.frame["count"].tolist() == [1234.5, 7.25]


# ----------------------------------------------------------------------------- helpers


def _sentence(err: pytest.ExceptionInfo) -> str:
    """A refused file or mapping: one sentence on one line, ending with a full stop."""
    message = str(err.value)
    assert "\n" not in message and message.endswith("."), message
    return message


def _csv(tmp_path, text, name="x.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SIMPLE = Contract(
    "simple",
    "Simple",
    fields=(
        Field("id", "text", meaning="person"),
        Field("n", "integer", required=False, meaning="visits", minimum=0, maximum=10),
        Field("ok", "bool", required=False, meaning="consent"),
        Field("group", "category", required=False, meaning="arm"),
        Field("label", "label", required=False, meaning="outcome"),
    ),
)


def test_field_kinds_are_checked():
    with pytest.raises(ValueError) as err:
        Field("x", "blob")
    assert "Field x: kind must be one of ('text', 'category'" in _sentence(err) and "not 'blob'" in str(
        err.value
    )
    assert Field("x", "text").required and Field("x", "text").aliases == ()


@pytest.mark.parametrize(
    ("name", "norm"),
    [
        ("Zählstelle", "zaehlstelle"),
        ("ZAEHL_STELLE", "zaehlstelle"),
        ("Größe", "groesse"),
        ("Öl-Übung", "oeluebung"),
        ("Café Nº 1", "cafeno1"),
        (" Date / Time ", "datetime"),
        (42, "42"),
    ],
)
def test_names_are_compared_without_case_accents_or_punctuation(name, norm):
    from livinglab.contract import _norm

    assert _norm(name) == norm


def test_offending_rows_are_numbered_as_in_the_file():
    from livinglab.contract import _rows

    values = pd.Series(["a", "b", "c", "d", "e"])
    assert _rows(values, values.isin(["b", "c", "d", "e"])) == "row 3: 'b', row 4: 'c', row 5: 'd'"
    assert _rows(values, values == "e", limit=1) == "row 6: 'e'"


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("values", "expected", "how"),
    [
        (["2024-01-02 03:00", "2024-01-03"], ["2024-01-02 03:00", "2024-01-03"], "ISO 8601"),
        (["03.04.2023", "13.04.2023"], ["2023-04-03", "2023-04-13"], "day first (dd.mm.yyyy)"),
        (["04/03/2023", "04/13/2023"], ["2023-04-03", "2023-04-13"], "month first (mm/dd/yyyy)"),
        (["01/02/2023", "03/04/2023"], ["2023-02-01", "2023-04-03"], "day first (dd.mm.yyyy)"),  # ambiguous
        (["2024-01-01", "Jan 5 2024"], ["2024-01-01", "2024-01-05"], "ISO 8601"),
        (  # a day-first export appended to an ISO one: each value in its own order
            ["2024-01-02 10:00", "2024/1/3", "13.01.2024"],
            ["2024-01-02 10:00", "2024-01-03", "2024-01-13"],
            "day first (dd.mm.yyyy), and 2 value(s) written year first (2024-01-02) as year, month, day",
        ),
        (
            ["2024-01-01T00:00:00+02:00", "2024-01-01T05:00:00+02:00"],
            ["2023-12-31 22:00", "2024-01-01 03:00"],
            "ISO 8601, converted to UTC",
        ),
        (  # an export across the change to summer time: two UTC offsets
            ["2024-03-30T23:00:00+01:00", "2024-03-31T05:00:00+02:00", None],
            ["2024-03-30 22:00", "2024-03-31 03:00", None],
            "ISO 8601, converted to UTC",
        ),
    ],
)
def test_parse_datetimes(values, expected, how):
    from livinglab.contract import parse_datetimes

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed, found = parse_datetimes(pd.Series(values))
    assert found == how
    assert parsed.tolist() == [pd.Timestamp(v) if v else pd.NaT for v in expected] or (
        parsed.isna().tolist() == [v is None for v in expected]
        and parsed.dropna().tolist() == [pd.Timestamp(v) for v in expected if v]
    )
    assert parsed.dt.tz is None


def test_parse_datetimes_given_order_datetimes_and_numbers():
    from livinglab.contract import parse_datetimes

    assert parse_datetimes(pd.Series(["01/02/2023"]), dayfirst=True)[0].iloc[0] == pd.Timestamp("2023-02-01")
    parsed, how = parse_datetimes(pd.Series(["01/02/2023"]), dayfirst=False)
    assert parsed.iloc[0] == pd.Timestamp("2023-01-02") and how == "month first (given)"
    assert parse_datetimes(pd.Series(["01/02/2023"]), dayfirst=True)[1] == "day first (given)"
    times = pd.Series(pd.date_range("2024-01-01", periods=2))
    assert parse_datetimes(times) == (times, "already datetimes")
    with pytest.raises(ContractError, match="numbers, not dates"):
        parse_datetimes(pd.Series([1, 2]))
    # Only the first 2,000 values decide the order: later ones do not override it.
    late = pd.Series(["01.02.2023"] * 2000 + ["02/13/2023"])
    assert parse_datetimes(late)[1] == "day first (dd.mm.yyyy)"


@pytest.mark.parametrize(
    ("values", "hours", "how"),
    [
        ([1, 24, 5], [0, 23, 4], "hour ending 1-24, shifted to 0-23"),
        ([0, 23, 5], [0, 23, 5], "hour of day 0-23"),
        ([0, 24], [0, 24], "hour of day 0-23"),  # 0 and 24 together: not shifted (24 is then refused)
        ([1, 23], [1, 23], "hour of day 0-23"),
        (["07:00", "24:00"], [6, 23], "hour ending 1-24, shifted to 0-23"),
        (["07-08", " 0", "x"], [7, 0, None], "hour of day 0-23"),
        (["07:00-08:00", "7"], [7, 7], "hour of day 0-23"),
    ],
)
def test_parse_hours(values, hours, how):
    from livinglab.contract import parse_hours

    parsed, found = parse_hours(pd.Series(values))
    assert found == how and str(parsed.dtype) == "Int64"
    assert [None if pd.isna(h) else int(h) for h in parsed] == hours


@pytest.mark.parametrize(
    ("values", "numbers"),
    [
        (["1.234,5", "7,25", "1'234,5", "1 234,5", "-0,5"], [1234.5, 7.25, 1234.5, 1234.5, -0.5]),
        (["1.5", " 2 ", None], [1.5, 2.0, None]),
        (["1,5", "abc"], [None, None]),  # not every failure is a decimal comma: nothing is guessed
        ([True, False], [1.0, 0.0]),
        ([1, 2], [1.0, 2.0]),
    ],
)
def test_numbers_from_text(values, numbers):
    from livinglab.contract import _to_number

    converted = _to_number(pd.Series(values))
    assert converted.dtype == "float64"
    assert [None if pd.isna(v) else v for v in converted] == numbers


# ----------------------------------------------------------------------------- the contract itself


def test_markdown_table_for_the_card():
    assert COUNTS.to_markdown().splitlines() == [
        "| column | type | required | meaning |",
        "|---|---|---|---|",
        "| `site` | text | no | site id |",
        "| `timestamp` | datetime | or date + hour | start of the hour |",
        "| `date` | datetime | no | day |",
        "| `hour` | hour | no | hour of day |",
        "| `count` | number | yes | vehicles |",
        "| any other column | kept | no | covariates |",
    ]
    assert SIMPLE.to_markdown().splitlines()[-1] == "| `label` | label | no | outcome |"
    assert SIMPLE.names == ["id", "n", "ok", "group", "label"] and SIMPLE.field("ok").kind == "bool"


@pytest.mark.parametrize(
    ("field", "column", "values", "score"),
    [
        ("count", "Anzahl", [120, 95], 4.0),  # an alias (3) and numbers (+1)
        ("count", "count", ["a", "b"], 1.0),  # the name (3) but not numbers (-2)
        ("count", "vehicle count", [1, 2], 1.8),  # contains the name (0.8) and numbers
        ("count", "Anzahl", [None, None], 1.5),  # an empty column: half the name score
        ("date", "Datum", ["03.04.2023", "13.04.2023"], 4.0),
        ("date", "Datum", [1, 2], 1.0),  # numbers are not dates
        ("timestamp", "stamp", ["2024-01-01", "soon", "later"], 10 / 14 - 2),
        ("count", "dfa", [0.1, 0.2], 0.0),  # no name signal: never proposed for its type alone
        ("hour", "Stunde", [1, 24, 5], 3.5),
        ("hour", "Stunde", [1, 25, 5], 2.0),
        ("hour", "Stunde", ["a", "b"], 2.0),
        ("site", "Zählstelle", ["A-01", "B-02"], 3.2),  # short text: +0.2
        ("site", "Zählstelle", ["a rather long description of the site"] * 2, 4.0),  # long text: +1
        ("site", "Zählstelle", [1, 2], 2.5),  # numbers are not site names
    ],
)
def test_column_scores(field, column, values, score):
    assert COUNTS._score(COUNTS.field(field), column, pd.Series(values)) == pytest.approx(score)


def test_label_and_category_scores_count_distinct_values():
    few, many = pd.Series(["a", "b"] * 30), pd.Series([f"v{i}" for i in range(60)])
    assert SIMPLE._score(SIMPLE.field("label"), "label", few) == pytest.approx(3.5)
    assert SIMPLE._score(SIMPLE.field("label"), "label", many) == pytest.approx(2.5)
    assert SIMPLE._score(SIMPLE.field("group"), "group", pd.Series(range(51))) == pytest.approx(2.5)
    assert SIMPLE._score(SIMPLE.field("group"), "group", pd.Series(range(50))) == pytest.approx(3.5)
    big = pd.Series(list(range(60)) * 20)  # 60 distinct in 1,200 rows: at most 5 % distinct
    assert SIMPLE._score(SIMPLE.field("group"), "group", big) == pytest.approx(3.5)
    assert SIMPLE._score(SIMPLE.field("ok"), "ok", pd.Series([1, 0])) == pytest.approx(3.0)


def test_propose_takes_the_best_column_once_and_prefers_one_timestamp():
    frame = pd.DataFrame(
        {
            "datetime": ["2024-01-01 00:00", "2024-01-01 01:00"],
            "Datum": ["01.01.2024", "01.01.2024"],
            "Stunde": [1, 2],
            "volume": [3, 4],
            "traffic_volume": [3, 4],
            "notes": ["x", "y"],
        }
    )
    assert COUNTS.propose(frame) == {"timestamp": "datetime", "count": "traffic_volume"}
    assert COUNTS.propose(frame.drop(columns="datetime")) == {
        "date": "Datum",
        "hour": "Stunde",
        "count": "traffic_volume",
    }
    assert COUNTS.propose(pd.DataFrame({"zzz": ["q", "r"]})) == {}


def test_columns_named_like_the_contract_need_no_mapping():
    frame = pd.DataFrame({"Time Stamp": ["2024-01-01 00:00"], "COUNT": [3], "Count ": [4]})
    mapping = COUNTS.resolve_mapping(list(frame.columns), None)
    assert mapping["timestamp"] == "Time Stamp" and mapping["count"] in ("COUNT", "Count ")
    assert COUNTS.resolve_mapping(list(frame.columns), {"count": "Count "})["count"] == "Count "
    mapping = COUNTS.resolve_mapping(["count", "n", "timestamp"], {"count": "n"})
    assert mapping == {"timestamp": "timestamp", "count": "n"}  # the column 'count' is not used twice


def test_mapping_errors_name_the_columns_and_the_parameter():
    files = ["Datum", "Stunde", "Anzahl"]
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(files, {"cnt": "Anzahl", "tot": "Anzahl"})
    message = _sentence(err)
    assert "columns names ['cnt', 'tot'], which the counts contract does not have" in message
    assert (
        "its names are ['site', 'timestamp', 'date', 'hour', 'count']" in message and "-p columns" in message
    )
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(files, {"count": "zzz"})
    message = _sentence(err)
    assert "columns maps 'count' to 'zzz', but the file has no such column; the file's columns are" in message
    assert "did you mean" not in message and "Correct it in -p columns" in message
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(files, ["count", "Anzahl"])
    assert "columns must be a dict from contract names to file columns, not ['count', 'Anzahl']" in _sentence(
        err
    )


def test_a_missing_required_column_comes_with_a_working_example():
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(["Datum", "Anzahl"], {"count": "Anzahl"})
    message = _sentence(err)
    assert message.startswith(
        "The file has no column for 'timestamp' (start of the hour; or give date and hour)"
    )
    assert '-p columns \'{"count": "Anzahl", "timestamp": "<column>"}\' (replace <column>)' in message
    frame = pd.DataFrame({"Datum": ["03.04.2023"], "Stunde": [3], "Anzahl": [1]})
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(list(frame.columns), None, frame)
    message = _sentence(err)
    assert (
        '-p columns \'{"date": "Datum", "hour": "Stunde", "count": "Anzahl"}\'; `livinglab inspect`'
        in message
    )
    with pytest.raises(ContractError) as err:
        SIMPLE.resolve_mapping(["x"], {})
    message = _sentence(err)
    assert "no column for 'id' (person);" in message and '-p columns \'{"id": "<column>"}\'' in message
    assert "or give" not in message


def test_apply_converts_types_keeps_extras_and_reports_the_span(tmp_path):
    frame = pd.DataFrame(
        {
            "Zeit": ["2024-01-02 00:00", "2024-01-01 00:00"],
            "count": ["1,5", "2,5"],
            "weather": ["rain", "sun"],
        },
        index=[7, 9],
    )
    applied = COUNTS.apply(frame, {"timestamp": "Zeit"})
    # Columns named like the contract first, then the mapped ones, then the extras.
    assert list(applied.frame.columns) == ["count", "timestamp", "weather"] and applied.extra_columns == [
        "weather"
    ]
    assert applied.frame.index.tolist() == [0, 1] and applied.frame["count"].tolist() == [1.5, 2.5]
    assert applied.time_span == ("2024-01-01 00:00:00", "2024-01-02 00:00:00")
    assert applied.notes == [
        "columns: timestamp <- Zeit",
        "count: read as numbers (decimal comma)",  # a type change is said
        "timestamp: parsed as ISO 8601",
    ]
    assert applied.mapping == {"timestamp": "Zeit", "count": "count"}
    plain = Contract("c", "C", fields=COUNTS.fields, alternatives=COUNTS.alternatives)  # no extras: dropped
    applied = plain.apply(frame.rename(columns={"Zeit": "timestamp"}))
    assert (
        "weather" not in applied.frame
        and applied.extra_columns == []
        and applied.notes[0] == "columns: names as in the file"
    )
    with pytest.raises(ContractError) as err:  # a required column with no value at all is refused
        COUNTS.apply(pd.DataFrame({"timestamp": [None, None], "count": [1, 2]}))
    assert _sentence(err).startswith(
        "Column 'timestamp' is empty in all 2 rows, and the counts analysis needs its timestamp (start of the hour)"
    )
    partly = COUNTS.apply(pd.DataFrame({"timestamp": [None, "2024-01-01"], "count": [1, 2]}))
    assert partly.time_span == ("2024-01-01 00:00:00", "2024-01-01 00:00:00")


def test_text_integer_bool_category_and_label_columns():
    frame = pd.DataFrame(
        {
            "id": [" 007", "8 "],
            "n": [3.0, None],
            "ok": ["Yes", " n "],
            "group": [" A", "B"],
            "label": [" x", 1],
        }
    )
    out = SIMPLE.apply(frame).frame
    assert out["id"].tolist() == ["007", "8"] and str(out["id"].dtype) == "string"
    assert str(out["n"].dtype) == "Int64" and out["n"].iloc[0] == 3 and pd.isna(out["n"].iloc[1])
    assert out["ok"].tolist() == [True, False] and str(out["ok"].dtype) == "boolean"
    assert out["group"].tolist() == ["A", "B"] and str(out["group"].dtype) == "string"
    assert out["label"].tolist() == [" x", 1]  # labels are kept as they are
    truth = ["1", "true", "yes", "y", "0", "false", "no", "n", "1.0", "0.0"]
    converted = SIMPLE.apply(pd.DataFrame({"id": ["a"] * 10, "ok": truth})).frame["ok"]
    assert converted.tolist() == [True] * 4 + [False] * 4 + [True, False]
    # the partners' languages: oui/non, ja/nein, jo/nee, vrai/faux
    words = ["Oui", "non", "JA", "nein", "jo", "nee", "vrai", "faux"]
    converted = SIMPLE.apply(pd.DataFrame({"id": ["a"] * 8, "ok": words})).frame["ok"]
    assert converted.tolist() == [True, False] * 4


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ({"id": ["a", "b"], "n": [1.5, 2]}, "column 'n' must hold whole numbers (row 2: 1.5)"),
        (
            {"id": ["a", "b"], "ok": ["yes", "maybe"]},
            "column 'ok' must be yes/no (1/0, true/false): row 3: 'maybe'",
        ),
        (
            {"id": ["a", "b"], "n": [11, 2]},
            "Column 'n' has 1 value(s) above 10, the largest n allowed (row 2: 11.0): if they mean 'missing', "
            'declare them with -p read_options \'{"missing_values": {"n": [11]}}\'; or map another column',
        ),
        (
            {"id": list("abcdefghi"), "n": ["x", "n/v", "x", "-", "1", "2", "3", "4", "5"]},
            "column 'n' must hold numbers: 4 value(s) are not (row 2: 'x', row 3: 'n/v', row 4: 'x'). If they mean "
            '\'missing\', declare them: -p read_options \'{"missing_values": {"n": ["-", "n/v", "x"]}}\'; if the '
            "wrong column is mapped, change -p columns.",
        ),
    ],
)
def test_conversion_errors_name_the_column_the_rows_and_the_fix(frame, words):
    with pytest.raises(ContractError) as err:
        SIMPLE.apply(pd.DataFrame(frame))
    assert words in _sentence(err)


def test_hours_out_of_range_and_mapped_column_names():
    frame = pd.DataFrame({"Datum": ["03.04.2023"] * 3, "Std": [0, 24, "x"], "count": [1, 2, 3]})
    with pytest.raises(ContractError) as err:
        COUNTS.apply(frame, {"date": "Datum", "hour": "Std"})
    assert (
        "column 'Std' (mapped to 'hour') must be an hour of day (0-23, 1-24 or 'HH:MM'): row 3: 24, row 4: 'x'"
        in _sentence(err)
    )
    frame["Std"] = [0, 23, None]
    applied = COUNTS.apply(frame, {"date": "Datum", "hour": "Std"})
    assert applied.frame["timestamp"].tolist()[:2] == [
        pd.Timestamp("2023-04-03 00:00"),
        pd.Timestamp("2023-04-03 23:00"),
    ]
    assert (
        pd.isna(applied.frame["timestamp"].iloc[2]) and "timestamp: built from date + hour" in applied.notes
    )
    assert (
        "hour: hour of day 0-23" in applied.notes
        and "date: parsed as day first (dd.mm.yyyy)" in applied.notes
    )


def test_a_date_time_column_of_numbers_is_refused():
    with pytest.raises(ContractError) as err:
        COUNTS.apply(pd.DataFrame({"timestamp": [1, 2], "count": [1, 2]}))
    assert (
        "column 'timestamp' must hold dates/times, but it holds numbers, not dates; map another column with -p columns"
        in _sentence(err)
    )


def test_the_pandera_message_shows_the_file_column_and_up_to_three_rows():
    frame = pd.DataFrame({"datetime": ["2024-01-01"] * 5, "Anzahl": [-1, 2, -3, -4, -5]})
    with pytest.raises(ContractError) as err:
        COUNTS.apply(frame, {"timestamp": "datetime", "count": "Anzahl"})
    message = _sentence(err)
    assert message == (  # four distinct values: no missing-value advice (a scale, not a code)
        "Column 'Anzahl' (mapped to 'count') has 4 value(s) below 0, the smallest count allowed "
        "(row 2: -1.0, row 4: -3.0, row 5: -4.0): map another column with -p columns."
    )


def test_schema_types_and_ranges():
    schema = SIMPLE.schema()
    assert str(schema.columns["n"].dtype) == "Int64" and str(schema.columns["id"].dtype).startswith("string")
    assert [str(c) for c in schema.columns["n"].checks] == [
        "<Check greater_than_or_equal_to: greater_than_or_equal_to(0)>",
        "<Check less_than_or_equal_to: less_than_or_equal_to(10)>",
    ]
    assert schema.columns["label"].dtype is None and not schema.strict and not schema.coerce
    assert all(c.nullable and not c.required for c in schema.columns.values())


# ----------------------------------------------------------------------------- loading a file


def test_loaded_data_facts_and_names(tmp_path):
    for i in range(3):
        _csv(tmp_path, f"id,n\n00{i},{i}\n", name=f"m{i}.csv")
    loaded = load_data(str(tmp_path), {"id": "id"}, SIMPLE, record=False)
    facts = loaded.source_facts()
    assert facts["files"] == [str((tmp_path / f"m{i}.csv").resolve()) for i in range(3)]
    assert facts["columns"] == ["n", "id"] and facts["file_columns"] == ["id", "n", "source_file"]
    assert (
        facts["time_span"] is None
        and facts["encoding"] == "utf-8"
        and facts["dialect"] == "CSV, comma-separated"
    )
    assert facts["path"] == str(tmp_path) and facts["size_bytes"] == loaded.report.size_bytes
    assert loaded.frame["id"].tolist() == ["000", "001", "002"]


def test_read_options_are_checked_and_dayfirst_is_for_the_contract(tmp_path):
    from livinglab.contract import split_read_options

    assert split_read_options({"sep": ";", "dayfirst": True}) == ({"sep": ";"}, True)
    assert split_read_options(None) == ({}, None)
    with pytest.raises(ContractError) as err:
        split_read_options("sep=;")
    assert "read_options must be a dict such as {'sep': ';'}, not 'sep=;'" in _sentence(err)
    path = _csv(tmp_path, "datetime,count\n01/02/2024 10:00,1\n")
    loaded = load_data(str(path), {"timestamp": "datetime"}, COUNTS, {"dayfirst": False}, record=False)
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-02 10:00")
    with pytest.raises(ContractError) as err:
        load_data(str(tmp_path / "nope.csv"), None, COUNTS, record=False)
    assert "does not exist" in _sentence(err)


def test_text_columns_of_non_text_files_are_converted_after_reading(tmp_path):
    pd.DataFrame({"id": [7, 8]}).to_parquet(tmp_path / "x.parquet")
    loaded = load_data(str(tmp_path / "x.parquet"), {"id": "id"}, SIMPLE, record=False)
    assert loaded.frame["id"].tolist() == ["7", "8"]


def test_describe_columns():
    from livinglab.contract import describe_columns

    table = describe_columns(
        pd.DataFrame({"a": [1, None, 3, 3], "b": ["x" * 50, "y", "z", "w"]}), n_examples=2
    )
    assert table.to_dict("records") == [
        {"column": "a", "type": "float64", "missing": "25%", "distinct": 2, "examples": "1.0, 3.0"},
        {"column": "b", "type": "object", "missing": "0%", "distinct": 4, "examples": "x" * 40 + ", y"},
    ]
    assert describe_columns(pd.DataFrame({"c": [1, 2, 3, 4]}))["examples"].iloc[0] == "1, 2, 3"


def test_effective_data_mode():
    from livinglab.contract import effective_data_mode

    assert effective_data_mode("synthetic", " data.csv ") == "file"
    assert effective_data_mode("real") == "real" and effective_data_mode("auto", "  ") == "auto"
    with pytest.raises(ContractError) as err:
        effective_data_mode("file")
    assert "data_mode 'file' needs the file: set -p data_path PATH" in _sentence(err)
    with pytest.raises(ValueError, match="data_mode must be"):
        effective_data_mode("fake")


def test_check_file_reads_a_sample_and_applies_the_contract(tmp_path):
    from livinglab.contract import check_file

    rows = "".join(f"2024-01-{d:02d} {h:02d}:00;{h}\n" for d in range(1, 29) for h in range(24))
    path = _csv(tmp_path, "datetime;count\n" + rows + "".join(rows.splitlines(True)[:4]))  # 4 rows again
    applied = check_file(str(path), {"timestamp": "datetime"}, COUNTS, {"dayfirst": True})
    assert len(applied.frame) == 672 and applied.mapping["timestamp"] == "datetime"
    assert applied.dropped == {"identical to an earlier row in every column": 4}
    with pytest.raises(ContractError) as err:
        check_file(str(tmp_path / "nope.csv"), None, COUNTS)
    assert "does not exist" in _sentence(err)


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["12/13/2023"], "2023-12-13"), (["04/12/2023"], "2023-12-04"), (["13/04/2023"], "2023-04-13")],
)
def test_day_or_month_first_is_decided_by_values_above_12(values, expected):
    from livinglab.contract import parse_datetimes

    assert parse_datetimes(pd.Series(values))[0].iloc[0] == pd.Timestamp(expected)


def test_unparsable_values_among_several_utc_offsets_become_missing():
    from livinglab.contract import parse_datetimes

    parsed, _ = parse_datetimes(pd.Series(["2024-03-30T23:00:00+01:00", "2024-03-31T05:00:00+02:00", "soon"]))
    assert parsed.iloc[1] == pd.Timestamp("2024-03-31 03:00") and pd.isna(parsed.iloc[2])


def test_load_data_keeps_text_and_category_columns_as_text(tmp_path):
    path = _csv(tmp_path, "Kennung;group;n\n007;01;1\n008;02;2\n")
    loaded = load_data(str(path), {"id": "Kennung"}, SIMPLE, record=False)
    assert loaded.frame["id"].tolist() == ["007", "008"] and loaded.frame["group"].tolist() == ["01", "02"]


def test_check_file_reads_the_first_4_mib_of_a_big_file_with_the_options_given(tmp_path, monkeypatch):
    import livinglab.contract
    from livinglab.contract import check_file

    line = "01/02/2024 10:00;{};" + "x" * 80 + "\n"
    n = (9 << 19) // len(line)  # about 4.5 MiB
    path = _csv(tmp_path, "Export\ndatetime;count;note\n" + "".join(line.format(i) for i in range(n)))
    monkeypatch.setattr(livinglab.contract, "WHOLE_FILE_BYTES", 1 << 20)  # "big": more than 1 MiB
    applied = check_file(str(path), {"timestamp": "datetime"}, COUNTS, {"dayfirst": False, "skiprows": 1})
    assert 0.8 * n < len(applied.frame) < n
    assert applied.frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-02 10:00")


# ----------------------------------------------------------------------------- pinned down piece by piece
# (mutation testing: `make mutate MODULES=contract`)


@pytest.mark.parametrize(
    ("values", "how"),
    [
        (["12/13/2023"], "month first (mm/dd/yyyy)"),  # 12 first is not above 12: the 13 decides
        (["12-13-2023"], "month first (mm/dd/yyyy)"),  # ends like an offset (-2023) but has no time
        (["13.04.2023", "02.13.2023"], "day first (dd.mm.yyyy)"),  # a day above 12 first wins
        (["2024/05/06"], "ISO 8601"),
        (["2024-01-01T10:00Z"], "ISO 8601, converted to UTC"),
        (["2024-01-01 10:00 +0100"], "ISO 8601, converted to UTC"),
    ],
)
def test_how_dates_were_read(values, how):
    from livinglab.contract import parse_datetimes

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_datetimes(pd.Series(values))[1] == how


def test_utc_offsets_and_time_zones_become_utc_without_a_zone():
    from livinglab.contract import parse_datetimes

    parsed, how = parse_datetimes(pd.Series(["2024-01-01T10:00Z", "2024-01-01 10:00 +0100", None]))
    assert parsed.tolist()[:2] == [pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-01-01 09:00")]
    aware = pd.Series(pd.date_range("2024-03-30 23:00", periods=2, freq="6h", tz="Europe/Luxembourg"))
    parsed, how = parse_datetimes(aware)
    assert how == "already datetimes, converted to UTC" and parsed.dt.tz is None
    assert parsed.tolist() == [pd.Timestamp("2024-03-30 22:00"), pd.Timestamp("2024-03-31 04:00")]
    # a partner's parquet file with time-zone-aware timestamps goes through the contract
    applied = COUNTS.apply(pd.DataFrame({"timestamp": aware, "count": [1, 2]}))
    assert applied.frame["timestamp"].tolist() == parsed.tolist()
    assert "timestamp: parsed as already datetimes, converted to UTC" in applied.notes


def test_whole_numbers_among_decimal_commas():
    from livinglab.contract import _to_number

    assert _to_number(pd.Series(["7", "7,25", None])).tolist()[:2] == [7.0, 7.25]


@pytest.mark.parametrize(
    ("field", "column", "values", "score"),
    [
        ("count", "cougr", [1, 2], 1.6),  # a name 0.6 alike is a name signal (0.6 + 1 for numbers)
        ("site", "qqq", ["a rather long description of the site"] * 2, 1.0),  # free text needs no name
        ("count", "Anzahl Fahrzeuge", [1, 2], 1.8),  # contains an alias
        ("count", "Anzahl", [1] * 19 + ["x"], 3.5),  # a few codes among numbers: the check names them
        ("count", "Anzahl", [1] * 9 + list("abcdefghijk"), 1.0),  # mostly text: not numbers
        ("date", "Datum", ["20240101", "20240102"], 3.5),  # compact dates named as dates: half a point
        ("date", "Datum", ["1", "2"], 1.0),  # other numbers are not dates
        ("date", "Datum", ["2024-01-01", "20240102"], 1.0),  # half numbers: not dates
        ("timestamp", "datetime", [f"2024-01-0{i}" for i in range(1, 10)] + ["soon"], 1.0),  # 90 %: no
        ("timestamp", "datetime", list(pd.date_range("2024-01-01", periods=3)), 4.0),  # datetimes
        ("hour", "Stunde", [0, 23, 5], 3.5),
        ("hour", "Stunde", list(range(25)), 3.5),  # 0-24: 25 distinct values
        ("hour", "Stunde", [i / 2 for i in range(26)], 2.0),  # 26 distinct values: not hours
        ("site", "Zählstelle", ["1", "x" * 60], 2.5),  # half numbers: not text
        ("site", "Zählstelle", ["1" * 30] * 2, 2.5),  # long numbers are not text
        ("site", "Zählstelle", ["x" * 25] * 2, 3.2),  # 25 characters: short text
        ("site", "Zählstelle", ["x" * 25] * 499 + ["x" * 26, "x" * 24], 4.0),  # the first 500 values decide
    ],
)
def test_column_scores_at_the_edges(field, column, values, score):
    assert COUNTS._score(COUNTS.field(field), column, pd.Series(values)) == pytest.approx(score)


def test_integer_and_category_scores():
    assert SIMPLE._score(SIMPLE.field("n"), "n", pd.Series([1, 2])) == pytest.approx(4.0)
    with_missing = pd.Series([*range(50), None])  # 50 distinct values and a missing one
    assert SIMPLE._score(SIMPLE.field("group"), "group", with_missing) == pytest.approx(3.5)


def test_propose_goes_on_after_a_column_already_taken():
    frame = pd.DataFrame({"count": [1, 2], "Anzahl": [3, 4], "hour_of_day": [0, 5]})
    # count/count and count/Anzahl both score 4; hour/hour_of_day 0.8 + 0.5 = 1.3, just enough
    assert COUNTS.propose(frame) == {"hour": "hour_of_day", "count": "count"}
    frame = pd.DataFrame({"datetime": ["2024-01-01 00:00", "2024-01-01 01:00"], "count": [1, 2]})
    assert COUNTS.propose(frame) == {"timestamp": "datetime", "count": "count"}  # no date or hour to drop


def test_messages_show_non_ascii_names_and_the_first_30_columns():
    frame = pd.DataFrame({"Zählstelle": ["A"], "Datum": ["03.04.2023"], "Stunde": [3], "Anzahl": [1]})
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(["Zählstelle", "Datum", "Anzahl"], None, frame)
    assert '"site": "Zählstelle"' in _sentence(err)
    files = [f"c{i}" for i in range(40)]
    shown = str(files[:30])
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(files, {"count": "zzz"})
    assert f"the file's columns are {shown}. Correct it" in _sentence(err)
    with pytest.raises(ContractError) as err:
        COUNTS.resolve_mapping(files, None)
    assert f"the file's columns are {shown}. Map it" in _sentence(err)


def test_apply_notes_every_rename_and_keeps_a_mapped_timestamp_and_the_extras():
    frame = pd.DataFrame(
        {
            "Zeit": ["2024-01-01 05:00"],
            "Tag": ["2024-02-02"],
            "Std": [7],
            "Anzahl": [3],
            "weather": ["rain"],
        }
    )
    columns = {"timestamp": "Zeit", "date": "Tag", "hour": "Std", "count": "Anzahl"}
    applied = COUNTS.apply(frame, columns)
    assert applied.notes[0] == "columns: timestamp <- Zeit, date <- Tag, hour <- Std, count <- Anzahl"
    assert applied.frame["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01 05:00")
    ]  # not built from date+hour
    assert applied.frame["weather"].tolist() == ["rain"]
    optional = Contract("o", "O", fields=(Field("x", "number", required=False),))
    assert len(optional.apply(pd.DataFrame({"y": [1, 2, 3]})).frame) == 3  # nothing mapped: the rows stay


def test_building_the_timestamp_from_date_and_hour_gives_no_warning():
    frame = pd.DataFrame({"Datum": ["03.04.2023", "04.04.2023"], "Stunde": [7, None], "count": [1, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        applied = COUNTS.apply(frame, {"date": "Datum", "hour": "Stunde"})
    assert applied.frame["timestamp"].iloc[0] == pd.Timestamp("2023-04-03 07:00")
    assert pd.isna(applied.frame["timestamp"].iloc[1])


def test_conversion_messages_in_full():
    frame = pd.DataFrame({"id": list("abcdefghi"), "n": ["x", "n/v", "-", "?", "1", "2", "3", "4", "5"]})
    with pytest.raises(ContractError) as err:
        SIMPLE.apply(frame)
    assert '-p read_options \'{"missing_values": {"n": ["-", "?", "n/v", "x"]}}\'' in _sentence(err)
    assert err.value.fix == {"read_options": {"missing_values": {"n": ["-", "?", "n/v", "x"]}}}
    with pytest.raises(ContractError) as err:  # mostly words: another column, not missing values
        SIMPLE.apply(pd.DataFrame({"id": list("abc"), "n": ["Anna", "Bob", "3"], "visits": [1, 2, 3]}))
    assert _sentence(err) == (
        "column 'n' holds text, not numbers (2 of 3 values, e.g. row 2: 'Anna', row 3: 'Bob'): map the column "
        "that holds the n with -p columns (numeric columns: ['visits'])."
    )
    with pytest.raises(ContractError) as err:
        COUNTS.apply(
            pd.DataFrame({"datetime": ["2024-04-01 00:00", "yesterday"], "count": [3, 4]}),
            {"timestamp": "datetime"},
        )
    assert _sentence(err) == (
        "column 'datetime' (mapped to 'timestamp') has 1 value(s) that are not dates (row 3: 'yesterday'); if they "
        'mean \'missing\', declare them with -p read_options \'{"missing_values": {"datetime": ["yesterday"]}}\'; '
        "otherwise correct them in the file or map another column with -p columns."
    )


def test_validation_messages_in_full():
    frame = pd.DataFrame({"datetime": ["2024-01-01"] * 2, "Anzahl": [-1, 2]})
    with pytest.raises(ContractError) as err:
        COUNTS.apply(frame, {"timestamp": "datetime", "count": "Anzahl"})
    assert _sentence(err) == (
        "Column 'Anzahl' (mapped to 'count') has 1 value(s) below 0, the smallest count allowed (row 2: -1.0): if "
        "they mean 'missing', declare them with -p read_options '{\"missing_values\": {\"Anzahl\": [-1]}}'; or "
        "map another column with -p columns."
    )
    # a failure without rows (the column's type) shows the type; a built column names itself
    with pytest.raises(ContractError) as err:
        COUNTS._validate(pd.DataFrame({"count": [1, 2]}), {"count": "Anzahl"})
    assert (
        "Column 'Anzahl' (mapped to 'count') fails the check dtype('float64'): 1 value(s), e.g. 'int64'; map "
        "another column with -p columns" in (_sentence(err))
    )
    built = pd.DataFrame({"timestamp": pd.Series(pd.date_range("2024-01-01", periods=2, tz="UTC"))})
    with pytest.raises(ContractError) as err:
        COUNTS._validate(built, {})
    assert _sentence(err).startswith("Column 'timestamp' (mapped to 'timestamp') fails the check dtype(")


def test_schema_columns_are_optional():
    assert all(c.required is False for c in SIMPLE.schema().columns.values())


def test_load_data_times_itself(tmp_path):
    loaded = load_data(str(_csv(tmp_path, "id;n\n007;2\n")), None, SIMPLE, {"sep": ";"}, record=False)
    note = next(n for n in loaded.notes if n.startswith("read and checked in "))
    assert 0 <= float(note.split()[-2]) < 60


def test_value_codes_may_name_a_column_no_field_is_mapped_to():
    """A partner's extra column coded J/N, translated before a pilot finds it by name (was AttributeError)."""
    frame = pd.DataFrame(
        {"timestamp": ["2024-01-01 00:00", "2024-01-01 01:00"], "count": [3, 4], "Flag": ["J", "N"]}
    )
    contract = Contract("c", "c", fields=COUNTS.fields, extras="kept")
    applied = contract.apply(frame, params={"value_codes": {"Flag": {"J": 1, "N": 0}}})
    assert applied.frame["Flag"].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("values", "expected", "currency"),
    [
        (["1.234,56 €", "-2,50 €", "12 €"], [1234.56, -2.5, 12.0], "EUR"),
        (["EUR -12,50", "EUR 3"], [-12.5, 3.0], "EUR"),
        (["CHF 1'234.50", "CHF 2"], [1234.5, 2.0], "CHF"),
        (["1,234,567", "2,000,000"], [1234567.0, 2000000.0], None),
        (["1.234", "12,50"], [1234.0, 12.5], None),  # one decimal mark a column: 1.234 beside 12,50 is 1234
        (["1 234,5", "12"], [1234.5, 12.0], None),
        (["123.45", "12,50 EUR"], [123.45, None], None),  # no one reading of the marks: left for the error
        (["1.234,56-", "12,00", "3,50 €-"], [-1234.56, 12.0, -3.5], "EUR"),  # SAP: the minus after
    ],
)
def test_amounts_as_exports_write_them(values, expected, currency):
    from livinglab.contract import parse_numbers

    numbers, found, _ = parse_numbers(pd.Series(values))
    assert numbers.astype(object).where(numbers.notna(), None).tolist() == expected and found == currency


def test_an_amount_with_a_currency_sign_names_the_ledgers_currency():
    contract = Contract(
        "ledger",
        "l",
        fields=(
            Field("amount", "number", meaning="amount"),
            Field("currency", "category", required=False, meaning="ISO code"),
        ),
    )
    applied = contract.apply(pd.DataFrame({"amount": ["1.234,56 €", "-7,00 €"]}))
    assert applied.frame["amount"].tolist() == [1234.56, -7.0] and set(applied.frame["currency"]) == {"EUR"}
    with pytest.raises(ContractError, match="amount"):  # two currencies in one column: refused, not mixed
        contract.apply(pd.DataFrame({"amount": ["1,00 €", "2,00 CHF"]}))
    assert contract.propose(pd.DataFrame({"N° compte": [101, 102, 103]})) == {}  # no 'account' field here


def test_numbered_account_ids_are_proposed_for_a_text_id_field():
    contract = Contract("c", "c", fields=(Field("account", "text", meaning="id", aliases=("compte",)),))
    assert contract.propose(pd.DataFrame({"N° compte": [101, 102, 103] * 20})) == {"account": "N° compte"}


def test_code_text_reads_each_distinct_value_once_and_keeps_the_rows():
    from livinglab.contract import _code_text

    values = pd.Series([1.0, None, 2.0, " M ", "x", 1.0, "007"], dtype=object, index=[5, 3, 1, 0, 2, 4, 6])
    text = _code_text(values)
    assert text.index.tolist() == values.index.tolist() and str(text.dtype) == "string"
    assert text.tolist() == ["1", pd.NA, "2", "M", "x", "1", "007"]
    assert _code_text(pd.Series(pd.Categorical(["a", None]))).tolist() == ["a", pd.NA]


def test_whole_number_ids_read_as_floats_are_the_same_text_ids(tmp_path):
    """Two monthly workbooks: in one a blank cell makes the account column float (307.0); it is '307' in both."""
    pd.DataFrame({"account": [307, None, 12], "n": [1, 2, 3]}).to_excel(tmp_path / "a.xlsx", index=False)
    pd.DataFrame({"account": [307, 12, 5], "n": [4, 5, 6]}).to_excel(tmp_path / "b.xlsx", index=False)
    contract = Contract(
        "c",
        "c",
        fields=(Field("account", "text", required=False, meaning="id"), Field("n", "number", meaning="n")),
    )
    frame, _ = read_table(str(tmp_path / "*.xlsx"))
    applied = contract.apply(frame)
    assert applied.frame["account"].dropna().tolist() == ["307", "12", "307", "12", "5"]


def test_excel_serial_day_numbers_in_a_date_column_are_named_and_read_with_the_option_given():
    frame = pd.DataFrame({"timestamp": [45311.5, 45311.75, 45312.0], "count": [1, 2, 3]})
    with pytest.raises(
        ContractError, match=r"Excel's serial day numbers \(45,311\.5 is 20\.01\.2024 12:00\)"
    ) as err:
        COUNTS.apply(frame)
    assert err.value.fix == {"read_options": {"date_format": "excel"}}
    applied = COUNTS.apply(frame, params=err.value.fix)
    assert applied.frame["timestamp"].tolist() == list(
        pd.to_datetime(["2024-01-20 12:00", "2024-01-20 18:00", "2024-01-21 00:00"])
    )


def test_a_few_missing_values_of_many_are_not_shown_as_none():
    from livinglab.contract import describe_columns

    frame = pd.DataFrame({"a": [1.0] * 999 + [None], "b": [1.0] * 1000, "c": [None] * 999 + [1.0]})
    assert describe_columns(frame)["missing"].tolist() == ["<1%", "0%", ">99%"]


def test_a_count_column_with_missing_value_codes_is_proposed_and_the_codes_named(tmp_path):
    path = tmp_path / "ka.csv"
    rows = [
        f"0{d}.10.2016;{h};{'k.A.' if h == 5 else '-' if h == 6 else 100 + h}"
        for d in (1, 2)
        for h in range(24)
    ]
    path.write_text("Datum;Stunde;Anzahl\n" + "\n".join(rows) + "\n")
    frame, _ = read_table(path)
    assert COUNTS.propose(frame)["count"] == "Anzahl"
    with pytest.raises(ContractError, match="k.A.") as err:
        COUNTS.apply(frame, COUNTS.propose(frame))
    assert err.value.fix == {"read_options": {"missing_values": {"Anzahl": ["-", "k.A."]}}}
