"""One way in for data: ``livinglab.load(pilot, design, params)``.

Every pilot's ``run(params)`` starts here. The design's entry in ``pilot.yaml`` says what it needs (its
contract, its synthetic generator, its catalogue dataset); the run's parameters say where the data are:

- ``data_path`` set (``data_mode`` "file"): a partner's file, folder or glob, read once by the shared
  reader (:mod:`livinglab.reader`) with ``read_options`` and mapped with ``columns``;
- ``data_mode`` "real": the design's catalogue dataset (cache, mirror, download with checksum), read by
  the same reader and checked by the same contract, with the mapping the catalogue entry declares;
- ``data_mode`` "synthetic": the design's generator in ``synthetic.py`` (labelled synthetic everywhere);
- ``data_mode`` "auto": real when every file of it is reachable, otherwise synthetic.

``lazy=True`` (a pilot's out-of-core path): a partner's Parquet file, folder or glob becomes a Dask dataframe
read in parts, the contract checked on the first rows at once and applied to every part as it is read
(index: each row's position in the files' order); the source is recorded as for a file read whole.

Whatever the way, the frame is in the contract's names and passed the contract's checks, and the source
(path, sha256, size, rows, columns, time span, encoding, mapping, or the generator) is recorded once,
here. ``data_fingerprint`` names the data exactly: the files' sha256, or a hash of the generated frame.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .catalog import CatalogError, DataSource, DataUnavailable, fetch, get_dataset
from .contract import (
    Applied,
    Contract,
    ContractError,
    effective_data_mode,
    split_read_options,
    text_dtypes,
)
from .pilots import Design, Pilot, get_pilot, parameters_for
from .reader import CONTRACT_OPTIONS, DataFileError, ReadReport, parquet_columns, read_table, read_table_lazy
from .recording import record_source


@dataclass
class Loaded:
    """The data of one run, in the contract's names, with where they came from."""

    frame: pd.DataFrame
    pilot: str
    design: str
    mode: str  # "file" | "real" | "synthetic"
    source: DataSource
    params: dict[str, Any]  # the run's parameters (with what a catalogue file implies, e.g. its time unit)
    contract: Contract | None = None
    notes: list[str] = field(default_factory=list)
    report: ReadReport | None = None
    applied: Applied | None = None

    @property
    def is_synthetic(self) -> bool:
        return self.mode == "synthetic"

    @property
    def label(self) -> str:
        """Short text for metrics and figures: ``synthetic``, ``mirror:sib200`` or ``file:counts.csv``."""
        return self.source.label if self.mode != "file" else f"file:{self.source.dataset}"

    @property
    def dropped(self) -> dict[str, int]:
        """Rows of the file left out, by reason (lines with other field counts, identical rows, combined
        duplicates); the page and the card say them."""
        return dict((self.source.facts or {}).get("dropped_rows") or {})

    @property
    def fingerprint(self) -> str:
        return str((self.source.facts or {}).get("fingerprint", ""))

    @property
    def rows(self) -> int:
        """Rows loaded (a lazy frame's from the files' footers: nothing is read to count them)."""
        counted = (self.source.facts or {}).get("rows")
        return int(counted) if counted is not None else len(self.frame)

    def describe(self) -> str:
        """One sentence on what was loaded."""
        rows = f"{self.rows:,} rows"
        if self.is_synthetic:
            return f"SYNTHETIC data: {rows} made in this run by {self.source.detail}."
        span = (self.source.facts or {}).get("time_span")
        when = f", {span[0]} to {span[1]}" if span else ""
        # the file's own "N rows x M columns" already says it when every row was loaded
        loaded = "" if f"{rows} x " in str(self.source.detail) else f": {rows}"
        return f"{self.source.detail}{loaded}{when} (sha256 {str(self.source.sha256)[:12]}...)."


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """An exact, order-sensitive hash of a frame's values and column names (12 hex digits)."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:12]


def _catalogue(design: Design, *, synthetic: bool = False) -> dict[str, Any]:
    """What the model card says of the design's catalogue dataset; for synthetic data only when the design
    says its generator stands in for that dataset (``real: {stand_in: false}`` says it does not)."""
    if design.real is None or (synthetic and not design.real.stand_in):
        return {}
    try:
        ds = get_dataset(design.real.dataset)
    except CatalogError:
        return {}
    return {
        "identifier": ds.identifier,
        "title": ds.title,
        "publisher": ds.publisher.get("name"),
        "license": ds.license,
        "landing_page": ds.landing_page,
        "citation": ds.citation,
    }


#: Lists longer than this are recorded by their first items and their length (a record's limit)
_LISTED = 200


def _facts(frame: pd.DataFrame, report: ReadReport, applied: Applied, contract: Contract) -> dict[str, Any]:
    columns, file_columns = list(frame.columns), list(report.columns)
    return {
        "path": report.data_path,
        "sha256": report.sha256,
        "fingerprint": report.sha256[:12],
        "size_bytes": report.size_bytes,
        "rows": report.rows - sum(applied.dropped.values()),  # a lazy frame is not counted by reading it
        "rows_in_file": report.rows + sum(report.dropped.values()),
        "dropped_rows": {**report.dropped, **applied.dropped},
        "columns": columns[:_LISTED],
        "n_columns": len(columns),
        "file_columns": file_columns[:_LISTED],
        "n_file_columns": len(file_columns),
        "mapping": applied.mapping,
        "time_span": list(applied.time_span or []) or None,
        "encoding": report.encoding,
        "dialect": report.dialect,
        "contract": contract.name,
        "files": [f.path for f in report.files][:_LISTED],
        "file_sha256": [f.sha256 for f in report.files][:_LISTED],
    }


def _notes(report: ReadReport, applied: Applied) -> list[str]:
    left = [f"{n:,} line(s) left out: {reason}" for reason, n in report.dropped.items()]
    return [*report.notes, *left, *applied.notes]


def read_checked(
    paths: Any,
    contract: Contract,
    columns: dict | None,
    read_options: dict | None,
    params: dict | None = None,
) -> tuple[pd.DataFrame, ReadReport, Applied]:
    """Read file(s) once with the shared reader and apply the contract (the one validation mechanism);
    ``params``: the run's parameters the contract's checks read (value_codes, duplicates, ranges)."""
    split_read_options(read_options)  # a dict, or one sentence
    options = dict(read_options or {})
    t0 = time.perf_counter()
    try:  # ids keep their leading zeros: the contract's text columns are read as text
        frame, report = read_table(
            paths,
            **{k: v for k, v in options.items() if k not in CONTRACT_OPTIONS},
            dtype=text_dtypes(contract, columns),
        )
    except DataFileError as exc:
        raise ContractError(str(exc), exc.fix) from None
    applied = contract.apply(frame, columns, params={**(params or {}), "read_options": options})
    report.notes.append(f"read and checked in {time.perf_counter() - t0:.1f} s")
    return applied.frame, report, applied


def _applied_part(part: pd.DataFrame, contract: Contract, columns: dict | None, params: dict) -> pd.DataFrame:
    """One part of a lazily read file through the contract: the same conversions and sentences as a file
    read whole (rows, distinct values, empty columns and identical rows are matters of the whole file: not
    judged per part)."""
    return contract.apply(part, columns, params=params, sample=True).frame.set_axis(part.index, axis=0)


def read_checked_lazy(
    paths: Any,
    contract: Contract,
    columns: dict | None,
    read_options: dict | None,
    params: dict | None = None,
) -> tuple[Any, ReadReport, Applied]:
    """Parquet read in parts (a Dask dataframe), the contract checked on the first rows now and applied to
    every part as it is read; only the columns the mapping uses are read (all of them when the contract
    keeps extras)."""
    options, _ = split_read_options(read_options)
    text_only = sorted(set(options) - {"missing_values", "date_format"})
    if text_only:
        raise ContractError(
            f"read_options {text_only} apply to text files; Parquet is read as it is (only dayfirst, date_format "
            "and missing_values apply)."
        )
    params = {**(params or {}), "read_options": dict(read_options or {})}
    try:
        names = parquet_columns(paths)
        mapping = contract.resolve_mapping(names, columns)
        wanted = names if contract.extras else list(dict.fromkeys(mapping.values()))
        raw, report = read_table_lazy(paths, columns=wanted, missing_values=options.get("missing_values"))
    except DataFileError as exc:
        raise ContractError(str(exc), exc.fix) from None
    applied = contract.apply(raw.partitions[0].head(5_000, compute=True), columns, params=params, sample=True)
    frame = raw.map_partitions(
        _applied_part, contract, columns, params, meta=applied.frame.iloc[:0], enforce_metadata=False
    )
    applied = Applied(frame, applied.mapping, applied.extra_columns, applied.notes, None, {}, applied.coded)
    report.notes.append("the contract checked on the first rows and applied to every part as it is read")
    return frame, report, applied


def _file(pilot: Pilot, design: Design, params: dict, contract: Contract, *, lazy: bool = False) -> Loaded:
    read = read_checked_lazy if lazy else read_checked
    frame, report, applied = read(
        params["data_path"], contract, params.get("columns"), params.get("read_options"), params
    )
    files = report.files
    name = (
        Path(files[0].path).name
        if len(files) == 1
        else f"{len(files)} files ({Path(files[0].path).name}, ...)"
    )
    facts = _facts(frame, report, applied, contract)
    source = DataSource(
        name, "file", Path(files[0].path), report.sha256, f"{contract.title}: {report.summary()}", facts
    )
    return Loaded(
        frame,
        pilot.name,
        design.name,
        "file",
        source,
        _after_codes(params, applied),
        contract,
        _notes(report, applied),
        report,
        applied,
    )


def _after_codes(params: dict, applied: Applied) -> dict:
    """The run's parameters once the contract applied ``value_codes`` (the pilot must not apply them again)."""
    return {**params, "value_codes": {}} if applied.coded else params


def _real(
    pilot: Pilot, design: Design, params: dict, contract: Contract, *, allow_synthetic: bool
) -> Loaded | None:
    real = design.real
    names = list(real.distributions) or [None]
    found = [fetch(real.dataset, n, allow_synthetic=allow_synthetic, record=False) for n in names]
    if any(s.is_synthetic for s in found):
        return None  # "auto" and a file unreachable: the caller generates
    params = {**params, **real.params}
    frame, report, applied = read_checked(
        [s.path for s in found], contract, real.columns, real.read_options, params
    )
    params = _after_codes(params, applied)
    facts = _facts(frame, report, applied, contract) | {
        "distributions": [s.path.name for s in found],
        "catalogue": _catalogue(design),
    }
    origins = sorted({s.origin for s in found})
    source = DataSource(
        real.dataset, "+".join(origins), found[0].path, report.sha256, report.summary(), facts
    )
    notes = [*_notes(report, applied), f"catalogue dataset {real.dataset} from the {' and '.join(origins)}"]
    return Loaded(frame, pilot.name, design.name, "real", source, params, contract, notes, report, applied)


def _synthetic(pilot: Pilot, design: Design, params: dict, contract: Contract | None) -> Loaded:
    if not design.synthetic:
        raise DataUnavailable(
            f"Pilot {pilot.name} ({design.name}) has no synthetic generator; give -p data_path."
        )
    generate = getattr(pilot.module("synthetic"), design.synthetic)
    frame = generate(params)
    if contract is not None:
        contract.check(frame, f"The synthetic generator {design.synthetic}")
    detail = frame.attrs.get("generator") or (generate.__doc__ or design.synthetic).strip().splitlines()[0]
    facts = {
        "rows": len(frame),
        "columns": list(frame.columns),
        "generator": f"synthetic.{design.synthetic}",
        "fingerprint": frame_fingerprint(frame),
        "catalogue": _catalogue(design, synthetic=True),
    }
    source = DataSource(f"{pilot.name}-{design.name}-synthetic", "synthetic", None, None, detail, facts)
    return Loaded(frame, pilot.name, design.name, "synthetic", source, params, contract, [])


def check_with_pilot(pilot: Pilot, contract: Contract | None, frame: Any, params: dict) -> None:
    """The pilot's own checks of a whole file in its contract's names (``check_data(contract_name, frame,
    params)`` in its contract module, e.g. the days a file of counts covers), made before any kernel starts;
    the pilot's code makes them again in the kernel, with the same sentence (a file too big to check whole
    here)."""
    module = pilot.contract_module() if contract is not None else None
    hook = getattr(module, "check_data", None) if module is not None else None
    if hook is not None and isinstance(frame, pd.DataFrame):
        hook(contract.name, frame, params)


def load(
    pilot: str | Pilot,
    design: str | None = None,
    params: Any = None,
    *,
    record: bool = True,
    lazy: bool = False,
) -> Loaded:
    """The data of a run of ``pilot``'s ``design`` with ``params`` (a dict, or a notebook's ``globals()``;
    the notebook's defaults fill what is not given). Raises ``ContractError`` (a file that does not fit,
    with the fix) or ``DataUnavailable`` (real data that cannot be found, with what to do).

    ``lazy``: a partner's Parquet input (data_mode "file") as a Dask dataframe read in parts (see the module
    docstring); other modes and formats are read whole, as without it."""
    pilot = get_pilot(pilot) if isinstance(pilot, str) else pilot
    spec = pilot.design(design)
    params = parameters_for(pilot, spec.name, params)
    contract = pilot.contract_of(spec)
    mode = effective_data_mode(str(params.get("data_mode", "synthetic")), str(params.get("data_path") or ""))
    if mode in ("real", "auto") and spec.real is None:
        if mode == "real":
            raise DataUnavailable(
                f"Pilot {pilot.name} ({spec.name}) has no catalogue dataset for data_mode 'real'; give your "
                "file with -p data_path (see `livinglab inspect`)."
            )
        mode = "synthetic"
    if mode == "file":
        if contract is None:
            raise ContractError(
                f"Pilot {pilot.name} publishes no data contract, so it cannot read a partner's file."
            )
        loaded = _file(pilot, spec, params, contract, lazy=lazy)
    elif mode in ("real", "auto"):
        loaded = _real(pilot, spec, params, contract, allow_synthetic=mode == "auto")
        loaded = loaded or _synthetic(pilot, spec, params, contract)
    else:
        loaded = _synthetic(pilot, spec, params, contract)
    if record:
        source = loaded.source
        record_source(
            source.dataset,
            source.origin,
            path=str(source.path) if source.path else None,
            sha256=source.sha256,
            synthetic=source.is_synthetic,
            detail=source.detail,
            **{k: v for k, v in (source.facts or {}).items() if k not in ("path", "sha256")},
        )
    return loaded
