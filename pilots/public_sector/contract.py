"""The public-sector pilot's data contracts: labelled requests (to train and evaluate) and unlabelled
requests (to route with a saved model).

A labelled file needs a free-text column and a label column (the service, theme or queue each request
went to); a language, a time stamp and an id are used when present. Any other column is kept (for
example ``source_file``, which the shared reader adds when several files are read: the language and the
train/test split are taken from the file names when they say so, as SIB-200's ``eng_Latn/train.tsv``).
"""

from pathlib import Path

from livinglab.contract import Contract, ContractError, Field

_TEXT = Field(
    "text",
    "text",
    meaning="the request as written (free text, any of French, German, Luxembourgish, English)",
    aliases=("message", "body", "request", "description", "sentence", "content", "texte", "nachricht"),
)
_LANGUAGE = Field(
    "language",
    "category",
    required=False,
    meaning="language code (fr, de, lb, en; fra/deu/ltz/eng or names are understood); detected when absent",
    aliases=("lang", "langue", "sprache", "locale", "language_code"),
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
    aliases=("request_id", "index_id", "case_id", "ticket", "ticket_id", "reference"),
)

LABELLED = Contract(
    "labelled_requests",
    "Labelled requests",
    fields=(
        _TEXT,
        Field(
            "label",
            "label",
            meaning="where the request was routed (service, administration, theme or queue)",
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
            ),
        ),
        _LANGUAGE,
        _TIMESTAMP,
        _ID,
    ),
    extras="kept; source_file (added when several files are read) gives the language and split",
    description="Requests with the label a person gave them: the model is trained and tested on them.",
)

REQUESTS = Contract(
    "requests",
    "Unlabelled requests to route with a saved model",
    fields=(_TEXT, _LANGUAGE, _TIMESTAMP, _ID),
    extras="kept, not used",
    description="New requests: a model saved by an earlier run (model_path) routes them.",
)

CONTRACTS = {"labelled_requests": LABELLED, "requests": REQUESTS}
PARAMS_FOR = {
    "labelled_requests": {},
    "requests": {"model_path": "runs/<run>/public_sector/request_router.joblib"},
}


def contract_for(params: dict) -> Contract:
    """Unlabelled requests when a saved model is given (``model_path``), otherwise labelled ones.

    The model file is checked here, before any kernel starts: it must exist, and be given as an absolute
    path (the notebook runs in the pilot's folder, not where the command was typed)."""
    model_path = str(params.get("model_path") or "").strip()
    if not model_path:
        return LABELLED
    path = Path(model_path).expanduser()
    if not path.is_file():
        raise ContractError(
            f"model_path {model_path!r} does not exist; give the request_router.joblib an earlier run saved "
            "beside its model card (runs/<run>/public_sector/request_router.joblib)."
        )
    if not path.is_absolute():
        raise ContractError(
            f"give model_path as an absolute path, e.g. -p model_path {path.resolve()} (the notebook runs in "
            "the pilot's folder, not where the command was typed)."
        )
    return REQUESTS
