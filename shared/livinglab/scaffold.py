"""``livinglab new NAME``: a new pilot folder in the lab's one shape, that runs, is tested and has its card.

The folder holds what every pilot holds (ARCHITECTURE.md): the pilot card ``README.md``; ``pilot.yaml``
(the design: notebook, contract, synthetic generator, key metrics; profiles); ``contract.py`` (what a
partner's file must hold); ``synthetic.py`` (the stand-in); ``data.py`` (what is done to loaded data);
``model.py`` (model, baseline, the claim comparing them); ``run.py`` (``run(params) -> Result``);
``report.py`` (sentences, figures, the model card from the result); ``benchmark.py``; ``card.yaml`` and
``altai.yaml`` (prose whose numbers come from the run); a thin notebook that shows the result; and a test.
Everything is written only if the folder does not exist yet.
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
    "data.py.j2": "data.py",
    "model.py.j2": "model.py",
    "run.py.j2": "run.py",
    "report.py.j2": "report.py",
    "benchmark.py.j2": "benchmark.py",
    "card.yaml.j2": "card.yaml",
    "altai.yaml.j2": "altai.yaml",
    "test_pilot.py.j2": "tests/test_{name}.py",
}

_INTRO = """# {title}

**Question.** What does this pilot predict, for whom, and what does a person do with it? (Replace.)

**Data.** By default a SYNTHETIC hourly table made in the run; with `data_path` (and `columns`), a partner's
file read by the shared reader and checked against `contract.py` before any model sees it.

**Run it on your own data.** Set `data_path` (and `columns` if your names differ) in the next cell; the
columns a file must have are in the pilot card (`README.md`, Data); `livinglab inspect {name} FILE` proposes
the mapping."""

_PARAMETERS = """data_mode = "synthetic"  # "synthetic" (made in the run); data_path set means "file"
data_path = ""  # a partner's file, folder or glob
columns = {}  # contract name -> the file's column name
read_options = {}  # e.g. {"sep": ";", "encoding": "cp1252", "missing_values": [-1]}
seed = 0
n_rows = 2000  # synthetic rows
train_share = 0.7  # the first 70 % of the time line trains, the rest tests
n_boot = 200  # bootstrap resamples for the intervals"""

_RUN = """from IPython.display import Markdown, display

from pilots.{name} import report
from pilots.{name}.run import run

result = run(globals())  # the whole analysis, the same call the tests and the benchmark make
display(Markdown(report.summary(result)))"""


def _notebook(name: str, title: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python (livinglab)",
        "language": "python",
        "name": "livinglab",
    }
    params = nbformat.v4.new_code_cell(_PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    record = nbformat.v4.new_code_cell("result.record();")
    record.metadata["tags"] = ["remove-cell"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(_INTRO.format(title=title, name=name)),
        params,
        nbformat.v4.new_code_cell(_RUN.format(name=name)),
        nbformat.v4.new_markdown_cell(
            "## Model against its baseline\n\nTime-ordered split; the interval of the difference is a paired "
            "bootstrap over time blocks, and the model is called better only when it excludes zero."
        ),
        nbformat.v4.new_code_cell("figure = report.forecast_figure(result)"),
        record,
        nbformat.v4.new_markdown_cell("## Model card"),
        nbformat.v4.new_code_cell(
            'card = report.card(result, {"Test period: actual and predicted": figure})\ncard.save()\ncard.display()'
        ),
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
    # the title goes into YAML, Python and the card's Jinja prose: one line of text, never a template
    if not title.strip() or not title.isprintable() or any(m in title for m in ("{{", "{%", "{#")):
        raise UsageError(
            f"Title {title!r} must be one line of text, without control characters or Jinja markers "
            "({{, {%, {#})."
        )
    # [[ ]] for the scaffold's own values: the files themselves hold {{ }} templates (card.yaml, altai.yaml)
    env = Environment(
        loader=PackageLoader("livinglab", "templates/new_pilot"),
        keep_trailing_newline=True,
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
    )
    contract_table = _contract_table(env.get_template("contract.py.j2").render(name=name))
    (target / "tests").mkdir(parents=True)
    for template, relative in _FILES.items():
        text = env.get_template(template).render(name=name, title=title, contract_table=contract_table)
        (target / relative.format(name=name)).write_text(text, encoding="utf-8")
    docstring = f"{title}: the pilot's own code (pilots.{name})."
    (target / "__init__.py").write_text(f"{docstring!r}\n")  # a literal whatever the title holds
    (target / "tests" / "__init__.py").write_text("")
    if not (root / "pilots" / "__init__.py").exists():
        (root / "pilots" / "__init__.py").write_text('"""The pilots of the lab, one package a folder."""\n')
    nbformat.write(_notebook(name, title), target / f"{name}.ipynb")
    return target


def _contract_table(contract_source: str) -> str:
    namespace: dict = {}
    exec(compile(contract_source, "contract.py", "exec"), namespace)  # our own template, rendered just above
    return namespace["TABLE"].to_markdown()
