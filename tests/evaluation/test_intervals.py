"""Prediction intervals are exactly ``point·exp(q·√step)``: in the rule, in predict, in backtests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.evaluation.intervals import interval_scores
from stockpred.stats import interval_bounds

from ..conftest import TINY

QUANTILES = [-0.02, 0.03]


def test_bounds_are_point_times_exp_q_root_step() -> None:
    point = np.array([100.0, 50.0, 80.0, 120.0, 10.0])
    steps = np.arange(1, 6)
    lower, upper = interval_bounds(point, QUANTILES, steps)
    for i, step in enumerate(steps):
        assert lower[i] == pytest.approx(point[i] * math.exp(-0.02 * math.sqrt(step)), rel=1e-14)
        assert upper[i] == pytest.approx(point[i] * math.exp(0.03 * math.sqrt(step)), rel=1e-14)


def test_a_single_step_for_many_points() -> None:
    point = np.array([100.0, 200.0])
    lower, upper = interval_bounds(point, QUANTILES, 4)  # √4 = 2
    np.testing.assert_allclose(lower, point * math.exp(-0.04), rtol=1e-14)
    np.testing.assert_allclose(upper, point * math.exp(0.06), rtol=1e-14)


@pytest.fixture(scope="module")
def fitted(msft: PriceHistory) -> Forecaster:
    # The constant (split-conformal) interval: the volatility-scaled one moves with the GARCH
    # variance, so only the constant one is exactly point·exp(q·√step).
    cfg = ForecastConfig(**TINY, interval_method="constant")
    return Forecaster(cfg).fit(msft, progress=False)


@pytest.mark.parametrize("days", [1, 7])  # within the horizon, and fed back beyond it
def test_predict_widens_the_validation_quantiles_with_root_step(
    fitted: Forecaster, msft: PriceHistory, days: int
) -> None:
    low_q, high_q = fitted.residual_quantiles_
    assert low_q < 0 < high_q
    out = fitted.predict(msft, days=days)
    for step, row in enumerate(out.itertuples(), start=1):
        assert row.lower == pytest.approx(row.forecast * math.exp(low_q * math.sqrt(step)))
        assert row.upper == pytest.approx(row.forecast * math.exp(high_q * math.sqrt(step)))


def test_quantiles_are_those_of_the_validation_log_errors(
    fitted: Forecaster, msft: PriceHistory
) -> None:
    split = fitted.split_
    origins = split.val_origins(fitted.config)
    forecast = fitted.predict_origins(msft, origins, 1)[:, 0]
    errors = np.log(msft.prices[origins + 1] / forecast)
    assert origins[0] + 1 == split.train_end  # first validation session
    assert origins[-1] + 1 == split.val_end - 1  # last validation session
    # split-conformal ranks: the ⌊(n+1)·0.1⌋-th and ⌈(n+1)·0.9⌉-th smallest of n errors
    ranked, n = np.sort(errors), len(errors)
    low, high = math.floor((n + 1) * 0.1 + 1e-9), math.ceil((n + 1) * 0.9 - 1e-9)
    assert fitted.residual_quantiles_ == [ranked[low - 1], ranked[high - 1]]


def test_interval_scores_by_hand() -> None:
    actual = np.array([10.0, 20.0, 30.0, 40.0])
    lower = np.array([10.0, 15.0, 31.0, 30.0])
    upper = np.array([12.0, 20.0, 35.0, 39.0])
    scores = interval_scores(actual, lower, upper, 0.8)
    # inside, bounds included: 10 ∈ [10, 12] and 20 ∈ [15, 20]; 30 and 40 are outside
    assert scores.coverage == 0.5
    assert (scores.n, scores.level) == (4, 0.8)
    # pinball at τ = 0.1 (lower): diffs 0, 5, −1, 10 → 0, 0.5, 0.9, 1.0 → mean 0.6
    # pinball at τ = 0.9 (upper): diffs −2, 0, −5, 1 → 0.2, 0, 0.5, 0.9 → mean 0.4
    assert scores.pinball == pytest.approx((0.6 + 0.4) / 2)
    # widths 2/10, 5/20, 4/30, 9/40 of the actual price
    assert scores.mean_width_pct == pytest.approx(100 * (0.2 + 0.25 + 4 / 30 + 0.225) / 4)
