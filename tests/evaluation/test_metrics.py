from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.evaluation.metrics import (
    directional_accuracy,
    dm_verdict,
    evaluate_forecasts,
    point_metrics,
)
from stockpred.evaluation.walkforward import WalkForward
from stockpred.stats import diebold_mariano, direction_binomial, pesaran_timmermann


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


def _shut_folds(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Five folds of 100 sessions; folds 2 and 4 forecast no move (a shut gate), the rest
    call 60 % of directions right."""
    rng = np.random.default_rng(seed)
    prev = 100.0 + rng.normal(0.0, 1.0, 500)
    move = rng.choice([-1.0, 1.0], 500) * rng.uniform(0.5, 2.0, 500)
    right = rng.random(500) < 0.6
    pred = prev + np.where(right, 1.0, -1.0) * np.sign(move) * 0.3
    shut = np.isin(np.arange(500) // 100, [1, 3])
    pred[shut] = prev[shut]
    return prev + move, pred, prev


def test_directional_accuracy_leaves_out_sessions_with_no_predicted_move() -> None:
    """The table's accuracy is the binomial and PT tests' accuracy, on the same sessions; a
    forecast of no move was counted as a miss (0.36 here against the tests' 0.6)."""
    actual, pred, prev = _shut_folds()
    scores = point_metrics(actual, pred, prev, 1.0)
    binomial = direction_binomial(actual, pred, prev)
    assert scores["directional_accuracy"] == binomial.accuracy
    assert 0.55 < binomial.accuracy < 0.65
    assert scores["moved_share"] == pytest.approx(0.6)
    assert pesaran_timmermann(actual, pred, prev).n == binomial.n == 300


def test_pooled_walk_forward_accuracy_is_the_tests_accuracy() -> None:
    """The pooled backtest row over two shut folds of five reads the tests' sessions."""
    actual, pred, prev = _shut_folds(1)
    forecasts = pd.DataFrame(
        {
            "fold": np.arange(500) // 100 + 1,
            "step": 1,
            "actual": actual,
            "previous": prev,
            "scale": 1.0,
            "lstm": pred,
        }
    )
    wf = WalkForward("T", "expanding", "each", [], ["lstm"], 1, 0.8, "ewma", forecasts)
    table = wf.metrics().set_index(["fold", "metric"])["value"]
    assert table[("all", "directional_accuracy")] == direction_binomial(actual, pred, prev).accuracy
    assert table[("all", "moved_share")] == pytest.approx(0.6)
    assert np.isnan(table[(2, "directional_accuracy")])  # a shut fold has no direction
    assert table[(2, "moved_share")] == 0.0


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
    assert doc["models"]["naive"]["moved_share"] == 0.0
    assert doc["models"]["lstm"]["moved_share"] == 1.0
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
    assert ev.lag.tracks_yesterday
    assert "yesterday's price, shifted by a day" in ev.lag.sentence
    assert ev.to_dict()["lag_detector"]["tracks_yesterday"] is True
    prescient = prices[origins + 1] + rng.normal(0.0, 0.01, len(origins))
    ev = evaluate_forecasts(
        "T", dates, prices, origins, {"lstm": prescient, "naive": prices[origins]}, 1.0
    )
    assert ev.lag is not None
    assert not ev.lag.tracks_yesterday


def test_verdict_says_a_loss_plainly() -> None:
    rng = np.random.default_rng(0)
    worse = diebold_mariano(rng.normal(0, 2, 300), rng.normal(0, 1, 300))
    assert dm_verdict("MSFT", worse).startswith("LSTM does worse than the naive forecast on MSFT")
    same = diebold_mariano(rng.normal(0, 1, 300), rng.normal(0, 1, 300))
    sentence = dm_verdict("MSFT", same)
    assert sentence == f"LSTM does not beat the naive forecast on MSFT (DM p = {same.p_better:.2g})"
