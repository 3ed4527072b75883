"""``make audit``: plant each known wiring mistake, one at a time, in a scratch copy and see which tests fail.

The mistakes are listed in ``tests/mutation/planted.yaml`` (the list grows with every bug found): each is a
find/replace on one file (``find`` must occur exactly ``count`` times, 1 unless said) and names the test
files expected to catch it (``tests``) and the test expected to fail among them (``caught_by``, a substring
of the failing test's node id). The project's tracked files are copied once to a scratch folder outside the
checkout; for each mistake the file is changed there, the named test files run (nothing else, for speed),
the failing tests are reported and the file is put back. The real tree is never written to.

    python tests/mutation/audit.py                  # every planted mistake
    python tests/mutation/audit.py fintech_eventual_labels dp_bounds_from_data
    python tests/mutation/audit.py --list           # the list, without running anything
    python tests/mutation/audit.py --keep DIR       # keep the scratch copy in DIR

Exit status 0 when every planted mistake made its ``caught_by`` test fail and the unplanted copy passes the
named tests; 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LIST = Path(__file__).with_name("planted.yaml")


@dataclass
class Planted:
    name: str
    mistake: str
    file: str
    find: str
    replace: str
    tests: list[str]
    caught_by: list[str]
    count: int = 1
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""

    @property
    def caught(self) -> bool:
        return not self.error and all(any(want in f for f in self.failed) for want in self.caught_by)


def load(path: Path = LIST) -> list[Planted]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for name, e in entries.items():
        caught = e.get("caught_by", [])
        out.append(
            Planted(
                name=name,
                mistake=" ".join(str(e["mistake"]).split()),
                file=e["file"],
                find=e["find"],
                replace=e["replace"],
                tests=list(e["tests"]),
                caught_by=[caught] if isinstance(caught, str) else list(caught),
                count=int(e.get("count", 1)),
            )
        )
    return out


def scratch_copy(target: Path) -> Path:
    """The tracked files of the checkout (as they are on disk, uncommitted edits included) under ``target``."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            dst = target / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return target


def pytest_failures(tree: Path, tests: list[str], timeout: float) -> tuple[list[str], str]:
    """Node ids of the failing tests of ``tests`` run in ``tree`` (its sources imported, not the checkout's)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree / "shared"), str(tree)]),
        "LIVINGLAB_ROOT": str(tree),
        "COLUMNS": "400",  # wide enough for pytest to keep the reason beside a long node id
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the scratch copy keeps its bytecode between runs
    mirror = ROOT.parent / "shared" / "data"
    if mirror.is_dir():
        env.setdefault("LIVINGLAB_DATA_MIRROR", str(mirror.resolve()))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0",
           "-rf", "--tb=line", "-o", "addopts=", *tests]  # fmt: skip
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s"
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.M)
    # --tb=line: one "file:line: error" a failure, in the order of the summary: the assertion that failed
    where = re.findall(rf"^(?:{re.escape(str(tree))}/)?(\S+\.py:\d+): (.*)$", done.stdout, re.M)
    if len(where) == len(failed):
        failed = [
            f"{node}\n        at {at}: {why.strip()[:120]}"
            for node, (at, why) in zip(failed, where, strict=True)
        ]
    if done.returncode not in (0, 1) and not failed:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        return [], "pytest could not run: " + " | ".join(tail)
    return failed, ""


def check_imports(tree: Path) -> None:
    """The scratch copy's own modules must be the ones imported there (not the installed checkout's)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "shared"), str(tree)])}
    code = "import livinglab, pilots; print(livinglab.__file__); print(pilots.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True)
    paths = out.stdout.split()
    if len(paths) != 2 or not all(Path(p).resolve().is_relative_to(tree.resolve()) for p in paths):
        raise SystemExit(f"the scratch copy does not import its own sources: {out.stdout}{out.stderr}")


def plant(tree: Path, bug: Planted) -> str:
    """Apply ``bug`` in ``tree``; returns the original text (to put back)."""
    path = tree / bug.file
    text = path.read_text(encoding="utf-8")
    found = text.count(bug.find)
    if found != bug.count:
        raise ValueError(f"{bug.name}: {bug.file} holds the text to replace {found} times, not {bug.count}")
    path.write_text(text.replace(bug.find, bug.replace), encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="planted mistakes to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the list and stop")
    parser.add_argument("--keep", help="make the scratch copy here and keep it")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a mistake's tests may take")
    args = parser.parse_args(argv)
    bugs = load()
    unknown = set(args.names) - {b.name for b in bugs}
    if unknown:
        parser.error(f"no planted mistake named {', '.join(sorted(unknown))}")
    if args.names:
        bugs = [b for b in bugs if b.name in args.names]
    if args.list:
        for b in bugs:
            print(f"{b.name}: {b.mistake}\n    {b.file}; caught by {', '.join(b.caught_by)}")
        return 0

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="livinglab-audit-"))
    if base.exists():
        shutil.rmtree(base)
    tree = scratch_copy(base / "tree")
    check_imports(tree)
    ok = True
    # the named tests must pass on the unplanted copy, or a failure under a planted mistake proves nothing
    every_test = sorted({t for b in bugs for t in b.tests})
    t0 = time.perf_counter()
    clean_failed, clean_error = pytest_failures(tree, every_test, args.timeout * 2)
    print(f"unplanted copy: {len(every_test)} test files, {time.perf_counter() - t0:.0f} s, "
          f"{'failing: ' + ', '.join(clean_failed) if clean_failed else clean_error or 'all pass'}")  # fmt: skip
    if clean_failed or clean_error:
        ok = False
    for bug in bugs:
        original = plant(tree, bug)
        t0 = time.perf_counter()
        try:
            bug.failed, bug.error = pytest_failures(tree, bug.tests, args.timeout)
        finally:
            (tree / bug.file).write_text(original, encoding="utf-8")
        bug.seconds = time.perf_counter() - t0
        ok &= bug.caught
        mark = "CAUGHT" if bug.caught else "MISSED"
        print(f"\n[{mark}] {bug.name} ({bug.seconds:.0f} s): {bug.mistake}")
        print(f"    planted in {bug.file}; tests run: {' '.join(bug.tests)}")
        if bug.error:
            print(f"    error: {bug.error}")
        for f in bug.failed:
            print(f"    failed: {f}")
        if not bug.failed and not bug.error:
            print("    no test failed")
    caught = sum(b.caught for b in bugs)
    print(f"\n{caught} of {len(bugs)} planted mistakes caught by the expected test")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
