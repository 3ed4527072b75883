"""The ALTAI self-assessment of a pilot, answered from the run's own numbers.

Each pilot keeps ``pilots/<pilot>/altai.yaml`` with the seven requirements of the EU High-Level
Expert Group's Assessment List for Trustworthy AI (ALTAI, 2020). Each answer is a Jinja template
(:mod:`livinglab.trust.texts`) whose values (``{{ share_to_person | pct }}``) are filled from the run's
result, as the model card's are. An item without an answer, or whose template needs a fact
the run did not supply, is reported as *open* with the reason: never filled with boilerplate.

``altai.yaml``::

    pilot: public_sector               # optional metadata: pilot, title, version, date, assessors, notes
    human_agency_oversight: >-
      The model only suggests a route; it abstains below {{ threshold | pct }} confidence and
      {{ share_to_person | pct }} of requests go to a person.
    technical_robustness_safety:
      answer:                          # a list renders as bullet points
        - "{{ claims.macro_f1.sentence() }}"
        - "Out-of-scope requests are routed to a person in {{ oos_recall | pct }} of cases."
    accountability:
      open: "No service owner has been named yet."     # explicitly open, with the reason
    # a requirement left out is listed as open ("no answer in altai.yaml")

(The mapping may also sit under a top-level ``requirements:`` key.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ALTAI_REQUIREMENTS", "AltaiError", "AltaiItem", "AltaiAssessment", "load_altai", "assess_altai"]

#: The seven ALTAI requirements: key -> (title, guiding question).
ALTAI_REQUIREMENTS: dict[str, tuple[str, str]] = {
    "human_agency_oversight": (
        "Human agency and oversight",
        "Who stays in control: when does a person decide, when does the model abstain or only advise?",
    ),
    "technical_robustness_safety": (
        "Technical robustness and safety",
        "How accurate and reliable is it against a baseline, and what happens when it is wrong?",
    ),
    "privacy_data_governance": (
        "Privacy and data governance",
        "Which personal data are used, how are they protected, and where do they come from?",
    ),
    "transparency": (
        "Transparency",
        "Can users and reviewers see what the system does, with which data, and why it decided?",
    ),
    "diversity_fairness": (
        "Diversity, non-discrimination and fairness",
        "For whom does it work less well, and how large is the gap?",
    ),
    "societal_environmental_wellbeing": (
        "Societal and environmental well-being",
        "What are the effects on people, society and the environment (including compute)?",
    ),
    "accountability": (
        "Accountability",
        "Who is responsible, how can a decision be contested, and how is the system audited?",
    ),
}
_META_KEYS = {
    "pilot",
    "title",
    "version",
    "date",
    "assessor",
    "assessors",
    "notes",
    "description",
    "reviewed_by",
}
_ITEM_KEYS = {"answer", "answers", "open", "question", "notes", "evidence"}


class AltaiError(ValueError):
    """The ALTAI file is malformed (unknown requirement, bad template) or cannot be found."""


@dataclass(frozen=True)
class AltaiItem:
    """One ALTAI requirement: its rendered answer, or ``status == "open"`` with the reason."""

    key: str
    title: str
    question: str
    status: str  # "answered" | "open"
    answer: tuple[str, ...] = ()
    reason: str | None = None
    facts_used: tuple[str, ...] = ()
    missing_facts: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "question": self.question,
            "status": self.status,
            "answer": list(self.answer),
            "reason": self.reason,
            "facts_used": list(self.facts_used),
            "missing_facts": list(self.missing_facts),
        }


@dataclass
class AltaiAssessment:
    """The seven requirements in ALTAI order, answered or open."""

    items: list[AltaiItem]
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def open_items(self) -> list[AltaiItem]:
        """Requirements still open (no answer, explicitly open, or a fact missing from the run)."""
        return [item for item in self.items if item.is_open]

    def __getitem__(self, key: str) -> AltaiItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"Unknown ALTAI requirement {key!r}; known: {', '.join(ALTAI_REQUIREMENTS)}.")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "metadata": dict(self.metadata),
            "items": [item.as_dict() for item in self.items],
            "open": [item.key for item in self.open_items],
        }

    to_dict = as_dict

    def to_markdown(self, heading_level: int = 3) -> str:
        """One sub-heading per requirement with its answer, or **OPEN** and the reason."""
        hashes = "#" * heading_level
        n_open = len(self.open_items)
        lines = [
            f"{len(self.items) - n_open} of {len(self.items)} requirements answered from this run; "
            f"{n_open} open.",
            "",
        ]
        for item in self.items:
            lines.append(f"{hashes} {item.title}")
            lines.append(f"*{item.question}*")
            lines.append("")
            if item.is_open:
                lines.append(f"**OPEN**: {item.reason}")
            elif len(item.answer) == 1:
                lines.append(item.answer[0])
            else:
                lines.extend(f"- {a}" for a in item.answer)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _render(key: str, template: str, facts: Mapping[str, Any]) -> tuple[str | None, list[str], list[str]]:
    """Fill one template (Jinja, :mod:`livinglab.trust.texts`); returns (text or None when a value the run
    did not record is needed, values used, values missing)."""
    from .texts import TemplateError, names_used, render_text

    try:
        used = names_used(template)
    except Exception as exc:  # a template that does not parse
        raise AltaiError(f"ALTAI answer for {key!r} is not a valid template ({exc}): {template!r}.") from exc
    missing = [r for r in used if r not in facts or _missing(facts[r])]
    if missing:
        return None, used, missing
    try:
        return render_text(template, facts, f"ALTAI answer for {key!r}"), used, []
    except TemplateError as exc:
        raise AltaiError(str(exc)) from exc


def _item(key: str, raw: Any, facts: Mapping[str, Any]) -> AltaiItem:
    title, question = ALTAI_REQUIREMENTS[key]
    explicit_open: str | None = None
    if isinstance(raw, Mapping):
        unknown = set(raw) - _ITEM_KEYS
        if unknown:
            raise AltaiError(
                f"ALTAI item {key!r} has unknown field(s) {', '.join(sorted(map(str, unknown)))}; "
                f"use {', '.join(sorted(_ITEM_KEYS))}."
            )
        question = str(raw.get("question") or question)
        if raw.get("open"):
            explicit_open = str(raw["open"]).strip()
        raw = raw.get("answer", raw.get("answers"))
    if explicit_open:
        return AltaiItem(key, title, question, "open", reason=explicit_open)
    templates = [raw] if isinstance(raw, str) else list(raw or [])
    templates = [str(t).strip() for t in templates if t is not None and str(t).strip()]
    if not templates:
        return AltaiItem(key, title, question, "open", reason="no answer in the ALTAI file")
    rendered, used, missing = [], [], []
    for template in templates:
        text, t_used, t_missing = _render(key, template, facts)
        used += t_used
        missing += t_missing
        rendered.append(text)
    used, missing = list(dict.fromkeys(used)), list(dict.fromkeys(missing))
    if missing:
        names = ", ".join(missing)
        return AltaiItem(
            key,
            title,
            question,
            "open",
            reason=f"the run did not supply the fact(s) {names} that the answer needs",
            facts_used=tuple(used),
            missing_facts=tuple(missing),
        )
    return AltaiItem(key, title, question, "answered", tuple(rendered), None, tuple(used))


def assess_altai(
    answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None, *, source: str | None = None
) -> AltaiAssessment:
    """Build the assessment from an already loaded mapping (the content of an ``altai.yaml``)."""
    if not isinstance(answers, Mapping):
        where = f" {source}" if source else ""
        raise AltaiError(f"The ALTAI file{where} must be a mapping of requirement -> answer.")
    facts = dict(facts or {})
    answers = dict(answers)
    metadata = {k: answers.pop(k) for k in list(answers) if k in _META_KEYS}
    if "requirements" in answers:
        nested = answers.pop("requirements")
        if answers:
            raise AltaiError(
                f"Unknown top-level key(s) {', '.join(map(str, answers))} beside 'requirements' "
                f"in the ALTAI file{' ' + source if source else ''}."
            )
        if not isinstance(nested, Mapping):
            raise AltaiError("ALTAI 'requirements' must be a mapping of requirement -> answer.")
        answers = dict(nested)
    unknown = [str(k) for k in answers if k not in ALTAI_REQUIREMENTS]
    if unknown:
        raise AltaiError(
            f"Unknown ALTAI requirement(s) {', '.join(unknown)}"
            f"{' in ' + source if source else ''}; the seven are: {', '.join(ALTAI_REQUIREMENTS)}."
        )
    items = [_item(key, answers.get(key), facts) for key in ALTAI_REQUIREMENTS]
    return AltaiAssessment(items=items, source=source, metadata=metadata)


def _locate(path: str | Path) -> Path:
    candidate = Path(path)
    if candidate.exists() or candidate.is_absolute():
        return candidate
    try:
        from ..paths import project_root

        rooted = project_root() / candidate
        if rooted.exists():
            return rooted
    except FileNotFoundError:
        pass
    return candidate


def load_altai(path: str | Path, facts: Mapping[str, Any] | None = None) -> AltaiAssessment:
    """Read ``altai.yaml`` and fill its answers from ``facts`` (the run's own numbers).

    Args:
        path: the pilot's ``altai.yaml``; a relative path is tried from the working directory
            (the pilot folder when a notebook runs) and then from the project root.
        facts: ``{name: value}`` used by the ``{name}`` placeholders. A placeholder whose fact is
            absent, None or NaN leaves that requirement *open* (no exception).

    Raises:
        AltaiError: the file is missing, not a mapping, names an unknown requirement, or a
            template cannot be formatted with the given facts.
    """
    located = _locate(path)
    if not located.exists():
        raise AltaiError(f"ALTAI file {path} not found; each pilot keeps one at pilots/<pilot>/altai.yaml.")
    try:
        content = yaml.safe_load(located.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AltaiError(f"ALTAI file {located} is not valid YAML: {exc}") from exc
    return assess_altai(content or {}, facts, source=str(path))
