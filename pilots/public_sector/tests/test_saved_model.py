"""The saved router is data, never code: the same routes after reloading, a deterministic file whose sha256
the run records, and every crafted file refused before anything is built or any kernel starts (a pickle
that would run code, an untrusted type, an array of Python objects, a changed file with a model_sha256)."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from livinglab.cli import main as livinglab
from livinglab.contract import ContractError
from pilots.public_sector.contract import MODEL_FILE, describe_saved_model, preflight
from pilots.public_sector.model.candidates import LinearTextModel
from pilots.public_sector.model.router import RequestRouter

from .helpers import fitted_router, prepared


@pytest.fixture(scope="module")
def data():
    return prepared({"n_requests": 600, "seed": 5}, redacted=True)


@pytest.fixture(scope="module")
def router(data):
    return fitted_router(data)


@pytest.fixture(scope="module")
def saved(router, tmp_path_factory):
    return router.save(tmp_path_factory.mktemp("model") / MODEL_FILE)


class _Planted:
    """What a crafted pickle does when it is loaded: write a file of its own choosing."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def _crafted_pickle(path, marker):
    path.write_bytes(pickle.dumps(_Planted(marker)))
    assert path.read_bytes()[:1] == b"\x80"
    return path


def _rewrite(source, target, *, model=None, arrays=None):
    """A copy of a saved router with its model.json or arrays replaced."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name == "model.json" and model is not None:
                data = json.dumps(model(json.loads(data))).encode()
            if arrays and name in arrays:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, arrays[name], allow_pickle=True)
                data = buffer.getvalue()
            out.writestr(name, data)
    return target


def test_reloaded_router_routes_identically_and_the_file_is_deterministic(router, saved, data, tmp_path):
    again = RequestRouter.load(saved)
    pd.testing.assert_frame_equal(
        router.route(data.test, explain=True), again.route(data.test, explain=True)
    )  # every column: labels, confidences, routes, alternatives, urgency, explanations
    assert again.threshold_ == router.threshold_ and again.operating_point_ == router.operating_point_
    pd.testing.assert_frame_equal(again.validation_, router.validation_)
    info = json.loads(saved.with_suffix(".json").read_text())
    assert info["sha256"] == router.sha256_ == again.sha256_ and info["format"].startswith("livinglab-")
    second = router.save(tmp_path / MODEL_FILE)
    assert second.read_bytes() == saved.read_bytes()  # same fit, same bytes, same sha256
    with zipfile.ZipFile(saved) as archive:
        assert all(n == "model.json" or n.endswith(".npy") for n in archive.namelist())
        assert b"pickle" not in archive.read("model.json")


@pytest.mark.parametrize("classifier", ["lr", "svm"])
def test_the_plain_and_svm_candidates_are_saved_as_data_and_route_identically(classifier, data, tmp_path):
    """The router routes with whichever candidate validation chose: the plain model (TF-IDF + logistic
    regression) and the linear SVM are saved as JSON and arrays too, never as a pickle."""
    model = LinearTextModel(classifier).fit(data.train["redacted_text"], data.train["label"])
    router = fitted_router(data, model=model)
    path = router.save(tmp_path / "a" / MODEL_FILE)
    again = RequestRouter.load(path, sha256=router.sha256_)
    assert type(again.model_) is LinearTextModel and again.model_.classifier == classifier
    assert again.model_.temperature_ == router.model_.temperature_
    pd.testing.assert_frame_equal(router.route(data.test, explain=True), again.route(data.test, explain=True))
    assert router.save(tmp_path / "b" / MODEL_FILE).read_bytes() == path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert all(n == "model.json" or n.endswith(".npy") for n in archive.namelist())
        names = describe_saved_model(path)
    assert names["format"] == "data"


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "written-by-the-pickle"
    crafted = _crafted_pickle(tmp_path / MODEL_FILE, marker)
    with pytest.raises(ValueError, match="is a pickle .* can run any code") as err:
        RequestRouter.load(crafted)
    assert str(err.value).count(". ") == 0  # one sentence
    with pytest.raises(ContractError, match="trust_pickle true"):
        preflight("file", {"model_path": str(crafted), "data_path": "new.csv"})
    old_name = _crafted_pickle(tmp_path / "request_router.joblib", marker)  # the old file name, joblib's way
    with pytest.raises(ValueError, match="is a pickle"):
        RequestRouter.load(old_name)
    assert not marker.exists()
    # trusted explicitly, it is what it always was: proof that the file above would have run code
    with pytest.raises(TypeError, match="does not hold a RequestRouter"):
        RequestRouter.load(crafted, trust_pickle=True)
    assert marker.exists()


def test_the_crafted_pickle_is_refused_before_any_kernel_by_the_runner(tmp_path, capsys):
    marker = tmp_path / "written-by-the-pickle"
    crafted = _crafted_pickle(tmp_path / MODEL_FILE, marker)
    new = tmp_path / "new.csv"
    pd.DataFrame({"text": ["Ech brauch eng Bescheinegung."] * 3}).to_csv(new, index=False)
    out = tmp_path / "runs"
    argv = ["run", "public_sector", "-p", "model_path", str(crafted), "-p", "data_path", str(new)]
    assert livinglab([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is a pickle" in err and "trust_pickle true" in err and err.count("\n") == 1
    assert not marker.exists() and not list(out.glob("*/public_sector"))  # no kernel, no run folder


def test_untrusted_types_object_arrays_and_a_changed_file_are_refused(saved, tmp_path):
    def evil(doc):
        doc["model"]["fitted"]["model_"]["__type__"] = "subprocess.Popen"
        return doc

    with pytest.raises(ValueError, match="untrusted type.*subprocess.Popen"):
        RequestRouter.load(_rewrite(saved, tmp_path / "evil.zip", model=evil))
    objects = {"a000.npy": np.array([_Planted(tmp_path / "x")], dtype=object)}
    with pytest.raises(ValueError, match="holds Python objects"):
        RequestRouter.load(_rewrite(saved, tmp_path / "objects.zip", arrays=objects))
    assert not (tmp_path / "x").exists()
    digest = describe_saved_model(saved)["sha256"]
    changed = _rewrite(saved, tmp_path / "changed.zip", model=lambda d: {**d, "note": "changed"})
    with pytest.raises(ValueError, match="not the model_sha256"):
        RequestRouter.load(changed, sha256=digest)
    with pytest.raises(ContractError, match="not the model_sha256"):
        preflight("file", {"model_path": str(changed), "model_sha256": digest, "data_path": "x.csv"})
    assert RequestRouter.load(saved, sha256=digest.upper()).sha256_ == digest
    (tmp_path / "text.zip").write_text("not a model")
    with pytest.raises(ValueError, match="not a router saved by this pilot"):
        RequestRouter.load(tmp_path / "text.zip")


@pytest.mark.parametrize("classifier", ["lr", "svm"])
def test_a_page_shows_only_words_of_two_training_requests_whichever_candidate_routes(classifier):
    """The plain model's vectoriser keeps words of a single request: such a word (it can identify a
    person) is still masked on pages and in routed_requests.csv."""
    from types import SimpleNamespace

    from pilots.public_sector.privacy import known_words_of, public_text

    texts = pd.Series(["tax return form", "tax office quagga", "road works", "road traffic form"] * 1)
    model = LinearTextModel(classifier).fit(texts, ["tax", "tax", "road", "road"])
    known = known_words_of(SimpleNamespace(model_=model))
    assert known == {"tax", "road", "form"}
    assert public_text(["tax office quagga"], known)[0] == "tax [rare] [rare]"
