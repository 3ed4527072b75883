"""livinglab: the shared package of the Luxembourg living lab for applied AI.

Notebooks use a handful of calls from here::

    import livinglab
    source = livinglab.resolve("uci-parkinsons-telemonitoring", data_mode)   # one path for data
    livinglab.record("mae_next_visit", 3.2)                                  # metrics for the runner
    livinglab.output_dir()                                                    # where run files go
"""

from .catalog import DataSource, DataUnavailable, fetch, resolve
from .paths import output_dir, project_root
from .recording import record, recorded

__version__ = "0.1.0"
__all__ = ["DataSource", "DataUnavailable", "fetch", "output_dir", "project_root", "record", "recorded",
           "resolve", "__version__"]
