"""Model cards written from a run's own numbers, rendered in the notebook and saved beside the run.

A card has thirteen required sections; :class:`ModelCard` refuses to render (``ModelCardError``,
naming every missing or empty field) rather than print a card with a hole in it::

    card = ModelCard(
        pilot="health", title="UPDRS progression forecast",
        intended_use="Flag patients whose motor score may worsen faster than expected, for review by a neurologist.",
        intended_users=["neurologists of the cohort study"],
        out_of_scope=["diagnosis", "treatment decisions without a clinician"],
        data=ModelCard.data_from_sources(source),
        evaluation=[claim],                                # livinglab.claims.Claim records
        subgroups=report,                                  # a SubgroupReport (or markdown / dict)
        failure_modes=["early-onset patients (n=14) have twice the error"],
        human_oversight="The forecast is advisory; the neurologist sees it with its interval.",
        privacy="Patient ids pseudonymised with a keyed HMAC; only aggregates leave the environment.",
        ai_act={"category": "high-risk", "reference": "Annex III 5(a)... / Art. 6", "reason": "..."},
        altai=load_altai("altai.yaml", facts={...}),
    )
    card.display()      # in the notebook
    card.save()         # model_card.json + model_card.md in livinglab.output_dir()

A pilot keeps its card's prose in ``pilots/<pilot>/card.yaml`` (any of the fields above); each text is a
Jinja template (:mod:`livinglab.trust.texts`) filled from the run's :class:`livinglab.result.Result`, so a
notebook's card cell is ``ModelCard.from_result(result)``. The evaluation section is the result's claims
(model, baseline in words, paired interval, verdict: :mod:`livinglab.claims`), the subgroup section its
subgroup reports, the data section its loaded source: no number or verdict is written by hand. In the
templates: every recorded metric by name (``{{ macro_f1 | num }}``), ``claims`` by name
(``{{ claims.macro_f1.sentence() }}``), ``gap`` (the largest subgroup gap across every grouping, or None),
``is_synthetic``, ``data`` (the loaded data) and ``params``. A list item that renders empty is left out.

The ALTAI answers (``altai.yaml`` beside ``card.yaml``) are filled from the same values.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

from ..escaping import md_inline
from .altai import AltaiAssessment, _locate, load_altai
from .bootstrap import CI, format_number
from .subgroups import SubgroupReport, markdown_table, metric_words, overlap_words
from .texts import TemplateError, render_text

__all__ = [
    "ModelCard",
    "ModelCardError",
    "CardTemplateError",
    "CardFiles",
    "REQUIRED_FIELDS",
    "data_from_sources",
]

REQUIRED_FIELDS: tuple[str, ...] = (
    "pilot",
    "title",
    "intended_use",
    "intended_users",
    "out_of_scope",
    "data",
    "evaluation",
    "subgroups",
    "failure_modes",
    "human_oversight",
    "privacy",
    "ai_act",
    "altai",
)
_AI_ACT_KEYS = ("category", "reference", "reason")
_HINTS = {
    "data[": "each data entry is a dict with 'dataset' and a True/False 'synthetic'",
    "evaluation[": "each evaluation row is a claim (livinglab.claims.Claim)",
    "ai_act": "ai_act is a dict with 'category', 'reference' and 'reason'",
}
_DATA_SHOWN = {"dataset", "title", "synthetic", "origin", "licence", "license", "provenance"}


class ModelCardError(ValueError):
    """A model card lacks required content; ``.missing`` lists the field names (dotted for sub-fields)."""

    def __init__(self, pilot: Any, missing: list[str]):
        self.missing = list(missing)
        who = f" of pilot {pilot!r}" if isinstance(pilot, str) and pilot.strip() else ""
        hints = [hint for prefix, hint in _HINTS.items() if any(m.startswith(prefix) for m in self.missing)]
        super().__init__(
            f"The model card{who} cannot be rendered: missing or empty required field(s): "
            f"{', '.join(self.missing)}" + (f" ({'; '.join(hints)})." if hints else ".")
        )


class CardTemplateError(ValueError):
    """A ``card.yaml`` that cannot be filled from the run's recorded values."""


class CardFiles(NamedTuple):
    """Paths written by :meth:`ModelCard.save`."""

    json: Path
    markdown: Path


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, pd.DataFrame):
        return value.empty
    if isinstance(value, SubgroupReport):
        return value.table.empty
    if isinstance(value, AltaiAssessment):
        return not value.items
    if isinstance(value, (Mapping, list, tuple, set)):
        return len(value) == 0
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, CI) or hasattr(value, "as_dict"):
        return _jsonable(value.as_dict())
    if isinstance(value, (SubgroupReport, AltaiAssessment)):
        return _jsonable(value.as_dict())
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return _jsonable(value.to_dict())
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (Path, datetime, date, pd.Timestamp)):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _bullets(items: Iterable[Any]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _claim(row: Any) -> Any:
    """An evaluation row as a :class:`livinglab.claims.Claim` (a claim, or its recorded dict)."""
    from ..claims import Claim

    if isinstance(row, Claim):
        return row
    if isinstance(row, Mapping):
        return Claim.from_dict(row)
    raise TypeError(f"an evaluation row is a claim, not {type(row).__name__}")


def _fill(value: Any, context: Mapping[str, Any], where: str, source: Path) -> Any:
    """``value`` from a card.yaml with every text rendered as a template; empty list items left out."""
    if isinstance(value, Mapping):
        return {k: _fill(v, context, f"{where}.{k}", source) for k, v in value.items()}
    if isinstance(value, list):
        items = (_fill(v, context, f"{where}[{i}]", source) for i, v in enumerate(value))
        return [item for item in items if item not in (None, "")]
    if not isinstance(value, str):
        return value
    try:
        return render_text(value, context, f"{source}: {where}")
    except TemplateError as exc:
        raise CardTemplateError(str(exc)) from None


def _shown_gap(gap: dict[str, Any] | None) -> dict[str, Any] | None:
    """The largest gap for the card's prose, its group names (from the data) as Markdown text."""
    if not gap:
        return gap
    shown = {**gap, **{k: md_inline(gap[k]) for k in ("worst", "best") if gap.get(k) is not None}}
    if gap.get("excluded_small_groups"):
        shown["excluded_small_groups"] = [md_inline(g) for g in gap["excluded_small_groups"]]
    return shown


def card_context(result: Any) -> dict[str, Any]:
    """What a card's and ALTAI's templates may use: the result's metrics by name, its claims, the largest
    subgroup gap across every grouping, the data and the parameters."""
    return {
        **result.as_record()["metrics"],
        "claims": {c.name: c for c in result.claims},
        "gap": _shown_gap(result.largest_gap()),
        "is_synthetic": bool(result.data.is_synthetic),
        "data": result.data,
        "params": dict(result.params),
        "result": result,
    }


# module:distribution of the libraries a card names the versions of, when the run imported them
_LIBRARIES = dict(
    item.split(":")
    for item in "numpy:numpy pandas:pandas sklearn:scikit-learn scipy:scipy lightgbm:lightgbm statsmodels:statsmodels "
    "lifelines:lifelines geopandas:geopandas osmnx:osmnx networkx:networkx opendp:opendp "
    "py3langid:py3langid pyod:pyod dask:dask".split()
)


def run_identity(result: Any) -> dict[str, Any]:
    """What a card is about: the run (id, date, profile and overrides, from the runner's environment), the
    code (commit), the libraries the run imported, the pilot's owner and contact (``pilot.yaml``), the
    data's period and fingerprint, and links to the run's notebook, parameters and the run index."""
    from importlib import metadata

    from ..paths import project_root
    from ..pilots import get_pilot

    run_id = os.environ.get("LIVINGLAB_RUN_ID")
    try:
        pilot = get_pilot(result.pilot)
        notebook = pilot.design(result.design).notebook
    except Exception:  # a result of a pilot outside this project
        pilot, notebook = None, None
    try:
        git = subprocess.run(
            ["git", "-C", str(project_root()), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        commit = f"commit {git.stdout.strip()}" if git.returncode == 0 else "not a git checkout"
    except (OSError, subprocess.TimeoutExpired):
        commit = "commit unknown"
    versions = [f"Python {sys.version.split()[0]}", f"livinglab {metadata.version('livinglab')}"]
    versions += [f"{d} {metadata.version(d)}" for m, d in _LIBRARIES.items() if m in sys.modules]
    facts = dict(getattr(result.data.source, "facts", None) or {})
    span = facts.get("time_span")
    frame = result.data.frame
    if not span and isinstance(frame, pd.DataFrame):
        times = frame.select_dtypes(include=["datetime", "datetimetz"])
        if times.shape[1]:
            span = [str(times.iloc[:, 0].min()), str(times.iloc[:, 0].max())]
    overrides = json.loads(os.environ.get("LIVINGLAB_PARAMETERS") or "{}")
    profile = " + ".join(
        [os.environ.get("LIVINGLAB_PROFILE") or "default", *(f"{k}={v}" for k, v in overrides.items())]
    )
    links = [("the notebook", f"{Path(notebook).stem}.html")] if notebook else []
    links += [("its parameters", "params.json"), ("all runs", "../../index.html")]
    return {
        "unit": os.environ.get("LIVINGLAB_UNIT") or result.pilot,
        "owner": getattr(pilot, "owner", None),
        "contact": getattr(pilot, "contact", None),
        "run_id": run_id,
        "date": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]} {run_id[9:11]}:{run_id[11:13]} UTC"
        if run_id
        else f"{datetime.now():%Y-%m-%d}",
        "profile": profile,
        "commit": commit,
        "packages": ", ".join(versions),
        "data": result.data.describe().rstrip("."),
        "period": f"{span[0]} to {span[1]}" if span else "no calendar dates in the data",
        "fingerprint": result.data.fingerprint,
        "links": links if run_id else [],
    }


@dataclass(kw_only=True)
class ModelCard:
    """A model card with the thirteen required sections (see :data:`REQUIRED_FIELDS`).

    Required:
        pilot, title: short identifiers shown at the top.
        intended_use: what the model is for, in one or two sentences.
        intended_users: who uses it (str or list).
        out_of_scope: uses it must not be put to (str or list).
        data: list of dicts, one per dataset, each with ``dataset`` and ``synthetic`` (bool), and
            ideally ``origin``, ``licence``, ``provenance``; build it with :meth:`data_from_sources`.
        evaluation: the run's claims (:class:`livinglab.claims.Claim`, or their recorded dicts): each
            comparison of the model with a named baseline, with its paired interval and verdict.
        subgroups: a :class:`SubgroupReport`, a dict of them (``{"by sex": r1, "by age": r2}``),
            markdown text, a DataFrame or a dict.
        failure_modes: known failure modes (str or list).
        human_oversight: who sees what, when the model abstains or only advises.
        privacy: the privacy measures taken.
        ai_act: ``{"category", "reference", "reason"}``: EU AI Act classification, the article or
            annex point, and a one-line reason.
        altai: an :class:`AltaiAssessment` from :func:`load_altai` (or its dict / markdown).

    Optional:
        identity: the run, code, libraries, owner and data the card is about (:func:`run_identity`).
        model_details: the model and its settings; notes: caveats (str or list); figures: ``{caption: matplotlib Figure or PNG path}``, the few
        plots that matter (forecast vs actual, calibration, subgroup gaps), shown after the evaluation
        and saved as PNG files beside the card.
    """

    pilot: str | None = None
    title: str | None = None
    intended_use: str | None = None
    intended_users: str | Sequence[str] | None = None
    out_of_scope: str | Sequence[str] | None = None
    data: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None
    evaluation: Sequence[Any] | None = None
    subgroups: Any = None
    failure_modes: str | Sequence[str] | None = None
    human_oversight: str | None = None
    privacy: str | None = None
    ai_act: Mapping[str, Any] | None = None
    altai: AltaiAssessment | Mapping[str, Any] | str | None = None
    model_details: str | None = None
    notes: str | Sequence[str] | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)
    identity: Mapping[str, Any] | None = None  # the run, code, libraries, owner and data (run_identity)

    def __post_init__(self) -> None:
        self.validate()
        self._png = {caption: _png_bytes(fig, caption) for caption, fig in dict(self.figures or {}).items()}

    # ------------------------------------------------------------------ validation
    def missing_fields(self) -> list[str]:
        """Names of required fields (dotted for sub-fields, e.g. ``ai_act.reason``) that are missing or empty."""
        missing = [name for name in REQUIRED_FIELDS if _empty(getattr(self, name))]
        for name in ("intended_users", "out_of_scope", "failure_modes"):
            if name not in missing and any(_empty(item) for item in _as_list(getattr(self, name))):
                missing.append(f"{name}[{[_empty(i) for i in _as_list(getattr(self, name))].index(True)}]")
        if "data" not in missing:
            for i, entry in enumerate(_as_list(self.data)):
                if not isinstance(entry, Mapping):
                    missing.append(f"data[{i}]")
                    continue
                if _empty(entry.get("dataset")):
                    missing.append(f"data[{i}].dataset")
                if not isinstance(entry.get("synthetic"), (bool, np.bool_)):
                    missing.append(f"data[{i}].synthetic")
        if "evaluation" not in missing:
            for i, row in enumerate(_as_list(self.evaluation)):
                try:
                    _claim(row)
                except (TypeError, ValueError, KeyError):
                    missing.append(f"evaluation[{i}]")
        if "ai_act" not in missing:
            if not isinstance(self.ai_act, Mapping):
                missing.append("ai_act")
            else:
                missing += [f"ai_act.{key}" for key in _AI_ACT_KEYS if _empty(self.ai_act.get(key))]
        return missing

    def validate(self) -> None:
        """Raise :class:`ModelCardError` naming every missing or empty required field."""
        missing = self.missing_fields()
        if missing:
            raise ModelCardError(self.pilot, missing)

    @property
    def is_synthetic(self) -> bool:
        """True when any dataset of the card is a synthetic stand-in."""
        return any(
            bool(entry.get("synthetic")) for entry in _as_list(self.data) if isinstance(entry, Mapping)
        )

    # ------------------------------------------------------------------ data helper
    @staticmethod
    def data_from_sources(sources: Any, *, notes: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The ``data`` section from the run's data sources; see :func:`data_from_sources`."""
        return data_from_sources(sources, notes=notes)

    @classmethod
    def from_result(cls, result: Any, path: str | Path = "card.yaml", **sections: Any) -> ModelCard:
        """The card of a :class:`livinglab.result.Result`: prose from the pilot's ``card.yaml`` (templates
        filled from the result), evaluation from its claims, subgroups from its reports, data from its
        loaded source, ALTAI from ``altai.yaml`` beside the card.

        Args:
            result: the run's result.
            path: the ``card.yaml`` (relative: from the working directory, then the project root).
            sections: fields given directly (``figures=``, ``notes=``...); they win over the YAML.

        Raises:
            CardTemplateError: the file is missing or malformed, or a template names a value the run did
                not record (the message names the value and the file).
        """
        located = _locate(path)
        if not located.is_file():
            raise CardTemplateError(
                f"Model-card file {path} not found; each pilot keeps one in pilots/<pilot>/card.yaml."
            )
        raw = yaml.safe_load(located.read_text(encoding="utf-8")) or {}
        known = {f.name for f in fields(cls)} - {"evaluation", "data", "subgroups"}
        unknown = sorted(set(raw) - known) if isinstance(raw, Mapping) else ["(not a mapping)"]
        if unknown:
            raise CardTemplateError(
                f"{located}: unknown section(s) {', '.join(map(str, unknown))}; use {', '.join(sorted(known))} "
                "(evaluation, data and subgroups come from the run's result)."
            )
        context = card_context(result)
        content = {k: _fill(v, context, k, located) for k, v in raw.items() if k not in sections}
        content.setdefault("pilot", result.pilot)
        content["evaluation"] = list(result.claims)
        content["data"] = data_from_sources(result.data.source)
        content["identity"] = run_identity(result)
        content["subgroups"] = result.subgroups or (
            "No grouping of these data can be compared (no group column, or groups too small)."
        )
        if "altai" not in sections and (located.parent / "altai.yaml").is_file():
            content["altai"] = load_altai(located.parent / "altai.yaml", context)
        return cls(**{**content, **sections})

    # ------------------------------------------------------------------ rendering
    def _claims(self) -> list[Any]:
        return [_claim(row) for row in _as_list(self.evaluation)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the whole card (what ``model_card.json`` holds)."""
        self.validate()
        out: dict[str, Any] = {"schema": "livinglab-model-card/1"}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "evaluation":
                value = [claim.as_dict() for claim in self._claims()]
            elif f.name in ("intended_users", "out_of_scope", "failure_modes", "data", "notes"):
                value = _as_list(value) if value is not None else None
            elif f.name == "figures":
                value = self._figure_files()
            out[f.name] = _jsonable(value)
        out["synthetic_data"] = self.is_synthetic
        return out

    as_dict = to_dict

    def _reports(self) -> dict[str, SubgroupReport]:
        value = self.subgroups
        if isinstance(value, SubgroupReport):
            return {"": value}
        return (
            {k: v for k, v in value.items() if isinstance(v, SubgroupReport)}
            if isinstance(value, Mapping)
            else {}
        )

    def _subgroups_markdown(self, level: int) -> str:
        value = self.subgroups
        if isinstance(value, SubgroupReport):
            return value.to_markdown()
        if isinstance(value, pd.DataFrame):
            rows = [[format_number(v) if isinstance(v, float) else v for v in r] for r in value.to_numpy()]
            return markdown_table([str(c) for c in value.columns], rows)
        if not isinstance(value, Mapping):
            return str(value).strip() if isinstance(value, str) else _bullets(_as_list(value))
        return "\n\n".join(
            f"{'#' * level} {name}\n\n{sub.to_markdown() if isinstance(sub, SubgroupReport) else sub.strip()}"
            if isinstance(sub, SubgroupReport) or (isinstance(sub, str) and "\n" in sub)
            else f"- **{name}**: {sub}"
            for name, sub in value.items()
        )

    def _figure_files(self) -> dict[str, str]:
        return {caption: f"card_figure_{i + 1}.png" for i, caption in enumerate(self._png)}

    def to_markdown(self, heading_level: int = 1, embed: bool = False) -> str:
        """The card as markdown (``templates/model_card.md.j2``): title at ``heading_level``, sections one
        level below, a summary and the key findings first (each claim, each subgroup gap); figures as files
        beside the card, or ``embed``-ded as data URIs (for the notebook)."""
        import base64

        from jinja2 import Environment, PackageLoader

        from ..claims import fmt, largest_gap, signed

        self.validate()
        claims, evidence = list(dict.fromkeys(self._claims())), {}
        for claim in claims:
            evidence.setdefault(claim.evidence(), []).append(claim.label)
        figures = {
            c: base64.b64encode(self._png[c]).decode() if embed else f
            for c, f in self._figure_files().items()
        }
        altai, level = self.altai, heading_level + 2
        text = (
            Environment(loader=PackageLoader("livinglab", "templates"), trim_blocks=True, lstrip_blocks=True)
            .get_template("model_card.md.j2")
            .render(
                card=self,
                h1="#" * heading_level,
                h2="#" * (heading_level + 1),
                id=self.identity,
                claims=claims,
                evidence=evidence,
                gaps=[
                    (t, metric_words(m), g)
                    for t, r in self._reports().items()
                    for m, g in r.gaps.items()
                    if g.get("best")
                ],
                largest=largest_gap(self._reports()),
                overlap=overlap_words,
                by=lambda title: (
                    title if title.startswith("by ") else f"by {title}"
                ),  # "by sex", "by segment"
                fmt=fmt,
                signed=signed,
                num=format_number,
                cell=md_inline,  # a name from the data: no link, image, line break or table cell
                bullets=lambda value: value.strip() if isinstance(value, str) else _bullets(_as_list(value)),
                synthetic=self.is_synthetic,
                shown=_DATA_SHOWN,
                data=_as_list(self.data),
                figures=[(c, f"data:image/png;base64,{f}" if embed else f) for c, f in figures.items()],
                subgroups=self._subgroups_markdown(level),
                altai=altai.to_markdown(heading_level=level).rstrip()
                if isinstance(altai, AltaiAssessment)
                else "\n".join(f"- **{k}**: {v}" for k, v in altai.items())
                if isinstance(altai, Mapping)
                else str(altai).strip(),
            )
        )
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    def save(self, directory: str | Path | None = None) -> CardFiles:
        """Write ``model_card.json`` and ``model_card.md`` (default: :func:`livinglab.output_dir`)."""
        self.validate()
        if directory is None:
            from ..paths import output_dir

            target = output_dir()
        else:
            target = Path(directory)
            target.mkdir(parents=True, exist_ok=True)
        json_path = target / "model_card.json"
        md_path = target / "model_card.md"
        json_path.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for caption, name in self._figure_files().items():
            (target / name).write_bytes(self._png[caption])
        md_path.write_text(self.to_markdown(), encoding="utf-8")
        return CardFiles(json_path, md_path)

    def display(self, heading_level: int = 2) -> None:
        """Show the card in a notebook (as a section: title at ``heading_level``)."""
        from IPython.display import Markdown, display

        display(Markdown(self.to_markdown(heading_level=heading_level, embed=True)))

    def _repr_markdown_(self) -> str:
        return self.to_markdown(heading_level=2, embed=True)


def data_from_sources(sources: Any, *, notes: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """A model card's ``data`` section from the run's data sources (``livinglab.DataSource`` objects, as
    ``livinglab.load`` records them; plain dicts pass through). A catalogue dataset is described by the
    catalogue entry the load attached (``facts["catalogue"]``: title, publisher, licence, landing page,
    citation); a synthetic stand-in says SYNTHETIC explicitly and names its generator and what it stands
    for; a partner's file is described by what was read (checksum, size, shape, time span, reading)."""
    items = [sources] if isinstance(sources, Mapping) or hasattr(sources, "origin") else list(sources)
    if not items:
        raise ValueError("data_from_sources needs at least one data source.")
    notes = dict(notes or {})
    entries: list[dict[str, Any]] = []
    for source in items:
        if isinstance(source, Mapping):
            entries.append(dict(source))
            continue
        if source.origin == "file":  # a partner's own file: described by what was read, never the catalogue
            entries.append(_file_entry(source, notes.get(source.dataset)))
            continue
        facts = dict(source.facts or {})
        catalogue = dict(facts.get("catalogue") or {})
        entry: dict[str, Any] = {
            "dataset": source.dataset,
            "synthetic": source.is_synthetic,
            "origin": source.origin,
        }
        entry.update({k: catalogue[k] for k in ("title", "publisher", "landing_page") if catalogue.get(k)})
        if source.is_synthetic:
            stands_for = (
                f"{catalogue['title']} ({catalogue.get('publisher') or 'publisher not stated'})"
                if catalogue.get("title")
                else "real data of this kind"
            )
            entry["licence"] = "n/a (generated in the run)" + (
                f"; real data: {catalogue['license']}" if catalogue.get("license") else ""
            )
            entry["provenance"] = (
                f"SYNTHETIC: generated by {source.detail or 'the pilot generator'} as a stand-in for "
                f"{stands_for}; no real records were used"
                + (f"; fingerprint {facts['fingerprint']}" if facts.get("fingerprint") else "")
                + "."
            )
        else:
            checksum = f", sha256 {source.sha256[:12]}..." if source.sha256 else ""
            files = facts.get("files") or ([str(source.path)] if source.path is not None else [])
            file_name = (
                f" file {Path(files[0]).name}" if len(files) == 1 else f" {len(files)} files" if files else ""
            )
            span = facts.get("time_span")
            entry["licence"] = catalogue.get("license") or "not stated"
            entry["provenance"] = (
                f"Real data from the {source.origin}{file_name}{checksum}"
                + (f"; {facts['rows']:,} rows" if facts.get("rows") else "")
                + (f", {span[0]} to {span[1]}" if span else "")
                + "."
            )
            if catalogue.get("citation"):
                entry["citation"] = catalogue["citation"]
        if source.dataset in notes:
            entry["note"] = notes[source.dataset]
        entries.append(entry)
    return entries


def _file_entry(source: Any, note: str | None) -> dict[str, Any]:
    """The data-section entry of a partner's file: its checksum, size, shape, time span and reading."""
    facts = dict(source.facts or {})
    size = facts.get("size_bytes")
    span = facts.get("time_span")
    parts = [
        f"Partner file {source.dataset}"
        + (f" ({len(facts['files'])} files)" if len(facts.get("files", [])) > 1 else ""),
        f"sha256 {source.sha256}" if source.sha256 else None,
        f"{size:,} bytes" if size else None,
        f"{facts['rows']:,} rows x {facts.get('n_columns', len(facts.get('columns', [])))} columns"
        if "rows" in facts
        else None,
        f"time span {span[0]} to {span[1]}" if span else None,
        f"read as {facts['dialect']}, encoding {facts.get('encoding') or 'n/a'}"
        if facts.get("dialect")
        else None,
        f"contract {facts['contract']} with columns {facts['mapping']}" if facts.get("contract") else None,
    ]
    entry = {
        "dataset": source.dataset,
        "title": source.detail or source.dataset,
        "synthetic": False,
        "origin": "file",
        "licence": "as agreed with the data provider (not a catalogue dataset)",
        "provenance": "; ".join(p for p in parts if p) + ".",
    }
    if note:
        entry["note"] = note
    return entry


def _png_bytes(figure: Any, caption: str) -> bytes:
    """A card figure as PNG bytes: a matplotlib Figure (rendered at 100 dpi) or a PNG file."""
    if hasattr(figure, "savefig"):
        import io

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()
    path = Path(figure)
    if path.suffix.lower() != ".png" or not path.is_file():
        raise ModelCardError(None, [f"figures[{caption!r}] (a matplotlib Figure or an existing .png file)"])
    return path.read_bytes()
