"""Forecaster: the estimator users call — fit, evaluate, predict, save, load.

The model itself (fit, predict, save, load) is :class:`LSTMForecaster` in ``models``, the
layer below; the methods that score it live here, beside the evaluation they call, as
scikit-learn keeps ``cross_validate`` outside its estimators and ``GridSearchCV`` in
``model_selection``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.backend import Backend
from stockpred.data.history import PriceHistory, as_history
from stockpred.evaluation.holdout import evaluate_holdout
from stockpred.evaluation.metrics import Evaluation
from stockpred.evaluation.walkforward import Refit, WalkForward, forecast_folds
from stockpred.models.base import blas_threads
from stockpred.models.forecaster import LSTMForecaster, default_models
from stockpred.run_folder import output_folder
from stockpred.splits import Mode

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from stockpred.evaluation.walkforward import FoldOptions


def evaluate(model: LSTMForecaster, prices: PriceHistory | pd.DataFrame) -> Evaluation:
    """A fitted LSTM's one-step forecasts of every session after validation, beside the
    baselines (a global model's ticker too)."""
    model._check_fitted()
    with blas_threads(model.config.threads):
        return evaluate_holdout(model, as_history(prices, model.meta_.exchange))


class Forecaster(LSTMForecaster):
    """An LSTM price forecaster that follows the scikit-learn estimator contract.

    ``__init__`` only stores the config; learned state ends in ``_``; ``predict`` and
    ``evaluate`` refuse to run before ``fit`` (or ``load``).

    Examples
    --------
    >>> from stockpred import Forecaster, ForecastConfig, load_prices
    >>> prices = load_prices("MSFT")
    >>> fc = Forecaster(ForecastConfig(epochs=2, hidden=8)).fit(prices, progress=False)
    >>> len(fc.predict(prices, days=5))
    5
    """

    def save(self, path: str | Path) -> Path:
        """The model folder, written whole or not at all under the output-folder policy
        (marked as stockpred's; a folder of the user's is refused, never replaced)."""
        with output_folder(Path(path), "model") as tmp:
            super().save(tmp)
        return Path(path)

    def evaluate(self, prices: PriceHistory | pd.DataFrame) -> Evaluation:
        """One-step forecasts of every session after validation, beside the baselines."""
        return evaluate(self, prices)

    def walk_forward(
        self,
        prices: PriceHistory | pd.DataFrame,
        *,
        folds: int = 5,
        mode: Mode = "expanding",
        refit: Refit = "each",
        horizon: int | None = None,
        backend: Backend | None = None,
    ) -> WalkForward:
        """Every forecast of a walk-forward backtest of this config beside the baselines.

        Fresh models are fitted before each fold; this forecaster's own weights are unused.
        A ``backend`` runs the folds elsewhere, e.g. as Ray tasks.
        """
        cfg = (
            self.config if horizon is None else self.config.model_copy(update={"horizon": horizon})
        )
        models = default_models(cfg, progress=self.progress)
        return forecast_folds(
            as_history(prices),
            models,
            cfg,
            folds=folds,
            mode=mode,
            refit=refit,
            backend=backend,
        )

    def backtest(
        self,
        prices: PriceHistory | pd.DataFrame,
        *,
        progress: bool = False,
        **options: Unpack[FoldOptions],
    ) -> pd.DataFrame:
        """Walk-forward metrics of this config: tidy (fold, model, step, metric, value).

        Examples
        --------
        >>> from stockpred import Forecaster, ForecastConfig, load_prices
        >>> cfg = ForecastConfig(window=10, hidden=8, layers=1, epochs=2, device="cpu")
        >>> table = Forecaster(cfg).backtest(load_prices("MSFT", start="2011-01-01"), folds=2)
        >>> sorted(table["model"].unique())
        ['arima', 'drift', 'exp_smoothing', 'linear_ar', 'lstm', 'lstm_raw', 'moving_average', 'naive', 'theta']
        """
        quiet = Forecaster(self.config, progress=progress)
        return quiet.walk_forward(prices, **options).metrics()
