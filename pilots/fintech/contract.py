"""The fintech pilot's two data contracts, one a design: a transaction ledger and a table of numeric features.

- ``ledger`` (design ``ledger``, ``ledger.ipynb``): one row per transaction with ``account``, ``timestamp`` and
  ``amount``; ``merchant``, ``counterparty``, ``channel``, ``country``, ``direction``, ``device``, ``segment``,
  ``label``, ``label_time`` and ``fraud_type`` are optional, and each part of the analysis that needs one of
  them is left out with a note when it is absent.
- ``features`` (design ``features``, ``features.ipynb``): any numeric columns (every numeric column that is not
  mapped to a contract name is a feature) with an optional ``label`` (1 = anomaly/fraud), an optional ``time``
  (a date-time or a number of seconds; time-block intervals and the daily budget, never a feature) and an
  optional ``group`` (an account/card/customer id; intervals resample whole groups, never a feature). CSV,
  Parquet, Excel or a NumPy ``.npz`` archive with arrays ``X`` and ``y`` (read as columns ``x0..xn`` and ``y``).

The runner picks the design a partner's file fits (the ledger first); ``livinglab run fintech-features -p
data_path ...`` names one. Also here: the value codes the pilot reads (directions, labels) and the names under
which a feature table's label, time and group columns are found when they are not mapped.
"""

from __future__ import annotations

from livinglab.contract import NO_WORDS, YES_WORDS, Contract, Field

#: Direction values read as money out / money in (compared in lower case, stripped).
DEBIT_WORDS = frozenset(
    {"debit", "d", "dr", "out", "outgoing", "-", "withdrawal", "payment", "sent", "-1",
     "débit", "soll", "belastung", "lastschrift", "ausgang", "sortie"}  # French and German bank exports
)  # fmt: skip
CREDIT_WORDS = frozenset(
    {"credit", "c", "cr", "in", "incoming", "+", "deposit", "received", "1",
     "crédit", "haben", "gutschrift", "eingang", "entrée"}
)  # fmt: skip
#: Label values (compared in lower case, stripped): 1 = fraud/anomaly, 0 = genuine/normal.
#: Yes/no in the partners' languages too (the core's YES_WORDS / NO_WORDS: ja/nein, oui/non, jo/nee ...).
LABEL_WORDS = {
    "1": 1, "1.0": 1, "fraud": 1, "anomaly": 1, **dict.fromkeys(sorted(YES_WORDS), 1),
    "0": 0, "0.0": 0, "genuine": 0, "normal": 0, **dict.fromkeys(sorted(NO_WORDS), 0),
}  # fmt: skip
#: The direction codes the contract reads (value_codes maps others, e.g. {"direction": {"VYDAJ": "debit"}}).
DIRECTION_CODES = {**dict.fromkeys(DEBIT_WORDS, "debit"), **dict.fromkeys(CREDIT_WORDS, "credit")}
#: A feature table's label, time and group columns, found by these names when ``columns`` does not map them.
LABEL_NAMES = (
    "y", "label", "class", "isfraud", "is_fraud", "fraud", "anomaly", "outlier", "target", "betrug", "fraude",
)  # fmt: skip
TIME_NAMES = (
    "time",
    "timestamp",
    "datetime",
    "date",
    "step",
    "zeit",
    "zeitpunkt",
    "datum",
    "temps",
    "horodatage",
)
GROUP_NAMES = ("group", "account", "account_id", "card", "card_id", "customer", "customer_id")
#: The anti-money-laundering reporting threshold the rules baseline watches (EUR).
REPORTING_THRESHOLD_EUR = 10_000.0

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
            ),
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
            meaning="debit (money out) or credit (money in); other codes are mapped with value_codes",
            aliases=("debit_credit", "dc", "sign", "in_out"),
            codes=DIRECTION_CODES,
        ),
        Field(
            "purpose",
            "text",
            required=False,
            meaning="what the posting is for (interest, fee, salary, a purpose code): tells routine postings apart",
            aliases=(
                "purpose_code",
                "k_symbol",
                "booking_text",
                "buchungstext",
                "verwendungszweck",
                "libelle",
                "narrative",
                "remittance_information",
            ),
        ),
        Field(
            "currency",
            "category",
            required=False,
            meaning="the amount's currency (ISO code); one currency a ledger (or give it with -p currency)",
            aliases=("currency_code", "ccy", "waehrung", "devise"),
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
            meaning="1 = confirmed fraud, 0 = genuine (an empty label is refused unless value_codes says what it means)",
            aliases=("is_fraud", "fraud", "isfraud", "class", "fraud_flag", "betrug", "fraude"),
            codes=LABEL_WORDS,
        ),
        Field(
            "label_time",
            "datetime",
            required=False,
            meaning="when the label became known (analyst decision, chargeback)",
            aliases=("label_available_at", "confirmed_at", "chargeback_date", "decision_time"),
        ),
        Field(
            "fraud_type",
            "category",
            required=False,
            meaning="the kind of fraud of a fraud row (card testing, account takeover ...): recall per kind",
            aliases=("typology", "fraud_kind", "fraud_category", "scheme"),
        ),
    ),
    extras="other columns: kept only to tell exact duplicate rows apart, never features",
    description="A bank's or payment provider's ledger: one row per transaction.",
    min_rows=200,  # data.MIN_LEDGER_ROWS: a training period, a validation window and a test period
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
            codes=LABEL_WORDS,
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
    min_rows=50,  # data.MIN_TABLE_ROWS
    # measurements without an id: identical rows are separate transactions or entities (ADBench's
    # mammography holds 3,334 of 11,183), every one scored as the benchmark does
    identical_rows_are_observations=True,
)

CONTRACTS = {"ledger": LEDGER, "features": FEATURES}
