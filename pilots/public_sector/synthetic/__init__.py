"""The public-sector pilot's SYNTHETIC requests: citizens' requests to Guichet.lu, labelled synthetic.

``make_requests(params)`` is the design's generator (pilot.yaml ``synthetic: make_requests``): one frame
in the contract's names (``text``, ``label`` = the theme, ``language``, ``id``) with the generator's truth
beside them: ``split`` (training requests from one half of every phrase pool and of the writers,
validation and test requests from the other half), ``second_language``, ``urgency``, the form fields
``form_*`` and their check's truth, and ``planted_pii`` (the personal data planted in each request, as
JSON, so the redactor's recall can be measured on the same rows).

- :mod:`.generator`: ``generate_requests(n, seed)`` and ``make_splits`` (held-out phrase pools);
- :mod:`.phrases`, :mod:`.themes`: the phrase pools, the themes and their administrations and forms;
- :mod:`.noise`: typos, dropped accents, lower case; :mod:`.identifiers`: identifiers with valid check
  digits; :mod:`.forms`: the form-completeness check.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .generator import PHRASE_POOLS, Splits, SyntheticRequests, generate_requests, make_splits

__all__ = ["PHRASE_POOLS", "Splits", "SyntheticRequests", "generate_requests", "make_requests", "make_splits"]

_PII_FIELDS = ["order", "kind", "value", "where", "form"]


def make_requests(params: dict) -> pd.DataFrame:
    """synthetic requests to Guichet.lu in French, German, Luxembourgish and English (13 themes and a
    'not for us' route, 12% code-switched, typos, planted personal data)"""
    splits = make_splits(int(params["n_requests"]), int(params["seed"]))
    parts = {"train": splits.train, "validation": splits.validation, "test": splits.test}
    frame = pd.concat([part.assign(split=name) for name, part in parts.items()], ignore_index=True)
    frame = frame.rename(columns={"request_id": "id", "theme": "label"})
    for name in ("text", "language", "id"):
        frame[name] = frame[name].astype("string")
    # the planted personal data of each request, in the generator's order (a few thousand rows)
    pii = splits.pii.assign(order=np.arange(len(splits.pii)))
    encoded = pd.Series(
        [json.dumps(row, ensure_ascii=False) for row in pii[_PII_FIELDS].astype(object).to_numpy().tolist()],
        index=pii.index,
    )
    planted = "[" + encoded.groupby(pii["request_id"]).agg(",".join) + "]"
    frame["planted_pii"] = frame["id"].astype(object).map(planted).fillna("[]")
    frame.attrs["generator"] = (
        "synthetic.make_requests: requests to Guichet.lu written by the embedded generator (French, German, "
        "Luxembourgish, English; 13 themes and a 'not for us' route; planted personal data)"
    )
    frame.attrs["label_name"] = "theme"
    return frame


def planted_truth(planted: pd.Series, request_ids) -> pd.DataFrame:
    """The planted personal data of ``planted`` (the ``planted_pii`` column) as one row per identifier:
    request_id, kind, value, where, form (in the generator's order)."""
    lists = pd.Series(planted.to_numpy(dtype=object)).map(json.loads)
    long = pd.DataFrame({"request_id": np.asarray(request_ids, dtype=object), "item": lists}).explode("item")
    long = long.dropna(subset=["item"])
    fields = pd.DataFrame(long["item"].tolist(), columns=_PII_FIELDS, index=long.index)
    out = pd.concat([long[["request_id"]], fields], axis=1).sort_values("order", kind="stable")
    return out[["request_id", "kind", "value", "where", "form"]].reset_index(drop=True)
