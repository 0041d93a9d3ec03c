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
from stockpred.data.history import PriceHistory
from stockpred.features import Dataset
from stockpred.splits import Split, chronological_split
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


def naive_val_loss(series: TuningSeries, data: Dataset, cfg: ForecastConfig) -> float:
    """MSE of "tomorrow = today" on the validation targets, standardised as training's are."""
    prices, origins = series.past.prices, data.val_origins
    # The naive forecast: no change, i.e. a zero log-return, or the origin's price.
    if cfg.target == "return":
        naive = np.zeros((len(origins), cfg.horizon))
    else:
        naive = np.repeat(prices[origins][:, None], cfg.horizon, axis=1)
    return float(np.mean((data.scaler.scale_y(naive) - data.y_val) ** 2))


def run_trial(cfg: ForecastConfig, data: list[TuningSeries], report: Reporter) -> TrialOutcome:
    """Fit ``cfg`` on every series, reporting the running loss each epoch; mean loss at the end.

    ``report`` may raise to stop the trial (pruning); the exception passes through.
    """
    from stockpred.training.loop import fit_weights

    started = time.perf_counter()
    finished: list[float] = []
    epochs = 0
    # An ensemble's networks share the searched settings: one network's validation loss judges them.
    cfg = cfg.model_copy(update={"ensemble": 1})
    for i, series in enumerate(data):
        dataset = Dataset.build(series.past, cfg, series.split)
        naive = naive_val_loss(series, dataset, cfg)
        best = float("inf")

        def on_epoch(log: EpochLog, _net: object, i: int = i, naive: float = naive) -> None:
            nonlocal best, epochs
            best = min(best, log.val_loss / naive)
            epochs += 1
            report(i * cfg.epochs + log.epoch, float(np.mean([*finished, best])))

        fit_weights(dataset, cfg, progress=False, on_epoch=on_epoch)
        finished.append(best)
    return TrialOutcome(float(np.mean(finished)), epochs, time.perf_counter() - started)
