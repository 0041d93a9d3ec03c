from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.exceptions import InsufficientHistory
from stockpred.features import Dataset, Scaler, input_signals, target_matrix, to_prices, windows
from stockpred.splits import chronological_split, minimum_sessions


def test_windows_match_a_plain_loop() -> None:
    rng = np.random.default_rng(0)
    signals = rng.normal(size=(50, 3))
    origins = np.array([9, 10, 30, 49])
    got = windows(signals, origins, 10)
    expected = np.stack([signals[t - 9 : t + 1] for t in origins]).astype(np.float32)
    assert got.shape == (4, 10, 3)
    assert got.flags["C_CONTIGUOUS"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_split_is_chronological_and_targets_stay_in_their_span(msft: PriceHistory) -> None:
    cfg = ForecastConfig(window=10, horizon=3)
    split = chronological_split(msft.dates, cfg)
    n = len(msft)
    assert split.test_end == n
    assert split.val_end == n - round(0.15 * n)
    train, val = split.train_origins(cfg), split.val_origins(cfg)
    assert train.max() + cfg.horizon < split.train_end  # last training target inside train
    assert val.min() + 1 >= split.train_end
    assert val.max() + cfg.horizon < split.val_end
    test = split.test_origins()
    assert test[0] + 1 == split.val_end
    assert test[-1] + 1 == n - 1


def test_test_start_date_sets_the_test_span(msft: PriceHistory) -> None:
    cfg = ForecastConfig(window=10, test_start="2012-06-01")
    split = chronological_split(msft.dates, cfg)
    assert msft.dates[split.val_end] == pd.Timestamp("2012-06-01")


def test_too_short_history_says_how_much_is_needed(msft: PriceHistory) -> None:
    cfg = ForecastConfig(window=60)
    with pytest.raises(InsufficientHistory, match=f"at least {minimum_sessions(cfg)} sessions"):
        chronological_split(msft.dates[:100], cfg)
    chronological_split(msft.dates[: minimum_sessions(cfg)], cfg)  # the stated minimum works


def test_return_targets_round_trip_to_prices() -> None:
    prices = np.array([10.0, 11.0, 12.1, 11.0, 12.0])
    cfg = ForecastConfig(window=2, horizon=2)
    origins = np.array([1, 2])
    y = target_matrix(prices, origins, cfg)
    np.testing.assert_allclose(y[0], np.log([12.1 / 11.0, 11.0 / 11.0]))
    np.testing.assert_allclose(to_prices(y, prices, origins, cfg), [[12.1, 11.0], [11.0, 12.0]])


def test_input_signals_with_extras(msft: PriceHistory) -> None:
    cfg = ForecastConfig(features=("volume", "range"))
    signals = input_signals(msft.frame, "adj_close", cfg)
    assert signals.shape == (len(msft), 3)
    assert np.isnan(signals[0, 0])
    assert np.isfinite(signals[1:]).all()


def test_scaler_reads_only_the_training_span(msft: PriceHistory) -> None:
    cfg = ForecastConfig(window=10)
    split = chronological_split(msft.dates, cfg)
    signals = input_signals(msft.frame, "adj_close", cfg)
    targets = target_matrix(msft.prices, split.train_origins(cfg), cfg)
    before = Scaler.fit(signals, targets, split)
    changed = signals.copy()
    changed[split.train_end :] *= 50.0
    after = Scaler.fit(changed, targets, split)
    assert before.to_dict() == after.to_dict()
    restored = Scaler.from_dict(before.to_dict())
    np.testing.assert_array_equal(restored.x_std, before.x_std)


def test_train_windows_keeps_the_most_recent_windows_and_the_whole_span_scaler(
    msft: PriceHistory,
) -> None:
    split = chronological_split(msft.dates, ForecastConfig(window=10))
    every = Dataset.build(msft, ForecastConfig(window=10, train_windows=0), split)
    capped = Dataset.build(msft, ForecastConfig(window=10, train_windows=300), split)
    assert len(every.x_train) > 300
    assert len(capped.x_train) == 300
    np.testing.assert_array_equal(capped.x_train, every.x_train[-300:])
    np.testing.assert_array_equal(capped.y_train, every.y_train[-300:])
    assert capped.scaler.to_dict() == every.scaler.to_dict()  # fitted on the whole span
    np.testing.assert_array_equal(capped.x_val, every.x_val)
    wide = Dataset.build(msft, ForecastConfig(window=10, train_windows=10**6), split)
    np.testing.assert_array_equal(wide.x_train, every.x_train)  # a cap above the span: all
