"""The scorecard: only forecasts whose target price exists, each model apart, flags by test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred.ledger.scorecard import actual_prices, scorecard, with_actuals

SESSIONS = pd.bdate_range("2024-01-01", periods=60)


def ledger_rows(model: str, covered: int, sessions: pd.DatetimeIndex = SESSIONS) -> pd.DataFrame:
    """One-step forecasts of AAPL, the price flat at 100: the first ``covered`` intervals hold
    the next price (101), the rest miss it; the point is 100.5 (MAE 0.5, naive's 1)."""
    n = len(sessions)
    upper = np.where(np.arange(n) < covered, 102.0, 100.9)
    return pd.DataFrame(
        {
            "ticker": "AAPL",
            "as_of": sessions,
            "model_id": model,
            "step": 1,
            "target_date": sessions + pd.offsets.BDay(1),
            "point": 100.5,
            "lower": 99.0,
            "upper": upper,
            "level": 0.8,
            "interval_method": "ewma",
            "last_price": 100.0,
            "price_column": "adj_close",
        }
    )


def prices(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Real adj_close prices of 101 on ``dates`` (close different, so the column matters)."""
    return pd.DataFrame({"ticker": "AAPL", "date": dates, "adj_close": 101.0, "close": 50.0})


def promises(*models: str, coverage: float = 0.8) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_id": list(models),
            "ticker": "AAPL",
            "trained_through": SESSIONS[0],
            "mae_vs_naive": 0.9,
            "coverage": coverage,
            "level": 0.8,
            "n_test": 100,
        }
    )


def test_a_forecast_counts_only_once_its_target_price_exists() -> None:
    rows = ledger_rows("m1", 60)
    known = rows["target_date"].iloc[:40]  # the last 20 targets have no price yet
    scored = with_actuals(rows, prices(pd.DatetimeIndex(known)))
    assert len(scored) == 40
    assert (scored["actual"] == 101.0).all()  # scored on adj_close, the column forecast


def test_figures_and_a_coverage_flag_against_the_promise() -> None:
    rows = ledger_rows("m1", covered=36)  # 60 % of 80 % intervals
    scored = with_actuals(rows, prices(pd.DatetimeIndex(rows["target_date"])))
    table = scorecard(scored, promises("m1"))
    row = table[(table["scope"] == "ticker")].iloc[0]
    assert row["n"] == 60
    assert row["mae"] == pytest.approx(0.5)
    assert row["mae_vs_naive"] == pytest.approx(0.5)
    assert row["coverage"] == pytest.approx(0.6)
    assert row["promise_coverage"] == pytest.approx(0.8)
    assert row["coverage_p"] < 0.001
    assert row["flag"].startswith("AAPL: 60% of 80% intervals covered over 60 sessions")
    assert row["flag"].endswith("recalibrate or refit")


def test_coverage_within_chance_raises_no_flag() -> None:
    rows = ledger_rows("m1", covered=46)  # 77 %: 80 % within chance over 60 sessions
    scored = with_actuals(rows, prices(pd.DatetimeIndex(rows["target_date"])))
    assert not scorecard(scored, promises("m1"))["flag"].any()


def test_two_models_are_kept_apart_and_pooled_only_saying_so() -> None:
    first, second = SESSIONS[:30], SESSIONS[30:]
    rows = pd.concat([ledger_rows("m1", 30, first), ledger_rows("m2", 0, second)])
    scored = with_actuals(rows, prices(pd.DatetimeIndex(rows["target_date"])))
    table = scorecard(scored, promises("m1", "m2"))
    per_model = table[table["scope"] == "model"].set_index("model_id")
    assert per_model.loc["m1", "coverage"] == 1.0
    assert per_model.loc["m2", "coverage"] == 0.0
    pooled = table[table["scope"] == "ticker"].iloc[0]
    assert (pooled["model_id"], pooled["models"], pooled["n"]) == ("*", 2, 60)
    assert "2 models pooled" in pooled["flag"]


def test_scorecard_files(tmp_path: Path) -> None:
    from stockpred.ledger.scorecard import write_scorecard
    from stockpred.ledger.table import Ledger

    rows = ledger_rows("m1", covered=36)
    Ledger(tmp_path / "s.duckdb").append(rows)
    csv = tmp_path / "AAPL.csv"
    dates = pd.bdate_range("2023-06-01", SESSIONS[-1] + pd.offsets.BDay(1))
    # It moves a cent every other session: a price that never moves is refused on reading.
    frame = pd.DataFrame({"date": dates, "close": 101.0 + 0.01 * (np.arange(len(dates)) % 2)})
    frame.to_csv(csv, index=False)
    table = write_scorecard(tmp_path / "s.duckdb", csv, tmp_path / "out", "mae")
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {
        "scorecard.csv", "scorecard.json", "scorecard.html"
    }  # fmt: skip
    assert len(pd.read_csv(tmp_path / "out" / "scorecard.csv")) == len(table)


def test_an_error_worse_than_naive_against_a_better_promise_is_flagged() -> None:
    rows = ledger_rows("m1", covered=60)
    moves = np.random.default_rng(0).normal(0.0, 1.0, len(rows))
    actual = pd.DatetimeIndex(rows["target_date"])
    frame = prices(actual).assign(adj_close=100.0 + moves)
    rows["point"] = 101.5  # a point a move and a half above the price: worse than naive
    shift = np.where(np.arange(len(rows)) < 48, 0.0, 3.0)  # 80 % covered, as promised
    rows["lower"], rows["upper"] = 99.0 + moves + shift, 101.0 + moves + shift
    table = scorecard(with_actuals(rows, frame), promises("m1"))  # promised 0.9× naive
    ticker = table[table["scope"] == "ticker"].iloc[0]
    assert ticker["mae_vs_naive"] > 1.0
    assert ticker["flag"].startswith("AAPL: MAE")
    assert ticker["flag"].endswith("refit")


def test_coverage_pooled_over_tickers_is_not_tested() -> None:
    rows = ledger_rows("m1", covered=36)
    table = scorecard(
        with_actuals(rows, prices(pd.DatetimeIndex(rows["target_date"]))), promises("m1")
    )
    pooled = table[table["scope"] == "pooled"].iloc[0]
    assert np.isnan(pooled["coverage_p"])
    assert pooled["flag"] == ""


def test_forecasts_of_the_bundled_sample_are_scored_from_it(tmp_path: Path) -> None:
    """Was: 'no ledger forecast has a price' for forecasts `forecast MSFT` made offline."""
    prices = actual_prices(["MSFT", "ZZZ"], tmp_path / "s.duckdb", None)
    assert set(prices["ticker"]) == {"MSFT"}
    assert prices["date"].max() == pd.Timestamp("2013-03-01")
