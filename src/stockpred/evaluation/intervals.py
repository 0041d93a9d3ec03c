"""How honest are the prediction intervals? Empirical coverage and pinball loss."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class IntervalScores:
    """How honest one interval was over ``n`` sessions (widths in percent of the price)."""

    level: float
    n: int
    coverage: float  # should be near ``level``
    pinball: float  # mean pinball loss of both bounds
    mean_width_pct: float


@dataclass(frozen=True)
class MethodScores:
    """One interval method on the test days: coverage overall and per volatility third."""

    coverage: float
    coverage_by_volatility_third: tuple[float | None, ...]  # calm, middle, storm
    # so coverage can be pooled over tickers, each weighted by its sessions
    n_by_volatility_third: tuple[int, ...]
    mean_width_pct: float
    winkler_pct: float


@dataclass(frozen=True)
class IntervalComparison:
    """The fitted interval methods around the same one-step forecasts of the test days."""

    level: float
    default: str  # the forecast's method (--interval-method)
    compared: bool  # every method fitted (--compare-intervals), not just default and constant
    methods: dict[str, MethodScores]


def pinball(actual: np.ndarray, quantile: np.ndarray, tau: float) -> float:
    """Mean quantile (pinball) loss of ``quantile`` as the ``tau`` quantile of ``actual``."""
    diff = actual - quantile
    return float(np.mean(np.maximum(tau * diff, (tau - 1.0) * diff)))


def interval_scores(
    actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float
) -> IntervalScores:
    """Coverage (should be near ``level``), mean pinball loss of both bounds, relative width."""
    tail = (1.0 - level) / 2.0
    return IntervalScores(
        level=level,
        n=len(actual),
        coverage=float(np.mean((lower <= actual) & (actual <= upper))),
        pinball=(pinball(actual, lower, tail) + pinball(actual, upper, 1.0 - tail)) / 2.0,
        mean_width_pct=float(np.mean((upper - lower) / actual) * 100.0),
    )


# Sessions in the realised-volatility window that sorts test days into calm, middling, storm.
VOL_WINDOW = 20


def winkler(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> np.ndarray:
    """Winkler (1972) interval score per session: width plus 2/(1-level) × any miss distance."""
    penalty = 2.0 / (1.0 - level)
    below, above = np.maximum(lower - actual, 0.0), np.maximum(actual - upper, 0.0)
    out: np.ndarray = (upper - lower) + penalty * (below + above)
    return out


def volatility_thirds(prices: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """0, 1, 2: the tercile of realised volatility over the ``VOL_WINDOW`` sessions up to each origin.

    The window ends where the forecast is made: a window that held the forecast day itself
    would put every large miss in the storm third by construction (even the true GARCH
    model covers only ~73 % there on a simulated GARCH series).
    """
    returns = np.concatenate([[0.0], np.diff(np.log(prices))])
    squares = np.concatenate([[0.0], np.cumsum(returns**2)])
    lo = np.maximum(origins + 1 - VOL_WINDOW, 1)
    vol = np.sqrt((squares[origins + 1] - squares[lo]) / np.maximum(origins + 1 - lo, 1))
    edges = np.quantile(vol, [1 / 3, 2 / 3])
    thirds: np.ndarray = np.searchsorted(edges, vol, side="right")
    return thirds


def compare_intervals(
    actual: np.ndarray,
    bands: dict[str, tuple[np.ndarray, np.ndarray]],
    thirds: np.ndarray,
    level: float,
) -> dict[str, MethodScores]:
    """Coverage overall and per volatility third, mean width and Winkler score (% of price)."""
    out = {}
    for method, (lower, upper) in bands.items():
        covered = (lower <= actual) & (actual <= upper)
        out[method] = MethodScores(
            coverage=float(covered.mean()),
            coverage_by_volatility_third=tuple(
                float(covered[thirds == k].mean()) if (thirds == k).any() else None
                for k in range(3)
            ),
            n_by_volatility_third=tuple(int((thirds == k).sum()) for k in range(3)),
            mean_width_pct=float(np.mean((upper - lower) / actual) * 100.0),
            winkler_pct=float(np.mean(winkler(actual, lower, upper, level) / actual) * 100.0),
        )
    return out


def shown_intervals(default: str, compared: bool, option: str = "compare_intervals=True") -> str:
    """Which methods an interval table holds, in words: every one only when compared
    (``option``: how the reader asks for that)."""
    if compared:
        return f"every interval method, the forecast's ({default}) among them"
    beside = "" if default == "constant" else " beside the constant interval it is compared with"
    return f"the forecast's interval ({default}){beside}; {option} scores every method"


def interval_frame(methods: Mapping[str, MethodScores]) -> pd.DataFrame:
    """The comparison as a table (method × coverage, per third, width, Winkler), in percent."""
    rows = {
        method: {
            "coverage %": 100 * s.coverage,
            **{
                f"{name} third %": np.nan if c is None else 100 * c
                for name, c in zip(
                    ("calm", "middle", "storm"), s.coverage_by_volatility_third, strict=True
                )
            },
            "mean width %": s.mean_width_pct,
            "Winkler %": s.winkler_pct,
        }
        for method, s in methods.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "interval"
    return frame
