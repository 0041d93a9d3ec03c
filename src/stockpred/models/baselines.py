"""Baselines every forecast is judged against; they share the LSTM's prediction protocol.

Each model answers ``predict_origins(history, origins, horizon) -> [n, horizon]``: price
forecasts for sessions ``t+1 .. t+horizon`` made from the sessions up to ``t`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from stockpred.data.loading import PriceHistory


class OriginForecaster(Protocol):
    """Anything that forecasts prices from origins: baselines and the LSTM alike."""

    name: str

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]`` from the sessions known at each origin."""
        ...


class Naive:
    """Tomorrow = today: the random walk, which daily stock prices are hard to beat."""

    name = "naive"

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """The last known price for every step."""
        prices = history.prices
        return np.repeat(prices[origins][:, None], horizon, axis=1)


class Drift:
    """Random walk with drift: the average change since the first price, extrapolated."""

    name = "drift"

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Last price plus ``h`` times the mean daily change over the history so far."""
        prices = history.prices
        slope = (prices[origins] - prices[0]) / np.maximum(origins, 1)
        steps = np.arange(1, horizon + 1)[None, :]
        return prices[origins][:, None] + slope[:, None] * steps


class MovingAverage:
    """The mean of the last ``window`` prices, for every step ahead."""

    name = "moving_average"

    def __init__(self, window: int = 20) -> None:
        self.window = window

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Trailing mean ending at each origin (shorter at the very start of history)."""
        prices = history.prices
        csum = np.concatenate([[0.0], np.cumsum(prices)])
        lo = np.maximum(origins + 1 - self.window, 0)
        mean = (csum[origins + 1] - csum[lo]) / (origins + 1 - lo)
        return np.repeat(mean[:, None], horizon, axis=1)


def default_baselines(ma_window: int) -> list[OriginForecaster]:
    """The baselines every evaluation reports, in table order."""
    return [Naive(), Drift(), MovingAverage(ma_window)]
