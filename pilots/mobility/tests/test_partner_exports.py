"""Counts exported by a Luxembourg commune or road authority with German or Luxembourgish column names."""

from __future__ import annotations

import pandas as pd

from pilots.mobility.contract import CONTRACTS


def test_german_and_luxembourgish_headers_are_proposed():
    de = pd.DataFrame(
        {
            "Zählstelle": ["A7"] * 48,
            "Datum": ["01.10.2016"] * 24 + ["02.10.2016"] * 24,
            "Stunde": list(range(24)) * 2,
            "Fahrzeuge": range(48),
        }  # fmt: skip
    )
    assert CONTRACTS["counts"].propose(de) == {
        "site": "Zählstelle",
        "date": "Datum",
        "hour": "Stunde",
        "count": "Fahrzeuge",
    }
    lb = de.set_axis(["Zielstell", "Dag", "Stonn", "Zuel"], axis=1)
    assert CONTRACTS["counts"].propose(lb) == {
        "site": "Zielstell",
        "date": "Dag",
        "hour": "Stonn",
        "count": "Zuel",
    }
