"""The generic labelled-CSV loader and the SIB-200 folder loader: good input, and bad input -> one clear error."""

from __future__ import annotations

import pandas as pd
import pytest

from livinglab import DataUnavailable, recording
from pilots.public_sector.loaders import (
    SIB200_LABELS,
    TriageDataError,
    load_labelled_csv,
    load_sib200,
    resolve_sib200,
    validate_labelled,
)


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def test_valid_csv_with_language(tmp_path):
    path = write(
        tmp_path,
        "ok.csv",
        'text,label,language\nMäi Permis leeft of,driving_licence,lb\n"Impôt, question",taxes,fr\n',
    )
    frame = load_labelled_csv(path, labels=["taxes", "driving_licence"])
    assert list(frame.columns) == ["text", "label", "language"]
    assert frame["text"].tolist() == ["Mäi Permis leeft of", "Impôt, question"]


def test_utf8_bom_and_tsv_and_other_column_names(tmp_path):
    path = write(tmp_path, "ok.tsv", "\ufeffid\tcategory\tsentence\n1\ttravel\tGuten Tag\n")
    frame = load_labelled_csv(path, text_col="sentence", label_col="category")
    assert frame.loc[0, "label"] == "travel" and "language" not in frame


def test_empty_text_is_refused_with_its_row(tmp_path):
    path = write(tmp_path, "empty.csv", "text,label\nhello,taxes\n   ,taxes\nbye,taxes\n")
    with pytest.raises(TriageDataError, match=r"row\(s\) 3 have empty text"):
        load_labelled_csv(path)


def test_unknown_labels_are_named(tmp_path):
    path = write(tmp_path, "labels.csv", "text,label\na,taxes\nb,weather\nc,gardening\n")
    with pytest.raises(TriageDataError, match=r"row\(s\) 3, 4 have label\(s\) 'gardening', 'weather'"):
        load_labelled_csv(path, labels=["taxes"])


def test_non_utf8_input_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, "latin1.csv", "text,label\nImpôt sur le revenu,taxes\n", encoding="latin-1")
    with pytest.raises(TriageDataError, match=r"not valid UTF-8 \(byte 0xf4"):
        load_labelled_csv(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("text,label\n", "no rows"),
        ("sentence,label\nhi,taxes\n", "lacks the column\\(s\\) text"),
        ("text,label,language\nhi,taxes,pt\n", "language code\\(s\\) 'pt'"),
        ("text,label\nhi,\n", "no label"),
    ],
)
def test_other_bad_inputs(tmp_path, content, message):
    with pytest.raises(TriageDataError, match=message):
        load_labelled_csv(write(tmp_path, "bad.csv", content))


def test_missing_file(tmp_path):
    with pytest.raises(TriageDataError, match="does not exist"):
        load_labelled_csv(tmp_path / "nope.csv")


def test_validate_labelled_on_a_frame():
    frame = pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"], "language": ["fr", "lb"]})
    assert len(validate_labelled(frame, labels=["x", "y"])) == 2


def test_sib200_folder_loader(tmp_path):
    for lang in ("ltz_Latn", "eng_Latn"):
        folder = tmp_path / lang
        folder.mkdir()
        for split in ("train", "test"):
            (folder / f"{split}.tsv").write_text(
                'index_id\tcategory\ttext\n7\tsports\t"Hie sot ""Jo"" zum Match."\n9\thealth\tDe Spidol.\n',
                encoding="utf-8",
            )
    frame = load_sib200(tmp_path, languages=("ltz_Latn", "eng_Latn"), splits=("train", "test"))
    assert len(frame) == 8
    assert set(frame["language"]) == {"lb", "en"} and set(frame["split"]) == {"train", "test"}
    assert frame.loc[0, "text"] == 'Hie sot "Jo" zum Match.' and frame.loc[0, "index_id"] == "7"
    assert set(frame["label"]) <= set(SIB200_LABELS)


def test_sib200_unknown_topic_is_refused(tmp_path):
    folder = tmp_path / "fra_Latn"
    folder.mkdir()
    (folder / "dev.tsv").write_text("index_id\tcategory\ttext\n1\tcooking\tUne recette.\n", encoding="utf-8")
    with pytest.raises(TriageDataError, match="'cooking'"):
        load_sib200(tmp_path, languages=("fra_Latn",), splits=("dev",))


def test_auto_mode_without_sib200_falls_back_to_the_generator(tmp_path, monkeypatch):
    """The README's promise: data_mode="auto" runs on synthetic requests when SIB-200 is absent."""
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(tmp_path))  # an empty mirror
    monkeypatch.setenv("LIVINGLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    log = tmp_path / "recorded.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    frame, sources = resolve_sib200("auto")
    assert frame is None and len(sources) == 1 and sources[0].is_synthetic
    assert sources[0].dataset == "guichet-requests" and "make_splits" in sources[0].detail
    _, recorded = recording.read_metrics_file(log)
    assert [(s["dataset"], s["origin"]) for s in recorded] == [("guichet-requests", "synthetic")]
    with pytest.raises(DataUnavailable, match="eng_Latn_train.tsv"):
        resolve_sib200("real")
    assert resolve_sib200("synthetic")[1][0].is_synthetic
