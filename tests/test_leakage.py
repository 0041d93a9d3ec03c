"""No span leaks into an earlier one: validation into the scaler, a test window into its fold.

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
from stockpred.evaluation.backtest import walk_forward
from stockpred.models.baselines import default_baselines
from stockpred.splits import Split, chronological_split

from .conftest import TINY

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

    monkeypatch.setattr(Forecaster, "fit", spy("lstm", Forecaster.fit))
    for model in default_baselines(CFG):
        cls = type(model)
        monkeypatch.setattr(cls, "fit", spy(model.name, cls.fit))
    return seen


@pytest.mark.parametrize("mode", ["expanding", "rolling"])
def test_each_fold_is_fitted_on_history_ending_the_session_before_its_test_window(
    msft: PriceHistory, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    seen = _record_fits(monkeypatch)
    wf = walk_forward(msft, CFG, folds=2, mode=mode, horizon=2)  # type: ignore[arg-type]
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
    wf = walk_forward(msft, CFG, folds=2, refit="once")
    assert {history.dates[-1] for _, history, _ in seen} == {msft.dates[wf.folds[0].test_start - 1]}
