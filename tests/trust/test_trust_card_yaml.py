"""A model card from a pilot's card.yaml, its texts filled from the run's result; none typed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from livinglab.catalog import DataSource
from livinglab.claims import from_interval
from livinglab.data import Loaded
from livinglab.result import Result
from livinglab.trust import CardTemplateError, ModelCard, subgroup_report
from livinglab.trust.texts import typed_by_hand

CARD = """
title: "Routing ({{ languages }} languages)"
intended_use: Suggest a route.
intended_users: [front-office agents]
out_of_scope:
  - granting benefits
  - "{% if is_synthetic %}conclusions about real requests{% endif %}"
failure_modes:
  - "weakest language: {{ worst_language }}"
  - "recall by theme: {{ recall_by_theme | items('pct') }}"
  - "{% if gap %}largest gap {{ gap.gap | num }} ({{ gap.metric }} by {{ gap.grouping }}, {{ gap.worst }} weakest){% endif %}"
human_oversight: "{{ claims.macro_f1.sentence() }} Abstains below {{ threshold | num }}."
privacy: Redacted first.
ai_act: {category: not high-risk, reference: Annex III 5(a), reason: routing decides nothing}
"""
ALTAI = "human_agency_oversight: 'A person sees {{ share_to_person | pct }} of requests.'\n"


def _result(synthetic: bool = True) -> Result:
    frame = pd.DataFrame({"x": [1, 2, 3]})
    source = DataSource(
        "requests", "synthetic" if synthetic else "file", detail="generator", facts={"rows": 3}
    )
    data = Loaded(frame, "public_sector", "requests", "synthetic" if synthetic else "file", source, {})
    claim = from_interval(
        "macro_f1",
        "macro_f1",
        0.8123,
        0.6,
        (0.15, 0.27),
        label="Macro-F1",
        model="the router",
        baseline="plain TF-IDF + logistic regression",
        split="time-ordered",
        rows=300,
        units=300,
    )
    by_language = subgroup_report(
        {"accuracy": lambda t, p: float((pd.Series(t) == pd.Series(p)).mean())},
        [1, 0, 1, 0, 1, 1, 0, 1],
        [1, 0, 0, 0, 1, 1, 1, 1],
        ["fr", "fr", "fr", "de", "de", "de", "lb", "lb"],
        n_boot=10,
        min_count=1,
    )
    by_label = subgroup_report(
        {"accuracy": lambda t, p: float((pd.Series(t) == pd.Series(p)).mean())},
        [1, 0, 1, 0, 1, 1, 0, 1],
        [0, 1, 0, 0, 1, 1, 0, 1],
        ["a", "a", "a", "b", "b", "b", "b", "b"],
        n_boot=10,
        min_count=1,
    )
    return Result(
        pilot="public_sector",
        design="requests",
        data=data,
        metrics={
            "languages": 4,
            "worst_language": "lb",
            "recall_by_theme": {"tax": 0.9, "health": 0.75},
            "threshold": 0.62,
            "share_to_person": 0.3,
        },
        claims=[claim],
        subgroups={"by language": by_language, "by label": by_label},
    )


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "public_sector"
    folder.mkdir()
    (folder / "card.yaml").write_text(CARD)
    (folder / "altai.yaml").write_text(ALTAI)
    return folder


def test_card_is_filled_from_the_result(folder):
    card = ModelCard.from_result(_result(), folder / "card.yaml")
    assert card.pilot == "public_sector" and card.title == "Routing (4 languages)"
    assert card.to_dict()["evaluation"][0]["verdict"] == "better"  # evaluation is the result's claims
    assert card.failure_modes[:2] == ["weakest language: lb", "recall by theme: tax 90%, health 75%"]
    # the largest gap across EVERY grouping: by label (1.0) is larger than by language (0.5)
    assert card.failure_modes[2] == "largest gap 1.00 (accuracy by by label, a weakest)"
    assert card.human_oversight.startswith("Macro-F1: 0.812 for the router against 0.600 for plain TF-IDF")
    assert card.out_of_scope == ["granting benefits", "conclusions about real requests"]
    assert card.altai["human_agency_oversight"].answer == ("A person sees 30% of requests.",)
    real = ModelCard.from_result(_result(synthetic=False), folder / "card.yaml")
    assert real.out_of_scope == ["granting benefits"]  # an item that renders empty is left out


def test_a_missing_value_names_it_and_the_file(folder):
    result = _result()
    del result.metrics["worst_language"]
    with pytest.raises(
        CardTemplateError, match=r"card.yaml: failure_modes\[0\] needs a value.*worst_language"
    ):
        ModelCard.from_result(result, folder / "card.yaml")
    (folder / "card.yaml").write_text(CARD + "audience: everyone\n")
    with pytest.raises(CardTemplateError, match="unknown section.*audience"):
        ModelCard.from_result(_result(), folder / "card.yaml")
    (folder / "card.yaml").write_text(CARD + "evaluation: []\n")
    with pytest.raises(CardTemplateError, match="unknown section.*evaluation.*come from the run"):
        ModelCard.from_result(_result(), folder / "card.yaml")
    with pytest.raises(CardTemplateError, match="not found"):
        ModelCard.from_result(_result(), folder / "nowhere.yaml")


@pytest.mark.parametrize(
    "text, found",
    [
        ("MAE {{ mae | num }} against {{ base | num }}.", []),
        ("Regulation (EU) 2024/1689, Art. 6(1) and Annex III 5(a); GDPR Art. 4(5).", []),
        ("The model reaches a macro-F1 of 0.81.", ["0.81"]),
        ("It beats the baseline.", ["beats"]),
        ("{% if x %}better{% endif %}", ["better"]),
        ("largest gap 0.09 between groups", ["0.09"]),
        ("{{ claims.mae.sentence() }}", []),
    ],
)
def test_numbers_and_verdicts_typed_by_hand_are_found(text, found):
    assert typed_by_hand(text) == found
