"""The mobility pilot's SYNTHETIC stand-in: hourly counts made in the run by the calibrated traffic simulator.

``make_counts(params)`` (named in pilot.yaml) puts the first ``n_stations`` of the 60 reference counting
posts on the embedded schematic Luxembourg tri-border network and simulates ``days`` days of hourly
counts from ``start`` (``simulator.simulate_counts``, deterministic in ``seed``). The frame is in the
counts contract's names (``site``, ``timestamp``, ``count``, ``direction``: 1 towards Luxembourg City, 2
outbound) plus one truth column the model never sees, ``capacity_vph`` (the simulator's capacity of the
post, which the decision section divides the forecast flows by). Missing hours are rows without a count,
as in a real file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.network import attach_stations, build_embedded_network, region_shares
from ..model.reference import ATTRIBUTION, load_counting_posts
from .simulator import calibration_table, simulate_counts

__all__ = ["GENERATOR", "calibration_table", "make_counts"]

GENERATOR = (
    "synthetic.make_counts, the pilot's traffic simulator: hourly counts per counting post and direction "
    "on a schematic Luxembourg tri-border network, calibrated to the published 2023 AADT/AAWT of real posts "
    f"(reference table pilots/mobility/reference/counting_posts_2023.csv: {ATTRIBUTION})"
)


def make_counts(params: dict) -> pd.DataFrame:
    """SYNTHETIC hourly counts of the traffic simulator (calibrated to real Luxembourg counting posts)."""
    G = build_embedded_network()
    stations = attach_stations(G, load_counting_posts(int(params["n_stations"])))
    sim = simulate_counts(
        stations,
        region_shares(stations, G),
        start=params["start"],
        days=int(params["days"]),
        seed=int(params["seed"]),
    )
    S, T = sim.arrays["count"].shape
    site = np.repeat(sim.series["station_id"].to_numpy(dtype=object), T)
    capacity = sim.stations.set_index("station_id")["capacity_vph_sim"]
    frame = pd.DataFrame(
        {
            "site": site,
            "timestamp": np.tile(sim.timestamps.to_numpy(), S),
            "count": sim.arrays["count"].ravel().astype(np.float64),
            "direction": np.repeat(sim.series["direction"].astype(str).to_numpy(dtype=object), T),
            "capacity_vph": np.repeat(sim.series["station_id"].map(capacity).to_numpy(float), T),
        }
    )
    frame.attrs["generator"] = GENERATOR
    return frame
