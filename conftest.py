"""Test-session environment for everything pytest collects (tests/ and the pilots' notebooks).

No test touches the network: downloads are refused before any connection is tried. The real public
datasets beside the project (../shared/data) are used as the data mirror when they exist.
"""

import os
from pathlib import Path

_SHARED_DATA = (Path(__file__).resolve().parent.parent / "shared" / "data").resolve()

os.environ["LIVINGLAB_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
if _SHARED_DATA.is_dir():
    os.environ.setdefault("LIVINGLAB_DATA_MIRROR", str(_SHARED_DATA))
