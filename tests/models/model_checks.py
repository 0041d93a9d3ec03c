"""The shared model check: every forecasting model, the LSTM and each baseline alike.

Any new model (another network, a global LSTM, a statistical baseline) that follows the
contract of ``stockpred.models.base.Model`` gets the same check by adding one
:class:`ModelSpec` to ``tests/models/test_contract.py``::

    check_model(ModelSpec(MyModel(...)), history, split, horizon=3, tmp_path=tmp_path)

It runs: predict before fit refused → fit returns the model → predict shapes → save/load
round trip (bit-identical) → same seed, same output → no leakage (a fit never reads the
test span; a forecast made at origin ``t`` never reads a price after ``t``) → ``new()``
round trip (as scikit-learn's ``clone``): the parameters are the constructor's, fitting left
them unchanged, ``new()`` of the fitted model is unfitted with equal parameters, and fitting it
gives the original's forecasts. A model with prediction intervals (``intervals_``) has every interval
method held to the same rules: bit-identical after a reload and a refit, nothing learned
or calibrated from the test span, no bound read from a price after its origin.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stockpred.data.history import PriceHistory
from stockpred.exceptions import NotFittedError
from stockpred.models.base import Model
from stockpred.splits import Split


@dataclass(frozen=True)
class ModelSpec:
    """One model to check: an unfitted prototype (copied with ``new()``) and what it can do."""

    prototype: Model
    save_load: Callable[[Any, Path], Model] | None = None  # save to the path, load it back
    learns: bool = True  # a model that learns nothing may predict before fit
    # Fitted beside the checked history, on the same sessions (a many-series model): the
    # split is then the model's own, every series at the universe's calendar.
    others: tuple[PriceHistory, ...] = ()

    @property
    def name(self) -> str:
        """The model's own name, as in every table."""
        return self.prototype.name

    def make(self) -> Any:
        """A fresh unfitted copy."""
        return self.prototype.new()

    def fit(self, model: Model, history: PriceHistory, split: Split) -> Any:
        """The contract's fit: on ``history`` and ``split``, or on it and ``others``."""
        if not self.others:
            return model.fit(history, split)
        fitted = model.fit([history, *self.others])
        assert fitted.for_ticker(history.ticker).split_ == split, f"{self.name}: calendar"
        return fitted


def with_prices_changed(history: PriceHistory, start: int, seed: int = 0) -> PriceHistory:
    """The same history with every price from session ``start`` on moved by up to ±20 %."""
    frame = history.frame.copy()
    factor = np.random.default_rng(seed).uniform(0.8, 1.2, len(frame) - start)
    frame.iloc[start:] = frame.iloc[start:].mul(factor, axis=0)
    return PriceHistory(frame, history.ticker, history.source, history.price_column)


def interval_bands(
    model: Any, history: PriceHistory, origins: np.ndarray, point: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every interval method's bounds around ``point``; none for a model without intervals."""
    intervals = getattr(model, "intervals_", None)
    if intervals is None:
        return {}
    return {m: intervals.bounds(m, point, history.prices, origins) for m in intervals.methods}


def assert_same_bands(
    got: dict[str, tuple[np.ndarray, np.ndarray]],
    expected: dict[str, tuple[np.ndarray, np.ndarray]],
    what: str,
) -> None:
    """Bit-identical bounds, method by method."""
    assert got.keys() == expected.keys(), what
    for method, (lower, upper) in expected.items():
        np.testing.assert_array_equal(got[method][0], lower, err_msg=f"{method}: {what}")
        np.testing.assert_array_equal(got[method][1], upper, err_msg=f"{method}: {what}")


def check_model(
    spec: ModelSpec, history: PriceHistory, split: Split, *, horizon: int, tmp_path: Path
) -> None:
    """Run ``spec``'s model through the whole shared check; fails at the first broken rule."""
    one_step = split.test_origins()
    multi = np.arange(split.val_end - 1, split.test_end - horizon)

    if spec.learns:
        with pytest.raises(NotFittedError):
            spec.make().predict_origins(history, one_step, 1)

    model = spec.make()
    assert spec.fit(model, history, split) is model, f"{spec.name}: fit must return the model"

    # Shapes: one row per origin, one column per step; prices, so finite and positive.
    pred = model.predict_origins(history, multi, horizon)
    assert pred.shape == (len(multi), horizon), spec.name
    assert np.isfinite(pred).all(), spec.name
    assert (pred > 0).all(), spec.name
    first = model.predict_origins(history, one_step, 1)
    assert first.shape == (len(one_step), 1), spec.name
    np.testing.assert_array_equal(first[: len(multi)], pred[:, :1], err_msg=spec.name)

    bands = interval_bands(model, history, multi, pred)
    if spec.save_load is not None:
        again = spec.save_load(model, tmp_path / spec.name)
        np.testing.assert_array_equal(
            again.predict_origins(history, multi, horizon), pred, err_msg=f"{spec.name}: reload"
        )
        assert_same_bands(interval_bands(again, history, multi, pred), bands, "reload")

    twin = spec.fit(spec.make(), history, split)
    np.testing.assert_array_equal(
        twin.predict_origins(history, multi, horizon), pred, err_msg=f"{spec.name}: same seed"
    )

    # No leakage at fit time: the test span changed, nothing fitted may change.
    blind = spec.fit(spec.make(), with_prices_changed(history, split.val_end), split)
    np.testing.assert_array_equal(
        blind.predict_origins(history, multi, horizon), pred, err_msg=f"{spec.name}: fit leak"
    )
    assert_same_bands(interval_bands(blind, history, multi, pred), bands, "calibration leak")
    # No leakage at predict time: prices after an origin never reach its forecast.
    cut = int(multi[len(multi) // 2])
    later_changed = with_prices_changed(history, cut + 1, seed=1)
    known = multi[multi <= cut]
    np.testing.assert_array_equal(
        model.predict_origins(later_changed, known, horizon),
        pred[: len(known)],
        err_msg=f"{spec.name}: a forecast read a price after its origin",
    )
    later_bands = interval_bands(model, later_changed, known, pred[: len(known)])
    assert_same_bands(
        later_bands,
        {m: (lo[: len(known)], hi[: len(known)]) for m, (lo, hi) in bands.items()},
        "an interval read a price after its origin",
    )

    check_new(spec, model, history, split, pred, horizon=horizon)


def check_new(
    spec: ModelSpec,
    fitted: Any,
    history: PriceHistory,
    split: Split,
    pred: np.ndarray,
    *,
    horizon: int,
) -> None:
    """``new()`` of a fitted model: same parameters, none of the learned state, same fit."""
    params = spec.prototype.get_params()
    assert set(params) == set(inspect.signature(type(fitted)).parameters), (
        f"{spec.name}: get_params must name exactly the constructor's parameters"
    )
    assert fitted.get_params() == params, f"{spec.name}: fit changed a parameter"
    copy = fitted.new()
    assert type(copy) is type(fitted), spec.name
    assert copy is not fitted, spec.name
    assert copy.get_params() == params, f"{spec.name}: new() changed a parameter"
    if spec.learns:  # new() copies the parameters, none of the learned state
        with pytest.raises(NotFittedError):
            copy.predict_origins(history, split.test_origins(), 1)
    multi = np.arange(split.val_end - 1, split.test_end - horizon)
    np.testing.assert_array_equal(
        spec.fit(copy, history, split).predict_origins(history, multi, horizon),
        pred,
        err_msg=f"{spec.name}: new() then fit must give the original's forecasts",
    )
