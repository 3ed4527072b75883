"""No page runs what the data hold: every pilot design runs once (``livinglab run``, smoke profile) on a small
partner file crafted from its own generator, with ``<script>``, ``<img src=x onerror=...>``, a
``javascript:`` link and ``</table>`` in its category values (labels, ``sex``, segments, sites), its column
names, its file name, its request texts and a parameter value (``score_name``); then headless Chromium opens
the rendered notebook, the model card and the index and checks that no script ran (no dialog, no script or
event handler or ``javascript:`` link from the data in the page) and that the payloads are shown as text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from livinglab.cli import main
from livinglab.paths import project_root
from livinglab.pilots import discover_pilots, get_pilot, parameters_for

SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert('xss')>"
LINK = "[x](javascript:alert('xss'))"
TABLE = "</table>"
PAYLOADS = (SCRIPT, IMG, LINK, TABLE)
FILE_NAME = f"partner {IMG}.csv"  # a file name cannot hold the "/" of </script> or </table>
KEY = "a-test-key-that-is-long-enough"


def _synthetic(pilot: str, design: str, **params):
    spec = get_pilot(pilot)
    chosen = parameters_for(spec, design, params)
    return getattr(spec.module("synthetic"), spec.design(design).synthetic)(chosen)


def _spread(values, payloads=PAYLOADS):
    """Category values with the payloads in the place of a few of them (each payload stays frequent)."""
    import pandas as pd

    series = pd.Series(values, dtype=object)
    common = series.value_counts().index.tolist()
    mapping = {old: f"{new}" for old, new in zip(common, payloads, strict=False)}
    return series.map(lambda v: mapping.get(v, v)).to_numpy(dtype=object)


def _public_sector(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("public_sector", "requests", n_requests=600)
    labels = frame["label"].astype(str).value_counts().index[1:5]  # not the largest: it anchors the baseline
    frame["label"] = frame["label"].astype(str).replace(dict(zip(labels, PAYLOADS, strict=True)))
    frame["text"] = frame["text"].astype(str) + " " + frame.index.map(lambda i: PAYLOADS[i % 4])
    table = frame[["id", "text", "label", "language", "split"]].rename(columns={"text": IMG, "label": SCRIPT})
    table[TABLE] = "extra"
    return table, {"columns": {"text": IMG, "label": SCRIPT, "id": "id", "language": "language"}}


def _health_longitudinal(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("health", "longitudinal", n_pd=60, n_controls=30, max_years=3)
    frame["sex"] = frame["sex"].map({"male": SCRIPT, "female": IMG})
    frame["subtype"] = _spread(frame["subtype"], (TABLE, LINK))
    frame["region"] = _spread(frame["region"])
    frame = frame.rename(columns={"sex": IMG, "updrs2": SCRIPT})  # a column name; a covariate's name
    params = {"columns": {"sex": IMG}, "score_name": f"{SCRIPT} {IMG} {LINK} {TABLE}", "n_boot": 20}
    return frame, params


def _health_case_control(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("health", "case_control")
    frame["sex"] = frame["sex"].map({"male": SCRIPT, "female": IMG})
    frame["label"] = frame["label"].map({"PD": TABLE, "control": LINK})  # the diagnosis labels
    frame = frame.rename(columns={"jitter_pct": IMG, "shimmer_db": SCRIPT})
    return frame, {"case_label": TABLE, "n_boot": 20}


def _fintech_ledger(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("fintech", "ledger", n_transactions=20000, n_days=40)
    for column in ("channel", "country", "segment", "fraud_type"):
        frame[column] = _spread(frame[column].astype(object).where(frame[column].notna(), None))
    frame = frame.rename(columns={"channel": IMG})
    return frame, {"columns": {"channel": IMG}, "n_boot": 20}


def _fintech_features(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("fintech", "features", n_rows=5000)
    frame["anomaly_kind"] = _spread(frame["anomaly_kind"])
    frame = frame.rename(columns={"f1": SCRIPT, "f2": IMG, "f3": TABLE})
    return frame, {"n_boot": 20}


def _mobility(folder: Path) -> tuple[Path, dict]:
    frame = _synthetic("mobility", "counts", n_stations=4, days=28)
    frame["site"] = _spread(frame["site"])
    return frame, {"n_boot": 50}


CRAFT = {
    "public_sector": _public_sector,
    "health-longitudinal": _health_longitudinal,
    "health-case_control": _health_case_control,
    "fintech-ledger": _fintech_ledger,
    "fintech-features": _fintech_features,
    "mobility": _mobility,
}
NOTEBOOKS = {
    p.unit(d): d.notebook
    for p in discover_pilots(project_root() / "pilots").values()
    for d in p.designs.values()
}


def test_every_design_is_crafted():
    assert set(CRAFT) == set(NOTEBOOKS)  # a new design needs its crafted file here


@pytest.fixture(scope="module")
def xss_runs(tmp_path_factory):
    """Runs a design on its crafted file (once, on first use) into one run folder; returns its exit status."""
    root = tmp_path_factory.mktemp("xss")
    out = root / "runs"
    found: dict[str, int] = {}

    def ensure(unit: str) -> int:
        if unit not in found:
            folder = root / unit
            folder.mkdir()
            frame, params = CRAFT[unit](folder)
            path = folder / FILE_NAME
            frame.to_csv(path, index=False)
            argv = ["run", unit, "--profile", "smoke", "--out", str(out), "-p", "data_path", str(path)]
            for name, value in params.items():
                argv += ["-p", name, value if isinstance(value, str) else json.dumps(value)]
            old = os.environ.get("LIVINGLAB_PSEUDONYM_KEY")
            os.environ["LIVINGLAB_PSEUDONYM_KEY"] = KEY  # health pseudonymises a partner's file
            try:
                found[unit] = main(argv)
            finally:
                if old is None:
                    os.environ.pop("LIVINGLAB_PSEUDONYM_KEY", None)
                else:
                    os.environ["LIVINGLAB_PSEUDONYM_KEY"] = old
        return found[unit]

    return out, ensure


_FROM_THE_DATA = """() => {
  const hit = (s) => (s || '').includes('xss');
  const found = [];
  for (const s of document.querySelectorAll('script')) if (hit(s.textContent) || hit(s.src)) found.push('script');
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on') && hit(a.value)) found.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction'].includes(a.name) && /^\\s*javascript:/i.test(a.value))
        found.push(el.tagName + ' ' + a.name + '=javascript:');
    }
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push('IMG src=x (HTML from the data)');
  }
  return found;
}"""


def _visit(browser, path: Path) -> tuple[list[str], str]:
    """Open a page from disk: what ran (dialogs) or would run, and its visible text."""
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # an onerror handler fires after the failed image load
    problems = [f"dialog {m!r}" for m in dialogs] + page.evaluate(_FROM_THE_DATA)
    text = page.inner_text("body")
    page.close()
    return problems, text


@pytest.mark.parametrize("unit", sorted(CRAFT))
def test_no_page_runs_a_script_from_the_data_and_the_payloads_show_as_text(browser, xss_runs, unit):
    out, ensure = xss_runs
    assert ensure(unit) == 0, f"{unit} did not run on its crafted file"
    runs = [f for f in out.glob(f"*/{unit}") if not (f.is_symlink() or f.parent.is_symlink())]  # not latest
    (folder,) = runs
    notebook = folder / Path(NOTEBOOKS[unit]).with_suffix(".html")
    pages = {"notebook": notebook, "model card": folder / "model_card.html", "index": out / "index.html"}
    shown = {}
    for name, path in pages.items():
        problems, text = _visit(browser, path)
        assert not problems, f"{unit} {name}: {problems}"
        shown[name] = {p for p in PAYLOADS if p in text}
    # the file name (with its <img ...>) and the data-derived values are text on the pilot's pages
    assert IMG in shown["notebook"] and IMG in shown["model card"], shown
    assert len(shown["notebook"]) >= 3, f"{unit}: only {shown['notebook']} shown as text in the notebook"
    if unit == "health-longitudinal":  # the parameter value score_name is shown as it was given
        _, text = _visit(browser, notebook)
        assert f"{SCRIPT} {IMG} {LINK} {TABLE}" in text
