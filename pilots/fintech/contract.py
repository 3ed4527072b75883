"""The fintech pilot's two data contracts: a transaction ledger (A) or a table of numeric features (B).

- ``ledger``: one row per transaction with ``account``, ``timestamp`` and ``amount``; ``merchant``,
  ``counterparty``, ``channel``, ``country``, ``direction``, ``device``, ``segment``, ``label`` and ``label_time``
  are optional, and each part of the analysis that needs one of them is skipped with a note when it is absent.
- ``features``: any numeric columns (every numeric column that is not mapped to a contract name is a
  feature) with an optional ``label`` (1 = anomaly/fraud), an optional ``time`` (a date-time or a number of
  seconds; used for time-ordered evaluation and time-block intervals, never as a feature) and an optional
  ``group`` (an account/card/customer id; intervals resample whole groups, never a feature). CSV, Parquet,
  Excel or a NumPy ``.npz`` archive with arrays ``X`` and ``y`` (read as columns ``x0..xn`` and ``y``).

The parameter ``data_kind`` selects the contract (``ledger``, ``features`` or ``auto``: ``ledger`` when the
file has columns for account, timestamp and amount, else ``features``).
"""

from __future__ import annotations

from livinglab.contract import Contract, ContractError, Field, split_read_options
from livinglab.reader import DataFileError, read_table

LEDGER = Contract(
    "ledger",
    "Transaction ledger",
    fields=(
        Field(
            "account",
            "text",
            meaning="the account, card or customer the transaction belongs to",
            aliases=(
                "account_id",
                "iban",
                "card",
                "card_id",
                "cc_num",
                "konto",
                "compte",
                "customer",
                "customer_id",
                "nameorig",
            ),
        ),
        Field(
            "timestamp",
            "datetime",
            meaning="when the transaction was booked",
            aliases=(
                "datetime",
                "booking_time",
                "booked",
                "trans_date_trans_time",
                "transaction_time",
                "date",
                "buchungsdatum",
                "buchungszeit",
                "datum",
                "date_operation",
            ),
        ),
        Field(
            "amount",
            "number",
            meaning="the amount; negative = money out unless a direction column is given",
            aliases=("amt", "amount_eur", "eur", "value", "betrag", "montant"),
        ),
        Field(
            "merchant",
            "text",
            required=False,
            meaning="the shop or merchant (a counterparty when no counterparty column is given)",
            aliases=("merchant_id", "merchant_name", "shop", "store"),
        ),
        Field(
            "counterparty",
            "text",
            required=False,
            meaning="the other party: beneficiary, payer or payee (payment-graph features need it)",
            aliases=(
                "counterparty_id",
                "beneficiary",
                "payee",
                "recipient",
                "namedest",
                "other_party",
                "empfaenger",
                "beneficiaire",
                "gegenpartei",
                "empfaenger",
                "beneficiaire",
                "gegenpartei",
            ),  # fmt: skip
        ),
        Field(
            "channel",
            "category",
            required=False,
            meaning="card present, e-commerce, transfer, instant payment, cash ...",
            aliases=("type", "payment_type", "payment_method", "method", "kanal", "canal"),
        ),
        Field(
            "country",
            "category",
            required=False,
            meaning="country of the counterparty or shop",
            aliases=("country_code", "merchant_country", "cp_country"),
        ),
        Field(
            "direction",
            "category",
            required=False,
            meaning="debit (money out) or credit (money in)",
            aliases=("debit_credit", "dc", "sign", "in_out"),
        ),
        Field(
            "device",
            "text",
            required=False,
            meaning="device or session fingerprint used for online payments",
            aliases=("device_id", "device_fingerprint", "session_device"),
        ),
        Field(
            "segment",
            "category",
            required=False,
            meaning="customer segment (e.g. retail/corporate), used only to check who gets flagged",
            aliases=("customer_type", "customer_segment", "residency"),
        ),
        Field(
            "label",
            "label",
            required=False,
            meaning="1 = confirmed fraud, 0 = genuine",
            aliases=("is_fraud", "fraud", "isfraud", "class", "fraud_flag", "betrug", "fraude"),
        ),
        Field(
            "label_time",
            "datetime",
            required=False,
            meaning="when the label became known (analyst decision, chargeback)",
            aliases=("label_available_at", "confirmed_at", "chargeback_date", "decision_time"),
        ),
    ),
    description="A bank's or payment provider's ledger: one row per transaction.",
)

FEATURES = Contract(
    "features",
    "Table of numeric features",
    fields=(
        Field(
            "label",
            "label",
            required=False,
            meaning="1 = anomaly/fraud, 0 = normal (found by name when it is y, class, label or is_fraud)",
            aliases=(
                "y",
                "class",
                "is_fraud",
                "fraud",
                "isfraud",
                "anomaly",
                "outlier",
                "target",
                "betrug",
                "fraude",
            ),
        ),
        Field(
            "time",
            "text",
            required=False,
            meaning="a date-time or seconds since a start: time-ordered evaluation, never a feature",
            aliases=("timestamp", "datetime", "date", "step"),
        ),
        Field(
            "group",
            "text",
            required=False,
            meaning="account, card or customer id: intervals resample whole groups, never a feature",
            aliases=("account", "account_id", "card", "customer", "customer_id"),
        ),
    ),
    extras="numeric features: every other numeric column (text columns are left out, with a note)",
    description="Any table of numeric features per transaction or entity, e.g. ADBench's X and y.",
)

CONTRACTS = {"ledger": LEDGER, "features": FEATURES}
PARAMS_FOR = {"ledger": {"data_kind": "ledger"}, "features": {"data_kind": "features"}}
DATA_KINDS = ("auto", "ledger", "features")
_LEDGER_ONLY = {f.name for f in LEDGER.fields} - {f.name for f in FEATURES.fields}
_FEATURES_ONLY = {f.name for f in FEATURES.fields} - {f.name for f in LEDGER.fields}


def detect_kind(data_path: str, columns: dict | None = None, read_options: dict | None = None) -> str:
    """``ledger`` when the mapping or the file's columns give account, timestamp and amount, else ``features``."""
    columns = dict(columns or {})
    if set(columns) & _LEDGER_ONLY:
        return "ledger"
    if set(columns) & _FEATURES_ONLY:
        return "features"
    options, _ = split_read_options(read_options)
    try:
        frame, _ = read_table(data_path, **options, sample_bytes=1 << 20)
    except DataFileError as exc:
        raise ContractError(str(exc)) from None
    try:
        LEDGER.resolve_mapping(list(frame.columns), {k: v for k, v in columns.items() if k in LEDGER.names})
    except ContractError:
        return "features"
    return "ledger"


def contract_for(params: dict) -> Contract:
    """The contract the run's ``data_kind`` selects (``auto``: from the mapping and the file's columns)."""
    kind = str(params.get("data_kind") or "auto")
    if kind not in DATA_KINDS:
        raise ContractError(
            f"data_kind must be one of {', '.join(DATA_KINDS)}, not {kind!r}: 'ledger' for one row per "
            "transaction (account, timestamp, amount), 'features' for a table of numeric features."
        )
    if kind == "auto":
        data_path = str(params.get("data_path") or "").strip()
        kind = (
            detect_kind(data_path, params.get("columns"), params.get("read_options"))
            if data_path
            else "ledger"
        )
    return CONTRACTS[kind]
