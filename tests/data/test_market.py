"""The ``market`` input: aligned without the future, refused uncovered, saved with the model.

Its leakage tests are in tests/test_leakage.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.config import make_config
from stockpred.data.history import PriceHistory
from stockpred.data.market import with_market
from stockpred.exceptions import ConfigError, DataError

from ..conftest import MARKET


@pytest.fixture(scope="module")
def joined(msft: PriceHistory, aapl: PriceHistory) -> PriceHistory:
    return with_market(msft, aapl)


def test_market_option_adds_the_input_and_the_input_needs_an_index() -> None:
    assert ForecastConfig(market="SPY").features == ("market",)
    assert ForecastConfig(market="SPY").n_features == 2
    with pytest.raises(ConfigError, match="needs an index"):
        make_config({"features": ("market",)})


def test_missing_index_sessions_take_the_previous_close_never_a_later_one(
    msft: PriceHistory, aapl: PriceHistory
) -> None:
    gappy = PriceHistory(aapl.frame.drop(aapl.frame.index[[50, 51]]), "AAPL", "sample", "adj_close")
    market = with_market(msft, gappy).frame["market"]
    day = aapl.dates[50]
    assert market[day] == aapl.prices[49]  # forward-filled from the close before
    assert market[aapl.dates[51]] == aapl.prices[49]
    late = PriceHistory(aapl.frame.iloc[100:], "AAPL", "sample", "adj_close")
    early = with_market(msft, late).frame["market"]
    assert early[early.index < aapl.dates[100]].isna().all()  # never filled backwards


def test_index_not_covering_the_training_span_is_refused(
    msft: PriceHistory, aapl: PriceHistory
) -> None:
    late = with_market(msft, PriceHistory(aapl.frame.iloc[100:], "AAPL", "sample", "adj_close"))
    with pytest.raises(DataError, match="no price on or before"):
        Forecaster(ForecastConfig(**MARKET)).fit(late, progress=False)
    with pytest.raises(DataError, match="market=AAPL"):
        Forecaster(ForecastConfig(**MARKET)).fit(msft, progress=False)


def test_saved_model_predicts_from_its_context_alone(
    market_fitted: Forecaster, joined: PriceHistory, tmp_path: Path
) -> None:
    market_fitted.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.config.market == "AAPL"
    np.testing.assert_array_equal(
        market_fitted.predict(joined, days=3).to_numpy(), loaded.predict(days=3).to_numpy()
    )
