"""Metrics on the price scale, for every model on exactly the same test sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stockpred.artifacts import to_json
from stockpred.evaluation.intervals import IntervalComparison
from stockpred.evaluation.lag import LagCheck, lag_check
from stockpred.models.base import LSTM, LSTM_RAW
from stockpred.stats import (
    ALPHA,
    DMResult,
    Loss,
    diebold_mariano,
    directions,
)

if TYPE_CHECKING:
    from stockpred.models.gate import Gate
# The config's loss names (what the sentence quotes) and the DM test's names for them.
DM_LOSS: dict[str, Loss] = {"mae": "absolute", "mse": "squared"}

METRICS = ("mse", "rmse", "mae", "mape", "mase", "directional_accuracy", "moved_share")


def dm_verdict(ticker: str, dm: DMResult, model: str = LSTM, against: str = "naive") -> str:
    """One sentence with the p-value of the claim it makes; a loss is said as plainly as a win."""
    name = model.upper() if model == LSTM else model
    if dm.p_better < ALPHA:
        return f"{name} beats the {against} forecast on {ticker} (DM p = {dm.p_better:.2g})"
    if dm.p_worse < ALPHA:
        return (
            f"{name} does worse than the {against} forecast on {ticker} (DM p = {dm.p_worse:.2g})"
        )
    return f"{name} does not beat the {against} forecast on {ticker} (DM p = {dm.p_better:.2g})"


def directional_accuracy(actual: np.ndarray, pred: np.ndarray, prev: np.ndarray) -> float | None:
    """Share of right signs over the sessions where the forecast moved (and the price did).

    A forecast of no move (a shut gate, the naive forecast) has no direction: it is neither
    a hit nor a miss, as in the binomial and Pesaran–Timmermann tests, which read the same
    sessions (``stats.directions``); :func:`moved_share` says how often it moved. ``None``
    when it never did.
    """
    up_actual, up_pred = directions(actual, pred, prev)
    return float(np.mean(up_actual == up_pred)) if len(up_actual) else None


def moved_share(pred: np.ndarray, prev: np.ndarray) -> float | None:
    """Share of sessions whose forecast moved from the previous price: the sessions
    directional accuracy is measured on (besides flat price days)."""
    return float(np.mean(pred != prev)) if len(pred) else None


def point_metrics(
    actual: np.ndarray, pred: np.ndarray, prev: np.ndarray, scale: float | np.ndarray
) -> dict[str, float | None]:
    """MSE, RMSE, MAE, MAPE (percent), MASE, directional accuracy and moved share of one forecast.

    ``scale`` may vary by session (pooled backtest folds each have their own training span).
    """
    err = pred - actual
    mse = float(np.mean(err**2))
    mae = float(np.mean(np.abs(err)))
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": mae,
        "mape": float(np.mean(np.abs(err / actual)) * 100.0),
        "mase": float(np.mean(np.abs(err) / scale)) if np.all(scale > 0) else None,
        "directional_accuracy": directional_accuracy(actual, pred, prev),
        "moved_share": moved_share(pred, prev),
    }


@dataclass
class Evaluation:
    """One-step test results: a metrics table and the per-session forecasts behind it."""

    ticker: str
    table: pd.DataFrame  # index: model; columns: METRICS
    predictions: pd.DataFrame  # index: date; columns: actual, previous, one per model
    lag: LagCheck | None = None  # lag detector on the network's own forecasts (lag.lag_check)
    loss: str = "mae"  # the verdict's loss: its DM test and the numbers it quotes
    filled_left_out: int = 0  # test sessions cleaning filled in: inputs, never scored
    gate: Gate | None = None  # the LSTM's validation gate and shrinkage (models.gate)
    intervals: IntervalComparison | None = None  # interval methods compared on the test days

    @property
    def test_start(self) -> str:
        """First session whose price is forecast."""
        return str(self.predictions.index[0].date())

    @property
    def test_end(self) -> str:
        """Last session whose price is forecast."""
        return str(self.predictions.index[-1].date())

    def mae_ratio(self, model: str = LSTM) -> float:
        """Model MAE divided by naive MAE: below 1 beats the random walk."""
        return float(self.table.loc[model, "mae"] / self.table.loc["naive", "mae"])

    def dm_vs_naive(self, model: str = LSTM, loss: Loss = "squared") -> DMResult:
        """Diebold–Mariano test of the model's one-step errors against the naive forecast's."""
        actual = self.predictions["actual"].to_numpy()
        return diebold_mariano(
            self.predictions[model].to_numpy() - actual,
            self.predictions["naive"].to_numpy() - actual,
            loss=loss,
        )

    def beats_naive(self, model: str = LSTM) -> bool:
        """True only when the model's losses are significantly below naive's (DM, self.loss)."""
        return self.dm_vs_naive(model, DM_LOSS[self.loss]).p_better < ALPHA

    def verdict(self, model: str = LSTM) -> str:
        """One plain sentence: the DM p-value and the numbers it quotes share one loss."""
        ours, naive = self.table.loc[model, self.loss], self.table.loc["naive", self.loss]
        change = f"{(ours / naive - 1) * 100:+.1f}%"
        dm = self.dm_vs_naive(model, DM_LOSS[self.loss])
        return (
            f"{dm_verdict(self.ticker, dm, model)}: {self.loss.upper()} {ours:.4g} vs "
            f"{naive:.4g} ({change}) over {len(self.predictions)} test sessions"
        )

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json contract: test span, sizes and every model's metrics."""
        models = {
            name: {m: _json_number(self.table.loc[name, m]) for m in METRICS}
            for name in self.table.index
        }
        has_lstm = LSTM in self.table.index
        return {
            "ticker": self.ticker,
            "test_start": self.test_start,
            "test_end": self.test_end,
            "n_test": len(self.predictions),
            "filled_sessions_left_out": self.filled_left_out,
            "loss": self.loss,
            "models": models,
            "lstm_beats_naive": self.beats_naive() if has_lstm else None,
            "dm_vs_naive": {
                loss: self.dm_vs_naive(LSTM, loss).to_dict() for loss in ("squared", "absolute")
            }
            if has_lstm
            else None,
            "verdict": self.verdict() if has_lstm else None,
            "lag_detector": None if self.lag is None else to_json(self.lag),
            "gate": None if self.gate is None else self.gate.to_dict(),
            "intervals": None if self.intervals is None else to_json(self.intervals),
        }


def _json_number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def evaluate_forecasts(
    ticker: str,
    dates: pd.DatetimeIndex,
    prices: np.ndarray,
    origins: np.ndarray,
    forecasts: dict[str, np.ndarray],
    scale: float,
    *,
    observed: np.ndarray | None = None,
    loss: str = "mae",
    gate: Gate | None = None,
) -> Evaluation:
    """Score one-step forecasts made at ``origins`` for sessions ``origins + 1``.

    Sessions cleaning filled in (``observed`` False) have no move of their own: they are
    left out, so a model is never credited for "predicting" a copied price.
    """
    keep = np.ones(len(origins), bool) if observed is None else observed[origins + 1]
    origins, forecasts = origins[keep], {name: pred[keep] for name, pred in forecasts.items()}
    actual, prev = prices[origins + 1], prices[origins]
    rows = {name: point_metrics(actual, pred, prev, scale) for name, pred in forecasts.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)]
    predictions = pd.DataFrame(
        {"actual": actual, "previous": prev, **forecasts}, index=dates[origins + 1]
    )
    predictions.index.name = "date"
    # The lag detector asks whether the network merely echoes yesterday's price, so it reads
    # the network's own forecasts: a shut gate's forecast is yesterday's price by design.
    network = LSTM_RAW if LSTM_RAW in forecasts else LSTM
    lag = (
        lag_check(prices, origins + 1, forecasts[network], "The network's forecast")
        if network in forecasts
        else None
    )
    return Evaluation(ticker, table, predictions, lag, loss, int((~keep).sum()), gate)
