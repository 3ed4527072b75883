"""The committed reference tables: complete, consistent, and true to the published file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.model.reference import REGIONS, load_counting_posts, load_places, load_segments


def test_places_are_real_coordinates_of_the_tri_border_region():
    places = load_places()
    assert places.index.is_unique
    assert places["lat"].between(49.0, 50.0).all() and places["lon"].between(5.6, 6.9).all()
    assert set(places["region"]) <= set(REGIONS)
    for name in (
        "THIONVILLE",
        "METZ",
        "ESCH",
        "BETTEMBOURG",
        "LUX_KIRCHBERG",
        "LUX_GARE",
        "LUX_CLOCHE_DOR",
        "BORDER_STERPENICH",
        "BORDER_SCHENGEN",
        "BORDER_WASSERBILLIG",
        "MONDORF",
        "BORDER_LONGWY",
    ):
        assert name in places.index
    # a few sanity facts about geography: Metz is south of Thionville, Trier east of Wasserbillig
    assert places.loc["METZ", "lat"] < places.loc["THIONVILLE", "lat"] < places.loc["LUX_GARE", "lat"]
    assert places.loc["TRIER", "lon"] > places.loc["WASSERBILLIG", "lon"]
    assert places.loc["ARLON", "lon"] < places.loc["BORDER_STERPENICH", "lon"]


def test_segments_join_known_places_with_plausible_attributes():
    places, segments = load_places(), load_segments()
    assert set(segments["u"]).union(segments["v"]) <= set(places.index)
    assert segments["highway"].isin(["motorway", "trunk", "primary"]).all()
    assert segments["lanes"].between(1, 3).all()
    assert segments["maxspeed"].between(50, 130).all()
    assert set(segments.loc[segments["highway"] == "motorway", "road"]) >= {
        "A1",
        "A3",
        "A4",
        "A6",
        "A7",
        "A13",
        "A31",
    }


def test_counting_posts_rank_order_and_selection():
    posts = load_counting_posts()
    assert len(posts) == 60 and posts["station_id"].is_unique
    assert (posts["rank"].diff().dropna() == 1).all()
    assert not posts["road"].str.startswith("PC").any()  # no cycle paths
    assert (posts["aawt_2023"] > 0).all() and (posts["aadt_2023"] > 1000).all()
    assert list(load_counting_posts(3)["road"]) == ["A3", "A13", "A6"]
    with pytest.raises(ValueError, match="n_stations must be between 1 and 60"):
        load_counting_posts(61)


@pytest.mark.realdata
def test_counting_posts_match_the_published_geojson(shared_data_dir):
    raw = json.loads((shared_data_dir / "mobility" / "Luxembourg_AADT_AAWT_2023.geojson").read_text())
    features = raw["features"]
    published = pd.DataFrame(
        [
            {
                **f["properties"],
                "lon": f["geometry"]["coordinates"][0],
                "lat": f["geometry"]["coordinates"][1],
            }
            for f in features
        ]
    )
    posts = load_counting_posts()
    ref = published.iloc[posts["geojson_index"].to_numpy()].reset_index(drop=True)
    assert (ref["raw_name"].to_numpy() == posts["road"].to_numpy()).all()
    assert np.allclose(ref["AADT"], posts["aadt_2023"], atol=0.5)
    assert np.allclose(ref["AAWT"], posts["aawt_2023"], atol=0.5)
    assert np.allclose(ref["lat"], posts["lat"], atol=1e-5) and np.allclose(
        ref["lon"], posts["lon"], atol=1e-5
    )
