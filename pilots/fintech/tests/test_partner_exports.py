"""Feature tables and ledgers as partners export them: labels coded in German, French or Luxembourgish, amounts
with currency symbols, an unlabelled table (the model card must still render)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from livinglab.contract import ContractError
from livinglab.trust import PSEUDONYM_KEY_ENV
from pilots.fintech import report
from pilots.fintech.run import run_features


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "a-test-key-of-32-characters-long")


def _table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.standard_normal((n, 4)), columns=["f1", "f2", "f3", "f4"])
    y = (rng.random(n) < 0.05).astype(int)
    frame.loc[y == 1, "f2"] += 5
    frame["y"] = y
    return frame


def test_an_unlabelled_feature_table_gets_a_model_card(tmp_path):
    frame = _table().drop(columns="y")
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20})
    assert result.table.label is None
    text = report.card(result).to_markdown()
    assert "no label" in text.lower()


@pytest.mark.parametrize(("yes", "no"), [("ja", "nein"), ("oui", "non"), ("jo", "nee"), ("Ja", "Nein")])
def test_a_label_coded_yes_no_in_the_partners_language_is_the_label(tmp_path, yes, no):
    frame = _table()
    frame["Betrug"] = np.where(frame.pop("y") == 1, yes, no)
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20})
    assert result.table.label is not None and int(result.table.label.sum()) == int(
        (frame["Betrug"] == yes).sum()
    )
    assert "Betrug" not in result.table.features


def test_a_label_named_column_with_other_codes_stops_with_the_value_codes_that_work(tmp_path):
    frame = _table()
    frame["Betrug"] = np.where(frame.pop("y") == 1, "J", "N")
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ContractError, match="named like the label") as err:
        run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20})
    advice = json.loads(str(err.value).split("-p value_codes '")[1].split("'")[0])
    assert advice == {"Betrug": {"J": 1, "N": 0}}
    result = run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20, "value_codes": advice})
    assert int(result.table.label.sum()) == int((frame["Betrug"] == "J").sum())


def test_a_time_column_named_in_german_or_french_is_the_time_not_a_feature(tmp_path):
    frame = _table().assign(Temps=np.arange(600) * 5.0)
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20})
    assert "Temps" not in result.table.features and result.table.time_in_seconds


def test_empty_cells_of_a_feature_are_counted_in_a_note(tmp_path):
    frame = _table().astype({"f3": object})
    frame.loc[:9, "f3"] = ""
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run_features({"data_path": str(tmp_path / "t.csv"), "n_boot": 20})
    assert result.table.rows == 600 and any(
        "10 missing value(s) in 1 feature column(s) (f3: 10)" in n for n in result.notes
    )


@pytest.mark.parametrize(
    ("out", "into"), [("Soll", "Haben"), ("Débit", "Crédit"), ("Lastschrift", "Gutschrift")]
)
def test_a_direction_in_german_or_french_is_read(out, into):
    from pilots.fintech.contract import LEDGER

    frame = pd.DataFrame(
        {
            "Konto": ["A", "B"] * 100,
            "Buchungsdatum": pd.date_range("2024-01-01", periods=200, freq="h").strftime("%d.%m.%Y %H:%M"),
            "Betrag": ["1.234,56"] * 200,
            "dc": [out, into] * 100,
        }
    )
    applied = LEDGER.apply(
        frame, {"account": "Konto", "timestamp": "Buchungsdatum", "amount": "Betrag", "direction": "dc"}
    )
    assert (
        applied.frame["direction"].tolist()[:2] == ["debit", "credit"]
        and applied.frame["amount"].iloc[0] == 1234.56
    )


def test_amounts_with_a_euro_sign_make_a_euro_ledger_and_say_where_it_came_from():
    from pilots.fintech.contract import LEDGER
    from pilots.fintech.data import ledger_currency

    frame = pd.DataFrame(
        {
            "Konto": ["A", "B"] * 100,
            "Datum": pd.date_range("2024-01-01", periods=200, freq="h").strftime("%d.%m.%Y %H:%M"),
            "Betrag": ["-1.234,56 €", "12,00 €"] * 100,
        }  # fmt: skip
    )
    applied = LEDGER.apply(frame, {"account": "Konto", "timestamp": "Datum", "amount": "Betrag"})
    code, notes = ledger_currency(applied.frame)
    assert code == "EUR" and notes == ["amounts in EUR (the file: its currency column or its amounts' sign)"]
    with pytest.raises(ContractError, match="the file says EUR"):
        ledger_currency(applied.frame, "CHF")
