"""Mutants of the redactor's regular expressions themselves, which mutmut never reaches (``make mutate``).

mutmut mutates Python expressions; the redactor's behaviour lives in its module-level regular expressions
(``pilots/public_sector/privacy/redactor.py`` and ``names.py``; ``gazetteers.py`` holds the word lists that
``names.py`` compiles into its patterns). This script mutates the *compiled patterns*:

1. A child process imports the modules with ``re.compile`` wrapped, and records every pattern they compile
   at module level (the name it is assigned to, its text, its flags).
2. Each pattern is parsed (``re._parser``) and every site where a plausible mistake can be made yields a
   mutant: an alternative of a ``|`` dropped, an anchor (``\\b``, ``^``, ``$``) or a look-around removed, a
   quantifier changed (``+`` to ``?``, ``{m,n}`` narrowed, ``?`` made required), a group made optional, an
   element dropped from a character class, case-insensitivity flipped (globally or of a ``(?i:...)``).
   Mutants that do not compile (a look-behind made variable-width) are left out; a pattern with more sites
   than ``--per-pattern`` gets a seeded sample of them.
3. The redactor's own fast tests are collected once; each mutant runs in a forked child that replaces every
   module-level reference to the original pattern (globals, the rule tables, ``partial`` arguments) by the
   mutant and runs the tests up to the first failure: the mutant is *killed* when a test fails (or the tests
   time out), *survived* otherwise. (A pattern applied once at import time, to build another object, would
   not see its mutant: none of the redactor's is.)

    python tests/mutation/regex_mutants.py                     # every pattern, 8 mutants each at most
    python tests/mutation/regex_mutants.py _PHONE _IBAN        # some patterns (by assigned name)
    python tests/mutation/regex_mutants.py --per-pattern 0     # every site (long)
    python tests/mutation/regex_mutants.py --list              # the patterns and their number of sites

Prints the kill rate per pattern and the survivors (pattern, what was changed). Minutes; not part of CI.
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import itertools
import json
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "redactor": ROOT / "pilots/public_sector/privacy/redactor.py",
    "names": ROOT / "pilots/public_sector/privacy/names.py",
}
TESTS = [
    "pilots/public_sector/tests/test_redactor.py",
    "pilots/public_sector/tests/test_redaction_heldout.py",
]
PACKAGE = "pilots.public_sector.privacy"

_parser = re._parser  # type: ignore[attr-defined]
_compiler = re._compiler  # type: ignore[attr-defined]
C = _parser  # opcodes and constants (LITERAL, BRANCH, ..., MAXREPEAT)
REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
ANCHORS = {
    C.AT_BEGINNING: "^", C.AT_END: "$", C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B",
    C.AT_BEGINNING_STRING: r"\A", C.AT_END_STRING: r"\Z",
}  # fmt: skip
CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}  # fmt: skip
BIG_CLASS = 12  # in a class of more items (the Latin letter classes), only its ASCII items are dropped


# ----- where a pattern was compiled ----------------------------------------------------------------------
def _statements(path: Path) -> list[tuple[int, int, str]]:
    """(first line, last line, assigned name) of each top-level statement of a module."""
    out = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = ast.unparse(targets[0])
        else:
            name = f"line{node.lineno}"
        out.append((node.lineno, node.end_lineno or node.lineno, name))
    return out


class Hook:
    """``re.compile`` that records which module-level statement of the target files compiled what."""

    def __init__(self):
        self.files = {str(p): (key, _statements(p)) for key, p in FILES.items()}
        self.seen: dict[str, int] = {}
        self.recorded: list[dict] = []
        self.original = re.compile

    def pattern_id(self, frame) -> str | None:
        while (
            frame is not None and frame.f_code.co_name.startswith("<") and frame.f_code.co_name != "<module>"
        ):
            frame = frame.f_back  # a comprehension at module level
        if frame is None or frame.f_code.co_name != "<module>":
            return None
        target = self.files.get(frame.f_code.co_filename)
        if target is None:
            return None
        key, statements = target
        line = frame.f_lineno
        name = next((n for a, b, n in statements if a <= line <= b), f"line{line}")
        base = f"{key}.{name}"
        k = self.seen.get(base, 0)
        self.seen[base] = k + 1
        return base if k == 0 else f"{base}#{k}"

    def __call__(self, pattern, flags=0):
        compiled = self.original(pattern, flags)
        pid = self.pattern_id(sys._getframe(1))
        if pid is not None:
            self.recorded.append({"id": pid, "pattern": pattern, "flags": int(flags), "object": compiled})
        return compiled


def discover() -> list[dict]:
    """Import the target modules (afresh) with ``re.compile`` wrapped: their module-level patterns."""
    hook = Hook()
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    re.compile = hook
    try:
        for module in FILES:
            __import__(f"{PACKAGE}.{module}")
    finally:
        re.compile = hook.original
    return hook.recorded


def _swap(value, old, new):
    """``value`` with every reference to the pattern ``old`` (also inside dicts, lists, tuples and
    ``functools.partial`` arguments) replaced by ``new``; lists and dicts are changed in place."""
    if value is old:
        return new
    if isinstance(value, list):
        value[:] = [_swap(v, old, new) for v in value]
    elif isinstance(value, dict):
        for k in list(value):
            value[k] = _swap(value[k], old, new)
    elif isinstance(value, tuple):
        return tuple(_swap(v, old, new) for v in value)
    elif isinstance(value, functools.partial) and any(a is old for a in value.args):
        return functools.partial(value.func, *(_swap(a, old, new) for a in value.args), **value.keywords)
    return value


def install(old, new) -> None:
    """Every module-level reference of the target modules to ``old`` now points to ``new``."""
    for module in FILES:
        namespace = vars(sys.modules[f"{PACKAGE}.{module}"])
        for name in list(namespace):
            if not name.startswith("__"):
                namespace[name] = _swap(namespace[name], old, new)


# ----- mutation sites -------------------------------------------------------------------------------------
def show(item, limit: int = 40) -> str:
    """A short, approximate rendering of a parsed piece of a pattern (for the report only)."""

    def one(op, av) -> str:
        if op is C.LITERAL:
            return re.escape(chr(av))
        if op is C.NOT_LITERAL:
            return f"[^{re.escape(chr(av))}]"
        if op is C.ANY:
            return "."
        if op is C.AT:
            return ANCHORS.get(av, "@")
        if op is C.CATEGORY:
            return CATEGORIES.get(av, "\\?")
        if op is C.RANGE:
            return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
        if op is C.NEGATE:
            return "^"
        if op is C.IN:
            inner = "".join(one(o, a) for o, a in av)
            return f"[{inner[:20]}{'…' if len(inner) > 20 else ''}]"
        if op is C.BRANCH:
            return "(?:" + "|".join(seq(alt) for alt in av[1]) + ")"
        if op is C.SUBPATTERN:
            return f"({'?:' if av[0] is None else ''}{seq(av[3])})"
        if op in (C.ASSERT, C.ASSERT_NOT):
            kind = ("=" if op is C.ASSERT else "!") if av[0] == 1 else ("<=" if op is C.ASSERT else "<!")
            return f"(?{kind}{seq(av[1])})"
        if op in REPEATS:
            lo, hi, sub = av
            hi_s = "" if hi == C.MAXREPEAT else str(hi)
            quant = {(0, 1): "?", (0, C.MAXREPEAT): "*", (1, C.MAXREPEAT): "+"}.get(
                (lo, hi), f"{{{lo},{hi_s}}}"
            )
            return f"{seq(sub)}{quant}"
        if op is C.GROUPREF:
            return f"\\{av}"
        return f"<{op}>"

    def seq(sub) -> str:
        return "".join(one(o, a) for o, a in sub)

    text = one(*item) if isinstance(item, tuple) else seq(item)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sites(tree):
    """Yield (subpattern, action, description) for every mutation site of a parsed pattern, in a fixed
    order; the action changes that subpattern in place, so a site is addressed by its rank in this order."""
    yield (tree, ("flip_case",), "case-insensitivity flipped for the whole pattern")
    stack = [tree]
    while stack:
        sub = stack.pop(0)
        for j, (op, av) in enumerate(list(sub.data)):
            here = f"at {show((op, av), 30)!r}"
            if op is C.AT and av in ANCHORS:
                yield (sub, ("del", j), f"anchor {ANCHORS[av]} removed")
            elif op in (C.ASSERT, C.ASSERT_NOT):
                yield (sub, ("del", j), f"look-around {show((op, av))!r} removed")
                stack.append(av[1])
            elif op is C.BRANCH:
                alts = av[1]
                for k, alt in enumerate(alts):
                    if len(alts) > 1:
                        what = f"alternative {show(alt)!r} dropped from {show((op, av), 30)!r}"
                        yield (sub, ("drop_alt", j, k), what)
                stack.extend(alts)
            elif op in REPEATS:
                lo, hi, item = av
                if lo == 1 and hi == C.MAXREPEAT:
                    yield (sub, ("repeat", j, 0, 1), f"+ made ? {here}")
                if lo == 0 and hi == C.MAXREPEAT:
                    yield (sub, ("repeat", j, 0, 1), f"* made ? {here}")
                if lo == 0 and hi == 1:
                    yield (sub, ("repeat", j, 1, 1), f"? made required {here}")
                if (lo, hi) not in {(0, 1), (0, C.MAXREPEAT), (1, C.MAXREPEAT)}:
                    if lo < hi:
                        yield (sub, ("repeat", j, lo + 1, hi), f"minimum {lo} raised to {lo + 1} {here}")
                    if hi != C.MAXREPEAT and hi - 1 >= max(lo, 1):
                        yield (sub, ("repeat", j, lo, hi - 1), f"maximum {hi} lowered to {hi - 1} {here}")
                stack.append(item)
            elif op is C.SUBPATTERN:
                group, add, remove, inner = av
                yield (sub, ("optional", j), f"group {show((op, av))!r} made optional")
                if (add | remove) & re.IGNORECASE:
                    yield (sub, ("flip_scoped", j), f"scoped case flag flipped in {show((op, av))!r}")
                stack.append(inner)
            elif op is C.IN:
                negate = bool(av) and av[0][0] is C.NEGATE
                body = list(enumerate(av))[1:] if negate else list(enumerate(av))
                if len(body) > 1:
                    for k, (o, a) in body:
                        if len(body) > BIG_CLASS and not (o is C.LITERAL and a < 128):
                            continue
                        what = f"{show((o, a))!r} dropped from class {show((op, av), 30)!r}"
                        yield (sub, ("drop_class", j, k), what)
            elif op is getattr(C, "ATOMIC_GROUP", None):
                stack.append(av)
            elif op is C.GROUPREF_EXISTS:
                stack.extend(s for s in av[1:] if s is not None)


def _copy(node, state):
    """A copy of a parsed pattern (deepcopy cannot copy the parser's opcode constants), sharing one state."""
    if isinstance(node, _parser.SubPattern):
        return _parser.SubPattern(state, [_copy(x, state) for x in node.data])
    if isinstance(node, list):
        return [_copy(x, state) for x in node]
    if isinstance(node, tuple):
        return tuple(_copy(x, state) for x in node)
    return node


def _apply(tree, flags: int, rank: int):
    """A copy of the tree with its ``rank``-th site mutated, and the flags to compile it with."""
    tree = _copy(tree, copy.copy(tree.state))
    sub, action, _ = next(itertools.islice(_sites(tree), rank, None))
    kind, *rest = action
    if kind == "flip_case":
        tree.state.flags = (tree.state.flags | flags) ^ re.IGNORECASE
        return tree, 0
    j = rest[0]
    op, av = sub.data[j]
    if kind == "del":
        del sub.data[j]
    elif kind == "drop_alt":
        sub.data[j] = (op, (av[0], [a for k, a in enumerate(av[1]) if k != rest[1]]))
    elif kind == "repeat":
        sub.data[j] = (op, (rest[1], rest[2], av[2]))
    elif kind == "optional":
        sub.data[j] = (C.MAX_REPEAT, (0, 1, _parser.SubPattern(sub.state, [(op, av)])))
    elif kind == "flip_scoped":
        group, add, remove, inner = av
        if remove & re.IGNORECASE:
            add, remove = add | re.IGNORECASE, remove & ~re.IGNORECASE
        else:
            add, remove = add & ~re.IGNORECASE, remove | re.IGNORECASE
        sub.data[j] = (op, (group, add, remove, inner))
    elif kind == "drop_class":
        sub.data[j] = (op, [x for k, x in enumerate(av) if k != rest[1]])
    return tree, flags


def mutants(record: dict, per_pattern: int, seed: int) -> tuple[int, list[dict]]:
    """(number of sites, compilable mutants) of one recorded pattern: a seeded sample of ``per_pattern``
    sites when it has more (sites whose mutant does not compile are replaced by others)."""
    tree = _parser.parse(record["pattern"], record["flags"])
    descriptions = [d for _, _, d in _sites(tree)]
    ranks = list(range(len(descriptions)))
    if per_pattern:
        random.Random(f"{seed}:{record['id']}").shuffle(ranks)
    out = []
    for rank in ranks:
        if per_pattern and len(out) == per_pattern:
            break
        try:
            mutated, flags = _apply(tree, record["flags"], rank)
            compiled = _compiler.compile(mutated, flags)
        except (re.error, RecursionError, OverflowError, TypeError):
            continue
        out.append(
            {"id": record["id"], "rank": rank, "what": descriptions[rank], "compiled": compiled,
             "object": record["object"]}
        )  # fmt: skip
    return len(descriptions), sorted(out, key=lambda m: m["rank"])


# ----- running the tests on a mutant ----------------------------------------------------------------------
class Runner:
    """A pytest plugin: the tests are collected once; then one forked child per mutant installs it and
    runs the collected tests until the first failure (``jobs`` children at a time)."""

    def __init__(self, todo: list[dict | None], jobs: int, timeout: float):
        self.todo, self.jobs, self.timeout = todo, jobs, timeout
        self.status: list[str] = [""] * len(todo)

    def _child(self, session, mutant: dict | None) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        if mutant is not None:
            install(mutant["object"], mutant["compiled"])
        items = session.items
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.testsfailed:
                os._exit(1)
        os._exit(0 if items else 3)

    def pytest_runtestloop(self, session):
        running: dict[int, tuple[int, float]] = {}
        nxt = 0
        while nxt < len(self.todo) or running:
            while nxt < len(self.todo) and len(running) < self.jobs:
                pid = os.fork()
                if pid == 0:
                    try:
                        self._child(session, self.todo[nxt])
                    finally:
                        os._exit(99)
                running[pid] = (nxt, time.monotonic())
                nxt += 1
            pid, code = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.02)
                for p, (i, start) in list(running.items()):
                    if time.monotonic() - start > self.timeout:
                        os.kill(p, signal.SIGKILL)
                        os.waitpid(p, 0)
                        self.status[i] = "timeout"
                        del running[p]
                continue
            if pid in running:
                i, _ = running.pop(pid)
                done = sum(bool(x) for x in self.status) + 1
                if done % 25 == 0:
                    print(f"  {done}/{len(self.todo)} run", file=sys.stderr, flush=True)
                code = os.waitstatus_to_exitcode(code)
                self.status[i] = {0: "survived", 1: "killed"}.get(code, f"error {code}")
        return True


def run_all(todo: list[dict | None], tests: list[str], jobs: int, timeout: float) -> list[str]:
    """The status of each mutant (``None``: the unmutated patterns): killed, survived, timeout or error."""
    import pytest

    runner = Runner(todo, jobs, timeout)
    saved = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        pytest.main([*tests, "-q", "-p", "no:cacheprovider", "-n", "0"], plugins=[runner])
    finally:
        os.dup2(saved, 1)
    return runner.status


def _preimport() -> None:
    """Warm the checkers' caches once in the parent (the forked children inherit them)."""
    import phonenumbers

    for region in ("LU", "FR", "DE", "BE", "NL", "CH", "GB", "IT", "AT", "US", "PT", "ES"):
        phonenumbers.example_number(region)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "patterns", nargs="*", help="pattern names (e.g. _PHONE, names._CAP_RUN); default all"
    )
    parser.add_argument("--per-pattern", type=int, default=8, help="mutants per pattern at most (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant (then: killed)")
    parser.add_argument("--list", action="store_true", help="list the patterns and their sites, run nothing")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--tests", nargs="+", default=TESTS, help="test files run on each mutant")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("LIVINGLAB_ROOT", str(ROOT))
    records = discover()
    _preimport()
    wanted = set(args.patterns)
    if wanted:
        records = [r for r in records if r["id"] in wanted or r["id"].split(".", 1)[1] in wanted]
        if not records:
            print(f"No module-level pattern named {sorted(wanted)}; run with --list to see them.")
            return 2
    if args.list:
        for r in records:
            sites = sum(1 for _ in _sites(_parser.parse(r["pattern"], r["flags"])))
            print(f"{r['id']:<36} {sites:>6} sites  {len(r['pattern']):>7} characters")
        return 0
    per = {r["id"]: mutants(r, args.per_pattern, args.seed)[1] for r in records}
    todo: list[dict | None] = [None] + [m for ms in per.values() for m in ms]
    t0 = time.monotonic()
    print(f"{len(records)} patterns, {len(todo) - 1} mutants, tests: {' '.join(args.tests)}", flush=True)
    status = run_all(todo, args.tests, args.jobs, args.timeout)
    killed_codes = {"killed", "timeout"}
    if status[0] != "survived":
        print("The tests fail (or hang) on the unmutated patterns: fix them first.")
        return 2
    results = [
        {**{k: v for k, v in m.items() if k not in ("compiled", "object")}, "status": s}
        for m, s in zip(todo[1:], status[1:], strict=True)
    ]
    print(f"\n{'pattern':<36} {'mutants':>8} {'killed':>7} {'survived':>9} {'kill rate':>10}")
    for pid in per:
        rows = [r for r in results if r["id"] == pid]
        killed = sum(r["status"] in killed_codes for r in rows)
        rate = f"{killed / len(rows):>10.1%}" if rows else f"{'-':>10}"
        print(f"{pid:<36} {len(rows):>8} {killed:>7} {len(rows) - killed:>9} {rate}")
    killed = sum(r["status"] in killed_codes for r in results)
    print(
        f"{'all':<36} {len(results):>8} {killed:>7} {len(results) - killed:>9} {killed / max(len(results), 1):>10.1%}"
    )
    print(
        f"({sum(r['status'] == 'timeout' for r in results)} timeouts counted as killed; {time.monotonic() - t0:.0f} s)"
    )
    for r in results:
        if r["status"] not in killed_codes:
            print(f"  {r['status']}: {r['id']} [{r['rank']}] {r['what']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if results and killed / len(results) >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
