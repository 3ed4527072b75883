"""Real data: SIB-200 (English, French, German, Luxembourgish) through the catalogue and the mirror."""

from __future__ import annotations

import os

import pytest

from livinglab.paths import project_root
from pilots.public_sector import (
    LanguageIdentifier,
    fit_theme_model,
    generate_requests,
    redact,
    resolve_sib200,
)
from pilots.public_sector.evaluation import accuracy, majority_baseline
from pilots.public_sector.loaders import SIB200_LANGUAGES

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def sib200():
    # the same place conftest.py's shared_data_dir looks (that fixture is per test, this one per module)
    shared = (project_root().parent / "shared" / "data").resolve()
    if not (shared / "triage" / "sib200").is_dir():
        pytest.skip(
            f"real-data mirror {shared}/triage/sib200 is absent; SIB-200 is tested only where it exists"
        )
    os.environ.setdefault("LIVINGLAB_DATA_MIRROR", str(shared))
    frame, sources = resolve_sib200("real")
    return frame, sources


def test_all_files_resolve_from_the_mirror_with_their_checksum(sib200):
    frame, sources = sib200
    assert len(sources) == len(SIB200_LANGUAGES) * 3
    assert all(s.origin in ("mirror", "cache") and s.sha256 for s in sources)
    counts = frame.groupby(["language", "split"]).size()
    assert counts.xs("train", level="split").eq(701).all() and counts.xs("test", level="split").eq(204).all()


@pytest.mark.parametrize("kind", ["baseline", "strong"])
def test_per_language_accuracy_above_the_majority_baseline(sib200, kind):
    frame, _ = sib200
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    model = fit_theme_model(kind, train["text"], train["label"])
    pred = model.predict(test["text"])
    for lang, idx in test.groupby("language").groups.items():
        part = test.loc[idx]
        base = majority_baseline(train.loc[train["language"] == lang, "label"], part["label"])["accuracy"]
        acc = accuracy(part["label"], pred[test.index.get_indexer(idx)])
        assert acc > base + 0.15, (kind, lang, acc, base)


def test_language_id_trained_on_synthetic_requests_recognises_real_sentences(sib200):
    frame, _ = sib200
    synth = generate_requests(2000, seed=0).requests
    mono = synth["second_language"] == ""
    lid = LanguageIdentifier().fit(redact(synth.loc[mono, "text"])[0], synth.loc[mono, "language"])
    test = frame[frame["split"] == "test"]
    pred = lid.predict(test["text"])
    assert accuracy(test["language"], pred) >= 0.95
    lb = (test["language"] == "lb").to_numpy()
    assert accuracy(test["language"][lb], pred[lb]) >= 0.9
