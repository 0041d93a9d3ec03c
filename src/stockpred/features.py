"""From a PriceFrame to model tensors: input signals, windows, targets, split and scaler.

Sample indexing, used everywhere: an *origin* ``t`` is the last session whose price is
known. Its input window holds the signal rows ``t-window+1 .. t``; its targets are the
prices of sessions ``t+1 .. t+horizon``. A sample belongs to a span only when all of its
target sessions lie inside that span, so no training sample ever looks at a validation
or test price, not even as a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError, InsufficientHistory

MIN_TRAIN_SAMPLES = 20
MIN_VAL_SAMPLES = 5
MIN_TEST_SESSIONS = 5


@dataclass(frozen=True)
class Split:
    """Session index bounds (exclusive ends): train ``[0, train_end)``, then val, then test."""

    train_end: int
    val_end: int
    test_end: int

    def train_origins(self, cfg: ForecastConfig) -> np.ndarray:
        """Origins whose every target lies in the training span."""
        return np.arange(cfg.window, self.train_end - cfg.horizon)

    def val_origins(self, cfg: ForecastConfig) -> np.ndarray:
        """Origins whose every target lies in the validation span."""
        return np.arange(max(self.train_end - 1, cfg.window), self.val_end - cfg.horizon)

    def test_origins(self) -> np.ndarray:
        """Origins of the one-step forecasts for every test session."""
        return np.arange(self.val_end - 1, self.test_end - 1)

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return {"train_end": self.train_end, "val_end": self.val_end, "test_end": self.test_end}


def chronological_split(dates: pd.DatetimeIndex, cfg: ForecastConfig) -> Split:
    """70/15/15 by sessions (or test from ``cfg.test_start``), checked for enough history."""
    n = len(dates)
    if cfg.test_start is not None:
        _check_test_start(dates, cfg.test_start)
        val_end = int(dates.searchsorted(pd.Timestamp(cfg.test_start)))
        val_len = round(val_end * cfg.val_fraction / (1.0 - cfg.test_fraction))
    else:
        val_end = n - round(n * cfg.test_fraction)
        val_len = round(n * cfg.val_fraction)
    split = Split(train_end=val_end - val_len, val_end=val_end, test_end=n)
    check_history(split, cfg)
    return split


def _check_test_start(dates: pd.DatetimeIndex, test_start: str) -> None:
    """A test start outside the history is a mistake in the option, not a short history."""
    first, last = dates[0].date(), dates[-1].date()
    if pd.Timestamp(test_start) > dates[-1]:
        raise ConfigError(f"--test-start {test_start} is after the last session, {last}")
    if pd.Timestamp(test_start) <= dates[0]:
        raise ConfigError(
            f"--test-start {test_start} is not after the first session, {first}: "
            "nothing would be left to train on"
        )


def minimum_sessions(cfg: ForecastConfig) -> int:
    """Fewest sessions a 70/15/15 split needs at this window and horizon."""
    train_fraction = 1.0 - cfg.val_fraction - cfg.test_fraction
    need_train = cfg.window + cfg.horizon + MIN_TRAIN_SAMPLES
    need_val = cfg.horizon + MIN_VAL_SAMPLES
    return int(
        np.ceil(
            max(
                need_train / train_fraction,
                need_val / cfg.val_fraction,
                2 * MIN_TEST_SESSIONS / cfg.test_fraction,
            )
        )
    )


def check_history(split: Split, cfg: ForecastConfig) -> None:
    """Refuse a split that leaves too little to train, validate or test on."""
    n_train = len(split.train_origins(cfg))
    n_val = len(split.val_origins(cfg))
    n_test = split.test_end - split.val_end
    if n_train >= MIN_TRAIN_SAMPLES and n_val >= MIN_VAL_SAMPLES and n_test >= MIN_TEST_SESSIONS:
        return
    raise InsufficientHistory(
        f"the history has {split.test_end} sessions, too short for window {cfg.window} and "
        f"horizon {cfg.horizon} (train samples {max(n_train, 0)}, validation {max(n_val, 0)}, "
        f"test sessions {max(n_test, 0)}); use at least {minimum_sessions(cfg)} sessions or "
        "a smaller --window"
    )


def input_signals(frame: pd.DataFrame, price_column: str, cfg: ForecastConfig) -> np.ndarray:
    """Unscaled per-session inputs ``[T, F]``; row 0 is NaN where a change is undefined."""
    prices = frame[price_column].to_numpy(np.float64)
    if cfg.target == "price":
        return prices[:, None].copy()
    columns = [_log_change(prices)]
    if "volume" in cfg.features:
        columns.append(_log_change(frame["volume"].to_numpy(np.float64) + 1.0))
    if "range" in cfg.features:
        # High/low is a ratio, so unadjusted O/H/L need no split adjustment here.
        columns.append(
            np.log(frame["high"].to_numpy(np.float64) / frame["low"].to_numpy(np.float64))
        )
    return np.stack(columns, axis=1)


def _log_change(values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[0] = np.nan
    out[1:] = np.log(values[1:] / values[:-1])
    return out


def target_matrix(prices: np.ndarray, origins: np.ndarray, cfg: ForecastConfig) -> np.ndarray:
    """Unscaled targets ``[n, horizon]``: cumulative log-returns or future prices."""
    steps = origins[:, None] + np.arange(1, cfg.horizon + 1)[None, :]
    future = prices[steps]
    if cfg.target == "price":
        return future
    return np.log(future / prices[origins][:, None])


def to_prices(
    outputs: np.ndarray, prices: np.ndarray, origins: np.ndarray, cfg: ForecastConfig
) -> np.ndarray:
    """Unscaled model outputs ``[n, horizon]`` back on the price scale."""
    if cfg.target == "price":
        return outputs
    return prices[origins][:, None] * np.exp(outputs)


def windows(signals: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
    """Input windows ``[n, window, F]`` as one contiguous float32 array, built without loops."""
    view = sliding_window_view(signals, window, axis=0)  # [T-window+1, F, window]
    picked = view[origins - window + 1]
    return np.ascontiguousarray(picked.transpose(0, 2, 1), dtype=np.float32)


@dataclass(frozen=True)
class Scaler:
    """Standardisation fitted on the training span only, saved beside the weights as JSON."""

    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray

    @classmethod
    def fit(cls, signals: np.ndarray, targets: np.ndarray, split: Split) -> Scaler:
        """Fit on the signal rows and targets of the training span; nothing later is read."""
        train_signals = signals[: split.train_end]
        x_mean = np.nanmean(train_signals, axis=0)
        x_std = np.nanstd(train_signals, axis=0)
        y_mean = targets.mean(axis=0)
        y_std = targets.std(axis=0)
        return cls(x_mean, _safe(x_std), y_mean, _safe(y_std))

    def scale_x(self, signals: np.ndarray) -> np.ndarray:
        """Standardised inputs; undefined first rows become 0, the training mean."""
        return np.nan_to_num((signals - self.x_mean) / self.x_std, nan=0.0)

    def scale_y(self, targets: np.ndarray) -> np.ndarray:
        """Standardised targets."""
        return (targets - self.y_mean) / self.y_std

    def unscale_y(self, outputs: np.ndarray) -> np.ndarray:
        """Model outputs back in target units."""
        return outputs * self.y_std + self.y_mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (float64 values round-trip exactly through repr)."""
        return {k: getattr(self, k).tolist() for k in ("x_mean", "x_std", "y_mean", "y_std")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaler:
        """Inverse of :meth:`to_dict`."""
        return cls(
            **{
                k: np.asarray(data[k], dtype=np.float64)
                for k in ("x_mean", "x_std", "y_mean", "y_std")
            }
        )


def _safe(std: np.ndarray) -> np.ndarray:
    """A constant series has std 0; scale it by 1 instead of dividing by zero."""
    return np.where(np.isfinite(std) & (std > 0), std, 1.0)
