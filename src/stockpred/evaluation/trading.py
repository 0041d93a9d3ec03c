"""Would the forecast have made money? A long/flat (optionally short) rule, net of costs.

Timing, the part that is easy to get wrong: the forecast for session ``t+1`` is made after
the close of session ``t``; the position it decides is held from close ``t`` to close
``t+1`` and earns exactly that return. Nothing later is read when a position is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRADING_DAYS = 252


@dataclass(frozen=True)
class TradingRule:
    """Long when the predicted return exceeds ``threshold``; short below ``-threshold`` if allowed."""

    threshold: float = 0.0
    cost_bps: float = 5.0  # per unit of position traded, each way
    allow_short: bool = False


def positions(prev: np.ndarray, pred: np.ndarray, rule: TradingRule) -> np.ndarray:
    """Position for close ``t`` → close ``t+1``, from the close of ``t`` and its forecast only."""
    predicted = pred / prev - 1.0
    pos = (predicted > rule.threshold).astype(float)
    if rule.allow_short:
        pos -= predicted < -rule.threshold
    return pos


def strategy_returns(
    pos: np.ndarray, prev: np.ndarray, actual: np.ndarray, cost_bps: float
) -> np.ndarray:
    """Daily returns of holding ``pos[t]`` from close ``t`` to ``t+1``, minus trading costs."""
    market = actual / prev - 1.0
    traded = np.abs(np.diff(pos, prepend=0.0))
    return pos * market - traded * cost_bps / 1e4


def max_drawdown(daily: np.ndarray) -> float:
    """The worst fall from a peak of the equity curve that starts at 1.0 before the first
    return: a loss on day one is a drawdown from the starting capital, not a new peak."""
    equity = np.cumprod(np.concatenate([[1.0], 1.0 + np.asarray(daily, float)]))
    return float(np.min(equity / np.maximum.accumulate(equity) - 1.0))


@dataclass(frozen=True)
class Performance:
    """How a position series did, net of costs (returns as fractions, not percent)."""

    cumulative_return: float
    annualised_return: float
    annualised_volatility: float
    sharpe: float | None  # None when the returns never vary
    max_drawdown: float
    hit_rate: float | None  # share of held sessions that earned; None when never held
    turnover: float
    days_in_market: float


@dataclass(frozen=True)
class SignalBacktest:
    """The trading rule beside buy-and-hold on the same sessions."""

    rule: TradingRule
    n_days: int
    strategy: Performance
    buy_and_hold: Performance


def performance(daily: np.ndarray, pos: np.ndarray, market: np.ndarray) -> Performance:
    """Cumulative and annualised return, volatility, Sharpe (no risk-free), drawdown, hit rate."""
    equity = np.cumprod(1.0 + daily)
    sd = float(daily.std(ddof=1)) if len(daily) > 1 else 0.0
    held = pos != 0
    return Performance(
        cumulative_return=float(equity[-1] - 1.0),
        annualised_return=float(equity[-1] ** (TRADING_DAYS / len(daily)) - 1.0),
        annualised_volatility=float(sd * np.sqrt(TRADING_DAYS)),
        sharpe=float(daily.mean() / sd * np.sqrt(TRADING_DAYS)) if sd > 0 else None,
        max_drawdown=max_drawdown(daily),
        hit_rate=float(np.mean(pos[held] * market[held] > 0)) if held.any() else None,
        turnover=float(np.mean(np.abs(np.diff(pos, prepend=0.0)))),
        days_in_market=float(np.mean(held)),
    )


def signal_backtest(
    prev: np.ndarray, pred: np.ndarray, actual: np.ndarray, rule: TradingRule | None = None
) -> SignalBacktest:
    """The rule's performance beside buy-and-hold on the same sessions (same cost per trade)."""
    rule = rule or TradingRule()
    market = actual / prev - 1.0
    pos = positions(prev, pred, rule)
    hold = np.ones_like(market)
    return SignalBacktest(
        rule,
        len(market),
        performance(strategy_returns(pos, prev, actual, rule.cost_bps), pos, market),
        performance(strategy_returns(hold, prev, actual, rule.cost_bps), hold, market),
    )
