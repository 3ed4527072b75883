"""The pilot's committed reference tables: places, road segments and the 2023 counting posts."""

from __future__ import annotations

from importlib import resources

import pandas as pd

ATTRIBUTION = (
    "Counting-post AADT/AAWT 2023: Administration des ponts et chaussées, 'PCH : Comptage trafic', "
    "data.public.lu, CC BY 4.0 (via the derived Luxembourg_AADT_AAWT_2023.geojson). "
    "Places and roads: (c) OpenStreetMap contributors, ODbL."
)
REGIONS = ("LU", "FR", "BE", "DE-SL", "DE-RP")
NEIGHBOUR_REGIONS = REGIONS[1:]


def _read(name: str) -> pd.DataFrame:
    with resources.files("pilots.mobility").joinpath("reference", name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def load_places() -> pd.DataFrame:
    """Real places of the tri-border region, indexed by ``place_id``."""
    return _read("places.csv").set_index("place_id")


def load_segments() -> pd.DataFrame:
    """Two-way road segments between places (road number, class, lanes per direction, speed limit)."""
    return _read("segments.csv")


def load_counting_posts(n: int | None = None) -> pd.DataFrame:
    """The 2023 counting posts with AADT/AAWT, in rank order (motorways first); the first ``n`` if given."""
    posts = _read("counting_posts_2023.csv").sort_values("rank").reset_index(drop=True)
    if n is not None:
        if not 1 <= n <= len(posts):
            raise ValueError(f"n_stations must be between 1 and {len(posts)} (the reference posts), got {n}.")
        posts = posts.head(n).reset_index(drop=True)
    return posts
