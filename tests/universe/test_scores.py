"""The leaderboard's FDR adjustment and the cross-sectional figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from stockpred.universe.scores import (
    benjamini_hochberg,
    cross_section,
    leaderboard,
    long_short,
    rank_ic,
)


def test_bh_matches_scipy_and_a_hand_computed_case() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # by hand: sorted 0.01, 0.03, 0.04, 0.20 times 4/rank -> 0.04, 0.06, 0.0533, 0.20,
    # then the running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    rng = np.random.default_rng(0)
    many = rng.uniform(size=200) ** 3
    np.testing.assert_allclose(benjamini_hochberg(many), false_discovery_control(many))


def test_bh_ignores_untested_rows() -> None:
    q = benjamini_hochberg(np.array([np.nan, 0.01, 0.02]))
    assert np.isnan(q[0])
    np.testing.assert_allclose(q[1:], false_discovery_control([0.01, 0.02]))


def test_dm_q_is_adjusted_per_model_across_tickers() -> None:
    rows = [
        {"ticker": t, "model": m, "n_test": 10, "mae": 1.0, "rmse": 1.0, "mase": 1.0}
        | {"directional_accuracy": 0.5, "mae_vs_naive": 1.0, "dm_p": p}
        for m, ps in (("lstm", [0.01, 0.02, 0.5]), ("drift", [0.04, 0.9, 0.9]))
        for t, p in zip("ABC", ps, strict=True)
    ]
    board = leaderboard(rows)
    for model, ps in (("lstm", [0.01, 0.02, 0.5]), ("drift", [0.04, 0.9, 0.9])):
        got = board[board["model"] == model].set_index("ticker").loc[list("ABC"), "dm_q"]
        np.testing.assert_allclose(got, false_discovery_control(ps))


def _panels(n_dates: int = 60, n_tickers: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2020-01-01", periods=n_dates)
    realised = pd.DataFrame(rng.normal(0, 0.01, (n_dates, n_tickers)), index=dates)
    return realised.copy(), realised


def test_a_perfect_ranking_has_rank_ic_one_and_a_winning_book() -> None:
    predicted, realised = _panels()
    ic = rank_ic(predicted, realised)
    np.testing.assert_allclose(ic, 1.0)
    book = long_short(predicted, realised, cost_bps=0.0)
    assert (book["long_short"] > 0).all()
    costly = long_short(predicted, realised, cost_bps=50.0)
    assert (costly["long_short"] < book["long_short"]).all()


def test_dates_with_fewer_than_five_tickers_are_left_out() -> None:
    predicted, realised = _panels(n_tickers=8)
    predicted.iloc[:10, :4] = np.nan  # only 4 tickers forecast on the first 10 dates
    assert len(rank_ic(predicted, realised)) == 50


def test_a_reversed_ranking_loses_and_says_so() -> None:
    _, realised = _panels()
    frames = {
        f"T{i}": pd.DataFrame(
            {
                "previous": 100.0,
                "actual": 100.0 * (1 + realised[i]),
                "lstm": 100.0 * (1 - realised[i]),
            }
        )
        for i in realised.columns
    }
    summary, series = cross_section(frames, "lstm", cost_bps=5.0)
    assert summary["rank_ic_mean"] == pytest.approx(-1.0)
    assert summary["rank_ic_share_positive"] == 0.0
    assert summary["long_short"]["cumulative_return"] < 0
    assert len(series) == 60
