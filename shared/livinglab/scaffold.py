"""``livinglab new NAME``: a new pilot folder that runs, is tested and has its card, in one command.

The folder holds what every pilot holds: the pilot card (README.md), a notebook whose first code cell is the
literal ``parameters`` cell (data_mode, data_path, columns, read_options, seed, n_rows), pilot.yaml (smoke =
the notebook as committed, full), altai.yaml, card.yaml, contract.py (what a partner's file must hold), a
synthetic stand-in, and a test that runs the notebook once through the runner and checks the model against
its baseline. Everything is written only if the folder does not exist yet.
"""

from __future__ import annotations

import re
from pathlib import Path

from .pilots import UsageError

_FILES = {
    "README.md.j2": "README.md",
    "pilot.yaml.j2": "pilot.yaml",
    "contract.py.j2": "contract.py",
    "synthetic.py.j2": "synthetic.py",
    "card.yaml.j2": "card.yaml",
    "altai.yaml.j2": "altai.yaml",
    "test_notebook.py.j2": "tests/test_notebook.py",
}

_INTRO = """# {title}

**Question.** What does this pilot predict, for whom, and what does a person do with it? (Replace.)

**Data.** By default a SYNTHETIC hourly table made in the run; with `data_path` (and `columns`), a partner's
file read by the shared reader and checked against `contract.py` before any model sees it."""

_SETUP = """import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import livinglab
from livinglab.catalog import synthetic_source
from livinglab.contract import effective_data_mode, load_data
from livinglab.trust import ModelCard

from contract import contract_for
from synthetic import make_table

mode = effective_data_mode(data_mode, data_path)
if mode == "file":
    loaded = load_data(data_path, columns, contract_for({{}}), read_options)
    table, source = loaded.frame.dropna(subset=["timestamp", "feature", "target"]), loaded.source
    display(Markdown(f"**Data: {{loaded.name}}**, {{len(table):,}} usable rows. " + "; ".join(loaded.notes)))
elif mode == "synthetic":
    table = make_table(n_rows, seed)
    source = synthetic_source("{name}-synthetic", "synthetic.make_table (a target that depends on one feature and the hour)")
    display(Markdown(f"**Data: SYNTHETIC**, {{len(table):,}} hourly rows made in this run."))
else:
    raise ValueError("This pilot has no catalogue dataset yet: use data_mode='synthetic' or give data_path.")"""

_MODEL = """import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor
from sklearn.metrics import mean_absolute_error

from livinglab.threads import n_jobs
from livinglab.trust import bootstrap_difference_ci, subgroup_report, time_blocks

table = table.sort_values("timestamp").reset_index(drop=True)
cut = int(len(table) * 0.7)
train, test = table.iloc[:cut], table.iloc[cut:]
features = lambda frame: np.column_stack([frame["feature"], frame["timestamp"].dt.hour])  # noqa: E731
model = LGBMRegressor(n_estimators=200, learning_rate=0.05, random_state=seed, verbose=-1, n_jobs=n_jobs())
model.fit(features(train), train["target"])
predicted = model.predict(features(test))
mean_baseline = np.full(len(test), train["target"].mean())
difference = bootstrap_difference_ci(mean_absolute_error, test["target"], predicted, mean_baseline,
                                     groups=time_blocks(test["timestamp"]), n_boot=200, seed=seed)
livinglab.record_many({{
    "rows": len(table), "data_source": source.label,
    "mae": mean_absolute_error(test["target"], predicted),
    "mae_mean_baseline": mean_absolute_error(test["target"], mean_baseline),
    "mae_difference": difference.estimate, "mae_difference_ci_low": difference.low,
    "mae_difference_ci_high": difference.high,
}})
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(test["timestamp"], test["target"], lw=0.8, label="actual")
ax.plot(test["timestamp"], predicted, lw=0.8, label="model")
ax.set_title(f"Test period: actual and predicted target ({{source.label}})")
ax.legend()
plt.show()
display(Markdown(f"Model minus baseline MAE: **{{difference}}** (paired bootstrap over time blocks)."))
band = np.where(test["timestamp"].dt.hour.between(7, 19), "day (7-19 h)", "night")
by_band = subgroup_report({{"mae": mean_absolute_error}}, test["target"], predicted, pd.Series(band, name="time of day"),
                          n_boot=100, seed=seed)
display(Markdown(by_band.to_markdown()))"""

_CARD = """card = ModelCard.from_yaml("card.yaml", data=ModelCard.data_from_sources(source), subgroups=by_band,
                          figures={{"Test period: actual and predicted": fig}})
card.save()
card.display()"""


def _notebook(name: str, title: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python (livinglab)",
        "language": "python",
        "name": "livinglab",
    }
    params = nbformat.v4.new_code_cell(
        'data_mode = "synthetic"  # "synthetic" (made in the run); data_path set means "file"\n'
        'data_path = ""  # a partner\'s file, folder or glob\n'
        "columns = {}  # contract name -> the file's column name\n"
        'read_options = {}  # e.g. {"sep": ";", "encoding": "cp1252", "missing_values": [-1]}\n'
        "seed = 0\n"
        "n_rows = 2000  # synthetic rows"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(_INTRO.format(title=title)),
        params,
        nbformat.v4.new_code_cell(_SETUP.format(name=name)),
        nbformat.v4.new_markdown_cell(
            "## Model against its baseline\n\nTime-ordered split (first 70 % to train, last 30 % to test); "
            "the interval of the difference is a paired bootstrap over time blocks."
        ),
        nbformat.v4.new_code_cell(_MODEL.format()),
        nbformat.v4.new_markdown_cell("## Model card"),
        nbformat.v4.new_code_cell(_CARD.format()),
    ]
    return nb


def new_pilot(name: str, root: Path, title: str | None = None) -> Path:
    """Write ``root/pilots/<name>/`` (refusing an existing folder or a name that is not an identifier)."""
    import nbformat
    from jinja2 import Environment, PackageLoader

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise UsageError(
            f"Pilot name {name!r} must be lowercase letters, digits and underscores (a Python name)."
        )
    target = root / "pilots" / name
    if target.exists():
        raise UsageError(f"{target} already exists; choose another name or delete it first.")
    title = title or name.replace("_", " ").capitalize() + " pilot"
    env = Environment(loader=PackageLoader("livinglab", "templates/new_pilot"), keep_trailing_newline=True)
    contract_table = _contract_table(env.get_template("contract.py.j2").render(name=name))
    (target / "tests").mkdir(parents=True)
    for template, relative in _FILES.items():
        text = env.get_template(template).render(name=name, title=title, contract_table=contract_table)
        (target / relative).write_text(text, encoding="utf-8")
    (target / "__init__.py").write_text(f'"""{title}: the pilot\'s own code (pilots.{name})."""\n')
    (target / "tests" / "__init__.py").write_text("")
    nbformat.write(_notebook(name, title), target / f"{name}.ipynb")
    return target


def _contract_table(contract_source: str) -> str:
    namespace: dict = {}
    exec(compile(contract_source, "contract.py", "exec"), namespace)  # our own template, rendered just above
    return namespace["TABLE"].to_markdown()
