"""Honesty at scale: the leaderboard with FDR-adjusted DM p-values.

With 50 tickers, two or three will "beat" naive at p < 0.05 by chance alone; the
Benjamini–Hochberg adjustment (per model, across the universe's tickers) says how many
survive. The DM test is the per-ticker verdict's own (``stockpred.stats``), under the
verdict's loss, so a ticker's page and its leaderboard row never disagree. The
cross-sectional figures are in ``universe.book``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from stockpred.evaluation.metrics import DM_LOSS
from stockpred.models.base import LSTM, LSTM_RAW
from stockpred.models.global_lstm import NAME as GLOBAL
from stockpred.stats import ALPHA, diebold_mariano

LEADERBOARD_COLUMNS = (
    "ticker",
    "model",
    "n_test",
    "mae",
    "rmse",
    "mase",
    "directional_accuracy",
    "moved_share",
    "mae_vs_naive",
    "dm_p",
    "dm_q",
)
# The words a sentence uses for each verdict loss (``ForecastConfig.loss``).
LOSS_WORDS = {"mae": "absolute error", "mse": "squared error"}
GLOBAL_RAW = f"{GLOBAL}_raw"  # the global network before its gate: not the per-ticker lstm_raw
LABELS = {  # the learned models the sentences speak of, in their order
    LSTM: "the per-ticker LSTM",
    LSTM_RAW: "the per-ticker LSTM ungated",
    GLOBAL: "the global LSTM",
    GLOBAL_RAW: "the global LSTM ungated",
}


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (q-values); NaN stays NaN and is not counted as a test."""
    from scipy.stats import false_discovery_control

    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        q[tested] = false_discovery_control(p[tested], method="bh")
    return q


@dataclass(frozen=True)
class Row:
    """One model on one ticker: a leaderboard row before the FDR adjustment."""

    ticker: str
    model: str
    n_test: int
    mae: float
    rmse: float
    mase: float
    directional_accuracy: float
    moved_share: float
    mae_vs_naive: float
    dm_p: float  # NaN for naive itself


def ticker_rows(
    ticker: str, table: pd.DataFrame, predictions: pd.DataFrame, loss: str
) -> list[Row]:
    """One leaderboard row a model: metrics, MAE ÷ naive and the one-sided DM p vs naive
    under ``loss`` (the verdict's: ``mae`` or ``mse``)."""
    actual = predictions["actual"].to_numpy()
    naive_error = predictions["naive"].to_numpy() - actual
    naive_mae = float(table.loc["naive", "mae"])
    rows = []
    for model, metrics in table.iterrows():
        p = (
            np.nan
            if model == "naive"
            else diebold_mariano(
                predictions[model].to_numpy() - actual, naive_error, loss=DM_LOSS[loss]
            ).p_better
        )
        rows.append(
            Row(
                ticker,
                str(model),
                len(predictions),
                metrics["mae"],
                metrics["rmse"],
                metrics["mase"],
                metrics["directional_accuracy"],
                metrics["moved_share"],
                metrics["mae"] / naive_mae,
                p,
            )
        )
    return rows


def leaderboard(rows: list[Row]) -> pd.DataFrame:
    """All tickers' rows with ``dm_q``: BH across tickers, separately for each model."""
    board = pd.DataFrame([asdict(r) for r in rows], columns=list(LEADERBOARD_COLUMNS[:-1]))
    board["dm_q"] = np.nan
    for _, idx in board.groupby("model").groups.items():
        board.loc[idx, "dm_q"] = benjamini_hochberg(board.loc[idx, "dm_p"].to_numpy(float))
    return board.sort_values(["ticker", "mae_vs_naive"]).reset_index(drop=True)


def loss_vs_naive(board: pd.DataFrame, loss: str) -> pd.Series:
    """Each row's loss ÷ its ticker's naive loss: MAE ÷ naive, or MSE ÷ naive (RMSE² ÷ RMSE²)."""
    if loss == "mae":
        return board["mae_vs_naive"]
    naive = board[board["model"] == "naive"].set_index("ticker")["rmse"]
    return (board["rmse"] / board["ticker"].map(naive)) ** 2


@dataclass(frozen=True)
class ModelSummary:
    """One model across the universe, under the verdict's loss (universe.json's ``models``)."""

    tickers: int
    median_loss_vs_naive: float
    share_at_or_below_naive: float
    beats_naive_p05: int  # significant wins before the FDR adjustment
    beats_naive_after_fdr: int


def model_summary(board: pd.DataFrame, loss: str) -> dict[str, ModelSummary]:
    """Per model, under the verdict's ``loss``: median loss ÷ naive, share at or below 1,
    significant wins before/after FDR."""
    out = {}
    ratios = loss_vs_naive(board, loss)
    for model, rows in board[board["model"] != "naive"].groupby("model"):  # by name, not ticker
        ratio = ratios.loc[rows.index]
        out[str(model)] = ModelSummary(
            len(rows),
            float(ratio.median()),
            float((ratio <= 1.0).mean()),
            int((rows["dm_p"] < ALPHA).sum()),
            int((rows["dm_q"] < ALPHA).sum()),
        )
    return out
