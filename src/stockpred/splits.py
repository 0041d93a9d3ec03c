"""Which sessions a model may learn from: the chronological split and walk-forward folds.

A model is fitted on ``[0, train_end)``, early-stopped or tuned on ``[train_end, val_end)``
and tested on ``[val_end, test_end)``; a walk-forward backtest repeats that on consecutive
test windows, each fitted on a history that ends before it.

The spans end at dates, one calendar for every ticker of a universe (a single ticker is a
universe of one): markets move together, so no ticker may learn from or stop early on dates
that another ticker is tested on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


@dataclass(frozen=True)
class Calendar:
    """The dates every ticker of a universe is split at: validation from ``val_start``, test
    from ``test_start`` (each the first session on or after it)."""

    val_start: pd.Timestamp
    test_start: pd.Timestamp

    def config(self, cfg: ForecastConfig) -> ForecastConfig:
        """``cfg`` with both cutoffs set: every fit from it splits at these dates."""
        dates = {"val_start": str(self.val_start.date()), "test_start": str(self.test_start.date())}
        return cfg.model_copy(update=dates)


def chronological_split(dates: pd.DatetimeIndex, cfg: ForecastConfig) -> Split:
    """One history's split: a universe of one, so the same rule as :func:`universe_calendar`
    (70/15/15 by sessions unless ``cfg`` names the cutoffs), checked for enough history."""
    calendar = universe_calendar([dates], cfg)
    split = Split(
        train_end=int(dates.searchsorted(calendar.val_start)),
        val_end=int(dates.searchsorted(calendar.test_start)),
        test_end=len(dates),
    )
    check_history(split, cfg, calendar if cfg.val_start and cfg.test_start else None)
    return split


def universe_calendar(histories: Sequence[pd.DatetimeIndex], cfg: ForecastConfig) -> Calendar:
    """The cutoffs of a universe: those ``cfg`` names, else the (lower) median over the
    tickers of the dates each ticker's own 70/15/15 split (or split before ``test_start``)
    would cut at, so a typical ticker keeps about 70/15/15 and one ticker keeps exactly its own.

    Only a date the rule must choose is checked against the histories: where ``cfg`` names
    both, a history they leave too little of fails alone (:func:`check_history`).
    """
    if cfg.val_start and cfg.test_start:
        return Calendar(pd.Timestamp(cfg.val_start), pd.Timestamp(cfg.test_start))
    spans = [d for d in histories if len(d)]
    if not spans:
        raise InsufficientHistory("no sessions to split; give a longer history")
    first, last = min(d[0] for d in spans), max(d[-1] for d in spans)
    if cfg.test_start:
        _check_test_start(first, last, cfg.test_start)
        test = pd.Timestamp(cfg.test_start)
    else:
        test = _median(spans, lambda d: _default_ends(len(d), cfg)[1], cfg)
    if cfg.val_start:
        val = pd.Timestamp(cfg.val_start)
        _check_val_start(first, val, test)
    elif cfg.test_start:
        val = _median(spans, lambda d: _val_end_before(d, test, cfg), cfg)
    else:
        val = _median(spans, lambda d: _default_ends(len(d), cfg)[0], cfg)
    return Calendar(val, test)


def _default_ends(n: int, cfg: ForecastConfig) -> tuple[int, int]:
    """Where a history of ``n`` sessions' 70/15/15 split ends training and validation."""
    val_end = n - round(n * cfg.test_fraction)
    return val_end - round(n * cfg.val_fraction), val_end


def _val_end_before(dates: pd.DatetimeIndex, test: pd.Timestamp, cfg: ForecastConfig) -> int:
    """Where training ends when the sessions before ``test`` are split 70/15 (-1: too few
    sessions before ``test`` to validate on any)."""
    val_end = int(dates.searchsorted(test))
    train_end = val_end - round(val_end * cfg.val_fraction / (1.0 - cfg.test_fraction))
    return train_end if train_end < val_end else -1


def _median(
    histories: list[pd.DatetimeIndex],
    cut: Callable[[pd.DatetimeIndex], int],
    cfg: ForecastConfig,
) -> pd.Timestamp:
    """The lower median over the histories of the session each would ``cut`` at: a date some
    ticker would cut at itself (for one ticker, its own); a history too short to hold that
    session has no say."""
    cutoffs = sorted(d[i] for d in histories if 0 <= (i := cut(d)) < len(d))
    if not cutoffs:
        longest = max(len(d) for d in histories)
        raise InsufficientHistory(
            f"{longest} sessions are too short to split; use at least "
            f"{minimum_sessions(cfg)} sessions or a smaller window"
        )
    return cutoffs[(len(cutoffs) - 1) // 2]


def _check_test_start(first: pd.Timestamp, last: pd.Timestamp, test_start: str) -> None:
    """A test start outside the history is a mistake in the option, not a short history."""
    if pd.Timestamp(test_start) > last:
        raise ConfigError(f"test_start={test_start} is after the last session, {last.date()}")
    if pd.Timestamp(test_start) <= first:
        raise ConfigError(
            f"test_start={test_start} is not after the first session, {first.date()}: "
            "nothing would be left to train on"
        )


def _check_val_start(first: pd.Timestamp, val: pd.Timestamp, test: pd.Timestamp) -> None:
    """A validation start before any history, or not before the test's, is a wrong option."""
    if val <= first:
        raise ConfigError(
            f"val_start={val.date()} is not after the first session, {first.date()}: "
            "nothing would be left to train on"
        )
    if val >= test:
        raise ConfigError(
            f"val_start={val.date()} is not before the test start, {test.date()}; "
            "give an earlier val_start or a later test_start"
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


def check_history(split: Split, cfg: ForecastConfig, calendar: Calendar | None = None) -> None:
    """Refuse a split that leaves too little to train, validate or test on; with a
    ``calendar`` (cutoffs named, e.g. a universe's), say which dates left too little."""
    n_train = len(split.train_origins(cfg))
    n_val = len(split.val_origins(cfg))
    n_test = split.test_end - split.val_end
    if n_train >= MIN_TRAIN_SAMPLES and n_val >= MIN_VAL_SAMPLES and n_test >= MIN_TEST_SESSIONS:
        return
    if calendar is not None:
        raise InsufficientHistory(
            f"the history is too short for the calendar (validation from "
            f"{calendar.val_start.date()}, test from {calendar.test_start.date()}) at window "
            f"{cfg.window} and horizon {cfg.horizon}: training samples {max(n_train, 0)}, "
            f"validation {max(n_val, 0)}, test sessions {max(n_test, 0)} (at least "
            f"{MIN_TRAIN_SAMPLES}, {MIN_VAL_SAMPLES} and {MIN_TEST_SESSIONS} needed)"
        )
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
