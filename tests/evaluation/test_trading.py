"""The trading rule's timing: a position decided at close t earns close t → close t+1 only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.evaluation.trading import (
    TradingRule,
    max_drawdown,
    performance,
    positions,
    signal_backtest,
    strategy_returns,
)

RNG = np.random.default_rng(0)
CLOSES = 100 * np.exp(np.cumsum(RNG.normal(0, 0.01, 201)))
PREV, ACTUAL = CLOSES[:-1], CLOSES[1:]  # day t: decided at close t, settled at close t+1


def test_perfect_foresight_earns_every_up_day_and_nothing_else() -> None:
    rule = TradingRule(cost_bps=0.0)
    daily = strategy_returns(positions(PREV, ACTUAL, rule), PREV, ACTUAL, 0.0)
    market = ACTUAL / PREV - 1
    # A position that used any other day's return (a future one, or yesterday's) fails this.
    np.testing.assert_allclose(daily, np.maximum(market, 0.0))
    shifted = strategy_returns(positions(PREV[1:], ACTUAL[1:], rule), PREV[:-1], ACTUAL[:-1], 0.0)
    assert not np.allclose(shifted, np.maximum(market[:-1], 0.0))


def test_a_position_reads_nothing_after_its_decision() -> None:
    pred = PREV * (1 + RNG.normal(0, 0.01, 200))
    rule = TradingRule(allow_short=True)
    before = strategy_returns(positions(PREV, pred, rule), PREV, ACTUAL, 5.0)
    later_pred, later_actual = pred.copy(), ACTUAL.copy()
    later_pred[101:] *= 1.5  # forecasts made after day 100
    later_actual[101:] *= 0.5  # closes after day 101
    after = strategy_returns(positions(PREV, later_pred, rule), PREV, later_actual, 5.0)
    np.testing.assert_array_equal(before[:101], after[:101])


def test_threshold_short_and_costs() -> None:
    prev = np.array([100.0, 100.0, 100.0, 100.0])
    pred = np.array([101.0, 100.2, 99.0, 101.0])
    rule = TradingRule(threshold=0.005, allow_short=True)
    np.testing.assert_array_equal(positions(prev, pred, rule), [1, 0, -1, 1])
    daily = strategy_returns(
        np.array([1.0, 1.0]), np.array([100.0, 100.0]), np.array([101.0, 101.0]), 10.0
    )
    np.testing.assert_allclose(daily, [0.01 - 0.001, 0.01])  # one entry, no exit


def test_summary_beside_buy_and_hold() -> None:
    out = signal_backtest(PREV, ACTUAL, ACTUAL, TradingRule(cost_bps=0.0))
    hold, strat = out.buy_and_hold, out.strategy
    assert hold.cumulative_return == pytest.approx(CLOSES[-1] / CLOSES[0] - 1)
    assert strat.hit_rate == 1.0
    assert strat.max_drawdown == 0.0
    assert strat.sharpe > hold.sharpe
    assert hold.turnover == pytest.approx(1 / 200)
    assert -1.0 <= hold.max_drawdown < 0.0


def test_drawdown_counts_from_the_starting_capital() -> None:
    """−5 % then −3 %: the curve falls from 1.0 to 0.9215, a 7.85 % drawdown; measured from
    the first day's close it read −3.0 %."""
    daily = np.array([-0.05, -0.03, 0.02])
    assert max_drawdown(daily) == pytest.approx(0.95 * 0.97 - 1.0)
    assert max_drawdown(np.array([0.01, 0.02])) == 0.0
    assert performance(daily, np.ones(3), daily).max_drawdown == max_drawdown(daily)


def test_the_universe_book_drawdown_counts_from_the_starting_capital() -> None:
    from stockpred.universe.book import performance as book_performance

    daily = pd.Series([-0.05, -0.03, 0.02], index=pd.bdate_range("2024-01-02", periods=3))
    assert book_performance(daily, True).max_drawdown == pytest.approx(-0.0785)
