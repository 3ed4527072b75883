"""Which requests can read personal data, and the key they need: real data, a partner's file, and ``auto``
when its real dataset is at hand. The runner checks the pseudonymisation key of such requests before any
kernel starts; a cluster runs them only on workers that may hold personal data and the key
(:mod:`livinglab.cluster`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .pilots import Design, Pilot

PERSONAL_MODES = ("real", "file")  # the modes that can read personal data


def personal_mode(design: Design, mode: str) -> str:
    """``mode``, with ``auto`` resolved to ``real`` when the design's catalogue dataset is at hand (cache,
    mirror, or online), so that what real data need is checked before any kernel starts."""
    if mode != "auto" or design.real is None:
        return mode
    from .catalog import MIRROR_ENV, get_dataset, is_online
    from .paths import cache_dir

    dataset = get_dataset(design.real.dataset)
    for name in design.real.distributions or [None]:
        dist = dataset.distribution(name)
        mirror = os.environ.get(MIRROR_ENV)
        if (cache_dir() / dataset.identifier / dist.name).exists() or (
            mirror and dist.mirror_path and (Path(mirror) / dist.mirror_path).exists()
        ):
            continue
        if not (dist.download_url and is_online(dist.download_url)):
            return "synthetic"  # auto falls back on the generator: no personal data
    return "real"


def reads_personal_data(pilot: Pilot, design: Design, plan: dict[str, Any]) -> bool:
    """Whether a checked unit reads real or partner data (a cluster runs it only where the key may be)."""
    from .contract import effective_data_mode

    values = pilot.defaults(design) | plan
    if "data_mode" not in values:
        return False
    mode = effective_data_mode(values["data_mode"], str(values.get("data_path") or "").strip())
    return personal_mode(design, mode) in PERSONAL_MODES


def check_pseudonym_key() -> None:
    """A pseudonymisation key in the environment must be a key (a pilot that needs one says so if absent)."""
    from .trust.privacy import PSEUDONYM_KEY_ENV, key_problem

    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    problem = key_problem(key) if key else None
    if problem:
        raise ValueError(problem)
