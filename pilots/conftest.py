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
