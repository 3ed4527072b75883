"""``make mutate``: mutation testing (mutmut) of the core safety code with each module's own tests.

Not part of CI (minutes to tens of minutes). mutmut names modules after their path under the folder it
runs in and imports them from its ``mutants/`` copy, so this script stages a workspace outside the checkout
(``src/livinglab``, ``src/pilots`` plus the tests and project files), runs ``mutmut run`` there for the
modules below, and prints each module's kill rate and the surviving mutants.

mutmut never mutates module-level regular expressions: ``regex`` (run last by default) mutates the
redactor's patterns themselves with ``tests/mutation/regex_mutants.py`` (alternatives dropped, anchors and
look-arounds removed, quantifiers narrowed, classes shrunk, case flipped) and runs the redactor's tests.

    python tests/mutation/run.py                 # every module below, then the regex mutants
    python tests/mutation/run.py bootstrap pii   # some of them
    python tests/mutation/run.py regex           # only the redactor's regex mutants (MODULES=regex)
    python tests/mutation/run.py --keep DIR      # keep the workspace (``mutmut show NAME`` inside it)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: module name -> (file under src/, its own test files)
MODULES = {
    "pii": ("pilots/public_sector/privacy/redactor.py", ["pilots/public_sector/tests/test_redactor.py"]),
    "privacy": ("livinglab/trust/privacy.py", ["tests/trust/test_trust_privacy.py"]),
    "bootstrap": ("livinglab/trust/bootstrap.py", ["tests/trust/test_trust_bootstrap.py"]),
    "reader": ("livinglab/reader.py", ["tests/test_reader.py"]),
    "contract": ("livinglab/contract.py", ["tests/test_contract.py"]),
    "abstention": (
        "pilots/public_sector/model/abstention.py",
        ["pilots/public_sector/tests/test_abstention.py"],
    ),
    "fintech_features": (
        "pilots/fintech/model/features.py",
        ["pilots/fintech/tests/test_features.py", "pilots/fintech/tests/test_features_reference.py"],
    ),
    "mobility_features": ("pilots/mobility/model/features.py", ["pilots/mobility/tests/test_features.py"]),
}


def stage(workspace: Path) -> None:
    """The project laid out the way mutmut expects (sources under src/), without the venv or runs."""
    ignore = shutil.ignore_patterns(
        ".venv", "runs", "mutants", "__pycache__", "*.egg-info", ".git", "outputs"
    )
    for name in ("tests", "data", "pilots"):
        shutil.copytree(ROOT / name, workspace / name, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, workspace / name)
    (workspace / "src").mkdir()
    shutil.copytree(ROOT / "shared" / "livinglab", workspace / "src" / "livinglab", ignore=ignore)
    shutil.copytree(ROOT / "pilots", workspace / "src" / "pilots", ignore=ignore)


def configure(workspace: Path, module: str) -> None:
    source, tests = MODULES[module]
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f'only_mutate = ["src/{source}"]\n'
        f"pytest_add_cli_args_test_selection = {tests!r}\n"
        # a warning's attribution to the caller's line cannot hold under mutmut (its trampoline frame sits
        # between): those tests, and only they, are left out here; everywhere else they are strict
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q", "-k", "not attributed_to_the_caller"]\n'
        'also_copy = ["conftest.py", "data"]\n'
    ).replace("'", '"')
    (workspace / "pyproject.toml").write_text(text, encoding="utf-8")
    shutil.rmtree(workspace / "mutants", ignore_errors=True)
    # mutmut imports from mutants/src: it must exist before the interpreter starts, or the import system
    # caches it as missing and the tests silently import the unmutated sources.
    (workspace / "mutants" / "src").mkdir(parents=True)
    # the pilots' tests run as pilots/<name>/tests/... from mutants/, where pytest puts mutants/ first on
    # sys.path: a copy of pilots/ there would be imported instead of the mutated one (every mutant of a
    # pilot module reported "not checked"), so mutants/pilots is the mutated package itself.
    (workspace / "mutants" / "pilots").symlink_to(Path("src") / "pilots", target_is_directory=True)


def run(workspace: Path, module: str) -> dict:
    configure(workspace, module)
    env = {**os.environ, "PYTHONPATH": str(workspace / "mutants" / "src"), "LIVINGLAB_ROOT": str(workspace)}
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    subprocess.run(
        [mutmut, "run", "--max-children", "2"], cwd=workspace, env=env, capture_output=True, text=True
    )
    results = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=workspace, env=env, capture_output=True, text=True
    ).stdout
    status = dict(re.findall(r"^\s*(\S+): (.+)$", results, re.M))
    killed = sum(s == "killed" for s in status.values())
    survived = sorted(name for name, s in status.items() if s == "survived")
    other = {s for s in status.values()} - {"killed", "survived"}
    tested = killed + len(survived)
    return {
        "module": module,
        "mutants": len(status),
        "killed": killed,
        "survived": survived,
        "kill_rate": killed / tested if tested else float("nan"),
        "other": sorted(other),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[*MODULES, "regex", []], help="default: all")
    parser.add_argument("--keep", help="stage the workspace here and keep it")
    args = parser.parse_args(argv)
    regex = not args.modules or "regex" in args.modules
    modules = [m for m in args.modules if m != "regex"] if args.modules else list(MODULES)
    regex_code = 0
    if not modules:
        return _regex_mutants()
    workspace = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="livinglab-mutate-"))
    if workspace.exists() and any(workspace.iterdir()):
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    stage(workspace)
    rows = [run(workspace, module) for module in modules]
    print(f"\n{'module':<20} {'mutants':>8} {'killed':>7} {'survived':>9} {'kill rate':>10}")
    for row in rows:
        print(
            f"{row['module']:<20} {row['mutants']:>8} {row['killed']:>7} {len(row['survived']):>9} "
            f"{row['kill_rate']:>10.1%}" + (f"  (also: {', '.join(row['other'])})" if row["other"] else "")
        )
    total_killed = sum(r["killed"] for r in rows)
    total = total_killed + sum(len(r["survived"]) for r in rows)
    print(
        f"{'all':<20} {'':>8} {total_killed:>7} {total - total_killed:>9} {total_killed / max(total, 1):>10.1%}"
    )
    for row in rows:
        for name in row["survived"]:
            print(f"  survived: {name}")
    if not args.keep:
        shutil.rmtree(workspace, ignore_errors=True)
    if regex:
        print("\nRegex mutants of the redactor's patterns:", flush=True)
        regex_code = _regex_mutants()
    return 0 if total and total_killed / total >= 0.9 and not regex_code else 1


def _regex_mutants() -> int:
    """tests/mutation/regex_mutants.py in its own interpreter (it forks one child per mutant)."""
    script = Path(__file__).with_name("regex_mutants.py")
    return subprocess.run([sys.executable, str(script)], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
