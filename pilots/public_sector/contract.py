"""The public-sector pilot's data contract and value codes: requests, labelled (to train and evaluate a
router) or new (to route with a router an earlier run saved, ``model_path``).

One contract for the one design (``requests``): a free-text column is required; the ``label`` (where each
request went: a service, theme or queue) is required to train, and absent when a saved model routes new
requests (:func:`preflight` checks which, before any kernel starts). A language, a time stamp and an id
are used when present; any other column is kept, for example ``source_file``, which the shared reader adds
when several files are read: the language and the train/test split are taken from the file names when
they say so (SIB-200's ``eng_Latn/train.tsv``), and a ``split`` column (train / validation / test) is used
as given.

No relative imports here: the runner imports this module on its own.
"""

from dataclasses import replace
from pathlib import Path

from livinglab.contract import Contract, ContractError, Field, check_file

#: The languages in scope and their names (the pilot's language codes).
LANGUAGES = ("fr", "de", "lb", "en")
LANGUAGE_NAMES = {"fr": "French", "de": "German", "lb": "Luxembourgish", "en": "English"}
#: Language codes and names a file may use -> the pilot's codes.
LANGUAGE_CODES = {
    **{c: c for c in LANGUAGES},
    "fra": "fr", "fre": "fr", "french": "fr", "français": "fr", "francais": "fr", "französisch": "fr",
    "deu": "de", "ger": "de", "german": "de", "deutsch": "de", "allemand": "de", "däitsch": "de",
    "ltz": "lb", "lux": "lb", "luxembourgish": "lb", "lëtzebuergesch": "lb", "letzebuergesch": "lb",
    "luxembourgeois": "lb", "luxemburgisch": "lb", "lu": "lb",
    "eng": "en", "english": "en", "anglais": "en", "englisch": "en",
}  # fmt: skip
#: The label that labels with too few training requests are merged into; it always goes to a person.
OTHER = "other (too few examples)"
#: The file name of a saved router (beside the run's model card): data only (model/saved.py), never a pickle.
MODEL_FILE = "request_router.zip"
#: What a saved router's ``model.json`` declares, and the only types a load builds from it.
MODEL_FORMAT = "livinglab-request-router/1"
MODEL_TYPES = (
    "RequestRouter", "CrossLingualEnsemble", "LinearTextModel", "FeatureUnion", "TfidfVectorizer",
    "CharNgramTfidf", "LinearSVC", "LogisticRegression", "ComplementNB", "LanguageDetector", "OperatingPoint",
)  # fmt: skip

_TEXT = Field(
    "text",
    "text",
    meaning="the request as written (free text, any of French, German, Luxembourgish, English)",
    aliases=(
        "message",
        "body",
        "request",
        "description",
        "sentence",
        "content",
        "texte",
        "nachricht",
        "ufro",
        "anfrage",
        "anliegen",
    ),
)
_LABEL = Field(
    "label",
    "label",
    required=False,
    meaning=(
        "where the request was routed (service, administration, theme or queue); needed to train and "
        "evaluate, absent when a saved model (model_path) routes new requests"
    ),
    aliases=(
        "category",
        "class",
        "topic",
        "theme",
        "route",
        "service",
        "department",
        "queue",
        "target",
        "dengscht",
        "dienst",
    ),
)
_LANGUAGE = Field(
    "language",
    "category",
    required=False,
    meaning="language code (fr, de, lb, en; fra/deu/ltz/eng or names are understood); detected when absent",
    aliases=("lang", "langue", "sprache", "sprooch", "locale", "language_code"),
)
_TIMESTAMP = Field(
    "timestamp",
    "datetime",
    required=False,
    meaning="when the request arrived; with it the test requests are the latest ones",
    aliases=("date", "datetime", "created", "created_at", "received", "submitted", "datum", "time"),
)
_ID = Field(
    "id",
    "text",
    required=False,
    meaning="request id; rows sharing an id (e.g. translations of one text) stay on one side of every split",
    aliases=(
        "request_id",
        "index_id",
        "case_id",
        "ticket",
        "ticket_id",
        "reference",
        "n_demande",
        "no_demande",
        "numero_demande",
        "n_de_demande",
        "anfragenummer",
        "antragsnummer",
        "referenz",
    ),  # fmt: skip
)

_GROUP = Field(
    "group",
    "text",
    required=False,
    meaning=(
        "related texts share a group (the translations of one text, the messages of one case): they stay on "
        "one side of every split; without it (or an id) near-duplicates are looked for"
    ),
    aliases=(
        "group_id",
        "case",
        "case_group",
        "thread",
        "thread_id",
        "conversation",
        "conversation_id",
        "family",
    ),
)

REQUESTS = Contract(
    "requests",
    "Citizens' requests (labelled to train and evaluate, or new ones to route with a saved model)",
    fields=(_TEXT, _LABEL, _LANGUAGE, _TIMESTAMP, _ID, _GROUP),
    extras=(
        "kept; source_file (added when several files are read) gives the language and split, a split column "
        "(train / validation / test) is used as given"
    ),
    description=(
        "Requests with the label a person gave them train and test the router; without a label, a router "
        "saved by an earlier run (model_path) routes them."
    ),
)
CONTRACTS = {"requests": REQUESTS}

#: The same contract with the label required: what a training run needs (checked by :func:`preflight`).
LABELLED = replace(
    REQUESTS,
    name="labelled_requests",
    fields=tuple(replace(f, required=True) if f.name == "label" else f for f in REQUESTS.fields),
    min_rows=20,  # a training, a validation and a test part of a few requests each
    min_distinct={"label": 2},  # a router chooses between at least two places
)


def _found(node, key: str) -> set:
    """Every value of ``key`` in a saved router's structure (its type names, its array names)."""
    if isinstance(node, list):
        return set().union(*(_found(v, key) for v in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {str(node[key])} if key in node else set()
    return found.union(*(_found(v, key) for v in node.values()))


def describe_saved_model(path, *, sha256: str = "", trust_pickle: bool = False) -> dict:
    """What the file at ``path`` is, checked without building anything: ``{"format": "data" | "pickle",
    "sha256": ...}``. Raises ``ValueError`` with one sentence for a file whose sha256 differs from
    ``sha256``, a pickle (joblib) file without ``trust_pickle``, a file naming a type outside
    :data:`MODEL_TYPES` or holding an array of Python objects, or anything else that is not a router saved
    by this pilot."""
    import hashlib
    import json
    import zipfile

    import numpy as np

    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = str(sha256 or "").strip().lower()
    if expected and expected != digest:
        raise ValueError(
            f"model_path {path} has sha256 {digest[:16]}..., not the model_sha256 {expected[:16]}... given: it "
            "is another file or was changed since it was saved; give the file its run saved."
        )
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            head = fh.read(1)
        if head in (b"\x80", b"\x78"):  # a pickle, or joblib's zlib-compressed pickle
            if trust_pickle:
                return {"format": "pickle", "sha256": digest}
            raise ValueError(
                f"model_path {path} is a pickle (an older joblib save), which can run any code when loaded: "
                f"route with a {MODEL_FILE} saved by this version, or, only for a file you made yourself, add "
                "-p trust_pickle true."
            )
        raise ValueError(f"model_path {path} is not a router saved by this pilot (no {MODEL_FILE} archive).")
    try:
        with zipfile.ZipFile(path) as archive:
            doc = json.loads(archive.read("model.json"))
            names = set(archive.namelist())
            if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
                raise ValueError(f"it is not in the format {MODEL_FORMAT}")
            untrusted = sorted(_found(doc["model"], "__type__") - set(MODEL_TYPES))
            if untrusted:
                raise ValueError(f"it names the untrusted type(s) {', '.join(untrusted)}")
            if doc["model"].get("__type__") != "RequestRouter":
                raise ValueError("it does not hold a RequestRouter")
            headers = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }
            for name in sorted(_found(doc["model"], "__array__")):
                if f"{name}.npy" not in names:
                    raise ValueError(f"its array {name} is missing")
                with archive.open(f"{name}.npy") as fh:
                    header = headers.get(np.lib.format.read_magic(fh))
                    if header is None:
                        raise ValueError(f"its array {name} has an unknown header")
                    _, _, dtype = header(fh, max_header_size=10_000)
                if dtype.hasobject:
                    raise ValueError(f"its array {name} holds Python objects")
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"model_path {path} is refused: {exc}; give a {MODEL_FILE} saved by this pilot."
        ) from None
    return {"format": "data", "sha256": digest}


def preflight(mode: str, values: dict) -> None:
    """Before any kernel starts: a saved model (``model_path``) must exist, be given as an absolute path,
    hold data only (or a pickle the caller trusts with ``trust_pickle``), match ``model_sha256`` when given,
    and come with a file of new requests; a training run on a file needs its label column."""
    model_path = str(values.get("model_path") or "").strip()
    if model_path:
        if mode != "file":
            raise ContractError(
                "model_path routes a file of new requests: give it with -p data_path as well."
            )
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ContractError(
                f"model_path {model_path!r} does not exist; give the {MODEL_FILE} an earlier run saved beside "
                f"its model card (runs/<run>/public_sector/{MODEL_FILE})."
            )
        if not path.is_absolute():
            raise ContractError(
                f"give model_path as an absolute path, e.g. -p model_path {path.resolve()} (the notebook runs "
                "in the pilot's folder, not where the command was typed)."
            )
        try:
            describe_saved_model(
                path, sha256=values.get("model_sha256") or "", trust_pickle=values.get("trust_pickle") is True
            )
        except ValueError as exc:
            raise ContractError(str(exc)) from None
    elif mode == "file":
        check_file(
            str(values["data_path"]), values.get("columns"), LABELLED, values.get("read_options"), values
        )
