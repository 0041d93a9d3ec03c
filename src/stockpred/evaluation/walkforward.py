"""Walk-forward evaluation over any models: K consecutive test windows, each forecast by
models fitted before it.

For every fold each model's unfitted copy (``new()``) is fitted on a copy of the history
that *ends* before the fold's first test session, so nothing from the test window can
reach it. Each fold is then forecast in one batched pass over its origins; step ``h``
scores every test session of the fold from the origin ``h`` sessions earlier, so every
model and every step is scored on the same days. Nothing here names a concrete model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal, Protocol, TypedDict

import numpy as np
import pandas as pd

from stockpred.backend import Backend, InProcess
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.metrics import METRICS, point_metrics
from stockpred.exceptions import ConfigError
from stockpred.models.base import Model, all_forecasts, forecast_names, interval_bands
from stockpred.splits import Fold, Mode, Split, plan_folds
from stockpred.stats import naive_scale

Refit = Literal["each", "once"]


class FoldGate(Protocol):
    """A fitted model's validation gate (``models.gate.Gate``), known here by its shape only."""

    @property
    def open(self) -> bool:
        """The network beat naive on validation."""

    @property
    def p_value(self) -> float:
        """DM p-value that the network's validation loss is below naive's."""

    @property
    def alpha(self) -> float:
        """Weight kept of the network's predicted move."""


# A fold's rows (one frame a step) and its models' validation gates.
FoldPart = tuple[list[pd.DataFrame], list[FoldGate]]
# A fold's number and its part (a backend may return the folds in any order).
FoldRows = tuple[int, FoldPart]


class FoldOptions(TypedDict, total=False):
    """How a walk-forward backtest cuts its folds, as the convenience entry points take them."""

    folds: int
    mode: Mode
    refit: Refit
    horizon: int | None
    backend: Backend | None


@dataclass
class WalkForward:
    """Every fold's forecasts, one row per (fold, step, test session), models as columns."""

    ticker: str
    mode: Mode
    refit: Refit
    folds: list[Fold]
    models: list[str]
    horizon: int
    interval: float
    interval_method: str
    forecasts: pd.DataFrame  # fold, step, date, origin, actual, previous, scale, models…
    loss: str = "mae"  # the verdict's loss (ForecastConfig.loss)
    gates: list[FoldGate] = field(default_factory=list)  # validation gates, fold by fold

    def metrics(self) -> pd.DataFrame:
        """The tidy table: fold (1..K, or "all" pooled), model, step, metric, value."""
        rows = []
        groups: list[tuple[object, pd.DataFrame]] = list(self.forecasts.groupby("fold"))
        groups.append(("all", self.forecasts))
        for fold, part in groups:
            for step, cell in part.groupby("step"):
                actual, prev = cell["actual"].to_numpy(), cell["previous"].to_numpy()
                scale = cell["scale"].to_numpy()
                for model in self.models:
                    scores = point_metrics(actual, cell[model].to_numpy(), prev, scale)
                    rows += [(fold, model, step, m, scores[m]) for m in METRICS]
        return pd.DataFrame(rows, columns=["fold", "model", "step", "metric", "value"])

    def one_step(self) -> pd.DataFrame:
        """Pooled one-step forecasts in date order: what the tests and the trading rule read."""
        return self.forecasts[self.forecasts["step"] == 1].set_index("date")


def forecast_folds(
    history: PriceHistory,
    models: Sequence[Model],
    config: ForecastConfig,
    *,
    folds: int = 5,
    mode: Mode = "expanding",
    refit: Refit = "each",
    backend: Backend | None = None,
) -> WalkForward:
    """Fit fresh copies of ``models`` before each fold (or once), forecast it, keep every forecast.

    With ``refit="each"`` the folds are independent, so a ``backend`` (Ray tasks, say) may
    run them anywhere and in any order: they are put back in fold order. Without one they
    run here, one after another.
    """
    if refit not in ("each", "once"):
        raise ConfigError(f"unknown refit {refit!r}; use each or once")
    plan = plan_folds(len(history), config, folds, mode)
    if refit == "each":
        one_fold = partial(_refit_fold, history, tuple(models), config.horizon)
        done = (backend or InProcess()).map(one_fold, plan)
        parts = [fold_part for _, fold_part in sorted(done, key=lambda numbered: numbered[0])]
    else:
        fitted, scale = _fit_before(history, plan[0], models)
        parts = [_forecast_fold(history, fitted, scale, config.horizon, fold) for fold in plan]
    return WalkForward(
        history.ticker,
        mode,
        refit,
        plan,
        [name for m in models for name in forecast_names(m)],
        config.horizon,
        config.interval,
        config.interval_method,
        pd.concat([frame for rows, _ in parts for frame in rows], ignore_index=True),
        config.loss,
        [gate for _, gates in parts for gate in gates],
    )


def _refit_fold(history: PriceHistory, models: Sequence[Model], h_max: int, fold: Fold) -> FoldRows:
    """One fold on its own (a task a backend can run): fit before it, forecast it."""
    fitted, scale = _fit_before(history, fold, models)
    return fold.number, _forecast_fold(history, fitted, scale, h_max, fold)


def _forecast_fold(
    history: PriceHistory, fitted: Sequence[Model], scale: float, h_max: int, fold: Fold
) -> FoldPart:
    """Every step's forecasts of the fold's test sessions, in one batched pass a model."""
    origins = np.arange(fold.test_start - h_max, fold.test_end - 1)
    preds = {
        name: forecast
        for m in fitted
        for name, forecast in all_forecasts(m, history, origins, h_max).items()
    }
    bands = {
        label: pair
        for m in fitted
        for label, pair in interval_bands(m, preds[m.name], history.prices, origins).items()
    }
    gates = [g for m in fitted if (g := getattr(m, "gate_", None)) is not None]
    rows = [
        _step_rows(history, fold, origins, preds, bands, scale, step)
        for step in range(1, h_max + 1)
    ]
    return rows, gates


def _fit_before(
    history: PriceHistory, fold: Fold, models: Sequence[Model]
) -> tuple[list[Model], float]:
    """Copies fitted on a history cut at the fold's first test session: no test price exists."""
    past = replace(history, frame=history.frame.iloc[fold.fit_start : fold.test_start])
    split = Split(fold.train_end - fold.fit_start, len(past), len(past))
    fitted = [model.new().fit(past, split) for model in models]
    return fitted, naive_scale(past.prices, split.train_end)


def _step_rows(
    history: PriceHistory,
    fold: Fold,
    origins: np.ndarray,
    preds: dict[str, np.ndarray],
    bands: dict[str, tuple[np.ndarray, np.ndarray]],
    scale: float,
    step: int,
) -> pd.DataFrame:
    """Step ``step``'s forecasts of every observed test session of the fold, with intervals.

    Sessions cleaning filled in are left out: a copied price is no move to forecast.
    """
    first = len(origins) - (fold.test_end - fold.test_start) - step + 1
    rows = slice(first, first + fold.test_end - fold.test_start)
    o = origins[rows]
    bounds: dict[str, np.ndarray] = {}
    for label, (lower, upper) in bands.items():
        bounds |= {f"{label}_lower": lower[rows, step - 1], f"{label}_upper": upper[rows, step - 1]}
    table = pd.DataFrame(
        {
            "fold": fold.number,
            "step": step,
            "date": history.dates[o + step],
            "origin": o,
            "actual": history.prices[o + step],
            "previous": history.prices[o],
            "scale": scale,
            **{name: p[rows, step - 1] for name, p in preds.items()},
            **bounds,
        }
    )
    return table[history.observed[o + step]].reset_index(drop=True)
