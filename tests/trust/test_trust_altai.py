"""ALTAI self-assessment: answers filled from the run's facts, missing ones listed as open."""

import pytest

from livinglab.trust import ALTAI_REQUIREMENTS, AltaiError, load_altai

ALTAI_YAML = """\
pilot: public_sector
human_agency_oversight: >-
  The model only suggests a route; it abstains below {{ threshold | pct }} confidence and
  {{ share_to_person | pct }} of requests go to a person.
technical_robustness_safety:
  answer:
    - "Macro-F1 {{ macro_f1 | num }} against {{ baseline_f1 | num }} for the keyword baseline."
    - "Out-of-scope recall {{ oos_recall | pct }}."
privacy_data_governance: "Texts are redacted ({{ n_redacted }} PII spans) before storage."
transparency: ""
diversity_fairness: "Largest accuracy gap between languages: {{ language_gap | num }}."
accountability:
  open: "No service owner has been named yet."
"""


@pytest.fixture
def altai_file(tmp_path):
    path = tmp_path / "altai.yaml"
    path.write_text(ALTAI_YAML, encoding="utf-8")
    return path


FACTS = {
    "threshold": 0.8,
    "share_to_person": 0.23,
    "macro_f1": 0.812,
    "baseline_f1": 0.604,
    "oos_recall": 0.9,
    "n_redacted": 17,
    "language_gap": None,
}


def test_answers_are_filled_from_facts(altai_file):
    assessment = load_altai(altai_file, FACTS)
    assert [item.key for item in assessment.items] == list(ALTAI_REQUIREMENTS)
    oversight = assessment["human_agency_oversight"]
    assert oversight.status == "answered"
    assert oversight.answer == (
        "The model only suggests a route; it abstains below 80% confidence and 23% of "
        "requests go to a person.",
    )
    robust = assessment["technical_robustness_safety"]
    assert robust.answer == (
        "Macro-F1 0.812 against 0.604 for the keyword baseline.",
        "Out-of-scope recall 90%.",
    )
    assert set(robust.facts_used) == {"macro_f1", "baseline_f1", "oos_recall"}
    assert assessment.metadata == {"pilot": "public_sector"}


def test_open_items_name_their_reason(altai_file):
    assessment = load_altai(altai_file, FACTS)
    open_items = {item.key: item.reason for item in assessment.open_items}
    assert set(open_items) == {
        "transparency",
        "diversity_fairness",
        "societal_environmental_wellbeing",
        "accountability",
    }
    assert "language_gap" in open_items["diversity_fairness"]  # fact given as None
    assert open_items["accountability"] == "No service owner has been named yet."
    assert "no answer" in open_items["transparency"]  # empty answer
    assert "no answer" in open_items["societal_environmental_wellbeing"]  # absent from the file
    md = assessment.to_markdown()
    assert md.count("**OPEN**") == 4 and "3 of 7 requirements answered" in md
    assert assessment.as_dict()["open"] == [item.key for item in assessment.open_items]


def test_missing_fact_is_open_not_an_exception(altai_file):
    assessment = load_altai(altai_file, {})
    assert len(assessment.open_items) == 7
    assert "share_to_person" in assessment["human_agency_oversight"].reason
    assert set(assessment["human_agency_oversight"].missing_facts) == {"threshold", "share_to_person"}


def test_unknown_requirement_is_a_clear_error(tmp_path):
    path = tmp_path / "altai.yaml"
    path.write_text("fairness: 'we are fair'\nhuman_agency_oversight: ok\n", encoding="utf-8")
    with pytest.raises(AltaiError, match="Unknown ALTAI requirement.*fairness.*diversity_fairness"):
        load_altai(path, {})


def test_nested_requirements_key_and_bad_template(tmp_path):
    path = tmp_path / "altai.yaml"
    path.write_text("requirements:\n  transparency: 'Share {{ share | pct }}'\n", encoding="utf-8")
    assert load_altai(path, {"share": 0.5})["transparency"].answer == ("Share 50%",)
    with pytest.raises(AltaiError, match="transparency"):
        load_altai(path, {"share": "half"})  # a string cannot take a percent format
    path.write_text("requirements:\n  transparency: 'Share {{ share | pct'\n", encoding="utf-8")
    with pytest.raises(AltaiError, match="not a valid template"):
        load_altai(path, {"share": 0.5})
    with pytest.raises(AltaiError, match="not found"):
        load_altai(tmp_path / "nope.yaml", {})
