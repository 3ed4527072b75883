"""Collection in the pilots' folders: with ``--nbval`` (``make test``) only the quick starts are compared.

The quick starts (``pilots/<pilot>/quickstart.ipynb``) are committed with their outputs; nbval executes
each and compares what it shows with what is committed. A pilot's full notebooks are committed without
outputs and run once per test session through the runner (the ``smoke_runs`` fixture), never by nbval.
"""

from __future__ import annotations

QUICKSTART = "quickstart.ipynb"


def pytest_ignore_collect(collection_path, config):
    if collection_path.suffix == ".ipynb" and collection_path.name != QUICKSTART:
        return True
    return None


HINT = (
    "The quick start's committed outputs differ from what the code now produces. If the change is intended, "
    "`make quickstart` re-executes the quick starts: review their diff and commit them; otherwise the code "
    "changed what a reader sees."
)


def pytest_runtest_makereport(item, call):
    """A failed quick-start cell says how to refresh the committed outputs when the change is intended."""
    if call.when == "call" and call.excinfo is not None and item.path.name == QUICKSTART:
        item.add_report_section("call", "quick start", HINT)
