"""How honest are the prediction intervals? Empirical coverage and pinball loss."""

from __future__ import annotations

from typing import Any

import numpy as np


def interval_bounds(
    point: np.ndarray, quantiles: list[float], steps: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds around ``point`` forecasts ``steps`` sessions ahead.

    ``quantiles`` are the one-step log-error quantiles (split-conformal, from validation);
    they widen with √step, as a random walk's spread does.
    """
    widen = np.sqrt(steps)
    return point * np.exp(quantiles[0] * widen), point * np.exp(quantiles[1] * widen)


def pinball(actual: np.ndarray, quantile: np.ndarray, tau: float) -> float:
    """Mean quantile (pinball) loss of ``quantile`` as the ``tau`` quantile of ``actual``."""
    diff = actual - quantile
    return float(np.mean(np.maximum(tau * diff, (tau - 1.0) * diff)))


def interval_scores(
    actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float
) -> dict[str, Any]:
    """Coverage (should be near ``level``), mean pinball loss of both bounds, relative width."""
    tail = (1.0 - level) / 2.0
    return {
        "level": level,
        "n": len(actual),
        "coverage": float(np.mean((lower <= actual) & (actual <= upper))),
        "pinball": (pinball(actual, lower, tail) + pinball(actual, upper, 1.0 - tail)) / 2.0,
        "mean_width_pct": float(np.mean((upper - lower) / actual) * 100.0),
    }
