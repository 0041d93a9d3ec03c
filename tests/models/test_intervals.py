"""Interval methods as objects: the registry, what a run fits, and today's bounds bit for bit.

``fixtures/intervals_before.json`` holds the bounds and calibration that the code before this
change (every method fitted on every fit) gave on the seeded GARCH series below; how it was
captured is in ``fixtures/README.md``. Each method fitted alone must give them exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest

from stockpred.config import IntervalMethod
from stockpred.exceptions import ConfigError
from stockpred.models.intervals import INTERVAL_METHODS, METHODS, Calibration, IntervalModel

FIXTURES = Path(__file__).parent / "fixtures"
N, TRAIN, VAL, WINDOW = 1500, 800, 1150, 20


@pytest.fixture(scope="module")
def before() -> dict[str, Any]:
    """What the code before this change gave (fixtures/README.md)."""
    doc: dict[str, Any] = json.loads((FIXTURES / "intervals_before.json").read_text())
    return doc


@pytest.fixture(scope="module")
def prices(before: dict[str, Any]) -> np.ndarray:
    """A GARCH(1, 1) series (ω 0.05, α 0.1, β 0.85 in percent), the one the fixture used."""
    rng = np.random.default_rng(7)
    returns, variance = np.empty(N), 1.0
    for t in range(N):
        returns[t] = np.sqrt(variance) * rng.standard_normal()
        variance = 0.05 + 0.1 * returns[t] ** 2 + 0.85 * variance
    out = 50.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns / 100.0)]))
    assert hashlib.sha256(out.tobytes()).hexdigest() == before["prices_sha256"], "not its series"
    return out


@pytest.fixture(scope="module")
def calibration(prices: np.ndarray) -> Callable[[], Calibration]:
    """A fresh calibration set each call (its scales are fitted when first asked)."""
    val = np.arange(TRAIN, VAL)
    errors = np.log(prices[val + 1] / prices[val])  # random-walk forecasts
    return lambda: Calibration(
        0.8, prices, TRAIN, val, errors, np.arange(WINDOW, TRAIN - 1), WINDOW
    )


@pytest.fixture(scope="module")
def compared(calibration: Callable[[], Calibration]) -> IntervalModel:
    return IntervalModel.fit(calibration(), "ewma", compare=True)


def _bounds(model: IntervalModel, method: str, prices: np.ndarray, origins: list[int]) -> Any:
    """The fixture's bounds: three steps around slightly moved forecasts, as lists."""
    at = np.array(origins)
    point = prices[at][:, None] * np.array([[1.0, 1.01, 0.99]])
    return [b.tolist() for b in model.bounds(method, point, prices, at)]


def test_every_method_is_the_class_in_the_module_of_its_name() -> None:
    assert tuple(METHODS) == INTERVAL_METHODS == get_args(IntervalMethod)
    for name, cls in METHODS.items():
        assert cls.name == name
        assert cls.__module__ == f"stockpred.models.intervals.{name}"
        assert cls.description


def test_a_run_fits_its_method_and_the_constant_one_and_nothing_else(
    calibration: Callable[[], Calibration], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: GARCH (arch's optimiser) and the quantile head (a torch fit) on every fit."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fitted a method nobody asked for")

    monkeypatch.setattr("stockpred.models.volatility.Garch.fit", refuse)
    monkeypatch.setattr("stockpred.models.quantile.QuantileHead.fit", refuse)
    model = IntervalModel.fit(calibration(), "ewma")
    assert model.methods == ("constant", "ewma")
    assert not model.compared
    assert model.tensors() == {}
    assert set(model.to_dict()) == {
        "level",
        "default",
        "methods",
        "constant",
        "ewma",
        "ewma_scaled",
    }
    assert IntervalModel.fit(calibration(), "constant").methods == ("constant",)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
def test_the_configured_methods_bounds_are_todays_bit_for_bit(
    method: str,
    calibration: Callable[[], Calibration],
    prices: np.ndarray,
    before: dict[str, Any],
) -> None:
    model = IntervalModel.fit(calibration(), method)
    assert model.methods == tuple(m for m in INTERVAL_METHODS if m in ("constant", method))
    again = IntervalModel.from_dict(json.loads(json.dumps(model.to_dict())), model.tensors())
    for name in model.methods:
        for fitted in (model, again):
            assert _bounds(fitted, name, prices, before["origins"]) == before["bounds"][name]


def test_the_comparison_fits_every_method_with_todays_parameters(
    compared: IntervalModel, prices: np.ndarray, before: dict[str, Any]
) -> None:
    assert compared.methods == INTERVAL_METHODS
    assert compared.compared
    saved = compared.to_dict()
    assert saved.pop("methods") == list(INTERVAL_METHODS)
    assert saved == before["calibration"]  # the same keys and values the old layout had
    for name in INTERVAL_METHODS:
        assert _bounds(compared, name, prices, before["origins"]) == before["bounds"][name]


@pytest.mark.parametrize("default", ["ewma", "garch", "volatility"])
def test_an_older_calibration_reads_only_the_forecasts_method_and_the_constant_one(
    default: str, prices: np.ndarray, before: dict[str, Any]
) -> None:
    """A folder saved when every method was fitted has no 'methods' key: what the forecast
    needs is read (no head arrays are asked for), and it bounds as it did."""
    old = {**before["calibration"], "default": default}
    model = IntervalModel.from_dict(old, {})
    assert model.methods == tuple(m for m in INTERVAL_METHODS if m in ("constant", default))
    for name in model.methods:
        assert _bounds(model, name, prices, before["origins"]) == before["bounds"][name]


def test_a_method_the_model_did_not_fit_is_refused_naming_the_fix(
    calibration: Callable[[], Calibration], prices: np.ndarray
) -> None:
    model = IntervalModel.fit(calibration(), "ewma")
    with pytest.raises(ConfigError, match=r"not 'garch'; refit with interval_method='garch' or"):
        model.bounds("garch", prices[:3, None], prices, np.arange(3))


@pytest.mark.parametrize("method", INTERVAL_METHODS)
def test_every_method_from_a_tail_and_its_start_equals_the_whole_history(
    method: str, compared: IntervalModel, prices: np.ndarray
) -> None:
    """predict() from a saved context reads a tail and the scales' variances at its start."""
    first, origin = N - 60, N - 1
    point = np.full((1, 4), prices[origin])
    start = compared.start_at(prices, first)
    whole = compared.bounds(method, point, prices, np.array([origin]))
    tail = compared.bounds(method, point, prices[first:], np.array([origin - first]), start)
    for ours, theirs in zip(tail, whole, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_a_start_saves_only_the_scales_that_are_fitted(
    calibration: Callable[[], Calibration], prices: np.ndarray
) -> None:
    from stockpred.models.volatility import ScaleStart

    start = IntervalModel.fit(calibration(), "ewma").start_at(prices, 100)
    assert start.garch is None
    assert start.ewma is not None
    assert ScaleStart.from_dict(start.to_dict()) == start
    assert set(start.to_dict()) == {"context_ewma_variance"}
