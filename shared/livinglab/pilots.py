"""The pilots of the lab: their notebooks, parameters and profiles, and checking a run request.

A pilot is a folder ``pilots/<name>/`` with ``pilot.yaml``::

    title: Schengen cross-border traffic prediction
    notebooks: [mobility.ipynb]
    key_metrics: [mae_h1, mae_h1_seasonal_naive]
    profiles:
      smoke: {n_stations: 6}
      full: {n_stations: 60}

A notebook's ``parameters`` cell holds literals only; their values are the defaults a person gets in
JupyterLab and their types are what ``-p NAME VALUE`` and profiles are checked against.
"""

from __future__ import annotations

import ast
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
    """A metric the run index shows for a pilot, as declared in pilot.yaml::

        key_metrics:
          - {name: mae_h1, label: "MAE, 1 h ahead (veh/h)", baseline: mae_h1_plain_lgbm, better: lower,
             tolerance: 0.10}
          - rows                      # a plain name: shown as it is, no comparison

    ``baseline`` names another recorded metric to compare with (ratio and a better/worse mark), shown
    as ``baseline_label`` (default: its name);
    ``tolerance`` is the relative change from the previous run of the same profile that is flagged as a
    regression (in the worse direction given by ``better``).
    """

    name: str
    label: str = ""
    baseline: str | None = None
    better: str | None = None  # "lower" | "higher"
    tolerance: float | None = None
    baseline_label: str | None = None

    @classmethod
    def parse(cls, raw: Any, where: str) -> KeyMetric:
        if isinstance(raw, str):
            return cls(raw, raw.replace("_", " "))
        if not isinstance(raw, dict) or "name" not in raw:
            raise UsageError(f"{where}: each key metric is a name or a mapping with 'name', not {raw!r}.")
        unknown = set(raw) - {"name", "label", "baseline", "better", "tolerance", "baseline_label"}
        if unknown or raw.get("better") not in (None, "lower", "higher"):
            raise UsageError(
                f"{where}: key metric {raw['name']}: use label, baseline, baseline_label, better (lower|higher), "
                "tolerance."
            )
        return cls(
            raw["name"],
            raw.get("label") or raw["name"].replace("_", " "),
            raw.get("baseline"),
            raw.get("better"),
            raw.get("tolerance"),
            raw.get("baseline_label"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "baseline": self.baseline,
            "better": self.better,
            "tolerance": self.tolerance,
            "baseline_label": self.baseline_label,
        }


@dataclass
class Pilot:
    name: str
    directory: Path
    title: str
    notebooks: list[str]
    key_metrics: list[KeyMetric] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    contract: str | None = (
        None  # contract.py in the folder (or a module name) with CONTRACTS and contract_for
    )
    _parameters: dict[str, dict[str, Parameter]] | None = None

    def parameters(self) -> dict[str, dict[str, Parameter]]:
        """Per notebook: its parameters, read with papermill's notebook inspection."""
        if self._parameters is None:
            self._parameters = {nb: inspect_parameters(self.directory / nb) for nb in self.notebooks}
        return self._parameters

    def contract_module(self):
        """The pilot's data-contract module (``contract:`` in pilot.yaml), or None.

        The module defines ``CONTRACTS`` (name -> :class:`livinglab.contract.Contract`), ``contract_for(params)``
        (the contract a run's parameters select) and optionally ``PARAMS_FOR`` (name -> selecting parameters).
        """
        import importlib
        import importlib.util

        if not self.contract:
            return None
        if not self.contract.endswith(".py"):
            return importlib.import_module(self.contract)
        path = self.directory / self.contract
        if not path.is_file():
            raise UsageError(
                f"pilots/{self.name}/pilot.yaml names the contract {self.contract}, which does not exist."
            )
        spec = importlib.util.spec_from_file_location(f"livinglab_contract_{self.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def profile_names(self) -> list[str]:
        return [DEFAULT_PROFILE, *self.profiles]


def inspect_parameters(notebook: Path) -> dict[str, Parameter]:
    import papermill as pm

    if not notebook.exists():
        raise UsageError(f"Notebook {notebook} is listed in pilot.yaml but does not exist.")
    found = pm.inspect_notebook(str(notebook))
    params: dict[str, Parameter] = {}
    for name, info in found.items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError) as exc:
            raise UsageError(
                f"{notebook.name}: parameter {name} = {info['default']} is not a literal; keep the "
                "parameters cell to literals and derive values in the next cell."
            ) from exc
        params[name] = Parameter(name, default, info.get("help", ""))
    return params


def load_pilot(directory: Path) -> Pilot:
    spec_path = directory / "pilot.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    notebooks = spec.get("notebooks") or sorted(p.name for p in directory.glob("*.ipynb"))
    if not notebooks:
        raise UsageError(f"{spec_path} lists no notebooks and the folder has none.")
    profiles = spec.get("profiles") or {}
    if DEFAULT_PROFILE in profiles:
        raise UsageError(f"{spec_path}: '{DEFAULT_PROFILE}' is reserved for the notebook's own defaults.")
    return Pilot(
        name=directory.name,
        directory=directory,
        title=spec.get("title", directory.name),
        notebooks=list(notebooks),
        key_metrics=[KeyMetric.parse(m, str(spec_path)) for m in spec.get("key_metrics") or []],
        profiles={k: dict(v or {}) for k, v in profiles.items()},
        contract=spec.get("contract"),
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
