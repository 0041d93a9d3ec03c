"""The quantile head (conformalized quantile regression): inputs, fit, conformal stretch."""

from __future__ import annotations

import numpy as np
import pytest

from stockpred.models.quantile import QuantileHead, conformal_factor, head_inputs


def test_head_inputs_are_the_last_returns_over_the_volatility_at_the_origin() -> None:
    prices = np.array([100.0, 101.0, 99.0, 102.0, 102.5, 101.0])
    variances = np.array([1.0, 4.0, 1.0, 0.25, 1.0, 1.0]) * 1e-4
    returns = np.diff(np.log(prices))
    x = head_inputs(prices, np.array([1, 3]), 3, variances)
    # origin 1 has seen one return; the two before the first price count as 0
    np.testing.assert_allclose(x[0], [0.0, 0.0, returns[0] / 0.02])
    np.testing.assert_allclose(x[1], returns[:3] / 0.005)


def test_head_inputs_never_read_a_later_price() -> None:
    rng = np.random.default_rng(0)
    prices = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    later = prices.copy()
    later[201:] *= 1.5
    variances = np.full(300, 1e-4)
    origins = np.arange(20, 201)
    np.testing.assert_array_equal(
        head_inputs(prices, origins, 20, variances), head_inputs(later, origins, 20, variances)
    )


def test_conformal_factor_is_the_finite_sample_quantile_of_the_stretches() -> None:
    band = np.tile([-0.02, 0.01], (9, 1))
    errors = np.array([0.005, -0.01, 0.02, -0.04, 0.0, 0.01, -0.03, 0.03, -0.002])
    # stretches: 0.5, 0.5, 2, 2, 0, 1, 1.5, 3, 0.1; ⌈10 × 0.8⌉ = 8th smallest of 9
    assert conformal_factor(errors, band, 0.8) == 2.0
    # ⌈10 × 0.95⌉ = 10 > 9: no stretch of the nine carries a 95 % guarantee, so the band is
    # infinite (it was capped at the largest, 3, which holds only 9/10 of new sessions)
    assert conformal_factor(errors, band, 0.95) == np.inf


@pytest.fixture(scope="module")
def heteroskedastic() -> tuple[np.ndarray, np.ndarray]:
    """Returns in volatility units whose spread doubles after a large last shock."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3000, 10))
    spread = np.where(np.abs(x[:, -1]) > 1.0, 2.0, 1.0)
    return x, spread * rng.standard_normal(3000)


def test_the_head_learns_where_the_spread_is_wider(
    heteroskedastic: tuple[np.ndarray, np.ndarray],
) -> None:
    x, z = heteroskedastic
    head = QuantileHead.fit(x, z, 0.8, seed=0)
    calm, shock = np.zeros((1, 10)), np.zeros((1, 10))
    shock[0, -1] = 2.5
    q_calm, q_shock = head.quantiles(calm)[0], head.quantiles(shock)[0]
    assert q_calm[0] < 0 < q_calm[1]
    assert q_shock[1] - q_shock[0] > 1.5 * (q_calm[1] - q_calm[0])
    # N(0, 1)'s 10 % and 90 % quantiles are ±1.28
    assert q_calm == pytest.approx([-1.28, 1.28], abs=0.25)


def test_the_head_fit_is_seeded(heteroskedastic: tuple[np.ndarray, np.ndarray]) -> None:
    x, z = heteroskedastic
    first, again = (QuantileHead.fit(x[:500], z[:500], 0.8, seed=1) for _ in range(2))
    for name, value in first.weights.items():
        np.testing.assert_array_equal(value, again.weights[name], err_msg=name)
    other = QuantileHead.fit(x[:500], z[:500], 0.8, seed=2)
    assert not np.array_equal(other.weights["0.weight"], first.weights["0.weight"])
