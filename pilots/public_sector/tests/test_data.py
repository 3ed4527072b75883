"""Loading requests: a partner's quirky files through the contract, languages and splits from the data,
rare labels merged instead of a crash; SIB-200's folder loader and the synthetic fallback."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from livinglab import DataUnavailable, recording
from livinglab.contract import ContractError
from pilots.public_sector import OTHER, RequestRouter, load_requests
from pilots.public_sector.data import (
    RequestDataError,
    language_from_paths,
    normalise_languages,
    split_from_paths,
)
from pilots.public_sector.loaders import SIB200_LABELS, load_sib200, resolve_sib200
from pilots.public_sector.synthetic import generate_requests

GERMAN = generate_requests(240, seed=5, language_shares={"de": 1.0}, code_switch_share=0.0).requests


def german_table(with_time: bool = True) -> pd.DataFrame:
    """German requests with an administration's column names, a label seen once, time stamps."""
    table = pd.DataFrame({"Meldung": GERMAN["text"], "Zuständigkeit": GERMAN["theme"]})
    table.loc[7, "Zuständigkeit"] = "asylum"  # a label with one example
    if with_time:
        table["Eingang"] = pd.date_range("2024-01-01", periods=len(table), freq="6h").strftime(
            "%d.%m.%Y %H:%M"
        )
    return table


COLUMNS = {"text": "Meldung", "label": "Zuständigkeit", "timestamp": "Eingang"}


def write_quirky(
    path, table: pd.DataFrame, *, encoding="utf-8", bom=False, crlf=False, sep="\t", trailing=True
):
    header = sep.join(table.columns) + (sep if trailing else "")
    rows = table.astype(str).agg(sep.join, axis=1) + (sep if trailing else "")
    newline = "\r\n" if crlf else "\n"
    text = newline.join([header, *rows]) + newline
    data = text.replace("€", "EUR").encode(encoding) if encoding == "latin-1" else text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@pytest.mark.parametrize(
    "kwargs",
    [
        {"trailing": True},  # a header (and rows) ending in a tab
        {"crlf": True, "bom": True},
        {"encoding": "cp1252", "sep": ";"},
        {"encoding": "latin-1", "crlf": True},
    ],
    ids=["trailing-tab", "crlf-bom", "cp1252-semicolon", "latin1-crlf"],
)
def test_quirky_german_file_loads_and_routes_without_luxembourgish(tmp_path, kwargs):
    path = write_quirky(tmp_path / "meldungen.tsv", german_table(), **kwargs)
    data = load_requests(data_path=str(path), columns=COLUMNS, min_class_size=5)
    assert data.mode == "file" and data.labelled and data.label_name == "Zuständigkeit"
    assert set(data.languages) == {"de"} and "py3langid" in data.language_origin  # detected: all German
    assert data.test["text"].str.contains("ü|ä|ö|ß", regex=True).any()  # umlauts survived the encoding
    # time-ordered split: every test request is later than every training request
    assert data.train["timestamp"].max() < data.test["timestamp"].min()
    assert "time-ordered" in data.split
    # the label seen once is merged into "other" with a note, never a crash
    assert "asylum" in data.merged_labels and OTHER in set(data.train["label"])
    assert any("asylum" in note and "person" in note for note in data.notes)
    router = RequestRouter(target_precision=0.9).fit(
        data.train["text"], data.train["label"], groups=data.groups, label_name=data.label_name
    )
    routed = router.route(data.test)
    assert len(routed) == len(data.test)
    assert (routed.loc[routed["label"] == OTHER, "route"] == "human").all()
    assert "Luxembourgish" in data.describe() or "de" in data.describe()


def test_gzip_and_renamed_columns_and_random_split(tmp_path):
    table = german_table(with_time=False)
    path = tmp_path / "export.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        table.to_csv(fh, index=False, sep=";")
    data = load_requests(data_path=str(path), columns={"text": "Meldung", "label": "Zuständigkeit"})
    assert "random, stratified" in data.split
    assert "asylum" in data.merged_labels and "asylum" not in set(data.test["label"])  # seen once: training


def test_language_column_codes_are_normalised_and_absent_languages_noted(tmp_path):
    table = pd.DataFrame(
        {
            "text": list(GERMAN["text"][:60]) + ["Bonjour, je voudrais un certificat de résidence svp."] * 30,
            "label": list(GERMAN["theme"][:60]) + ["residence_registration"] * 30,
            "lang": ["deu"] * 60 + ["French"] * 30,
        }
    )
    path = tmp_path / "mixed.csv"
    table.to_csv(path, index=False)
    data = load_requests(data_path=str(path), columns={"language": "lang"})
    assert set(data.languages) == {"de", "fr"} and data.language_origin == "from the language column"
    from pilots.public_sector.analysis import absent_languages

    assert absent_languages(data.test["language"]).startswith("No ")
    assert "Luxembourgish" in absent_languages(data.test["language"])


def test_language_and_split_from_file_names():
    paths = pd.Series(
        ["x/eng_Latn/train.tsv", "x/ltz_Latn/dev.tsv", "x/fra_Latn/test.tsv", "data/requests.csv"]
    )
    assert language_from_paths(paths).tolist()[:3] == ["en", "lb", "fr"] and pd.isna(
        language_from_paths(paths)[3]
    )
    assert split_from_paths(paths).tolist()[:3] == ["train", "train", "test"]
    assert normalise_languages(pd.Series(["FR-lu", "ltz", "Deutsch", "pt"])).tolist() == [
        "fr",
        "lb",
        "de",
        "pt",
    ]


@pytest.mark.parametrize(
    "table, columns, message",
    [
        (
            pd.DataFrame({"Meldung": ["a", "b"], "x": ["t", "u"]}),
            {"text": "Meldung"},
            "no column for 'label'",
        ),
        (pd.DataFrame({"text": ["a"] * 6, "label": ["one"] * 6}), {}, "Only one label"),
        (pd.DataFrame({"text": ["", " "], "label": ["a", "b"]}), {}, "No row has a text"),
    ],
)
def test_unusable_files_fail_with_one_sentence(tmp_path, table, columns, message):
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises((RequestDataError, ContractError), match=message):
        load_requests(data_path=str(path), columns=columns)


def test_model_path_needs_a_file():
    with pytest.raises(RequestDataError, match="data_path"):
        load_requests("synthetic", model_path="x.joblib")


def test_unlabelled_requests_load_for_routing(tmp_path):
    path = tmp_path / "new.csv"
    pd.DataFrame({"Meldung": GERMAN["text"][:20]}).to_csv(path, index=False)
    data = load_requests(data_path=str(path), columns={"text": "Meldung"}, model_path="model.joblib")
    assert not data.labelled and data.train is None and len(data.test) == 20 and "label" not in data.test


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
    with pytest.raises(RequestDataError, match="'cooking'"):
        load_sib200(tmp_path, languages=("fra_Latn",), splits=("dev",))


def test_auto_mode_without_sib200_falls_back_to_the_generator(tmp_path, monkeypatch):
    """data_mode="auto" runs on synthetic requests when SIB-200 is absent."""
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(tmp_path))  # an empty mirror
    monkeypatch.setenv("LIVINGLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    log = tmp_path / "recorded.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    frame, sources = resolve_sib200("auto")
    assert frame is None and len(sources) == 1 and sources[0].is_synthetic
    assert sources[0].dataset == "guichet-requests" and "make_splits" in sources[0].detail
    recorded = recording.read_metrics_file(log).sources
    assert [(s["dataset"], s["origin"]) for s in recorded] == [("guichet-requests", "synthetic")]
    with pytest.raises(DataUnavailable, match="eng_Latn_train.tsv"):
        resolve_sib200("real")
    data = load_requests("synthetic", n_requests=300)
    assert (
        data.synthetic
        and len(data.test) == 60
        and np.isin(data.test["language"], ["fr", "de", "lb", "en"]).all()
    )
