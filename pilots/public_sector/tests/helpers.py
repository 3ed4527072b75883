"""Helpers of the public-sector tests: the run's requests as ``run`` prepares them (one load, no recording)."""

from __future__ import annotations

import livinglab
from pilots.public_sector.data import RequestData, prepare
from pilots.public_sector.model.router import RequestRouter
from pilots.public_sector.privacy import redact


def prepared(params: dict, *, redacted: bool = False) -> RequestData:
    """``livinglab.load`` + ``data.prepare`` for ``params`` (the notebook's defaults fill the rest)."""
    data = livinglab.load("public_sector", "requests", params, record=False)
    requests = prepare(data, data.params)
    if redacted:
        for part in requests.parts.values():
            part["redacted_text"] = redact(part["text"])[0]
    return requests


def fitted_router(data: RequestData, *, model=None, **fit_options) -> RequestRouter:
    """A router fitted as ``run`` fits it: on the redacted training requests, with the validation requests
    for choosing the candidate and the auto-routing threshold (target precision 0.9, seed 0); ``model``: a
    given candidate instead of the router's own choice."""
    return RequestRouter(target_precision=0.9, seed=0, model=model).fit(
        data.train["redacted_text"],
        data.train["label"],
        validation_texts=data.validation["text"],
        validation_labels=data.validation["label"],
        urgency=data.train["urgency"],
        redacted=True,
        **fit_options,
    )
