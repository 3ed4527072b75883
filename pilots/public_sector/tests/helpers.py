"""Helpers of the public-sector tests: the run's requests as ``run`` prepares them (one load, no recording)."""

from __future__ import annotations

import livinglab
from pilots.public_sector.data import RequestData, prepare
from pilots.public_sector.privacy import redact


def prepared(params: dict, *, redacted: bool = False) -> RequestData:
    """``livinglab.load`` + ``data.prepare`` for ``params`` (the notebook's defaults fill the rest)."""
    data = livinglab.load("public_sector", "requests", params, record=False)
    requests = prepare(data, data.params)
    if redacted:
        for part in requests.parts.values():
            part["redacted_text"] = redact(part["text"])[0]
    return requests
