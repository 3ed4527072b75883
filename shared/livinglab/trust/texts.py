"""The texts of a card and its ALTAI answers: Jinja templates filled from a run's records.

A pilot's ``card.yaml`` and ``altai.yaml`` hold prose; every number and every verdict in them comes from
the run through an expression: ``{{ macro_f1 | num }}``, ``{{ claims.mae_h1.sentence() }}``,
``{{ gap.gap | num }}``, ``{% if is_synthetic %}...{% endif %}``. Nothing may be typed by hand:
:func:`typed_by_hand` finds a digit or a verdict word outside the expressions (legal citations such as
"Art. 6(1)" or "Regulation (EU) 2024/1689" excepted), and a test runs it over every pilot's files.

Filters: ``num`` (three significant digits, thousands separated), ``pct`` (a share as a percentage),
``signed`` (a difference with its sign), ``items`` (a dict as "key value, key value").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

VERDICT_WORDS = re.compile(
    r"\b(better|worse|beats?|beating|outperform\w*|underperform\w*|superior|inferior|no clear difference)\b",
    re.IGNORECASE,
)
#: Numbers that are names, not findings: articles, annexes, regulations, standards, ALTAI's year.
_CITATION = re.compile(
    r"(Art(icle)?s?\.?\s*\d+[\w()., ]*|Annex(es)?\s+[IVX]+[\w()., ]*|\((EU|EC)\)\s*\d{2,4}/\d+|"
    r"Regulation\s+\d+/\d+|Directive\s+\d+/\d+|ISO(/IEC)?\s*\d+(-\d+)?|ALTAI,?\s*\d{4}|EN\s*\d+|"
    r"GDPR\s+Art\.?\s*\d+(\(\d+\))?|[A-Z]{2,}-\d+|Recital\s+\d+|\b(19|20)\d{2}\b)",
    re.IGNORECASE,
)
_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


class TemplateError(ValueError):
    """A card or ALTAI text that cannot be filled; the message names the file, the place and the value."""


def _num(value: Any) -> str:
    from ..claims import fmt

    return fmt(float(value) if hasattr(value, "__float__") and not isinstance(value, (bool, int)) else value)


def _pct(value: Any, digits: int = 0) -> str:
    return (
        "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}%}"
    )


def _items(value: Mapping[str, Any], style: str = "num") -> str:
    render = _pct if style == "pct" else _num
    return ", ".join(f"{k} {render(v)}" for k, v in value.items())


def _environment():
    from jinja2 import Environment, StrictUndefined

    from ..claims import signed

    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(num=_num, pct=_pct, signed=signed, items=_items)
    return env


_ENV = None


def render_text(template: str, context: Mapping[str, Any], where: str) -> str:
    """``template`` filled from ``context``; a name the run did not record is a :class:`TemplateError`."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import UndefinedError

    global _ENV
    _ENV = _ENV or _environment()
    try:
        return _ENV.from_string(template).render(**context).strip()
    except UndefinedError as exc:
        raise TemplateError(
            f"{where} needs a value this run did not record ({exc.message}): {template!r}."
        ) from None
    except (JinjaError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateError(f"{where} cannot be filled ({exc}): {template!r}.") from None


def names_used(template: str) -> list[str]:
    """The values a template reads (its undeclared variables)."""
    from jinja2 import meta

    global _ENV
    _ENV = _ENV or _environment()
    return sorted(meta.find_undeclared_variables(_ENV.parse(template)))


def typed_by_hand(text: str) -> list[str]:
    """Digits and verdict words in a template's own text (outside its expressions), citations excepted."""
    prose = _EXPRESSION.sub(" ", text)
    prose = _CITATION.sub(" ", prose)
    found = [m.group(0) for m in re.finditer(r"(?<![A-Za-z0-9_.,])\d+(?:[.,]\d+)?%?", prose)]
    return found + [m.group(0) for m in VERDICT_WORDS.finditer(prose)]
