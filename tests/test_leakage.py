"""No span leaks into an earlier one: validation into the scaler, a test window into its fold,
an index's later prices into the ``market`` input.

These tests look at what the model is actually given (its fitted scaler, the history a
backtest hands to ``fit``), so a leak fails here even when it barely moves a metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.data.market import with_market
from stockpred.features import Dataset, input_signals, windows
from stockpred.models.baselines import default_baselines
from stockpred.models.forecaster import LSTMForecaster
from stockpred.splits import Split, chronological_split

from .conftest import MARKET, TINY

CFG = ForecastConfig(**{**TINY, "epochs": 1})


def with_prices_changed(history: PriceHistory, start: int, end: int, seed: int = 0) -> PriceHistory:
    """The same history with every price of sessions ``[start, end)`` moved by up to ±20 %."""
    frame = history.frame.copy()
    factor = np.random.default_rng(seed).uniform(0.8, 1.2, end - start)
    frame.iloc[start:end] = frame.iloc[start:end].mul(factor, axis=0)
    return PriceHistory(frame, history.ticker, history.source, history.price_column)


@pytest.mark.parametrize("horizon", [1, 3])
def test_changing_only_validation_prices_leaves_the_scaler_unchanged(
    msft: PriceHistory, horizon: int
) -> None:
    cfg = CFG.model_copy(update={"horizon": horizon})
    split = chronological_split(msft.dates, cfg)
    changed = with_prices_changed(msft, split.train_end, split.val_end)
    assert not np.allclose(changed.prices[split.train_end :], msft.prices[split.train_end :])
    before = Forecaster(cfg).fit(msft, progress=False).scaler_
    after = Forecaster(cfg).fit(changed, progress=False).scaler_
    for name in ("x_mean", "x_std"):
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name), err_msg=name)
    for name in ("y_mean", "y_std"):
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name), err_msg=name)


def test_the_scaler_does_see_a_change_in_the_training_span(msft: PriceHistory) -> None:
    # The control: the test above would pass vacuously if the scaler ignored prices altogether.
    split = chronological_split(msft.dates, CFG)
    changed = with_prices_changed(msft, split.train_end - 30, split.train_end)
    before = Forecaster(CFG).fit(msft, progress=False).scaler_
    after = Forecaster(CFG).fit(changed, progress=False).scaler_
    assert not np.array_equal(after.x_std, before.x_std)
    assert not np.array_equal(after.y_std, before.y_std)


def _record_fits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, PriceHistory, Split]]:
    """Spy on every model's fit in a walk-forward: (model name, history given, split given)."""
    seen: list[tuple[str, PriceHistory, Split]] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def fit(self: Any, history: PriceHistory, *args: Any, **kwargs: Any) -> Any:
            split = kwargs.get("split", args[0] if args else None)
            seen.append((name, history, split))
            return real(self, history, *args, **kwargs)

        return fit

    monkeypatch.setattr(LSTMForecaster, "fit", spy("lstm", LSTMForecaster.fit))  # what folds refit
    for model in default_baselines(CFG):
        cls = type(model)
        monkeypatch.setattr(cls, "fit", spy(model.name, cls.fit))
    return seen


@pytest.mark.parametrize("mode", ["expanding", "rolling"])
def test_each_fold_is_fitted_on_history_ending_the_session_before_its_test_window(
    msft: PriceHistory, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    seen = _record_fits(monkeypatch)
    wf = Forecaster(CFG, progress=False).walk_forward(msft, folds=2, mode=mode, horizon=2)  # type: ignore[arg-type]
    names = [m.name for m in default_baselines(CFG)]
    assert [name for name, _, _ in seen] == (["lstm", *names]) * 2
    for k, fold in enumerate(wf.folds):
        for _, history, split in seen[k * (1 + len(names)) : (k + 1) * (1 + len(names))]:
            assert history.dates[-1] == msft.dates[fold.test_start - 1]
            assert history.dates[0] == msft.dates[fold.fit_start]
            np.testing.assert_array_equal(
                history.prices, msft.prices[fold.fit_start : fold.test_start]
            )
            assert split.val_end == len(history)  # the last session fitted is validation's
            assert split.train_end == fold.train_end - fold.fit_start
    first_test = wf.forecasts.groupby("fold")["date"].min()
    assert [first_test[f.number] for f in wf.folds] == [msft.dates[f.test_start] for f in wf.folds]


def test_refit_once_fits_on_history_before_the_first_fold(
    msft: PriceHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _record_fits(monkeypatch)
    wf = Forecaster(CFG, progress=False).walk_forward(msft, folds=2, refit="once")
    assert {history.dates[-1] for _, history, _ in seen} == {msft.dates[wf.folds[0].test_start - 1]}


# ------------------------------------------------------------------ the market input
def _index_with(index: PriceHistory, frame_change: dict[str, float], after: int) -> PriceHistory:
    """The index with its prices from session ``after`` on multiplied per column."""
    frame = index.frame.copy()
    for column, factor in frame_change.items():
        frame.iloc[after:, frame.columns.get_loc(column)] *= factor
    return PriceHistory(frame, index.ticker, index.source, index.price_column)


def _after(index: PriceHistory, ticker: PriceHistory, end: int) -> int:
    """The first index row dated after the ticker's session ``end - 1``."""
    return int(index.dates.searchsorted(ticker.dates[end - 1], side="right"))


def test_leakage_index_prices_after_training_leave_scaler_and_training_windows(
    msft: PriceHistory, aapl: PriceHistory, market_fitted: Forecaster
) -> None:
    cfg, split = market_fitted.config, market_fitted.split_
    after = _after(aapl, msft, split.train_end)
    changed = with_market(msft, _index_with(aapl, {"adj_close": 3.0}, after))
    before, later = (
        Dataset.build(with_market(msft, aapl), cfg, split),
        Dataset.build(changed, cfg, split),
    )
    assert later.scaler.to_dict() == before.scaler.to_dict() == market_fitted.scaler_.to_dict()
    np.testing.assert_array_equal(later.x_train, before.x_train)
    assert not np.array_equal(later.x_val, before.x_val)  # validation does see the change


def test_leakage_index_prices_after_validation_change_no_weight(
    msft: PriceHistory, aapl: PriceHistory, market_fitted: Forecaster
) -> None:
    after = _after(aapl, msft, market_fitted.split_.val_end)
    changed = with_market(msft, _index_with(aapl, {"adj_close": 3.0}, after))
    refit = Forecaster(ForecastConfig(**MARKET)).fit(changed, progress=False)
    assert refit.scaler_.to_dict() == market_fitted.scaler_.to_dict()
    for key, value in market_fitted.weights_.items():
        assert np.array_equal(value, refit.weights_[key])


def test_index_values_after_an_origin_never_enter_its_window(
    msft: PriceHistory, aapl: PriceHistory
) -> None:
    cfg = ForecastConfig(**MARKET)
    origin = 300
    after = int(aapl.dates.searchsorted(msft.dates[origin], side="right"))
    before = input_signals(with_market(msft, aapl).frame, msft.price_column, cfg)
    changed = with_market(msft, _index_with(aapl, {"adj_close": 0.5}, after))
    later = input_signals(changed.frame, msft.price_column, cfg)
    origins = np.array([origin])
    np.testing.assert_array_equal(
        windows(before, origins, cfg.window), windows(later, origins, cfg.window)
    )
    assert not np.array_equal(before[origin + 1], later[origin + 1])  # the change is seen after


# ------------------------------------------------------------------ the quantile head
def test_the_quantile_head_is_fitted_on_the_training_span_and_calibrated_on_validation(
    msft: PriceHistory,
) -> None:
    """Validation prices move the conformal stretch, never the head: CQR's calibration set
    is not one the head was fitted (or early-stopped) on."""
    cfg = CFG.model_copy(update={"interval_method": "quantile"})
    split = chronological_split(msft.dates, cfg)
    fitted = Forecaster(cfg).fit(msft, progress=False)
    changed = with_prices_changed(msft, split.train_end, split.val_end)
    refit = Forecaster(cfg).fit(changed, progress=False)
    ours, theirs = fitted.intervals_["quantile"], refit.intervals_["quantile"]
    for name, value in ours.head.weights.items():
        np.testing.assert_array_equal(theirs.head.weights[name], value, err_msg=name)
    assert theirs.factor != ours.factor
    # the control: a change inside the training span does reach the head
    early = Forecaster(cfg).fit(
        with_prices_changed(msft, split.train_end - 100, split.train_end), progress=False
    )
    assert not np.array_equal(
        early.intervals_["quantile"].head.weights["0.weight"],
        ours.head.weights["0.weight"],
    )
