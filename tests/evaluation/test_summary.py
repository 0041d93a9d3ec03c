"""summary.json on a walk-forward built by hand: every figure recomputed here from its inputs.

Ten test sessions in two folds, one-step forecasts chosen so that every case occurs: hits,
misses, a session where the price did not move, forecasts inside and outside the interval.
The expected trading return, coverage, binomial and Pesaran–Timmermann figures are computed
below from ``(previous, forecast, actual)`` in plain Python, not read from stockpred.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stockpred.data.history import PriceHistory
from stockpred.evaluation.summary import summarise
from stockpred.evaluation.trading import TradingRule
from stockpred.evaluation.walkforward import WalkForward
from stockpred.splits import Fold

from ..test_stats_reference import dm_written_out

# Sessions 0..19 are history before the first test session; 20..29 are tested.
PRICES = [90.0 + 0.5 * i for i in range(19)] + [
    100.0,  # 19
    102.0,  # 20
    101.0,  # 21
    103.0,  # 22
    103.0,  # 23: no move
    104.0,  # 24
    102.0,  # 25
    105.0,  # 26
    106.0,  # 27
    104.0,  # 28
    107.0,  # 29
]
# The LSTM's one-step forecast of sessions 20..29, each made at the close before.
FORECAST = [101.0, 103.0, 100.5, 104.0, 103.5, 103.0, 102.5, 105.5, 105.0, 104.5]
HALF_WIDTH = 1.5  # interval: forecast ± 1.5
RULE = TradingRule(threshold=0.006, cost_bps=10.0)


@pytest.fixture(scope="module")
def history() -> PriceHistory:
    dates = pd.bdate_range("2020-01-01", periods=len(PRICES), name="date")
    return PriceHistory(
        pd.DataFrame({"adj_close": PRICES}, index=dates), "HAND", "test", "adj_close"
    )


@pytest.fixture(scope="module")
def walk(history: PriceHistory) -> WalkForward:
    sessions = np.arange(20, 30)
    forecast = np.array(FORECAST)
    prices = np.array(PRICES)
    frame = pd.DataFrame(
        {
            "fold": np.where(sessions < 25, 1, 2),
            "step": 1,
            "date": history.dates[sessions],
            "origin": sessions - 1,
            "actual": prices[sessions],
            "previous": prices[sessions - 1],
            "scale": 1.0,
            "lstm": forecast,
            "naive": prices[sessions - 1],
            "lstm_lower": forecast - HALF_WIDTH,
            "lstm_upper": forecast + HALF_WIDTH,
        }
    )
    folds = [Fold(1, 0, 15, 20, 25), Fold(2, 0, 18, 25, 30)]
    return WalkForward(
        "HAND", "expanding", "each", folds, ["lstm", "naive"], 1, 0.8, "constant", frame
    )


@pytest.fixture(scope="module")
def summary(walk: WalkForward, history: PriceHistory) -> dict:
    return summarise(walk, history, RULE).to_dict()


def _triples() -> list[tuple[float, float, float]]:
    """(previous, forecast, actual) for each test session, in date order."""
    return [(PRICES[s - 1], FORECAST[s - 20], PRICES[s]) for s in range(20, 30)]


def test_trading_return_follows_the_rule_from_previous_forecast_actual(summary: dict) -> None:
    cost = RULE.cost_bps / 1e4
    equity, held, position_before = 1.0, [], 0.0
    for previous, forecast, actual in _triples():
        position = 1.0 if forecast / previous - 1 > RULE.threshold else 0.0
        equity *= 1 + position * (actual / previous - 1) - abs(position - position_before) * cost
        held.append(position)
        position_before = position
    strategy = summary["signal_backtest"]["strategy"]
    assert held == [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]  # only predicted rises above 0.6 % are bought
    assert strategy["cumulative_return"] == pytest.approx(equity - 1, rel=1e-12)
    assert strategy["days_in_market"] == pytest.approx(0.3)
    assert strategy["turnover"] == pytest.approx(4 / 10)  # in, out, in, out
    assert strategy["hit_rate"] == pytest.approx(1 / 3)  # 20 rose, 21 fell, 23 did not move

    # Buy-and-hold pays the cost once, on the first day: (1 + r₁ − cost)·(1 + r₂)·…
    returns = [actual / previous - 1 for previous, _, actual in _triples()]
    hold = (1 + returns[0] - cost) * math.prod(1 + r for r in returns[1:])
    buy_and_hold = summary["signal_backtest"]["buy_and_hold"]
    assert buy_and_hold["cumulative_return"] == pytest.approx(hold - 1, rel=1e-12)
    assert summary["signal_backtest"]["n_days"] == 10


def test_interval_coverage_counts_the_sessions_inside(summary: dict) -> None:
    inside = [abs(actual - forecast) <= HALF_WIDTH for _, forecast, actual in _triples()]
    assert sum(inside) == 6  # sessions 20, 23, 24, 25, 27, 28
    (step1,) = summary["intervals"]["by_step"]
    assert step1["step"] == 1
    assert step1["n"] == 10
    assert step1["coverage"] == pytest.approx(0.6)


def _directions() -> tuple[list[bool], list[bool]]:
    """Actual and predicted up-moves on sessions where both moved."""
    kept = [
        (actual > previous, forecast > previous)
        for previous, forecast, actual in _triples()
        if actual != previous and forecast != previous
    ]
    return [a for a, _ in kept], [p for _, p in kept]


def test_binomial_is_the_exact_tail_of_the_hits(summary: dict) -> None:
    up_actual, up_pred = _directions()
    n, hits = len(up_actual), sum(a == p for a, p in zip(up_actual, up_pred, strict=True))
    assert (n, hits) == (9, 7)  # session 23 did not move; 21 and 22 were missed
    tail = sum(math.comb(n, k) for k in range(hits, n + 1)) / 2**n
    binomial = summary["direction"]["binomial"]
    assert (binomial["n"], binomial["hits"]) == (n, hits)
    assert binomial["p_value"] == pytest.approx(tail, rel=1e-12)


def test_pesaran_timmermann_from_the_directions(summary: dict) -> None:
    up_actual, up_pred = _directions()
    assert (sum(up_actual), sum(up_pred), len(up_actual)) == (6, 6, 9)
    # By hand: P̂ = 7/9, py = px = 2/3, P* = 4/9 + 1/9 = 5/9
    #   Var(P̂)  = (5/9)(4/9)/9 = 180/6561
    #   Var(P*) = 2·(1/9)(2/9)/9 + 4·(2/3)²(1/3)²/81 = 36/6561 + 16/6561 = 52/6561
    #   PT = (2/9) / sqrt(128/6561) = 18 / (8·√2) = 9 / (4·√2)
    statistic = 9 / (4 * math.sqrt(2))
    pt = summary["direction"]["pesaran_timmermann"]
    assert pt["n"] == 9
    assert pt["statistic"] == pytest.approx(statistic, rel=1e-12)
    assert pt["p_value"] == pytest.approx(0.5 * math.erfc(statistic / math.sqrt(2)), rel=1e-12)


@pytest.mark.parametrize("loss", ["squared", "absolute"])
def test_dm_against_naive_pooled_and_per_fold(summary: dict, loss: str) -> None:
    triples = _triples()
    lstm = np.array([f - a for _, f, a in triples])
    naive = np.array([p - a for p, _, a in triples])
    (step1,) = summary["diebold_mariano"]["naive"]
    statistic, p_better = dm_written_out(lstm, naive, 1, loss)
    assert step1["pooled"][loss]["statistic"] == pytest.approx(statistic, rel=1e-12)
    assert step1["pooled"][loss]["p_better"] == pytest.approx(p_better, rel=1e-12)
    for fold, part in ((1, slice(0, 5)), (2, slice(5, 10))):
        statistic, _ = dm_written_out(lstm[part], naive[part], 1, loss)
        assert step1["folds"][fold][loss]["statistic"] == pytest.approx(statistic, rel=1e-12)


def test_pooled_metrics_and_dates(summary: dict) -> None:
    triples = _triples()
    mae = sum(abs(f - a) for _, f, a in triples) / len(triples)
    assert summary["models"]["lstm"]["mae"] == pytest.approx(mae, rel=1e-12)
    assert summary["n_one_step"] == 10
    assert [f["n_test"] for f in summary["folds"]] == [5, 5]
    assert summary["first_test_date"] == "2020-01-29"  # session 20 of a business-day range
    assert summary["last_test_date"] == "2020-02-11"
