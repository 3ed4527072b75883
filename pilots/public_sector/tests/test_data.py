"""Loading requests: a partner's quirky files through livinglab.load and the contract, languages and splits
from the data, rare labels merged instead of a crash; SIB-shaped folders (language and split from the
reader's source_file) and the synthetic fallback."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab import DataUnavailable
from livinglab.contract import ContractError
from pilots.public_sector import model as M
from pilots.public_sector.contract import OTHER, preflight
from pilots.public_sector.data import (
    RequestDataError,
    language_from_paths,
    normalise_languages,
    split_from_paths,
)
from pilots.public_sector.model.router import RequestRouter
from pilots.public_sector.synthetic import generate_requests

from .helpers import prepared

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
    data = prepared({"data_path": str(path), "columns": COLUMNS, "min_class_size": 5})
    assert data.labelled and data.label_name == "Zuständigkeit"
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


def test_gzip_and_renamed_columns_and_random_split(tmp_path):
    table = german_table(with_time=False)
    path = tmp_path / "export.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        table.to_csv(fh, index=False, sep=";")
    data = prepared({"data_path": str(path), "columns": {"text": "Meldung", "label": "Zuständigkeit"}})
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
    data = prepared({"data_path": str(path), "columns": {"language": "lang"}}, redacted=True)
    assert set(data.languages) == {"de", "fr"} and data.language_origin == "from the language column"
    *_, note = M.language_check(data, n_boot=20)
    assert note.startswith("No ") and "Luxembourgish" in note and "English" in note


SHORT_GERMAN = ["Container voll", "Parkplatz Rue de Luxembourg blockiert", "Graffiti am Pavillon",
                "Schlagloch Avenue de la Gare", "Container Service"]  # fmt: skip


def test_a_german_file_whose_languages_are_declared_is_german_throughout(tmp_path):
    """Short German reports with French street names or loan words: py3langid among four languages calls
    some of them French, Luxembourgish or English; with -p languages ["de"] every report is German."""
    table = german_table(with_time=False)
    table.loc[: len(SHORT_GERMAN) - 1, "Meldung"] = SHORT_GERMAN
    path = tmp_path / "meldungen.csv"
    table.to_csv(path, index=False)
    columns = {"text": "Meldung", "label": "Zuständigkeit"}
    detected = prepared({"data_path": str(path), "columns": columns, "min_class_size": 1})
    assert set(detected.languages) > {"de"}  # the four-language identification errs on the short ones
    data = prepared({"data_path": str(path), "columns": columns, "min_class_size": 1, "languages": ["deu"]})
    assert set(data.languages) == {"de"} and data.language_origin == "declared (de)"
    two = prepared(
        {"data_path": str(path), "columns": columns, "min_class_size": 1, "languages": ["de", "fr"]}
    )
    assert set(two.languages) <= {"de", "fr"} and "among fr, de" in two.language_origin
    with pytest.raises(RequestDataError, match="languages: Klingon is not one of"):
        prepared({"data_path": str(path), "columns": columns, "languages": ["Klingon"]})


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
        (pd.DataFrame({"text": list("abcdef"), "label": ["one"] * 6}), {}, "Only one label"),
        (pd.DataFrame({"text": ["", " "], "label": ["a", "b"]}), {}, "No row has a text|is empty in all"),
    ],
)
def test_unusable_files_fail_with_one_sentence(tmp_path, table, columns, message):
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises((RequestDataError, ContractError), match=message):
        prepared({"data_path": str(path), "columns": columns})


def test_model_path_needs_a_file_of_new_requests(tmp_path, monkeypatch):
    with pytest.raises(RequestDataError, match="data_path"):
        prepared({"model_path": "x.joblib", "n_requests": 300})
    # the same, and the model file itself, checked before any kernel starts
    with pytest.raises(ContractError, match="data_path"):
        preflight("synthetic", {"model_path": "x.joblib"})
    with pytest.raises(ContractError, match="does not exist"):
        preflight("file", {"model_path": str(tmp_path / "x.joblib"), "data_path": "new.csv"})
    (tmp_path / "x.joblib").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContractError, match="absolute path"):
        preflight("file", {"model_path": "x.joblib", "data_path": "new.csv"})


def test_a_training_file_without_label_is_refused_before_any_kernel(tmp_path):
    path = tmp_path / "new.csv"
    pd.DataFrame({"Meldung": GERMAN["text"][:20]}).to_csv(path, index=False)
    with pytest.raises(ContractError, match="no column for 'label'"):
        preflight("file", {"data_path": str(path), "columns": {"text": "Meldung"}})


def test_unlabelled_requests_load_for_routing(tmp_path):
    path = tmp_path / "new.csv"
    pd.DataFrame({"Meldung": GERMAN["text"][:20]}).to_csv(path, index=False)
    data = prepared({"data_path": str(path), "columns": {"text": "Meldung"}, "model_path": "model.joblib"})
    assert not data.labelled and data.train is None and len(data.test) == 20 and "label" not in data.test


def test_sib_shaped_folders_give_language_and_split_from_the_readers_source_file(tmp_path):
    """Files <lang>/<split>.tsv read together: language and split come from the source_file column the
    shared reader adds; quotes and ids (kept as text) survive."""
    for lang in ("ltz_Latn", "eng_Latn"):
        folder = tmp_path / lang
        folder.mkdir()
        for split in ("train", "test"):
            (folder / f"{split}.tsv").write_text(
                'index_id\tcategory\ttext\n07\tsports\t"Hie sot ""Jo"" zum Match."\n9\thealth\tDe Spidol.\n',
                encoding="utf-8",
            )
    data = prepared(
        {"data_path": str(tmp_path / "*" / "*.tsv"), "columns": {"label": "category", "id": "index_id"},
         "min_class_size": 1}
    )  # fmt: skip
    both = pd.concat([data.train, data.test])
    assert len(data.train) == len(data.test) == 4 and data.label_name == "category"
    assert set(both["language"]) == {"lb", "en"} and data.language_origin == "from the file names"
    assert data.split.startswith("by file name: 2 training file(s)")
    assert 'Hie sot "Jo" zum Match.' in set(both["text"]) and "07" in set(both["id"])
    assert data.groups is not None  # the translations of one sentence share a cross-validation fold


def test_auto_mode_without_sib200_falls_back_to_the_generator(tmp_path, monkeypatch):
    """data_mode="auto" runs on synthetic requests when SIB-200 is absent; "real" says what is missing."""
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(tmp_path))  # an empty mirror
    monkeypatch.setenv("LIVINGLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    loaded = livinglab.load(
        "public_sector", "requests", {"data_mode": "auto", "n_requests": 300}, record=False
    )
    assert loaded.is_synthetic and "make_requests" in loaded.source.facts["generator"]
    with pytest.raises(DataUnavailable, match="deu_Latn_dev.tsv"):
        livinglab.load("public_sector", "requests", {"data_mode": "real"}, record=False)
    data = prepared({"data_mode": "auto", "n_requests": 300})
    assert len(data.test) == 60 and np.isin(data.test["language"], ["fr", "de", "lb", "en"]).all()
