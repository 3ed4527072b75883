"""A model card from a pilot's card.yaml, filled with the values the run recorded."""

from __future__ import annotations

import pytest

from livinglab import recording
from livinglab.trust import CardTemplateError, ModelCard

CARD = """
title: "Routing, macro-F1 {macro_f1:.2f}"
intended_use: Suggest a route.
intended_users: [front-office agents]
out_of_scope: [granting benefits]
evaluation:
  - {metric: macro-F1, model: macro_f1, baseline: macro_f1_majority, baseline_name: majority}
  - {metric: coverage, model: coverage, baseline: 0.0}
  - when: urgent_recall
    then: {metric: urgent recall, model: urgent_recall, baseline: 0.5}
failure_modes:
  - "weakest language: {worst_language}"
  - "recall by theme: {recall_by_theme:.0%}"
  - when: urgent_recall
    then: only in synthetic mode
human_oversight:
  when: data_source == synthetic
  then: "Abstains below {threshold:.2f} on synthetic requests."
  else: "Abstains below {threshold:.2f}."
privacy: Redacted first.
ai_act: {category: not high-risk, reference: Annex III 5(a), reason: routing decides nothing}
"""
ALTAI = "human_agency_oversight: 'A person sees {share_to_person:.0%} of requests.'\n"
FACTS = {
    "macro_f1": 0.8123,
    "macro_f1_ci": [0.79, 0.83],
    "macro_f1_majority": 0.1,
    "coverage": 0.7,
    "worst_language": "lb",
    "recall_by_theme": {"tax": 0.9, "health": 0.75},
    "data_source": "synthetic",
    "threshold": 0.62,
    "share_to_person": 0.3,
}


@pytest.fixture
def pilot(tmp_path, monkeypatch):
    folder = tmp_path / "public_sector"
    folder.mkdir()
    (folder / "card.yaml").write_text(CARD)
    (folder / "altai.yaml").write_text(ALTAI)
    monkeypatch.delenv(recording.METRICS_ENV, raising=False)
    monkeypatch.setattr(recording, "_in_memory", {})
    recording.record_many(FACTS)
    return folder


def test_card_is_filled_from_recorded_values(pilot):
    card = ModelCard.from_yaml(
        pilot / "card.yaml", data=[{"dataset": "requests", "synthetic": True}], subgroups="by language: ..."
    )
    assert card.pilot == "public_sector" and card.title == "Routing, macro-F1 0.81"
    first = card.to_dict()["evaluation"][0]
    assert (first["model"], first["ci_low"], first["ci_high"], first["baseline"]) == (0.8123, 0.79, 0.83, 0.1)
    assert len(card.evaluation) == 2  # the urgent-recall row needs a value this run did not record
    assert card.failure_modes == ["weakest language: lb", "recall by theme: tax 90%, health 75%"]
    assert card.human_oversight == "Abstains below 0.62 on synthetic requests."
    assert card.altai["human_agency_oversight"].answer == ("A person sees 30% of requests.",)
    real = ModelCard.from_yaml(
        pilot / "card.yaml",
        facts={"data_source": "mirror:x", "urgent_recall": 0.9},
        data=[{"dataset": "requests", "synthetic": False}],
        subgroups="-",
    )
    assert real.human_oversight == "Abstains below 0.62." and len(real.evaluation) == 3
    assert real.failure_modes[-1] == "only in synthetic mode"


def test_a_missing_value_names_the_placeholder_and_the_file(pilot):
    recording._in_memory.pop("worst_language")
    with pytest.raises(CardTemplateError, match=r"card.yaml: failure_modes\[0\] needs \{worst_language\}"):
        ModelCard.from_yaml(pilot / "card.yaml", data=[{"dataset": "d", "synthetic": True}], subgroups="-")
    (pilot / "card.yaml").write_text(CARD + "audience: everyone\n")
    with pytest.raises(CardTemplateError, match="unknown section.*audience"):
        ModelCard.from_yaml(pilot / "card.yaml")
    with pytest.raises(CardTemplateError, match="not found"):
        ModelCard.from_yaml(pilot / "nowhere.yaml")
