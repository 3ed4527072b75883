"""Bad or odd partner files, generated here (``bad_files.py``): each refused with one sentence before any
kernel starts, naming the column and a fix that works as printed, or read as it should be; earlier runs,
``latest`` and the index untouched. Then runs that end badly: SIGTERM, SIGKILL, a full disk, two processes
rebuilding one index."""

from __future__ import annotations

import errno
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_files import CASES, KEY, printed_command, printed_fixes

import livinglab
import livinglab.runner
from livinglab.cli import main
from livinglab.contract import ContractError
from livinglab.report import update_latest, write_index


class KernelWouldStart(Exception):
    """Raised where the runner would start the first kernel: every check before it passed."""


@pytest.fixture
def no_kernel(monkeypatch):
    def stop(*args, **kwargs):
        raise KernelWouldStart

    monkeypatch.setattr(livinglab.runner, "_run_here", stop)
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)


def _earlier_run(out: Path) -> None:
    """A finished run, ``latest/<unit>`` linking it, and the index: what a bad file must leave as it is."""
    unit = out / "20240101T000000Z-0000" / "fintech-ledger"
    unit.mkdir(parents=True)
    record = {"run_id": unit.parent.name, "pilot": "fintech", "unit": "fintech-ledger", "status": "ok"}
    record |= {"started": "2024-01-01T00:00:00+00:00", "wall_time_s": 1.0, "metrics": {"rows": 400}}
    (unit / "metrics.json").write_text(json.dumps(record))
    update_latest(out)
    write_index(out)


def _state(out: Path) -> dict[str, bytes | str]:
    files = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return {**files, **{f"latest/{p.name} ->": os.readlink(p) for p in (out / "latest").iterdir()}}


def _run(argv: list[str], capsys) -> tuple[int | str, str]:
    try:
        code: int | str = main(argv)
    except KernelWouldStart:
        code = "kernel"
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_file_is_refused_before_any_kernel_with_a_fix_that_works(case, tmp_path, no_kernel, capsys):
    out = tmp_path / "runs"
    _earlier_run(out)
    before = _state(out)
    path = case.make(tmp_path)
    t0 = time.perf_counter()
    code, err = _run(case.argv(path, out), capsys)
    seconds = time.perf_counter() - t0
    if not case.refused:  # an odd file read as it should be: every check passes
        assert code == "kernel", err
        return
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livinglab: ") and lines[0].endswith("."), err
    for words in case.words:
        assert words in lines[0], lines[0]
    assert "Traceback" not in err and seconds < 30  # seconds; generous for a loaded machine (see the table)
    assert _state(out) == before  # earlier runs, latest and the index untouched
    # every fix the sentence prints, run as printed, gets past that sentence
    fixes = printed_fixes(lines[0])
    if case.together:
        fixes = [{k: v for fix in fixes for k, v in fix.items()}]
    for i, fix in enumerate(fixes):
        again, said = _run(case.argv(path, tmp_path / f"fixed{i}", fix), capsys)
        assert again == "kernel" or case.words[0] not in said, (fix, said)
    command = printed_command(lines[0])
    if command:  # a shell command (cut a file at its last good line): run it where the file is
        subprocess.run(command, shell=True, cwd=path.parent, check=True)
        fixed = path.parent / shlex.split(command)[-1]
        assert _run(case.argv(fixed, tmp_path / "fixed"), capsys)[0] == "kernel"


@pytest.mark.parametrize("case", [c for c in CASES if c.inspect], ids=lambda c: c.name)
def test_inspect_prints_a_command_that_runs(case, tmp_path, no_kernel, capsys):
    path = case.make(tmp_path)
    assert main(["inspect", case.inspect, str(path)]) == 0
    printed = capsys.readouterr().out
    command = printed.split("Run it with:\n", 1)[1].strip().splitlines()[0]
    argv = shlex.split(command)
    assert argv[:2] == ["livinglab", "run"] and "<" not in command  # no placeholder to replace
    assert _run([*argv[1:], "--out", str(tmp_path / "runs")], capsys)[0] == "kernel"
    if case.name.startswith("a transaction type"):
        assert '"label"' not in command  # CASH_OUT/PAYMENT are no fraud labels
    if case.name.startswith("labelled requests"):
        assert "model_path" not in command and '"label": "service"' in command


def test_duplicates_are_rows_identical_in_every_column_of_the_file(tmp_path, no_kernel):
    """Rows equal in the mapped columns but not in another are kept; rows equal in every column are
    dropped and counted, for the page and the card."""
    from bad_files import _identical_only_in_mapped_columns, ledger

    path = _identical_only_in_mapped_columns(tmp_path)
    loaded = livinglab.load("fintech", "ledger", {"data_path": str(path)}, record=False)
    assert loaded.dropped == {} and len(loaded.frame) == 420
    from pilots.fintech.data import ledger_frame  # the page's notes: no duplicate the file does not hold

    rows = ledger_frame(loaded.frame)
    assert len(rows.frame) == 420 and not [n for n in rows.notes if "duplicate rows" in n and "dropped" in n]
    twice = tmp_path / "twice.csv"
    frame = ledger()
    frame.iloc[list(range(400)) + [7, 8, 9]].to_csv(twice, index=False)
    loaded = livinglab.load("fintech", "ledger", {"data_path": str(twice)}, record=False)
    assert loaded.dropped == {"identical to an earlier row in every column": 3} and len(loaded.frame) == 400
    assert "3 row(s) left out: identical to an earlier row in every column" in loaded.notes
    assert (
        loaded.source.facts["dropped_rows"] == loaded.dropped and loaded.source.facts["rows_in_file"] == 403
    )


def test_a_file_too_big_to_check_whole_gets_the_same_sentence_in_the_pilot(
    tmp_path, no_kernel, capsys, monkeypatch
):
    """Bigger than what reads in seconds: its first 4 MiB are checked before the kernel, the rest as the
    pilot reads it, with the sentence the whole-file check gives."""
    from bad_files import _bad_value_beyond_4_mib

    import livinglab.contract

    path = _bad_value_beyond_4_mib(tmp_path)
    with pytest.raises(ContractError) as whole:
        livinglab.contract.check_file(
            str(path),
            None,
            livinglab.pilots.get_pilot("mobility").contract_of(
                livinglab.pilots.get_pilot("mobility").design("counts")
            ),
            None,
            {},
        )
    monkeypatch.setattr(livinglab.contract, "WHOLE_FILE_BYTES", 1 << 20)  # now "too big"
    code, err = _run(
        ["run", "mobility", "--out", str(tmp_path / "runs"), "-p", "data_path", str(path)], capsys
    )
    assert code == "kernel", err  # the bad value lies beyond the sample
    with pytest.raises(ContractError) as in_pilot:
        livinglab.load("mobility", "counts", {"data_path": str(path)}, record=False)
    assert str(in_pilot.value) == str(whole.value) and "row 215999: '??'" in str(whole.value)


def test_a_wide_file_read_as_asked_is_recorded(tmp_path, monkeypatch):
    """10,001 columns with -p read_options max_columns: no warning storm, and the record lists the first
    columns and says how many there are (a record holds lists of at most 200)."""
    import warnings

    from bad_files import _wide

    from livinglab.recording import METRICS_ENV, read_metrics_file

    path = _wide(tmp_path)
    log = tmp_path / "recorded.jsonl"
    monkeypatch.setenv(METRICS_ENV, str(log))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fragmented frame warned once a column
        loaded = livinglab.load(
            "fintech",
            "features",
            {"data_path": str(path), "columns": {"label": "Class"}, "read_options": {"max_columns": 10001}},
        )
    assert loaded.frame.shape == (300, 10_001)
    (source,) = read_metrics_file(log).sources
    assert source["n_columns"] == 10_001 and len(source["columns"]) == 200


# ----------------------------------------------------------------------------- runs that end badly
def _slow(fixture_project: Path) -> None:
    import nbformat

    source = fixture_project / "pilots" / "alpha"
    target = fixture_project / "pilots" / "slow"
    target.mkdir()
    (target / "__init__.py").write_text("")
    nb = nbformat.read(source / "alpha.ipynb", as_version=4)
    nb.cells[2].source = "import time\n\nimport livinglab\n\nlivinglab.record('started', 1)\ntime.sleep(120)"
    nb.cells = nb.cells[:3]
    nbformat.write(nb, target / "slow.ipynb")
    (target / "pilot.yaml").write_text(
        "title: Slow fixture\nnotebooks: [slow.ipynb]\nprofiles: {smoke: {}}\n"
    )


def _start_slow(out: Path) -> subprocess.Popen:
    cli = Path(sys.executable).with_name("livinglab")
    proc = subprocess.Popen(
        [str(cli), "run", "slow", "alpha", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/slow/.recorded.jsonl")):
        time.sleep(0.2)
    time.sleep(1)
    return proc


def test_sigterm_is_handled_like_ctrl_c(fixture_project, tmp_path):
    import signal

    _slow(fixture_project)
    out = tmp_path / "runs"
    proc = _start_slow(out)
    proc.send_signal(signal.SIGTERM)  # the runner only, as a scheduler stops a job
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("[")]
    assert len(lines) == 1 and "interrupted during slow" in lines[0] and "Traceback" not in err, err
    runs = {r["pilot"]: r for r in json.loads((out / "index.json").read_text())["runs"]}
    assert runs["slow"]["status"] == "interrupted" and "SIGTERM" in runs["slow"]["error"]
    assert runs["alpha"]["status"] == "interrupted" and "not started" in runs["alpha"]["error"]
    assert not (out / "latest").exists()


def test_a_run_killed_outright_is_found_and_marked_interrupted_by_the_next_run(fixture_project, tmp_path):
    import signal

    _slow(fixture_project)
    out = tmp_path / "runs"
    proc = _start_slow(out)
    while_running = json.loads((out / "index.json").read_text())  # written before the first unit ran
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernel: nothing gets to write anything
    proc.communicate(timeout=30)
    killed = next(out.glob("*/slow")).parent.name
    assert not (out / killed / "slow" / "metrics.json").exists()
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 0
    runs = json.loads((out / "index.json").read_text())["runs"]
    mine = {r["pilot"]: r for r in runs if r["run_id"] == killed}
    assert {p: r["status"] for p, r in mine.items()} == {"slow": "interrupted", "alpha": "interrupted"}
    assert "found by a later run" in mine["slow"]["error"]
    assert {r["pilot"]: r["status"] for r in while_running["runs"]} == {"slow": "running", "alpha": "running"}


def test_a_full_disk_gives_one_sentence_and_no_half_written_result(
    fixture_project, tmp_path, capsys, monkeypatch
):
    import livinglab.execute

    out = tmp_path / "runs"
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 0
    good = os.readlink(out / "latest" / "alpha")  # ../<run id>/alpha
    capsys.readouterr()

    def full(pilot, notebook, executed, *args, **kwargs):
        executed.write_text('{"cells": [{"cell_type": "co')  # a notebook cut off mid-write
        (executed.parent / "model.joblib").write_bytes(b"\x80\x04 half a model")
        raise OSError(errno.ENOSPC, "No space left on device", str(executed))

    monkeypatch.setattr(livinglab.execute, "_execute", full)
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    said = [ln for ln in err.splitlines() if ln.startswith("livinglab:")]
    assert (
        len(said) == 1 and "the disk is full (No space left on device)" in said[0] and "Traceback" not in err
    )
    assert "half-written file(s) were removed" in said[0] and "free some space" in said[0]
    failed = [d for d in out.glob("*/alpha") if d.parent.name not in (Path(good).parent.name, "latest")]
    assert sorted(p.name for p in failed[0].iterdir() if not p.name.startswith(".")) == ["metrics.json"]
    assert json.loads((failed[0] / "metrics.json").read_text())["status"] == "failed"
    assert os.readlink(out / "latest" / "alpha") == good  # the half-written run is no result
    statuses = sorted(r["status"] for r in json.loads((out / "index.json").read_text())["runs"])
    assert statuses == ["failed", "ok"]


def test_a_full_disk_while_writing_the_record_keeps_no_partial_file(
    fixture_project, tmp_path, capsys, monkeypatch
):
    import livinglab.execute

    original = livinglab.execute.write_atomically

    def full(target, text):
        if target.name == "params.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return original(target, text)

    monkeypatch.setattr(livinglab.execute, "write_atomically", full)
    out = tmp_path / "runs"
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 1
    said = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("livinglab:")]
    assert len(said) == 1 and "while alpha was writing params.json" in said[0]
    unit = next(out.glob("*/alpha"))
    assert not list(unit.glob("*.tmp")) and not list(unit.glob(".*.tmp"))
    assert [p.name for p in unit.iterdir() if not p.name.startswith(".")] == ["metrics.json"]


_REBUILD = """
import sys
from pathlib import Path
from livinglab.report import update_latest, write_index
for _ in range(int(sys.argv[2])):
    write_index(Path(sys.argv[1]))
"""


def test_two_processes_rebuilding_one_index_1200_times(tmp_path):
    """Unique temporary names and a lock: no crash, and the index is whole at the end."""
    out = tmp_path / "runs"
    _earlier_run(out)
    procs = [
        subprocess.Popen([sys.executable, "-c", _REBUILD, str(out), "600"], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=900)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    runs = json.loads((out / "index.json").read_text())["runs"]
    assert [r["run_id"] for r in runs] == ["20240101T000000Z-0000"]
    assert (out / "index.html").read_text().rstrip().endswith("</html>")
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_odd_files_read_as_they_should_be_say_what_was_changed(tmp_path, no_kernel):
    """The accepted odd files: the page's notes say how they were read, and nothing is read wrongly (dates
    of a second system's day-first export appended to ISO dates: each read in its own order)."""
    import pandas as pd
    from bad_files import _csv_named_xlsx, _mixed_dates, ledger

    loaded = livinglab.load(
        "fintech", "features", {"data_path": str(_csv_named_xlsx(tmp_path)), "columns": {"label": "Class"}}
    )
    assert "read as csv by the content (the name ends in .xlsx)" in loaded.notes
    loaded = livinglab.load("fintech", "ledger", {"data_path": str(_mixed_dates(tmp_path))}, record=False)
    written = pd.to_datetime(ledger()["timestamp"]).dt.floor("min")  # the day-first export has no seconds
    assert loaded.frame["timestamp"].dt.floor("min").tolist() == written.tolist()
    assert (
        "timestamp: parsed as day first (dd.mm.yyyy), and 250 value(s) written year first (2024-01-02) as "
        "year, month, day" in loaded.notes
    )


def test_the_health_page_lists_lines_left_out_by_the_reader(tmp_path, no_kernel):
    """A line skipped by bad_lines and a title line: said among the notes the health pages show."""
    from bad_files import cohort

    from pilots.health.run import _mapping_notes

    path = tmp_path / "cohort.csv"
    lines = cohort().to_csv(index=False).splitlines(keepends=True)
    lines[7] = lines[7].rsplit(",", 2)[0] + "\n"  # age and sex missing
    path.write_text("Cohort export, December\n" + "".join(lines))  # a comma: 2 fields, still a title
    params = {"data_path": str(path), "read_options": {"bad_lines": "skip"}}
    notes = _mapping_notes(livinglab.load("health", "longitudinal", params, record=False))
    assert any(n.startswith("1 line(s) left out: ") for n in notes), notes
    assert any("title line(s) above the header skipped" in n for n in notes), notes
    assert not any(n.startswith("read and checked in") for n in notes)
