"""The one contract every forecasting model follows, the LSTM and the baselines alike.

Evaluation code types against :class:`Model` only: it asks a model for an unfitted copy
(``new()``, like scikit-learn's ``clone``), fits that copy on a split's training span and
forecasts from origins. It never names a concrete model.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

import numpy as np

from stockpred.stats import interval_bounds

if TYPE_CHECKING:
    from typing_extensions import Self

    from stockpred.data.history import PriceHistory
    from stockpred.splits import Split

# The network's name in every table, column and file (baselines name themselves).
LSTM = "lstm"
# The network alone, before the validation gate and shrinkage (scored beside LSTM).
LSTM_RAW = f"{LSTM}_raw"


class Model(Protocol):
    """Fit on a split's training span, then forecast prices from any origin.

    A model may also carry ``residual_quantiles_`` (log-error quantiles learned on its
    validation span); evaluation then reports its prediction interval too.
    """

    name: str

    def fit(self, history: PriceHistory, split: Split) -> Self:
        """Learn from the sessions of ``split``'s training span only; returns ``self``."""
        ...

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]`` from the sessions known at each origin."""
        ...

    def new(self) -> Self:
        """An unfitted copy with the same parameters."""
        ...


def interval_bands(
    model: Model, point: np.ndarray, prices: np.ndarray, origins: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Interval bounds around ``point`` ``[n, steps]``, by column label; none without an interval.

    A model with ``intervals_`` (an IntervalModel) gives its default method under its own
    name and every method under ``name_method``; one with only ``residual_quantiles_`` gives
    the constant split-conformal interval under its name.
    """
    intervals = getattr(model, "intervals_", None)
    if intervals is not None:
        bands = {
            f"{model.name}_{method}": intervals.bounds(method, point, prices, origins)
            for method in intervals.methods
        }
        return {model.name: bands[f"{model.name}_{intervals.default}"], **bands}
    quantiles: list[float] | None = getattr(model, "residual_quantiles_", None)
    if quantiles is None:
        return {}
    return {model.name: interval_bounds(point, quantiles, np.arange(1, point.shape[1] + 1))}


def forecast_names(model: Model) -> tuple[str, ...]:
    """The columns a model's forecasts fill: its own name, then any companions' (lstm_raw)."""
    return (model.name, *getattr(model, "companion_names", ()))


def all_forecasts(
    model: Model, history: PriceHistory, origins: np.ndarray, horizon: int
) -> dict[str, np.ndarray]:
    """A fitted model's forecasts ``[n, horizon]`` by column: its own and its companions'.

    A model may carry ``companions(history, origins, horizon)``: forecasts to score beside
    its own on the same days (the LSTM's network alone, before the validation gate).
    """
    own = {model.name: model.predict_origins(history, origins, horizon)}
    companions = getattr(model, "companions", None)
    return own if companions is None else {**own, **companions(history, origins, horizon)}


class Estimator:
    """Shared ``new()``: ``__init__`` only stores its arguments, learned state ends in ``_``."""

    def new(self) -> Self:
        """An unfitted copy: the constructor's arguments again, none of the learned state."""
        params = {k: v for k, v in vars(self).items() if not k.endswith("_")}
        return type(self)(**params)


def blas_threads(threads: int) -> AbstractContextManager[object]:
    """numpy/scipy on ``threads`` BLAS threads (0: the library's default), like training.

    The work here is many small products (the numpy LSTM over validation windows, the
    statsmodels and arch fits): on a shared 2-core machine two BLAS threads made the numpy
    LSTM's validation pass 2.8× slower than one (0.80 s against 0.29 s for 1,800 windows).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads or None, user_api="blas")
