"""Walk-forward backtest of a config: the LSTM and every baseline, refitted before each fold."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.walkforward import FoldOptions, WalkForward

if TYPE_CHECKING:
    from typing_extensions import Unpack


def walk_forward(
    history: PriceHistory,
    config: ForecastConfig,
    *,
    progress: bool = False,
    **options: Unpack[FoldOptions],
) -> WalkForward:
    """Every forecast of the LSTM and the baselines, fitted before each fold (or once)."""
    return Forecaster(config, progress=progress).walk_forward(history, **options)


def backtest(
    history: PriceHistory,
    config: ForecastConfig,
    *,
    progress: bool = False,
    **options: Unpack[FoldOptions],
) -> pd.DataFrame:
    """Walk-forward metrics as a tidy table (fold, model, step, metric, value).

    Examples
    --------
    >>> from stockpred import ForecastConfig, load_prices
    >>> from stockpred.evaluation.backtest import backtest
    >>> cfg = ForecastConfig(window=10, hidden=8, layers=1, epochs=2, device="cpu")
    >>> table = backtest(load_prices("MSFT", start="2011-01-01"), cfg, folds=2)
    >>> sorted(table["model"].unique())
    ['arima', 'drift', 'exp_smoothing', 'linear_ar', 'lstm', 'lstm_raw', 'moving_average', 'naive', 'theta']
    """
    return walk_forward(history, config, progress=progress, **options).metrics()
