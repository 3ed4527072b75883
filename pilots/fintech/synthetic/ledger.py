"""A synthetic payment ledger of a Luxembourg bank, with injected, labelled fraud typologies.

What it produces (one row per transaction, sorted by time):

- accounts: retail and corporate customers, residents of Luxembourg and cross-border customers
  (living in France, Belgium or Germany: the shares of Luxembourg's cross-border workforce,
  FACTS.md); each has an activity level, one or a few online-banking devices, sometimes a new phone;
- merchants with ISO 18245 category codes (MCC) and a country, physical shops and online shops;
- channels: ``card_present``, ``ecommerce``, ``sepa_transfer``, ``instant_payment`` and
  ``cash_deposit``; money leaves the account (``direction = "debit"``) or arrives (``"credit"``:
  incoming transfers, refunds, cash deposits);
- log-normal amounts by segment, channel and direction (cents), daily and weekly rhythms (shops on
  Saturdays, transfers on working days, branches closed on Sundays and Luxembourg public holidays);
- regular counterparties (favourite shops, usual beneficiaries) plus occasional new ones.

Genuine look-alikes are part of the ledger on purpose (otherwise any detector looks brilliant):
bursts of tiny app/parking/ticket payments, one-off large transfers to a new beneficiary, salaries
swept to the customer's own savings account within hours (pass-through), customers who return
many online purchases, cash businesses that deposit takings every day, new phones.

Six fraud typologies are injected, each as a number of rows that is exactly
``round(n_transactions * fraud_rate * share)``. Five are *learnt*: before ``held_out_from`` (70 % of the
period by default, where the ledger design's training period ends) they follow one set of parameters, after it
another set that no model was trained on; the sixth appears only after it. A detector's test score
therefore measures how it copes with fraud it has not seen, not whether it memorised the generator:

- ``card_testing``: learnt: bursts of 6-25 tiny e-commerce payments (0.50-4.99 EUR, some to 9.99) within
  minutes, mostly at one shop, from the fraudster's device; held out: 4-10 payments of 5-30 EUR paced over
  hours at many shops, half from the victim's own compromised phone;
- ``account_takeover``: learnt: 1-4 large transfers (800-9,500 EUR) to a new beneficiary within an hour or
  two, 60 % from a new device, half to a high-risk country; held out (authorised push-payment scam): 2-6
  transfers of 300-2,500 EUR over one to three days from the victim's own phone, to an ordinary EU country;
- ``money_mule``: a chain: transfers into a mule account (fan-in), forwarded to a second mule and on;
  learnt: fan-in over up to two days, 60-97 % forwarded within 0.5-30 h, last hop to a high-risk country;
  held out: fan-in over three to six days, 40-80 % forwarded after 30-90 h, last hop within the EU;
- ``structuring``: learnt: 3-9 cash deposits of 8,000-9,990 EUR (under the 10,000 EUR reporting threshold);
  held out (smurfing): 4-12 amounts of 2,000-6,500 EUR, half cash, half instant payments from new senders;
- ``refund_abuse``: learnt: 3-8 e-commerce refunds of 60-900 EUR within a few days; held out: 2-4 refunds of
  900-3,000 EUR over one to two weeks from the account's usual shops;
- ``bust_out`` (held out only): a quiet retail account spends 300-2,500 EUR 4-10 times within two days on
  electronics, department stores and miscellaneous retail.

Labels arrive late, as they do in a bank (chargebacks, customer complaints, investigations):
``label_available_at`` is when the bank learns the truth. For fraud rows it is drawn per typology
(ASSUMED log-normal medians: account takeover 2 days, card testing 4, bust-out 7, refund abuse 10,
money mules 14, structuring 21); for genuine rows it is the end of a 30-day dispute window. A model
trained at time T may only use ``label`` where ``label_available_at <= T`` (``detectors.known_labels``).

Everything is vectorised over rows (numpy); the loops run over the five channels and the six
typologies, never over transactions. The amounts, mixes and delays are ASSUMPTIONS of the pilot
(no public Luxembourg bank ledger exists); the pilot card lists them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CHANNELS = ("card_present", "ecommerce", "sepa_transfer", "instant_payment", "cash_deposit")
CARD_PRESENT, ECOMMERCE, SEPA, INSTANT, CASH = range(5)
DIRECTIONS = ("debit", "credit")
TYPOLOGIES = ("card_testing", "account_takeover", "money_mule", "structuring", "refund_abuse", "bust_out")
HELD_OUT_ONLY = ("bust_out",)  # appears only in the held-out part of the period
LEARNT = tuple(t for t in TYPOLOGIES if t not in HELD_OUT_ONLY)
HELD_OUT_FROM = 0.7  # share of the period after which frauds follow their held-out parameters
DEFAULT_FRAUD_RATE = 0.002
SEGMENT_COLUMNS = ("customer_type", "residency")

COUNTRIES = (
    "LU",
    "FR",
    "BE",
    "DE",
    "NL",
    "IE",
    "GB",
    "US",
    "CN",
    "ES",
    "IT",
    "PT",
    "AT",
    "CH",
    "LT",
    "RO",
    "BG",
    "CY",
    "HK",
    "AE",
)
_C = {c: i for i, c in enumerate(COUNTRIES)}
TRAVEL_COUNTRIES = ("ES", "IT", "PT", "NL", "AT", "CH", "GB", "US")
HIGH_RISK_COUNTRIES = ("LT", "RO", "BG", "CY", "HK", "AE", "GB")

# Node id ranges: accounts are 0..n_accounts-1; other parties live in their own ranges.
MERCHANT_BASE = 1_000_000_000
EXTERNAL_BASE = 2_000_000_000
BRANCH_BASE = 3_000_000_000
FRAUD_EXTERNAL_BASE = 4_000_000_000
LEGIT_NEW_EXTERNAL_BASE = 5_000_000_000
FRAUD_DEVICE_BASE = 9_000_000_000
NO_DEVICE = -1

# Merchant category codes (ISO 18245) with (physical weight, online weight, amount factor).
MCCS = {
    5411: (0.24, 0.04, 1.0),  # grocery stores
    5812: (0.16, 0.02, 1.1),  # restaurants
    5541: (0.10, 0.00, 1.6),  # fuel
    5912: (0.06, 0.02, 0.8),  # pharmacies
    5311: (0.06, 0.08, 1.5),  # department stores
    5691: (0.07, 0.12, 1.8),  # clothing
    5732: (0.04, 0.10, 4.0),  # electronics
    4111: (0.06, 0.06, 0.6),  # commuter transport
    7011: (0.03, 0.08, 5.0),  # hotels
    4814: (0.02, 0.08, 1.2),  # telecom
    5999: (0.10, 0.18, 1.0),  # miscellaneous retail
    5967: (0.00, 0.08, 0.7),  # direct marketing / subscriptions
    7995: (0.02, 0.04, 1.3),  # gambling
    4900: (0.04, 0.02, 2.5),  # utilities
}


@dataclass(frozen=True)
class GeneratorConfig:
    """Population and behaviour knobs; the defaults are the pilot's stated assumptions."""

    corporate_share: float = 0.10
    cross_border_share_retail: float = 0.35
    cross_border_share_corporate: float = 0.25
    home_country_cross_border: tuple[tuple[str, float], ...] = (("FR", 0.5), ("BE", 0.25), ("DE", 0.25))
    transactions_per_account_day: float = 1.2
    device_change_share: float = 0.06  # accounts that get a new phone during the period
    returner_share: float = 0.04  # retail accounts that return many online purchases
    returner_refund_share: float = 0.20  # ... share of their e-commerce rows that are refunds
    cash_business_share: float = 0.25  # corporate accounts with daily cash takings (restaurants, shops)
    micro_burst_share: float = 0.004  # genuine rows in bursts of tiny payments (apps, parking, tickets)
    large_transfer_share: float = 0.0015  # genuine one-off large transfers to a new beneficiary (car, flat)
    payday_sweep_share: float = 0.003  # genuine salary in, most of it out to own savings within hours
    legit_refund_share: float = 0.012  # e-commerce rows that are genuine refunds
    dispute_window_days: float = 30.0  # when a genuine row's label becomes final
    label_delay_median_days: tuple[tuple[str, float], ...] = (
        ("card_testing", 4.0),
        ("account_takeover", 2.0),
        ("money_mule", 14.0),
        ("structuring", 21.0),
        ("refund_abuse", 10.0),
        ("bust_out", 7.0),
    )
    label_delay_sigma: float = 0.6


# Channel mix per segment (retail, corporate), in CHANNELS order.
_CHANNEL_MIX = np.array([[0.52, 0.26, 0.12, 0.08, 0.02], [0.15, 0.12, 0.50, 0.18, 0.05]])
# Probability that a row of the channel is a credit (money in), per segment.
_CREDIT_PROB = np.array([[0.0, 0.012, 0.18, 0.25, 1.0], [0.0, 0.012, 0.45, 0.35, 1.0]])
# Log-normal amount: median EUR per (segment, channel, direction) and sigma.
_MEDIAN = np.array(
    [
        [[32, 40], [48, 45], [180, 1800], [60, 80], [250, 250]],
        [[120, 120], [300, 250], [2500, 3500], [900, 900], [3000, 3000]],
    ],
    dtype=float,
)
_SIGMA = np.array(
    [
        [[0.85, 0.8], [1.0, 0.9], [1.2, 0.6], [1.1, 1.1], [1.0, 1.0]],
        [[1.0, 1.0], [1.2, 1.1], [1.5, 1.4], [1.3, 1.3], [0.9, 0.9]],
    ]
)
_CASH_BUSINESS_MIX = np.array([0.10, 0.08, 0.42, 0.15, 0.25])
# Day-of-week weights (Mon..Sun) per channel; hour-of-day profiles per channel.
_DOW = np.array(
    [
        [0.90, 0.95, 1.00, 1.00, 1.15, 1.25, 0.60],
        [1.00, 1.00, 1.00, 1.00, 1.00, 1.05, 1.10],
        [1.20, 1.10, 1.10, 1.10, 1.10, 0.25, 0.15],
        [1.05, 1.00, 1.00, 1.00, 1.10, 0.90, 0.80],
        [1.10, 1.10, 1.10, 1.10, 1.20, 0.40, 0.00],
    ]
)
_HOURS = np.array(
    [
        [1, 1, 0, 0, 0, 1, 3, 6, 9, 10, 11, 14, 18, 15, 11, 11, 13, 17, 18, 14, 8, 5, 3, 2],
        [4, 3, 2, 1, 1, 1, 2, 4, 6, 8, 9, 10, 11, 10, 9, 9, 10, 11, 13, 15, 17, 16, 12, 7],
        [0, 0, 0, 0, 0, 0, 2, 6, 12, 15, 15, 13, 10, 11, 13, 13, 12, 10, 7, 5, 4, 3, 2, 1],
        [2, 1, 1, 0, 0, 1, 3, 6, 9, 10, 10, 11, 12, 11, 10, 10, 11, 12, 12, 11, 9, 7, 5, 3],
        [0, 0, 0, 0, 0, 0, 0, 2, 8, 14, 15, 14, 12, 11, 13, 14, 12, 8, 4, 2, 1, 0, 0, 0],
    ],
    dtype=float,
)
# Fraudsters work at any hour, a little more at night.
_FRAUD_HOURS = np.array([6, 6, 6, 6, 5, 4, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 6, 6], dtype=float)


class GeneratorError(ValueError):
    """A generator parameter out of its valid range."""


def _check(n_transactions: int, n_days: int, fraud_rate: float, shares: dict[str, float]) -> None:
    if not isinstance(n_transactions, (int, np.integer)) or n_transactions < 1000:
        raise GeneratorError(f"n_transactions must be an integer of at least 1000, got {n_transactions!r}.")
    if not isinstance(n_days, (int, np.integer)) or n_days < 14:
        raise GeneratorError(
            f"n_days must be an integer of at least 14 (a 7-day window needs history), got {n_days!r}."
        )
    if not 0.0 <= fraud_rate <= 0.05:
        raise GeneratorError(f"fraud_rate must be between 0 and 0.05, got {fraud_rate!r}.")
    unknown = sorted(set(shares) - set(TYPOLOGIES))
    if unknown:
        raise GeneratorError(f"Unknown typology {', '.join(unknown)}; known: {', '.join(TYPOLOGIES)}.")
    if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1.0) > 1e-6:
        raise GeneratorError(f"typology_shares must be non-negative and sum to 1, got {shares!r}.")


def _mix(a: np.ndarray, b: int | np.ndarray) -> np.ndarray:
    """A cheap deterministic integer hash of two integer arrays (for 'favourite' counterparties)."""
    b = np.broadcast_to(np.asarray(b, dtype=np.int64), np.shape(a))
    with np.errstate(over="ignore"):
        x = (a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (
            b.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        )
        x ^= x >> np.uint64(29)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(32)
    return (x & np.uint64(0x7FFFFFFFFFFF)).astype(np.int64)


def _draw(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """n draws from a categorical distribution (inverse CDF, vectorised)."""
    cdf = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(probs) - 1)


def _draw_rows(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row, each row with its own cumulative probabilities (n x k)."""
    u = rng.random(len(cdf_rows))
    return np.minimum((u[:, None] > cdf_rows).sum(axis=1), cdf_rows.shape[1] - 1)


def _country_codes(names: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array([_C[c] for c in names], dtype=np.int16)


def _day_weights(start: pd.Timestamp, n_days: int) -> np.ndarray:
    """(channels x days) weights: day-of-week rhythm; Luxembourg public holidays behave like Sundays."""
    import holidays

    days = pd.date_range(start, periods=n_days, freq="D")
    dow = days.dayofweek.to_numpy().copy()
    lu = holidays.country_holidays("LU", years=sorted(set(days.year)))
    is_holiday = np.array([d.date() in lu for d in days])  # n_days items: a calendar, not rows
    dow[is_holiday] = 6
    return _DOW[:, dow]


def _event_sizes(rng: np.random.Generator, total: int, lo: int, hi: int) -> np.ndarray:
    """Event sizes in [lo, hi] (the last one possibly smaller or merged) that add up to ``total`` exactly."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    sizes = rng.integers(lo, hi + 1, size=total // lo + 1)
    cum = np.cumsum(sizes)
    m = int(np.searchsorted(cum, total)) + 1
    sizes = sizes[:m].copy()
    sizes[-1] -= cum[m - 1] - total
    if len(sizes) > 1 and sizes[-1] < lo:
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    return sizes.astype(np.int64)


def _positions(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For events of the given sizes: the event index of every row and the row's position in its event."""
    event = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    return event, np.arange(int(sizes.sum())) - starts[event]


def _event_cumsum(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at every event."""
    cs = np.cumsum(values)
    first = np.cumsum(sizes) - sizes
    return cs - np.repeat(cs[first] - values[first], sizes)


def _event_starts(
    rng: np.random.Generator,
    n: int,
    period_s: int,
    margin_s: int | np.ndarray,
    hours: np.ndarray = _FRAUD_HOURS,
) -> np.ndarray:
    """Event start times (s) at the given hour profile, each leaving its ``margin_s`` (span) before the end."""
    last_day = np.maximum(1, (period_s - np.asarray(margin_s, dtype=np.int64)) // 86400)
    # stratified over the period, so that every typology shows up in every part of it
    day = np.minimum(
        ((rng.permutation(n) + rng.random(n)) / max(n, 1) * last_day).astype(np.int64), last_day - 1
    )
    hour = _draw(rng, hours, n)
    return day * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)


def _rows(n: int) -> dict[str, np.ndarray]:
    return {
        "t": np.zeros(n, np.int64),
        "account": np.zeros(n, np.int64),
        "cp": np.zeros(n, np.int64),
        "direction": np.zeros(n, np.int8),
        "amount": np.zeros(n),
        "channel": np.zeros(n, np.int8),
        "mcc": np.zeros(n, np.int16),
        "country": np.zeros(n, np.int16),
        "device": np.full(n, NO_DEVICE, np.int64),
    }


class _World:
    """Accounts, merchants and external parties of one synthetic bank."""

    def __init__(self, rng: np.random.Generator, n_accounts: int, n_days: int, cfg: GeneratorConfig):
        self.n_accounts = n = n_accounts
        self.corporate = rng.random(n) < cfg.corporate_share
        cb_share = np.where(self.corporate, cfg.cross_border_share_corporate, cfg.cross_border_share_retail)
        self.cross_border = rng.random(n) < cb_share
        homes, home_p = zip(*cfg.home_country_cross_border, strict=True)
        home = _country_codes(homes)[_draw(rng, np.array(home_p), n)]
        self.home = np.where(self.cross_border, home, _C["LU"]).astype(np.int16)
        self.activity = np.where(self.corporate, rng.gamma(2.0, 2.5, n), rng.gamma(2.0, 0.5, n))
        self.activity_cdf = np.cumsum(self.activity / self.activity.sum())
        self.n_devices = np.where(self.corporate, rng.integers(2, 5, n), rng.integers(1, 3, n))
        self.returner = (~self.corporate) & (rng.random(n) < cfg.returner_share)
        self.cash_business = self.corporate & (rng.random(n) < cfg.cash_business_share)
        self.period_s = period_s = n_days * 86400
        self.change_time = np.where(
            rng.random(n) < cfg.device_change_share, rng.integers(0, period_s, n), np.iinfo(np.int64).max
        )

        n_merchants = max(60, n // 8)
        self.n_merchants = n_merchants
        online = rng.random(n_merchants) < 0.35
        codes = np.array(list(MCCS))
        w_phys = np.array([v[0] for v in MCCS.values()])
        w_onl = np.array([v[1] for v in MCCS.values()])
        self.mcc_factor = dict(zip(codes, [v[2] for v in MCCS.values()], strict=True))
        mcc = np.where(online, codes[_draw(rng, w_onl, n_merchants)], codes[_draw(rng, w_phys, n_merchants)])
        phys_c = _country_codes(["LU", "FR", "BE", "DE"] + list(TRAVEL_COUNTRIES))
        phys_p = np.array([0.55, 0.17, 0.10, 0.10] + [0.08 / len(TRAVEL_COUNTRIES)] * len(TRAVEL_COUNTRIES))
        onl_c = _country_codes(["LU", "IE", "NL", "DE", "FR", "GB", "US", "CN"])
        onl_p = np.array([0.08, 0.20, 0.15, 0.15, 0.15, 0.10, 0.12, 0.05])
        country = np.where(
            online, onl_c[_draw(rng, onl_p, n_merchants)], phys_c[_draw(rng, phys_p, n_merchants)]
        )
        self.merchant_mcc = mcc.astype(np.int16)
        self.merchant_country = country.astype(np.int16)
        self.online_merchants = np.flatnonzero(online)
        # physical merchants grouped by country, for "shop near home / at work / on holiday"
        phys = np.flatnonzero(~online)
        order = np.argsort(country[phys], kind="stable")
        self.phys_sorted = phys[order]
        c_sorted = country[phys][order]
        self.phys_offset = np.searchsorted(c_sorted, np.arange(len(COUNTRIES)), side="left")
        self.phys_size = np.searchsorted(c_sorted, np.arange(len(COUNTRIES)), side="right") - self.phys_offset

        self.n_external = 5 * n
        ext_c = _country_codes(["LU", "FR", "BE", "DE", "NL", "PT", "IT", "ES", "GB", "CH"])
        ext_p = np.array([0.45, 0.18, 0.10, 0.12, 0.03, 0.04, 0.02, 0.02, 0.02, 0.02])
        self.external_country = ext_c[_draw(rng, ext_p, self.n_external)]
        self.n_branches = 25

    def active_accounts(self, rng, n: int) -> np.ndarray:
        """Accounts drawn in proportion to their activity (busy accounts are victims more often too)."""
        return np.minimum(
            np.searchsorted(self.activity_cdf, rng.random(n), side="right"), self.n_accounts - 1
        )

    def physical_merchant(
        self, rng, country: np.ndarray, key: np.ndarray, favourite: np.ndarray
    ) -> np.ndarray:
        """A physical merchant in the given country (falls back to Luxembourg where none exists)."""
        size = self.phys_size[country]
        country = np.where(size > 0, country, _C["LU"])
        size = self.phys_size[country]
        rand_idx = (size * rng.random(len(key)) ** 2).astype(np.int64)
        idx = np.where(favourite, key % size, rand_idx)
        return self.phys_sorted[self.phys_offset[country] + idx]

    def online_merchant(self, rng, key: np.ndarray, favourite: np.ndarray) -> np.ndarray:
        size = len(self.online_merchants)
        rand_idx = (size * rng.random(len(key)) ** 2).astype(np.int64)
        return self.online_merchants[np.where(favourite, key % size, rand_idx)]

    def usual_device(self, rng, acc: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The account's own devices: one of its 1-4 devices; a new phone after its change time."""
        which = (rng.random(len(acc)) ** 2 * self.n_devices[acc]).astype(np.int64)
        new_phone = (t > self.change_time[acc]) & (which == 0)
        return acc * 8 + np.where(new_phone, 7, which)


def _legit(rng, world: _World, n: int, start: pd.Timestamp, n_days: int, cfg: GeneratorConfig) -> dict:
    r = _rows(n)
    acc = world.active_accounts(rng, n)
    seg = world.corporate[acc].astype(np.int64)
    mix = np.cumsum(_CHANNEL_MIX, axis=1)[seg]
    mix[world.cash_business[acc]] = np.cumsum(_CASH_BUSINESS_MIX)
    channel = _draw_rows(rng, mix)
    credit_p = _CREDIT_PROB[seg, channel]
    credit_p = np.where(world.returner[acc] & (channel == ECOMMERCE), cfg.returner_refund_share, credit_p)
    credit = rng.random(n) < credit_p
    day_w = _day_weights(start, n_days)
    t = np.zeros(n, np.int64)
    for ch in range(len(CHANNELS)):  # five channels, each vectorised over its rows
        rows = np.flatnonzero(channel == ch)
        day = _draw(rng, day_w[ch], len(rows))
        hour = _draw(rng, _HOURS[ch], len(rows))
        t[rows] = day * 86400 + hour * 3600 + rng.integers(0, 3600, len(rows))

    cp = np.zeros(n, np.int64)
    mcc = np.zeros(n, np.int16)
    country = np.full(n, _C["LU"], np.int16)
    device = np.full(n, NO_DEVICE, np.int64)
    favourite = rng.random(n) < 0.8
    k = np.minimum(rng.geometric(0.35, n) - 1, 14)
    key = _mix(acc, k)

    cp_rows = np.flatnonzero(channel == CARD_PRESENT)
    home = world.home[acc[cp_rows]]
    u = rng.random(len(cp_rows))
    travel = u < 0.035
    at_home = u > np.where(world.cross_border[acc[cp_rows]], 0.52, 0.86)
    where = np.where(at_home, home, _C["LU"]).astype(np.int64)
    resident_abroad = (~world.cross_border[acc[cp_rows]]) & (u > 0.86)
    where = np.where(
        resident_abroad, _country_codes(["FR", "BE", "DE"])[rng.integers(0, 3, len(cp_rows))], where
    )
    where = np.where(
        travel, _country_codes(TRAVEL_COUNTRIES)[rng.integers(0, len(TRAVEL_COUNTRIES), len(cp_rows))], where
    )
    m = world.physical_merchant(rng, where, key[cp_rows], favourite[cp_rows] & ~travel)
    cp[cp_rows] = MERCHANT_BASE + m
    mcc[cp_rows] = world.merchant_mcc[m]
    country[cp_rows] = world.merchant_country[m]

    ec_rows = np.flatnonzero(channel == ECOMMERCE)
    m = world.online_merchant(rng, key[ec_rows], favourite[ec_rows] | credit[ec_rows])
    cp[ec_rows] = MERCHANT_BASE + m
    mcc[ec_rows] = world.merchant_mcc[m]
    country[ec_rows] = world.merchant_country[m]

    tr_rows = np.flatnonzero((channel == SEPA) | (channel == INSTANT))
    a = acc[tr_rows]
    kk = np.minimum(rng.geometric(0.45, len(tr_rows)) - 1, 5)
    kk = np.where(credit[tr_rows] & ~world.corporate[a], np.minimum(kk, 1), kk)
    h = _mix(a, kk + 100)
    internal = (h >> 7) % 10 < 3
    internal_id = h % world.n_accounts
    internal_id = np.where(internal_id == a, (internal_id + 1) % world.n_accounts, internal_id)
    ext_idx = np.where(
        favourite[tr_rows] & ~(credit[tr_rows] & world.corporate[a]),
        h % world.n_external,
        rng.integers(0, world.n_external, len(tr_rows)),
    )
    cp[tr_rows] = np.where(internal, internal_id, EXTERNAL_BASE + ext_idx)
    country[tr_rows] = np.where(internal, _C["LU"], world.external_country[ext_idx])

    cash_rows = np.flatnonzero(channel == CASH)
    cp[cash_rows] = BRANCH_BASE + rng.integers(0, world.n_branches, len(cash_rows))

    online_debit = ((channel == ECOMMERCE) | (channel == SEPA) | (channel == INSTANT)) & ~credit
    od = np.flatnonzero(online_debit)
    device[od] = world.usual_device(rng, acc[od], t[od])

    d = credit.astype(np.int64)
    median, sigma = _MEDIAN[seg, channel, d], _SIGMA[seg, channel, d]
    cash_biz = world.cash_business[acc] & (channel == CASH)
    median = np.where(cash_biz, 4500.0, median)
    sigma = np.where(cash_biz, 0.45, sigma)
    amount = np.exp(np.log(median) + sigma * rng.standard_normal(n))
    card = (channel == CARD_PRESENT) | (channel == ECOMMERCE)
    factor = np.ones(n)
    factor[card] = pd.Series(mcc[card]).map(world.mcc_factor).to_numpy()
    amount = np.clip(np.round(amount * factor, 2), 0.5, 2_000_000.0)

    r.update(
        t=t,
        account=acc,
        cp=cp,
        direction=credit.astype(np.int8),
        amount=amount,
        channel=channel.astype(np.int8),
        mcc=mcc,
        country=country,
        device=device,
    )
    return r


def _card_testing(
    rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = False
) -> dict:
    # learnt from: bursts of 6-25 tiny payments (0.50-4.99 EUR, some to 9.99) within minutes, mostly at one
    # online shop, from the fraudster's device. Held out: 4-10 payments of 5-30 EUR paced over hours, at
    # many shops, half of them from the victim's own (compromised) phone.
    sizes = _event_sizes(rng, total, 4, 10) if held_out else _event_sizes(rng, total, 6, 25)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    start = _event_starts(rng, n_ev, period_s, (10 if held_out else 2) * 3600)
    if held_out:
        gaps = (rng.exponential(1.0, n) * 1800.0).astype(np.int64) + 60
    else:
        slow = rng.random(n_ev) < 0.3  # some testers pace themselves to stay under velocity limits
        gaps = (rng.exponential(1.0, n) * np.where(slow, 360.0, 40.0)[event]).astype(np.int64) + 5
    gaps[pos == 0] = 0
    offset = _event_cumsum(gaps, sizes)
    victim = world.active_accounts(rng, n_ev)
    main_merchant = world.online_merchants[rng.integers(0, len(world.online_merchants), n_ev)]
    other = world.online_merchants[rng.integers(0, len(world.online_merchants), n)]
    m = np.where(rng.random(n) < (0.2 if held_out else 0.7), main_merchant[event], other)
    t = start[event] + offset
    if held_out:
        amount = np.round(rng.uniform(5.0, 30.0, n), 2)
        own = (rng.random(n_ev) < 0.5)[event]
        device = np.where(
            own, world.usual_device(rng, victim[event], t), FRAUD_DEVICE_BASE + counters["device"] + event
        )
    else:
        amount = np.round(rng.uniform(0.5, np.where(rng.random(n_ev) < 0.3, 9.99, 4.99)[event]), 2)
        device = FRAUD_DEVICE_BASE + counters["device"] + event
    r.update(
        t=t,
        account=victim[event],
        cp=MERCHANT_BASE + m,
        amount=amount,
        channel=np.full(n, ECOMMERCE, np.int8),
        mcc=world.merchant_mcc[m],
        country=world.merchant_country[m],
        device=device,
    )
    counters["device"] += n_ev
    return r


def _account_takeover(
    rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = False
) -> dict:
    # learnt from: 1-4 large transfers (800-9,500 EUR) within an hour or two to a new beneficiary, 60 % from a
    # new device, half abroad in a high-risk country. Held out (an authorised push-payment scam): 2-6
    # transfers of 300-2,500 EUR over one to three days, 90 % from the victim's own phone, to a domestic or
    # neighbouring-country beneficiary.
    sizes = _event_sizes(rng, total, 2, 6) if held_out else _event_sizes(rng, total, 1, 4)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    start = _event_starts(rng, n_ev, period_s, (80 if held_out else 4) * 3600)
    step = rng.integers(2 * 3600, 14 * 3600, n) if held_out else rng.integers(3 * 60, 40 * 60, n)
    step[pos == 0] = 0
    offset = _event_cumsum(step, sizes)
    victim = world.active_accounts(rng, n_ev)
    scale = np.where(world.corporate[victim], 5.0, 1.0)[event]
    hr = _country_codes(HIGH_RISK_COUNTRIES)
    eu = _country_codes(["LU", "FR", "BE", "DE", "NL"])
    # 40 % come from the victim's own phone (remote-access malware, a customer talked into paying);
    # half of the beneficiaries sit in an ordinary EU country.
    own_device = (rng.random(n_ev) < (0.9 if held_out else 0.4))[event]
    t = start[event] + offset
    device = np.where(
        own_device, world.usual_device(rng, victim[event], t), FRAUD_DEVICE_BASE + counters["device"] + event
    )
    abroad_risky = rng.random(n_ev) < (0.0 if held_out else 0.5)
    country = np.where(abroad_risky, hr[rng.integers(0, len(hr), n_ev)], eu[rng.integers(0, len(eu), n_ev)])
    amount = rng.uniform(300, 2500, n) if held_out else rng.uniform(800, 9500, n)
    r.update(
        t=t,
        account=victim[event],
        cp=FRAUD_EXTERNAL_BASE + counters["external"] + event,
        amount=np.round(amount * scale, 2),
        channel=np.where(rng.random(n_ev) < (0.8 if held_out else 0.6), INSTANT, SEPA)[event].astype(np.int8),
        country=country[event],
        device=device,
    )
    counters["device"] += n_ev
    counters["external"] += n_ev
    return r


def _money_mule(
    rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = False
) -> dict:
    # learnt from: 3-10 transfers in over up to two days, 60-97 % forwarded within 0.5-30 h to a second mule who
    # sends it abroad to a high-risk country. Held out: a slower chain: money in over three to six days,
    # 40-80 % forwarded after 30-90 h, the last hop to an ordinary EU country.
    sizes = _event_sizes(rng, total, 5, 12)  # fan-in of size-2 rows, then mule1 -> mule2 -> abroad
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    k_in = np.maximum(sizes - 2, 0)
    mule1 = rng.integers(0, world.n_accounts, n_ev)
    mule2 = (mule1 + rng.integers(1, world.n_accounts, n_ev)) % world.n_accounts
    fan_span = rng.uniform(72, 144, n_ev) * 3600 if held_out else rng.uniform(6, 48, n_ev) * 3600
    lag_lo, lag_hi = (30 * 3600, 90 * 3600) if held_out else (1800, 30 * 3600)
    start = _event_starts(rng, n_ev, period_s, (fan_span + lag_hi + 2 * 3600).astype(np.int64))
    role = np.where(
        pos < k_in[event], 0, np.where(pos == k_in[event], 1, 2)
    )  # 0 fan-in, 1 mule1 out, 2 mule2 out
    fan_t = (rng.random(n) * fan_span[event]).astype(np.int64)
    fan_t = np.where(role == 0, fan_t, -1)
    last_in = np.maximum.reduceat(fan_t, np.cumsum(sizes) - sizes)
    last_in = np.maximum(last_in, 0)
    out1_t = last_in + rng.integers(lag_lo, lag_hi, n_ev)
    out2_t = out1_t + rng.integers(600, 90 * 60, n_ev)
    t = start[event] + np.where(role == 0, fan_t, np.where(role == 1, out1_t[event], out2_t[event]))

    fan_amount = np.where(role == 0, np.round(rng.uniform(400, 2500, n), 2), 0.0)
    total_in = np.add.reduceat(fan_amount, np.cumsum(sizes) - sizes)
    total_in = np.where(total_in > 0, total_in, rng.uniform(2000, 9000, n_ev))
    share = rng.uniform(0.4, 0.8, n_ev) if held_out else rng.uniform(0.6, 0.97, n_ev)
    out1 = np.round(total_in * share, 2)
    out2 = np.round(out1 * rng.uniform(0.90, 0.98, n_ev), 2)
    amount = np.where(role == 0, fan_amount, np.where(role == 1, out1[event], out2[event]))

    internal_sender = rng.random(n) < 0.5
    sender = rng.integers(0, world.n_accounts, n)
    sender = np.where(sender == mule1[event], (sender + 1) % world.n_accounts, sender)
    ext_sender = FRAUD_EXTERNAL_BASE + counters["external"] + np.arange(n)
    counters["external"] += n
    final = FRAUD_EXTERNAL_BASE + counters["external"] + np.arange(n_ev)
    counters["external"] += n_ev
    fan_in_internal = (role == 0) & internal_sender
    fan_in_external = (role == 0) & ~internal_sender
    account = np.where(fan_in_internal, sender, np.where(role == 2, mule2[event], mule1[event]))
    cp = np.where(
        fan_in_internal,
        mule1[event],
        np.where(fan_in_external, ext_sender, np.where(role == 1, mule2[event], final[event])),
    )
    eu = _country_codes(["FR", "BE", "DE", "NL", "ES", "IT", "PT"])
    last_hop = eu if held_out else _country_codes(HIGH_RISK_COUNTRIES)
    country = np.where(
        fan_in_internal | (role == 1),
        _C["LU"],
        np.where(
            fan_in_external, eu[rng.integers(0, len(eu), n)], last_hop[rng.integers(0, len(last_hop), n)]
        ),
    )
    device = np.where(fan_in_external, NO_DEVICE, account * 8)
    fast = INSTANT if not held_out else SEPA
    channel = np.where(
        role == 0,
        np.where(rng.random(n) < 0.6, SEPA, INSTANT),
        np.where(rng.random(n) < 0.8, fast, INSTANT if held_out else SEPA),
    )
    r.update(
        t=t,
        account=account,
        cp=cp,
        direction=fan_in_external.astype(np.int8),
        amount=amount,
        channel=channel.astype(np.int8),
        country=country.astype(np.int16),
        device=device,
    )
    return r


def _structuring(
    rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = False
) -> dict:
    # learnt from: 3-9 cash deposits of 8,000-9,990 EUR (under the 10,000 EUR threshold) over up to two weeks.
    # Held out ("smurfing"): 4-12 amounts of 2,000-6,500 EUR over up to three weeks, half of them cash
    # deposits, half instant payments in from different senders.
    sizes = _event_sizes(rng, total, 4, 12) if held_out else _event_sizes(rng, total, 3, 9)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    span_days = rng.integers(3, 21, n_ev) if held_out else rng.integers(1, 15, n_ev)
    start_day = _event_starts(rng, n_ev, period_s, (span_days + 1) * 86400) // 86400
    day = start_day[event] + (rng.random(n) * (span_days[event] + 1)).astype(np.int64)
    t = day * 86400 + rng.integers(9, 17, n) * 3600 + rng.integers(0, 3600, n)
    who = rng.integers(0, world.n_accounts, n_ev)
    if held_out:
        cash = rng.random(n) < 0.5
        senders = FRAUD_EXTERNAL_BASE + counters["external"] + np.arange(n)
        counters["external"] += n
        eu = _country_codes(["LU", "FR", "BE", "DE"])
        r.update(
            t=t,
            account=who[event],
            cp=np.where(cash, BRANCH_BASE + rng.integers(0, world.n_branches, n), senders),
            direction=np.ones(n, np.int8),
            amount=np.round(rng.uniform(2000, 6500, n), -1),
            channel=np.where(cash, CASH, INSTANT).astype(np.int8),
            country=np.where(cash, _C["LU"], eu[rng.integers(0, len(eu), n)]).astype(np.int16),
        )
        return r
    r.update(
        t=t,
        account=who[event],
        cp=BRANCH_BASE + rng.integers(0, world.n_branches, n),
        direction=np.ones(n, np.int8),
        amount=np.round(rng.uniform(8000, 9990, n), -1),
        channel=np.full(n, CASH, np.int8),
        country=np.full(n, _C["LU"], np.int16),
    )
    return r


def _refund_abuse(
    rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = False
) -> dict:
    # learnt from: 3-8 e-commerce refunds of 60-900 EUR within a few days, half from shops the account uses.
    # Held out: 2-4 refunds of 900-3,000 EUR over one to two weeks, mostly from the account's usual shops.
    sizes = _event_sizes(rng, total, 2, 4) if held_out else _event_sizes(rng, total, 3, 8)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    retail = np.flatnonzero(~world.corporate)
    who = (
        retail[rng.integers(0, len(retail), n_ev)] if len(retail) else rng.integers(0, world.n_accounts, n_ev)
    )
    span = rng.uniform(7, 14, n_ev) * 86400 if held_out else rng.uniform(1, 5, n_ev) * 86400
    start = _event_starts(rng, n_ev, period_s, (span + 3600).astype(np.int64))
    t = start[event] + (rng.random(n) * span[event]).astype(np.int64)
    # half of the refunds come from shops the account uses (harder to spot), half from strangers
    key = _mix(who[event], np.minimum(rng.geometric(0.35, n) - 1, 14))
    m = world.online_merchant(rng, key, rng.random(n) < (0.8 if held_out else 0.5))
    amount = rng.uniform(900, 3000, n) if held_out else rng.uniform(60, 900, n)
    r.update(
        t=t,
        account=who[event],
        cp=MERCHANT_BASE + m,
        direction=np.ones(n, np.int8),
        amount=np.round(amount, 2),
        channel=np.full(n, ECOMMERCE, np.int8),
        mcc=world.merchant_mcc[m],
        country=world.merchant_country[m],
    )
    return r


def _bust_out(rng, world: _World, total: int, period_s: int, counters: dict, held_out: bool = True) -> dict:
    """Only in the held-out period, never learnt from: a quiet retail account suddenly spends 300-2,500 EUR
    4-10 times within two days on electronics, department stores and miscellaneous retail (card and online)."""
    sizes = _event_sizes(rng, total, 4, 10)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    quiet = np.flatnonzero((~world.corporate) & (world.activity < np.quantile(world.activity, 0.3)))
    pool = quiet if len(quiet) else np.arange(world.n_accounts)
    who = pool[rng.integers(0, len(pool), n_ev)]
    start = _event_starts(rng, n_ev, period_s, 50 * 3600, hours=_HOURS[ECOMMERCE])
    t = start[event] + (rng.random(n) * 48 * 3600).astype(np.int64)
    online = rng.random(n) < 0.5
    wanted = np.isin(world.merchant_mcc, (5732, 5311, 5999))
    shops_online = np.intersect1d(world.online_merchants, np.flatnonzero(wanted))
    shops_phys = np.setdiff1d(np.flatnonzero(wanted), world.online_merchants)
    shops_online = shops_online if len(shops_online) else world.online_merchants
    shops_phys = shops_phys if len(shops_phys) else np.arange(world.n_merchants)
    m = np.where(
        online,
        shops_online[rng.integers(0, len(shops_online), n)],
        shops_phys[rng.integers(0, len(shops_phys), n)],
    )
    r.update(
        t=t,
        account=who[event],
        cp=MERCHANT_BASE + m,
        amount=np.round(rng.uniform(300, 2500, n), 2),
        channel=np.where(online, ECOMMERCE, CARD_PRESENT).astype(np.int8),
        mcc=world.merchant_mcc[m],
        country=world.merchant_country[m],
        device=np.where(online, world.usual_device(rng, who[event], t), NO_DEVICE),
    )
    return r


def _micro_bursts(rng, world: _World, total: int, period_s: int, counters: dict) -> dict:
    """Genuine bursts of tiny payments: app stores, parking, public transport, from the own phone."""
    sizes = _event_sizes(rng, total, 3, 10)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    start = _event_starts(rng, n_ev, period_s, 3 * 3600, hours=_HOURS[ECOMMERCE])
    gaps = rng.exponential(120.0, n).astype(np.int64) + 10
    gaps[pos == 0] = 0
    who = world.active_accounts(rng, n_ev)
    small_shops = world.online_merchants[
        np.isin(world.merchant_mcc[world.online_merchants], (5967, 4111, 5999))
    ]
    pool = small_shops if len(small_shops) else world.online_merchants
    m = pool[rng.integers(0, len(pool), n_ev)][event]
    t = start[event] + _event_cumsum(gaps, sizes)
    r.update(
        t=t,
        account=who[event],
        cp=MERCHANT_BASE + m,
        amount=np.round(rng.uniform(0.5, 4.99, n), 2),
        channel=np.full(n, ECOMMERCE, np.int8),
        mcc=world.merchant_mcc[m],
        country=world.merchant_country[m],
        device=world.usual_device(rng, who[event], t),
    )
    return r


def _large_transfers(rng, world: _World, total: int, period_s: int, counters: dict) -> dict:
    """Genuine one-off large transfers to a new beneficiary (a car, a flat deposit, a notary)."""
    sizes = _event_sizes(rng, total, 1, 2)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    start = _event_starts(rng, n_ev, period_s, 3 * 3600, hours=_HOURS[SEPA])
    t = start[event] + pos * rng.integers(60, 3600, n)
    who = world.active_accounts(rng, n_ev)
    scale = np.where(world.corporate[who], 3.0, 1.0)[event]
    where = _country_codes(["LU", "FR", "BE", "DE", "NL", "PT", "IT", "ES", "CH", "GB"])
    country = where[_draw(rng, np.array([0.5, 0.15, 0.1, 0.1, 0.03, 0.03, 0.03, 0.02, 0.02, 0.02]), n_ev)]
    r.update(
        t=t,
        account=who[event],
        cp=LEGIT_NEW_EXTERNAL_BASE + counters["legit_external"] + event,
        amount=np.round(rng.uniform(3000, 40000, n) * scale, 2),
        channel=np.where(rng.random(n_ev) < 0.7, SEPA, INSTANT)[event].astype(np.int8),
        country=country[event],
        device=world.usual_device(rng, who[event], t),
    )
    counters["legit_external"] += n_ev
    return r


def _payday_sweeps(rng, world: _World, total: int, period_s: int, counters: dict) -> dict:
    """Genuine pass-through: the salary arrives and most of it goes to the own savings account elsewhere."""
    sizes = _event_sizes(rng, total, 2, 3)
    event, pos = _positions(sizes)
    n_ev, n = len(sizes), int(sizes.sum())
    r = _rows(n)
    who = world.active_accounts(rng, n_ev)
    day = rng.integers(0, max(1, period_s // 86400 - 1), n_ev)
    salary_t = day * 86400 + rng.integers(7 * 3600, 10 * 3600, n_ev)
    sweep_t = salary_t[event] + rng.integers(1800, 6 * 3600, n)
    t = np.where(pos == 0, salary_t[event], sweep_t)
    salary = np.round(rng.uniform(1800, 6000, n_ev), 2)
    share = rng.uniform(0.5, 0.9, n_ev) / np.maximum(sizes - 1, 1)
    employer = EXTERNAL_BASE + _mix(who, 100) % world.n_external
    savings = EXTERNAL_BASE + _mix(who, 200) % world.n_external
    is_salary = pos == 0
    ext = np.where(is_salary, employer[event], savings[event])
    r.update(
        t=t,
        account=who[event],
        cp=ext,
        direction=is_salary.astype(np.int8),
        amount=np.where(is_salary, salary[event], np.round(salary[event] * share[event], 2)),
        channel=np.where(is_salary, SEPA, INSTANT).astype(np.int8),
        country=world.external_country[ext - EXTERNAL_BASE],
        device=np.where(is_salary, NO_DEVICE, world.usual_device(rng, who[event], t)),
    )
    return r


_LEGIT_EVENT_FUNCS = {
    "micro_burst_share": _micro_bursts,
    "large_transfer_share": _large_transfers,
    "payday_sweep_share": _payday_sweeps,
}

_TYPOLOGY_FUNCS = {
    "card_testing": _card_testing,
    "account_takeover": _account_takeover,
    "money_mule": _money_mule,
    "structuring": _structuring,
    "refund_abuse": _refund_abuse,
    "bust_out": _bust_out,
}


def typology_targets(
    n_transactions: int, fraud_rate: float, shares: dict[str, float] | None = None
) -> dict[str, int]:
    """The exact number of fraud rows per typology the generator injects."""
    shares = shares or {t: 1.0 / len(TYPOLOGIES) for t in TYPOLOGIES}
    return {t: int(round(n_transactions * fraud_rate * shares.get(t, 0.0))) for t in TYPOLOGIES}


def generate_transactions(
    n_transactions: int = 100_000,
    *,
    n_days: int = 60,
    fraud_rate: float = DEFAULT_FRAUD_RATE,
    typology_shares: dict[str, float] | None = None,
    seed: int = 0,
    start: str = "2026-01-05",
    n_accounts: int | None = None,
    config: GeneratorConfig | None = None,
    held_out_from: float | None = HELD_OUT_FROM,
) -> pd.DataFrame:
    """A synthetic transaction ledger (see the module docstring) sorted by ``timestamp``.

    Columns: transaction_id, timestamp, account_id, counterparty_id, direction, amount (EUR), channel,
    mcc (0 when not a card payment), country, device_id (-1: none), customer_type, residency,
    label (1 = fraud), typology ("none" for genuine rows), label_available_at.

    ``held_out_from`` (share of the period, default 0.7 = the ledger notebook's default ``train_frac``): from that
    day on, the five learnt typologies are generated with their held-out parameters and ``bust_out`` appears
    (each typology's rows are split between the two parts in proportion to their length), so a model trained
    on the earlier part is tested on fraud it has not seen. ``None``: every typology with its learnt
    parameters over the whole period (``bust_out`` too, with its only parameters).
    """
    cfg = config or GeneratorConfig()
    shares = typology_shares or {t: 1.0 / len(TYPOLOGIES) for t in TYPOLOGIES}
    _check(n_transactions, n_days, fraud_rate, shares)
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start).normalize()
    period_s = n_days * 86400
    n_acc = n_accounts or max(100, int(round(n_transactions / (n_days * cfg.transactions_per_account_day))))
    world = _World(rng, n_acc, n_days, cfg)

    targets = typology_targets(n_transactions, fraud_rate, shares)
    n_legit = n_transactions - sum(targets.values())
    counters = {"device": 0, "external": 0, "legit_external": 0}
    events = [
        func(rng, world, int(round(n_transactions * getattr(cfg, share))), period_s, counters)
        for share, func in _LEGIT_EVENT_FUNCS.items()
    ]
    n_regular = n_legit - sum(len(e["t"]) for e in events)
    parts = [_legit(rng, world, n_regular, start_ts, n_days, cfg), *events]
    typology = [np.zeros(n_legit, np.int8)]
    if held_out_from is not None and not 0.1 <= held_out_from <= 0.95:
        raise GeneratorError(f"held_out_from must be None or between 0.1 and 0.95, got {held_out_from!r}.")
    cut_s = period_s if held_out_from is None else int(round(n_days * held_out_from)) * 86400
    for i, name in enumerate(TYPOLOGIES, start=1):
        func = _TYPOLOGY_FUNCS[name]
        if held_out_from is None:
            pieces = [(targets[name], 0, period_s, name in HELD_OUT_ONLY)]
        else:
            n_first = 0 if name in HELD_OUT_ONLY else int(round(targets[name] * cut_s / period_s))
            pieces = [(n_first, 0, cut_s, False), (targets[name] - n_first, cut_s, period_s - cut_s, True)]
        for n_rows, t0, length, held_out in pieces:  # at most two pieces a typology
            if n_rows == 0:
                continue
            part = func(rng, world, n_rows, length, counters, held_out=held_out)
            part["t"] = part["t"] + t0
            parts.append(part)
            typology.append(np.full(len(part["t"]), i, np.int8))
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    typ = np.concatenate(typology)
    cols["t"] = np.clip(cols["t"], 0, period_s - 1)

    order = np.lexsort((rng.random(len(typ)), cols["t"]))
    cols = {k: v[order] for k, v in cols.items()}
    typ = typ[order]
    label = (typ > 0).astype(np.int8)
    acc = cols["account"]

    delay_days = np.full(len(typ), cfg.dispute_window_days)
    medians = dict(cfg.label_delay_median_days)
    med = np.array([cfg.dispute_window_days] + [medians[t] for t in TYPOLOGIES])[typ]
    fraud = label == 1
    delay_days[fraud] = med[fraud] * np.exp(cfg.label_delay_sigma * rng.standard_normal(int(fraud.sum())))
    ts = start_ts + pd.to_timedelta(cols["t"], unit="s")

    return pd.DataFrame(
        {
            "transaction_id": np.arange(len(typ), dtype=np.int64),
            "timestamp": ts,
            "account_id": acc,
            "counterparty_id": cols["cp"],
            "direction": pd.Categorical.from_codes(cols["direction"], DIRECTIONS),
            "amount": cols["amount"],
            "channel": pd.Categorical.from_codes(cols["channel"], CHANNELS),
            "mcc": cols["mcc"],
            "country": pd.Categorical.from_codes(cols["country"], COUNTRIES),
            "device_id": cols["device"],
            "customer_type": pd.Categorical.from_codes(
                world.corporate[acc].astype(np.int8), ["retail", "corporate"]
            ),
            "residency": pd.Categorical.from_codes(
                world.cross_border[acc].astype(np.int8), ["resident", "cross_border"]
            ),
            "label": label,
            "typology": pd.Categorical.from_codes(typ, ("none", *TYPOLOGIES)),
            "label_available_at": ts + pd.to_timedelta(np.round(delay_days * 86400), unit="s"),
        }
    )


BANK_ID_STRIDE = (
    100_000_000  # ids of bank k (accounts, their devices, one-off parties) are shifted by k x this
)


def in_contract_names(tx: pd.DataFrame) -> pd.DataFrame:
    """The generator's ledger in the ledger contract's names, as a partner's export would hold it: ids and
    codes as text, no device as missing, the two customer segments in one ``segment`` ("resident, retail"),
    the kind of fraud in ``fraud_type`` (missing on genuine rows)."""
    text = {
        "account": tx["account_id"],
        "counterparty": tx["counterparty_id"],
        "channel": tx["channel"],
        "country": tx["country"],
        "direction": tx["direction"],
    }
    out = pd.DataFrame({"timestamp": tx["timestamp"], "amount": tx["amount"]})
    for name, values in text.items():
        out[name] = values.astype(str).astype("string")
    device = tx["device_id"].to_numpy()
    out["device"] = pd.array(np.where(device == NO_DEVICE, None, device.astype(str)), dtype="string")
    out["segment"] = (tx["residency"].astype(str) + ", " + tx["customer_type"].astype(str)).astype("string")
    out["label"] = tx["label"].astype(np.int8)
    out["label_time"] = tx["label_available_at"]
    fraud = tx["label"].to_numpy() == 1
    out["fraud_type"] = pd.array(np.where(fraud, tx["typology"].astype(str), None), dtype="string")
    cols = ["account", "timestamp", "amount", "counterparty", "channel", "country", "direction", "device"]
    return out[[*cols, "segment", "label", "label_time", "fraud_type"]]


def typology_table(
    fraud_rows: pd.DataFrame, n_transactions: int, fraud_rate: float, start: pd.Timestamp, n_days: int
) -> pd.DataFrame:
    """Injected fraud rows per typology: requested, with learnt and with held-out parameters, median label
    delay (``fraud_rows``: the ledger's fraud rows with ``timestamp``, ``typology``, ``label_available_at``)."""
    targets = typology_targets(n_transactions, fraud_rate)
    cut = start.normalize() + pd.Timedelta(days=round(n_days * HELD_OUT_FROM))
    later = fraud_rows["timestamp"] >= cut
    typ = fraud_rows["typology"].astype(str)
    delay = (fraud_rows["label_available_at"] - fraud_rows["timestamp"]).dt.total_seconds() / 86400
    median = delay.groupby(typ).median()
    rows = [
        {
            "typology": t,
            "requested_rows": targets[t],
            "rows_learnt_parameters": int(((typ == t) & ~later).sum()),
            "rows_held_out": int(((typ == t) & later).sum()),
            "only_held_out": t in HELD_OUT_ONLY,
            "median_label_delay_days": round(float(median.get(t, float("nan"))), 1),
        }
        for t in TYPOLOGIES
    ]
    return pd.DataFrame(rows)


def write_parquet_ledger(
    folder: str | Path,
    n_transactions: int,
    *,
    n_days: int = 90,
    fraud_rate: float = DEFAULT_FRAUD_RATE,
    seed: int = 0,
    banks: int = 1,
    rows_per_file: int = 1_000_000,
    row_group_rows: int = 250_000,
) -> dict:
    """A synthetic ledger written straight to a folder of Parquet files (``part-00000.parquet`` ...) in the
    ledger contract's names (:func:`in_contract_names`), as a partner would export it: the out-of-core path
    reads it with ``livinglab.load(..., lazy=True)``.

    ``banks = 1``: the ledger of ``generate_transactions(n_transactions, ...)``, written in files of
    ``rows_per_file`` rows (generated whole, so it must fit in memory). ``banks = k``: k ledgers of
    ``n_transactions / k`` rows, each generated and written before the next (memory holds one bank): same
    period, shops and employers shared, accounts, their devices and one-off parties kept apart by shifting
    their ids by ``BANK_ID_STRIDE`` per bank; a row's id is its position in the files. Files are sorted by time
    within a bank, not across banks.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not 1 <= banks <= 10:
        raise GeneratorError(f"banks must be between 1 and 10, got {banks}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.glob("*.parquet")):
        raise GeneratorError(f"{folder} already holds Parquet files; give an empty folder.")
    sizes = [n_transactions // banks + (1 if k < n_transactions % banks else 0) for k in range(banks)]
    t0 = time.perf_counter()
    files, offset, frauds = [], 0, 0
    for k, size in enumerate(sizes):
        tx = generate_transactions(size, n_days=n_days, fraud_rate=fraud_rate, seed=seed + 7919 * k)
        if k:
            shift = k * BANK_ID_STRIDE
            tx["account_id"] += shift
            cp = tx["counterparty_id"].to_numpy()
            one_off = (cp < MERCHANT_BASE) | ((cp >= FRAUD_EXTERNAL_BASE) & (cp < FRAUD_DEVICE_BASE))
            tx["counterparty_id"] = np.where(one_off, cp + shift, cp)
            dev = tx["device_id"].to_numpy()
            tx["device_id"] = np.where(
                dev < 0, dev, np.where(dev < FRAUD_DEVICE_BASE, dev + 8 * shift, dev + shift)
            )
        frauds += int(tx["label"].sum())
        tx = in_contract_names(tx)
        for start in range(0, len(tx), rows_per_file):
            path = folder / f"part-{len(files):05d}.parquet"
            table = pa.Table.from_pandas(tx.iloc[start : start + rows_per_file], preserve_index=False)
            pq.write_table(table, path, row_group_size=row_group_rows)
            files.append(path)
        offset += len(tx)
        del tx
    return {
        "rows": offset,
        "frauds": frauds,
        "files": len(files),
        "banks": banks,
        "bytes": int(sum(f.stat().st_size for f in files)),
        "seconds": round(time.perf_counter() - t0, 1),
    }
