"""The holdout comparison: a fitted LSTM beside every baseline on the sessions after validation.

Every model forecasts the same sessions one step ahead; the baselines are fitted on the same
training span the LSTM was, and every interval method surrounds the same point forecasts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.evaluation.intervals import (
    IntervalComparison,
    compare_intervals,
    volatility_thirds,
)
from stockpred.evaluation.metrics import Evaluation, evaluate_forecasts
from stockpred.exceptions import DataError
from stockpred.models.base import all_forecasts
from stockpred.models.baselines import default_baselines
from stockpred.splits import Split

if TYPE_CHECKING:
    from stockpred.models.forecaster import LSTMForecaster


def evaluate_holdout(fc: LSTMForecaster, history: PriceHistory) -> Evaluation:
    """Score ``fc`` (gated and raw) and the baselines on every session after validation."""
    train_end, val_end = _spans(fc, history)
    origins = np.arange(val_end - 1, len(history) - 1)
    forecasts = {name: f[:, 0] for name, f in all_forecasts(fc, history, origins, 1).items()}
    split = Split(train_end, val_end, len(history))
    for model in default_baselines(fc.config):
        model.fit(history, split)
        forecasts[model.name] = model.predict_origins(history, origins, 1)[:, 0]
    evaluation = evaluate_forecasts(
        history.ticker,
        history.dates,
        history.prices,
        origins,
        forecasts,
        fc.meta_.naive_mae_train,
        gate=fc.gate_,
        observed=history.observed,
        loss=fc.config.loss,
    )
    evaluation.intervals = interval_comparison(fc, history, origins, forecasts[fc.name])
    return evaluation


def _spans(fc: LSTMForecaster, history: PriceHistory) -> tuple[int, int]:
    """Where the model's training and validation spans end in ``history`` (checked unchanged)."""
    dates, meta = history.dates, fc.meta_
    val_end = int(dates.searchsorted(pd.Timestamp(meta.val_end_date), side="right"))
    train_end = int(dates.searchsorted(pd.Timestamp(meta.train_end_date), side="right"))
    if history.fingerprint(train_end) != meta.train_sha256:
        raise DataError(
            "these prices differ from the ones the model was trained on in its training span; "
            "evaluate with the same data source, or retrain"
        )
    if val_end >= len(history):
        raise DataError("no sessions after the validation span to test on; give a longer history")
    return train_end, val_end


def interval_comparison(
    fc: LSTMForecaster, history: PriceHistory, origins: np.ndarray, point: np.ndarray
) -> IntervalComparison:
    """The fitted interval methods around the one-step ``point`` forecasts, scored on the same
    days: the forecast's beside the constant one, or every method when compared."""
    prices, intervals = history.prices, fc.intervals_
    bands: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for method in intervals.methods:
        lower, upper = intervals.bounds(method, point[:, None], prices, origins)
        bands[method] = lower[:, 0], upper[:, 0]
    thirds = volatility_thirds(prices, origins)
    level = fc.config.interval
    return IntervalComparison(
        level,
        fc.config.interval_method,
        intervals.compared,
        compare_intervals(prices[origins + 1], bands, thirds, level),
    )
