"""The one thing a pilot's ``run(params)`` returns: what the run found, as records every page renders.

Every pilot has ``pilots/<name>/run.py`` with ``run(params) -> Result`` (a subclass with the pilot's own
tables and fitted objects). The notebook displays the result and explains it; the benchmark and the
tests call the same ``run``; ``result.record()`` hands it to the runner, which writes ``metrics.json``
from it; the model card and the index render from the same records.

- ``metrics``: numbers and short texts, deterministic (same data, parameters and seed: same values);
- ``claims``: :class:`livinglab.claims.Claim` records, each comparison computed once;
- ``subgroups``: :class:`livinglab.trust.SubgroupReport` per grouping the pages show;
- ``timings``: seconds, kept apart (they depend on the machine's load and are never compared);
- ``data``: the loaded data (:class:`livinglab.data.Loaded`), whose source is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .claims import Claim, largest_gap


@dataclass(kw_only=True)
class Result:
    pilot: str
    design: str
    data: Any  # livinglab.data.Loaded
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    subgroups: dict[str, Any] = field(default_factory=dict)  # title -> SubgroupReport
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def claim(self, name: str) -> Claim:
        for claim in self.claims:
            if claim.name == name:
                return claim
        raise KeyError(f"No claim {name!r} in this result; it has {[c.name for c in self.claims]}.")

    @property
    def verdicts(self) -> dict[str, str]:
        return {c.name: c.verdict for c in self.claims}

    def largest_gap(self) -> dict[str, Any] | None:
        """The largest subgroup gap across every grouping of this result (what fairness answers quote)."""
        return largest_gap(self.subgroups)

    def as_record(self) -> dict[str, Any]:
        """The deterministic record: metrics (with the claims' values) and the claims; no timings."""
        values = dict(self.metrics)
        for claim in self.claims:
            values.setdefault(claim.name, claim.model_value)
        return {"metrics": values, "claims": {c.name: c.as_dict() for c in self.claims}}

    def record(self) -> Result:
        """Hand the result to the runner (``metrics.json``); the data source was recorded by the load."""
        from .recording import record_claims, record_many, record_timings

        record_many(self.as_record()["metrics"])
        record_claims(self.claims)
        record_timings(self.timings)
        return self
