from __future__ import annotations

import numpy as np
import pytest

from stockpred.stats import (
    diebold_mariano,
    direction_binomial,
    naive_scale,
    pesaran_timmermann,
)


def test_dm_by_hand_with_the_hln_correction() -> None:
    # absolute-loss differential d = [1, -1, 2, 0]: mean 0.5, gamma0 1.25, var(mean) 0.3125
    dm = diebold_mariano(np.array([2.0, 1, 3, 1]), np.array([1.0, 2, 1, 1]), loss="absolute")
    expected = 0.5 / np.sqrt(0.3125) * np.sqrt(3 / 4)
    assert dm.statistic == pytest.approx(expected)
    assert dm.p_worse == pytest.approx(0.2474, abs=1e-3)  # t(3) upper tail at 0.7746
    assert dm.p_better + dm.p_worse == pytest.approx(1.0)


def test_dm_finds_a_real_difference_and_not_a_fake_one() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(0, 1, 300), rng.normal(0, 1.5, 300)
    assert diebold_mariano(small, large).p_better < 0.01
    assert diebold_mariano(large, small).p_worse < 0.01
    same = diebold_mariano(rng.normal(0, 1, 300), rng.normal(0, 1, 300))
    assert same.p_two_sided > 0.05


def test_dm_long_horizon_uses_autocovariances() -> None:
    rng = np.random.default_rng(1)
    shared = np.convolve(rng.normal(0, 1, 205), np.ones(5), "valid")  # MA(4): 5-step overlap
    a, b = shared + rng.normal(0, 0.1, 201), rng.normal(0, 1, 201)
    assert diebold_mariano(a, b, horizon=5).statistic != diebold_mariano(a, b).statistic


def test_identical_forecasts_give_no_test() -> None:
    e = np.array([1.0, -2.0, 3.0])
    dm = diebold_mariano(e, e)
    assert dm.statistic is None
    assert dm.p_better == 1.0


def test_binomial_direction_against_a_coin() -> None:
    prev = np.zeros(100)
    actual = np.where(np.arange(100) % 2 == 0, 1.0, -1.0)
    right = direction_binomial(actual, actual * 0.5, prev)
    assert right.accuracy == 1.0
    assert right.p_value < 1e-20
    coin = direction_binomial(actual, np.where(np.arange(100) % 4 < 2, 1.0, -1.0), prev)
    assert coin.accuracy == 0.5
    assert coin.p_value > 0.5


def test_pesaran_timmermann_does_not_reward_always_up_in_a_rising_market() -> None:
    rng = np.random.default_rng(0)
    actual = rng.normal(0.3, 1, 400)  # mostly up
    prev = np.zeros(400)
    always_up = np.concatenate([np.ones(399), [-1.0]])  # one down so the test is defined
    assert direction_binomial(actual, always_up, prev).p_value < 0.01
    assert pesaran_timmermann(actual, always_up, prev).p_value > 0.05
    informed = actual + rng.normal(0, 0.5, 400)
    assert pesaran_timmermann(actual, informed, prev).p_value < 1e-6
    assert pesaran_timmermann(actual, np.ones(400), prev).p_value is None


def test_naive_scale_is_training_span_only() -> None:
    prices = np.array([1.0, 2.0, 4.0, 100.0])
    assert naive_scale(prices, 3) == pytest.approx(1.5)
