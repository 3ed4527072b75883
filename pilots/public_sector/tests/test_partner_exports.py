"""A commune's export of requests with French column names: every column a partner names so is proposed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilots.public_sector.contract import REQUESTS


def test_a_french_export_proposes_its_request_number_as_the_id():
    frame = pd.DataFrame(
        {
            "n° demande": [431, 431, 403, 403] * 10,  # one number for a text and its translation
            "service": ["geography", "geography", "science", "science"] * 10,
            "texte de la demande": [
                f"Une demande assez longue pour être un texte, numéro {i}" for i in range(40)
            ],
            "langue": ["fra", "deu"] * 20,
        }
    )
    assert REQUESTS.propose(frame) == {
        "text": "texte de la demande",
        "label": "service",
        "language": "langue",
        "id": "n° demande",
    }


def test_luxembourgish_headers_are_proposed():
    frame = pd.DataFrame(
        {
            "Ufro": [f"Ech hätt gär eng Informatioun iwwer meng Steieren, Nummer {i}" for i in range(40)],
            "Déngscht": ["Steieren", "Gemeng"] * 20,
            "Sprooch": ["lb"] * 40,
        }
    )
    assert REQUESTS.propose(frame) == {"text": "Ufro", "label": "Déngscht", "language": "Sprooch"}


def test_a_french_split_column_with_dev_is_the_split(tmp_path):
    from .helpers import prepared
    from .test_partner_files import translations_file

    frame = translations_file().drop(columns="fact")
    frame["jeu"] = np.where(
        np.arange(len(frame)) % 5 == 0, "test", np.where(np.arange(len(frame)) % 5 == 1, "dev", "train")
    )
    frame.to_csv(tmp_path / "requests.csv", index=False)
    data = prepared({"data_path": str(tmp_path / "requests.csv")})
    assert (
        data.split.startswith("as the data's split column gives it")
        and len(data.test) == (frame["jeu"] == "test").sum()
    )
    frame["jeu"] = "maybe"  # a split column that cannot be used is said, not ignored in silence
    frame.to_csv(tmp_path / "odd.csv", index=False)
    assert (
        "split column was not used: its values ['maybe']"
        in prepared({"data_path": str(tmp_path / "odd.csv")}).split
    )
