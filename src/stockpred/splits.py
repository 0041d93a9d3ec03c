"""Which sessions a model may learn from: the chronological split and walk-forward folds.

A model is fitted on ``[0, train_end)``, early-stopped or tuned on ``[train_end, val_end)``
and tested on ``[val_end, test_end)``; a walk-forward backtest repeats that on consecutive
test windows, each fitted on a history that ends before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

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
        raise ConfigError(f"test_start={test_start} is after the last session, {last}")
    if pd.Timestamp(test_start) <= dates[0]:
        raise ConfigError(
            f"test_start={test_start} is not after the first session, {first}: "
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
        "a smaller window"
    )


Mode = Literal["expanding", "rolling"]

# The folds share the last half of history: enough test sessions for the DM test to have
# power, while the first fold still trains on the other half.
BACKTEST_SHARE = 0.5


@dataclass(frozen=True)
class Fold:
    """Absolute session bounds: fitted on ``[fit_start, test_start)``, tested on the rest."""

    number: int
    fit_start: int
    train_end: int
    test_start: int
    test_end: int


def plan_folds(n: int, cfg: ForecastConfig, folds: int, mode: Mode) -> list[Fold]:
    """K equal test windows ending at the last session (the last one takes the remainder)."""
    if folds < 1:
        raise ConfigError("folds must be at least 1")
    if mode not in ("expanding", "rolling"):
        raise ConfigError(f"unknown mode {mode!r}; use expanding or rolling")
    size = round(n * BACKTEST_SHARE) // folds
    if size < MIN_TEST_SESSIONS:
        raise InsufficientHistory(
            f"{folds} folds over the last half of {n} sessions leave {size} test sessions "
            f"per fold (at least {MIN_TEST_SESSIONS} needed); use fewer folds"
        )
    first = n - size * folds
    plan = []
    for k in range(folds):
        start = first + k * size
        end = n if k == folds - 1 else start + size
        lo = 0 if mode == "expanding" else start - first
        val_len = round((start - lo) * cfg.val_fraction / (1.0 - cfg.test_fraction))
        fold = Fold(k + 1, lo, start - val_len, start, end)
        check_history(Split(fold.train_end - lo, start - lo, end - lo), cfg)
        plan.append(fold)
    return plan
