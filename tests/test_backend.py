"""One Backend protocol: a backtest's folds, a universe's tickers and its pooled fit all go
through ``map``, and what a backend can do is a declared member, not a probe."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

from stockpred import ForecastConfig
from stockpred.backend import Backend, InProcess, Lost
from stockpred.cluster.backend import RayBackend
from stockpred.cluster.local import LocalBackend
from stockpred.data.history import PriceHistory
from stockpred.evaluation.walkforward import forecast_folds
from stockpred.models.baselines import Drift, Naive

T = TypeVar("T")
R = TypeVar("R")


class Reversed(InProcess):
    """Runs the items last first, as a cluster may finish them, and counts the calls."""

    def __init__(self) -> None:
        self.items: list[object] = []

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], lost: Lost[T, R] | None = None
    ) -> Generator[R, None, None]:
        self.items += list(items)
        yield from super().map(fn, list(reversed(items)), lost)


def test_capabilities_are_declared_members_with_defaults() -> None:
    assert InProcess().fits_pooled_model is False
    assert LocalBackend(1).fits_pooled_model is False
    assert RayBackend().fits_pooled_model is True
    assert Backend in type(LocalBackend(1)).__mro__  # inherits the defaults


def test_a_backtests_folds_run_on_the_backend_given_and_come_back_in_fold_order(
    msft: PriceHistory,
) -> None:
    config = ForecastConfig(window=10, hidden=8, epochs=1, device="cpu")
    here = forecast_folds(msft, [Naive(), Drift()], config, folds=3)
    backend = Reversed()
    there = forecast_folds(msft, [Naive(), Drift()], config, folds=3, backend=backend)
    assert len(backend.items) == 3
    assert there.forecasts.equals(here.forecasts)
