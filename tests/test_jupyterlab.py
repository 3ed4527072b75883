"""The JupyterLab loop: open a pilot notebook, run it, save it, and git still says nothing changed.

The notebook filter (``make hooks``: nbstripout with the kernel's details added) strips what a run and a save
add (outputs, execution counts, ``metadata.language_info``'s version and friends), so ``git status`` and the
runner's own dirty check (:func:`livinglab.execute.git_state`) report a change only when a cell's source
changed. ``make lab`` makes the project's kernel the default for new notebooks (``etc/jupyter``).

After a save, JupyterLab's post-save hook (``etc/jupyter/jupyter_server_config.py``) refreshes git's record of
a notebook whose content git already has: ``git status`` otherwise reports a file whose size changed.

The browser test works in a clone of this checkout (its committed state), set up with ``make hooks`` as a
fresh clone is, and runs the health pilot's case-control notebook top to bottom in JupyterLab on loopback
with a token, in headless Chromium.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from livinglab.execute import KERNEL_NAME, ensure_kernel, git_state
from livinglab.paths import project_root

ROOT = project_root()
NOTEBOOK = "pilots/health/case_control.ipynb"  # a pilot notebook that runs in well under a minute
KERNEL_DETAILS = {  # what a kernel writes into the notebook's metadata on every save
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}

pytestmark = pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _clone(tmp_path: Path) -> Path:
    """This checkout's committed state, with the notebook filter set up by `make hooks` as in a new clone."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True, timeout=120)
    subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(repo), "hooks", f"VENV={sys.prefix}"],
        check=True,
        timeout=60,
    )
    _git(repo, "config", "user.name", "t")
    _git(repo, "config", "user.email", "t@example.org")
    return repo


def _as_a_kernel_saves_it(path: Path, marker: str = "ran") -> None:
    """Outputs, counts, cell timing metadata and the kernel's language_info, as a run and a save add them."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"]["language_info"] = dict(KERNEL_DETAILS)
    for count, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = count + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"{marker}\n"]}]
        cell["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00.000Z"}
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _shipped_config():
    """etc/jupyter/jupyter_server_config.py as Jupyter loads it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "etc" / "jupyter")).load_config()


class _Contents:  # the part of Jupyter's contents manager the save hook uses
    class log:
        warnings: list[str] = []

        @classmethod
        def warning(cls, message, *args):
            cls.warnings.append(message % args)


def _saved(path: Path) -> None:
    """What JupyterLab's save runs after writing the file: the shipped post-save hook."""
    hook = _shipped_config().ContentsManager.post_save_hook
    hook(model={"type": "notebook", "path": path.name}, os_path=str(path), contents_manager=_Contents())


def test_a_run_and_save_leaves_git_and_the_runner_clean_until_a_source_changes(tmp_path):
    repo = _clone(tmp_path)
    notebook = repo / NOTEBOOK
    commit = _git(repo, "rev-parse", "HEAD").strip()
    _as_a_kernel_saves_it(notebook)
    assert git_state(repo) == {"commit": commit, "dirty": False}  # the runner compares contents after filters
    _saved(notebook)
    assert _git(repo, "status", "--porcelain") == ""  # git too, once the save hook refreshed its record
    assert _git(repo, "diff", "--cached", "--name-only") == ""  # nothing staged

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["source"] = "".join(cell["source"]) + "\nseed = 1"
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    _saved(notebook)
    assert _git(repo, "status", "--porcelain").strip() == f"M {NOTEBOOK}"  # a changed source stays unstaged
    assert git_state(repo)["dirty"] is True

    _git(repo, "checkout", "--", NOTEBOOK)
    (repo / "README.md").write_text("changed\n", encoding="utf-8")  # another file: dirty at once
    assert git_state(repo)["dirty"] is True
    new = repo / "pilots" / "health" / "mine.ipynb"
    shutil.copy(notebook, new)
    _saved(new)  # a notebook git does not track is not added by a save
    assert "?? pilots/health/mine.ipynb" in _git(repo, "status", "--porcelain")


def test_make_lab_makes_the_project_kernel_the_default_for_new_notebooks():
    assert _shipped_config().MappingKernelManager.default_kernel_name == KERNEL_NAME
    dry = subprocess.run(
        ["make", "-n", "-s", "-C", str(ROOT), "lab"], capture_output=True, text=True, timeout=60
    )
    command = next(line for line in dry.stdout.replace("\\\n", " ").splitlines() if " lab " in line)
    assert f"JUPYTER_CONFIG_PATH={ROOT}/etc/jupyter" in command and "--ip=127.0.0.1" in command


# ----------------------------------------------------------------------------------------- in a browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, path: str, token: str) -> dict:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on loopback with a token, on a clone, with the configuration `make lab` gives it."""
    repo = _clone(tmp_path)
    ensure_kernel()
    token, port = secrets.token_hex(16), _free_port()
    jupyter = tmp_path / "jupyter"
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "IPYTHONDIR": str(jupyter / "ipython"),
        "JUPYTER_CONFIG_PATH": str(ROOT / "etc" / "jupyter"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_TOKEN": token,
        "LIVINGLAB_OFFLINE": "1",
        # the kernel imports the clone's code (this environment's editable install points at this checkout)
        "PYTHONPATH": os.pathsep.join([str(repo), str(repo / "shared")]),
    }
    (jupyter / "ipython").mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={repo}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            _api(base, "/api/status", token)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    try:
        yield {"base": base, "token": token, "repo": repo, "log": tmp_path / "lab.log"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _wait_for_an_idle_kernel(base: str, token: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sessions = _api(base, "/api/sessions", token)
        if any(s["path"] == NOTEBOOK and s["kernel"]["execution_state"] == "idle" for s in sessions):
            assert {s["kernel"]["name"] for s in sessions} == {KERNEL_NAME}
            return
        time.sleep(0.5)
    raise AssertionError(f"no idle kernel for {NOTEBOOK} after {timeout_s} s; sessions: {sessions}")


def _wait_until_the_kernel_is_done(base: str, token: str, timeout_s: float) -> None:
    """Busy (the run started), then idle for a few seconds in a row (it ended, or stopped at an error)."""
    deadline, seen_busy, idle_since = time.monotonic() + timeout_s, False, None
    while time.monotonic() < deadline:
        states = {s["kernel"]["execution_state"] for s in _api(base, "/api/sessions", token)}
        seen_busy |= "busy" in states
        idle_since = (idle_since or time.monotonic()) if seen_busy and states == {"idle"} else None
        if idle_since is not None and time.monotonic() - idle_since > 5:
            return
        time.sleep(0.5)
    raise AssertionError(f"the notebook was still running after {timeout_s} s")


def test_open_run_save_in_jupyterlab_leaves_git_clean(browser, lab, tmp_path):
    base, token, repo = lab["base"], lab["token"], lab["repo"]
    specs = _api(base, "/api/kernelspecs", token)
    assert specs["default"] == KERNEL_NAME and KERNEL_NAME in specs["kernelspecs"]

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith((base, "data:", "blob:")) else None
        ),
    )
    try:
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        _wait_for_an_idle_kernel(base, token, timeout_s=120)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item").get_by_text("Run All Cells", exact=True).click()
        _wait_until_the_kernel_is_done(base, token, timeout_s=420)
        page.locator(".jp-Notebook").first.click()
        page.wait_for_selector(".lm-TabBar-tab.jp-mod-dirty", timeout=30_000)  # the run changed it
        page.keyboard.press("Control+s")
        # the save is done when the server answered (after its post-save hook): the tab is clean again
        page.wait_for_selector(".lm-TabBar-tab.jp-mod-dirty", state="detached", timeout=120_000)
        nb = json.loads((repo / NOTEBOOK).read_text(encoding="utf-8"))
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        raise
    finally:
        page.close()
    # the run and the save did happen: outputs, counts and the kernel's details are in the file
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    errors = [
        f"{o['ename']}: {o['evalue']}" for c in code for o in c["outputs"] if o["output_type"] == "error"
    ]
    assert not errors
    assert all(c["execution_count"] for c in code) and any(c["outputs"] for c in code)
    assert nb["metadata"]["language_info"]["version"] and nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    # ... and git, and the runner's dirty check, see no change
    assert _git(repo, "status", "--porcelain") == ""
    assert git_state(repo)["dirty"] is False
    assert not outside, f"requests that left the machine: {outside[:5]}"
