"""Synthetic citizens' requests to Guichet.lu: multilingual free text, a structured form, planted PII.

``generate_requests(n, seed)`` returns a :class:`SyntheticRequests` with

- ``requests``: one row a request: ``request_id``, ``language`` (fr/de/lb/en, the main language),
  ``second_language`` (the other language of a code-switched request, else ""), ``code_switched``,
  ``theme``, ``administration``, ``urgency``, ``register``, ``length``, ``text``, the form fields
  ``form_<field>`` (NaN where the form does not ask for the field or the citizen left it empty) and
  the truth of the form check: ``missing_truth`` and ``inconsistent_truth`` (";"-joined names).
- ``pii``: the planted personal data (request_id, kind, value, where = "text" | "form", form = how it
  was written: "title", "closing", "signature", "inline", ... for names, the format for phone numbers,
  IBANs and national ids), so tests and the notebook can measure the redactor's recall per kind.

Held-out generation: every phrase pool (frames, theme objects and contexts, filler, urgency cues,
greetings, closings, name formulas) and every pool of people (first names, surnames, e-mail domains) is
split in two disjoint halves (``pool_part``). ``phrase_pool="train"`` writes with one half,
``phrase_pool="test"`` with the other: requests generated for testing share no wording, no template and
no author with the training requests. ``phrase_pool="all"`` uses everything.

Languages, themes and code-switching are allocated at exactly the requested shares (largest
remainder), then shuffled. Assumptions (stated in the pilot card): language mix of written requests
FR 45% / DE 20% / EN 20% / LB 15% (Luxembourgish is the most spoken language, STATEC 2021, but the
least written to administrations); Luxembourgish writers drop diacritics more often (no
standard keyboard layout for ë); informal requests have about 2.5 times the typo rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import phrases as P
from .identifiers import (
    format_ibans,
    format_national_ids,
    make_emails,
    make_ibans,
    make_national_ids,
    make_phones,
)
from .noise import add_typos, lowercase, strip_accents
from .themes import (
    ADMINISTRATIONS,
    FORM_FIELDS,
    LANGUAGES,
    OUT_OF_SCOPE,
    REQUIRED_FIELDS,
    THEMES,
    URGENCY_LEVELS,
)

DEFAULT_LANGUAGE_SHARES = {"fr": 0.45, "de": 0.20, "en": 0.20, "lb": 0.15}
DEFAULT_URGENCY_SHARES = {"routine": 0.65, "time_sensitive": 0.20, "urgent": 0.15}
REFERENCE_DATE = pd.Timestamp("2025-03-01")
ACCENT_DROP = {"fr": 0.12, "de": 0.08, "en": 0.0, "lb": 0.45}
# How the writer's name appears in the text (shares): after a courtesy title, or without one.
NAME_FORM_SHARES = {
    "title_intro": 0.15,
    "title_closing": 0.15,
    "closing": 0.2,
    "signature": 0.12,
    "self": 0.1,
    "inline": 0.1,
    "opening": 0.06,
    "lower": 0.12,
}
# Themes whose requests usually give a bank account (a payment is expected).
_PAYING = {"family_benefits", "housing_aid", "health_insurance", "pensions", "social_aid"}


PHRASE_POOLS = ("train", "test", "all")


def pool_part(items: list, pool: str) -> list:
    """The half of a pool a request set may use: even positions for training, odd ones for testing."""
    if pool == "all" or len(items) < 2:
        return list(items)
    return list(items[0::2] if pool == "train" else items[1::2])


def _part(tree, pool: str):
    """``pool_part`` applied to every list of a nested dict of phrase lists (tuples of lists too)."""
    if isinstance(tree, dict):
        return {k: _part(v, pool) for k, v in tree.items()}
    if isinstance(tree, tuple):
        return tuple(_part(v, pool) for v in tree)
    return pool_part(tree, pool)


@dataclass
class SyntheticRequests:
    requests: pd.DataFrame
    pii: pd.DataFrame

    def __len__(self) -> int:
        return len(self.requests)


def _allocate(n: int, shares: dict[str, float], rng: np.random.Generator, what: str) -> np.ndarray:
    """Exactly round(n * share) of each key (largest remainder), in random order."""
    if not shares:
        raise ValueError(f"{what} shares are empty.")
    values = np.array(list(shares.values()), dtype=float)
    if (values < 0).any() or values.sum() <= 0:
        raise ValueError(f"{what} shares must be non-negative and not all zero, got {shares}.")
    values = values / values.sum()
    raw = values * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    out = np.repeat(np.array(list(shares), dtype=object), counts)
    rng.shuffle(out)
    return out


def _pools(lists: dict, keys1: tuple, keys2: tuple | None = None):
    """Flatten nested phrase lists into one array with start/count tables."""
    flat: list[str] = []
    if keys2 is None:
        start = np.zeros(len(keys1), dtype=np.int64)
        count = np.zeros(len(keys1), dtype=np.int64)
        for i, k in enumerate(keys1):
            start[i], count[i] = len(flat), len(lists[k])
            flat.extend(lists[k])
    else:
        start = np.zeros((len(keys1), len(keys2)), dtype=np.int64)
        count = np.zeros((len(keys1), len(keys2)), dtype=np.int64)
        for i, k1 in enumerate(keys1):
            for j, k2 in enumerate(keys2):
                start[i, j], count[i, j] = len(flat), len(lists[k1][k2])
                flat.extend(lists[k1][k2])
    return np.array(flat, dtype=object), start, count


def _pick(flat: np.ndarray, start: np.ndarray, count: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return flat[start + (rng.random(len(start)) * count).astype(np.int64)]


def _fill(templates: np.ndarray, slot: str, values: np.ndarray) -> np.ndarray:
    """Replace ``{slot}`` in each template by the value of its row (numpy string ufuncs)."""
    out = np.strings.replace(templates.astype(str), "{" + slot + "}", np.asarray(values).astype(str))
    return out.astype(object)


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Join per-row segments with single spaces, skipping empty ones."""
    out = np.full(len(parts[0]), "", dtype=object)
    for part in parts:
        part = np.asarray(part, dtype=object)
        out = np.where(part == "", out, np.where(out == "", part, out + " " + part))
    return out


def _format_dates(dates: pd.Series, lang: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    numeric_dot = dates.dt.strftime("%d.%m.%Y").to_numpy(dtype=object)
    numeric_slash = dates.dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
    english = (dates.dt.day.astype(str) + " " + dates.dt.strftime("%B %Y")).to_numpy(dtype=object)
    slash = rng.random(len(dates)) < 0.5
    return np.where(lang == "en", english, np.where((lang == "fr") & slash, numeric_slash, numeric_dot))


def _format_amounts(n: int, lang: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    euros = rng.integers(25, 4800, n)
    cents = rng.integers(0, 100, n)
    with_cents = rng.random(n) < 0.4
    thousands = euros // 1000
    rest = np.char.zfill((euros % 1000).astype(str), 3)
    plain = euros.astype(str).astype(object)
    sep = np.where(lang == "en", ",", np.where(lang == "fr", " ", "."))
    grouped = np.where(thousands > 0, thousands.astype(str).astype(object) + sep + rest, plain)
    dec = np.where(lang == "en", ".", ",")
    cent_str = np.char.zfill(cents.astype(str), 2)
    return np.where(with_cents, grouped + dec + cent_str, grouped).astype(object)


def generate_requests(
    n: int,
    seed: int = 0,
    *,
    language_shares: dict[str, float] | None = None,
    theme_shares: dict[str, float] | None = None,
    code_switch_share: float = 0.12,
    urgency_shares: dict[str, float] | None = None,
    typo_rate: float = 0.015,
    phrase_pool: str = "all",
    vague_share: float = 0.12,
    missing_rate: float = 0.10,
    inconsistent_rate: float = 0.06,
    id_prefix: str = "REQ",
) -> SyntheticRequests:
    """Generate ``n`` synthetic requests (see the module docstring). Deterministic given ``seed``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of requests, got {n!r}.")
    if phrase_pool not in PHRASE_POOLS:
        raise ValueError(
            f"phrase_pool must be 'train', 'test' (the disjoint held-out half) or 'all', not {phrase_pool!r}."
        )
    for name, value in (
        ("code_switch_share", code_switch_share),
        ("missing_rate", missing_rate),
        ("vague_share", vague_share),
        ("inconsistent_rate", inconsistent_rate),
        ("typo_rate", typo_rate),
    ):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must lie in [0, 1], got {value}.")
    language_shares = dict(language_shares or DEFAULT_LANGUAGE_SHARES)
    unknown = set(language_shares) - set(LANGUAGES)
    if unknown:
        raise ValueError(
            f"Unknown language(s) {sorted(unknown)}; the generator writes {', '.join(LANGUAGES)}."
        )
    theme_shares = dict(theme_shares or {t: 1.0 for t in THEMES})
    unknown = set(theme_shares) - set(THEMES)
    if unknown:
        raise ValueError(f"Unknown theme(s) {sorted(unknown)}; known: {', '.join(THEMES)}.")
    urgency_shares = dict(urgency_shares or DEFAULT_URGENCY_SHARES)

    rng = np.random.default_rng(seed)
    n = int(n)
    lang = _allocate(n, language_shares, rng, "language")
    theme = _allocate(n, theme_shares, rng, "theme")
    urgency = _allocate(n, urgency_shares, rng, "urgency")
    switched = _allocate(n, {True: code_switch_share, False: 1 - code_switch_share}, rng, "code-switch")
    switched = switched.astype(bool)
    lang_i = pd.Index(LANGUAGES).get_indexer(lang)
    theme_i = pd.Index(THEMES).get_indexer(theme)

    # second language of code-switched requests: French is the most common partner
    partner_p = np.array([[0, 0.3, 0.4, 0.3], [0.6, 0, 0.2, 0.2], [0.7, 0.2, 0, 0.1], [0.5, 0.2, 0.3, 0]])
    cum = partner_p.cumsum(axis=1)[lang_i]
    second_i = (rng.random(n)[:, None] > cum).sum(axis=1)
    second = np.where(switched, np.array(LANGUAGES, dtype=object)[second_i], "")

    register = np.where(rng.random(n) < 0.4, "informal", "formal")
    length = np.array(["short", "medium", "long"], dtype=object)[
        np.searchsorted(np.cumsum([0.3, 0.5, 0.2]), rng.random(n), side="right").clip(0, 2)
    ]

    def slot_lang(p_second: float) -> np.ndarray:
        """Language index of a slot: the second language with probability p in code-switched rows."""
        use = switched & (rng.random(n) < p_second)
        return np.where(use, second_i, lang_i)

    # ---- phrase pools: one half of every pool (see pool_part)
    theme_phrases = _part(P.THEME_PHRASES, phrase_pool)
    obj_flat, obj_start, obj_count = _pools(
        {t: {lg: P.THEME_PHRASES[t][lg][0] for lg in LANGUAGES} for t in THEMES}, THEMES, LANGUAGES
    )
    ctx_flat, ctx_start, ctx_count = _pools(
        {t: {lg: theme_phrases[t][lg][1] for lg in LANGUAGES} for t in THEMES}, THEMES, LANGUAGES
    )
    frame_flat, frame_start, frame_count = _pools(_part(P.FRAMES, phrase_pool), LANGUAGES)
    gen_flat, gen_start, gen_count = _pools(_part(P.GENERIC, phrase_pool), LANGUAGES)

    # ---- body slots
    main_lang_i = lang_i
    frames = _pick(frame_flat, frame_start[main_lang_i], frame_count[main_lang_i], rng)
    objects = _pick(obj_flat, obj_start[theme_i, main_lang_i], obj_count[theme_i, main_lang_i], rng)
    vague_flat, vague_start, vague_count = _pools(_part(P.VAGUE_OBJECTS, phrase_pool), LANGUAGES)
    vague = rng.random(n) < vague_share
    objects = np.where(
        vague, _pick(vague_flat, vague_start[main_lang_i], vague_count[main_lang_i], rng), objects
    )
    request_sentence = _fill(frames, "obj", objects)

    long_ = length == "long"
    medium = length == "medium"
    l1 = slot_lang(0.4)
    ctx1_off = (rng.random(n) * ctx_count[theme_i, l1]).astype(np.int64)
    # a vague request keeps its context sentence only half of the time (then nothing tells the theme)
    has_ctx1 = np.where(vague, rng.random(n) < 0.5, (length != "short") | (rng.random(n) < 0.3))
    context1 = np.where(has_ctx1, ctx_flat[ctx_start[theme_i, l1] + ctx1_off], "")
    # a second context sentence, never the same as the first (offset within the pool)
    l2 = lang_i
    c2_count = ctx_count[theme_i, l2]
    ctx2_idx = (
        ctx_start[theme_i, l2] + (ctx1_off + 1 + (rng.random(n) * (c2_count - 1)).astype(np.int64)) % c2_count
    )
    context2 = np.where(long_ & ~vague & (rng.random(n) < 0.8), ctx_flat[ctx2_idx], "")
    # a sentence about another theme (people explain their situation); not the request itself
    other = (theme_i + rng.integers(1, len(THEMES), n)) % len(THEMES)
    l3 = slot_lang(0.3)
    distractor = np.where(
        (rng.random(n) < 0.18) & (length != "short"),
        _pick(ctx_flat, ctx_start[other, l3], ctx_count[other, l3], rng),
        "",
    )
    l4 = slot_lang(1.0)  # code-switched requests always get one filler sentence in the second language
    generic = np.where(
        switched | long_ | (medium & (rng.random(n) < 0.5)),
        _pick(gen_flat, gen_start[l4], gen_count[l4], rng),
        "",
    )

    # urgency cue with a date for deadlines
    cue_date = REFERENCE_DATE + pd.to_timedelta(rng.integers(5, 40, n), unit="D")
    l5 = slot_lang(0.3)
    lang_of = np.array(LANGUAGES, dtype=object)
    cue_dates = _format_dates(pd.Series(cue_date), lang_of[l5], rng)
    cue = np.full(n, "", dtype=object)
    for level in ("time_sensitive", "urgent"):
        flat, start, count = _pools(_part(P.URGENCY_CUES[level], phrase_pool), LANGUAGES)
        rows = urgency == level
        cue[rows] = _pick(flat, start[l5[rows]], count[l5[rows]], rng)
    cue = _fill(cue, "date", cue_dates)
    fa_flat, fa_start, fa_count = _pools(_part(P.FALSE_ALARM, phrase_pool), LANGUAGES)
    false_alarm = np.where(
        (urgency == "routine") & (rng.random(n) < 0.06),
        _pick(fa_flat, fa_start[lang_i], fa_count[lang_i], rng),
        "",
    )

    # detail with an amount and maybe a date (ordinary numbers)
    l6 = slot_lang(0.3)
    det_flat, det_start, det_count = _pools(_part(P.DETAILS, phrase_pool), LANGUAGES)
    has_detail = (rng.random(n) < 0.35) & (length != "short")
    detail_t = _pick(det_flat, det_start[l6], det_count[l6], rng)
    amounts = _format_amounts(n, lang_of[l6], rng)
    paid_date = REFERENCE_DATE - pd.to_timedelta(rng.integers(3, 300, n), unit="D")
    detail_dates = _format_dates(pd.Series(paid_date), lang_of[l6], rng)
    detail = _fill(_fill(detail_t, "amount", amounts), "date", detail_dates)
    detail = np.where(has_detail, detail, "")

    # body order: the request first or after the context, the rest shuffled a little
    core = [false_alarm, context1, request_sentence, cue, context2, distractor, detail, generic]
    keys = rng.random((n, len(core))) + np.array([-9, 0, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9]) * 2
    order = np.argsort(keys, axis=1)
    stacked = np.stack(core, axis=1)
    body = _join([stacked[np.arange(n), order[:, k]] for k in range(len(core))])

    # noise on the body only (personal data and numbers are placed in their own segments)
    informal = register == "informal"
    body = pd.Series(body)
    drop_accents = rng.random(n) < (pd.Series(lang).map(ACCENT_DROP).to_numpy(dtype=float) + informal * 0.2)
    body = strip_accents(body, drop_accents)
    body = lowercase(body, informal & (rng.random(n) < 0.5))
    body = add_typos(body, typo_rate * np.where(informal, 2.5, 1.0), rng)

    # ---- the person (an "author" from this pool's half of the names) and their personal data
    first_names = {g: pool_part(P.FIRST_NAMES[g], phrase_pool) for g in ("f", "m")}
    gender = np.where(rng.random(n) < 0.5, "f", "m")
    first = np.where(gender == "f", rng.choice(first_names["f"], n), rng.choice(first_names["m"], n))
    last = rng.choice(pool_part(P.LAST_NAMES, phrase_pool), n)
    full_name = pd.Series(first, dtype=object) + " " + pd.Series(last, dtype=object)
    birth = REFERENCE_DATE - pd.to_timedelta(rng.integers(18 * 365, 85 * 365, n), unit="D")
    birth = pd.Series(birth).dt.normalize()
    national_id = make_national_ids(birth, rng)
    iban = make_ibans(n, rng)
    phones = make_phones(n, rng)
    phone = phones["value"]
    email = make_emails(
        pd.Series(first, dtype=object),
        pd.Series(last, dtype=object),
        rng,
        pool_part(P.EMAIL_DOMAINS, phrase_pool),
    )

    lg = slot_lang(0.5)  # greeting may be in the second language ("Moien, ...")
    greet = np.full(n, "", dtype=object)
    for reg in ("formal", "informal"):
        flat, start, count = _pools(_part(P.GREETINGS[reg], phrase_pool), LANGUAGES)
        rows = register == reg
        greet[rows] = _pick(flat, start[lg[rows]], count[lg[rows]], rng)

    # how the name is written: after a courtesy title, or without one (signatures, introductions, inline)
    cue_word = np.full(n, "", dtype=object)
    for g in ("f", "m"):
        flat, start, count = _pools(P.NAME_CUES[g], LANGUAGES)
        rows = gender == g
        cue_word[rows] = _pick(flat, start[lang_i[rows]], count[lang_i[rows]], rng)
    name_written = np.where(rng.random(n) < 0.35, pd.Series(last, dtype=object), full_name).astype(object)
    name_form = rng.choice(list(NAME_FORM_SHARES), size=n, p=list(NAME_FORM_SHARES.values()))
    name_written = np.where(name_form == "lower", pd.Series(name_written).str.lower(), name_written)
    templates = np.full(n, "", dtype=object)
    for form_name, pool in (("title_intro", P.NAME_INTRO), ("title_closing", P.NAME_CLOSING)):
        flat, start, count = _pools(_part(pool, phrase_pool), LANGUAGES)
        rows = name_form == form_name
        templates[rows] = _pick(flat, start[lang_i[rows]], count[lang_i[rows]], rng)
    for form_name, pool in P.NAME_FORMS.items():
        flat, start, count = _pools(_part(pool, phrase_pool), LANGUAGES)
        rows = name_form == form_name
        templates[rows] = _pick(flat, start[lang_i[rows]], count[lang_i[rows]], rng)
    name_sentence = _fill(_fill(templates, "cue", cue_word), "name", name_written)
    at_start = np.isin(name_form, ["title_intro", "self"])
    opening = np.where(name_form == "opening", name_sentence, "")
    intro = np.where(at_start, name_sentence, "")
    inline = np.where(name_form == "inline", name_sentence, "")
    closing = np.where(
        np.isin(name_form, ["title_closing", "closing", "signature", "lower"]), name_sentence, ""
    )
    # a family member named by first name, in some requests
    has_kin = rng.random(n) < 0.15
    kin_first = rng.choice(first_names["f"] + first_names["m"], n)
    kin_flat, kin_start, kin_count = _pools(_part(P.KIN_SENTENCES, phrase_pool), LANGUAGES)
    kin = np.where(
        has_kin, _fill(_pick(kin_flat, kin_start[lang_i], kin_count[lang_i], rng), "first", kin_first), ""
    )

    # contact sentences: which personal data appear in the text, in the formats people write
    nid_text = format_national_ids(national_id, rng)
    iban_text = format_ibans(iban, rng)
    paying = np.isin(theme, list(_PAYING))
    in_text = {
        "phone": rng.random(n) < 0.45,
        "email": rng.random(n) < 0.40,
        "national_id": rng.random(n) < np.where(theme == OUT_OF_SCOPE, 0.05, 0.30),
        "iban": rng.random(n) < np.where(paying, 0.45, 0.08),
    }
    text_values = {
        "phone": phone.to_numpy(dtype=object),
        "email": email.to_numpy(dtype=object),
        "national_id": nid_text["value"].to_numpy(dtype=object),
        "iban": iban_text["value"].to_numpy(dtype=object),
    }
    text_formats = {
        "phone": phones["format"].to_numpy(dtype=object),
        "email": np.full(n, "address", dtype=object),
        "national_id": nid_text["format"].to_numpy(dtype=object),
        "iban": iban_text["format"].to_numpy(dtype=object),
    }
    contact_parts = []
    for kind in ("phone", "email", "national_id", "iban"):
        flat, start, count = _pools(_part(P.CONTACT[kind], phrase_pool), LANGUAGES)
        sent = _fill(_pick(flat, start[lang_i], count[lang_i], rng), "v", text_values[kind])
        contact_parts.append(np.where(in_text[kind], sent, ""))
    contacts = _join(contact_parts)
    contacts_first = rng.random(n) < 0.15
    body_kin = _join([body.to_numpy(dtype=object), kin])
    middle = np.where(contacts_first, _join([contacts, body_kin]), _join([body_kin, contacts]))
    text = _join([opening, greet, intro, inline, middle, closing])

    # ---- the structured form
    ids = pd.Series(
        np.char.add(f"{id_prefix}-", np.char.zfill(np.arange(1, n + 1).astype(str), 6)), dtype=object
    )
    form = pd.DataFrame(index=range(n), columns=[f"form_{f}" for f in FORM_FIELDS], dtype=object)
    values = {
        "full_name": full_name,
        "email": email,
        "phone": phone,
        "national_id": national_id,
        "date_of_birth": birth.dt.strftime("%Y-%m-%d"),
        "commune": pd.Series(rng.choice(P.COMMUNES, n), dtype=object),
        "iban": iban,
        "move_date": (REFERENCE_DATE - pd.to_timedelta(rng.integers(1, 60, n), unit="D")).strftime(
            "%Y-%m-%d"
        ),
        "child_count": pd.Series(rng.integers(1, 5, n).astype(str), dtype=object),
        "household_income": pd.Series((rng.integers(18, 90, n) * 1000).astype(str), dtype=object),
        "tax_year": pd.Series(rng.choice(["2022", "2023", "2024"], n), dtype=object),
        "vehicle_plate": pd.Series(
            np.char.add(
                rng.choice(["AB", "CD", "GH", "KL", "NP"], n),
                np.char.zfill(rng.integers(0, 10000, n).astype(str), 4),
            ),
            dtype=object,
        ),
        "licence_number": pd.Series(np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8), dtype=object),
        "last_employer": pd.Series(rng.choice(P.EMPLOYERS, n), dtype=object),
        "residence_years": pd.Series(rng.integers(5, 30, n).astype(str), dtype=object),
        "school": pd.Series(rng.choice(P.SCHOOLS, n), dtype=object),
        "company_name": pd.Series(
            np.char.add(rng.choice(P.LAST_NAMES, n), rng.choice([" SARL", " SARL-S", " & Co"], n)),
            dtype=object,
        ),
        "activity": pd.Series(rng.choice(P.ACTIVITIES, n), dtype=object),
    }
    required = np.zeros((n, len(FORM_FIELDS)), dtype=bool)
    req_table = np.array([[f in REQUIRED_FIELDS[t] for f in FORM_FIELDS] for t in THEMES])
    required[:] = req_table[theme_i]
    asked = required.copy()
    asked[:, FORM_FIELDS.index("email")] = True
    asked[:, FORM_FIELDS.index("phone")] = theme != OUT_OF_SCOPE
    asked[:, FORM_FIELDS.index("full_name")] = True
    drop = required & (rng.random((n, len(FORM_FIELDS))) < missing_rate)
    no_contact = (rng.random(n) < missing_rate / 2) & (theme != OUT_OF_SCOPE)
    drop[no_contact, FORM_FIELDS.index("email")] = True
    drop[no_contact, FORM_FIELDS.index("phone")] = True
    for j, f in enumerate(FORM_FIELDS):
        col = values[f].to_numpy(dtype=object).copy()
        col[~asked[:, j] | drop[:, j]] = np.nan
        form[f"form_{f}"] = col

    # inconsistencies: one at most per request, among those that apply
    kinds = ["date_of_birth_mismatch", "national_id_checksum", "iban_checksum", "email_format"]
    present = form.notna()
    applicable = np.stack(
        [
            (present["form_date_of_birth"] & present["form_national_id"]).to_numpy(),
            present["form_national_id"].to_numpy(),
            present["form_iban"].to_numpy(),
            present["form_email"].to_numpy(),
        ],
        axis=1,
    )
    wants = rng.random(n) < inconsistent_rate
    choice_keys = np.where(applicable, rng.random((n, len(kinds))), -1.0)
    chosen = np.where(wants & applicable.any(axis=1), choice_keys.argmax(axis=1), -1)
    rows = chosen == 0
    if rows.any():
        shifted = (
            pd.to_datetime(form.loc[rows, "form_date_of_birth"])
            + pd.to_timedelta(rng.integers(1, 400, rows.sum()), unit="D")
        ).dt.strftime("%Y-%m-%d")
        form.loc[rows, "form_date_of_birth"] = shifted.to_numpy(dtype=object)
    rows = chosen == 1
    if rows.any():
        nid = form.loc[rows, "form_national_id"].astype(str)
        last_digit = (nid.str[-1].astype(int) + rng.integers(1, 10, rows.sum())) % 10
        form.loc[rows, "form_national_id"] = (nid.str[:-1] + last_digit.astype(str)).to_numpy(dtype=object)
    rows = chosen == 2
    if rows.any():
        ib = form.loc[rows, "form_iban"].astype(str)
        last_digit = (ib.str[-1].astype(int) + rng.integers(1, 10, rows.sum())) % 10
        form.loc[rows, "form_iban"] = (ib.str[:-1] + last_digit.astype(str)).to_numpy(dtype=object)
    rows = chosen == 3
    if rows.any():
        form.loc[rows, "form_email"] = (
            form.loc[rows, "form_email"].str.replace("@", " at ", regex=False).to_numpy(dtype=object)
        )
    inconsistent_truth = np.where(chosen >= 0, np.array(kinds, dtype=object)[np.maximum(chosen, 0)], "")

    missing = pd.DataFrame(drop & required, columns=list(FORM_FIELDS))
    missing_truth = missing.dot(pd.Index(FORM_FIELDS) + ";").str.rstrip(";")
    missing_truth = np.where(
        no_contact, np.where(missing_truth == "", "contact", missing_truth + ";contact"), missing_truth
    )

    requests = pd.DataFrame(
        {
            "request_id": ids,
            "vague": vague,
            "language": lang,
            "second_language": second,
            "code_switched": switched,
            "theme": theme,
            "administration": pd.Series(theme).map({t: v[1] for t, v in ADMINISTRATIONS.items()}),
            "urgency": pd.Categorical(urgency, categories=URGENCY_LEVELS),
            "register": register,
            "length": length,
            "text": text,
        }
    )
    requests = pd.concat([requests, form], axis=1)
    requests["missing_truth"] = missing_truth
    requests["inconsistent_truth"] = inconsistent_truth

    # ---- truth tables
    pii_parts = [
        pd.DataFrame(
            {"request_id": ids, "kind": "name", "value": name_written, "where": "text", "form": name_form}
        ),
        pd.DataFrame(
            {
                "request_id": ids[has_kin],
                "kind": "name",
                "value": kin_first[has_kin],
                "where": "text",
                "form": "kin",
            }
        ),
    ]
    for kind, vals in text_values.items():
        m = in_text[kind]
        pii_parts.append(
            pd.DataFrame(
                {
                    "request_id": ids[m],
                    "kind": kind,
                    "value": vals[m],
                    "where": "text",
                    "form": text_formats[kind][m],
                }
            )
        )
    for f in ("full_name", "email", "phone", "national_id", "iban"):
        col = form[f"form_{f}"]
        m = col.notna().to_numpy()
        pii_parts.append(
            pd.DataFrame(
                {
                    "request_id": ids[m],
                    "kind": "name" if f == "full_name" else f,
                    "value": col[m].to_numpy(dtype=object),
                    "where": "form",
                    "form": "form_field",
                }
            )
        )
    pii = pd.concat(pii_parts, ignore_index=True)

    return SyntheticRequests(requests, pii)


@dataclass
class Splits:
    """Train / validation / test requests and the planted-PII truth of all of them."""

    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    pii: pd.DataFrame


def make_splits(
    n_requests: int, seed: int = 0, *, train_share: float = 0.6, validation_share: float = 0.2, **kwargs
) -> Splits:
    """Training requests from one half of every pool, validation and test requests from the other.

    Validation and test come from the same distribution (the threshold chosen on validation carries to
    test), and no template, phrase or author of theirs was seen in training: a synthetic score measures
    how well the method carries to new wordings and writers, not how well it recalls the generator.
    ``kwargs`` go to :func:`generate_requests` for both parts (e.g. ``language_shares``).
    """
    if not 0 < train_share < 1 or not 0 < validation_share < 1 or train_share + validation_share >= 1:
        raise ValueError("train_share and validation_share must be positive and leave room for a test set.")
    n_train = int(round(n_requests * train_share))
    n_val = int(round(n_requests * validation_share))
    n_test = n_requests - n_train - n_val
    if min(n_train, n_val, n_test) < 20:
        raise ValueError(
            f"n_requests={n_requests} is too small: each of train/validation/test needs >= 20 requests."
        )
    train = generate_requests(n_train, seed, phrase_pool="train", id_prefix="TRN", **kwargs)
    rest = generate_requests(n_val + n_test, seed + 1, phrase_pool="test", id_prefix="REQ", **kwargs)
    validation = rest.requests.iloc[:n_val].reset_index(drop=True)
    test = rest.requests.iloc[n_val:].reset_index(drop=True)
    return Splits(
        train.requests,
        validation,
        test,
        pd.concat([train.pii, rest.pii], ignore_index=True),
    )
