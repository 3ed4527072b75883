"""Synthetic personal identifiers with valid check digits, and their validators (vectorised).

- Luxembourg national identification number (matricule): 13 digits, ``YYYYMMDD`` + 3 serial digits +
  a Luhn check digit over the first 11 digits + a Verhoeff check digit over the first 11 digits
  (OECD "Luxembourg TIN" sheet; its example 1893 1201 057 32 passes both checks here).
- IBAN (ISO 13616): country code, two check digits (98 - mod 97 of the rearranged number), BBAN.
  Luxembourg IBANs have 20 characters (3-digit bank code + 13 account characters); Belgian ones 16
  (with the national mod-97 check); German ones 22.
- Phone numbers in the Luxembourg, French, German and Belgian formats people type.

Every function works on whole arrays: the loops run over digit positions, never over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_VERHOEFF_D = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
)
_VERHOEFF_P = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 7, 6, 8, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
)
_VERHOEFF_INV = np.array([0, 4, 3, 2, 1, 5, 6, 7, 8, 9])


def digits_matrix(values: pd.Series | np.ndarray, width: int) -> np.ndarray:
    """Strings of exactly ``width`` digits -> an (n, width) int array."""
    arr = np.asarray(values, dtype=f"<U{width}")
    codes = arr.view(np.uint32).reshape(len(arr), width)
    return codes.astype(np.int64) - ord("0")


def luhn_digit(digits: np.ndarray) -> np.ndarray:
    """Luhn check digit of each row of an (n, k) digit matrix."""
    weights = np.where((np.arange(digits.shape[1])[::-1] % 2) == 0, 2, 1)
    products = digits * weights
    products = np.where(products > 9, products - 9, products)
    return (10 - products.sum(axis=1) % 10) % 10


def verhoeff_digit(digits: np.ndarray) -> np.ndarray:
    """Verhoeff check digit of each row of an (n, k) digit matrix."""
    c = np.zeros(digits.shape[0], dtype=np.int64)
    for i, col in enumerate(digits.T[::-1]):  # loop over digit positions, vectorised over rows
        c = _VERHOEFF_D[c, _VERHOEFF_P[(i + 1) % 8, col]]
    return _VERHOEFF_INV[c]


def make_national_ids(birth_dates: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Valid 13-digit matricules for the given birth dates."""
    dates = pd.to_datetime(birth_dates).dt.strftime("%Y%m%d").to_numpy(dtype="<U8")
    serial = np.char.zfill(rng.integers(0, 1000, len(dates)).astype("<U3"), 3)
    first11 = np.char.add(dates, serial)
    digits = digits_matrix(first11, 11)
    checks = np.char.add(luhn_digit(digits).astype("<U1"), verhoeff_digit(digits).astype("<U1"))
    return pd.Series(np.char.add(first11, checks), index=birth_dates.index, dtype=object)


def valid_national_id(values: pd.Series) -> pd.Series:
    """True where a value is 13 digits (spaces allowed) with correct Luhn and Verhoeff digits and a real date."""
    clean = values.astype("string").str.replace(" ", "", regex=False)
    ok = clean.str.fullmatch(r"\d{13}").fillna(False).astype(bool)
    out = pd.Series(False, index=values.index)
    if ok.any():
        good = clean[ok].to_numpy(dtype="<U13")
        digits = digits_matrix(good, 13)
        checks = (luhn_digit(digits[:, :11]) == digits[:, 11]) & (
            verhoeff_digit(digits[:, :11]) == digits[:, 12]
        )
        real_date = (
            pd.to_datetime(pd.Series(good).str[:8], format="%Y%m%d", errors="coerce").notna().to_numpy()
        )
        out[ok] = checks & real_date
    return out


def _iban_mod97(rearranged: np.ndarray) -> np.ndarray:
    """mod 97 of IBAN strings already rearranged (BBAN + country + check), letters as 10..35."""
    width = int(np.char.str_len(rearranged.astype(str)).max()) if len(rearranged) else 1
    fixed = np.ascontiguousarray(rearranged.astype(f"<U{width}"))  # shorter strings are padded with code 0
    codes = fixed.view(np.uint32).reshape(len(rearranged), width).astype(np.int64)
    r = np.zeros(len(rearranged), dtype=np.int64)
    for col in codes.T:
        is_digit = (col >= 48) & (col <= 57)
        is_letter = (col >= 65) & (col <= 90)
        r = np.where(is_digit, (r * 10 + col - 48) % 97, r)
        r = np.where(is_letter, (r * 100 + col - 55) % 97, r)
    return r


def _iban_from_bban(country: str, bban: np.ndarray) -> np.ndarray:
    rearranged = np.char.add(bban.astype(str), country + "00")
    check = 98 - _iban_mod97(rearranged)
    return np.char.add(np.char.add(country, np.char.zfill(check.astype(str), 2)), bban.astype(str))


def _join_digits(digits: np.ndarray) -> np.ndarray:
    """(n, k) int digit matrix -> n strings (vectorised via a fixed-width unicode view)."""
    n, k = digits.shape
    codes = (digits.astype(np.uint32) + ord("0")).copy(order="C")
    return codes.view(f"<U{k}").reshape(n)


def make_ibans(n: int, rng: np.random.Generator, country_share: dict[str, float] | None = None) -> pd.Series:
    """Valid IBANs, mostly Luxembourgish (cross-border workers bring Belgian and German accounts)."""
    shares = country_share or {"LU": 0.8, "BE": 0.1, "DE": 0.1}
    countries = rng.choice(list(shares), size=n, p=np.array(list(shares.values())) / sum(shares.values()))
    out = np.empty(n, dtype=object)
    lu = countries == "LU"
    if lu.any():
        bank = rng.choice(["001", "002", "003", "019", "030", "060", "141"], size=lu.sum())
        acct = _join_digits(rng.integers(0, 10, size=(lu.sum(), 13)))
        out[lu] = _iban_from_bban("LU", np.char.add(bank, acct))
    be = countries == "BE"
    if be.any():
        body = rng.integers(0, 10, size=(be.sum(), 10))
        body_str = _join_digits(body)
        national = body_str.astype(np.int64) % 97
        national = np.where(national == 0, 97, national)
        out[be] = _iban_from_bban("BE", np.char.add(body_str, np.char.zfill(national.astype(str), 2)))
    de = countries == "DE"
    if de.any():
        out[de] = _iban_from_bban("DE", _join_digits(rng.integers(0, 10, size=(de.sum(), 18))))
    return pd.Series(out, dtype=object)


def group_iban(ibans: pd.Series) -> pd.Series:
    """Print form: groups of four characters separated by spaces."""
    return ibans.str.replace(r"(.{4})(?!$)", r"\1 ", regex=True)


def valid_iban(values: pd.Series) -> pd.Series:
    """True where the IBAN check digits are right (spaces ignored, case-insensitive)."""
    clean = values.astype("string").str.replace(" ", "", regex=False).str.upper()
    ok = clean.str.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}").fillna(False).astype(bool)
    out = pd.Series(False, index=values.index)
    if ok.any():
        good = clean[ok]
        rearranged = (good.str[4:] + good.str[:4]).to_numpy(dtype=str)
        out[ok] = _iban_mod97(rearranged) == 1
    return out


def _pick_format(formats: dict[str, np.ndarray], weights: list[float], rng) -> tuple[np.ndarray, np.ndarray]:
    """One of several formats per row: (values, format names); vectorised over rows."""
    n = len(next(iter(formats.values())))
    w = np.asarray(weights, dtype=float)
    which = rng.choice(len(formats), size=n, p=w / w.sum())
    stacked = np.stack([np.asarray(v, dtype=object) for v in formats.values()], axis=1)
    names = np.array(list(formats), dtype=object)
    return stacked[np.arange(n), which], names[which]


def make_phones(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Phone numbers as people type them (``value``) and their ``format``: Luxembourg mobiles and landlines
    with +352, 00352, 00 352 or no prefix, grouped by spaces, dots or dashes or not at all; French, German
    and Belgian numbers in their national and international forms."""
    d = rng.integers(0, 10, size=(n, 9)).astype(str)

    def g(*cols):
        out = d[:, cols[0]]
        for c in cols[1:]:
            out = np.char.add(out, d[:, c])
        return out.astype(object)

    a3, b3, c3 = g(0, 1, 2), g(3, 4, 5), g(6, 7, 8)
    p2, q2, r2, s2 = g(1, 2), g(3, 4), g(5, 6), g(7, 8)
    lu = pd.Series(rng.choice(["621", "661", "691", "671", "628", "681"], size=n), dtype=object).to_numpy()
    land = pd.Series(rng.choice(["26", "27", "28", "22", "44", "45", "47", "48", "49"], size=n)).to_numpy(
        dtype=object
    )
    formats = {
        "lu_mobile_plus": "+352 " + lu + " " + b3 + " " + c3,
        "lu_mobile_00": "00352 " + lu + " " + b3 + " " + c3,
        "lu_mobile_00_spaced": "00 352 " + lu + " " + b3 + " " + c3,
        "lu_mobile_compact_plus": "+352" + lu + b3 + c3,
        "lu_mobile": lu + " " + b3 + " " + c3,
        "lu_mobile_dots": lu + "." + b3 + "." + c3,
        "lu_mobile_compact": lu + b3 + c3,
        "lu_landline_plus": "+352 " + land + " " + p2 + " " + q2 + " " + r2,
        "lu_landline_brackets": "(+352) " + land + " " + p2 + " " + q2 + " " + r2,
        "lu_landline": land + " " + p2 + " " + q2 + " " + r2,
        "lu_landline_dots": land + "." + p2 + "." + q2 + "." + r2,
        "fr_mobile": "06 " + p2 + " " + q2 + " " + r2 + " " + s2,
        "fr_mobile_dots": "07." + p2 + "." + q2 + "." + r2 + "." + s2,
        "fr_intl": "+33 6 " + p2 + " " + q2 + " " + r2 + " " + s2,
        "fr_intl_00": "0033 6 " + p2 + " " + q2 + " " + r2 + " " + s2,
        "de_mobile": "0151 " + a3 + b3 + g(6, 7),
        "de_mobile_slash": "0171/" + a3 + b3 + g(6, 7),
        "de_intl": "+49 151 " + a3 + b3 + g(6, 7),
        "de_intl_0": "+49 (0)171 " + a3 + b3 + g(6, 7),
        "be_mobile": "0470 " + p2 + " " + q2 + " " + r2,
        "be_intl": "+32 470 " + p2 + " " + q2 + " " + r2,
        "be_intl_00": "0032 470 " + p2 + " " + q2 + " " + r2,
    }
    weights = [8, 5, 2, 3, 8, 3, 3, 4, 2, 5, 3, 5, 2, 3, 1, 3, 2, 3, 1, 3, 2, 1]
    values, names = _pick_format(formats, weights, rng)
    return pd.DataFrame({"value": values, "format": names})


def format_ibans(ibans: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """IBANs as people write them: grouped by four (spaces), in one piece, in lower case, with dashes."""
    grouped = group_iban(ibans).to_numpy(dtype=object)
    compact = ibans.to_numpy(dtype=object)
    formats = {
        "grouped": grouped,
        "compact": compact,
        "lower_grouped": pd.Series(grouped).str.lower().to_numpy(dtype=object),
        "lower_compact": pd.Series(compact).str.lower().to_numpy(dtype=object),
        "dashes": pd.Series(grouped).str.replace(" ", "-", regex=False).to_numpy(dtype=object),
    }
    values, names = _pick_format(formats, [5, 2, 2, 1, 1], rng)
    return pd.DataFrame({"value": values, "format": names})


def format_national_ids(ids: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """13-digit national ids as people write them: in one piece, or split after the date, with spaces,
    dots, dashes or slashes between year, month, day, serial and check digits."""
    s = ids.astype(str)
    y, m, dd, serial, check = s.str[:4], s.str[4:6], s.str[6:8], s.str[8:11], s.str[11:]
    formats = {
        "compact": s,
        "date_then_rest": y + m + dd + " " + serial + check,
        "spaced_4_4_3_2": y + " " + m + dd + " " + serial + " " + check,
        "spaced": y + " " + m + " " + dd + " " + serial + " " + check,
        "dots": y + "." + m + "." + dd + "." + serial + "." + check,
        "dashes": y + "-" + m + "-" + dd + "-" + serial + "-" + check,
        "slashes": y + "/" + m + "/" + dd + "/" + serial + "/" + check,
    }
    values, names = _pick_format(
        {k: v.to_numpy(dtype=object) for k, v in formats.items()}, [4, 2, 2, 2, 1, 1, 1], rng
    )
    return pd.DataFrame({"value": values, "format": names})


_FOLD = str.maketrans("àâäáãçéèêëíìîïñóòôöõúùûüÿ", "aaaaaceeeeiiiinooooouuuuy")


def make_emails(first: pd.Series, last: pd.Series, rng: np.random.Generator, domains: list[str]) -> pd.Series:
    """first.last[NN]@domain with accents folded and spaces removed."""
    n = len(first)
    local = (
        first.str.lower().str.translate(_FOLD)
        + rng.choice([".", "_", ""], size=n)
        + last.str.lower().str.translate(_FOLD).str.replace(" ", "", regex=False)
    )
    suffix = np.where(rng.random(n) < 0.4, rng.integers(1, 99, n).astype(str), "")
    address = pd.Series((local + suffix + "@" + rng.choice(domains, size=n)).to_numpy(), dtype=object)
    titled = rng.random(n) < 0.2  # "Marie.Dupont@pt.lu": some people keep the capitals
    address[titled] = (
        address[titled].str.split("@").str[0].str.title() + "@" + address[titled].str.split("@").str[1]
    )
    return address
