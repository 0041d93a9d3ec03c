"""GARCH scale and the interval methods on a synthetic GARCH(1, 1) series."""

from __future__ import annotations

import numpy as np
import pytest

from stockpred.evaluation.intervals import compare_intervals, volatility_thirds, winkler
from stockpred.models.volatility import INTERVAL_METHODS, Garch, IntervalModel

N, TRAIN, VAL = 6000, 3000, 4500


@pytest.fixture(scope="module")
def prices() -> np.ndarray:
    """Prices whose log-returns follow GARCH(1, 1): ω 0.05, α 0.1, β 0.85 (percent units)."""
    rng = np.random.default_rng(7)
    returns, variance = np.empty(N), 1.0
    for t in range(N):
        returns[t] = np.sqrt(variance) * rng.standard_normal()
        variance = 0.05 + 0.1 * returns[t] ** 2 + 0.85 * variance
    return 50.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns / 100.0)]))


@pytest.fixture(scope="module")
def garch(prices: np.ndarray) -> Garch:
    return Garch.fit(prices[:TRAIN])


def test_garch_recovers_the_simulated_coefficients(garch: Garch) -> None:
    assert garch.alpha == pytest.approx(0.1, abs=0.04)
    assert garch.beta == pytest.approx(0.85, abs=0.06)


def test_variance_recursion_matches_arch_after_the_start(prices: np.ndarray, garch: Garch) -> None:
    from arch import arch_model

    returns = np.diff(np.log(prices[:TRAIN])) * 100.0
    model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, rescale=False)
    params = [garch.mu, garch.omega, garch.alpha, garch.beta]
    theirs = model.fix(params).conditional_volatility / 100.0  # σ of return t given t-1
    ours = np.sqrt(garch.variances(prices[:TRAIN]))[:-1]  # entry t: σ of session t+1
    np.testing.assert_allclose(ours[200:], theirs[200:], rtol=1e-6)


def test_variance_at_an_origin_ignores_later_prices(prices: np.ndarray, garch: Garch) -> None:
    later = prices.copy()
    later[5001:] *= 2.0
    np.testing.assert_array_equal(garch.variances(prices)[:5001], garch.variances(later)[:5001])


def test_volatility_interval_covers_every_third_of_a_garch_series(
    prices: np.ndarray, garch: Garch
) -> None:
    """Random-walk point forecasts; calibrated on validation, scored on the test span."""
    val, test = np.arange(TRAIN, VAL), np.arange(VAL, N)
    errors = np.log(prices[val + 1] / prices[val])
    intervals = IntervalModel.fit(0.8, garch, errors, garch.variances(prices)[val])
    bands = {
        m: tuple(b[:, 0] for b in intervals.bounds(m, prices[test][:, None], prices, test))
        for m in INTERVAL_METHODS
    }
    scores = compare_intervals(prices[test + 1], bands, volatility_thirds(prices, test), 0.8)  # type: ignore[arg-type]
    for third in scores["volatility"]["coverage_by_volatility_third"]:
        assert third == pytest.approx(0.8, abs=0.05)
    constant = scores["constant"]["coverage_by_volatility_third"]
    assert constant[0] > 0.81  # over-covers calm days
    assert constant[2] < 0.70  # under-covers storms
    assert scores["volatility"]["winkler_pct"] < scores["constant"]["winkler_pct"]


def test_winkler_is_the_width_inside_and_adds_the_scaled_miss_outside() -> None:
    actual = np.array([10.0, 13.0, 7.0])
    lower, upper = np.full(3, 9.0), np.full(3, 11.0)
    np.testing.assert_allclose(
        winkler(actual, lower, upper, 0.8), [2.0, 2.0 + 10 * 2, 2.0 + 10 * 2]
    )


def test_interval_model_round_trips(garch: Garch) -> None:
    model = IntervalModel(0.8, (-0.02, 0.021), (-1.3, 1.25), garch)
    assert IntervalModel.from_dict(model.to_dict()) == model
