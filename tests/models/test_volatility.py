"""GARCH scale and the interval methods on a synthetic GARCH(1, 1) series."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stockpred.evaluation.intervals import (
    MethodScores,
    compare_intervals,
    volatility_thirds,
    winkler,
)
from stockpred.models.intervals import INTERVAL_METHODS, Calibration, IntervalModel
from stockpred.models.volatility import Garch

N, TRAIN, VAL = 6000, 3000, 4500
WINDOW = 20


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


@pytest.fixture(scope="module")
def garch_scores(prices: np.ndarray) -> dict[str, MethodScores]:
    """Every method around random-walk forecasts: scales and head fitted on the first 3,000
    sessions, calibrated on the next 1,500, scored on the last 1,500."""
    val, test = np.arange(TRAIN, VAL), np.arange(VAL, N)
    errors = np.log(prices[val + 1] / prices[val])
    head_origins = np.arange(WINDOW, TRAIN - 1)
    data = Calibration(0.8, prices, TRAIN, val, errors, head_origins, WINDOW)
    intervals = IntervalModel.fit(data, "ewma", compare=True)
    bands = {
        m: tuple(b[:, 0] for b in intervals.bounds(m, prices[test][:, None], prices, test))
        for m in INTERVAL_METHODS
    }
    return compare_intervals(prices[test + 1], bands, volatility_thirds(prices, test), 0.8)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["volatility", "ewma", "quantile"])
def test_volatility_aware_intervals_cover_every_third_of_a_garch_series(
    garch_scores: dict[str, MethodScores], method: str
) -> None:
    """Each third holds 500 test sessions: a calibrated interval's sd there is 1.8 points."""
    for third in garch_scores[method].coverage_by_volatility_third:
        assert third == pytest.approx(0.8, abs=0.05)
    assert garch_scores[method].winkler_pct < garch_scores["constant"].winkler_pct
    assert garch_scores[method].n_by_volatility_third == (500, 500, 500)


def test_the_constant_interval_over_covers_calm_and_under_covers_storms(
    garch_scores: dict[str, MethodScores],
) -> None:
    constant = garch_scores["constant"].coverage_by_volatility_third
    assert constant[0] > 0.81
    assert constant[2] < 0.70


def test_winkler_is_the_width_inside_and_adds_the_scaled_miss_outside() -> None:
    actual = np.array([10.0, 13.0, 7.0])
    lower, upper = np.full(3, 9.0), np.full(3, 11.0)
    np.testing.assert_allclose(
        winkler(actual, lower, upper, 0.8), [2.0, 2.0 + 10 * 2, 2.0 + 10 * 2]
    )


def test_interval_model_round_trips_through_json_and_tensors(prices: np.ndarray) -> None:
    val = np.arange(TRAIN, VAL)
    errors = np.log(prices[val + 1] / prices[val])
    data = Calibration(0.8, prices, TRAIN, val, errors, np.arange(WINDOW, TRAIN - 1), WINDOW)
    model = IntervalModel.fit(data, "ewma", compare=True)
    again = IntervalModel.from_dict(json.loads(json.dumps(model.to_dict())), model.tensors())
    assert again.to_dict() == model.to_dict()
    point = prices[val][:, None] * np.ones((1, 3))
    for method in INTERVAL_METHODS:
        for ours, theirs in zip(
            model.bounds(method, point, prices, val),
            again.bounds(method, point, prices, val),
            strict=True,
        ):
            np.testing.assert_array_equal(ours, theirs, err_msg=method)
