"""Indicators against the ``ta`` package, and every input feature free of look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.features import input_signals
from stockpred.indicators import average_true_range, bollinger_percent_b, macd, rsi

ALL_FEATURES = ("volume", "range", "rsi", "macd", "bollinger", "atr")
BURN_IN = 300  # Wilder averages started differently agree to ~(13/14)^300 after this


@pytest.fixture(scope="module")
def frame(msft: PriceHistory) -> pd.DataFrame:
    return msft.frame


def test_rsi_matches_ta(frame: pd.DataFrame) -> None:
    from ta.momentum import RSIIndicator

    theirs = RSIIndicator(frame["adj_close"], window=14).rsi()
    np.testing.assert_allclose(rsi(frame["adj_close"])[BURN_IN:], theirs[BURN_IN:], rtol=1e-9)


def test_macd_matches_ta(frame: pd.DataFrame) -> None:
    from ta.trend import MACD

    theirs = MACD(frame["adj_close"], window_slow=26, window_fast=12).macd()
    np.testing.assert_allclose(macd(frame["adj_close"])[BURN_IN:], theirs[BURN_IN:], rtol=1e-9)


def test_bollinger_percent_b_matches_ta(frame: pd.DataFrame) -> None:
    from ta.volatility import BollingerBands

    theirs = BollingerBands(frame["adj_close"], window=20, window_dev=2).bollinger_pband()
    np.testing.assert_allclose(
        bollinger_percent_b(frame["adj_close"])[BURN_IN:], theirs[BURN_IN:], rtol=1e-9
    )


def test_average_true_range_matches_ta(frame: pd.DataFrame) -> None:
    from ta.volatility import AverageTrueRange

    theirs = AverageTrueRange(frame["high"], frame["low"], frame["close"], window=14)
    ours = average_true_range(frame["high"], frame["low"], frame["close"])
    np.testing.assert_allclose(ours[BURN_IN:], theirs.average_true_range()[BURN_IN:], rtol=1e-6)


@pytest.mark.parametrize("feature", ALL_FEATURES)
def test_no_feature_reads_a_later_session(msft: PriceHistory, feature: str) -> None:
    cfg = ForecastConfig(features=(feature,))
    before = input_signals(msft.frame, "adj_close", cfg)
    cut = 400
    later = msft.frame.copy()
    noise = np.random.default_rng(0).uniform(0.9, 1.1, size=(len(later) - cut, later.shape[1]))
    later.iloc[cut:, :] *= noise  # every later price and volume changes, day by day
    after = input_signals(later, "adj_close", cfg)
    np.testing.assert_array_equal(before[:cut], after[:cut])
    assert not np.allclose(before[cut + 30 :, 1], after[cut + 30 :, 1])  # the change is seen


def test_every_feature_together_gives_finite_inputs_after_warm_up(msft: PriceHistory) -> None:
    signals = input_signals(msft.frame, "adj_close", ForecastConfig(features=ALL_FEATURES))
    assert signals.shape == (len(msft), 1 + len(ALL_FEATURES))
    assert np.isfinite(signals[40:]).all()
