"""Honesty at scale: the leaderboard with FDR-adjusted DM p-values, and cross-sectional figures.

With 50 tickers, two or three will "beat" naive at p < 0.05 by chance alone; the
Benjamini–Hochberg adjustment (per model, across the universe's tickers) says how many
survive. The cross-sectional figures ask the question a portfolio manager asks: on a given
day, does the model rank tomorrow's returns across tickers better than chance?
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stockpred.evaluation.stats import ALPHA, diebold_mariano
from stockpred.evaluation.trading import max_drawdown

LEADERBOARD_COLUMNS = (
    "ticker",
    "model",
    "n_test",
    "mae",
    "rmse",
    "mase",
    "directional_accuracy",
    "mae_vs_naive",
    "dm_p",
    "dm_q",
)
MIN_CROSS_SECTION = 5  # tickers a date needs before its rank IC or portfolio counts
QUANTILE = 0.2  # long the top and short the bottom fifth by predicted return
TRADING_DAYS = 252


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (q-values); NaN stays NaN and is not counted as a test."""
    from scipy.stats import false_discovery_control

    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        q[tested] = false_discovery_control(p[tested], method="bh")
    return q


def ticker_rows(
    ticker: str, table: pd.DataFrame, predictions: pd.DataFrame
) -> list[dict[str, Any]]:
    """One leaderboard row a model: metrics, MAE ÷ naive and the one-sided DM p vs naive."""
    actual = predictions["actual"].to_numpy()
    naive_error = predictions["naive"].to_numpy() - actual
    naive_mae = float(table.loc["naive", "mae"])
    rows = []
    for model, metrics in table.iterrows():
        p = (
            np.nan
            if model == "naive"
            else diebold_mariano(predictions[model].to_numpy() - actual, naive_error).p_better
        )
        rows.append(
            {
                "ticker": ticker,
                "model": model,
                "n_test": len(predictions),
                **{m: metrics[m] for m in ("mae", "rmse", "mase", "directional_accuracy")},
                "mae_vs_naive": metrics["mae"] / naive_mae,
                "dm_p": p,
            }
        )
    return rows


def leaderboard(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """All tickers' rows with ``dm_q``: BH across tickers, separately for each model."""
    board = pd.DataFrame(rows, columns=list(LEADERBOARD_COLUMNS[:-1]))
    board["dm_q"] = np.nan
    for _, idx in board.groupby("model").groups.items():
        board.loc[idx, "dm_q"] = benjamini_hochberg(board.loc[idx, "dm_p"].to_numpy(float))
    return board.sort_values(["ticker", "mae_vs_naive"]).reset_index(drop=True)


def model_summary(board: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per model: median MAE ÷ naive, share at or below 1, significant wins before/after FDR."""
    out = {}
    for model, rows in board[board["model"] != "naive"].groupby("model", sort=False):
        ratio = rows["mae_vs_naive"]
        out[str(model)] = {
            "tickers": len(rows),
            "median_mae_vs_naive": float(ratio.median()),
            "share_at_or_below_naive": float((ratio <= 1.0).mean()),
            "beats_naive_p05": int((rows["dm_p"] < ALPHA).sum()),
            "beats_naive_after_fdr": int((rows["dm_q"] < ALPHA).sum()),
        }
    return out


def return_panels(
    predictions: dict[str, pd.DataFrame], model: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predicted and realised next-session returns, date × ticker, for one model."""
    predicted = {t: p[model] / p["previous"] - 1.0 for t, p in predictions.items() if model in p}
    realised = {t: p["actual"] / p["previous"] - 1.0 for t, p in predictions.items() if model in p}
    return pd.DataFrame(predicted), pd.DataFrame(realised)


def shared_dates(predicted: pd.DataFrame, realised: pd.DataFrame) -> pd.DataFrame:
    """Predicted returns only on dates at least MIN_CROSS_SECTION tickers share."""
    both = predicted.where(realised.notna())
    return both[both.notna().sum(axis=1) >= MIN_CROSS_SECTION]


def rank_ic(predicted: pd.DataFrame, realised: pd.DataFrame) -> pd.Series:
    """Each shared date's Spearman correlation across tickers (NaN-free dates only)."""
    pred = shared_dates(predicted, realised)
    pr, rr = pred.rank(axis=1), realised.loc[pred.index].where(pred.notna()).rank(axis=1)
    pr, rr = pr.sub(pr.mean(axis=1), axis=0), rr.sub(rr.mean(axis=1), axis=0)
    denom = np.sqrt((pr**2).sum(axis=1) * (rr**2).sum(axis=1))
    ic = (pr * rr).sum(axis=1) / denom.where(denom > 0)
    return ic.dropna()


def long_short(predicted: pd.DataFrame, realised: pd.DataFrame, cost_bps: float) -> pd.DataFrame:
    """Daily long top / short bottom fifth (equal weights, legs of 1 each) net of costs,
    beside the equal-weight portfolio of the same tickers on the same dates.

    The position is chosen from forecasts made at the close before the return it earns,
    so no realised return decides its own trade. Cost: turnover (sum of weight changes)
    times ``cost_bps``.
    """
    pred = shared_dates(predicted, realised)
    ranks = pred.rank(axis=1, method="first")
    counts = pred.notna().sum(axis=1)
    k = np.maximum(1, np.floor(counts * QUANTILE)).to_numpy()[:, None]
    weights = (ranks > (counts.to_numpy()[:, None] - k)) / k - (ranks <= k) / k
    weights = weights.fillna(0.0)
    rets = realised.loc[pred.index].where(pred.notna())
    turnover = weights.diff().abs().sum(axis=1)
    turnover.iloc[:1] = weights.iloc[:1].abs().sum(axis=1)
    gross = (weights * rets.fillna(0.0)).sum(axis=1)
    return pd.DataFrame(
        {
            "long_short": gross - turnover * cost_bps / 1e4,
            "equal_weight": rets.mean(axis=1),
            "turnover": turnover,
        }
    )


def performance(returns: pd.Series) -> dict[str, float | None]:
    """Cumulative return, annualised Sharpe (no risk-free rate) and maximum drawdown."""
    if returns.empty:
        return {"cumulative_return": None, "sharpe": None, "max_drawdown": None}
    curve = (1.0 + returns).cumprod()
    std = float(returns.std())
    return {
        "cumulative_return": float(curve.iloc[-1] - 1.0),
        "sharpe": float(returns.mean() / std * np.sqrt(TRADING_DAYS)) if std > 0 else None,
        "max_drawdown": max_drawdown(returns.to_numpy()),
    }


def cross_section(
    predictions: dict[str, pd.DataFrame], model: str, cost_bps: float
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Rank-IC statistics and the portfolio's performance for one model; the daily series too."""
    predicted, realised = return_panels(predictions, model)
    ic = rank_ic(predicted, realised) if not predicted.empty else pd.Series(dtype=float)
    book = long_short(predicted, realised, cost_bps) if not predicted.empty else pd.DataFrame()
    n = len(ic)
    sd = float(ic.std()) if n > 1 else 0.0
    summary = {
        "dates": n,
        "rank_ic_mean": float(ic.mean()) if n else None,
        "rank_ic_t": float(ic.mean() / sd * np.sqrt(n)) if sd > 0 else None,
        "rank_ic_share_positive": float((ic > 0).mean()) if n else None,
        "long_short": performance(book["long_short"]) if n else performance(pd.Series(dtype=float)),
        "equal_weight": performance(book["equal_weight"])
        if n
        else performance(pd.Series(dtype=float)),
        "mean_daily_turnover": float(book["turnover"].mean()) if n else None,
        "cost_bps": cost_bps,
    }
    series = book.assign(rank_ic=ic) if n else pd.DataFrame()
    return summary, series
