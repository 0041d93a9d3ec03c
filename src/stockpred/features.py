"""From a PriceFrame to model tensors: input signals, windows, targets and scaler.

Sample indexing, used everywhere: an *origin* ``t`` is the last session whose price is
known. Its input window holds the signal rows ``t-window+1 .. t``; its targets are the
prices of sessions ``t+1 .. t+horizon``. A sample belongs to a span only when all of its
target sessions lie inside that span, so no training sample ever looks at a validation
or test price, not even as a target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from stockpred.config import INDICATORS, ForecastConfig
from stockpred.data.market import check_market_covers, market_prices
from stockpred.indicators import indicator_columns
from stockpred.splits import Split

if TYPE_CHECKING:
    from stockpred.data.history import PriceHistory


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
    indicators = tuple(f for f in cfg.features if f in INDICATORS)
    columns += indicator_columns(frame, price_column, indicators)
    if "market" in cfg.features:
        # After the index's last price the column is NaN: scaled to 0, the training mean.
        columns.append(_log_change(market_prices(frame, cfg.market)))
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

    def to_dict(self) -> dict[str, list[float]]:
        """scaler.json: each statistic a list (float64 values round-trip exactly through repr)."""
        return {k: getattr(self, k).tolist() for k in ("x_mean", "x_std", "y_mean", "y_std")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[float]]) -> Scaler:
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


def training_origins(history: PriceHistory, cfg: ForecastConfig, split: Split) -> np.ndarray:
    """Every training window's origin whose targets are real prices, before ``train_windows``
    keeps the most recent: filled sessions are inputs, never targets (a copied price is no
    move to learn)."""
    return history.observed_targets(split.train_origins(cfg), cfg.horizon)


@dataclass(frozen=True)
class Dataset:
    """What training reads, built once from a history: scaled windows and targets of a split."""

    split: Split
    scaler: Scaler
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    val_origins: np.ndarray

    @classmethod
    def build(cls, history: PriceHistory, cfg: ForecastConfig, split: Split) -> Dataset:
        """Signals and targets of ``history``, scaled by a scaler fitted on the training span."""
        if "market" in cfg.features:
            check_market_covers(history, split.train_end, cfg.market)
        signals = input_signals(history.frame, history.price_column, cfg)
        prices = history.prices
        train_o = training_origins(history, cfg, split)
        val_o = history.observed_targets(split.val_origins(cfg), cfg.horizon)
        scaler = Scaler.fit(signals, target_matrix(prices, train_o, cfg), split)
        scaled = scaler.scale_x(signals)
        if cfg.train_windows:  # the network learns from the most recent windows only
            train_o = train_o[-cfg.train_windows :]

        def samples(origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            x = windows(scaled, origins, cfg.window)
            y = scaler.scale_y(target_matrix(prices, origins, cfg)).astype(np.float32)
            return x, y

        return cls(split, scaler, *samples(train_o), *samples(val_o), val_o)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(x_train, y_train, x_val, y_val)``, as the fit loop takes them."""
        return self.x_train, self.y_train, self.x_val, self.y_val
