"""A corpus of bad or odd partner files, each generated here (nothing copied), for the four pilots.

Every :class:`Case` writes its file(s) into a folder and says how it is run (the pilot's unit and the ``-p``
parameters), what must happen before any kernel starts (exit 2 with words that name the column and the fix,
or the checks pass: an odd file that is read as it should be), and, for ``inspect`` cases, that the printed
command passes the same checks. ``tests/test_bad_files.py`` asserts them; run this module to print the
table of a real run of each case (``livinglab run`` in a subprocess, stopped before a kernel when the checks
pass: the table is about the checks)::

    .venv/bin/python tests/bad_files.py /tmp/corpus
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

KEY = "a-test-key-of-at-least-16-characters"  # health: partner data need a pseudonymisation key


# ----------------------------------------------------------------------------- good files, one a pilot
def ledger(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A small labelled ledger (fintech ``ledger``): 20 accounts over 40 days, 2 % fraud."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    stamps = start + pd.to_timedelta(np.sort(rng.uniform(0, 40 * 86400, n)), unit="s")
    return pd.DataFrame(
        {
            "account": [f"AC{i:03d}" for i in rng.integers(0, 20, n)],
            "timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
            "merchant": [f"shop {i}" for i in rng.integers(0, 30, n)],
            "label": (rng.random(n) < 0.02).astype(int),
        }
    )


def features(n: int = 300, width: int = 5, seed: int = 0) -> pd.DataFrame:
    """A feature table (fintech ``features``) with a 0/1 ``Class``."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.standard_normal((n, width)).round(4), columns=[f"v{i}" for i in range(width)])
    frame["Class"] = (rng.random(n) < 0.05).astype(int)
    return frame


def cohort(n_subjects: int = 30, visits: int = 4, seed: int = 0) -> pd.DataFrame:
    """Repeated assessments (health ``longitudinal``): a score that grows about 3 points a year."""
    rng = np.random.default_rng(seed)
    subject = np.repeat([f"P{i:03d}" for i in range(n_subjects)], visits)
    years = np.tile(np.arange(visits, dtype=float), n_subjects) + rng.uniform(0, 0.2, n_subjects * visits)
    score = np.clip(20 + 3 * years + rng.normal(0, 2, len(years)), 0, None).round(1)
    sex = np.repeat(rng.choice(["male", "female"], n_subjects), visits)
    age = np.repeat(rng.integers(50, 80, n_subjects), visits) + years.astype(int)
    return pd.DataFrame({"subject": subject, "time": years.round(3), "score": score, "age": age, "sex": sex})


def case_control(n_cases: int = 20, n_controls: int = 12, records: int = 3, seed: int = 0) -> pd.DataFrame:
    """Records of people with a diagnosis (health ``case_control``): ``status`` 1 = case."""
    rng = np.random.default_rng(seed)
    people = n_cases + n_controls
    status = np.repeat([1] * n_cases + [0] * n_controls, records)
    name = np.repeat([f"S{i:02d}" for i in range(people)], records)
    f = rng.standard_normal((people * records, 3)) + status[:, None] * 0.8
    return pd.DataFrame(
        {"name": [f"{p}_{r}" for p, r in zip(name, np.tile(range(records), people), strict=True)]}
    ).assign(subject=name, status=status, f1=f[:, 0].round(4), f2=f[:, 1].round(4), f3=f[:, 2].round(4))


def counts(days: int = 30, sites: int = 2, seed: int = 0) -> pd.DataFrame:
    """Hourly counts (mobility, tidy layout): ``site``, ``timestamp``, ``count``."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2023-04-03", periods=days * 24, freq="h")
    shape = 200 + 150 * np.sin((hours.hour.to_numpy() - 6) / 24 * 2 * np.pi).clip(0)
    frames = [
        pd.DataFrame(
            {
                "site": f"S{s}",
                "timestamp": hours.strftime("%Y-%m-%d %H:%M"),
                "count": rng.poisson(shape * (1 + s)),
            }
        )
        for s in range(sites)
    ]
    return pd.concat(frames, ignore_index=True)


SERVICES = {
    "tax": ["my income tax return", "a question on my tax class", "the tax office letter"],
    "family": ["child benefit for my son", "parental leave request", "the family allowance"],
    "transport": ["renewal of my driving licence", "registering a car", "a bus pass for students"],
}


def requests(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Labelled requests (public_sector): ``text``, ``label``, ``language``."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(list(SERVICES), n)
    texts = [
        f"Hello, I write about {SERVICES[lab][i % 3]} (case {i}), could you help me please?"
        for i, lab in enumerate(labels)
    ]
    return pd.DataFrame({"text": texts, "label": labels, "language": "en"})


def _csv(frame: pd.DataFrame, path: Path, **kw) -> Path:
    frame.to_csv(path, index=False, **kw)
    return path


# ----------------------------------------------------------------------------- the cases
@dataclass
class Case:
    """One bad or odd file: how it is made and run, and what must happen before any kernel starts."""

    name: str
    why: str  # the words for it
    unit: str
    make: Callable[[Path], Path]  # writes the file(s) into a folder, returns the data_path
    params: dict[str, str] = field(default_factory=dict)  # -p NAME VALUE (as typed)
    words: tuple[str, ...] = ()  # in the one sentence: the column and the fix (empty: the checks pass)
    inspect: str | None = None  # a pilot: `livinglab inspect` must print a command that passes the checks
    together: bool = False  # the sentence's fixes are meant together ("... together with ..."), not each

    @property
    def refused(self) -> bool:
        return bool(self.words)

    def argv(self, data_path: Path, out: Path, extra: dict[str, str] | None = None) -> list[str]:
        argv = ["run", self.unit, "--out", str(out), "-p", "data_path", str(data_path)]
        for name, value in {**self.params, **(extra or {})}.items():
            argv += ["-p", name, value]
        return argv


def _utf8_with_a_cp1252_line(folder: Path) -> Path:
    frame = requests()
    frame.loc[5, "text"] = "Bonjour, je souhaite un extrait de l'état civil, merci beaucoup"
    lines = frame.to_csv(index=False).splitlines(keepends=True)
    data = b"".join(
        line.encode("cp1252" if i == 12 else "utf-8")
        for i, line in enumerate(
            [*lines[:12], "État civil: copie intégrale demandée par Hélène,family,fr\n", *lines[12:]]
        )
    )
    path = folder / "requests.csv"
    path.write_bytes(data)
    return path


def _conflicting_hours(folder: Path) -> Path:
    frame = counts()
    again = frame.sample(frac=0.05, random_state=1).assign(count=lambda f: f["count"] + 7)
    return _csv(pd.concat([frame, again], ignore_index=True), folder / "counts.csv")


def _negative_scores(folder: Path) -> Path:
    frame = cohort()
    frame.loc[[3, 17, 40], "score"] = -99
    return _csv(frame, folder / "cohort.csv")


def _missing_labels(folder: Path) -> Path:
    frame = ledger().astype({"label": object})
    frame.loc[[10, 11, 50], "label"] = None
    return _csv(frame, folder / "ledger.csv")


def _one_row(make: Callable[[], pd.DataFrame], name: str) -> Callable[[Path], Path]:
    return lambda folder: _csv(make().head(1), folder / name)


def _all_missing(make: Callable[[], pd.DataFrame], column: str, name: str) -> Callable[[Path], Path]:
    return lambda folder: _csv(make().assign(**{column: None}), folder / name)


def _one_class(make: Callable[[], pd.DataFrame], column: str, value, name: str) -> Callable[[Path], Path]:
    return lambda folder: _csv(make().assign(**{column: value}), folder / name)


def _bad_value_beyond_4_mib(folder: Path) -> Path:
    frame = counts(days=30, sites=300)  # about 5.7 MB: more than the 4 MiB sample
    frame = frame.astype({"count": object})
    frame.loc[len(frame) - 3, "count"] = "??"
    return _csv(frame, folder / "counts.csv")


def _times_in_days(folder: Path) -> Path:
    frame = cohort()
    frame["time"] = (frame["time"] * 365.25).round()
    return _csv(frame, folder / "cohort_days.csv")


def _wide(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 9, (300, 10_000)), columns=[f"g{i}" for i in range(10_000)])
    frame["Class"] = (rng.random(300) < 0.05).astype(int)
    return _csv(frame, folder / "wide.csv")


def _zero_tail(folder: Path) -> Path:
    path = _csv(counts(), folder / "counts.csv")
    os.truncate(
        path, 2 << 30
    )  # a 2 GB file of which all but the first 60 KB are zeros (sparse: no disk used)
    return path


def _short_line(folder: Path) -> Path:
    path = _csv(requests(), folder / "requests.csv")
    lines = path.read_text().splitlines(keepends=True)
    lines[20] = lines[20].rsplit(",", 2)[0] + "\n"  # the label and the language are missing
    path.write_text("".join(lines))
    return path


def _cut_last_line(folder: Path) -> Path:
    path = _csv(ledger(), folder / "ledger.csv")
    path.write_bytes(path.read_bytes()[:-30])  # the export stopped in the middle of a row
    return path


def _mixed_dates(folder: Path) -> Path:
    frame = ledger()
    stamps = pd.to_datetime(frame["timestamp"])
    late = frame.index >= 250  # a second system's export appended: day-first dates
    frame.loc[late, "timestamp"] = stamps[late].dt.strftime("%d.%m.%Y %H:%M")
    return _csv(frame, folder / "ledger.csv")


def _csv_named_xlsx(folder: Path) -> Path:
    return _csv(features(), folder / "features.xlsx")


def _identical_only_in_mapped_columns(folder: Path) -> Path:
    frame = ledger()
    twins = frame.iloc[:20].assign(reference=[f"R{i}" for i in range(100, 120)])
    frame = pd.concat(
        [frame.assign(reference=[f"R{i}" for i in range(len(frame))]), twins], ignore_index=True
    )
    return _csv(frame, folder / "ledger.csv")


def _czech_ledger(frame_only: bool = False):
    """A 1990s retail bank's ledger as exported: ';'-separated .asc, dates as yymmdd, direction in its own
    words (PRIJEM = money in, VYDAJ = money out), amounts in its own currency, always positive."""
    rng = np.random.default_rng(3)
    n = 600
    days = pd.Timestamp("1993-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 120, n)), unit="D")
    return pd.DataFrame(
        {
            "trans_id": np.arange(1, n + 1),
            "account_id": rng.integers(1, 40, n),
            "date": days.strftime("%y%m%d").astype(int),  # 930101: read as a number
            "type": rng.choice(["PRIJEM", "VYDAJ"], n, p=[0.4, 0.6]),
            "amount": np.round(rng.lognormal(7, 1, n), 1),
            "balance": np.round(rng.uniform(100, 90_000, n), 1),
        }
    )


def _asc_ledger(folder: Path) -> Path:
    return _csv(_czech_ledger(), folder / "trans.asc", sep=";")


def _daily_files(title_line: bool) -> Callable[[Path], Path]:
    """Loop-detector exports, one file a day: the date only in the file name, or in a title line."""

    def make(folder: Path) -> Path:
        target = folder / "detectors"
        target.mkdir()
        rng = np.random.default_rng(0)
        for day in pd.date_range("2023-05-01", periods=30):
            frame = pd.DataFrame(
                {
                    "Zählstelle": np.repeat(["D101", "D102"], 24),
                    "Stunde": np.tile(np.arange(24), 2),
                    "Anzahl": rng.poisson(300, 48),
                }
            )
            text = frame.to_csv(index=False, sep=";")
            if title_line:
                name = f"export_{day:%j}.csv"
                text = f"Verkehrszählung Stadt, Tag {day:%d.%m.%Y}\n" + text
            else:
                name = f"zaehlung_{day:%Y-%m-%d}.csv"
            (target / name).write_text(text, encoding="utf-8")
        return target

    return make


def _title_with_a_comma(folder: Path) -> Path:
    path = folder / "cohort.csv"
    path.write_text("Cohort export, December\n" + cohort().to_csv(index=False))
    return path


def _labelled_requests_with_service(folder: Path) -> Path:
    return _csv(requests().rename(columns={"label": "service", "text": "message"}), folder / "requests.csv")


def _transaction_class(folder: Path) -> Path:
    frame = ledger().drop(columns="label")
    frame["txn_class"] = np.where(np.arange(len(frame)) % 3 == 0, "CASH_OUT", "PAYMENT")
    return _csv(frame, folder / "ledger.csv")


def _twelve(folder: Path) -> Path:
    return _csv(cohort(n_subjects=12), folder / "cohort.csv")


def _six(folder: Path) -> Path:
    return _csv(cohort(n_subjects=6), folder / "cohort.csv")


def _few_controls(folder: Path) -> Path:
    return _csv(case_control(n_cases=20, n_controls=3), folder / "records.csv")


FEATURE_COLUMNS = json.dumps({"label": "Class"})
CASE_COLUMNS = json.dumps({"subject": "subject", "label": "status"})

CASES = [
    # -- silent changes, now refused with the fix
    Case(
        "conflicting duplicate hours",
        "mobility kept the first of each conflicting duplicate hour",
        "mobility",
        _conflicting_hours,
        words=("share their site, timestamp", "-p duplicates sum"),
    ),
    Case(
        "UTF-8 file with one Windows-1252 line",
        "decoded entirely as Windows-1252",
        "public_sector",
        _utf8_with_a_cp1252_line,
        words=("is UTF-8 but line 13 is not", '"encoding": "utf-8+cp1252"'),
    ),
    Case(
        "negative scores, no score_range",
        "health accepts negative scores when score_range is not given",
        "health-longitudinal",
        _negative_scores,
        words=("Column 'score' has 3 value(s) below 0", '"missing_values": {"score": [-99]}', "score_range"),
    ),
    Case(
        "missing fraud labels",
        "fintech counts missing fraud labels as genuine",
        "fintech-ledger",
        _missing_labels,
        words=("Column 'label' is empty in 3 of 400 rows", '"label": {"": 0}', '"label": ""'),
    ),
    Case(
        "rows identical only in the mapped columns",
        '"63 exact duplicate rows dropped" where the file had none',
        "fintech-ledger",
        _identical_only_in_mapped_columns,
    ),
    # -- in the kernel before, now before it
    Case(
        "one row: fintech",
        "a 1-row file",
        "fintech-ledger",
        _one_row(ledger, "l.csv"),
        words=("1 row(s)", "200"),
    ),
    Case(
        "one row: health",
        "a 1-row file",
        "health-longitudinal",
        _one_row(cohort, "c.csv"),
        words=("Column 'subject' holds 1 distinct subject(s)", "at least 10"),
    ),
    Case(
        "one row: mobility",
        "a 1-row file",
        "mobility",
        _one_row(counts, "m.csv"),
        words=("cover 1 days", "28"),
    ),
    Case(
        "one row: public_sector",
        "a 1-row file",
        "public_sector",
        _one_row(requests, "r.csv"),
        words=("1 row(s)", "at least 20"),
    ),
    Case(
        "all-missing target: fintech",
        "an all-missing target",
        "fintech-ledger",
        _all_missing(ledger, "label", "l.csv"),
        words=("Column 'label' is empty in all 400 rows", '-p columns \'{"label": ""}\''),
    ),
    Case(
        "all-missing target: health",
        "an all-missing target",
        "health-longitudinal",
        _all_missing(cohort, "score", "c.csv"),
        words=("Column 'score' is empty in all 120 rows", "needs its score"),
    ),
    Case(
        "all-missing target: mobility",
        "an all-missing target",
        "mobility",
        _all_missing(counts, "count", "m.csv"),
        words=("Column 'count' is empty in all 1,440 rows", "needs its count"),
    ),
    Case(
        "all-missing target: public_sector",
        "an all-missing target",
        "public_sector",
        _all_missing(requests, "label", "r.csv"),
        words=("Column 'label' is empty in all 60 rows",),
    ),
    Case(
        "single-class labels: health",
        "single-class labels (with wrong advice)",
        "health-case_control",
        _one_class(case_control, "status", 1, "cc.csv"),
        params={"columns": CASE_COLUMNS},
        words=("Column 'status' (mapped to 'label') holds 1 class(es) ('1')", "at least 2 classes"),
    ),
    Case(
        "single-class labels: public_sector",
        "single-class labels (with wrong advice)",
        "public_sector",
        _one_class(requests, "label", "tax", "r.csv"),
        words=("Column 'label' holds 1 class(es) ('tax')", "at least 2 classes"),
    ),
    Case(
        "fewer persons of a label than folds",
        "single-class labels (with wrong advice)",
        "health-case_control",
        _few_controls,
        params={"columns": CASE_COLUMNS},
        words=("the smaller label has 3", "-p n_folds 3"),
    ),
    Case(
        "bad value beyond the 4 MiB sample",
        "a bad value beyond the 4 MiB sample",
        "mobility",
        _bad_value_beyond_4_mib,
        words=("column 'count' must hold numbers: 1 value(s)", '"missing_values": {"count": ["??"]}'),
    ),
    Case(
        "times in days, time_unit years",
        "a wrong time_unit",
        "health-longitudinal",
        _times_in_days,
        words=("when read in years: is time_unit right?", "-p time_unit days"),
    ),
    Case(
        "a time_unit that does not exist",
        "a wrong time_unit",
        "health-longitudinal",
        _times_in_days,
        params={"time_unit": "fortnights"},
        words=("time_unit must be one of years, months, weeks, days, not 'fortnights'", "-p time_unit days"),
    ),
    Case(
        "10,000 columns",
        "a very wide file (~20,000 warning lines, then an internal record error)",
        "fintech-features",
        _wide,
        words=("has 10,001 columns, more than the 2,000", '"max_columns": 10001'),
    ),
    Case(
        "a 2 GB tail of zeros",
        'a CSV with a 2 GB sparse tail ("MemoryError: " and nothing else)',
        "mobility",
        _zero_tail,
        words=("holds binary zeros from line 1,442", "head -n 1441 counts.csv > fixed-counts.csv"),
    ),
    Case(
        "a 12-person cohort",
        "a 12-person cohort crashed in lifelines with ZeroDivisionError",
        "health-longitudinal",
        _twelve,
    ),  # now run: the page names what it cannot estimate (pilots/health/tests/test_small_and_odd.py)
    Case(
        "a 6-person cohort",
        "fewer people than five subject-grouped folds of two",
        "health-longitudinal",
        _six,
        words=("holds 6 distinct subject(s)", "at least 10"),
    ),
    # -- wrong or circular advice
    Case(
        "a CSV named .xlsx",
        'pandas\' "specify an engine manually"',
        "fintech-features",
        _csv_named_xlsx,
        params={"columns": FEATURE_COLUMNS},
    ),  # fmt: skip
    Case("mixed date formats", 'mixed date formats get "set dayfirst"', "fintech-ledger", _mixed_dates),
    Case(
        "a title line with a comma",
        "a ragged row is blamed on the separator",
        "health-longitudinal",
        _title_with_a_comma,
    ),
    Case(
        "a text column mapped to a number",
        "advice to declare every value missing",
        "fintech-ledger",
        lambda folder: _csv(ledger(), folder / "ledger.csv"),
        params={"columns": json.dumps({"amount": "merchant"})},
        words=("holds text, not numbers", '-p columns \'{"amount": "amount"}\''),
    ),
    Case(
        "a short line",
        "a ragged row is blamed on the separator",
        "public_sector",
        _short_line,
        words=("line 21 has 1 field(s) where the header and the other rows have 3", '"bad_lines": "skip"'),
    ),
    Case(
        "a cut last line",
        "a truncated last line is blamed on the separator",
        "fintech-ledger",
        _cut_last_line,
        words=("the last line is cut off", '"bad_lines": "skip"'),
    ),
    Case(
        "a transaction type is no fraud label",
        "inspect proposed a transaction-type column as the fraud label",
        "fintech-ledger",
        _transaction_class,
        inspect="fintech",
    ),
    Case(
        "labelled requests with a service column",
        "a saved-model command with a placeholder path where a labelled column exists",
        "public_sector",
        _labelled_requests_with_service,
        params={"columns": json.dumps({"text": "message", "label": "service"})},
        inspect="public_sector",
    ),
    # -- real exports that needed a script first
    Case(
        "a bank ledger as .asc with dates like 930101",
        "a bank ledger as .asc with dates like 930101",
        "fintech-ledger",
        _asc_ledger,
        params={"columns": json.dumps({"account": "account_id", "timestamp": "date"})},
        words=("has 600 value(s) that are not dates (row 2: '930101'", '"date_format": "%y%m%d"'),
        inspect="fintech",
    ),
    Case(
        "a direction coded PRIJEM/VYDAJ",
        "a ledger whose direction is coded in its own language",
        "fintech-ledger",
        _asc_ledger,
        params={
            "columns": json.dumps({"account": "account_id", "timestamp": "date", "direction": "type"}),
            "read_options": json.dumps({"date_format": "%y%m%d"}),
        },
        words=("holds codes that are not direction values ('VYDAJ'", "-p value_codes"),
    ),
    Case(
        "daily files, the date in the file name",
        "loop-detector exports, the date only in the file name",
        "mobility",
        _daily_files(title_line=False),
        words=(
            "has no column for 'timestamp'",
            "each file's name holds its date",
            '"date_from": "file_name"',
        ),
        together=True,
        inspect="mobility",
    ),
    Case(
        "daily files, the date in a title line",
        "loop-detector exports, the date only in the header",
        "mobility",
        _daily_files(title_line=True),
        words=("has no column for 'timestamp'", "Tag 01.05.2023", '"date_from": "header"'),
        together=True,
        inspect="mobility",
    ),
]


# ----------------------------------------------------------------------------- the fixes a sentence prints
_FIX = re.compile(r"-p (\w+) ('(?:[^']*)'|[A-Za-z0-9_.%:+-]*[A-Za-z0-9_%:+-])")


def printed_fixes(message: str) -> list[dict[str, str]]:
    """Every ``-p NAME VALUE`` a sentence proposes, as the person would type it (quotes removed)."""
    return [{name: value.strip("'")} for name, value in _FIX.findall(message)]


def printed_command(message: str) -> str | None:
    """A shell command a sentence proposes in backquotes (e.g. ``head -n 12 x.csv > fixed-x.csv``)."""
    found = re.search(r"`([^`]+)`", message)
    return found.group(1) if found else None


# ----------------------------------------------------------------------------- the table of a real run
def table(folder: Path) -> str:
    """Each case run as a partner would (``livinglab run`` in a subprocess, kernels not started: a case
    whose checks pass stops at ``--dry-run``-like `prepare`); the issue's table, in Markdown."""
    import subprocess
    import time

    rows = ["| case | exit | seconds | message |", "|---|---|---|---|"]
    env = {**os.environ, "LIVINGLAB_PSEUDONYM_KEY": KEY}
    for i, case in enumerate(CASES):
        where = folder / f"case{i:02d}"
        where.mkdir(parents=True, exist_ok=True)
        path = case.make(where)
        argv = case.argv(path, where / "runs")
        probe = (
            "import sys; import livinglab.runner as r; from livinglab.cli import main\n"
            "def stop(*a, **k): print('checks passed: the kernel would start here', file=sys.stderr); raise SystemExit(0)\n"
            "r._run_here = stop\nsys.exit(main(sys.argv[1:]))"
        )
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env, cwd=where
        )
        seconds = time.perf_counter() - t0
        said = [ln for ln in done.stderr.splitlines() if ln.startswith("livinglab:") or "checks passed" in ln]
        message = said[-1] if said else (done.stderr.strip().splitlines() or [""])[-1]
        message = message.replace("|", "\\|")
        rows.append(f"| {case.name} | {done.returncode} | {seconds:.1f} | {message} |")
    return "\n".join(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    print(table(target))
