"""A hospital's export of a longitudinal cohort: visit dates (dd.mm.yyyy text, Excel dates, Excel serial numbers)
instead of a time since baseline, French column names, decimal commas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab.contract import ContractError
from pilots.health import data
from pilots.health.contract import CONTRACTS

KEY = "a-test-key-that-is-long-enough"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)


def _visits(n_subjects: int = 12) -> tuple[pd.DataFrame, pd.Series]:
    """Each participant's visits every 30 days from their own first visit; the score rises 6 points a year."""
    rows, years = [], []
    for s in range(n_subjects):
        first = pd.Timestamp("2023-01-10") + pd.Timedelta(days=17 * s)
        for k in range(6):
            rows.append({"N° patient": f"P{s:03d}", "Date de visite": first + pd.Timedelta(days=30 * k),
                         "Score UPDRS moteur": 20 + s + 6 * (30 * k) / 365.25})  # fmt: skip
            years.append(30 * k / 365.25)
    return pd.DataFrame(rows), pd.Series(years)


def _load(path, **params):
    loaded = livinglab.load("health", "longitudinal", {"data_path": str(path), **params}, record=False)
    return loaded, data.longitudinal(loaded.frame, loaded.params, key=KEY, mapping=loaded.applied.mapping)


@pytest.mark.parametrize("kind", ["text", "excel"])
def test_visit_dates_become_the_time_since_each_participants_first_assessment(tmp_path, kind):
    frame, years = _visits()
    if kind == "text":
        frame["Date de visite"] = frame["Date de visite"].dt.strftime("%d.%m.%Y")
        frame["Score UPDRS moteur"] = frame["Score UPDRS moteur"].map(lambda v: f"{v:.3f}".replace(".", ","))
        path = tmp_path / "export.csv"
        frame.to_csv(path, sep=";", index=False, encoding="cp1252")
    else:
        path = tmp_path / "export.xlsx"
        frame.to_excel(path, index=False)
    proposal = CONTRACTS["longitudinal"].propose(pd.read_csv(path, sep=";", encoding="cp1252") if kind == "text"
                                                 else pd.read_excel(path))  # fmt: skip
    assert proposal["time"] == "Date de visite" and proposal["subject"] == "N° patient"
    loaded, study = _load(path, columns=proposal)
    assert np.allclose(np.sort(loaded.frame["time"].to_numpy()), np.sort(years.to_numpy()))
    assert any("visit dates" in n and "2023-01-10" in n for n in loaded.applied.notes)
    assert study.counts["assessments"] == len(frame) and study.counts["participants"] == 12
    days, _ = _load(path, columns=proposal, time_unit="days")  # the unit the times are given in
    assert np.allclose(np.sort(days.frame["time"].to_numpy()), np.sort(years.to_numpy() * 365.25))


def test_excel_serial_numbers_as_times_are_named_so():
    frame = pd.DataFrame(
        {"subject": ["a"] * 3 + ["b"] * 3, "time": [45311, 45341, 45371] * 2, "score": [1.0] * 6}
    )
    for unit in ("days", "years"):
        with pytest.raises(ContractError, match=r"Excel's serial day numbers \(45,311 is 20\.01\.2024\)"):
            data.prepare_longitudinal(frame, time_unit=unit)
    from pilots.health.contract import check_data

    with pytest.raises(ContractError, match="Excel's serial day numbers") as err:
        check_data("longitudinal", frame, {"time_unit": "days"})
    assert err.value.fix == {"read_options": {"date_format": "excel"}}


def test_excel_serial_visit_dates_read_with_the_option_the_sentence_gives(tmp_path):
    frame, years = _visits()
    frame["Date de visite"] = (frame["Date de visite"] - pd.Timestamp("1899-12-30")).dt.days
    frame.to_excel(tmp_path / "serials.xlsx", index=False)
    columns = {"subject": "N° patient", "time": "Date de visite", "score": "Score UPDRS moteur"}
    with pytest.raises(ContractError, match="Excel's serial day numbers") as err:
        _load(tmp_path / "serials.xlsx", columns=columns, time_unit="days")
    loaded, study = _load(tmp_path / "serials.xlsx", columns=columns, **err.value.fix)
    assert np.allclose(np.sort(loaded.frame["time"].to_numpy()), np.sort(years.to_numpy()))
    assert study.counts["participants"] == 12


@pytest.mark.parametrize(
    ("case", "control"), [("oui", "non"), ("Ja", "Nein"), ("Parkinson", "témoin"), ("PD", "Kontrolle")]
)
def test_a_diagnosis_in_the_partners_language_names_the_case(case, control):
    rows = pd.DataFrame(
        {
            "subject": [f"S{p:02d}_{r}" for p in range(1, 7) for r in range(1, 4)],
            "label": [case] * 9 + [control] * 9,  # the yes (or the one not a control word) is the case
            "HNR": np.arange(18.0) * 2 + 0.5,
        }
    )
    out = data.prepare_case_control(rows, subject_pattern=r"^(.*)_\d+$")
    assert out.frame.attrs["case"] == case and out.counts["cases"] == 3


def test_covariates_written_as_text_are_numbers_and_text_columns_are_named(tmp_path):
    frame, _ = _visits()
    frame["Date de visite"] = frame["Date de visite"].dt.strftime("%d.%m.%Y")
    frame["Jitter (%)"] = [f"{0.001 * (i % 7 + 1):.4f}".replace(".", ",") for i in range(len(frame))]
    frame["Remarque"] = "à revoir"
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)  # comma-separated: the decimal commas are quoted text
    columns = {"subject": "N° patient", "time": "Date de visite", "score": "Score UPDRS moteur"}
    _, study = _load(path, columns=columns)
    assert "jitter_pct" in study.covariates
    assert any("Jitter (%): read as numbers (decimal comma)" in n for n in study.notes)
    assert any("not used as covariates: Remarque" in n for n in study.notes)


def test_case_control_features_written_as_text_are_numbers_and_text_columns_are_named():
    rows = pd.DataFrame(
        {
            "subject": [f"S{p:02d}_{r}" for p in range(1, 7) for r in range(1, 4)],
            "label": ["PD"] * 9 + ["control"] * 9,
            "HNR": [f"{v:.2f}".replace(".", ",") for v in np.arange(18.0) * 2 + 0.5],
            "Kommentar": ["ok"] * 18,
        }
    )
    out = data.prepare_case_control(rows, subject_pattern=r"^(.*)_\d+$")
    assert out.frame.attrs["features"] == ["hnr"]
    assert any("not used as features: Kommentar" in n for n in out.notes)
