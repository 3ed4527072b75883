"""The quick starts' check: `make test` compares them with nbval, and the sanitisers mask only what varies.

nbval itself executes each ``pilots/<pilot>/quickstart.ipynb`` in ``make test`` (``--nbval``) and compares
every output with the committed one after the substitutions of ``tests/nbval-sanitize.cfg``. Those must
mask times, paths, run ids, pseudonyms and object ids, and never a number a page states: otherwise a drift
between the code and what a reader sees would pass.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from nbval.plugin import get_sanitize_patterns

from livinglab.paths import project_root

ROOT = project_root()
PATTERNS = get_sanitize_patterns((ROOT / "tests" / "nbval-sanitize.cfg").read_text(encoding="utf-8"))


def sanitised(text: str) -> str:
    for regex, replace in PATTERNS:  # in file order, as nbval applies them
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize(
    ("here", "there"),
    [
        (
            "/home/ana/living-lab/pilots/fintech/model/segments.py:68: RuntimeWarning: undefined",
            "pilots/fintech/model/segments.py:68: RuntimeWarning: undefined",
        ),
        (  # a warning's source line moves whenever the code above it changes
            "pilots/fintech/model/segments.py:49: RuntimeWarning: The metric was undefined",
            "pilots/fintech/model/segments.py:68: RuntimeWarning: The metric was undefined",
        ),
        (
            "/opt/venv/lib/python3.11/site-packages/sklearn/x.py:3: Warn",
            "/srv/.venv/site-packages/sklearn/x.py:3: Warn",
        ),
        ("run 20261207T065725Z-e602 in /tmp/pytest-1/runs", "run 20260101T000000Z-0a1b in /tmp/x/runs"),
        ("started 2026-12-07T06:57:25+00:00", "started 2027-01-01T10:00:00Z"),
        ("ran in 12.3 s (4 ms a row)", "ran in 2 s (13 ms a row)"),
        ("person 3fa2b19c0d4e5f67 and a1b2c3d4e5f60718", "person 0123456789abcdef and fedcba9876543210"),
        (
            "<pandas.io.formats.style.Styler at 0x7fd02cf19510>",
            "<pandas.io.formats.style.Styler at 0x7f00aa>",
        ),
        (
            '<table id="T_33fbe"><td id="T_33fbe_row0_col0">',
            '<table id="T_e6fe0"><td id="T_e6fe0_row0_col0">',
        ),
    ],
)
def test_what_varies_between_executions_is_masked(here, there):
    assert sanitised(here) == sanitised(there)


@pytest.mark.parametrize(
    "sentence",
    [
        "PR-AUC: 0.419 for LightGBM against 0.131; difference +0.288 [+0.189, +0.424] (95% paired cluster "
        "bootstrap interval over 800 accounts, 9,000 rows, time-ordered: trained before 2026-01-26 09:08)",
        "MAE 1 h ahead (vehicles/h): 78.71 against 94.23; 20 time blocks, 660 rows, 7 days from 01 May 2023",
        "150 participants (100 PD, 50 control), 670 assessments; scale 0-132; 3 sets; 30 alerts a day",
        "<Figure size 640x430 with 1 Axes>",
    ],
)
def test_numbers_a_page_states_are_compared_as_they_are(sentence):
    assert sanitised(sentence) == sentence
    assert sanitised(sentence.replace("0", "9")) != sanitised(sentence)


def test_make_test_compares_the_quick_starts_with_nbval():
    dry = subprocess.run(
        ["make", "-n", "-s", "-C", str(ROOT), "test"], capture_output=True, text=True, timeout=60
    )
    (command,) = [line for line in dry.stdout.splitlines() if "-m pytest" in line]
    assert "--nbval --nbval-sanitize-with tests/nbval-sanitize.cfg" in command and " pilots" in command
