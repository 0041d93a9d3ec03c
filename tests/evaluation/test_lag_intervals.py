from __future__ import annotations

import numpy as np
import pytest

from stockpred.evaluation.intervals import interval_scores, pinball
from stockpred.evaluation.lag import lag_check

RNG = np.random.default_rng(0)
PRICES = 100 + np.cumsum(RNG.normal(0, 1, 300))
SESSIONS = np.arange(50, 300)


def test_a_shifted_forecast_is_called_yesterday_s_price() -> None:
    lagged = PRICES[SESSIONS - 1] + RNG.normal(0, 0.05, len(SESSIONS))
    out = lag_check(PRICES, SESSIONS, lagged)
    assert out.tracks_yesterday
    assert "tracks yesterday's price better than today's" in out.sentence
    assert out.lags[1].change_correlation > 0.9
    assert abs(out.lags[0].change_correlation) < 0.3


def test_a_forecast_with_real_skill_is_not() -> None:
    skilled = PRICES[SESSIONS] + RNG.normal(0, 0.3, len(SESSIONS))
    out = lag_check(PRICES, SESSIONS, skilled)
    assert not out.tracks_yesterday
    assert "tracks today's price better than yesterday's" in out.sentence


def test_coverage_and_pinball() -> None:
    actual = RNG.normal(0, 1, 20_000)
    z = 1.2815515655446004  # 80% central interval of N(0, 1)
    scores = interval_scores(actual, np.full_like(actual, -z), np.full_like(actual, z), 0.8)
    assert scores.coverage == pytest.approx(0.8, abs=0.01)
    narrow = interval_scores(actual, np.full_like(actual, -0.5), np.full_like(actual, 0.5), 0.8)
    assert narrow.coverage < 0.5
    assert pinball(np.array([1.0, 3.0]), np.array([2.0, 2.0]), 0.1) == pytest.approx(
        (0.9 * 1 + 0.1 * 1) / 2
    )
