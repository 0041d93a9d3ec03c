"""Walk-forward backtest of a config: the LSTM and every baseline, refitted before each fold."""

from __future__ import annotations

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.walkforward import FoldMapper, Refit, WalkForward
from stockpred.models.forecaster import Forecaster
from stockpred.splits import Mode


def walk_forward(
    history: PriceHistory,
    config: ForecastConfig,
    *,
    folds: int = 5,
    mode: Mode = "expanding",
    refit: Refit = "each",
    horizon: int | None = None,
    progress: bool = False,
    map_folds: FoldMapper | None = None,
) -> WalkForward:
    """Every forecast of the LSTM and the baselines, fitted before each fold (or once)."""
    fc = Forecaster(config, progress=progress)
    return fc.walk_forward(
        history, folds=folds, mode=mode, refit=refit, horizon=horizon, map_folds=map_folds
    )


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
