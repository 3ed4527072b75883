"""livinglab: the shared package of the Luxembourg living lab for applied AI.

Notebooks use a handful of calls from here::

    import livinglab
    source = livinglab.resolve("uci-parkinsons-telemonitoring", data_mode)   # one path for data
    livinglab.record("mae_next_visit", 3.2)                                  # metrics for the runner
    livinglab.record_many({"n_subjects": 42, "data_source": source.label})   # several at once
    livinglab.output_dir()                                                    # where run files go

and three submodules: ``livinglab.threads`` (the thread budget), ``livinglab.drift`` (comparison with
earlier runs on the same data) and ``livinglab.trust`` (uncertainty, fairness, privacy, model cards).
"""

import os as _os

# LightGBM's and scikit-learn's OpenMP threads spin while waiting by default; on cores shared with other
# jobs (CI, notebooks beside other work) that made 2-thread fits several times slower here. Passive waiting
# costs nothing on free cores. Only a default (an explicit setting wins), and effective only before the
# OpenMP runtime starts, which is why it lives in the package every pilot imports first.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .catalog import DATA_MODES, DataSource, DataUnavailable, check_data_mode, fetch, resolve, resolve_all
from .paths import output_dir, project_root
from .recording import record, record_many, recorded

__version__ = "0.1.0"
__all__ = [
    "DATA_MODES",
    "DataSource",
    "DataUnavailable",
    "check_data_mode",
    "fetch",
    "output_dir",
    "project_root",
    "record",
    "record_many",
    "recorded",
    "resolve",
    "resolve_all",
    "__version__",
]
