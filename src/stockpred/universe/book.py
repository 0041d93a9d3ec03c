"""The cross-section: does a model rank tomorrow's returns across tickers better than luck?

On each date a model's *views* are its forecasts that say something: a predicted return
that is present and not exactly 0. A shut gate forecasts exactly the last price, so its
return is exactly 0: no view, no position, and no place in the rank IC. A date with fewer
than ``MIN_VIEWS`` views is not traded and not counted. Tied forecasts share a rank, and a
tie across a leg's edge shares the leg's last slots, so no figure depends on what the
tickers are called (the columns are put in an order their values decide, too). Beside
each book, a placebo: the same book on the forecasts shuffled across tickers each date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from stockpred.evaluation.trading import max_drawdown

# Real views a date needs before it is traded or counted in the rank IC: with 5 the 20 %
# legs hold one ticker each, and a rank correlation of fewer than 5 pairs says little.
MIN_VIEWS = 5
QUANTILE = 0.2  # long the top and short the bottom fifth of the views
TRADING_DAYS = 252
# 200 draws: on 50 tickers × 1,500 dates (a weak signal) the 5–95 % range was −47 % to +71 %
# and moved by a standard deviation of 3 and 9 points across ten seeds; 0.8 s a model at load 16.
PLACEBO_DRAWS = 200
PLACEBO_SEED = 0
PLACEBO_CELLS = 2_000_000  # shuffled returns held at once (draws × dates × tickers), 16 MB


@dataclass(frozen=True)
class Panel:
    """Predicted and realised next-session returns, date × ticker, of one model."""

    index: pd.DatetimeIndex
    predicted: np.ndarray  # NaN where the model made no forecast
    realised: np.ndarray  # NaN where the ticker has no such session

    @property
    def views(self) -> np.ndarray:
        """Where the model says something: a forecast, a realised return, not exactly 0."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.predicted) & np.isfinite(self.realised) & (self.predicted != 0)

    @property
    def traded(self) -> np.ndarray:
        """Dates with at least MIN_VIEWS views."""
        return self.views.sum(axis=1) >= MIN_VIEWS


def return_panel(predictions: dict[str, pd.DataFrame], model: str) -> Panel:
    """One model's panel, its columns in an order set by their values, not their names."""
    frames = {t: p for t, p in predictions.items() if model in p}
    predicted = pd.DataFrame({t: p[model] / p["previous"] - 1.0 for t, p in frames.items()})
    realised = pd.DataFrame({t: p["actual"] / p["previous"] - 1.0 for t, p in frames.items()})
    predicted = predicted.sort_index()
    realised = realised.reindex(index=predicted.index, columns=predicted.columns)
    pred, real = predicted.to_numpy(float), realised.to_numpy(float)
    keys = np.nan_to_num(np.vstack([pred, real]), nan=np.inf)
    order = np.lexsort(keys[::-1]) if keys.size else np.arange(pred.shape[1])
    return Panel(pd.DatetimeIndex(predicted.index), pred[:, order], real[:, order])


def book_weights(panel: Panel) -> np.ndarray:
    """Long the top and short the bottom QUANTILE of each traded date's views, each leg 1.

    Tickers tied across a leg's edge share its last slots equally (ranks ``lo``..``hi`` of
    a tie group; the share of them inside the leg), so ties never pick a side by name.
    """
    views = panel.views
    ranked = pd.DataFrame(np.where(views, panel.predicted, np.nan))
    lo = ranked.rank(axis=1, method="min").to_numpy()
    hi = ranked.rank(axis=1, method="max").to_numpy()
    n = views.sum(axis=1, keepdims=True)
    k = np.maximum(1.0, np.floor(n * QUANTILE))
    size = hi - lo + 1.0
    long = np.clip(hi - np.maximum(lo - 1.0, n - k), 0.0, None) / size
    short = np.clip(np.minimum(hi, k) - (lo - 1.0), 0.0, None) / size
    traded = views & panel.traded[:, None]
    return np.where(traded, (long - short) / k, 0.0)


def rank_ic(panel: Panel) -> pd.Series:
    """Each traded date's Spearman correlation between the views and what happened."""
    views = panel.views[panel.traded]
    pred = pd.DataFrame(np.where(views, panel.predicted[panel.traded], np.nan))
    real = pd.DataFrame(np.where(views, panel.realised[panel.traded], np.nan))
    pr, rr = pred.rank(axis=1).to_numpy(), real.rank(axis=1).to_numpy()
    pr, rr = pr - np.nanmean(pr, axis=1, keepdims=True), rr - np.nanmean(rr, axis=1, keepdims=True)
    denom = np.sqrt(np.nansum(pr**2, axis=1) * np.nansum(rr**2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ic = np.nansum(pr * rr, axis=1) / np.where(denom > 0, denom, np.nan)
    return pd.Series(ic, index=panel.index[panel.traded]).dropna()


def long_short(panel: Panel, cost_bps: float) -> pd.DataFrame:
    """The daily book net of costs, gross, its turnover, and equal weight on the same dates.

    The position is chosen from forecasts made at the close before the return it earns,
    so no realised return decides its own trade. On a date not traded the book is flat
    (closing costs turnover); equal weight holds every ticker with a forecast on the
    dates the book trades and is flat on the others. Cost: turnover (sum of weight
    changes) times ``cost_bps``.
    """
    weights = book_weights(panel)
    returns = np.where(panel.views, panel.realised, 0.0)
    gross = (weights * returns).sum(axis=1)
    turnover = np.abs(np.diff(weights, axis=0, prepend=0.0)).sum(axis=1)
    held = np.isfinite(panel.predicted) & np.isfinite(panel.realised)
    count = held.sum(axis=1)
    mean = np.where(held, panel.realised, 0.0).sum(axis=1) / np.maximum(count, 1)
    return pd.DataFrame(
        {
            "long_short": gross - turnover * cost_bps / 1e4,
            "gross": gross,
            "equal_weight": np.where(panel.traded, mean, 0.0),
            "turnover": turnover,
        },
        index=panel.index,
    )


def placebo(panel: Panel, draws: int = PLACEBO_DRAWS, seed: int = PLACEBO_SEED) -> np.ndarray:
    """Daily gross returns (draw × date) of the same book on forecasts shuffled across tickers.

    Shuffling the forecasts among a date's views shuffles the book's weights among them,
    so each draw pairs the weights with a permutation of the views' returns (the order of
    uniform keys). Dates with the same number of views are shuffled as one block.
    """
    weights, views = book_weights(panel), panel.views
    rng = np.random.default_rng(seed)
    daily = np.zeros((draws, len(panel.index)))
    counts = np.where(panel.traded, views.sum(axis=1), 0)
    for m in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == m)
        w = weights[rows][views[rows]].reshape(len(rows), m)  # each row's views, in order
        r = panel.realised[rows][views[rows]].reshape(len(rows), m)
        step = max(1, PLACEBO_CELLS // r.size)
        for start in range(0, draws, step):
            stop = min(draws, start + step)
            keys = rng.random((stop - start, *r.shape))
            shuffled = np.take_along_axis(r[None], np.argsort(keys, axis=2), axis=2)
            daily[start:stop, rows] = (w * shuffled).sum(axis=2)
    return daily


def placebo_band(daily: np.ndarray) -> np.ndarray:
    """The shuffled books' growth of 1 at each date: its 5 % and 95 % points (2 × date)."""
    return np.quantile(np.cumprod(1.0 + daily, axis=1), [0.05, 0.95], axis=0)


@dataclass(frozen=True)
class Placebo:
    """Where the book's gross return lies among the shuffled books' (5–95 % range)."""

    draws: int
    seed: int
    # All None for a book that never traded.
    gross_cumulative_return: float | None = None
    p05: float | None = None
    p95: float | None = None
    share_at_or_above_book: float | None = None
    book_is: Literal["above", "below", "inside"] | None = None


def placebo_summary(gross: float | None, daily: np.ndarray) -> Placebo:
    """The book's gross return against the shuffled books' ``daily`` returns."""
    draws = np.prod(1.0 + daily, axis=1) - 1.0
    if gross is None:
        return Placebo(len(draws), PLACEBO_SEED)
    p05, p95 = (float(q) for q in np.quantile(draws, [0.05, 0.95]))
    return Placebo(
        len(draws),
        PLACEBO_SEED,
        gross,
        p05,
        p95,
        float(np.mean(draws >= gross)),
        "above" if gross > p95 else "below" if gross < p05 else "inside",
    )


@dataclass(frozen=True)
class BookPerformance:
    """A daily return series' cumulative return, annualised Sharpe and maximum drawdown;
    all None for a book that never traded."""

    cumulative_return: float | None = None
    sharpe: float | None = None
    max_drawdown: float | None = None


def performance(returns: pd.Series, active: bool) -> BookPerformance:
    """Cumulative return, annualised Sharpe (no risk-free rate) and maximum drawdown from
    the starting capital (a book that only falls has drawn down from its first 1)."""
    if not active or returns.empty:
        return BookPerformance()
    std = float(returns.std())
    return BookPerformance(
        float(np.prod(1.0 + returns.to_numpy()) - 1.0),
        float(returns.mean() / std * np.sqrt(TRADING_DAYS)) if std > 0 else None,
        max_drawdown(returns.to_numpy()),
    )


@dataclass(frozen=True)
class CrossSection:
    """One model's cross-section: rank-IC statistics, its book, the book's placebo and
    equal weight (universe.json's ``cross_section``, field for field)."""

    dates: int  # dates counted in the rank IC (at least MIN_VIEWS views)
    dates_traded: int
    dates_in_span: int
    min_views: int
    rank_ic_mean: float | None
    rank_ic_t: float | None
    rank_ic_share_positive: float | None
    long_short: BookPerformance
    equal_weight: BookPerformance
    mean_daily_turnover: float | None
    cost_bps: float
    placebo: Placebo


def cross_section(
    predictions: dict[str, pd.DataFrame], model: str, cost_bps: float
) -> tuple[CrossSection, pd.DataFrame]:
    """Rank-IC statistics, the book, its placebo and equal weight for one model; the daily
    series too (book, gross, equal weight, turnover, rank IC, the placebo's growth band)."""
    panel = return_panel(predictions, model)
    ic, book = rank_ic(panel), long_short(panel, cost_bps)
    traded = int(panel.traded.sum())
    n = len(ic)
    sd = float(ic.std()) if n > 1 else 0.0
    gross = performance(book["gross"], traded > 0).cumulative_return
    shuffled = placebo(panel)
    band = placebo_band(shuffled)
    summary = CrossSection(
        dates=n,
        dates_traded=traded,
        dates_in_span=len(panel.index),
        min_views=MIN_VIEWS,
        rank_ic_mean=float(ic.mean()) if n else None,
        rank_ic_t=float(ic.mean() / sd * np.sqrt(n)) if sd > 0 else None,
        rank_ic_share_positive=float((ic > 0).mean()) if n else None,
        long_short=performance(book["long_short"], traded > 0),
        equal_weight=performance(book["equal_weight"], traded > 0),
        mean_daily_turnover=float(book["turnover"].mean()) if traded else None,
        cost_bps=cost_bps,
        placebo=placebo_summary(gross, shuffled),
    )
    return summary, book.assign(rank_ic=ic, placebo_p05=band[0], placebo_p95=band[1])
