"""livinglab: the shared package of the Luxembourg living lab for applied AI.

A pilot's ``run(params)`` uses a handful of calls from here::

    import livinglab
    data = livinglab.load("health", "longitudinal", params)   # the one way in: file, catalogue or synthetic
    claim = livinglab.claims.compare(...)                     # model vs a named baseline, paired interval
    result = livinglab.Result(pilot=..., design=..., data=data, claims=[claim], metrics={...})
    result.record()                                           # hands it to the runner (metrics.json)
    livinglab.output_dir()                                    # where run files go

and the submodules ``livinglab.threads`` (the thread budget), ``livinglab.cluster`` (the executor seam for
local and Dask work) and ``livinglab.trust`` (uncertainty, fairness, privacy, model cards).
ARCHITECTURE.md at the project root says what goes where.
"""

import os as _os

# LightGBM's and scikit-learn's OpenMP threads spin while waiting by default; on cores shared with other
# jobs (CI, notebooks beside other work) that made 2-thread fits several times slower here. Passive waiting
# costs nothing on free cores. Only a default (an explicit setting wins), and effective only before the
# OpenMP runtime starts, which is why it lives in the package every pilot imports first.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import claims
from .catalog import DATA_MODES, DataSource, DataUnavailable, check_data_mode, fetch
from .data import Loaded, load
from .paths import output_dir, project_root
from .recording import record, record_many, recorded
from .result import Result

__version__ = "0.1.0"
__all__ = [
    "claims",
    "load",
    "Loaded",
    "Result",
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
    "__version__",
]
