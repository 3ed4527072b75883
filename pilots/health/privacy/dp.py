"""Differential privacy through OpenDP, with a budget the filter enforces: the means Table 1 releases.

- :class:`PrivacyBudget`: every release an OpenDP measurement (clamp to the scale's bounds, resize to the
  group's public size, mean, Laplace noise) submitted to an OpenDP privacy filter over a fully adaptive
  composition, which refuses any release beyond the total epsilon;
- :func:`dp_means`: means of bounded variables per group, the budget split evenly over the releases; the
  exact values are never returned, so a page cannot show them beside the noisy ones.

The noise is drawn by OpenDP's own generator and is never seeded: a DP value differs from run to run by
design (a seeded draw would void the guarantee), which is why no released value is a recorded metric.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: bounds fixed by the scales, never by the data (a DP requirement); the score's come from score_range
DP_BOUNDS = {
    "age": (0.0, 120.0),
    "age_at_onset": (0.0, 120.0),
    "disease_duration": (0.0, 100.0),
    "moca": (0.0, 30.0),
    "hy": (0.0, 5.0),
}


class BudgetExceeded(RuntimeError):
    """A release would take the total privacy loss above the budget; it was refused, nothing released."""


@dataclass(frozen=True)
class DPRelease:
    """One released figure: the noisy value and what the mechanism guarantees (never the exact value)."""

    statistic: str
    group: str
    value: float
    epsilon: float
    noise_scale: float  # Laplace scale b of the noise on the released value

    @property
    def noise_sd(self) -> float:
        return float(np.sqrt(2.0) * self.noise_scale)

    def noise_halfwidth(self, confidence: float = 0.95) -> float:
        """Half-width of the interval that holds the noise with probability ``confidence``: the exact value
        lies within value +/- this (before clipping to the scale) with that probability, b * ln(1/(1-c))."""
        return float(self.noise_scale * np.log(1.0 / (1.0 - confidence)))


class PrivacyBudget:
    """A total epsilon for one table of people, enforced by an OpenDP privacy filter.

    Every release is an OpenDP measurement (clamp to the scale's bounds, resize to the group's public
    size, mean, Laplace noise) submitted to ``make_privacy_filter`` over a fully adaptive composition: the
    filter adds up the privacy loss of every release and refuses (``BudgetExceeded``) any release that
    would take it above ``epsilon``. Neighbouring tables differ by one person (one row), ``d_in = 1``.

    The one step written here rather than taken from OpenDP's library is the selection of one group's
    column from the table (a user transformation: a row-wise filter and projection, 1-stable under the
    symmetric distance); it needs OpenDP's "honest-but-curious" feature flag.
    """

    def __init__(self, table: pd.DataFrame, epsilon: float, *, group: str | None = "group"):
        import opendp.prelude as dp

        dp.enable_features("contrib", "honest-but-curious")
        if not (float(epsilon) > 0 and np.isfinite(float(epsilon))):
            raise ValueError(f"epsilon must be a positive number (smaller = more private), not {epsilon!r}.")
        self.epsilon = float(epsilon)
        self._dp = dp
        self._group = group
        self._domain = dp.user_domain("PeopleTable", member=lambda x: isinstance(x, pd.DataFrame))
        odometer = dp.c.make_fully_adaptive_composition(
            self._domain, dp.symmetric_distance(), dp.max_divergence()
        )
        self._filter = dp.c.make_privacy_filter(odometer, d_in=1, d_out=self.epsilon)(table)
        self.spent = 0.0
        self.releases: list[DPRelease] = []

    @property
    def remaining(self) -> float:
        return max(self.epsilon - self.spent, 0.0)

    def _select(self, group_value, column: str, fill: float):
        dp, key = self._dp, self._group

        def select(table: pd.DataFrame) -> list[float]:
            rows = table if key is None else table[table[key].astype(str) == str(group_value)]
            return pd.to_numeric(rows[column], errors="coerce").fillna(fill).astype(float).tolist()

        return dp.t.make_user_transformation(
            self._domain,
            dp.symmetric_distance(),
            dp.vector_domain(dp.atom_domain(T=float, nan=False)),
            dp.symmetric_distance(),
            function=select,
            stability_map=lambda d_in: d_in,
        )

    def mean_measurement(
        self, column: str, bounds: tuple[float, float], *, n: int, epsilon: float, group_value="all"
    ):
        """The OpenDP measurement of one mean (not submitted: nothing is spent) and its Laplace scale."""
        dp = self._dp
        lo, hi = float(bounds[0]), float(bounds[1])
        mid = (lo + hi) / 2

        def chain(scale: float):
            return (
                self._select(group_value, column, mid)
                >> dp.t.then_clamp((lo, hi))
                >> dp.t.then_resize(size=int(n), constant=mid)
                >> dp.t.then_mean()
                >> dp.m.then_laplace(scale=scale)
            )

        scale = dp.binary_search_param(chain, d_in=1, d_out=float(epsilon))
        return chain(scale), float(scale)

    def mean(self, column: str, bounds: tuple[float, float], *, n: int, epsilon: float, group_value="all"):
        """The mean of ``column`` among the ``n`` people of ``group_value`` (n public), epsilon-DP.

        Missing values count as the middle of the bounds (a choice made without looking at the data).
        """
        lo, hi = float(bounds[0]), float(bounds[1])
        measurement, scale = self.mean_measurement(
            column, bounds, n=n, epsilon=epsilon, group_value=group_value
        )
        loss = float(measurement.map(1))
        if self.spent + loss > self.epsilon * (1 + 1e-12):
            raise BudgetExceeded(
                f"Releasing the mean of {column} ({group_value}) would spend epsilon {loss:.3g} with "
                f"{self.remaining:.3g} of {self.epsilon:g} left; the release was refused."
            )
        try:
            value = float(self._filter(measurement))
        except Exception as exc:  # the filter itself refuses: the same sentence
            raise BudgetExceeded(
                f"The privacy filter refused the mean of {column} ({group_value}): the total budget "
                f"epsilon {self.epsilon:g} would be exceeded."
            ) from exc
        self.spent += loss
        release = DPRelease(f"{column}, mean", str(group_value), float(np.clip(value, lo, hi)), loss, scale)
        self.releases.append(release)
        return release


def dp_means(
    baseline: pd.DataFrame,
    variables: dict[str, tuple[float, float]],
    epsilon: float,
    *,
    group: str | None = "group",
    min_cell: int = 5,
) -> tuple[pd.DataFrame, PrivacyBudget]:
    """Means of bounded variables per group, released through one :class:`PrivacyBudget`.

    The budget is split evenly over the planned releases (one a variable and group of at least
    ``min_cell`` people). Returns the released table (statistic, group, n, dp_value, noise_sd,
    noise_95, epsilon) and the budget; the exact means are never returned.
    """
    groups = (
        sorted(baseline[group].dropna().astype(str).unique())
        if group and group in baseline.columns
        else ["all"]
    )
    sizes = (
        baseline[group].astype(str).value_counts()
        if group and group in baseline.columns
        else {"all": len(baseline)}
    )
    by_group = baseline[group].astype(str) if group and group in baseline.columns else None

    def applies(col: str, g: str) -> bool:  # a variable that is structurally absent in a group (e.g. age
        rows = (
            baseline[col] if by_group is None else baseline.loc[by_group == g, col]
        )  # at onset of controls)
        return bool(rows.notna().any())

    plan = [
        (col, g)
        for col in variables
        if col in baseline.columns
        for g in groups
        if int(sizes[g]) >= min_cell and applies(col, g)
    ]
    budget = PrivacyBudget(baseline, epsilon, group=group if len(groups) > 1 or groups != ["all"] else None)
    if not plan:
        return pd.DataFrame(
            columns=["statistic", "group", "n", "dp_value", "noise_sd", "noise_95", "epsilon"]
        ), budget
    each = float(epsilon) / len(plan) * (1 - 1e-9)
    rows = []
    for col, g in plan:
        r = budget.mean(col, variables[col], n=int(sizes[g]), epsilon=each, group_value=g)
        rows.append(
            {
                "statistic": r.statistic,
                "group": g,
                "n": int(sizes[g]),
                "dp_value": r.value,
                "noise_sd": r.noise_sd,
                "noise_95": r.noise_halfwidth(0.95),
                "epsilon": r.epsilon,
            }
        )
    return pd.DataFrame(rows), budget
