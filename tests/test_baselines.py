from __future__ import annotations

import numpy as np
import pandas as pd

from stockpred.data.loading import PriceHistory
from stockpred.models.baselines import Drift, MovingAverage, Naive


def _history(prices: list[float]) -> PriceHistory:
    dates = pd.bdate_range("2021-01-04", periods=len(prices), name="date")
    frame = pd.DataFrame({"adj_close": prices}, index=dates)
    return PriceHistory(frame, "T", "test", "adj_close")


PRICES = _history([10.0, 12.0, 11.0, 13.0, 14.0])
ORIGINS = np.array([2, 4])


def test_naive_repeats_the_last_price() -> None:
    np.testing.assert_array_equal(
        Naive().predict_origins(PRICES, ORIGINS, 2), [[11.0, 11.0], [14.0, 14.0]]
    )


def test_drift_extrapolates_the_mean_change_so_far() -> None:
    got = Drift().predict_origins(PRICES, ORIGINS, 2)
    np.testing.assert_allclose(got, [[11.5, 12.0], [15.0, 16.0]])


def test_moving_average_uses_only_the_past() -> None:
    got = MovingAverage(window=2).predict_origins(PRICES, ORIGINS, 1)
    np.testing.assert_allclose(got[:, 0], [11.5, 13.5])
    assert MovingAverage(window=10).predict_origins(PRICES, np.array([1]), 1)[0, 0] == 11.0
