"""How honest are the prediction intervals? Empirical coverage and pinball loss."""

from __future__ import annotations

from typing import Any

import numpy as np


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
