"""Walk-forward backtest: K consecutive test windows, each forecast by models fitted before it.

For every fold the scaler, the LSTM and the baselines are fitted on a copy of the history
that *ends* before the fold's first test session, so nothing from the test window can
reach them. Each fold is then forecast in one batched pass over its origins; step ``h``
scores every test session of the fold from the origin ``h`` sessions earlier, so every
model and every step is scored on the same days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory
from stockpred.evaluation.intervals import interval_bounds
from stockpred.evaluation.metrics import METRICS, naive_scale, point_metrics
from stockpred.exceptions import ConfigError, InsufficientHistory
from stockpred.features import MIN_TEST_SESSIONS, Split, check_history
from stockpred.models.baselines import OriginForecaster, default_baselines
from stockpred.models.forecaster import Forecaster

Mode = Literal["expanding", "rolling"]
Refit = Literal["each", "once"]

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
        raise ConfigError("--folds must be at least 1")
    if mode not in ("expanding", "rolling"):
        raise ConfigError(f"unknown mode {mode!r}; use expanding or rolling")
    size = round(n * BACKTEST_SHARE) // folds
    if size < MIN_TEST_SESSIONS:
        raise InsufficientHistory(
            f"{folds} folds over the last half of {n} sessions leave {size} test sessions "
            f"per fold (at least {MIN_TEST_SESSIONS} needed); use fewer --folds"
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
    forecasts: pd.DataFrame  # fold, step, date, origin, actual, previous, scale, models…
    loss: str = "mae"  # the verdict's loss (ForecastConfig.loss)

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


def walk_forward(
    history: PriceHistory,
    config: ForecastConfig,
    *,
    folds: int = 5,
    mode: Mode = "expanding",
    refit: Refit = "each",
    horizon: int | None = None,
    progress: bool = False,
) -> WalkForward:
    """Fit before each fold (or once, before the first), forecast it, keep every forecast."""
    if refit not in ("each", "once"):
        raise ConfigError(f"unknown refit {refit!r}; use each or once")
    cfg = config if horizon is None else config.model_copy(update={"horizon": horizon})
    h_max = cfg.horizon
    plan = plan_folds(len(history), cfg, folds, mode)
    parts = []
    models: list[OriginForecaster] = []
    for fold in plan:
        if refit == "each" or not models:
            models, quantiles, scale = _fit_before(history, fold, cfg, progress)
        origins = np.arange(fold.test_start - h_max, fold.test_end - 1)
        preds = {m.name: m.predict_origins(history, origins, h_max) for m in models}
        parts += [
            _step_rows(history, fold, origins, preds, quantiles, scale, step)
            for step in range(1, h_max + 1)
        ]
    return WalkForward(
        history.ticker,
        mode,
        refit,
        plan,
        [m.name for m in models],
        h_max,
        cfg.interval,
        pd.concat(parts, ignore_index=True),
        cfg.loss,
    )


def _fit_before(
    history: PriceHistory, fold: Fold, cfg: ForecastConfig, progress: bool
) -> tuple[list[OriginForecaster], list[float], float]:
    """Models fitted on a history cut at the fold's first test session: no test price exists."""
    past = replace(history, frame=history.frame.iloc[fold.fit_start : fold.test_start])
    split = Split(fold.train_end - fold.fit_start, len(past), len(past))
    lstm = Forecaster(cfg).fit(past, split=split, progress=progress)
    models: list[OriginForecaster] = [lstm]
    models += [m.fit(past, split) for m in default_baselines(cfg)]
    return models, lstm.residual_quantiles_, naive_scale(past.prices, split.train_end)


def _step_rows(
    history: PriceHistory,
    fold: Fold,
    origins: np.ndarray,
    preds: dict[str, np.ndarray],
    quantiles: list[float],
    scale: float,
    step: int,
) -> pd.DataFrame:
    """Step ``step``'s forecasts of every observed test session of the fold, with the interval.

    Sessions cleaning filled in are left out: a copied price is no move to forecast.
    """
    first = preds["lstm"].shape[1] - step  # origins start ``horizon`` sessions before the fold
    rows = slice(first, first + fold.test_end - fold.test_start)
    o = origins[rows]
    lower, upper = interval_bounds(preds["lstm"][rows, step - 1], quantiles, step)
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
            "lstm_lower": lower,
            "lstm_upper": upper,
        }
    )
    return table[history.observed[o + step]].reset_index(drop=True)


def backtest(
    history: PriceHistory,
    config: ForecastConfig,
    *,
    folds: int = 5,
    mode: Mode = "expanding",
    refit: Refit = "each",
    horizon: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Walk-forward metrics as a tidy table (fold, model, step, metric, value).

    Examples
    --------
    >>> from stockpred import ForecastConfig, load_prices
    >>> from stockpred.evaluation.backtest import backtest
    >>> cfg = ForecastConfig(window=10, hidden=8, layers=1, epochs=2, device="cpu")
    >>> table = backtest(load_prices("MSFT", start="2011-01-01"), cfg, folds=2)
    >>> sorted(table["model"].unique())
    ['drift', 'linear_ar', 'lstm', 'moving_average', 'naive']
    """
    return walk_forward(
        history, config, folds=folds, mode=mode, refit=refit, horizon=horizon, progress=progress
    ).metrics()
