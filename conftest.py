"""Test-session environment and fixtures for everything pytest collects (tests/ and pilots/*/tests).

No test touches the network: downloads are refused before any connection is tried. The real public
datasets beside the project (../shared/data) are used as the data mirror when they exist.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent
SHARED_DATA = (PROJECT_ROOT.parent / "shared" / "data").resolve()

os.environ["LIVINGLAB_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
if SHARED_DATA.is_dir():
    os.environ.setdefault("LIVINGLAB_DATA_MIRROR", str(SHARED_DATA))


@pytest.fixture
def shared_data_dir() -> Path:
    """The real public datasets beside the project (../shared/data); skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real-data mirror {SHARED_DATA} is absent; real-data mode is tested only where it exists"
        )
    return SHARED_DATA


@pytest.fixture
def fixture_project(tmp_path, monkeypatch) -> Path:
    """A copy of tests/fixtures/project (two tiny pilots and a one-dataset catalogue) as project root."""
    import shutil

    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures" / "project", root)
    monkeypatch.setenv("LIVINGLAB_ROOT", str(root))
    monkeypatch.setenv("LIVINGLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LIVINGLAB_DATA_MIRROR", raising=False)
    return root


@dataclass
class PilotRun:
    status: str
    metrics: dict
    dir: Path
    error: str | None


class SmokeRuns:
    """Runs a pilot's smoke profile through the runner on first access, once per test session.

    With pytest-xdist the result is shared between workers through a folder they all see, guarded by
    a file lock, so a pilot's smoke run happens once however many test files ask for it.
    """

    def __init__(self, out: Path):
        self.out = out
        self._runs: dict[str, PilotRun] = {}

    def _run(self, pilot: str) -> PilotRun:
        from livinglab.runner import run_pilots

        old_root = os.environ.get("LIVINGLAB_ROOT")
        os.environ["LIVINGLAB_ROOT"] = str(PROJECT_ROOT)
        try:
            run = run_pilots([pilot], profile="smoke", out=self.out, progress=False)
        finally:
            if old_root is None:
                os.environ.pop("LIVINGLAB_ROOT", None)
            else:
                os.environ["LIVINGLAB_ROOT"] = old_root
        result = run.results[0]
        return PilotRun(result.status, result.metrics, result.directory, result.error)

    def __getitem__(self, pilot: str) -> PilotRun:
        if pilot not in self._runs:
            import fcntl
            import json

            self.out.mkdir(parents=True, exist_ok=True)
            done = self.out / f"{pilot}.result.json"
            with (self.out / f"{pilot}.lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if done.exists():
                    doc = json.loads(done.read_text())
                    run = PilotRun(doc["status"], doc["metrics"], Path(doc["dir"]), doc["error"])
                else:
                    run = self._run(pilot)
                    done.write_text(
                        json.dumps(
                            {
                                "status": run.status,
                                "metrics": run.metrics,
                                "dir": str(run.dir),
                                "error": run.error,
                            }
                        )
                    )
            self._runs[pilot] = run
        return self._runs[pilot]


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory) -> SmokeRuns:
    """``smoke_runs["mobility"]``: that pilot run once through the runner with its smoke profile."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return SmokeRuns(shared / "smoke-runs")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When ../shared/data is here, a real-data test may not skip silently: its skip becomes a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and SHARED_DATA.is_dir() and item.get_closest_marker("realdata") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"real-data test skipped although {SHARED_DATA} exists: {reason}"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright's Python client, no browser download; skipped
    where either is missing, except in CI, which must run the browser tests."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (make install)"
    if reason is None and CHROMIUM is None:
        reason = "Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
