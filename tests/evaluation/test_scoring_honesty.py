"""No win from filled-in data, and one verdict with one loss."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.data.schema import clean_prices
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.level_range import level_range_warning
from stockpred.evaluation.metrics import evaluate_forecasts
from stockpred.exceptions import ValidationError

from ..conftest import TINY, shared_file, yahoo_frame


def _gappy(n: int = 400, every: int = 25) -> pd.DataFrame:
    """A random-walk table with one session in ``every`` missing (filled by cleaning)."""
    raw = yahoo_frame(n)
    rng = np.random.default_rng(0)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    raw["Open"] = raw["Close"] = raw["Adj Close"] = close
    raw["High"], raw["Low"] = close * 1.01, close * 0.99
    return raw.drop(index=range(every, n - 1, every)).reset_index(drop=True)


def test_too_many_filled_sessions_are_refused_with_every_gap_listed() -> None:
    raw = _gappy(400, every=25)  # 15 single-session gaps: 3.8 % of the history
    with pytest.raises(ValidationError, match=r"raise max_filled=") as caught:
        clean_prices(raw)
    message = str(caught.value)
    assert "15 of 400 trading sessions (3.8%) are missing" in message
    assert len(re.findall(r"\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d \(1\)", message)) == 15
    _, report = clean_prices(raw, max_filled=0.05)
    assert report.sessions_filled == 15
    assert len(report.filled_dates) == 15


def test_every_long_gap_is_listed_at_once() -> None:
    raw = yahoo_frame(300)
    raw = raw.drop(index=[*range(50, 58), *range(120, 127), *range(200, 210)])
    with pytest.raises(ValidationError) as caught:
        clean_prices(raw, max_filled=1.0)
    message = str(caught.value)
    assert "missing in 3 gap(s) longer than the 5 cleaning fills" in message
    assert "(8)" in message
    assert "(7)" in message
    assert "(10)" in message


@pytest.fixture(scope="module")
def gappy_history() -> PriceHistory:
    frame, report = clean_prices(_gappy(400, every=25), max_filled=0.05)
    return PriceHistory(frame, "GAPPY", "frame", "adj_close", "XNYS", report)


def test_filled_sessions_are_never_scored(gappy_history: PriceHistory) -> None:
    filled = pd.DatetimeIndex(gappy_history.cleaning.filled_dates)  # type: ignore[union-attr]
    fc = Forecaster(ForecastConfig(**TINY)).fit(gappy_history, progress=False)
    evaluation = fc.evaluate(gappy_history)
    test_dates = gappy_history.dates[gappy_history.dates > pd.Timestamp(fc.meta_.val_end_date)]
    assert test_dates.isin(filled).any()  # the test span does hold filled sessions...
    assert not evaluation.predictions.index.isin(filled).any()  # ...and none is scored
    assert evaluation.filled_left_out == int(test_dates.isin(filled).sum())
    assert evaluation.to_dict()["filled_sessions_left_out"] == evaluation.filled_left_out
    wf = Forecaster(ForecastConfig(**TINY), progress=False).walk_forward(gappy_history, folds=2)
    assert not wf.forecasts["date"].isin(filled).any()


def test_a_filled_copy_is_no_win() -> None:
    """Naive 'predicts' a copied price exactly; scored, that alone made a model look better."""
    dates = pd.bdate_range("2020-01-01", periods=8)
    prices = np.array([10.0, 11.0, 11.0, 11.0, 12.0, 11.0, 11.0, 13.0])
    observed = np.array([True, True, False, False, True, True, False, True])
    origins = np.arange(0, 7)
    forecasts = {"lstm": prices[origins] + 0.5, "naive": prices[origins]}
    ev = evaluate_forecasts("X", dates, prices, origins, forecasts, 1.0, observed=observed)
    assert list(ev.predictions.index) == list(dates[origins + 1][observed[origins + 1]])
    assert ev.filled_left_out == 3


def test_real_file_with_many_filled_sessions_is_refused() -> None:
    """NOM: 444 of 3,202 sessions (14 %) forward-filled were accepted and scored."""
    path = shared_file("messy", "NOM")
    with pytest.raises(ValidationError, match=r"444 of 3202 trading sessions \(13.9%\)"):
        load_prices(csv=path)
    history = load_prices(csv=path, max_filled=0.2)
    assert (~history.observed).sum() == 444


def _evaluation(loss: str) -> object:
    """LSTM errors small on most days, one huge miss: lower MAE than naive, higher MSE."""
    rng = np.random.default_rng(1)
    n = 200
    prices = 100 + np.cumsum(rng.normal(0, 1, n + 1))
    origins = np.arange(n)
    naive = prices[origins]
    lstm = prices[origins + 1] + rng.normal(0, 0.3, n)
    lstm[50] += 20.0
    dates = pd.bdate_range("2020-01-01", periods=n + 1)
    return evaluate_forecasts(
        "X", dates, prices, origins, {"lstm": lstm, "naive": naive}, 1.0, loss=loss
    )


@pytest.mark.parametrize(("loss", "dm_loss"), [("mae", "absolute"), ("mse", "squared")])
def test_the_verdict_tests_the_loss_it_quotes(loss: str, dm_loss: str) -> None:
    ev = _evaluation(loss)
    dm = ev.dm_vs_naive("lstm", dm_loss)  # type: ignore[attr-defined]
    sentence = ev.verdict()  # type: ignore[attr-defined]
    assert f"{loss.upper()} {ev.table.loc['lstm', loss]:.4g} vs" in sentence  # type: ignore[attr-defined]
    p = dm.p_better if "beats" in sentence or "not beat" in sentence else dm.p_worse
    assert f"(DM p = {p:.2g})" in sentence
    assert ev.to_dict()["loss"] == loss  # type: ignore[attr-defined]


def test_mae_and_mse_verdicts_differ_where_the_losses_do() -> None:
    assert _evaluation("mae").verdict().startswith("LSTM beats")  # type: ignore[attr-defined]
    assert not _evaluation("mse").verdict().startswith("LSTM beats")  # type: ignore[attr-defined]


def test_level_range_warning() -> None:
    dates = pd.bdate_range("2020-01-01", periods=100)
    prices = np.linspace(10, 30, 100)
    say = level_range_warning(
        "price", prices, dates, str(dates[69].date()), str(dates[84].date()), np.array([31.0])
    )
    assert say is not None
    assert "15 test price(s)" in say
    assert say.startswith("target=price: ")
    assert "the default target=return is made for this" in say
    assert "--" not in say
    flat = np.full(100, 10.0)
    quiet = level_range_warning("price", flat, dates, str(dates[69].date()), str(dates[84].date()))
    assert quiet is None
    assert level_range_warning("return", prices, dates, str(dates[69].date()), "x") is None
