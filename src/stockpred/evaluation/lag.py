"""Is the forecast just yesterday's price? Compare it with the actual series shifted back.

A network that learned "tomorrow = today" plus noise scores a fine-looking MAE and a plot
that hugs the actual line one day late. Its forecast then matches the *previous* session's
price more closely than the session it claims to forecast, and its day-to-day changes
correlate with yesterday's changes rather than today's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAGS = (0, 1, 2)


@dataclass(frozen=True)
class LagRow:
    """The forecast against the actual price ``lag`` sessions before the one it forecasts."""

    lag: int
    mae: float
    change_correlation: float | None  # of day-to-day changes; None when either is constant


@dataclass(frozen=True)
class LagCheck:
    """The lag detector's rows and its finding, in a sentence."""

    lags: tuple[LagRow, ...]
    tracks_yesterday: bool  # closer to the previous session's price than to its own
    sentence: str


def lag_check(
    prices: np.ndarray, sessions: np.ndarray, forecast: np.ndarray, subject: str = "The forecast"
) -> LagCheck:
    """Forecasts of consecutive ``sessions`` against actual prices 0, 1 and 2 sessions earlier."""
    maes = [float(np.mean(np.abs(forecast - prices[sessions - lag]))) for lag in LAGS]
    rows = tuple(
        LagRow(lag, mae, _correlation(np.diff(forecast), np.diff(prices[sessions - lag])))
        for lag, mae in zip(LAGS, maes, strict=True)
    )
    today, yesterday = maes[0], maes[1]
    tracks_yesterday = bool(yesterday < today)
    if tracks_yesterday:
        sentence = (
            f"{subject} tracks yesterday's price better than today's (MAE {yesterday:.4g} "
            f"against yesterday's price, {today:.4g} against today's): it is mostly "
            "yesterday's price, shifted by a day."
        )
    else:
        sentence = (
            f"{subject} tracks today's price better than yesterday's (MAE {today:.4g} "
            f"against today's price, {yesterday:.4g} against yesterday's)."
        )
    return LagCheck(rows, tracks_yesterday, sentence)


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])
