"""The tuning objective: validation loss only, on histories cut before their test span.

Each series is cut at the end of its validation span before any trial sees it, so the test
span is not merely unused: it is absent. The loss of a trial is the LSTM's validation MSE
divided by the naive forecast's ("tomorrow = today") on the same validation targets, scaled
the same way: a unit-free number, comparable across windows and tickers (below 1 beats
naive on validation), averaged over the tickers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory
from stockpred.features import Scaler, Split, chronological_split, input_signals, target_matrix
from stockpred.training.result import EpochLog

# (step, running loss): step counts epochs across the series, so two trials are compared at
# the same step on the same ticker and epoch.
Reporter = Callable[[int, float], None]


@dataclass(frozen=True)
class TuningSeries:
    """One ticker's history up to the end of validation, and its train/validation split."""

    past: PriceHistory
    split: Split

    @classmethod
    def cut(cls, history: PriceHistory, config: ForecastConfig) -> TuningSeries:
        """Drop the test span (as the default split defines it) before tuning reads anything."""
        split = chronological_split(history.dates, config)
        past = replace(history, frame=history.frame.iloc[: split.val_end])
        return cls(past, Split(split.train_end, split.val_end, split.val_end))


@dataclass(frozen=True)
class TrialOutcome:
    """What one trial cost and scored."""

    loss: float
    epochs: int
    seconds: float


def naive_val_loss(series: TuningSeries, cfg: ForecastConfig) -> float:
    """MSE of "tomorrow = today" on the validation targets, standardised as training does."""
    history, split = series.past, series.split
    prices = history.prices
    signals = input_signals(history.frame, history.price_column, cfg)
    scaler = Scaler.fit(signals, target_matrix(prices, split.train_origins(cfg), cfg), split)
    origins = split.val_origins(cfg)
    actual = target_matrix(prices, origins, cfg)
    # The naive forecast: no change, i.e. a zero log-return, or the origin's price.
    naive = (
        np.zeros_like(actual)
        if cfg.target == "return"
        else np.repeat(prices[origins][:, None], cfg.horizon, axis=1)
    )
    return float(np.mean((scaler.scale_y(naive) - scaler.scale_y(actual)) ** 2))


def run_trial(cfg: ForecastConfig, data: list[TuningSeries], report: Reporter) -> TrialOutcome:
    """Fit ``cfg`` on every series, reporting the running loss each epoch; mean loss at the end.

    ``report`` may raise to stop the trial (pruning); the exception passes through.
    """
    from stockpred.models.forecaster import Forecaster

    started = time.perf_counter()
    finished: list[float] = []
    epochs = 0
    for i, series in enumerate(data):
        naive = naive_val_loss(series, cfg)
        best = float("inf")

        def on_epoch(log: EpochLog, _net: object, i: int = i, naive: float = naive) -> None:
            nonlocal best, epochs
            best = min(best, log.val_loss / naive)
            epochs += 1
            report(i * cfg.epochs + log.epoch, float(np.mean([*finished, best])))

        Forecaster(cfg).fit(series.past, split=series.split, progress=False, on_epoch=on_epoch)
        finished.append(best)
    return TrialOutcome(float(np.mean(finished)), epochs, time.perf_counter() - started)
