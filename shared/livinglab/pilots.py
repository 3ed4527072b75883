"""The pilots of the lab: their designs, notebooks, parameters and profiles, and checking a run request.

A pilot is a folder ``pilots/<name>/`` with ``pilot.yaml``. Each **design** (a kind of data the pilot
analyses) has its own notebook, contract, synthetic generator and optional catalogue dataset::

    title: Anomaly detection with analysts in control
    owner: the fintech pilot team        # optional: who answers for the pilot, on every model card
    contact: fintech-pilot@example.org   # optional: how to reach them
    designs:
      ledger:
        title: Transactions of a ledger
        notebook: ledger.ipynb
        contract: ledger                 # CONTRACTS["ledger"] in contract.py
        synthetic: make_ledger           # synthetic.make_ledger(params) -> a frame in the contract's names
        real:                            # optional: the catalogue dataset of data_mode real / auto
          dataset: ulb-creditcard-fraud
          distributions: [creditcard_ulb_head7972.csv]
          columns: {label: Class}        # contract name -> the file's column
          read_options: {}
          params: {}                     # parameters the catalogue file implies (e.g. a time unit)
          stand_in: true                 # the synthetic generator stands in for this dataset
        key_metrics:
          - {name: pr_auc, label: "PR-AUC, test period", tolerance: 0.1}   # a claim's name, or a metric's
          - rows
    profiles:
      smoke: {}
      full: {n_transactions: 1000000}

A pilot with one design may write ``notebooks: [x.ipynb]``, ``contract:`` and ``key_metrics:`` at the top
level instead. Which way a metric is better is never declared here: comparisons are claims
(:mod:`livinglab.claims`), whose direction comes from the kind of metric.

A notebook's ``parameters`` cell holds literals only; their values are the defaults a person gets in
JupyterLab and their types are what ``-p NAME VALUE`` and profiles are checked against.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import json
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .paths import pilots_dir

DEFAULT_PROFILE = "default"  # the notebook's own parameters cell, no overrides


class UsageError(ValueError):
    """A run request that cannot start (the CLI exits 2 with this message)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    help: str = ""

    @property
    def type_name(self) -> str:
        return type(self.default).__name__ if self.default is not None else "any"


@dataclass(frozen=True)
class KeyMetric:
    """A metric the run index shows for a design, as declared in pilot.yaml::

        key_metrics:
          - {name: mae_h1, label: "MAE, 1 h ahead (veh/h)", tolerance: 0.10}
          - rows                      # a plain name: shown as it is

    When the run recorded a claim of that name, the index shows the claim (model, baseline in words,
    paired interval, verdict); ``tolerance`` is the relative change of the claim's model value since the
    previous comparable run that is flagged as a regression (its direction is the claim's).
    """

    name: str
    label: str = ""
    tolerance: float | None = None

    @classmethod
    def parse(cls, raw: Any, where: str) -> KeyMetric:
        if isinstance(raw, str):
            return cls(raw, raw.replace("_", " "))
        if not isinstance(raw, dict) or "name" not in raw:
            raise UsageError(f"{where}: each key metric is a name or a mapping with 'name', not {raw!r}.")
        unknown = set(raw) - {"name", "label", "tolerance"}
        if unknown:
            raise UsageError(
                f"{where}: key metric {raw['name']} sets {', '.join(sorted(unknown))}; a key metric has a label "
                "and a tolerance only. A comparison with a baseline, and which way is better, is a claim the "
                "pilot's run makes (livinglab.claims), not a setting."
            )
        return cls(raw["name"], raw.get("label") or raw["name"].replace("_", " "), raw.get("tolerance"))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "tolerance": self.tolerance}


@dataclass(frozen=True)
class RealData:
    """The catalogue dataset a design reads in ``data_mode`` real (or auto, when reachable)."""

    dataset: str
    distributions: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    read_options: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    stand_in: bool = True  # the synthetic generator stands in for this dataset (said on the card)


@dataclass(frozen=True)
class Design:
    name: str
    notebook: str
    title: str = ""
    contract: str | None = None  # a key of the pilot's CONTRACTS
    synthetic: str | None = None  # a function of the pilot's synthetic module
    real: RealData | None = None
    key_metrics: tuple[KeyMetric, ...] = ()


_DESIGN_KEYS = {"title", "notebook", "contract", "synthetic", "real", "key_metrics"}


def _parse_design(name: str, raw: Any, where: str) -> Design:
    if not isinstance(raw, dict) or "notebook" not in raw:
        raise UsageError(f"{where}: design {name} needs at least a notebook.")
    unknown = set(raw) - _DESIGN_KEYS
    if unknown:
        raise UsageError(
            f"{where}: design {name} sets {', '.join(sorted(unknown))}; use {sorted(_DESIGN_KEYS)}."
        )
    real = raw.get("real")
    if real is not None:
        if not isinstance(real, dict) or "dataset" not in real:
            raise UsageError(f"{where}: design {name}: real needs a catalogue dataset.")
        real = RealData(
            real["dataset"],
            tuple(real.get("distributions") or ()),
            dict(real.get("columns") or {}),
            dict(real.get("read_options") or {}),
            dict(real.get("params") or {}),
            bool(real.get("stand_in", True)),
        )
    return Design(
        name,
        raw["notebook"],
        raw.get("title") or name.replace("_", " "),
        raw.get("contract"),
        raw.get("synthetic"),
        real,
        tuple(KeyMetric.parse(m, f"{where} design {name}") for m in raw.get("key_metrics") or []),
    )


@dataclass
class Pilot:
    name: str
    directory: Path
    title: str
    designs: dict[str, Design]
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    contract: str | None = None  # contract.py in the folder (CONTRACTS and contract_for)
    owner: str | None = None  # who answers for the pilot (pilot.yaml's owner), shown on its model cards
    contact: str | None = None  # how to reach them (pilot.yaml's contact)
    _parameters: dict[str, dict[str, Parameter]] | None = None

    @property
    def notebooks(self) -> list[str]:
        return [d.notebook for d in self.designs.values()]

    def design(self, name: str | None = None) -> Design:
        if name is None:
            return next(iter(self.designs.values()))
        if name not in self.designs:
            raise UsageError(f"Pilot {self.name} has no design {name!r}; it has: {', '.join(self.designs)}.")
        return self.designs[name]

    def unit(self, design: Design) -> str:
        """The run folder's name for a design: the pilot's, or ``pilot-design`` when it has several."""
        return self.name if len(self.designs) == 1 else f"{self.name}-{design.name}"

    def parameters(self) -> dict[str, dict[str, Parameter]]:
        """Per notebook: its parameters (:func:`inspect_parameters`)."""
        if self._parameters is None:
            self._parameters = {nb: inspect_parameters(self.directory / nb) for nb in self.notebooks}
        return self._parameters

    def defaults(self, design: Design) -> dict[str, Any]:
        """The design's parameters as its notebook declares them (the one place defaults are written)."""
        return {n: p.default for n, p in self.parameters()[design.notebook].items()}

    def module(self, name: str):
        """The pilot's module ``name`` (``pilots.<pilot>.<name>`` when the folder is that package)."""
        package = f"pilots.{self.name}"
        spec = importlib.util.find_spec("pilots")
        locations = [Path(p).resolve() for p in (spec.submodule_search_locations or [])] if spec else []
        if self.directory.parent.resolve() in locations:
            return importlib.import_module(f"{package}.{name}")
        path = self.directory / f"{name}.py"  # a pilot folder outside the installed project (tests)
        if not path.is_file():
            raise UsageError(f"pilots/{self.name} has no {name}.py.")
        qualified = f"livinglab_pilot_{self.name}_{name}"
        if qualified not in sys.modules:
            loaded = importlib.util.spec_from_file_location(qualified, path)
            module = importlib.util.module_from_spec(loaded)
            sys.modules[qualified] = module
            loaded.loader.exec_module(module)
        return sys.modules[qualified]

    def contract_module(self):
        """The pilot's data-contract module (``CONTRACTS``, ``contract_for(params)``), or None."""
        if not self.contract:
            return None
        if not (self.directory / self.contract).is_file():
            raise UsageError(
                f"pilots/{self.name}/pilot.yaml names the contract {self.contract}, which does not exist."
            )
        try:
            return self.module(Path(self.contract).stem)
        except UsageError:
            raise
        except Exception as exc:  # an import error in the pilot's contract: one sentence, not a traceback
            raise UsageError(
                f"pilots/{self.name}/{self.contract} cannot be imported: {type(exc).__name__}: {exc}"
            ) from None

    def contract_of(self, design: Design):
        """The :class:`livinglab.contract.Contract` of a design (None when the pilot has no contract)."""
        module = self.contract_module()
        if module is None:
            return None
        if design.contract is None:
            return module.contract_for({}) if hasattr(module, "contract_for") else None
        if design.contract not in module.CONTRACTS:
            raise UsageError(
                f"pilots/{self.name}/pilot.yaml: design {design.name} names contract {design.contract!r}; "
                f"contract.py has {', '.join(module.CONTRACTS)}."
            )
        return module.CONTRACTS[design.contract]

    def profile_names(self) -> list[str]:
        return [DEFAULT_PROFILE, *self.profiles]


def inspect_parameters(notebook: Path) -> dict[str, Parameter]:
    """The parameters of a notebook's first cell tagged ``parameters``: name, literal default and the comment
    ending its line (the help), in the cell's order, as papermill's ``inspect_notebook`` reads them.

    Read with the standard library (the notebook is JSON, the cell Python): every pilot run reads its
    defaults, and importing papermill and nbformat for it costs seconds; papermill is imported only where a
    notebook is executed.
    """
    if not notebook.exists():
        raise UsageError(f"Notebook {notebook} is listed in pilot.yaml but does not exist.")
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells") or []
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        raise UsageError(f"{notebook.name} is not a readable notebook (JSON): {exc}") from None
    tagged = [c for c in cells if "parameters" in ((c.get("metadata") or {}).get("tags") or [])]
    if not tagged:
        return {}
    source = tagged[0].get("source") or ""
    source = "".join(source) if isinstance(source, list) else source
    try:
        body = ast.parse(source).body
    except SyntaxError as exc:
        raise UsageError(
            f"{notebook.name}: the parameters cell is not valid Python (line {exc.lineno}: {exc.msg}); "
            "keep it to one literal assignment a line."
        ) from None
    comments = {
        tok.start[0]: tok.string[1:].strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    params: dict[str, Parameter] = {}
    for node in body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue  # not a parameter (papermill's inspection skips such lines too)
        if not isinstance(target, ast.Name):
            continue
        try:
            default = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise UsageError(
                f"{notebook.name}: parameter {target.id} = {ast.get_source_segment(source, node.value)} "
                "is not a literal; keep the parameters cell to literals and derive values in the next cell."
            ) from None
        params[target.id] = Parameter(target.id, default, comments.get(node.end_lineno, ""))
    return params


def load_pilot(directory: Path) -> Pilot:
    spec_path = directory / "pilot.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    where = str(spec_path)
    if "designs" in spec:
        if spec.get("notebooks") or spec.get("key_metrics"):
            raise UsageError(f"{where}: with designs, notebooks and key_metrics belong to each design.")
        designs = {n: _parse_design(n, raw, where) for n, raw in (spec["designs"] or {}).items()}
    else:  # one design: notebooks, contract and key metrics at the top level
        notebooks = spec.get("notebooks") or sorted(p.name for p in directory.glob("*.ipynb"))
        if len(notebooks) > 1:
            raise UsageError(
                f"{where}: a pilot with several notebooks declares one design a notebook (designs:)."
            )
        designs = (
            {
                Path(notebooks[0]).stem: Design(
                    Path(notebooks[0]).stem,
                    notebooks[0],
                    spec.get("title", directory.name),
                    key_metrics=tuple(KeyMetric.parse(m, where) for m in spec.get("key_metrics") or []),
                )
            }
            if notebooks
            else {}
        )
    if not designs:
        raise UsageError(f"{spec_path} lists no notebooks and the folder has none.")
    profiles = spec.get("profiles") or {}
    if DEFAULT_PROFILE in profiles:
        raise UsageError(f"{spec_path}: '{DEFAULT_PROFILE}' is reserved for the notebook's own defaults.")
    return Pilot(
        name=directory.name,
        directory=directory,
        title=spec.get("title", directory.name),
        designs=designs,
        profiles={k: dict(v or {}) for k, v in profiles.items()},
        contract=spec.get("contract"),
        owner=spec.get("owner"),
        contact=spec.get("contact"),
    )


def discover_pilots(root: Path | None = None) -> dict[str, Pilot]:
    root = root or pilots_dir()
    return {p.name: load_pilot(p) for p in sorted(root.iterdir()) if (p / "pilot.yaml").is_file()}


def parse_cli_value(raw: str) -> Any:
    """``-p NAME VALUE``: YAML scalars (3, 0.5, true, null, [1, 2]); anything else is a string."""
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    except RecursionError:  # [[[[...]]]] thousands deep: one sentence, not a traceback
        raise UsageError(
            f"A parameter value ({raw[:20]}...) is nested too deeply to read; give a flat list or mapping."
        ) from None


def coerce(param: Parameter, value: Any, raw: str | None, where: str) -> Any:
    """Check ``value`` against the type of the parameter's default; return the value to inject."""
    default = param.default
    if default is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, str):
        if raw is not None:
            return raw  # "-p region 2025" keeps the text it was given
        if isinstance(value, str):
            return value
    elif isinstance(default, (list, tuple)):
        if isinstance(value, (list, tuple)):
            return list(value)
    elif isinstance(default, dict):
        if isinstance(value, dict):
            return value
    shown = raw if raw is not None else repr(value)
    raise UsageError(
        f"{where}: parameter {param.name} expects a value of type {param.type_name} (default {default!r}), got {shown!r}."
    )


def plan_parameters(pilot: Pilot, profile: str, overrides: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Parameters to inject into each notebook of ``pilot``: the profile's, then ``-p`` overrides.

    ``overrides`` maps names to the raw command-line text; names a notebook does not declare are
    skipped for that notebook (the caller checks that every name is declared somewhere).
    """
    if profile != DEFAULT_PROFILE and profile not in pilot.profiles:
        raise UsageError(
            f"Pilot {pilot.name} has no profile {profile!r}; it has: {', '.join(pilot.profile_names())}."
        )
    profile_values = pilot.profiles.get(profile, {})
    plan: dict[str, dict[str, Any]] = {}
    declared_anywhere: set[str] = set()
    for notebook, params in pilot.parameters().items():
        declared_anywhere |= set(params)
        chosen: dict[str, Any] = {}
        for name, value in profile_values.items():
            if name in params:
                chosen[name] = coerce(
                    params[name], value, None, f"pilots/{pilot.name}/pilot.yaml profile {profile}"
                )
        for name, raw in overrides.items():
            if name in params:
                chosen[name] = coerce(params[name], parse_cli_value(raw), raw, f"-p {name}")
        plan[notebook] = chosen
    unknown_in_profile = sorted(set(profile_values) - declared_anywhere)
    if unknown_in_profile:
        raise UsageError(
            f"pilots/{pilot.name}/pilot.yaml profile {profile} sets {', '.join(unknown_in_profile)}, "
            f"which no notebook of the pilot declares in its parameters cell."
        )
    return plan


def get_pilot(name: str) -> Pilot:
    """One pilot of this project by name, with a clear sentence for an unknown one."""
    directory = pilots_dir() / name
    if not (directory / "pilot.yaml").is_file():
        known = ", ".join(discover_pilots())
        raise UsageError(f"Unknown pilot {name}; available: {known}.")
    return load_pilot(directory)


def parameters_for(pilot: str | Pilot, design: str | None, given: Any = None) -> dict[str, Any]:
    """A design's parameters: its notebook's defaults, then the values in ``given`` that it declares
    (a notebook passes ``globals()``, a test or the benchmark a dict), each checked against its type."""
    pilot = get_pilot(pilot) if isinstance(pilot, str) else pilot
    spec = pilot.design(design)
    declared = pilot.parameters()[spec.notebook]
    chosen = {n: p.default for n, p in declared.items()}
    for name, value in dict(given or {}).items():
        if name in declared:
            chosen[name] = coerce(declared[name], value, None, f"{pilot.name} {spec.name}")
    return chosen
