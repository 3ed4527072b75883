"""The redactor measured on a corpus written by hand and kept apart from the synthetic generator.

The corpus (``tests/data/redaction_heldout.txt``; ``redaction_dev.txt`` is the part the rules were written
on) holds one request a line in French, German, Luxembourgish and English, with every span marked:
``[[name:...]]``, ``[[email:...]]``, ``[[phone:...]]``, ``[[iban:...]]``, ``[[id:...]]`` and
``[[address:...]]`` must go; ``[[org:...]]`` and ``[[place:...]]`` mark what must stay, as does every
unmarked word. Names are written as people write them: in lower case, after closings, after "ich heisse",
"je m'appelle", "ech sinn". The held-out corpus also gets one request per identifier of
:mod:`.national_examples`: phonenumbers' example numbers for LU, FR, DE, BE, NL and PT (fixed line and
mobile, national and international formatting), python-stdnum's doctest examples of national ids, VAT
numbers and IBANs, built into sentences without cue words at evaluation time.

Scored on **tokens** (runs of letters or digits, lower case): a token is *removed* when the redacted text
holds it fewer times than the original. Per text and token, removals count first against the spans that
must go (identifier spans, then names), the rest against the words that must stay. Reported (each with a
bootstrap interval over texts):

- ``identifier_recall``: share of identifier tokens (e-mail, phone, IBAN, id, address) removed (goal 0.99);
- ``name_recall``: share of name tokens removed (goal 0.95);
- ``kept_ordinary``: share of the other tokens kept (goal 0.95); ``kept_organisation``: of those in
  organisation and place spans;
- ``precision``: share of the removed tokens that had to go;
- ``recall_<kind>``: the identifier recall of each kind alone (e-mail, phone, IBAN, id, address), and
  ``recall_library_examples``: the identifier recall on the requests built from the libraries' examples.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

IDENTIFIER_KINDS = ("email", "phone", "iban", "id", "address")
KEPT_KINDS = ("org", "place")
KINDS = (*IDENTIFIER_KINDS, "name", *KEPT_KINDS)
HERE = Path(__file__).resolve().parents[1]
HELDOUT = HERE / "tests" / "data" / "redaction_heldout.txt"
DEV = HERE / "tests" / "data" / "redaction_dev.txt"
GOALS = {"identifier_recall": 0.99, "name_recall": 0.95, "kept_ordinary": 0.95}
_SPAN = re.compile(r"\[\[(\w+):(.*?)\]\]")
_TOKEN = r"\w+"


def read_corpus(path: str | Path = HELDOUT, extra: list[str] = ()) -> tuple[pd.Series, pd.DataFrame]:
    """(plain texts, spans: row, kind, value) of a corpus file (lines starting with # are comments), with
    the ``extra`` lines (same markup) after its own."""
    lines = Path(path).read_text(encoding="utf-8").splitlines() + list(extra)
    lines = pd.Series(lines, dtype=object)
    lines = lines[(lines.str.strip() != "") & ~lines.str.startswith("#")].reset_index(drop=True)
    spans = (
        lines.str.extractall(_SPAN).reset_index().rename(columns={"level_0": "row", 0: "kind", 1: "value"})
    )
    unknown = sorted(set(spans["kind"]) - set(KINDS))
    if unknown:
        raise ValueError(f"{path}: unknown span kind(s) {unknown}; use {', '.join(KINDS)}.")
    texts = lines.str.replace(_SPAN, r"\2", regex=True)
    return texts, spans[["row", "kind", "value"]]


def _counts(texts: pd.Series, rows=None) -> pd.DataFrame:
    tokens = texts.fillna("").str.lower().str.findall(_TOKEN)
    rows = np.arange(len(texts)) if rows is None else np.asarray(rows)
    long = pd.DataFrame({"row": rows, "token": tokens.to_numpy()}).explode("token").dropna()
    return long.groupby(["row", "token"]).size().rename("n").reset_index()


def token_table(texts: pd.Series, spans: pd.DataFrame, redacted: pd.Series) -> pd.DataFrame:
    """Per (text, token): occurrences in identifier, name, kept (org/place) spans and elsewhere, and how
    many the redactor removed, attributed as the module docstring says."""
    total = _counts(texts).rename(columns={"n": "n_total"})
    after = _counts(redacted.reset_index(drop=True)).rename(columns={"n": "n_after"})
    group = np.select(
        [spans["kind"].isin(IDENTIFIER_KINDS), spans["kind"] == "name"], ["identifier", "name"], "kept"
    )
    long = pd.DataFrame(
        {"row": spans["row"].to_numpy(), "group": group,
         "token": spans["value"].str.lower().str.findall(_TOKEN).to_numpy()}
    ).explode("token").dropna()  # fmt: skip
    by_group = long.groupby(["row", "token", "group"]).size().rename("n").reset_index()
    parts = by_group.pivot_table(
        index=["row", "token"], columns="group", values="n", aggfunc="sum", fill_value=0
    )
    table = total.merge(after, on=["row", "token"], how="left").merge(
        parts.reset_index(), on=["row", "token"], how="left"
    )
    for col in ("n_after", "identifier", "name", "kept"):
        table[col] = table[col].fillna(0).astype(int) if col in table else 0
    table["ordinary"] = (table["n_total"] - table["identifier"] - table["name"]).clip(lower=0)
    removed = (table["n_total"] - table["n_after"]).clip(lower=0)
    table["removed_identifier"] = np.minimum(removed, table["identifier"])
    rest = removed - table["removed_identifier"]
    table["removed_name"] = np.minimum(rest, table["name"])
    table["removed_ordinary"] = rest - table["removed_name"]
    # kept-span tokens are ordinary tokens: their removals are the ordinary removals up to their count
    table["removed_kept"] = np.minimum(table["removed_ordinary"], table["kept"])
    return table


def _rates(per_row: pd.DataFrame) -> dict[str, float]:
    s = per_row.sum()
    removed = s["removed_identifier"] + s["removed_name"] + s["removed_ordinary"]
    return {
        "identifier_recall": s["removed_identifier"] / max(s["identifier"], 1),
        "name_recall": s["removed_name"] / max(s["name"], 1),
        "kept_ordinary": 1 - s["removed_ordinary"] / max(s["ordinary"], 1),
        "kept_organisation": 1 - s["removed_kept"] / max(s["kept"], 1),
        "precision": (s["removed_identifier"] + s["removed_name"]) / max(removed, 1),
    }


_COLS = ["identifier", "name", "ordinary", "kept", "removed_identifier", "removed_name", "removed_ordinary",
         "removed_kept"]  # fmt: skip


def _per_row(texts: pd.Series, spans: pd.DataFrame, redacted: pd.Series) -> pd.DataFrame:
    table = token_table(texts, spans, redacted)
    return table.groupby("row")[_COLS].sum().reindex(range(len(texts)), fill_value=0), table


def evaluate(
    redact,
    path: str | Path = HELDOUT,
    *,
    n_boot: int = 200,
    seed: int = 0,
    library_examples: bool | None = None,
):
    """The redactor (``redact(texts) -> redacted texts``) on a corpus: (table of the rates with their
    bootstrap intervals over texts and token counts, the long token table, the redacted texts).
    ``library_examples`` (default: with the held-out corpus only) adds the requests of
    :mod:`.national_examples`."""
    from .national_examples import corpus_lines

    if library_examples is None:
        library_examples = Path(path).resolve() == HELDOUT
    extra = corpus_lines(seed=0) if library_examples else []
    texts, spans = read_corpus(path, extra)
    redacted = pd.Series(np.asarray(redact(texts), dtype=object))
    per_row, table = _per_row(texts, spans, redacted)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(per_row), size=(n_boot, len(per_row)))

    def rates(per_row: pd.DataFrame, draws) -> tuple[dict, pd.DataFrame]:
        values = per_row.to_numpy(dtype=float)
        boot = [_rates(pd.DataFrame(values[d].sum(axis=0)[None, :], columns=_COLS)) for d in draws]
        return _rates(per_row), pd.DataFrame(boot)

    estimate, boot = rates(per_row, draws)
    tokens = {
        "identifier_recall": "identifier", "name_recall": "name", "kept_ordinary": "ordinary",
        "kept_organisation": "kept", "precision": None,
    }  # fmt: skip
    removed_total = int(per_row[["removed_identifier", "removed_name", "removed_ordinary"]].to_numpy().sum())
    parts = [(name, value, boot[name], tokens[name]) for name, value in estimate.items()]
    # the identifier recall of each kind alone: its spans only, the removals of a token counted against them first
    for kind in IDENTIFIER_KINDS:
        kind_rows, _ = _per_row(texts, spans[spans["kind"] == kind], redacted)
        if kind_rows["identifier"].sum():
            est, kind_boot = rates(kind_rows, draws)
            parts.append(
                (f"recall_{kind}", est["identifier_recall"], kind_boot["identifier_recall"], kind_rows)
            )
    if extra:
        library = per_row.iloc[len(texts) - len(extra) :]
        lib_draws = rng.integers(0, len(library), size=(n_boot, len(library)))
        est, lib_boot = rates(library, lib_draws)
        parts.append(
            ("recall_library_examples", est["identifier_recall"], lib_boot["identifier_recall"], library)
        )
    rows = []
    for name, value, draws_of, counted in parts:
        low, high = np.quantile(draws_of, [0.025, 0.975])
        if isinstance(counted, pd.DataFrame):
            n_tokens = int(counted["identifier"].sum())
        else:
            n_tokens = int(per_row[counted].sum()) if counted else removed_total
        rows.append(
            {"measure": name, "value": float(value), "low": float(low), "high": float(high),
             "tokens": n_tokens, "goal": GOALS.get(name, GOALS["identifier_recall"] if "recall_" in name and
             name != "name_recall" else np.nan), "texts": len(texts), "library_examples": len(extra)}
        )  # fmt: skip
    return pd.DataFrame(rows), table, redacted


def misses(table: pd.DataFrame, texts: pd.Series) -> pd.DataFrame:
    """Tokens that should have gone and stayed, and tokens that should have stayed and went (for writing rules)."""
    left = table[
        (table["identifier"] + table["name"]) > (table["removed_identifier"] + table["removed_name"])
    ]
    wrong = table[table["removed_ordinary"] > 0]
    return pd.concat(
        [left.assign(problem="left in"), wrong.assign(problem="removed")], ignore_index=True
    ).assign(text=lambda f: texts.to_numpy()[f["row"]])
