"""The ``market`` input: aligned without the future, scaled on training only, saved with the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.config import make_config
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.data.market import with_market
from stockpred.exceptions import ConfigError, DataError
from stockpred.features import Dataset, input_signals, windows

from ..conftest import TINY

MARKET = {**TINY, "market": "AAPL"}


@pytest.fixture(scope="module")
def index() -> PriceHistory:
    return load_prices("AAPL", start="2010-06-01")


@pytest.fixture(scope="module")
def joined(msft: PriceHistory, index: PriceHistory) -> PriceHistory:
    return with_market(msft, index)


@pytest.fixture(scope="module")
def fitted(joined: PriceHistory) -> Forecaster:
    return Forecaster(ForecastConfig(**MARKET)).fit(joined, progress=False)


def _index_with(index: PriceHistory, frame_change: dict[str, float], after: int) -> PriceHistory:
    """The index with its prices from session ``after`` on multiplied per column."""
    frame = index.frame.copy()
    for column, factor in frame_change.items():
        frame.iloc[after:, frame.columns.get_loc(column)] *= factor
    return PriceHistory(frame, index.ticker, index.source, index.price_column)


def test_market_option_adds_the_input_and_the_input_needs_an_index() -> None:
    assert ForecastConfig(market="SPY").features == ("market",)
    assert ForecastConfig(market="SPY").n_features == 2
    with pytest.raises(ConfigError, match="needs an index"):
        make_config({"features": ("market",)})


def test_missing_index_sessions_take_the_previous_close_never_a_later_one(
    msft: PriceHistory, index: PriceHistory
) -> None:
    gappy = PriceHistory(
        index.frame.drop(index.frame.index[[50, 51]]), "AAPL", "sample", "adj_close"
    )
    market = with_market(msft, gappy).frame["market"]
    day = index.dates[50]
    assert market[day] == index.prices[49]  # forward-filled from the close before
    assert market[index.dates[51]] == index.prices[49]
    late = PriceHistory(index.frame.iloc[100:], "AAPL", "sample", "adj_close")
    early = with_market(msft, late).frame["market"]
    assert early[early.index < index.dates[100]].isna().all()  # never filled backwards


def test_index_not_covering_the_training_span_is_refused(
    msft: PriceHistory, index: PriceHistory
) -> None:
    late = with_market(msft, PriceHistory(index.frame.iloc[100:], "AAPL", "sample", "adj_close"))
    with pytest.raises(DataError, match="no price on or before"):
        Forecaster(ForecastConfig(**MARKET)).fit(late, progress=False)
    with pytest.raises(DataError, match="--market AAPL"):
        Forecaster(ForecastConfig(**MARKET)).fit(msft, progress=False)


def _after(index: PriceHistory, ticker: PriceHistory, end: int) -> int:
    """The first index row dated after the ticker's session ``end - 1``."""
    return int(index.dates.searchsorted(ticker.dates[end - 1], side="right"))


def test_leakage_index_prices_after_training_leave_scaler_and_training_windows(
    msft: PriceHistory, index: PriceHistory, fitted: Forecaster
) -> None:
    cfg, split = fitted.config, fitted.split_
    after = _after(index, msft, split.train_end)
    changed = with_market(msft, _index_with(index, {"adj_close": 3.0}, after))
    before, later = (
        Dataset.build(with_market(msft, index), cfg, split),
        Dataset.build(changed, cfg, split),
    )
    assert later.scaler.to_dict() == before.scaler.to_dict() == fitted.scaler_.to_dict()
    np.testing.assert_array_equal(later.x_train, before.x_train)
    assert not np.array_equal(later.x_val, before.x_val)  # validation does see the change


def test_leakage_index_prices_after_validation_change_no_weight(
    msft: PriceHistory, index: PriceHistory, fitted: Forecaster
) -> None:
    after = _after(index, msft, fitted.split_.val_end)
    changed = with_market(msft, _index_with(index, {"adj_close": 3.0}, after))
    refit = Forecaster(ForecastConfig(**MARKET)).fit(changed, progress=False)
    assert refit.scaler_.to_dict() == fitted.scaler_.to_dict()
    for key, value in fitted.weights_.items():
        assert np.array_equal(value, refit.weights_[key])


def test_index_values_after_an_origin_never_enter_its_window(
    msft: PriceHistory, index: PriceHistory
) -> None:
    cfg = ForecastConfig(**MARKET)
    origin = 300
    after = int(index.dates.searchsorted(msft.dates[origin], side="right"))
    before = input_signals(with_market(msft, index).frame, msft.price_column, cfg)
    changed = with_market(msft, _index_with(index, {"adj_close": 0.5}, after))
    later = input_signals(changed.frame, msft.price_column, cfg)
    origins = np.array([origin])
    np.testing.assert_array_equal(
        windows(before, origins, cfg.window), windows(later, origins, cfg.window)
    )
    assert not np.array_equal(before[origin + 1], later[origin + 1])  # the change is seen after


def test_saved_model_predicts_from_its_context_alone(
    fitted: Forecaster, joined: PriceHistory, tmp_path: Path
) -> None:
    fitted.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.config.market == "AAPL"
    np.testing.assert_array_equal(
        fitted.predict(joined, days=3).to_numpy(), loaded.predict(days=3).to_numpy()
    )
