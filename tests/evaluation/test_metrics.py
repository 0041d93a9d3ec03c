from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.evaluation.metrics import (
    directional_accuracy,
    evaluate_forecasts,
    naive_scale,
    point_metrics,
)


def test_point_metrics_by_hand() -> None:
    actual = np.array([10.0, 12.0])
    pred = np.array([11.0, 11.0])
    prev = np.array([9.0, 13.0])
    m = point_metrics(actual, pred, prev, scale=2.0)
    assert m["mse"] == pytest.approx(1.0)
    assert m["rmse"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(1.0)
    assert m["mape"] == pytest.approx((0.1 + 1 / 12) / 2 * 100)
    assert m["mase"] == pytest.approx(0.5)
    assert m["directional_accuracy"] == pytest.approx(1.0)


def test_directional_accuracy_none_for_no_move_and_skips_flat_days() -> None:
    prev = np.array([1.0, 1.0, 1.0])
    assert directional_accuracy(np.array([2.0, 0.5, 1.0]), prev, prev) is None
    got = directional_accuracy(np.array([2.0, 0.5, 1.0]), np.array([1.5, 1.5, 0.5]), prev)
    assert got == pytest.approx(0.5)


def test_naive_scale_is_training_span_only() -> None:
    prices = np.array([1.0, 2.0, 4.0, 100.0])
    assert naive_scale(prices, 3) == pytest.approx(1.5)


def test_evaluation_contract_and_verdict() -> None:
    rng = np.random.default_rng(0)
    prices = 100 + np.cumsum(rng.normal(0, 1, 61))
    dates = pd.bdate_range("2021-01-04", periods=61)
    origins = np.arange(30, 60)
    actual = prices[origins + 1]
    good = actual + rng.normal(0, 0.2, 30)
    ev = evaluate_forecasts(
        "T", dates, prices, origins, {"lstm": good, "naive": prices[origins]}, 1.0
    )
    doc = ev.to_dict()
    assert doc["test_start"] == str(dates[31].date())
    assert doc["test_end"] == str(dates[60].date())
    assert doc["n_test"] == 30
    assert doc["models"]["naive"]["directional_accuracy"] is None
    assert doc["dm_vs_naive"]["squared"]["p_better"] < 0.05
    assert ev.beats_naive()
    assert ev.verdict().startswith("LSTM beats the naive forecast on T (DM p = ")
    bad = actual + rng.normal(0, 3, 30)
    worse = evaluate_forecasts(
        "T", dates, prices, origins, {"lstm": bad, "naive": prices[origins]}, 1.0
    )
    assert not worse.beats_naive()
    assert worse.verdict().startswith("LSTM does worse than the naive forecast on T (DM p = ")


def test_lag_detector_says_when_the_forecast_is_yesterdays_price() -> None:
    rng = np.random.default_rng(0)
    prices = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 300)))
    dates = pd.bdate_range("2020-01-01", periods=300)
    origins = np.arange(50, 299)
    lagging = prices[origins] + rng.normal(0.0, 0.01, len(origins))
    ev = evaluate_forecasts(
        "T", dates, prices, origins, {"lstm": lagging, "naive": prices[origins]}, 1.0
    )
    assert ev.lag is not None
    assert ev.lag["tracks_yesterday"]
    assert "yesterday's price, shifted by a day" in ev.lag["sentence"]
    assert ev.to_dict()["lag_detector"]["tracks_yesterday"] is True
    prescient = prices[origins + 1] + rng.normal(0.0, 0.01, len(origins))
    ev = evaluate_forecasts(
        "T", dates, prices, origins, {"lstm": prescient, "naive": prices[origins]}, 1.0
    )
    assert ev.lag is not None
    assert not ev.lag["tracks_yesterday"]
