"""Baselines every forecast is judged against; ordinary models of :mod:`stockpred.models.base`.

Each fits on the training span only (a no-op for the rules that learn nothing) and
forecasts sessions ``t+1 .. t+horizon`` from the sessions up to ``t`` alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from stockpred.exceptions import InsufficientHistory, NotFittedError
from stockpred.models.base import Estimator, Model, Series, fit_data, one_series

if TYPE_CHECKING:
    from typing_extensions import Self

    from stockpred.config import ForecastConfig
    from stockpred.data.history import PriceHistory
    from stockpred.splits import Split


class _Rule(Estimator):
    """A baseline with nothing to learn: ``fit`` is a no-op, kept for the shared protocol."""

    def fit(self, history: Series, split: Split | None = None) -> Self:
        """Nothing to learn (one series, as any single-series model); returns ``self``."""
        one_series(history, self.name)
        return self


class _RandomWalk(_Rule, ABC):
    """The last known price plus ``h`` times a daily slope, ``h`` steps ahead."""

    @abstractmethod
    def slope(self, prices: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """The expected daily change at each origin."""

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Last price plus ``h`` times the slope at each origin, for ``h = 1 .. horizon``."""
        prices = history.prices
        steps = np.arange(1, horizon + 1)[None, :]
        return prices[origins][:, None] + self.slope(prices, origins)[:, None] * steps


class Naive(_RandomWalk):
    """Tomorrow = today: the random walk, which daily stock prices are hard to beat."""

    name = "naive"

    def slope(self, prices: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """No change expected: every step is the last known price, exactly."""
        return np.zeros(len(origins))


class Drift(_RandomWalk):
    """Random walk with drift: the average change since the first price, extrapolated."""

    name = "drift"

    def slope(self, prices: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """The mean daily change over the history so far."""
        return (prices[origins] - prices[0]) / np.maximum(origins, 1)


class MovingAverage(_Rule):
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


class LinearAR(Estimator):
    """Least squares on the LSTM's lag window of log-returns: the linear model it must beat.

    If a network cannot beat a linear autoregression on the same inputs, its nonlinearity
    is not earning its keep. Multi-step forecasts feed each predicted return back in.
    """

    name = "linear_ar"

    def __init__(self, window: int = 60) -> None:
        self.window = window

    def fit(self, series: Series, split: Split | None = None) -> Self:
        """Fit ``r[t+1] ~ 1 + r[t-window+1 .. t]`` on origins whose target is in training."""
        history, split = fit_data(series, split, self.name)
        returns = _log_returns(history.prices)
        origins = np.arange(self.window, split.train_end - 1)
        if len(origins) <= self.window:
            raise InsufficientHistory(
                f"the linear AR baseline needs more than {2 * self.window + 1} training sessions"
            )
        x = _with_intercept(_lags(returns, origins, self.window))
        self.coef_ = np.linalg.lstsq(x, returns[origins + 1], rcond=None)[0]
        return self

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Recursive forecasts from the lag window ending at each origin (needs ``window`` lags)."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("LinearAR is not fitted; call fit() first")
        lags = _lags(_log_returns(history.prices), origins, self.window)
        steps = np.empty((len(origins), horizon))
        for h in range(horizon):
            steps[:, h] = _with_intercept(lags) @ self.coef_
            lags = np.concatenate([lags[:, 1:], steps[:, h : h + 1]], axis=1)
        return history.prices[origins][:, None] * np.exp(np.cumsum(steps, axis=1))


def _log_returns(prices: np.ndarray) -> np.ndarray:
    """``r[t] = log(p[t] / p[t-1])``, with ``r[0] = 0`` (no change known yet)."""
    return np.concatenate([[0.0], np.diff(np.log(prices))])


def _lags(returns: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
    """Rows ``r[t-window+1 .. t]`` for each origin ``t``, oldest first."""
    if len(origins) and origins.min() < window - 1:
        raise ValueError(f"origins need {window} sessions of returns before them")
    return sliding_window_view(returns, window)[origins - window + 1]


def _with_intercept(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.ones((len(x), 1)), x], axis=1)


def default_baselines(config: ForecastConfig) -> list[Model]:
    """The baselines every evaluation reports, in table order (fit them before predicting)."""
    from stockpred.models.classical import ARIMA, ExponentialSmoothing, Theta

    return [
        Naive(),
        Drift(),
        MovingAverage(config.ma_window),
        LinearAR(config.window),
        ARIMA(),
        ExponentialSmoothing(),
        Theta(),
    ]
