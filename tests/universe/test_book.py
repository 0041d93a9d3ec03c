"""The cross-sectional book: views only, shared ranks for ties, dates with too few views
left out, and a placebo that a perfect forecast beats and a shuffled one does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.universe.book import (
    MIN_VIEWS,
    Panel,
    book_weights,
    cross_section,
    long_short,
    placebo,
    rank_ic,
    return_panel,
)


def _frames(predicted: np.ndarray, realised: np.ndarray) -> dict[str, pd.DataFrame]:
    """Saved predictions (previous, actual, one model ``m``) from return panels."""
    dates = pd.bdate_range("2020-01-01", periods=len(realised))
    return {
        f"T{i}": pd.DataFrame(
            {
                "previous": 100.0,
                "actual": 100.0 * (1 + realised[:, i]),
                "m": 100.0 * (1 + predicted[:, i]),
            },
            index=dates,
        )
        for i in range(realised.shape[1])
    }


def _realised(n_dates: int = 60, n_tickers: int = 8, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.01, (n_dates, n_tickers))


def _panel(predicted: np.ndarray, realised: np.ndarray) -> Panel:
    return return_panel(_frames(predicted, realised), "m")


def test_a_perfect_ranking_has_rank_ic_one_and_a_winning_book() -> None:
    realised = _realised()
    panel = _panel(realised, realised)
    np.testing.assert_allclose(rank_ic(panel), 1.0)
    book = long_short(panel, cost_bps=0.0)
    assert (book["long_short"] > 0).all()
    costly = long_short(panel, cost_bps=50.0)
    assert (costly["long_short"] < book["long_short"]).all()


def test_a_reversed_ranking_loses_and_says_so() -> None:
    realised = _realised()
    summary, series = cross_section(_frames(-realised, realised), "m", cost_bps=5.0)
    assert summary.rank_ic_mean == pytest.approx(-1.0)
    assert summary.rank_ic_share_positive == 0.0
    assert summary.long_short.cumulative_return < 0
    assert summary.dates_traded == len(series) == 60


def test_a_forecast_of_no_change_is_no_view() -> None:
    """Shut gates (predicted return exactly 0) take no position and leave the IC; a date
    with fewer than MIN_VIEWS real views is not traded at all."""
    realised = _realised(n_tickers=8)
    predicted = realised.copy()
    predicted[:10, :4] = 0.0  # 4 views on the first 10 dates
    predicted[10:20, :3] = 0.0  # 5 views on the next 10
    panel = _panel(predicted, realised)
    assert MIN_VIEWS == 5
    assert len(rank_ic(panel)) == 50
    weights = book_weights(panel)
    assert not weights[:10].any()
    assert (weights[~panel.views] == 0).all()
    summary, _ = cross_section(_frames(predicted, realised), "m", cost_bps=5.0)
    assert (summary.dates_traded, summary.dates_in_span) == (50, 60)


def test_tied_forecasts_share_a_rank_and_a_leg() -> None:
    """Ten views, legs of two: three tied at the top share the long leg's two slots; the
    bottom two are short; a tie in the middle takes no position."""
    forecast = np.array([[0.03, 0.03, 0.03, 0.01, 0.01, 0.02, 0.02, -0.01, -0.02, -0.03]])
    realised = np.linspace(-0.01, 0.01, 10)[None, :]
    weights = book_weights(Panel(pd.DatetimeIndex(["2020-01-02"]), forecast, realised))
    np.testing.assert_allclose(weights[0], [1 / 3] * 3 + [0] * 5 + [-0.5, -0.5])


def test_every_gate_shut_trades_nothing() -> None:
    realised = _realised()
    summary, series = cross_section(_frames(np.zeros_like(realised), realised), "m", 5.0)
    assert summary.dates_traded == summary.dates == 0
    assert summary.long_short.cumulative_return is None
    assert summary.placebo.p95 is None
    assert (series["long_short"] == 0).all()


def test_the_placebo_is_seeded_and_tells_skill_from_luck() -> None:
    realised = _realised(n_dates=250, n_tickers=20)
    perfect = _panel(realised, realised)
    draws = np.prod(1 + placebo(perfect), axis=1) - 1
    np.testing.assert_array_equal(placebo(perfect), placebo(perfect))
    assert not np.array_equal(placebo(perfect), placebo(perfect, seed=1))
    gross = float(np.prod(1 + long_short(perfect, 0.0)["gross"]) - 1)
    assert gross > np.quantile(draws, 0.95)
    shuffled = np.random.default_rng(7).permuted(realised, axis=1)
    summary, _ = cross_section(_frames(shuffled, realised), "m", cost_bps=5.0)
    placebo_ = summary.placebo
    assert placebo_.book_is == "inside"
    assert placebo_.p05 <= placebo_.gross_cumulative_return <= placebo_.p95
    summary, _ = cross_section(_frames(realised, realised), "m", cost_bps=5.0)
    assert summary.placebo.book_is == "above"
    assert summary.placebo.share_at_or_above_book == 0.0


def test_drawdown_counts_from_the_starting_capital() -> None:
    """A book that falls from its first day has drawn down from 1, not from its first close."""
    from stockpred.universe.book import performance

    returns = pd.Series([-0.05, 0.01, -0.03])
    expected = (1 - 0.05) * 1.01 * (1 - 0.03) - 1
    assert performance(returns, active=True).max_drawdown == pytest.approx(expected)
