"""What a request may hand in, checked before any kernel starts: a pseudonymisation key must be a key in
every mode that can read personal data (real, file, and auto when its real dataset is at hand);
``livinglab inspect`` shows values only from files it recognises as a table; a partner's file outside the
project, the data mirror and the caller's folder is named in full in the run record."""

from __future__ import annotations

import json

import pytest

from livinglab.cli import main

WEAK = "k" * 16  # what the issue reproduced: 16 identical characters
GOOD = "a-test-key-that-is-long-enough"
AMOUNTS = "date,value\n2024-01-01,1.5\n2024-01-02,2.5\n"


def _partner(folder):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "amounts.csv"
    path.write_text("day,amount\n2024-01-01,3\n2024-01-02,4\n")
    return path


@pytest.mark.parametrize("mode", ["file", "real", "auto"])
def test_a_weak_key_is_refused_before_any_kernel_in_every_mode_that_reads_personal_data(
    fixture_project, tmp_path, monkeypatch, capsys, mode
):
    mirror = tmp_path / "mirror"
    (mirror / "fixture").mkdir(parents=True)
    (mirror / "fixture" / "amounts.csv").write_text(AMOUNTS)
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(mirror))  # auto: the real dataset is at hand
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", WEAK)
    request = ["-p", "data_path", str(_partner(tmp_path))] if mode == "file" else ["-p", "data_mode", mode]
    out = tmp_path / "runs"
    assert main(["run", "gamma", *request, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "LIVINGLAB_PSEUDONYM_KEY is not a usable pseudonymisation key" in err and "token_hex" in err
    assert err.count("\n") == 1 and not list(out.glob("*/gamma"))  # one sentence, no kernel, no run
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", GOOD)
    assert main(["run", "gamma", *request, "--out", str(out)]) == 0


def test_synthetic_runs_and_auto_without_real_data_do_not_check_the_key(
    fixture_project, tmp_path, monkeypatch
):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", WEAK)
    out = tmp_path / "runs"
    assert main(["run", "gamma", "--out", str(out)]) == 0  # synthetic: no personal data
    assert main(["run", "gamma", "-p", "data_mode", "auto", "--out", str(out)]) == 0  # no mirror: synthetic


def test_inspect_refuses_a_file_that_is_not_a_table_without_printing_it(fixture_project, tmp_path, capsys):
    secret = "root:x:0:0:the-first-line-of-a-password-file:/root:/bin/bash\n"
    passwd = tmp_path / "passwd"
    passwd.write_text(secret * 3)
    binary = tmp_path / "dump.csv"
    binary.write_bytes(b"a,b\n\x00\x01secret-bytes,2\n")
    for path in (passwd, binary):
        assert main(["inspect", "gamma", str(path), "--read-options", '{"sep": ":"}']) == 2
        captured = capsys.readouterr()
        assert "is not a file livinglab recognises as a table" in captured.err and captured.out == ""
        assert "the-first-line" not in captured.err + captured.out and "secret-bytes" not in captured.err
    assert main(["inspect", "gamma", str(tmp_path)]) == 2  # a folder holding one: refused too
    assert "recognises as a table" in capsys.readouterr().err
    assert main(["inspect", "gamma", str(_partner(tmp_path / "ok"))]) == 0
    assert "fits with columns" in capsys.readouterr().out


def test_a_data_path_outside_the_project_and_this_folder_is_named_in_full(
    fixture_project, tmp_path, monkeypatch, capsys
):
    outside = _partner(tmp_path / "elsewhere")
    here = tmp_path / "work" / "sub"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    relative = "../../elsewhere/../elsewhere/amounts.csv"  # typed from here, with detours
    out = tmp_path / "runs"
    assert main(["run", "gamma", "-p", "data_path", relative, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"data_path {outside} is outside the project, the data mirror and this folder" in err
    params = out / "latest" / "gamma" / "params.json"
    doc = json.loads(params.read_text())
    assert doc["parameters"]["data_path"] == str(outside)  # resolved: no "..", the file itself
    assert doc["data_sources"][0]["path"] == str(outside)
    inside = _partner(here / "data")
    assert main(["run", "gamma", "-p", "data_path", "data/amounts.csv", "--out", str(out)]) == 0
    assert "is outside the project" not in capsys.readouterr().err and inside.is_file()


def test_a_run_that_reads_a_partners_file_is_readable_by_its_user_only(
    fixture_project, tmp_path, monkeypatch
):
    """The executed notebook, figures and records of real or partner data are not for the other users of a
    shared machine, whatever the umask; a synthetic run keeps the umask's permissions."""
    import os
    import stat

    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", GOOD)
    out = tmp_path / "runs"
    old = os.umask(0o022)
    try:
        assert main(["run", "gamma", "-p", "data_path", str(_partner(tmp_path)), "--out", str(out)]) == 0
        partner = (out / "latest" / "gamma").resolve().parent
        assert main(["run", "gamma", "--out", str(out)]) == 0
        synthetic = (out / "latest" / "gamma").resolve().parent
    finally:
        os.umask(old)
    assert stat.S_IMODE(partner.stat().st_mode) == 0o700
    assert stat.S_IMODE(synthetic.stat().st_mode) == 0o755


def test_the_output_folder_check_never_writes_through_a_planted_link(fixture_project, tmp_path):
    """``--out`` in a folder other users can write to: a link planted at the name the write check would use
    (it held the process id) does not make the check write to the file it points to."""
    import os

    from livinglab.runner import _check_writable

    out = tmp_path / "shared-runs"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / f".write-test-{os.getpid()}").symlink_to(victim)
    _check_writable(out)
    assert victim.read_text() == "precious"


def test_a_parameter_nested_thousands_deep_is_one_sentence(fixture_project, tmp_path, capsys):
    """``-p NAME [[[[...]]]]`` (or ``--read-options``) deeper than Python's recursion: exit 2, one sentence."""
    deep = "[" * 20_000 + "]" * 20_000
    assert main(["run", "gamma", "-p", "columns", deep, "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "is nested too deeply to read" in err and err.count("\n") == 1
    assert main(["inspect", "gamma", str(_partner(tmp_path)), "--read-options", deep]) == 2
    assert "is nested too deeply to read" in capsys.readouterr().err


def test_a_project_folder_another_user_made_above_the_working_directory_is_not_taken(tmp_path, monkeypatch):
    """``/tmp/pyproject.toml``, ``/tmp/pilots/`` and ``/tmp/data/`` planted by another user: whoever runs
    livinglab in ``/tmp/mywork`` would run that user's pilot code (the runner imports a pilot's modules).
    As git does with a repository, a folder of another owner is not the project."""
    import os

    from livinglab import paths

    shared = tmp_path / "shared-tmp"
    (shared / "pilots" / "evil").mkdir(parents=True)
    (shared / "data").mkdir()
    (shared / "pyproject.toml").write_text("[project]\nname = 'planted'\n")
    (shared / "mywork").mkdir()
    monkeypatch.delenv("LIVINGLAB_ROOT", raising=False)
    monkeypatch.chdir(shared / "mywork")
    assert paths.project_root() == shared.resolve()  # made by this user: the project
    me = os.getuid()
    monkeypatch.setattr(paths.os, "getuid", lambda: me + 1)  # the same folder, seen by another user
    assert paths.project_root() != shared.resolve()


def test_inspect_shows_a_files_escape_sequences_instead_of_sending_them_to_the_terminal(
    fixture_project, tmp_path, capsys
):
    """A partner's column names and values with terminal escape sequences (retitle the window, write the
    clipboard, erase the lines above): printed as text (``\\x1b``), never as the control characters."""
    path = tmp_path / "amounts.csv"
    path.write_text(
        "day,amount\x1b]0;PWNED\x07\n2024-01-01,3\n2024-01-02\x1b]52;c;ZWNobyBoaQ==\x07\x1b[1A\x1b[2K,4\n"
    )
    main(["inspect", "gamma", str(path)])
    shown = capsys.readouterr()
    printed = shown.out + shown.err
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b]0;PWNED\\x07" in printed
    assert main(["inspect", "gamma", str(tmp_path / "missing\x1b[2J.csv")]) == 2
    assert "\x1b" not in capsys.readouterr().err


def test_the_runs_log_lines_show_control_characters_as_text(capsys):
    """A unit's error (which can quote a partner's column name) is logged with its escape sequences shown."""
    from livinglab.execute import log

    log("[1/1] gamma: failed: KeyError: 'amount\x1b]0;PWNED\x07\x1b[1A\x1b[2K'")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b]0;PWNED\\x07" in err


def test_a_module_in_the_pilot_folder_does_not_shadow_a_library_in_the_kernel(fixture_project, tmp_path):
    """The kernel runs in the pilot folder; that folder is not first on sys.path, so a pilot's own
    ``distributed/`` (fintech's) or a stray ``json.py`` there is not imported for the library of that name
    (fintech's engine dask failed with "cannot import name 'LocalCluster' from 'distributed'")."""
    import nbformat

    folder = fixture_project / "pilots" / "gamma"
    (folder / "shadow_probe.py").write_text("PLANTED = True\n")
    nb = nbformat.read(folder / "gamma.ipynb", as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import importlib.util, os\n"
            "livinglab.record('cwd_is_pilot', os.getcwd().endswith('gamma'))\n"
            "livinglab.record('shadowed', importlib.util.find_spec('shadow_probe') is not None)"
        )
    )
    nbformat.write(nb, folder / "gamma.ipynb")
    out = tmp_path / "runs"
    assert main(["run", "gamma", "--out", str(out)]) == 0
    metrics = json.loads(next(out.glob("*/gamma/metrics.json")).read_text())["metrics"]
    assert metrics["cwd_is_pilot"] is True and metrics["shadowed"] is False
