"""Send runs to MLflow, the tracking server a team may already use (optional).

``livinglab run ... --mlflow URI`` (or ``LIVINGLAB_MLFLOW=URI``) logs each pilot design's run as an MLflow
run, in the experiment ``livinglab-<unit>`` (prefix: ``LIVINGLAB_MLFLOW_EXPERIMENT``):

- parameters: every parameter the notebook ran with (defaults and overrides), the data fingerprint and
  the commit (``data_fingerprint``, ``git_commit``, ``git_dirty``);
- metrics: every number in ``metrics.json`` (nested ones as ``name/key``), each claim's values and its
  paired interval (``claim/<name>/model``, ``.../baseline``, ``.../difference``, ``.../low``, ``.../high``),
  the wall time (``time/wall_s``; timings are kept apart, under ``time/``);
- tags: run id, pilot, design, profile, status, data source, each claim's verdict and sentence
  (``claim.<name>.verdict``); the claims' sentences are the run's description in MLflow's UI;
- artefacts: the rendered notebook (``.ipynb`` and ``.html``), the model card, the figures, ``params.json``
  and ``metrics.json``. Nothing row-level leaves the run folder (no extract, no fitted model): a run on a
  partner's own file sends its records and model card only, since its notebook and figures show rows (an
  alert queue, example texts, a person's measurements; the catalogue's datasets are published); the tag
  ``livinglab.artefacts`` says so, and its error is sent as where and what failed, without the message
  (a check's message quotes the values it refused).

A sweep (``livinglab sweep ... --mlflow URI``) is a parent run with one child run a grid point.

URI: the team's server (``http(s)://host:5000``; credentials from ``MLFLOW_TRACKING_TOKEN`` or
``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``, never in the URI of a shared command line),
``databricks``, any store URI MLflow knows, or a local folder (a path or ``file:``) to try it out.
Without the option nothing changes and MLflow is not imported. The store is checked before any notebook
runs (one sentence if it cannot be reached); a run that cannot be sent afterwards is said on standard
error and its run folder stays complete.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .pilots import UsageError

MLFLOW_ENV = "LIVINGLAB_MLFLOW"
EXPERIMENT_ENV = "LIVINGLAB_MLFLOW_EXPERIMENT"
DEFAULT_PREFIX = "livinglab"
_ARTEFACTS = {  # run-folder file -> MLflow artefact folder ("" is the top)
    "params.json": "",
    "metrics.json": "",
    "model_card.md": "model_card",
    "model_card.html": "model_card",
    "model_card.json": "model_card",
}
_FIGURE_SUFFIXES = (".png", ".svg")
_NAME = re.compile(r"[^0-9A-Za-z_\-. /:]")
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}  # MLflow's log_batch limits
_MAX_PARAM = 6000  # characters of a parameter value MLflow keeps
_MAX_TAG = 5000
_DATABASES = {"sqlite", "postgresql", "mysql", "mssql"}
_STATUS = {"ok": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}


def tracking_uri(option: str | None) -> str | None:
    """The store to log to: the option, else ``LIVINGLAB_MLFLOW``; None (no tracking) when both are empty."""
    value = os.environ.get(MLFLOW_ENV, "") if option is None else option
    return value.strip() or None


def shown(uri: str) -> str:
    """A URI as printed: without a password or token written into it."""
    parts = urlsplit(uri)
    if parts.password or (parts.username and parts.scheme.startswith("http")):
        host = parts.hostname or ""
        host += f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"***@{host}"))
    return uri


def _store_uri(uri: str) -> str:
    """A path or ``file:`` URI as an absolute ``file://`` URI (relative to where the command runs)."""
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return Path(urlsplit(uri).path).resolve().as_uri()
    if scheme and len(scheme) > 1:  # http, https, sqlite, postgresql, databricks, ... (C: is a drive)
        return uri
    if uri == "databricks" or uri.startswith("databricks://"):
        return uri
    return Path(uri).expanduser().resolve().as_uri()


@contextmanager
def _quick_requests():
    """One try with a short timeout while the store is checked (MLflow retries for minutes otherwise)."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT")}
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "15"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def open_sink(option: str | None, *, sweep: dict[str, Any] | None = None) -> MlflowSink | None:
    """The sink for ``--mlflow`` / ``LIVINGLAB_MLFLOW``, checked now; None without either (MLflow is then
    not imported). ``sweep``: ``{"id", "pilot", "axes": {name: [values]}, "seeds", "profile"}``."""
    uri = tracking_uri(option)
    if uri is None:
        return None
    return MlflowSink(uri, sweep=sweep)


class MlflowSink:
    """Logs finished pilot runs (their run folders) to one MLflow tracking store."""

    def __init__(self, uri: str, *, sweep: dict[str, Any] | None = None, prefix: str | None = None):
        store = _store_uri(uri)
        if store.startswith("file:"):
            folder = Path(urlsplit(store).path)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(
                    f"--mlflow {uri}: cannot create the folder {folder} ({exc.strerror}); choose another."
                ) from None
            # MLflow keeps its folder store in maintenance mode behind this switch; a folder is for trying
            # it out, a team's server (http://...) is the store to share runs with.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise UsageError(
                "--mlflow needs the mlflow-skinny package (`pip install mlflow-skinny`, part of `make install`)."
            ) from None
        scheme = urlsplit(store).scheme.split("+")[0]
        if scheme in _DATABASES and importlib.util.find_spec("sqlalchemy") is None:
            raise UsageError(
                f"--mlflow {shown(uri)}: a database store needs the full mlflow package (`pip install mlflow`); "
                "a tracking server (http://host:5000) or a folder works with what is installed."
            )
        self.uri, self.prefix = store, prefix or os.environ.get(EXPERIMENT_ENV, "").strip() or DEFAULT_PREFIX
        self.sweep = sweep
        try:
            with _quick_requests():
                self.client = MlflowClient(tracking_uri=store)
                self.client.search_experiments(max_results=1)
        except Exception as exc:
            reason = _reason(exc, uri)
            raise UsageError(
                f"Cannot reach the MLflow tracking store {shown(uri)} ({reason}); check the address and, for a "
                "server that asks for a login, MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD, or "
                "leave out --mlflow."
            ) from None
        self._experiments: dict[str, str] = {}
        self._parents: dict[str, dict[str, Any]] = {}  # experiment id -> the sweep's parent run
        self.sent: list[str] = []  # MLflow run ids, in order

    # --- what a run folder holds, as MLflow's parameters, metrics and tags -------------------------------

    def experiment(self, unit: str) -> str:
        name = f"{self.prefix}-{unit}"
        if name not in self._experiments:
            found = self.client.get_experiment_by_name(name)
            self._experiments[name] = (
                found.experiment_id if found is not None else self.client.create_experiment(name)
            )
        return self._experiments[name]

    def log(self, result: Any) -> str | None:
        """Send one finished unit (a :class:`livinglab.execute.PilotResult`); its MLflow run id, or None
        when it could not be sent (said on standard error; the run folder is untouched)."""
        from .execute import log

        folder = Path(result.directory)
        try:
            metrics_doc = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            params_doc = json.loads((folder / "params.json").read_text(encoding="utf-8"))
            run_id = self._send(folder, metrics_doc, params_doc)
        except Exception as exc:  # the store went away, a quota, ...: the run itself stands
            log(
                f"  could not send {folder.name} to MLflow ({shown(self.uri)}): {type(exc).__name__}: {exc}; "
                f"the run folder {folder} is complete."
            )
            return None
        self.sent.append(run_id)
        log(f"  sent to MLflow: {folder.name} as run {run_id} ({shown(self.uri)})")
        return run_id

    def _send(self, folder: Path, doc: dict[str, Any], params_doc: dict[str, Any]) -> str:
        from mlflow.entities import Metric, Param

        unit = doc.get("unit") or doc.get("pilot") or folder.name
        experiment_id = self.experiment(unit)
        start = _millis(doc.get("started")) or int(time.time() * 1000)
        end = start + int(1000 * float(doc.get("wall_time_s") or 0))
        sweep = doc.get("sweep")
        parent = self._parent(experiment_id, doc, start) if sweep else None
        name = unit if not sweep else _point_name(sweep)
        tags = run_tags(doc, params_doc) | {"mlflow.runName": name}
        if parent is not None:
            tags["mlflow.parentRunId"] = parent["run_id"]
        run = self.client.create_run(experiment_id, start_time=start, tags=tags, run_name=name)
        run_id = run.info.run_id
        params = run_params(doc, params_doc)
        metrics = run_metrics(doc)
        for chunk in _chunks([Param(k, v) for k, v in params.items()], _BATCH["params"]):
            self.client.log_batch(run_id, params=chunk)
        for chunk in _chunks([Metric(k, v, end, 0) for k, v in metrics.items()], _BATCH["metrics"]):
            self.client.log_batch(run_id, metrics=chunk)
        for path, target in artefacts(folder, doc, personal=reads_partner_data(params_doc)):
            self.client.log_artifact(run_id, str(path), target or None)
        self.client.set_terminated(run_id, _STATUS.get(doc.get("status"), "FAILED"), end_time=end)
        if parent is not None:
            self._update_parent(parent, doc, end)
        return run_id

    # --- a sweep: one parent run, a child run a grid point -----------------------------------------------

    def _parent(self, experiment_id: str, doc: dict[str, Any], start: int) -> dict[str, Any]:
        if experiment_id in self._parents:
            return self._parents[experiment_id]
        sweep = doc["sweep"]
        described = self.sweep or {}
        tags = {
            "mlflow.runName": f"sweep {sweep['id']}",
            "livinglab.sweep_id": str(sweep["id"]),
            "livinglab.pilot": str(doc.get("pilot", "")),
            "livinglab.unit": str(doc.get("unit", "")),
            "livinglab.profile": str(doc.get("profile", "")),
            "mlflow.note.content": (
                f"Sweep {sweep['id']} of {doc.get('unit')}: one child run a grid point"
                + (f" x seed ({described['seeds']} seeds)" if described.get("seeds") else "")
                + "."
            ),
        }
        run = self.client.create_run(
            experiment_id, start_time=start, tags=tags, run_name=tags["mlflow.runName"]
        )
        params = {f"grid/{k}": _text(v) for k, v in (described.get("axes") or {}).items()}
        if described.get("seeds"):
            params["seeds"] = str(described["seeds"])
        params["profile"] = str(doc.get("profile", ""))
        for key, value in params.items():
            self.client.log_param(run.info.run_id, key, value)
        parent = {"run_id": run.info.run_id, "points": 0, "ok": 0, "start": start}
        self._parents[experiment_id] = parent
        return parent

    def _update_parent(self, parent: dict[str, Any], doc: dict[str, Any], end: int) -> None:
        parent["points"] += 1
        parent["ok"] += doc.get("status") == "ok"
        run_id = parent["run_id"]
        self.client.log_metric(run_id, "points", parent["points"], end, 0)
        self.client.log_metric(run_id, "points_ok", parent["ok"], end, 0)
        status = "FINISHED" if parent["ok"] == parent["points"] else "FAILED"
        self.client.set_terminated(run_id, status, end_time=end)


def run_params(doc: dict[str, Any], params_doc: dict[str, Any]) -> dict[str, str]:
    """The parameters the notebook ran with (lists and dicts as JSON), the data fingerprint and the commit."""
    effective = params_doc.get("effective_parameters") or doc.get("parameters") or {}
    params = {_name(k): _text(v) for k, v in sorted(effective.items())}
    git = params_doc.get("git") or {}
    params["data_fingerprint"] = str(doc.get("data_fingerprint") or "")
    params["git_commit"] = str(git.get("commit") or "")
    params["git_dirty"] = _text(git.get("dirty"))
    return params


def run_metrics(doc: dict[str, Any]) -> dict[str, float]:
    """Every finite number of the record (nested ones as ``name/key``), the claims with their intervals,
    the wall time and the timings under ``time/``."""
    metrics: dict[str, float] = {}
    for name, value in (doc.get("metrics") or {}).items():
        _flatten(_name(name), value, metrics)
    for name, claim in (doc.get("claims") or {}).items():
        for key, field in (
            ("model", "model_value"),
            ("baseline", "baseline_value"),
            ("difference", "difference"),
            ("low", "low"),
            ("high", "high"),
        ):
            _flatten(f"claim/{_name(name)}/{key}", claim.get(field), metrics)
    _flatten("time/wall_s", doc.get("wall_time_s"), metrics)
    for name, value in (doc.get("timings") or {}).items():
        _flatten(f"time/{_name(name)}", value, metrics)
    return metrics


def run_tags(doc: dict[str, Any], params_doc: dict[str, Any]) -> dict[str, str]:
    """Who ran what: ids, status, data source, commit, and each claim's verdict and sentence."""
    from .claims import Claim

    git = params_doc.get("git") or {}
    sources = params_doc.get("data_sources") or []
    tags = {
        "livinglab.run_id": str(doc.get("run_id", "")),
        "livinglab.pilot": str(doc.get("pilot", "")),
        "livinglab.design": str(doc.get("design", "")),
        "livinglab.unit": str(doc.get("unit", "")),
        "livinglab.profile": str(doc.get("profile", "")),
        "livinglab.status": str(doc.get("status", "")),
        "livinglab.data_source": ", ".join(str(s.get("dataset") or s.get("origin") or "") for s in sources),
        "mlflow.source.name": ", ".join(doc.get("notebooks") or []),
        "mlflow.source.type": "NOTEBOOK",
    }
    personal = reads_partner_data(params_doc)
    if personal:
        tags["livinglab.artefacts"] = (
            "records and model card only: the notebook and figures of a run on a partner's file show rows "
            "and stay in its run folder"
        )
    if doc.get("error"):
        error = str(doc["error"])
        if personal:  # a check's message quotes the values it refused ("row 5: 'LU28 0019 ...'")
            error = ": ".join(error.split(": ")[:2]) + " (the message, which can quote the data, is in the "
            error += "run folder's metrics.json)"
        tags["livinglab.error"] = error
    if git.get("commit"):
        tags["mlflow.source.git.commit"] = str(git["commit"])
    if doc.get("sweep"):
        tags["livinglab.sweep_id"] = str(doc["sweep"].get("id"))
    sentences = []
    for name, raw in (doc.get("claims") or {}).items():
        tags[f"claim.{_name(name)}.verdict"] = str(raw.get("verdict", ""))
        try:
            sentence = Claim.from_dict(raw).sentence()
        except Exception:  # a record from an older run without every field: the verdict is still there
            continue
        tags[f"claim.{_name(name)}.sentence"] = sentence
        sentences.append(f"- {sentence}")
    title = f"{doc.get('title', '')}: {doc.get('design_title', '')}".strip(": ")
    tags["mlflow.note.content"] = "\n".join([f"**{title}**", "", *sentences])
    return {k: v[:_MAX_TAG] for k, v in tags.items()}


def reads_partner_data(params_doc: dict[str, Any]) -> bool:
    """Whether a run read a partner's own file (the catalogue's datasets are published; a partner's file is
    not): a recorded source of origin ``file``, or (nothing recorded, e.g. it failed first) a ``data_path``
    among its parameters."""
    sources = params_doc.get("data_sources") or []
    if sources:
        return any(s.get("origin") == "file" for s in sources)
    effective = params_doc.get("effective_parameters") or params_doc.get("parameters") or {}
    return bool(str(effective.get("data_path") or "").strip())


def artefacts(folder: Path, doc: dict[str, Any], *, personal: bool = False) -> list[tuple[Path, str]]:
    """(file, artefact folder) pairs: rendered notebook, model card, figures, the two records; with
    ``personal`` (the run read a partner's file) the records and the model card only."""
    found: list[tuple[Path, str]] = []
    if personal:
        return [(folder / name, target) for name, target in _ARTEFACTS.items() if (folder / name).is_file()]
    for notebook in doc.get("notebooks") or []:
        for path in (folder / notebook, (folder / notebook).with_suffix(".html")):
            if path.is_file():
                found.append((path, "notebook"))
    for name, target in _ARTEFACTS.items():
        if (folder / name).is_file():
            found.append((folder / name, target))
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in _FIGURE_SUFFIXES or (path.suffix == ".html" and "map" in path.stem):
            found.append((path, "figures"))
    return found


def _reason(exc: Exception, uri: str) -> str:
    """Why a store could not be used, in a few words, with no password or token of the URI in it."""
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "connection refused" in lowered or "failed to establish a new connection" in lowered:
        text = "connection refused"
    elif "timed out" in lowered or "timeout" in lowered:
        text = "no answer in time"
    elif any(code in text for code in ("401", "403")) or "unauthorized" in lowered:
        text = "the server refused the login"
    elif "name or service not known" in lowered or "nodename nor servname" in lowered:
        text = "unknown host"
    text = text.splitlines()[0]
    text = text if len(text) <= 160 else text[:157] + "..."
    secret = urlsplit(uri).password
    return text.replace(uri, shown(uri)).replace(secret, "***") if secret else text


def _flatten(name: str, value: Any, into: dict[str, float], depth: int = 0) -> None:
    if isinstance(value, bool) or value is None or depth > 3:
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            into[name[:250]] = float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{name}/{_name(str(key))}", item, into, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _flatten(f"{name}/{i}", item, into, depth + 1)


def _name(key: str) -> str:
    """A metric or parameter name MLflow accepts (letters, digits, ``_-. /:``)."""
    return _NAME.sub("_", str(key))


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:_MAX_PARAM]


def _point_name(sweep: dict[str, Any]) -> str:
    point = dict(sweep.get("grid") or {}) | ({"seed": sweep["seed"]} if sweep.get("seed") is not None else {})
    return " ".join(f"{k}={_text(v)}" for k, v in point.items()) or str(sweep.get("id"))


def _millis(stamp: Any) -> int | None:
    try:
        return int(datetime.fromisoformat(str(stamp)).timestamp() * 1000)
    except ValueError:
        return None


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
